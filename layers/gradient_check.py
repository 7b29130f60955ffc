"""Numerical differentiation and gradient checking (chapter 4.3-4.4, 5.7.3)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

STENCILS: dict[int, tuple[tuple[int, float], ...]] = {
    2: ((1, 0.5), (-1, -0.5)),
    4: ((2, -1 / 12), (1, 8 / 12), (-1, -8 / 12), (-2, 1 / 12)),
}


def numerical_diff(f: Callable[[float], float], x: float, h: float = 1e-4) -> float:
    """The derivative of a function of one number by a centred difference (chapter 4.3.1):

        df/dx ~ (f(x + h) - f(x - h)) / 2h,  error ~ h^2 |f^(3)(x)| / 6.

    The book's h = 1e-4: a much smaller h loses the difference to round-off (1e-50 gives 0).
    """
    x = float(x)
    return (float(f(x + h)) - float(f(x - h))) / (2 * h)


def _centred_difference(f: Callable[[np.ndarray], float], x: np.ndarray, idx: tuple[int, ...],
                        h: float, order: int) -> float:
    """df/dx[idx] by the centred stencil of ``order``; x[idx] is perturbed and restored exactly."""
    original = x[idx]
    total = 0.0
    try:
        for steps, weight in STENCILS[order]:
            x[idx] = original + steps * h
            total += weight * _number(f(x))
    finally:  # also when f raises: a network's weight must not stay perturbed
        x[idx] = original
    return total / h


def _number(value: object) -> float:
    """f's value as a float; TypeError when f returns more than one number (a loss is one number)."""
    if type(value) is float:
        return value
    if np.ndim(value) != 0 and np.size(value) != 1:
        raise TypeError(f"numerical_gradient: f must return one number (a loss), got an array of shape "
                        f"{np.shape(value)}; sum it, or differentiate each entry on its own")
    try:
        return float(np.asarray(value).reshape(()))
    except (TypeError, ValueError):
        raise TypeError(f"numerical_gradient: f must return one number (a loss), got {type(value).__name__} "
                        f"{value!r:.60}") from None


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
    if not x.flags.writeable:
        raise ValueError("numerical_gradient: x must be writeable: each entry is nudged in place and restored "
                         "(pass a copy of a read-only array)")
    h = _default_step(x) if h is None else h
    grad = np.zeros(x.shape, dtype=np.float64)
    for idx in np.ndindex(x.shape):
        grad[idx] = _centred_difference(f, x, idx, h, order)
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


GRADIENT_THRESHOLD = 1e-7  # what a float64 gradient check must reach

ERROR_MEASURE = (
    "error = max |backprop - numerical| / max(|backprop| + |numerical|), maxima over the whole array:\n"
    "0 when they agree, ~1 when unrelated (a ratio taken entry by entry blows up on entries near 0, where\n"
    "both gradients are round-off, although they agree)"
)


@dataclass(frozen=True)
class GradientReport:
    """How backprop's gradient of one parameter compares with centred differences.

    error = max_i |a_i - n_i| / max(max_i (|a_i| + |n_i|), floor): the largest disagreement against the
    gradient's own scale, 0 for a perfect match and about 1 for unrelated arrays. ``floor`` is the
    smallest scale the differences can resolve (their round-off divided by the threshold): a gradient
    smaller than that (a bias that batch norm cancels, whose gradient is exactly 0) is compared
    absolutely. ``remeasured`` counts entries differentiated again with a smaller step
    (see :func:`check_gradients`).
    """

    name: str
    shape: tuple[int, ...]
    max_abs_diff: float
    scale: float
    error: float
    threshold: float
    floor: float = 0.0
    remeasured: int = 0

    @property
    def ok(self) -> bool:
        return bool(np.isfinite(self.error)) and self.error < self.threshold

    @property
    def verdict(self) -> str:
        return "OK" if self.ok else "FAIL"

    def __str__(self) -> str:
        shape = "x".join(map(str, self.shape)) or "scalar"
        notes = []
        if self.scale < self.floor:
            notes.append(f"gradient below the round-off floor {self.floor:.0e}: divided by the floor")
        if self.remeasured:
            entries = "entry" if self.remeasured == 1 else "entries"
            notes.append(f"{self.remeasured} {entries} re-measured with a smaller step")
        note = f" ({'; '.join(notes)})" if notes else ""
        return (f"{self.name} ({shape}): max |backprop - numerical| = {self.max_abs_diff:.2e}, "
                f"max |backprop| + |numerical| = {self.scale:.2e}, error = {self.error:.2e} "
                f"{'<' if self.ok else '>='} {self.threshold:.0e}: {self.verdict}{note}")


