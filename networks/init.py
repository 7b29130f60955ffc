"""Random generators and weight initialisation (chapter 6.2)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from layers.checks import generator

WeightInit = float | str

_NAMED_GAINS = {"relu": 2.0, "he": 2.0, "sigmoid": 1.0, "xavier": 1.0, "tanh": 1.0}


def make_rng(seed: int | None = None, rng: np.random.Generator | None = None,
             owner: str = "network") -> np.random.Generator:
    """The generator to draw from: ``rng`` if given, else a new one seeded with ``seed`` (checked as a
    layer's are, :func:`layers.checks.generator`; errors name ``owner``)."""
    return generator(seed, rng, owner)


def is_layer_size(size: object) -> bool:
    """Whether ``size`` can be a layer's size: a positive integer (not a float, a bool or zero)."""
    return isinstance(size, int | np.integer) and not isinstance(size, bool) and size > 0


def check_sizes(owner: str, **sizes: object) -> None:
    """Each layer size must be a positive integer (not a float, a bool or zero): ValueError naming it."""
    for name, size in sizes.items():
        if not is_layer_size(size):
            raise ValueError(f"{owner}: {name} must be a positive integer, got {size!r}")


def layer_sizes(owner: str, input_size: Any, hidden_size_list: Any, output_size: Any) -> list[int]:
    """[input_size, *hidden_size_list, output_size], each a positive integer (TypeError for a hidden list
    that is no list, a string say; ValueError for a size that is a float, a bool or below 1), naming ``owner``."""
    if isinstance(hidden_size_list, str) or not isinstance(hidden_size_list, Iterable):
        raise TypeError(f"{owner}: hidden_size_list must be a list of the hidden layers' sizes, "
                        f"got {hidden_size_list!r}")
    sizes = [input_size, *hidden_size_list, output_size]
    if not all(is_layer_size(n) for n in sizes):
        raise ValueError(f"{owner}: layer sizes must be positive integers, got {sizes}")
    return sizes


def weight_std(weight_init: WeightInit, fan_in: int, owner: str | None = None) -> float:
    """Standard deviation for a weight with ``fan_in`` inputs per unit.

    A number is used as it is; "he"/"relu" gives sqrt(2 / fan_in) and "xavier"/"sigmoid"/"tanh"
    gives sqrt(1 / fan_in), the scales that keep activations spread out across layers. Errors name
    ``owner`` (the network) when given.
    """
    where = f"{owner}: " if owner else ""
    if isinstance(weight_init, str):
        key = weight_init.lower()
        if key not in _NAMED_GAINS:
            raise ValueError(f"{where}weight_init: expected a number or one of {sorted(_NAMED_GAINS)}, "
                             f"got {weight_init!r}")
        return float(np.sqrt(_NAMED_GAINS[key] / fan_in))
    if isinstance(weight_init, bool) or not isinstance(weight_init, int | float | np.integer | np.floating) \
            or not 0 <= weight_init < np.inf:
        raise ValueError(f"{where}weight_init_std: expected a finite number >= 0 or one of {sorted(_NAMED_GAINS)}, "
                         f"got {weight_init!r}")
    return float(weight_init)


def init_weight(rng: np.random.Generator, shape: tuple[int, ...], weight_init: WeightInit, fan_in: int,
                dtype: np.dtype, owner: str | None = None) -> np.ndarray:
    """Gaussian weights of ``shape`` with std from :func:`weight_std`, in ``dtype``. ValueError, naming
    ``owner`` when given, where that std makes weights too large for ``dtype`` (inf)."""
    std = weight_std(weight_init, fan_in, owner)
    with np.errstate(over="ignore", invalid="ignore"):
        W = (std * rng.standard_normal(shape)).astype(dtype, copy=False)
    if not np.isfinite(W).all():
        where = f"{owner}: " if owner else ""
        raise ValueError(f"{where}weight_init_std={weight_init!r} gives weights beyond {np.dtype(dtype).name}'s "
                         f"range (largest {np.finfo(dtype).max:.3g}); expected a std a few orders below it")
    return W
