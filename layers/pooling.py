"""Max pooling (chapter 7.4.4)."""

from __future__ import annotations

import numpy as np

from layers.base import Layer
from layers.im2col import output_shape, padded_batch_last, window_view
from layers.recycling import Recycler


class Pooling(Layer):
    """out[n, c, oh, ow] = max over (i, j) of x_pad[n, c, oh*stride + i, ow*stride + j], a pool_h x pool_w window.

    Padding is -inf, so a padded pixel never wins. Backward routes each dout entry to the FIRST maximum
    of its window in row-major order (as the book's argmax and PyTorch do); all other pixels get 0,
    and pixels in several windows sum what they receive. Ties matter: on MNIST's blank background a
    window often holds several equal maxima, and giving each of them the gradient would multiply it.

    The window is walked position by position (pool_h*pool_w strided views of the whole batch, copied
    into one contiguous array first when the windows do not overlap), and only the position of the
    maximum is kept, as one small integer per output entry. Like Convolution, it works batch-last:
    the input is read as (C, H, W, N), whose windows are runs of N contiguous numbers, and the
    output and dx are (N, C, ...) views of batch-last arrays.
    """

    def __init__(self, pool_h: int, pool_w: int, stride: int = 1, pad: int = 0) -> None:
        super().__init__()
        for name, value, low in (("pool_h", pool_h, 1), ("pool_w", pool_w, 1), ("stride", stride, 1), ("pad", pad, 0)):
            if int(value) != value or value < low:
                raise ValueError(f"Pooling: expected an integer {name} >= {low}, got {value!r}")
        if pad >= min(pool_h, pool_w):
            raise ValueError(f"Pooling: pad must be smaller than the window ({pool_h}x{pool_w}) so that every "
                             f"window holds an input pixel, got pad={pad}")
        self.pool_h, self.pool_w, self.stride, self.pad = int(pool_h), int(pool_w), int(stride), int(pad)
        self.x_shape: tuple[int, ...] | None = None
        self.arg_max: np.ndarray | None = None  # (C, OH, OW, N): index i*pool_w + j of the first maximum
        self._pad_buffer: np.ndarray | None = None
        self._dout_buffer: np.ndarray | None = None
        self._memory = {name: Recycler() for name in ("gather", "out", "arg", "dx", "hit")}

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, int, int, int]:
        """(N, C, OH, OW) for input of ``input_shape``; ValueError if the window or stride does not fit."""
        out_h, out_w = output_shape(tuple(input_shape), self.pool_h, self.pool_w, self.stride, self.pad, "Pooling")
        return input_shape[0], input_shape[1], out_h, out_w

    def _positions(self) -> list[tuple[int, int]]:
        return [(i, j) for i in range(self.pool_h) for j in range(self.pool_w)]

    def forward(self, x: np.ndarray) -> np.ndarray:
        N, C, out_h, out_w = self.output_shape(np.shape(x))
        if x.dtype.kind != "f":
            raise TypeError(f"Pooling: expected floating-point input, got dtype {x.dtype}")
        xp = padded_batch_last(x, self.pad, fill=-np.inf, buffer=self._pad_buffer)
        if xp.base is None:  # a copy, not a view of x: keep its memory for the next call
            self._pad_buffer = xp
        views = [window_view(xp, i, j, out_h, out_w, self.stride) for i, j in self._positions()]
        if self.stride >= self.pool_h and self.stride >= self.pool_w:
            views = self._gathered(views)
        out = self._memory["out"].empty(views[0].shape, views[0].dtype)  # (C, OH, OW, N)
        if len(views) == 1:
            out[...] = views[0]
        else:
            np.maximum(views[0], views[1], out=out)
            for view in views[2:]:
                np.maximum(out, view, out=out)
        # First maximum: a_k = 0 if view k holds the maximum, else 1 + a_(k+1); the last position is 0.
        self.arg_max = None  # let go of the last one first, so that its memory can be refilled
        arg = self._memory["arg"].empty(out.shape, np.min_scalar_type(len(views) - 1))
        arg.fill(0)
        differs = self._memory["hit"].empty(out.shape, bool)
        for view in reversed(views[:-1]):
            arg += 1
            arg *= np.not_equal(view, out, out=differs)
        self.arg_max = arg
        self.x_shape = x.shape
        return out.transpose(3, 0, 1, 2)

    def _gathered(self, views: list[np.ndarray]) -> list[np.ndarray]:
        """The strided views copied into one contiguous (pool_h*pool_w, C, OH, OW, N) array of our own.

        Only for windows that do not overlap, where it holds each input pixel at most once (it is no
        larger than x); the comparisons then run over contiguous memory, a good deal faster.
        """
        shape = (len(views), *views[0].shape)
        buffer = self._memory["gather"].empty(shape, views[0].dtype)
        for block, view in zip(buffer, views, strict=True):
            block[...] = view
        return list(buffer)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        self._require_forward(self.arg_max)
        expected = self.output_shape(self.x_shape)
        if np.shape(dout) != expected:
            raise ValueError(f"Pooling.backward: expected dout of shape {expected}, got {np.shape(dout)}")
        N, C, H, W = self.x_shape
        p = self.pad
        out_h, out_w = expected[2:]
        # laid out like arg_max (batch-last) for a faster loop: in place when dout already is (from Affine)
        dout_c = padded_batch_last(dout, 0, buffer=self._dout_buffer)
        if dout_c.base is None:  # a copy, not a view of dout: keep its memory for the next call
            self._dout_buffer = dout_c
        disjoint = self.stride >= self.pool_h and self.stride >= self.pool_w
        # Windows of size stride x stride tile the padded input: every pixel is written exactly once.
        covering = self.stride == self.pool_h == self.pool_w
        dx = self._memory["dx"].empty((C, H + 2 * p, W + 2 * p, N), dout.dtype)
        if not covering:
            dx.fill(0)
        hit = self._memory["hit"].empty(self.arg_max.shape, bool)
        for k, (i, j) in enumerate(self._positions()):
            target = window_view(dx, i, j, out_h, out_w, self.stride)
            np.equal(self.arg_max, k, out=hit)
            if disjoint:
                np.multiply(dout_c, hit, out=target)
            else:
                target += dout_c * hit
        return dx[:, p:p + H, p:p + W].transpose(3, 0, 1, 2)
