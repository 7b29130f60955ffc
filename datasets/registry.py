"""One entry point for scripts: load a data set by name, optionally falling back to the built-in digits."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from datasets.builtin_digits import load_builtin_digits
from datasets.cache import dataset_dir, display_path
from datasets.errors import DatasetUnavailableError
from datasets.mnist import load_idx_dataset, load_idx_dataset_split
from datasets.specs import IDX_DATASETS, SPLITS

BUILTIN = "builtin"
DATASET_NAMES: tuple[str, ...] = (*IDX_DATASETS, BUILTIN)

Split = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class DatasetInfo:
    """What :func:`load_dataset` actually returned.

    ``requested`` and ``name`` are names from :data:`DATASET_NAMES`; ``name`` differs from
    ``requested`` only after a fallback, and then ``fallback_reason`` is a one-line explanation.
    """

    requested: str
    name: str
    title: str
    fallback_reason: str | None = None

    @property
    def fell_back(self) -> bool:
        """True when the built-in digits stand in for the requested data set."""
        return self.fallback_reason is not None

    @property
    def notice(self) -> str | None:
        """The line a script should print before training (the fallback reason), or ``None``."""
        return self.fallback_reason


def load_dataset(
    name: str,
    normalize: bool = True,
    flatten: bool = True,
    one_hot_label: bool = False,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    download: bool = True,
    fallback_to_builtin: bool = False,
    seed: int = 0,
) -> tuple[tuple[Split, Split], DatasetInfo]:
    """``((x_train, t_train), (x_test, t_test)), info`` for ``name`` in :data:`DATASET_NAMES`.

    Arrays follow the ``load_mnist`` contract. ``data_dir`` is the directory holding that data
    set's files; ``seed`` only matters for "builtin". When the data set is unavailable and
    ``fallback_to_builtin`` is set, the built-in digits are returned instead (with the default
    cache directory, not ``data_dir``) and ``info`` says why; otherwise
    :class:`DatasetUnavailableError` propagates.
    """
    return _load(name, None, dict(normalize=normalize, flatten=flatten, one_hot_label=one_hot_label),
                 data_dir=data_dir, download=download, fallback_to_builtin=fallback_to_builtin, seed=seed)


def load_dataset_split(
    name: str,
    split: str,
    normalize: bool = True,
    flatten: bool = True,
    one_hot_label: bool = False,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    download: bool = True,
    fallback_to_builtin: bool = False,
    seed: int = 0,
) -> tuple[Split, DatasetInfo]:
    """``(x, t), info``: one split ("train" or "test") of ``name``, as :func:`load_dataset` gives it. An MNIST-like
    data set needs only that split's two files (a folder holding the test files alone gives the test split);
    it falls back, with ``fallback_to_builtin``, only when those cannot be had."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    return _load(name, split, dict(normalize=normalize, flatten=flatten, one_hot_label=one_hot_label),
                 data_dir=data_dir, download=download, fallback_to_builtin=fallback_to_builtin, seed=seed)


def _load(name: str, split: str | None, options: dict[str, bool], *, data_dir: str | os.PathLike[str] | None,
          download: bool, fallback_to_builtin: bool, seed: int) -> tuple[Any, DatasetInfo]:
    """Both splits of ``name`` (``split`` None) or the one named, and what was loaded (see :func:`load_dataset`)."""
    def pick(data: tuple[Split, Split]) -> Any:
        return data if split is None else data[SPLITS.index(split)]

    if name == BUILTIN:
        data = load_builtin_digits(**options, seed=seed, data_dir=data_dir)
        return pick(data), DatasetInfo(BUILTIN, BUILTIN, "built-in digits")
    if name not in IDX_DATASETS:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(DATASET_NAMES)}")
    spec = IDX_DATASETS[name]
    try:
        data = (load_idx_dataset(spec, **options, data_dir=data_dir, download=download) if split is None else
                load_idx_dataset_split(spec, split, **options, data_dir=data_dir, download=download))
        return data, DatasetInfo(name, name, spec.title)
    except DatasetUnavailableError as error:
        if not fallback_to_builtin:
            raise
        where = display_path(dataset_dir(spec.name, data_dir))
        reason = (
            f"{spec.title} is not complete in {where} ({error.lacking}) and "
            f"{error.short_reason}: "
            "using the built-in digits instead"
        )
    data = load_builtin_digits(**options, seed=seed)
    return pick(data), DatasetInfo(name, BUILTIN, "built-in digits", reason)
