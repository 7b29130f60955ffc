"""Numerical differentiation and gradient checking (chapter 4.3-4.4, 5.7.3)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np


def _default_step(x: np.ndarray) -> float:
    """A step h balancing truncation (~h^2) against round-off (~eps/h) for x's precision.

    float64: the book's 1e-4 (truncation stays ~1e-8 relative to each entry, round-off ~1e-12);
    lower precisions: the cube root of machine epsilon, the classic optimum for centred differences.
    """
    return 1e-4 if x.dtype == np.float64 else float(np.cbrt(np.finfo(x.dtype).eps))


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float | None = None) -> np.ndarray:
    """Centred differences: df/dx_i = (f(x + h e_i) - f(x - h e_i)) / 2h for every element of x.

    ``x`` is perturbed in place, one element at a time, and restored exactly afterwards; it may have
    any shape (a parameter shared with a network, for instance). Returns an array shaped like x.
    """
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise TypeError(f"numerical_gradient: expected a float ndarray, got {type(x).__name__} "
                        f"{getattr(x, 'dtype', '')}")
    h = _default_step(x) if h is None else h
    grad = np.zeros(x.shape, dtype=np.float64)
    for idx in np.ndindex(x.shape):
        original = x[idx]
        x[idx] = original + h
        f_plus = float(f(x))
        x[idx] = original - h
        f_minus = float(f(x))
        x[idx] = original
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad.astype(x.dtype, copy=False)


def relative_error(analytic: np.ndarray, numeric: np.ndarray, floor: float = 1e-6) -> float:
    """max_i |a_i - n_i| / max(|a_i| + |n_i|, floor): 0 for a perfect match, ~1 for unrelated values.

    ``floor`` keeps entries whose true gradient is ~0 from dividing round-off by ~0: for those the
    check becomes an absolute one, |a_i - n_i| <= floor * (reported error).
    """
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    if a.shape != n.shape:
        raise ValueError(f"relative_error: shapes differ, analytic {a.shape} vs numeric {n.shape}")
    if a.size == 0:
        return 0.0
    return float((np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), floor)).max())


def gradient_check(
    loss: Callable[[], float],
    params: Mapping[str, np.ndarray],
    grads: Mapping[str, np.ndarray],
    h: float | None = None,
    floor: float = 1e-6,
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
        name: relative_error(grads[name], numerical_gradient(lambda _: loss(), p, h), floor)
        for name, p in params.items()
    }
