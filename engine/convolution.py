"""The fast twin of the book's Convolution (``layers.Convolution``): batch-last im2col, kept scratch memory."""

from __future__ import annotations

import numpy as np

from engine.allocator import keep_freed_memory
from engine.batch_last import add_columns, fill_columns, padded_batch_last
from engine.products import PIECES, SMALLEST_SPLIT, even_ranges, matmul
from engine.threads import check_environment, run_parallel, single_blas_thread
from engine.winograd import (
    WinogradCache,
    WinogradWorkspace,
    prefer_winograd,
    winograd_backward,
    winograd_forward,
    winograd_supported,
)
from engine.winograd_rows import RowsCache, prefer_rows, rows_backward, rows_forward
from layers.base import Layer, LayerStateError, grad, param
from layers.checks import gradient_like, positive_int
from layers.convolution import check_filters, image_batch
from layers.im2col import output_shape

SMALL_FILTER_ROWS = 40  # C*FH*FW below which dW is summed from products over chunks (see weight_gradient)
ONE_THREAD_PRODUCT = 700_000  # multiply-adds in a product that NumPy's OpenBLAS runs on one thread


def weight_gradient(dout_t: np.ndarray, col: np.ndarray) -> np.ndarray:
    """dW_col = dout^T col, here dout_t (FN, P) times col^T for col (C*FH*FW, P): a sum over P = N*OH*OW pixels.

    It is computed as (col dout_t^T)^T, the faster order in OpenBLAS. With few weights per filter (a
    first layer's 1x5x5, say) the product is long and thin, and OpenBLAS shares it between its threads
    badly; the sum of products over chunks of pixels small enough for one thread was 1.4 times faster
    than the one long product for SimpleConvNet's Conv1 and 3.5 times for DeepConvNet's, batch 100,
    on this project's reference machine.
    """
    FN, rows = dout_t.shape[0], col.shape[0]
    if rows >= SMALL_FILTER_ROWS:
        return matmul(col, dout_t.T).T
    return product_over_chunks(dout_t, col, max(1, ONE_THREAD_PRODUCT // (FN * rows)))


def product_over_chunks(a: np.ndarray, b: np.ndarray, chunk: int) -> np.ndarray:
    """a b^T for a (M, P) and b (K, P), as the sum over chunks of ``chunk`` columns of a_c b_c^T.

    The whole chunks go to batched products (views, no copies when the rows of a and b are
    contiguous), split into ``PIECES`` runs of chunks for the engine's workers (a count fixed by the
    shapes, so the sum is the same on any number of threads); the rest, fewer than ``chunk`` columns,
    goes to one more product.
    """
    M, P = a.shape
    K = b.shape[0]
    pieces = P // chunk
    whole = pieces * chunk
    dtype = np.result_type(a, b)
    b_chunks = b[:, :whole].reshape(K, pieces, chunk).transpose(1, 0, 2)  # (pieces, K, chunk)
    a_chunks = a[:, :whole].reshape(M, pieces, chunk).transpose(1, 2, 0)  # (pieces, chunk, M)
    runs = min(PIECES, pieces) if pieces * chunk * K * M >= SMALLEST_SPLIT else min(1, pieces)

    def partial_sum(lo: int, hi: int) -> np.ndarray:
        return np.add.reduce(np.matmul(b_chunks[lo:hi], a_chunks[lo:hi]), axis=0)

    total = np.zeros((K, M), dtype=dtype)
    for part in run_parallel([lambda lo=lo, hi=hi: partial_sum(lo, hi) for lo, hi in even_ranges(pieces, runs)]):
        total += part
    if whole < P:
        total += b[:, whole:] @ a[:, whole:].T
    return total.T


def _sum_dtype(dout: np.ndarray) -> np.dtype:
    """The dtype of the book's db = np.sum(dout, axis=(0, 2, 3)): dout's own for floating dout."""
    return np.add.reduce(np.zeros(1, dout.dtype)).dtype


BATCH_PER_PART = 16  # images per part of a Winograd convolution's batch, at least


def batch_parts(N: int) -> int:
    """How many parts a Winograd convolution splits a batch of N images into, for the engine's worker
    threads: two from 32 images on. A function of the shape alone, never of the thread setting, so the
    sums over parts (dW, db) come out the same however many threads run them."""
    return 2 if N >= 2 * BATCH_PER_PART else 1


class FastConvolution(Layer):
    """The book's Convolution, computed faster; same constructor, ``params``, ``grads`` and results.

    x is (N, C, H, W), W is (FN, C, FH, FW), b is (FN,), out is (N, FN, OH, OW). With the book's
    col = im2col(x) (N*OH*OW, C*FH*FW) and W_col = W.reshape(FN, C*FH*FW):

        out = col W_col^T + b,   dW_col = dout^T col,   db = sum of dout over (n, oh, ow),
        dcol = dout W_col,       dx = col2im(dcol).

    The products are taken transposed, out^T = W_col col^T, with col^T of shape (C*FH*FW, OH*OW*N),
    its columns in batch-last order (:func:`engine.batch_last.fill_columns`), and one more row of ones:
    [W_col | b] times it adds the bias inside the product, and dout^T times it gives [dW_col | db], which
    saves two passes over the output (about 1 ms of SimpleConvNet's first layer). The output comes out as
    (FN, OH, OW, N) and is returned as a (N, FN, OH, OW) view of it without a copy; fed such a view,
    the next convolution or pooling layer reads it in memory order. The im2col matrix is kept (for
    dW) in memory the layer reuses from call to call, and once dW is known that memory takes the
    matrix dx is made from. With stride 1, dx is computed as a convolution of dout with the flipped
    kernel (copies and one product) whenever its im2col matrix fits there; otherwise by col2im. Setting
    ``needs_input_grad = False`` (for a network's first layer, whose input is data) skips dx and makes
    ``backward`` return None. Use each forward for at most one backward.

    Stride-1 3x3 convolutions with enough channels are computed by Winograd's minimal filtering instead,
    where it was measured faster (:func:`engine.winograd.prefer_winograd`): F(4x4, 3x3) on 6x6 tiles
    (:mod:`engine.winograd`), or, where the channels are few and BLAS runs its AVX2 kernels, F(4, 3)
    along rows on 6-wide segments (:mod:`engine.winograd_rows`, :func:`engine.winograd_rows.prefer_rows`).
    ``algorithm`` chooses: "auto" (those rules; float16 always goes to im2col, which computes in it as
    the book does), "im2col", "winograd" or "winograd_rows" (where supported; float16 is computed in
    float32 and returned in the book's dtype). Two ways in which Winograd's results differ from the
    book's beyond rounding: a value that is not finite (inf or NaN, in x or in dout) makes NaN every
    output of the tiles or segments that read it (the transforms multiply it by zeros and add it into
    every entry), where the book has it only in the windows that hold it; and a dout wider than the
    forward's dtype (float64 after a float32 forward) gives gradients of the forward dtype's precision,
    in the book's dtype.
    """

    needs_input_grad: bool = True
    algorithm: str = "auto"

    W = param("W")
    b = param("b")
    dW = grad("W")
    db = grad("b")

    def __init__(self, W: np.ndarray, b: np.ndarray, stride: int = 1, pad: int = 0) -> None:
        super().__init__()
        check_environment()  # a bad ZEROPROP_NUM_THREADS stops the program here
        self.W, self.b = check_filters(W, b, "FastConvolution")
        self.stride = positive_int(stride, "FastConvolution", "stride")
        self.pad = positive_int(pad, "FastConvolution", "pad", low=0)
        self.x_shape: tuple[int, ...] | None = None
        self._x_dtype: np.dtype | None = None
        self._col: np.ndarray | None = None  # im2col(x).T of the last forward; None once backward has used it
        self._col_buffer: np.ndarray | None = None  # memory of _col, kept while the shapes stay the same
        self._pad_buffer: np.ndarray | None = None
        self._dout_pad_buffer: np.ndarray | None = None
        self._winograd: WinogradCache | RowsCache | None = None  # the last forward's, if it went through Winograd
        self._winograd_workspace = WinogradWorkspace()
        keep_freed_memory()  # its output and dx are fresh every call: let their memory come back cheaply

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, int, int, int]:
        """(N, FN, OH, OW) for input of ``input_shape``; ValueError if the input does not fit the layer."""
        FN, C, FH, FW = self.params["W"].shape
        if len(input_shape) != 4 or input_shape[1] != C:
            raise ValueError(f"FastConvolution: expected input of shape (N, {C}, H, W) for W of shape "
                             f"{self.params['W'].shape}, got {tuple(input_shape)}")
        out_h, out_w = output_shape(input_shape, FH, FW, self.stride, self.pad, "FastConvolution")
        return input_shape[0], FN, out_h, out_w

    def forward(self, x: np.ndarray) -> np.ndarray:
        W = self.params["W"]
        x = image_batch(x, W.shape[1], "FastConvolution")
        N, FN, out_h, out_w = self.output_shape(x.shape)
        method = self._method(x.shape, x.dtype)  # may refuse a bad ``algorithm``: before any state changes
        self._winograd = None
        self._x_dtype = x.dtype
        if method != "im2col":
            forward = rows_forward if method == "winograd_rows" else winograd_forward
            with single_blas_thread():  # many small products: waking BLAS threads for each costs more than it gains
                out, self._winograd = forward(x, W, self.b, self.pad, workspace=self._winograd_workspace,
                                              workers=batch_parts(x.shape[0]))
            self.x_shape, self._col = x.shape, None
            book_dtype = np.result_type(x, W, self.b)
            return out if out.dtype == book_dtype else out.astype(book_dtype)  # float16: computed in float32
        rows = W.shape[1] * W.shape[2] * W.shape[3]
        col = self._col_buffer
        if col is None or col.shape != (rows + 1, N * out_h * out_w) or col.dtype != x.dtype:
            col = self._col_buffer = np.empty((rows + 1, N * out_h * out_w), dtype=x.dtype)
        xp = padded_batch_last(x, self.pad, buffer=self._pad_buffer)
        if xp.base is None:  # a copy, not a view of x: keep its memory for the next call
            self._pad_buffer = xp
        fill_columns(xp, W.shape[2], W.shape[3], self.stride, col[:rows])
        col[rows] = 1  # the bias's row: [W_col | b] [col; 1] = W_col col + b, in one product
        self._col = col
        self.x_shape = x.shape
        W_and_b = np.concatenate([W.reshape(FN, rows), self.params["b"][:, None]], axis=1)
        out = matmul(W_and_b, col)
        return out.reshape(FN, out_h, out_w, N).transpose(3, 0, 1, 2)

    def backward(self, dout: np.ndarray) -> np.ndarray | None:
        self._require_forward(self.x_shape)
        if self._col is None and self._winograd is None:
            raise LayerStateError("FastConvolution.backward() called twice after one forward(): the first call "
                                  "reused the im2col matrix's memory for the input gradient")
        W = self.params["W"]
        dout = gradient_like(dout, self.output_shape(self.x_shape), "FastConvolution")
        if self._winograd is not None:
            backward = rows_backward if isinstance(self._winograd, RowsCache) else winograd_backward
            with single_blas_thread():
                dx, dW, db = backward(dout, self._winograd, self.needs_input_grad)
            if dout.dtype != dW.dtype:  # computed in the forward's dtype: hand them back in the book's
                dx = None if dx is None else dx.astype(np.result_type(dout, W), copy=False)
                dW, db = dW.astype(np.result_type(self._x_dtype, dout), copy=False), db.astype(_sum_dtype(dout))
            self.grads["W"], self.grads["b"] = dW, db
            return dx
        FN = W.shape[0]
        rows = self._col.shape[0] - 1
        dout_t = dout.transpose(1, 2, 3, 0).reshape(FN, -1)  # a view when dout is batch-last in memory
        dW_and_db = weight_gradient(dout_t, self._col)  # [dW_col | db]: the ones row sums dout for db
        self.grads["W"] = np.ascontiguousarray(dW_and_db[:, :rows]).reshape(W.shape)
        self.grads["b"] = dW_and_db[:, rows].astype(_sum_dtype(dout))  # a copy, in the book's dtype
        if not self.needs_input_grad:
            return None
        if np.result_type(W, dout) != self._col.dtype:
            return self._input_grad_by_col2im(matmul(W.reshape(FN, -1).T, dout_t))  # in the wider dtype
        col, self._col = self._col, None  # col is spent: its memory takes the next matrix
        if self._fits_transposed_convolution(dout.shape):
            return self._input_grad_by_convolution(dout, col)
        return self._input_grad_by_col2im(matmul(W.reshape(FN, -1).T, dout_t, out=col[:rows]))

    def _method(self, x_shape: tuple[int, ...], x_dtype: np.dtype) -> str:
        """"im2col", "winograd" (F(4x4, 3x3)) or "winograd_rows" (F(4, 3) along rows) for this input."""
        if self.algorithm == "im2col":
            return "im2col"
        if self.algorithm in ("winograd", "winograd_rows"):
            supported = winograd_supported(x_shape, self.W.shape, self.stride, self.pad)
            return self.algorithm if supported else "im2col"
        if self.algorithm != "auto":
            raise ValueError(f"FastConvolution: algorithm must be 'auto', 'im2col', 'winograd' or 'winograd_rows', "
                             f"got {self.algorithm!r}")
        if np.result_type(x_dtype, self.W.dtype).itemsize < 4:
            return "im2col"  # float16: im2col computes in it as the book does; Winograd would need float32
        if prefer_rows(x_shape, self.W.shape, self.stride, self.pad):
            return "winograd_rows"
        return "winograd" if prefer_winograd(x_shape, self.W.shape, self.stride, self.pad) else "im2col"

    def _input_grad_by_col2im(self, dcol: np.ndarray) -> np.ndarray:
        """dx = col2im(dcol): FH*FW strided additions of the (C, OH, OW, N) blocks of dcol (any stride)."""
        FH, FW = self.params["W"].shape[2:]
        return add_columns(dcol, self.x_shape, FH, FW, self.stride, self.pad, owner="FastConvolution")

    def _fits_transposed_convolution(self, dout_shape: tuple[int, ...]) -> bool:
        """Stride 1, pad < kernel, and the im2col matrix of dout no larger than the forward one."""
        FN, C, FH, FW = self.params["W"].shape
        N, _, H, W = self.x_shape
        out_h, out_w = dout_shape[2:]
        dout_columns, x_columns = FN * H * W, C * out_h * out_w  # the two matrices over FH*FW*N
        return self.stride == 1 and self.pad < min(FH, FW) and dout_columns <= x_columns

    def _input_grad_by_convolution(self, dout: np.ndarray, buffer: np.ndarray) -> np.ndarray:
        """For stride 1, dx is itself a convolution: dout padded by (FH-1-pad, FW-1-pad), filtered by W flipped.

        dx[n, c, h, w] = sum over (f, i, j) of W[f, c, FH-1-i, FW-1-j] dout_pad[n, f, h + i, w + j], so
        dx^T = W_flip (C, FN*FH*FW) times the im2col matrix of dout_pad, built in ``buffer``'s memory.
        Unlike col2im it only copies and multiplies: no strided accumulation.
        """
        W = self.params["W"]
        FN, C, FH, FW = W.shape
        N, _, H, Wd = self.x_shape
        dp = padded_batch_last(dout, (FH - 1 - self.pad, FW - 1 - self.pad), buffer=self._dout_pad_buffer)
        if dp.base is None:
            self._dout_pad_buffer = dp
        dcol = fill_columns(dp, FH, FW, 1, buffer.reshape(-1)[:FN * FH * FW * N * H * Wd].reshape(-1, N * H * Wd))
        W_flip = W[:, :, ::-1, ::-1].transpose(1, 0, 2, 3).reshape(C, -1)
        return matmul(W_flip, dcol).reshape(C, H, Wd, N).transpose(3, 0, 1, 2)
