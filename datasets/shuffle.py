"""The book's ``shuffle_dataset`` (common/util.py), with its own random generator."""

from __future__ import annotations

import numpy as np


def shuffle_dataset(x: np.ndarray, t: np.ndarray, seed: int | None = None,
                    rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """x and t in one random order of their first axis (copies), as the book shuffles before it splits
    off validation data (chapter 6.5.1). ``seed`` (an int >= 0) or ``rng`` (a numpy.random.Generator)
    makes the order reproducible; neither: a fresh generator. Never NumPy's global one."""
    x, t = np.asarray(x), np.asarray(t)
    if x.ndim == 0 or t.ndim == 0 or x.shape[0] != t.shape[0]:
        raise ValueError(f"shuffle_dataset: expected x and t with the same number of samples along their first "
                         f"axis, got shapes {x.shape} and {t.shape}")
    if rng is not None and seed is not None:
        raise ValueError("shuffle_dataset: give either seed or rng, not both")
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise TypeError(f"shuffle_dataset: rng must be a numpy.random.Generator, got {type(rng).__name__}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0):
        raise ValueError(f"shuffle_dataset: seed must be None or an integer >= 0, got {seed!r}")
    order = (rng if rng is not None else np.random.default_rng(seed)).permutation(x.shape[0])
    return x[order], t[order]
