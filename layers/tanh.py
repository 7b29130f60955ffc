"""The hyperbolic tangent activation layer (chapter 6.2, a zero-centred alternative to sigmoid)."""

from __future__ import annotations

from typing import Any

import numpy as np

from layers.base import Layer


class Tanh(Layer):
    """y = tanh(x) = (e^x - e^-x) / (e^x + e^-x);  dx = dout * (1 - y^2). Caches y.

    Works on arrays of any shape and on Python numbers and 0-d arrays (a graph node on scalars).
    """

    def __init__(self) -> None:
        super().__init__()
        self.out: Any = None

    def forward(self, x: Any) -> Any:
        self.out = np.tanh(self._check_real(x, floating=True))
        return self.out

    def backward(self, dout: Any = 1.0) -> Any:
        self._require_forward(self.out)
        dout = self._check_dout(dout, np.shape(self.out))
        if np.ndim(self.out) == 0:  # a number: no array to work in
            return dout * (1.0 - self.out * self.out)
        dx = np.square(self.out)
        np.subtract(1.0, dx, out=dx)
        if np.shape(dout) == dx.shape and np.result_type(dout, dx) == dx.dtype:
            dx *= dout
            return dx
        return dout * dx
