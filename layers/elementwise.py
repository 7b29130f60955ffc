"""Element-wise nodes of the book's computational graphs (chapter 5.2, 5.5.2).

Each node does one local computation in ``forward``, caches what its local gradient needs, and in
``backward`` multiplies the upstream gradient by that local gradient. Inputs may be Python numbers,
NumPy scalars or arrays; a constant or second input that was broadcast has its gradient summed back
to its own shape.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from layers.base import Layer
from layers.functions import sum_to


def _scalar_if_0d(x: Any) -> Any:
    """A 0-d array as a NumPy scalar, anything else unchanged (so scalars print as numbers)."""
    return x[()] if isinstance(x, np.ndarray) and x.ndim == 0 else x


def _sum_to_shape(grad: Any, shape: tuple[int, ...]) -> Any:
    """The gradient of broadcasting: sum ``grad`` back to an input of ``shape`` that was broadcast.

    A scalar ``grad`` for an array input (``backward(1.0)``) is spread over that input's shape.
    """
    if np.shape(grad) == shape:
        return grad
    if np.ndim(grad) < len(shape):
        return np.broadcast_to(grad, shape).copy()
    return _scalar_if_0d(sum_to(np.asarray(grad), shape))


class Exp(Layer):
    """y = exp(x);  dx = dout * exp(x) = dout * y. Caches y."""

    def __init__(self) -> None:
        super().__init__()
        self.out: Any = None

    def forward(self, x: Any) -> Any:
        self.out = np.exp(self._check_real(x, floating=True))
        return self.out

    def backward(self, dout: Any = 1.0) -> Any:
        self._require_forward(self.out)
        return self._check_dout(dout, np.shape(self.out)) * self.out


class Log(Layer):
    """y = log(x) for x > 0;  dx = dout / x. Caches x.

    A non-positive (or NaN) input raises ValueError rather than returning -inf or NaN.
    """

    def __init__(self) -> None:
        super().__init__()
        self.x: Any = None

    def forward(self, x: Any) -> Any:
        x = self._check_real(x, floating=True)
        if not np.all(np.greater(x, 0)):
            raise ValueError(f"Log: expected positive inputs, got minimum {np.min(x)!r}")
        self.x = x
        return np.log(x)

    def backward(self, dout: Any = 1.0) -> Any:
        self._require_forward(self.x)
        return self._check_dout(dout, np.shape(self.x)) / self.x


class Reciprocal(Layer):
    """y = 1 / x (the book's "/" node);  dx = dout * (-1 / x^2) = -dout * y^2. Caches y.

    A zero input raises ValueError rather than returning inf.
    """

    def __init__(self) -> None:
        super().__init__()
        self.out: Any = None

    def forward(self, x: Any) -> Any:
        x = self._check_real(x, floating=True)
        if not np.all(np.not_equal(x, 0)):
            raise ValueError(f"Reciprocal: expected non-zero inputs, got {np.count_nonzero(np.equal(x, 0))} zero(s)")
        self.out = 1.0 / x
        return self.out

    def backward(self, dout: Any = 1.0) -> Any:
        self._require_forward(self.out)
        return -self._check_dout(dout, np.shape(self.out)) * self.out * self.out


class Scale(Layer):
    """y = c * x for a constant c (a number or an array broadcast with x);  dx = dout * c.

    Nothing needs caching but x's shape, to sum dx back when c broadcast x to a larger shape.
    """

    def __init__(self, c: Any) -> None:
        super().__init__()
        self.c = self._check_real(c, "c", "__init__")  # a list would repeat x, not scale or shift it
        self.x_shape: tuple[int, ...] | None = None

    def forward(self, x: Any) -> Any:
        x = self._check_real(x)
        self.x_shape = np.shape(x)
        return self.c * x

    def backward(self, dout: Any = 1.0) -> Any:
        self._require_forward(self.x_shape)
        dout = self._check_dout(dout, np.broadcast_shapes(np.shape(self.c), self.x_shape), self.c)
        return _sum_to_shape(dout * self.c, self.x_shape)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(c={self.c!r})"


class Negate(Scale):
    """y = -x, the book's "x -1" node;  dx = -dout."""

    def __init__(self) -> None:
        super().__init__(-1.0)

    def forward(self, x: Any) -> Any:
        x = self._check_real(x)
        self.x_shape = np.shape(x)
        return -x

    def backward(self, dout: Any = 1.0) -> Any:
        self._require_forward(self.x_shape)
        dout = self._check_dout(dout, self.x_shape)
        if self.x_shape and np.ndim(dout) == 0:  # a number stands for that number at every entry of x
            dout = np.full(self.x_shape, dout)
        return -dout

    def __repr__(self) -> str:
        return "Negate()"


class AddConstant(Layer):
    """y = x + c for a constant c (a number or an array broadcast with x);  dx = dout."""

    def __init__(self, c: Any) -> None:
        super().__init__()
        self.c = self._check_real(c, "c", "__init__")  # a list would repeat x, not scale or shift it
        self.x_shape: tuple[int, ...] | None = None

    def forward(self, x: Any) -> Any:
        x = self._check_real(x)
        self.x_shape = np.shape(x)
        return x + self.c

    def backward(self, dout: Any = 1.0) -> Any:
        self._require_forward(self.x_shape)
        dout = self._check_dout(dout, np.broadcast_shapes(np.shape(self.c), self.x_shape), self.c)
        return _sum_to_shape(dout * 1, self.x_shape)  # a new array, never the caller's dout

    def __repr__(self) -> str:
        return f"{type(self).__name__}(c={self.c!r})"


class Max(Layer):
    """y = max(x, y) element-wise;  the gradient is routed, not scaled (chapter 5.5.1 for ReLU):

        dx = dout where x >= y, else 0;   dy = dout where x < y, else 0.

    On a tie (x == y) the whole gradient goes to the first input x, so dx + dy = dout always holds.
    Caches the mask x >= y; broadcast inputs get their gradient summed back to their shape.
    """

    def __init__(self) -> None:
        super().__init__()
        self.mask: Any = None
        self._dtype: np.dtype | None = None
        self.x_shape: tuple[int, ...] | None = None
        self.y_shape: tuple[int, ...] | None = None

    def forward(self, x: Any, y: Any) -> Any:
        x, y = self._check_real(x, "x"), self._check_real(y, "y")
        self._check_broadcast(x, y)
        self._dtype = np.result_type(x, y)
        self.mask = np.greater_equal(x, y)
        self.x_shape, self.y_shape = np.shape(x), np.shape(y)
        return _scalar_if_0d(np.where(self.mask, x, y))

    def backward(self, dout: Any = 1.0) -> tuple[Any, Any]:
        self._require_forward(self.mask)
        dout = self._check_dout(dout, np.shape(self.mask), self._dtype)
        dx = _scalar_if_0d(np.where(self.mask, dout, 0))
        dy = _scalar_if_0d(np.where(self.mask, 0, dout))
        return _sum_to_shape(dx, self.x_shape), _sum_to_shape(dy, self.y_shape)

