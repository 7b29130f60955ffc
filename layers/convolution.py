"""The convolution layer of chapter 7.4.3, one matrix product through im2col."""

from __future__ import annotations

import numpy as np

from layers.base import Layer, grad, param
from layers.checks import batch_of, float_array, gradient_like, parameter, positive_int, real_number
from layers.im2col import col2im, im2col, output_shape


class Convolution(Layer):
    """out[n, f] = sum over (c, i, j) of W[f, c, i, j] x_pad[n, c, oh*stride + i, ow*stride + j] + b[f].

    x is (N, C, H, W), W (FN, C, FH, FW), b (FN,), out (N, FN, OH, OW). With ``col`` = im2col(x)
    (N*OH*OW, C*FH*FW) and ``col_W`` = W reshaped to (C*FH*FW, FN):

        out = col col_W + b,    dW = (col^T dout)^T,    db = sum of dout over (n, oh, ow),
        dx = col2im(dout col_W^T),    with dout laid out as (N*OH*OW, FN).

    A network's first layer, whose input is data, may set ``needs_input_grad = False``: backward then
    skips dx and returns None.
    """

    needs_input_grad: bool = True
    W = param("W")
    b = param("b")
    dW = grad("W")
    db = grad("b")

    def __init__(self, W: np.ndarray, b: np.ndarray, stride: int = 1, pad: int = 0) -> None:
        super().__init__()
        self.W, self.b = check_filters(W, b, "Convolution")
        self.stride = positive_int(stride, "Convolution", "stride")
        self.pad = positive_int(pad, "Convolution", "pad", low=0)
        self.x: np.ndarray | None = None
        self.col: np.ndarray | None = None
        self.col_W: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        FN, C, FH, FW = self.W.shape
        x = image_batch(x, C, "Convolution")
        N = x.shape[0]
        out_h, out_w = output_shape(x.shape, FH, FW, self.stride, self.pad, "Convolution")

        col = im2col(x, FH, FW, self.stride, self.pad)
        col_W = self.W.reshape(FN, -1).T
        out = col @ col_W + self.b
        out = out.reshape(N, out_h, out_w, -1).transpose(0, 3, 1, 2)

        self.x, self.col, self.col_W = x, col, col_W
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray | None:
        FN, C, FH, FW = self.W.shape
        shape = None if self.x is None else (self.x.shape[0], FN, *output_shape(self.x.shape, FH, FW, self.stride,
                                                                                self.pad, "Convolution"))
        dout = gradient_like(dout, shape, "Convolution").transpose(0, 2, 3, 1).reshape(-1, FN)

        self.db = np.sum(dout, axis=0)
        self.dW = (self.col.T @ dout).transpose(1, 0).reshape(FN, C, FH, FW)
        if not self.needs_input_grad:
            return None
        dcol = dout @ self.col_W.T
        return col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)


def check_filters(W: np.ndarray, b: np.ndarray, owner: str) -> tuple[np.ndarray, np.ndarray]:
    """Filters W (FN, C, FH, FW) and biases b (FN,) as given to a convolution's constructor. A single
    number as b (the book's chapter-7 ``Convolution(w, 0)``) is every filter's bias: a new (FN,) array."""
    W = parameter(W, 4, owner, "W", "(FN, C, FH, FW)")
    one_number = (isinstance(b, int | float | np.integer | np.floating) and not isinstance(b, bool)) or \
        (isinstance(b, np.ndarray) and b.ndim == 0 and b.dtype.kind in "iuf")
    if one_number:
        b = np.full(W.shape[0], real_number(b, owner, "b"), dtype=W.dtype)
    b = parameter(b, 1, owner, "b", f"({W.shape[0]},)")
    if b.shape != (W.shape[0],) or 0 in W.shape:
        raise ValueError(f"{owner}: expected W of shape (FN, C, FH, FW) with no empty axis and b of shape (FN,), "
                         f"got W {W.shape} and b {b.shape}")
    return W, b


def image_batch(x: np.ndarray, channels: int, owner: str) -> np.ndarray:
    """x as a non-empty floating-point batch of images (N, ``channels``, H, W), else a clear error."""
    x = batch_of(float_array(x, owner), 4, owner, f"(N, {channels}, H, W)")
    if x.shape[1] != channels:
        raise ValueError(f"{owner}: expected input of shape (N, {channels}, H, W), got {x.shape}")
    return x
