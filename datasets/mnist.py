"""Loaders of MNIST and its look-alikes (Fashion-MNIST, KMNIST): the book's ``load_mnist`` contract.

All of them return ``(x_train, t_train), (x_test, t_test)`` where

* x is float32 in [0, 1] if ``normalize`` else uint8 in [0, 255], shaped (N, 784) if
  ``flatten`` else (N, 1, 28, 28);
* t is uint8 class indices (N,), or float32 one-hot rows (N, 10) if ``one_hot_label``.

The files come from the cache directory (see :mod:`datasets.cache` for how it is chosen),
are checked against their known checksums on every load, and are downloaded from the
data set's mirrors when missing or corrupt (unless ``download=False``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from datasets.cache import dataset_dir
from datasets.checksums import file_mismatch
from datasets.dataset_files import ensure_dataset_files
from datasets.download import DEFAULT_TIMEOUT
from datasets.errors import ChecksumMismatchError, IdxFormatError
from datasets.formatting import format_split
from datasets.idx import read_idx
from datasets.specs import FASHION_MNIST, KMNIST, MNIST, DatasetSpec

Split = tuple[np.ndarray, np.ndarray]
PathLike = str | os.PathLike[str]


def _read_split(spec: DatasetSpec, split: str, directory: Path) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images (N, H, W) and labels (N,) of ``split``, checked against each other."""
    image_file, label_file = spec.split_files(split)
    images = read_idx(directory / image_file.name, expected_ndim=3)
    labels = read_idx(directory / label_file.name, expected_ndim=1)
    if images.shape[0] != labels.shape[0]:
        raise IdxFormatError(
            f"{directory / image_file.name} holds {images.shape[0]} images but "
            f"{directory / label_file.name} holds {labels.shape[0]} labels"
        )
    if labels.size and labels.max() >= spec.num_classes:
        raise IdxFormatError(
            f"{directory / label_file.name}: label {labels.max()} is out of range [0, {spec.num_classes})"
        )
    return images, labels


def load_idx_split(
    spec: DatasetSpec,
    split: str,
    data_dir: PathLike,
    normalize: bool = True,
    flatten: bool = True,
    one_hot_label: bool = False,
    *,
    verify: bool = True,
) -> Split:
    """``(x, t)`` of one split ("train" or "test") read from ``data_dir``, which holds the .gz files.

    Nothing is downloaded or deleted. With ``verify`` each file must match ``spec``'s
    checksums, else :class:`ChecksumMismatchError` names it; a missing file raises
    ``FileNotFoundError``.
    """
    directory = Path(data_dir).expanduser()
    if verify:
        for remote in spec.split_files(split):
            path = directory / remote.name
            problem = file_mismatch(path, remote)
            if problem is not None:
                raise ChecksumMismatchError(f"{path}: {problem}")
    images, labels = _read_split(spec, split, directory)
    return format_split(
        images,
        labels,
        normalize=normalize,
        flatten=flatten,
        one_hot_label=one_hot_label,
        num_classes=spec.num_classes,
    )


def load_idx_dataset(
    spec: DatasetSpec,
    normalize: bool = True,
    flatten: bool = True,
    one_hot_label: bool = False,
    *,
    data_dir: PathLike | None = None,
    download: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
) -> tuple[Split, Split]:
    """``(x_train, t_train), (x_test, t_test)`` of the data set ``spec`` (see the module docstring)."""
    directory = dataset_dir(spec.name, data_dir)
    ensure_dataset_files(spec, directory, download=download, timeout=timeout)
    options = {"normalize": normalize, "flatten": flatten, "one_hot_label": one_hot_label}
    train = format_split(*_read_split(spec, "train", directory), **options, num_classes=spec.num_classes)
    test = format_split(*_read_split(spec, "test", directory), **options, num_classes=spec.num_classes)
    return train, test


def load_idx_dataset_split(
    spec: DatasetSpec,
    split: str,
    normalize: bool = True,
    flatten: bool = True,
    one_hot_label: bool = False,
    *,
    data_dir: PathLike | None = None,
    download: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
) -> Split:
    """``(x, t)`` of one split ("train" or "test") of the data set ``spec``, as :func:`load_idx_dataset` gives
    it, from the cache directory: only that split's two files are checked, and downloaded when missing."""
    needed = spec.split_files(split)
    directory = dataset_dir(spec.name, data_dir)
    ensure_dataset_files(spec, directory, download=download, timeout=timeout, needed=needed)
    return format_split(*_read_split(spec, split, directory), normalize=normalize, flatten=flatten,
                        one_hot_label=one_hot_label, num_classes=spec.num_classes)


def load_mnist(
    normalize: bool = True,
    flatten: bool = True,
    one_hot_label: bool = False,
    *,
    data_dir: PathLike | None = None,
    download: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
) -> tuple[Split, Split]:
    """MNIST, 60000 training and 10000 test handwritten digits (see the module docstring)."""
    return load_idx_dataset(
        MNIST, normalize, flatten, one_hot_label, data_dir=data_dir, download=download, timeout=timeout
    )


def load_fashion_mnist(
    normalize: bool = True,
    flatten: bool = True,
    one_hot_label: bool = False,
    *,
    data_dir: PathLike | None = None,
    download: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
) -> tuple[Split, Split]:
    """Fashion-MNIST, 28x28 images of 10 kinds of clothing, same layout and contract as MNIST."""
    return load_idx_dataset(
        FASHION_MNIST,
        normalize,
        flatten,
        one_hot_label,
        data_dir=data_dir,
        download=download,
        timeout=timeout,
    )


def load_kmnist(
    normalize: bool = True,
    flatten: bool = True,
    one_hot_label: bool = False,
    *,
    data_dir: PathLike | None = None,
    download: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
) -> tuple[Split, Split]:
    """KMNIST (Kuzushiji-MNIST), 28x28 cursive Japanese characters in 10 classes, same contract as MNIST."""
    return load_idx_dataset(
        KMNIST, normalize, flatten, one_hot_label, data_dir=data_dir, download=download, timeout=timeout
    )


def load_mnist_split(
    split: str,
    data_dir: PathLike,
    normalize: bool = True,
    flatten: bool = True,
    one_hot_label: bool = False,
    *,
    verify: bool = True,
) -> Split:
    """``(x, t)`` of one MNIST split ("train" or "test") from the .gz files in ``data_dir``; no download."""
    return load_idx_split(MNIST, split, data_dir, normalize, flatten, one_hot_label, verify=verify)
