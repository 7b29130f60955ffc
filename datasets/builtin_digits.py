"""The built-in digits: an MNIST-like data set drawn by :mod:`datasets.digit_generator`, no network needed.

Same contract as :func:`datasets.mnist.load_mnist`. The arrays depend only on ``seed``,
``n_train`` and ``n_test`` (the test set does not depend on ``n_train``), and are cached as an
uncompressed ``.npz`` of uint8 arrays, so that later loads take a fraction of a second.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from datasets.cache import dataset_dir
from datasets.digit_generator import IMAGE_SIZE, NUM_CLASSES, generate_digits
from datasets.errors import BuiltinCacheError
from datasets.formatting import format_split
from fileio import ArchiveError, ArrayInfo, atomic_write, describe, read_npz, write_npz

BUILTIN_NAME = "builtin-digits"
GENERATOR_VERSION = 2  # bump whenever the generator's output changes, so old caches are not reused
_KEYS = ("x_train", "t_train", "x_test", "t_test")
_log = logging.getLogger(__name__)

Split = tuple[np.ndarray, np.ndarray]


def builtin_cache_path(
    seed: int, n_train: int, n_test: int, data_dir: str | os.PathLike[str] | None = None
) -> Path:
    """Where the arrays for these arguments are cached."""
    name = f"digits-v{GENERATOR_VERSION}-seed{seed}-train{n_train}-test{n_test}.npz"
    return dataset_dir(BUILTIN_NAME, data_dir) / name


def generate_builtin_digits(n_train: int, n_test: int, seed: int) -> dict[str, np.ndarray]:
    """Fresh uint8 arrays ``x_train`` (n_train, 28, 28), ``t_train`` (n_train,), ``x_test``, ``t_test``."""
    train_seed, test_seed = np.random.SeedSequence(seed).spawn(2)
    x_train, t_train = generate_digits(n_train, np.random.default_rng(train_seed))
    x_test, t_test = generate_digits(n_test, np.random.default_rng(test_seed))
    return {"x_train": x_train, "t_train": t_train, "x_test": x_test, "t_test": t_test}


def _expected_shapes(n_train: int, n_test: int) -> dict[str, tuple[int, ...]]:
    return {
        "x_train": (n_train, IMAGE_SIZE, IMAGE_SIZE),
        "t_train": (n_train,),
        "x_test": (n_test, IMAGE_SIZE, IMAGE_SIZE),
        "t_test": (n_test,),
    }


def read_builtin_cache(path: Path, n_train: int, n_test: int) -> dict[str, np.ndarray]:
    """The four arrays stored at ``path``; :class:`BuiltinCacheError` if unreadable, of the wrong shape
    or holding labels outside [0, NUM_CLASSES).

    Keys, shapes and dtypes are checked from the archive's directory before any data is read.
    """
    shapes = _expected_shapes(n_train, n_test)

    def check(directory: Mapping[str, ArrayInfo]) -> None:
        if sorted(directory) != sorted(_KEYS):
            raise BuiltinCacheError(f"{path}: holds keys {sorted(directory)}, expected {sorted(_KEYS)}")
        for key, shape in shapes.items():
            info = directory[key]
            if info.shape != shape or info.dtype != np.uint8:
                raise BuiltinCacheError(f"{path}: {key} is {describe(info)}, expected uint8{list(shape)}")

    try:
        arrays = read_npz(path, check)
    except (ArchiveError, OSError) as error:
        raise BuiltinCacheError(f"{path}: unreadable built-in digits cache ({error})") from error
    for key in ("t_train", "t_test"):
        _check_labels(path, key, arrays[key])
    return arrays


def _check_labels(path: Path, key: str, labels: np.ndarray) -> None:
    """:class:`BuiltinCacheError` naming ``path`` unless every uint8 label lies in [0, NUM_CLASSES)."""
    if labels.size and labels.max() >= NUM_CLASSES:
        raise BuiltinCacheError(
            f"{path}: {key} holds labels up to {labels.max()}, expected labels in [0, {NUM_CLASSES})"
        )


def _write_cache(path: Path, arrays: dict[str, np.ndarray]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path) as handle:
            write_npz(handle, arrays)
    except OSError as error:
        _log.warning("could not cache the built-in digits at %s: %s", path, error)


def _builtin_arrays(n_train: int, n_test: int, seed: int, data_dir: str | os.PathLike[str] | None) -> dict:
    path = builtin_cache_path(seed, n_train, n_test, data_dir)
    try:
        cached = path.is_file()
    except OSError as error:  # a folder name too long, say: no cache can be read or written there
        _log.warning("cannot use the built-in digits cache at %s (%s); generating them", path,
                     error.strerror or error)
        return generate_builtin_digits(n_train, n_test, seed)
    if cached:
        try:
            return read_builtin_cache(path, n_train, n_test)
        except BuiltinCacheError as error:
            _log.warning("%s; generating it again and replacing the cache", error)
    arrays = generate_builtin_digits(n_train, n_test, seed)
    _write_cache(path, arrays)
    return arrays


def load_builtin_digits(
    normalize: bool = True,
    flatten: bool = True,
    one_hot_label: bool = False,
    *,
    n_train: int = 60000,
    n_test: int = 10000,
    seed: int = 0,
    data_dir: str | os.PathLike[str] | None = None,
) -> tuple[Split, Split]:
    """``(x_train, t_train), (x_test, t_test)`` of the built-in digits, shaped and typed like ``load_mnist``.

    x: float32 in [0, 1] (N, 784) by default, uint8 without ``normalize``, (N, 1, 28, 28)
    without ``flatten``; t: uint8 (N,) or float32 one-hot (N, 10). Cached under ``data_dir``
    (default ``<cache root>/builtin-digits``); the first call generates (a few seconds for 70000).
    """
    for name, value in (("n_train", n_train), ("n_test", n_test), ("seed", seed)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"{name} must be a non-negative int, got {value!r}")
    arrays = _builtin_arrays(int(n_train), int(n_test), int(seed), data_dir)
    options = dict(normalize=normalize, flatten=flatten, one_hot_label=one_hot_label, num_classes=NUM_CLASSES)
    # pop, so each split's uint8 images are freed as soon as its float32 copy exists (peak memory)
    train = format_split(arrays.pop("x_train"), arrays.pop("t_train"), **options)
    test = format_split(arrays.pop("x_test"), arrays.pop("t_test"), **options)
    return train, test
