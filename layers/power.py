"""The power node x ** k for a constant exponent k (a graph's ``x ** 2``, ``g.pow(x, k)``)."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from layers.base import Layer


class Pow(Layer):
    """y = x^k for a constant real k;  dx = dout * k * x^(k-1). Caches x.

    Works on Python numbers, NumPy scalars and arrays alike. NumPy integers and booleans are taken as
    float64 (uint8 200 ** 2 would wrap round to 64); Python ints stay exact. Inputs where x^k is not a
    real number (a negative x with a non-integer k) or not finite (x = 0 with k < 0) raise ValueError,
    and so does backward where the gradient is not finite (x = 0 with 0 < k < 1).
    """

    def __init__(self, k: float) -> None:
        super().__init__()
        if not isinstance(k, numbers.Real) or isinstance(k, bool) or not np.isfinite(k):
            raise TypeError(f"Pow: the exponent k must be a finite real number, got {k!r}")
        self.k = k
        self.x: Any = None

    def forward(self, x: Any) -> Any:
        x = self._check_real(x, floating=True)
        k = self.k
        if float(k) != int(k) and np.any(np.less(x, 0)):
            raise ValueError(f"Pow: x ** {k} needs x >= 0 for a non-integer exponent, got minimum {np.min(x)!r}")
        if k < 0 and np.any(np.equal(x, 0)):
            raise ValueError(f"Pow: x ** {k} needs non-zero x for a negative exponent, "
                             f"got {np.count_nonzero(np.equal(x, 0))} zero(s)")
        self.x = x
        return _power(x, k)

    def backward(self, dout: Any = 1.0) -> Any:
        self._require_forward(self.x)
        k = self.k
        if 0 < k < 1 and np.any(np.equal(self.x, 0)):  # x^(k-1) = 1 / x^(1-k): the slope of sqrt at 0
            raise ValueError(f"Pow: the gradient k * x ** ({k} - 1) of x ** {k} is infinite at x = 0, got "
                             f"{np.count_nonzero(np.equal(self.x, 0))} zero(s)")
        local = self.x * 0 if k == 0 else k * _power(self.x, k - 1)  # k = 0: a constant, no gradient
        return self._check_dout(dout, np.shape(self.x)) * local

    def __repr__(self) -> str:
        return f"Pow(k={self.k!r})"


def _power(x: Any, k: float) -> Any:
    """x ** k, with an integer-valued float k used as an int (so that a Python int stays exact and the
    integer case never goes through log/exp)."""
    if float(k) == int(k):
        k = int(k)
    return x ** k