def compare_gradients(name: str, analytic: np.ndarray, numeric: np.ndarray, threshold: float = GRADIENT_THRESHOLD,
                      floor: float = 0.0, remeasured: int = 0) -> GradientReport:
    """The :class:`GradientReport` of two arrays of the same shape (see its docstring for the measure)."""
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    if a.shape != n.shape:
        raise ValueError(f"compare_gradients: {name}: shapes differ, backprop {a.shape} vs numerical {n.shape}")
    diff = float(np.abs(a - n).max()) if a.size else 0.0
    scale = float((np.abs(a) + np.abs(n)).max()) if a.size else 0.0
    denominator = max(scale, floor)
    error = diff / denominator if denominator > 0 else 0.0
    if not (np.isfinite(diff) and np.isfinite(scale)):
        error = float("nan")
    return GradientReport(name, a.shape, diff, scale, error, threshold, floor, remeasured)


def roundoff_floor(loss_value: float, h: float, dtype: np.dtype | type, threshold: float = GRADIENT_THRESHOLD) -> float:
    """The smallest gradient scale a centred difference with step h resolves to ``threshold``.

    Rounding the loss L costs ~eps |L| per evaluation, so a difference over h carries ~eps |L| / h
    (times 10, for the stencil's weights and the rounding inside the loss); a gradient whose scale is
    below that divided by ``threshold`` can only be compared absolutely.
    """
    return 10 * float(np.finfo(dtype).eps) * max(abs(float(loss_value)), 1.0) / h / threshold


def check_gradients(
    loss: Callable[[], float],
    params: Mapping[str, np.ndarray],
    grads: Mapping[str, np.ndarray],
    threshold: float = GRADIENT_THRESHOLD,
    h: float | None = None,
    order: int = 4,
    on_parameter: Callable[[str], None] | None = None,
) -> list[GradientReport]:
    """Backprop's ``grads`` against centred differences of ``loss()`` for every parameter, one report each.

    ``on_parameter(name)``, when given, is called as each parameter's check starts (a script shows its
    progress with it: a large network's check takes a minute).

    Kinks: a centred difference whose stencil (x - 2h .. x + 2h) straddles a kink of the loss (a ReLU
    input or a max-pooling tie within ~h) is wrong by up to the gradient's own size, although the
    gradient at x is defined. So every entry that disagrees by ``threshold`` times the scale or more is
    differentiated again with step h/10, then h/100, which stay on one side of any kink not exactly at
    x; a wrong backprop gradient disagrees at every step and still fails.
    Use float64 parameters: in float32 round-off alone gives errors around 1e-3.
    """
    missing = sorted(set(params) - set(grads))
    if missing:
        raise KeyError(f"check_gradients: no backprop gradient for parameter(s) {missing}")

    def f(_: np.ndarray) -> float:
        return loss()

    loss_value = loss()
    reports = []
    for name, p in params.items():
        if on_parameter is not None:
            on_parameter(name)
        step = _default_step(p) if h is None else h
        numeric = numerical_gradient(f, p, step, order).astype(np.float64)
        analytic = np.asarray(grads[name], dtype=np.float64)
        if analytic.shape != numeric.shape:
            raise ValueError(f"check_gradients: {name}: backprop gradient has shape {analytic.shape}, "
                             f"the parameter {numeric.shape}")
        floor = roundoff_floor(loss_value, step, p.dtype, threshold)
        remeasured = 0
        for smaller in (step / 10, step / 100):
            scale = float((np.abs(analytic) + np.abs(numeric)).max()) if numeric.size else 0.0
            flagged = np.argwhere(np.abs(analytic - numeric) >= threshold * max(scale, floor))
            if len(flagged) == 0:
                break
            for idx in map(tuple, flagged):
                numeric[idx] = _centred_difference(f, p, idx, smaller, order)
            remeasured = max(remeasured, len(flagged))
        reports.append(compare_gradients(name, analytic, numeric, threshold, floor, remeasured))
    return reports
