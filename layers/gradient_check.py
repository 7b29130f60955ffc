"""Numerical differentiation and gradient checking (chapter 4.3-4.4, 5.7.3)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np


def _default_step(x: np.ndarray) -> float:
    """A step h balancing truncation against round-off (~eps / h) for x's precision.

    float64: the book's 1e-4, for both stencils (a larger step lets more ReLU inputs cross their kink
    between x - 2h and x + 2h). Lower precisions: the cube root of machine epsilon, the classic
    optimum for two-point differences.
    """
    return 1e-4 if x.dtype == np.float64 else float(np.cbrt(np.finfo(x.dtype).eps))


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float | None = None, order: int = 2
) -> np.ndarray:
    """Centred differences of f with respect to every element of x.

    order 2 (the book's):  df/dx_i = (f(x + h e_i) - f(x - h e_i)) / 2h,  error ~ h^2.
    order 4:  (-f(x + 2h e_i) + 8 f(x + h e_i) - 8 f(x - h e_i) + f(x - 2h e_i)) / 12h,  error ~ h^4;
    twice the cost, used by :func:`gradient_check` so the check is limited by round-off alone.

    ``x`` is perturbed in place, one element at a time, and restored exactly afterwards; it may have
    any shape (a parameter shared with a network, for instance). Returns an array shaped like x.
    """
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise TypeError(
            f"numerical_gradient: expected a float ndarray, got {type(x).__name__} {getattr(x, 'dtype', '')}"
        )
    if order not in (2, 4):
        raise ValueError(f"numerical_gradient: order must be 2 or 4, got {order}")
    h = _default_step(x) if h is None else h
    stencil = ((1, 0.5), (-1, -0.5)) if order == 2 else ((2, -1 / 12), (1, 8 / 12), (-1, -8 / 12), (-2, 1 / 12))
    grad = np.zeros(x.shape, dtype=np.float64)
    for idx in np.ndindex(x.shape):
        original = x[idx]
        total = 0.0
        for steps, weight in stencil:
            x[idx] = original + steps * h
            total += weight * float(f(x))
        x[idx] = original
        grad[idx] = total / h
    return grad.astype(x.dtype, copy=False)


def relative_error(analytic: np.ndarray, numeric: np.ndarray, floor: float = 1e-3) -> float:
    """max_i |a_i - n_i| / max(|a_i| + |n_i|, floor * s), with s = max_j (|a_j| + |n_j|).

    0 for a perfect match, ~1 for unrelated values. Centred differences carry an error of order
    h^2 times the scale s of the whole gradient, not of each entry, so an entry a thousand times
    smaller than the largest is compared absolutely, against ``floor * s``; every larger entry is
    compared relatively. (A wrong entry of any size still shows: its error is measured against s.)
    """
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    if a.shape != n.shape:
        raise ValueError(f"relative_error: shapes differ, analytic {a.shape} vs numeric {n.shape}")
    if a.size == 0:
        return 0.0
    magnitude = np.abs(a) + np.abs(n)
    scale = float(magnitude.max())
    if scale == 0.0:
        return 0.0
    return float((np.abs(a - n) / np.maximum(magnitude, floor * scale)).max())


def gradient_check(
    loss: Callable[[], float],
    params: Mapping[str, np.ndarray],
    grads: Mapping[str, np.ndarray],
    h: float | None = None,
    floor: float = 1e-3,
    order: int = 4,
) -> dict[str, float]:
    """Compare analytic ``grads`` with centred differences of ``loss()`` for every parameter.

    ``loss`` takes no argument and reads the arrays in ``params`` (which are perturbed in place and
    restored). Returns the maximum relative error (:func:`relative_error`) per parameter name.
    Use float64 parameters: in float32 round-off alone gives errors around 1e-3.
    """
    missing = sorted(set(params) - set(grads))
    if missing:
        raise KeyError(f"gradient_check: no analytic gradient for parameter(s) {missing}")
    return {
        name: relative_error(grads[name], numerical_gradient(lambda _: loss(), p, h, order), floor)
        for name, p in params.items()
    }
