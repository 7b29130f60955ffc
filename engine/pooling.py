"""The fast twin of the book's Pooling (``layers.Pooling``): batch-last windows, kept scratch memory."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from engine.batch_last import padded_batch_last, window_view
from engine.memory import Workspace
from engine.products import PIECES, even_ranges
from engine.threads import check_environment, run_parallel
from layers.base import Layer
from layers.checks import batch_of, float_array, gradient_like, positive_int
from layers.im2col import output_shape


class FastPooling(Layer):
    """The book's Pooling, computed faster; same constructor and results.

    out[n, c, oh, ow] = max over (i, j) of x_pad[n, c, oh*stride + i, ow*stride + j], a pool_h x pool_w window.

    Padding is -inf, so a padded pixel never wins. Backward routes each dout entry to the FIRST maximum
    of its window in row-major order (as the book's argmax and PyTorch do); all other pixels get 0,
    and pixels in several windows sum what they receive. Ties matter: on MNIST's blank background a
    window often holds several equal maxima, and giving each of them the gradient would multiply it.
    One difference, left on purpose: a window holding NaN gives NaN, as the book's, but its gradient
    goes to the window's last pixel, where the book's argmax picks the first NaN (finding it would cost
    a pass per window position, for an input whose training has already failed).

    The window is walked position by position (pool_h*pool_w strided views of the whole batch;
    copying them into one contiguous array first was measured 10-25% slower), and only the position
    of the maximum is kept, as one small integer per output entry (in ``_arg``, laid out (C, OH, OW,
    N), where the book's ``arg_max`` is one flat row per window). Like Convolution, it works batch-last:
    the input is read as (C, H, W, N), whose windows are runs of N contiguous numbers, and the
    output and dx are (N, C, ...) views of batch-last arrays.
    """

    def __init__(self, pool_h: int, pool_w: int, stride: int = 2, pad: int = 0) -> None:
        super().__init__()
        check_environment()  # a bad ZEROPROP_NUM_THREADS stops the program here
        self.pool_h = positive_int(pool_h, "FastPooling", "pool_h")
        self.pool_w = positive_int(pool_w, "FastPooling", "pool_w")
        self.stride = positive_int(stride, "FastPooling", "stride")
        self.pad = positive_int(pad, "FastPooling", "pad", low=0)
        if self.pad >= min(self.pool_h, self.pool_w):
            raise ValueError(f"FastPooling: pad must be smaller than the window ({pool_h}x{pool_w}) so that every "
                             f"window holds an input pixel, got pad={pad}")
        self.x_shape: tuple[int, ...] | None = None
        self._x_dtype: np.dtype | None = None
        self._arg: np.ndarray | None = None  # (C, OH, OW, N): index i*pool_w + j of the first maximum
        self._pad_buffer: np.ndarray | None = None
        self._dout_buffer: np.ndarray | None = None
        self._memory = Workspace()  # scratch: arg, comparison masks

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, int, int, int]:
        """(N, C, OH, OW) for input of ``input_shape``; ValueError if the window or stride does not fit."""
        out_h, out_w = output_shape(tuple(input_shape), self.pool_h, self.pool_w, self.stride, self.pad,
                                    "FastPooling")
        return input_shape[0], input_shape[1], out_h, out_w

    def _positions(self) -> list[tuple[int, int]]:
        return [(i, j) for i in range(self.pool_h) for j in range(self.pool_w)]

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = batch_of(float_array(x, "FastPooling"), 4, "FastPooling", "(N, C, H, W)")
        N, C, out_h, out_w = self.output_shape(x.shape)
        xp = padded_batch_last(x, self.pad, fill=-np.inf, buffer=self._pad_buffer)
        if xp.base is None:  # a copy, not a view of x: keep its memory for the next call
            self._pad_buffer = xp
        views = [window_view(xp, i, j, out_h, out_w, self.stride) for i, j in self._positions()]
        shape = views[0].shape  # (C, OH, OW, N)
        out = np.empty(shape, x.dtype)  # a fresh array: it is returned
        arg = self._memory.empty("arg", shape, np.min_scalar_type(len(views) - 1))
        differs = self._memory.empty("hit", shape, bool)

        def channels(c0: int, c1: int) -> None:
            """Max and first arg-max of channels c0..c1-1 (the channels are independent)."""
            part = [view[c0:c1] for view in views]
            o, a, d = out[c0:c1], arg[c0:c1], differs[c0:c1]
            if len(part) == 1:
                o[...] = part[0]
            else:
                np.maximum(part[0], part[1], out=o)
                for view in part[2:]:
                    np.maximum(o, view, out=o)
            # First maximum: a_k = 0 if view k holds the maximum, else 1 + a_(k+1); the last position is 0.
            a.fill(0)
            for view in reversed(part[:-1]):
                a += 1
                a *= np.not_equal(view, o, out=d)

        by_channels(channels, shape)
        self._arg = arg
        self.x_shape, self._x_dtype = x.shape, x.dtype
        return out.transpose(3, 0, 1, 2)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        self._require_forward(self._arg)
        expected = self.output_shape(self.x_shape)
        dout = gradient_like(dout, expected, "FastPooling")
        N, C, H, W = self.x_shape
        p = self.pad
        out_h, out_w = expected[2:]
        # laid out like _arg (batch-last) for a faster loop: in place when dout already is (from Affine)
        dout_c = padded_batch_last(dout, 0, buffer=self._dout_buffer)
        if dout_c.base is None:  # a copy, not a view of dout: keep its memory for the next call
            self._dout_buffer = dout_c
        disjoint = self.stride >= self.pool_h and self.stride >= self.pool_w
        # Windows of size stride x stride that tile the padded input write every pixel exactly once
        # (when the stride leaves pixels over at the end, those get no gradient and must be zeroed).
        covering = (self.stride == self.pool_h == self.pool_w and (H + 2 * p) % self.stride == 0
                    and (W + 2 * p) % self.stride == 0)
        dtype = np.result_type(self._x_dtype, dout.dtype)  # as the book's: float64 x, float32 dout give float64
        dx = np.empty((C, H + 2 * p, W + 2 * p, N), dtype) if covering else \
            np.zeros((C, H + 2 * p, W + 2 * p, N), dtype)  # fresh: returned
        hit = self._memory.empty("hit", self._arg.shape, bool)

        def channels(c0: int, c1: int) -> None:
            """dx of channels c0..c1-1: each dout entry to its window's first maximum."""
            for k, (i, j) in enumerate(self._positions()):
                target = window_view(dx[c0:c1], i, j, out_h, out_w, self.stride)
                np.equal(self._arg[c0:c1], k, out=hit[c0:c1])
                if disjoint:
                    np.multiply(dout_c[c0:c1], hit[c0:c1], out=target)
                else:
                    target += dout_c[c0:c1] * hit[c0:c1]

        by_channels(channels, self._arg.shape)
        return dx[:, p:p + H, p:p + W].transpose(3, 0, 1, 2)


# Output values; below this a pooling pass runs whole. Pooling does several comparisons per value, so it
# gains from two workers sooner than ReLU: 2x2 windows over (100, 32, 16, 16), 204,800 outputs, took
# 0.73 ms in two ranges of channels against 0.89-0.94 ms whole; over (100, 64, 8, 8), 102,400 outputs,
# 0.44-0.51 ms against 0.42-0.45.
SMALLEST_SPLIT_POOL = 1 << 17


def by_channels(work: Callable[[int, int], None], shape: tuple[int, ...]) -> None:
    """``work(c0, c1)`` over the channels of a (C, OH, OW, N) result: in ``PIECES`` ranges of channels on
    the engine's workers when it is large (the channels are independent), else at once."""
    C = shape[0]
    if C < PIECES or math.prod(shape) < SMALLEST_SPLIT_POOL:
        work(0, C)
        return
    run_parallel([lambda c0=c0, c1=c1: work(c0, c1) for c0, c1 in even_ranges(C)])
