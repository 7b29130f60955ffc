"""The hyperbolic tangent activation layer (chapter 6.2, a zero-centred alternative to sigmoid)."""

from __future__ import annotations

import numpy as np

from layers.base import Layer


class Tanh(Layer):
    """y = tanh(x) = (e^x - e^-x) / (e^x + e^-x);  dx = dout * (1 - y^2). Caches y."""

    def __init__(self) -> None:
        super().__init__()
        self.out: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.out = np.tanh(x)
        return self.out

    def backward(self, dout: np.ndarray = 1.0) -> np.ndarray:
        self._require_forward(self.out)
        dx = np.square(self.out)
        np.subtract(1.0, dx, out=dx)
        if np.shape(dout) == dx.shape and np.result_type(dout, dx) == dx.dtype:
            dx *= dout
            return dx
        return dout * dx
