"""The data a script trains on, chosen by its --dataset option.

Without --dataset a script uses MNIST, or the built-in digits when MNIST cannot be had, saying why in one
line that names the missing files. A --dataset given explicitly is honoured or refused, in one line that says
what is missing where, why it could not be downloaded and how to get it: never replaced.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from cli.parser import ScriptParser
from datasets import (
    ENV_DATA_DIR,
    IDX_DATASETS,
    MNIST,
    DataDirError,
    DatasetInfo,
    DatasetUnavailableError,
    dataset_dir,
    load_dataset,
    load_dataset_split,
    load_mnist_split,
)
from datasets.cache import another_data_dir, data_dir_setting, display_path

DEFAULT_DATASET = "mnist"

Split = tuple[np.ndarray, np.ndarray]


def load_script_data(parser: ScriptParser, requested: str | None, *, flatten: bool = True,
                     one_hot_label: bool = False, normalize: bool = True) -> tuple[tuple[Split, Split], DatasetInfo]:
    """``((x_train, t_train), (x_test, t_test)), info`` for --dataset ``requested`` (None: the default).

    A fallback prints its notice; an explicit data set that cannot be had ends the script (status 2) with
    one line (:func:`unavailable_line`); so does a data folder that cannot be worked out
    (:class:`datasets.DataDirError`), whatever was asked. The data
    never depends on a script's --seed (which seeds weights and batches): the built-in digits are always
    the loader's default draw, the same train and test sets and one cache file for every run.
    ``normalize=False`` keeps the pixels as uint8 0-255, as the book's ``load_mnist(normalize=False)``.
    """
    return _load(parser, requested, load_dataset, normalize=normalize, flatten=flatten, one_hot_label=one_hot_label)


def load_script_split(parser: ScriptParser, requested: str | None, split: str, *, flatten: bool = True,
                      one_hot_label: bool = False, normalize: bool = True) -> tuple[Split, DatasetInfo]:
    """``(x, t), info``: one split ("train" or "test") of --dataset ``requested``, as :func:`load_script_data`
    gives it, for a script that needs no other: an MNIST-like data set is then had (or falls back, or is
    refused) on that split's two files alone."""
    def load(name: str, **options: Any) -> tuple[Split, DatasetInfo]:
        return load_dataset_split(name, split, **options)

    return _load(parser, requested, load, normalize=normalize, flatten=flatten, one_hot_label=one_hot_label)


def _load(parser: ScriptParser, requested: str | None, loader: Callable[..., tuple[Any, DatasetInfo]],
          **options: bool) -> tuple[Any, DatasetInfo]:
    """What ``loader`` (load_dataset's arguments) gives for --dataset ``requested``, its fallback said and its
    errors turned into one line (see :func:`load_script_data`)."""
    name = DEFAULT_DATASET if requested is None else requested
    try:
        data, info = loader(name, **options, fallback_to_builtin=requested is None)
    except DatasetUnavailableError as error:
        parser.fail(f"--dataset {name}: {unavailable_line(name, error)}")
    except DataDirError as error:  # ZEROPROP_DATA_DIR, or the home folder under the default one
        parser.fail(str(error))
    if info.fell_back:
        print(f"notice: {info.fallback_reason}")
    return data, info


def unavailable_line(name: str, error: DatasetUnavailableError) -> str:
    """The loader's several lines about data set ``name`` in one: what is missing where and why it could not be
    downloaded (every mirror's reason is summed up in ``error.short_reason``), and how to get it."""
    spec = IDX_DATASETS[name]
    how = (another_data_dir(spec.name) if error.folder_unusable else
           f"connect to the network and run again, copy its original .gz files there (or set {ENV_DATA_DIR} to a "
           f"folder whose '{spec.name}' sub-folder holds them)")
    return (f"{spec.title} is not available in {display_path(Path(error.directory))} ({error.lacking}) and "
            f"{error.short_reason}; to get it, {how}, or use --dataset builtin")


def first(split: Split, n: int | None) -> Split:
    """The first ``n`` samples of ``split`` (all of them when ``n`` is None)."""
    x, t = split
    return (x, t) if n is None else (x[:n], t[:n])


def first_within(parser: ScriptParser, option: str, split: Split, n: int | None, what: str) -> Split:
    """The first ``n`` samples of ``split``, the value of ``option``: one written above the samples there are is
    refused naming them ("the 150 ``what``"), one from a default or --quick is cut to them
    (:meth:`ScriptParser.within_data`)."""
    return first(split, parser.within_data(option, n, len(split[0]), f"the {len(split[0])} {what}"))


def load_mnist_test_images(parser: ScriptParser, data_dir: str | os.PathLike | None, *,
                           flatten: bool = False) -> tuple[Split, str]:
    """The real MNIST test set (t10k-*.gz in ``data_dir``, the --mnist-test-dir given; None: the MNIST cache) as
    (N, 1, 28, 28) images (``flatten``: N x 784 rows), and its title. Missing or unreadable files end the script
    naming the folder read: --mnist-test-dir, or else the cache folder, with --mnist-test-dir as the way to
    read another."""
    if data_dir is not None:
        where, how = "argument --mnist-test-dir", ""
    else:
        try:
            data_dir = dataset_dir(MNIST.name)
        except DataDirError as error:  # ZEROPROP_DATA_DIR, or the home folder under the default cache
            parser.fail(str(error))
        folder = (f"the MNIST cache folder under {ENV_DATA_DIR}, {display_path(data_dir)}"
                  if data_dir_setting() else
                  f"the default MNIST cache folder {display_path(data_dir)}")
        where = f"no MNIST test set in {folder}"
        how = (f"; python -m scripts.mnist_show --dataset {MNIST.name} downloads MNIST there, or pass "
               "--mnist-test-dir DIR to read t10k-*.gz from another folder")
    try:
        return load_mnist_split("test", data_dir, flatten=flatten), f"MNIST test set in {data_dir}"
    except (OSError, ValueError, DatasetUnavailableError) as error:
        parser.fail(f"{where}: {error}{how}")
