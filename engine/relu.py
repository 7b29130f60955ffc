"""The fast twin of the book's Relu (``layers.Relu``)."""

from __future__ import annotations

import numpy as np

from engine.memory import Workspace
from engine.products import split_pass
from layers.base import Layer
from layers.checks import gradient_like, real_array

SMALL = 1 << 16  # values: below this, plain expressions (fewest Python calls) are fastest


class FastRelu(Layer):
    """out = max(x, 0);  dx = dout where x > 0, else 0: the book's Relu, same results, faster.

    Two things make it faster than the book layer: the maximum is taken against a read-only array of
    zeros laid out like x (NumPy's maximum against a whole array runs 2-3x faster than against the
    scalar 0, and walking both in memory order keeps a batch-last conv output fast), and the mask of
    x > 0, which backward multiplies dout by, lives in memory the layer owns. Large passes run in two
    halves of memory on the engine's workers (:func:`engine.products.split_pass`).
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
            return np.maximum(x, self._zeros_like(x))
        positive = self._positive = self._memory.empty_like("positive", x, dtype=bool)
        out, zeros = np.empty_like(x), self._zeros_like(x)

        def relu(xs: np.ndarray, positives: np.ndarray, zero: np.ndarray, outs: np.ndarray) -> None:
            np.greater(xs, 0, out=positives)
            np.maximum(xs, zero, out=outs)

        if not split_pass(relu, [x, positive, zeros, out]):  # halves on the workers, else whole
            relu(x, positive, zeros, out)
        return out

    def backward(self, dout: np.ndarray = 1.0) -> np.ndarray:
        self._require_forward(self._positive)
        dout = gradient_like(dout, self._positive.shape, "FastRelu")
        if dout.size < SMALL or dout.dtype.kind != "f":
            return dout * self._positive
        dx = np.empty_like(dout)
        if not split_pass(lambda d, p, o: np.multiply(d, p, out=o), [dout, self._positive, dx]):
            np.multiply(dout, self._positive, out=dx)
        return dx

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
