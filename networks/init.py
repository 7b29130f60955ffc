"""Random generators and weight initialisation (chapter 6.2)."""

from __future__ import annotations

import numpy as np

WeightInit = float | str

_NAMED_GAINS = {"relu": 2.0, "he": 2.0, "sigmoid": 1.0, "xavier": 1.0, "tanh": 1.0}


def make_rng(seed: int | None = None, rng: np.random.Generator | None = None) -> np.random.Generator:
    """The generator to draw from: ``rng`` if given, else a new one seeded with ``seed``."""
    if rng is not None and seed is not None:
        raise ValueError("give either seed or rng, not both")
    return rng if rng is not None else np.random.default_rng(seed)


def weight_std(weight_init: WeightInit, fan_in: int) -> float:
    """Standard deviation for a weight with ``fan_in`` inputs per unit.

    A number is used as it is; "he"/"relu" gives sqrt(2 / fan_in) and "xavier"/"sigmoid"/"tanh"
    gives sqrt(1 / fan_in), the scales that keep activations spread out across layers.
    """
    if isinstance(weight_init, str):
        key = weight_init.lower()
        if key not in _NAMED_GAINS:
            raise ValueError(f"weight_init: expected a number or one of {sorted(_NAMED_GAINS)}, got {weight_init!r}")
        return float(np.sqrt(_NAMED_GAINS[key] / fan_in))
    return float(weight_init)


def init_weight(
    rng: np.random.Generator, shape: tuple[int, ...], weight_init: WeightInit, fan_in: int, dtype: np.dtype
) -> np.ndarray:
    """Gaussian weights of ``shape`` with std from :func:`weight_std`, in ``dtype``."""
    return (weight_std(weight_init, fan_in) * rng.standard_normal(shape)).astype(dtype, copy=False)
