"""The fast twin of the book's Relu (``layers.Relu``)."""

from __future__ import annotations

import numpy as np

from engine.memory import Workspace
from layers.base import Layer
from layers.checks import gradient_like, real_array

SMALL = 1 << 16  # values: below this, plain expressions (fewest Python calls) are fastest


class FastRelu(Layer):
    """out = max(x, 0);  dx = dout where x > 0, else 0: the book's Relu, same results, faster.

    Three things make it faster than the book's ``out[x <= 0] = 0``: the maximum is taken against a
    read-only array of zeros laid out like x (NumPy's maximum against a whole array runs 2-3x faster
    than against the scalar 0, and walking both in memory order keeps a batch-last conv output fast);
    the mask of x > 0 lives in memory the layer owns; and backward multiplies dout by that 0/1 mask,
    which is branch-free (ten times faster than masked assignment on a random mask) and equal to the
    masked copy whenever dout is finite (inf * 0 would be nan, so other dout takes the masked path).
    """

    def __init__(self) -> None:
        super().__init__()
        self._positive: np.ndarray | None = None  # x > 0 of the last forward, in the workspace for large x
        self._zeros: np.ndarray | None = None
        self._memory = Workspace()

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = real_array(x, "FastRelu")
        if x.size < SMALL:
            self._positive = x > 0
        else:
            self._positive = np.greater(x, 0, out=self._memory.empty_like("positive", x, dtype=bool))
        return np.maximum(x, self._zeros_like(x))

    def backward(self, dout: np.ndarray = 1.0) -> np.ndarray:
        self._require_forward(self._positive)
        dout = gradient_like(dout, self._positive.shape, "FastRelu")
        if dout.dtype.kind == "f" and _all_finite(dout):
            return dout * self._positive
        return np.where(self._positive, dout, 0)

    def _zeros_like(self, x: np.ndarray) -> np.ndarray:
        """A read-only array of zeros of x's shape and dtype, laid out in memory like x when x is a permuted
        contiguous array (a conv output is a transposed view). np.zeros maps untouched pages to the one
        shared page of zeros, so it costs no memory traffic."""
        zeros = self._zeros
        if zeros is None or zeros.shape != x.shape or zeros.dtype != x.dtype or zeros.strides != x.strides:
            order = sorted(range(x.ndim), key=lambda axis: -abs(x.strides[axis]))  # outermost axis first
            zeros = np.zeros([x.shape[axis] for axis in order], x.dtype).transpose(np.argsort(order))
            zeros.flags.writeable = False
            self._zeros = zeros
        return zeros


def _all_finite(a: np.ndarray) -> bool:
    """np.isfinite(a).all() without its boolean temporary: max and min are finite exactly when every
    element is (NaN propagates through both)."""
    if a.size < SMALL:
        return bool(np.isfinite(a).all())
    return bool(np.isfinite(np.maximum.reduce(a, axis=None)) and np.isfinite(np.minimum.reduce(a, axis=None)))
