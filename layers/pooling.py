"""Max pooling, chapter 7.4.4."""

from __future__ import annotations

import numpy as np

from layers.base import Layer
from layers.checks import batch_of, float_array, gradient_like, positive_int
from layers.im2col import col2im, im2col, output_shape


class Pooling(Layer):
    """out[n, c, oh, ow] = max over (i, j) of x_pad[n, c, oh*stride + i, ow*stride + j], a pool_h x pool_w window.

    ``arg_max`` holds, for every window and channel, the index i*pool_w + j of its first maximum
    (row-major, as np.argmax and PyTorch choose). Backward sends each dout entry to that pixel only
    and adds what a pixel in several windows receives: dx = col2im(dmax), with dmax one-hot at arg_max.
    Padding is -inf, so a padded pixel never wins. ``stride`` defaults to 2, as in the book's code
    today and in every pooling the book builds (the class printed in the book's first edition said 1).
    """

    def __init__(self, pool_h: int, pool_w: int, stride: int = 2, pad: int = 0) -> None:
        super().__init__()
        self.pool_h = positive_int(pool_h, "Pooling", "pool_h")
        self.pool_w = positive_int(pool_w, "Pooling", "pool_w")
        self.stride = positive_int(stride, "Pooling", "stride")
        self.pad = positive_int(pad, "Pooling", "pad", low=0)
        if self.pad >= min(self.pool_h, self.pool_w):
            raise ValueError(f"Pooling: pad must be smaller than the window ({pool_h}x{pool_w}) so that every "
                             f"window holds an input pixel, got pad={pad}")
        self.x: np.ndarray | None = None
        self.arg_max: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = batch_of(float_array(x, "Pooling"), 4, "Pooling", "(N, C, H, W)")
        N, C, H, W = x.shape
        out_h, out_w = output_shape(x.shape, self.pool_h, self.pool_w, self.stride, self.pad, "Pooling")

        col = im2col(x, self.pool_h, self.pool_w, self.stride, self.pad, pad_value=-np.inf)
        col = col.reshape(-1, self.pool_h * self.pool_w)
        arg_max = np.argmax(col, axis=1)
        out = np.max(col, axis=1).reshape(N, out_h, out_w, C).transpose(0, 3, 1, 2)

        self.x, self.arg_max = x, arg_max
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        shape = None if self.x is None else (*self.x.shape[:2], *output_shape(
            self.x.shape, self.pool_h, self.pool_w, self.stride, self.pad, "Pooling"))
        dout = gradient_like(dout, shape, "Pooling").transpose(0, 2, 3, 1)

        pool_size = self.pool_h * self.pool_w
        dmax = np.zeros((dout.size, pool_size), dtype=np.result_type(dout, self.x))
        dmax[np.arange(self.arg_max.size), self.arg_max] = dout.reshape(-1)
        dcol = dmax.reshape(dout.shape[0] * dout.shape[1] * dout.shape[2], -1)
        return col2im(dcol, self.x.shape, self.pool_h, self.pool_w, self.stride, self.pad)
