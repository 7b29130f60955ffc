"""The fully connected layer (chapter 5.6)."""

from __future__ import annotations

import math

import numpy as np

from layers.base import Layer, grad, param
from layers.recycling import Recycler


class Affine(Layer):
    """out = x W + b for x of shape (N, ...), flattened to (N, D); W is (D, M), b is (M,).

    Backward:  dx = dout W^T (reshaped to x's shape),  dW = x^T dout,  db = sum over N of dout.
    An input laid out batch-last in memory (a pooled conv output, (C, H, W, N)) is multiplied where it
    lies, as the transpose of its (D, N) view, and dx is handed back laid out the same way.
    Setting ``needs_input_grad = False`` (for a network's first layer, whose input is data) skips dx,
    a third of the layer's matrix work, and makes ``backward`` return None.
    """

    needs_input_grad: bool = True

    W = param("W")
    b = param("b")
    dW = grad("W")
    db = grad("b")

    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        super().__init__()
        if np.ndim(W) != 2 or np.shape(b) != (np.shape(W)[1],):
            raise ValueError(
                f"Affine: expected W of shape (D, M) and b of shape (M,), "
                f"got W {np.shape(W)} and b {np.shape(b)}"
            )
        self.params["W"] = W
        self.params["b"] = b
        self.x: np.ndarray | None = None
        self._flat_input = Recycler()
        self.original_x_shape: tuple[int, ...] | None = None
        self._ones: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        W = self.params["W"]
        if x.ndim != 2:
            features = math.prod(x.shape[1:])
            batch_last = x.transpose(*range(1, x.ndim), 0)
            if features != W.shape[0] or x.flags.c_contiguous:
                x2 = x.reshape(x.shape[0], -1)
            elif batch_last.flags.c_contiguous:
                # a pooled conv output: (N, C, H, W) over (C, H, W, N) memory, whose flat view (D, N)
                # transposed is x2; BLAS multiplies it as it lies, and backward hands dx back so laid out
                x2 = batch_last.reshape(features, x.shape[0]).T
            else:  # reshape would copy: copy into memory we reuse
                self.x = None  # let go of the last copy first, so that it can be refilled
                x2 = self._flat_input.empty((x.shape[0], features), x.dtype)
                np.copyto(x2.reshape(x.shape), x)
        else:
            x2 = x
        if x2.shape[1] != W.shape[0]:
            raise ValueError(
                f"Affine: expected {W.shape[0]} features per sample (W has shape {W.shape}), "
                f"got input of shape {x.shape} ({x2.shape[1]} features)"
            )
        self.original_x_shape = x.shape
        self.x = x2
        out = x2 @ W
        b = self.params["b"]
        if out.dtype == b.dtype:
            out += b  # in place: out is ours, and this saves a pass and an allocation
            return out
        return out + b

    def backward(self, dout: np.ndarray) -> np.ndarray | None:
        self._require_forward(self.x)
        self.grads["W"] = self.x.T @ dout
        self.grads["b"] = self._column_sums(dout)
        if not self.needs_input_grad:
            return None
        if self.x.flags.f_contiguous and not self.x.flags.c_contiguous:
            dx = (self.params["W"] @ dout.T).T  # laid out as x was: (D, N) in memory
        else:
            dx = dout @ self.params["W"].T
        return dx.reshape(self.original_x_shape)

    def _column_sums(self, dout: np.ndarray) -> np.ndarray:
        """db = sum over N of dout, taken as the product ones(N) dout: 2-3 times faster for a (100, 50)
        dout than NumPy's reduction over axis 0, which loops over the rows one at a time. (BLAS adds
        in another order, so the two agree to rounding, not bit for bit.)"""
        ones = self._ones
        if ones is None or ones.shape[0] != dout.shape[0] or ones.dtype != dout.dtype:
            ones = self._ones = np.ones(dout.shape[0], dout.dtype)
        return ones @ dout
