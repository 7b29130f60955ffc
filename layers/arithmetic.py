"""Add and multiply nodes of the book's shopping graph (chapter 5.4)."""

from __future__ import annotations

from typing import Any

import numpy as np

from layers.base import Layer
from layers.functions import sum_to


def _reduce_to(grad: Any, like: Any) -> Any:
    """Sum ``grad`` back to the shape of the input ``like`` if that input was broadcast."""
    shape = np.shape(like)
    if np.shape(grad) == shape:
        return grad
    reduced = sum_to(np.asarray(grad), shape)
    return reduced[()] if reduced.ndim == 0 else reduced


class AddLayer(Layer):
    """out = x + y;  dx = dout * 1, dy = dout * 1 (two new arrays, each summed back to its input's shape)."""

    def __init__(self) -> None:
        super().__init__()
        self.x: Any = None
        self.y: Any = None

    def forward(self, x: Any, y: Any) -> Any:
        x, y = self._check_real(x, "x"), self._check_real(y, "y")
        self._check_broadcast(x, y)
        self.x, self.y = x, y
        return x + y

    def backward(self, dout: Any = 1.0) -> tuple[Any, Any]:
        self._require_forward(self.x)
        dout = self._check_dout(dout, np.broadcast_shapes(np.shape(self.x), np.shape(self.y)), self.x, self.y)
        return _reduce_to(dout * 1, self.x), _reduce_to(dout * 1, self.y)


class MulLayer(Layer):
    """out = x * y;  the flipped product: dx = dout * y, dy = dout * x. Caches x and y."""

    def __init__(self) -> None:
        super().__init__()
        self.x: Any = None
        self.y: Any = None

    def forward(self, x: Any, y: Any) -> Any:
        x, y = self._check_real(x, "x"), self._check_real(y, "y")
        self._check_broadcast(x, y)
        self.x, self.y = x, y
        return x * y

    def backward(self, dout: Any = 1.0) -> tuple[Any, Any]:
        self._require_forward(self.x)
        dout = self._check_dout(dout, np.broadcast_shapes(np.shape(self.x), np.shape(self.y)), self.x, self.y)
        return _reduce_to(dout * self.y, self.x), _reduce_to(dout * self.x, self.y)
