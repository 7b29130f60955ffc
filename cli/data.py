"""The data a script trains on, chosen by its --dataset option.

Without --dataset a script uses MNIST, or the built-in digits when MNIST cannot be had, saying why in one
line that names the missing files. A --dataset given explicitly is honoured or refused: never replaced.
"""

from __future__ import annotations

import os

import numpy as np

from cli.parser import ScriptParser
from datasets import DataDirError, DatasetInfo, DatasetUnavailableError, load_dataset, load_mnist_split

DEFAULT_DATASET = "mnist"

Split = tuple[np.ndarray, np.ndarray]


def load_script_data(parser: ScriptParser, requested: str | None, *, flatten: bool = True,
                     one_hot_label: bool = False, normalize: bool = True) -> tuple[tuple[Split, Split], DatasetInfo]:
    """``((x_train, t_train), (x_test, t_test)), info`` for --dataset ``requested`` (None: the default).

    A fallback prints its notice; an explicit data set that cannot be had ends the script (status 2) with
    the loader's message: which files are missing, where they were looked for, how to get them; so does a
    data folder that cannot be worked out (:class:`datasets.DataDirError`), whatever was asked. The data
    never depends on a script's --seed (which seeds weights and batches): the built-in digits are always
    the loader's default draw, the same train and test sets and one cache file for every run.
    ``normalize=False`` keeps the pixels as uint8 0-255, as the book's ``load_mnist(normalize=False)``.
    """
    name = DEFAULT_DATASET if requested is None else requested
    try:
        data, info = load_dataset(name, normalize=normalize, flatten=flatten, one_hot_label=one_hot_label,
                                  fallback_to_builtin=requested is None)
    except DatasetUnavailableError as error:
        parser.fail(f"--dataset {name}: {error}")
    except DataDirError as error:  # ZEROPROP_DATA_DIR, or the home folder under the default one
        parser.fail(str(error))
    if info.fell_back:
        print(f"notice: {info.fallback_reason}")
    return data, info


def first(split: Split, n: int | None) -> Split:
    """The first ``n`` samples of ``split`` (all of them when ``n`` is None)."""
    x, t = split
    return (x, t) if n is None else (x[:n], t[:n])


def load_mnist_test_images(parser: ScriptParser, data_dir: str | os.PathLike, *,
                           flatten: bool = False) -> tuple[Split, str]:
    """The real MNIST test set (t10k-*.gz in ``data_dir``) as (N, 1, 28, 28) images (``flatten``: N x 784
    rows), and its title; missing or unreadable files end the script naming --mnist-test-dir."""
    try:
        return load_mnist_split("test", data_dir, flatten=flatten), f"MNIST test set in {data_dir}"
    except (OSError, ValueError, DatasetUnavailableError) as error:
        parser.fail(f"argument --mnist-test-dir: {error}")
