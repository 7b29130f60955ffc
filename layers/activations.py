"""Element-wise activation layers (chapter 5.5)."""

from __future__ import annotations

import numpy as np

from layers.base import Layer
from layers.functions import all_finite, sigmoid
from layers.recycling import SMALLEST_RECYCLED, Recycler


class ReLU(Layer):
    """out = max(x, 0);  dx = dout where x > 0, else 0. Caches the mask x > 0."""

    def __init__(self) -> None:
        super().__init__()
        self.mask: np.ndarray | None = None
        self._zeros: np.ndarray | None = None  # read-only, kept between calls of the same shape
        self._memory = {"out": Recycler(), "mask": Recycler(), "dx": Recycler()}

    def forward(self, x: np.ndarray) -> np.ndarray:
        if not isinstance(x, np.ndarray):
            self.mask = x > 0
            return np.maximum(x, 0)
        if x.nbytes < SMALLEST_RECYCLED:  # the plain expressions: fewest Python calls
            self.mask = x > 0
            return np.maximum(x, self._zeros_like(x))
        self.mask = None  # let go of the last mask first, so that its memory can be refilled
        self.mask = np.greater(x, 0, out=self._memory["mask"].empty_like(x, dtype=bool))
        return np.maximum(x, self._zeros_like(x), out=self._memory["out"].empty_like(x))

    def _zeros_like(self, x: np.ndarray) -> np.ndarray:
        """A read-only zero array of x's shape and dtype, laid out in memory like x where x is a
        permuted contiguous array (a conv output is a transposed view), so that maximum walks both in
        memory order. NumPy's maximum against a whole array runs 2-3x faster than against the scalar
        0. It comes from np.zeros, whose untouched pages the OS maps to one shared page of zeros."""
        zeros = self._zeros
        if zeros is None or zeros.shape != x.shape or zeros.dtype != x.dtype or zeros.strides != x.strides:
            order = sorted(range(x.ndim), key=lambda axis: -abs(x.strides[axis]))  # outermost axis first
            zeros = np.zeros([x.shape[axis] for axis in order], x.dtype).transpose(np.argsort(order))
            zeros.flags.writeable = False
            self._zeros = zeros
        return zeros

    def backward(self, dout: np.ndarray = 1.0) -> np.ndarray:
        self._require_forward(self.mask)
        if not np.ndim(self.mask):
            return np.where(self.mask, dout, 0)
        if isinstance(dout, np.ndarray) and dout.shape == self.mask.shape and all_finite(dout):
            # Multiplying by the 0/1 mask is branch-free and over ten times faster than np.where on a
            # random mask; for finite dout the two agree (inf * 0 would be nan, hence the check).
            if dout.nbytes < SMALLEST_RECYCLED:
                return dout * self.mask
            return np.multiply(dout, self.mask, out=self._memory["dx"].empty_like(dout))
        return np.where(self.mask, dout, 0)


Relu = ReLU  # the book's name


class Sigmoid(Layer):
    """y = 1 / (1 + exp(-x));  dx = dout * y * (1 - y). Caches y."""

    def __init__(self) -> None:
        super().__init__()
        self.out: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout: np.ndarray = 1.0) -> np.ndarray:
        self._require_forward(self.out)
        return dout * self.out * (1.0 - self.out)
