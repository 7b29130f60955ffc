"""Winograd minimal filtering F(4x4, 3x3) for stride-1 3x3 convolutions (Lavin & Gray 2015).

A 6x6 tile d of the padded input and a 3x3 filter g give a 4x4 block of the output as

    Y = A^T [ (G g G^T) * (B^T d B) ] A        (* element by element)

with the fixed matrices B^T (6x6), G (6x3) and A^T (4x6) below (interpolation points 0, +-1, +-2 and
infinity). Flattening a tile row by row turns each two-sided product into one matrix product with a
Kronecker matrix: vec(B^T d B) = kron(B^T, B^T) vec(d) (36x36), vec(G g G^T) = kron(G, G) vec(g)
(36x9), vec(A^T m A) = kron(A^T, A^T) vec(m) (16x36). Over all tiles and channels:

    U[k] = sum_rs KG[k, rs] W[:, :, rs]            (36, FN, C)   transformed filters
    V    = KB D                                    (36, C, P)    D: the 36 values of each of P tiles
    M[k] = U[k] V[k]          for k = 0..35        (36, FN, P)   the channel sum, one product per k
    Y    = KA M + b                                (16, FN, P)   scattered onto the output

with P = N * TH * TW tiles, TH = ceil(OH / 4), taken at stride 4 over the input padded by ``pad`` and
then at the bottom and right until whole tiles fit (the outputs of that extra margin are dropped).
The bias enters through M[7] (tile position (1, 1)), whose image under KA is all ones. The backward
pass runs the same maps transposed:

    dM = KA^T dY,  db = sum over P of dM[7],  dU[k] = dM[k] V[k]^T,  dW = KG^T dU,
    dV[k] = U[k]^T dM[k],  dD = KB^T dV,  dx = the tiles of dD added back where they were read.

Everything heavy is a matrix product; the rest are a few strided copies. The tiles are taken in
chunks (one tile row, a few tile columns, all images), so that a chunk's D, V, M and Y stay in a
core's cache from one product to the next; only V is kept whole, for dW. Memory is batch-last like
the book layers' fast path: the input is read as (C, H, W, N), the output is an (N, FN, OH, OW) view
of a contiguous (FN, OH, OW, N) array and dx an (N, C, H, W) view of a (C, H', W', N) array (H' >= H).
Arithmetic is done in the inputs' floating dtype (float32 or float64), the backward's too (a wider
dout is cast to it); float32 results differ from a direct convolution by a few 1e-6 of the largest
value (the transforms' 4, 5, 8 and 1/24 amplify rounding), against ~2e-7 for im2col; float16 input is
computed in float32. A value that is not finite spreads through the tiles that hold it: an infinite
input meets the transforms' zeros (inf * 0 is NaN) and a NaN reaches every entry its tile's sums
touch, so the output's whole 4x4 block is NaN (and in backward, a NaN in dout makes its tile's dx NaN).

Threads: the products are small and many, so a multi-threaded BLAS spends more waking its threads
than it gains (on a busy machine many times more); call these functions with BLAS on one thread
(:func:`engine.threads.single_blas_thread`) and, to use more cores, split the batch into ``workers``
parts, which run on the engine's worker threads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from engine.products import even_ranges
from engine.threads import run_parallel

# F(2x2, 3x3) (TILE 4, STEP 2) and F(6x6, 3x3) (TILE 8, STEP 6) run through this module unchanged given
# their matrices; both were slower than F(4x4, 3x3) on every DeepConvNet layer (docs/SPEED.md).
TILE = 6  # input tile side
STEP = 4  # output block side = stride between tiles
BIAS_POSITION = 1 * TILE + 1  # transform-domain position whose output image is all ones

_BT = np.array([[4, 0, -5, 0, 1, 0],
                [0, -4, -4, 1, 1, 0],
                [0, 4, -4, -1, 1, 0],
                [0, -2, -1, 2, 1, 0],
                [0, 2, -1, -2, 1, 0],
                [0, 4, 0, -5, 0, 1]], dtype=np.float64)
_G = np.array([[1 / 4, 0, 0],
               [-1 / 6, -1 / 6, -1 / 6],
               [-1 / 6, 1 / 6, -1 / 6],
               [1 / 24, 1 / 12, 1 / 6],
               [1 / 24, -1 / 12, 1 / 6],
               [0, 0, 1]], dtype=np.float64)
_AT = np.array([[1, 1, 1, 1, 1, 0],
                [0, 1, -1, 2, -2, 0],
                [0, 1, 1, 4, 4, 0],
                [0, 1, -1, 8, -8, 1]], dtype=np.float64)

_KRON = {"KB": np.kron(_BT, _BT), "KG": np.kron(_G, _G), "KA": np.kron(_AT, _AT)}
_KRON_BY_DTYPE: dict[np.dtype, dict[str, np.ndarray]] = {}
_ONE_D_BY_DTYPE: dict[np.dtype, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}


def transform_matrices(dtype: np.dtype) -> dict[str, np.ndarray]:
    """KB (36, 36), KG (36, 9), KA (16, 36) and their transposes (contiguous) in ``dtype``."""
    dtype = np.dtype(dtype)
    found = _KRON_BY_DTYPE.get(dtype)
    if found is None:
        found = {name: m.astype(dtype) for name, m in _KRON.items()}
        found.update({name + "T": np.ascontiguousarray(m.T) for name, m in list(found.items())})
        for m in found.values():
            m.flags.writeable = False
        found = _KRON_BY_DTYPE.setdefault(dtype, found)
    return found


def one_dimensional_matrices(dtype: np.dtype) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """F(4, 3)'s B^T (6x6), G (6x3) and A^T (4x6) in ``dtype`` (read-only), for one-dimensional tiles."""
    dtype = np.dtype(dtype)
    found = _ONE_D_BY_DTYPE.get(dtype)
    if found is None:
        found = tuple(m.astype(dtype) for m in (_BT, _G, _AT))
        for m in found:
            m.flags.writeable = False
        found = _ONE_D_BY_DTYPE.setdefault(dtype, found)
    return found


def winograd_supported(x_shape: tuple[int, ...], W_shape: tuple[int, ...], stride: int, pad: int) -> bool:
    """True when this module can compute the convolution: 4-D shapes with matching channels, a 3x3
    kernel, stride 1, pad >= 0 and an output of at least one pixel."""
    if len(x_shape) != 4 or len(W_shape) != 4 or tuple(W_shape[2:]) != (3, 3) or x_shape[1] != W_shape[1]:
        return False
    if stride != 1 or int(pad) != pad or pad < 0:
        return False
    return min(x_shape[0], W_shape[0]) >= 1 and min(x_shape[2], x_shape[3]) + 2 * pad >= 3


# Where Winograd beat the book layer (layers.Convolution, im2col), forward + backward, float32, batch
# 100, pad 1, one BLAS thread, CPU time on a busy 2-core machine (winograd / layer, < 1 is a gain):
#
#   C \ H (FN)      4      8     14     20     28
#   1 (16, 64)           3.7-4.1                2.9-3.1
#   3 (16, 64)           1.4-1.5                1.2
#   4, 6 (32)                                   1.22, 0.89
#   8 (8-64)            1.0-1.1   1.03-1.25  0.62-0.78  0.61-0.83
#   16 (8-64)  0.9-1.0  0.8-1.0   0.97-0.98             0.58-0.66
#   64 (8-64)  0.7-0.9  0.5-0.7   0.7-0.9               0.48-0.60
#
# Few channels leave the transforms (cost ~ C + FN per tile) unpaid by the products they save
# (~ C * FN); a 14x14 output computes 16x16 and drops the rest. Hence: at least MIN_CHANNELS input
# channels, or at least SMALL_CHANNELS and MIN_PIXELS output pixels.
MIN_CHANNELS = 16
SMALL_CHANNELS = 8
MIN_PIXELS = 400


def prefer_winograd(x_shape: tuple[int, ...], W_shape: tuple[int, ...], stride: int, pad: int) -> bool:
    """True where Winograd is expected to be faster than im2col (the rule and table above)."""
    if not winograd_supported(x_shape, W_shape, stride, pad):
        return False
    C = x_shape[1]
    pixels = (x_shape[2] + 2 * pad - 2) * (x_shape[3] + 2 * pad - 2)
    return C >= MIN_CHANNELS or (C >= SMALL_CHANNELS and pixels >= MIN_PIXELS)


@dataclass(eq=False)
class WinogradWorkspace:
    """Arrays a convolution reuses from call to call (never arrays handed to a caller). Unlike
    :class:`engine.memory.Workspace` it keeps one flat array per name and lends its first ``size``
    values, so one allocation serves chunks of every size, and it counts forwards to refuse stale caches.

    Pass the same WinogradWorkspace to successive forward calls of one layer (``winograd_forward`` or
    :func:`engine.winograd_rows.rows_forward`, in any mix); each forward takes it over, so only the cache
    of its latest forward may still be used for a backward.
    """

    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    generation: int = 0
    _padded_for: tuple[object, ...] | None = field(default=None, repr=False)

    def get(self, name: str, size: int, dtype: np.dtype) -> np.ndarray:
        """A flat scratch array of ``size`` elements of ``dtype`` kept under ``name``; contents undefined."""
        a = self.arrays.get(name)
        if a is None or a.dtype != dtype or a.size < size:
            a = self.arrays[name] = np.empty(size, dtype)
        return a[:size]

    def padded(self, shape: tuple[int, int, int, int], dtype: np.dtype, pad: int, H: int, Wd: int,
               layout: str = "CHWN") -> np.ndarray:
        """The padded input, zero but where x goes, which the caller fills: in ``layout`` "CHWN" a (C, H', W', N)
        array with x at [:, pad:pad+H, pad:pad+Wd, :]; in "HCWN" (:mod:`engine.winograd_rows`) (H', C, W', N)
        with x at [pad:pad+H, :, pad:pad+Wd, :]. Kept between calls with the same geometry and layout, whose
        border is still zero."""
        key = (shape, np.dtype(dtype), pad, H, Wd, layout)  # one shape may hold the image elsewhere in another layout
        if self._padded_for != key:
            self.arrays["xpad"] = np.zeros(shape, dtype)
            self._padded_for = key
        return self.arrays["xpad"]


@dataclass(eq=False)
class WinogradCache:
    """What backward needs: shapes, the batch parts and chunking, the transformed filters U and tiles V."""

    x_shape: tuple[int, int, int, int]
    W_shape: tuple[int, int, int, int]
    pad: int
    tiles: tuple[int, int]  # (TH, TW)
    out_hw: tuple[int, int]
    parts: list[tuple[int, int, int]]  # (n0, n1, tile columns per chunk) of each batch part
    U: np.ndarray  # (36, FN, C)
    V: np.ndarray  # flat: the (36, C, P_chunk) blocks of every chunk of every part, one after the other
    workspace: WinogradWorkspace
    generation: int


# Tiles are processed in chunks of one tile row and a few tile columns (all N images), so that a
# chunk's tiles, their transforms and its products stay near the core between the steps. Every chunk
# costs a few NumPy calls, each holding the GIL for a moment; with two worker threads, 1 MiB chunks
# spent so long waiting for each other that a DeepConvNet step took 85-88 ms, 4 MiB chunks 69-71 ms
# (8 and 16 MiB: 70-74 ms), on one thread 110-114 ms.
CHUNK_BYTES = 4 << 20


def tile_columns_per_chunk(TW: int, N: int, C: int, FN: int, itemsize: int) -> int:
    """How many tile columns (of one tile row, N tiles each) make a chunk of about CHUNK_BYTES."""
    per_tile = itemsize * (TILE * TILE * (2 * C + FN) + STEP * STEP * FN)
    return max(1, min(TW, CHUNK_BYTES // (per_tile * N)))


def _chunks(TH: int, TW: int, chunk: int) -> Iterator[tuple[int, int, int]]:
    """(ty, tx0, tx1) of every chunk, in the order V stores them."""
    for ty in range(TH):
        for tx0 in range(0, TW, chunk):
            yield ty, tx0, min(TW, tx0 + chunk)


def _output_pairs(image: np.ndarray, blocks: np.ndarray, ty: int,
                  tx0: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Matching views of an (FN, OH, OW, n) output ``image`` and a chunk's 4x4 output blocks
    (4, 4, FN, cols, n) of tile row ty, tile columns tx0.., leaving out what lies beyond OH, OW.

    At most two pairs: the whole tile columns, then the last one if it is cut off.
    """
    FN, OH, OW, n = image.shape
    cols = blocks.shape[3]
    rows = min(STEP, OH - STEP * ty)
    whole = max(0, min(cols, OW // STEP - tx0))
    top = STEP * ty
    if whole:
        view = image[:, top:top + rows, STEP * tx0:STEP * (tx0 + whole)].reshape(FN, rows, whole, STEP, n)
        yield view, blocks[:rows, :, :, :whole].transpose(2, 0, 3, 1, 4)
    if whole < cols:  # the last tile column, cut off at OW
        left = STEP * (tx0 + whole)
        yield image[:, top:top + rows, left:OW], blocks[:rows, :OW - left, :, whole].transpose(2, 0, 1, 3)


def batch_parts_with_chunks(N: int, workers: int, chunk_for: Callable[[int], int]) -> list[tuple[int, int, int]]:
    """(n0, n1, chunk_for(n1 - n0)) for ``workers`` nearly equal slices of the batch."""
    if int(workers) != workers or workers < 1:
        raise ValueError(f"engine.winograd: expected workers >= 1, got {workers}")
    return [(n0, n1, chunk_for(n1 - n0)) for n0, n1 in even_ranges(N, min(workers, N))]


def sum_over_parts(results: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """(dU, db) summed over the batch parts' results, in the parts' order (so the same bits on any number
    of threads); the first part's arrays take the sum."""
    dU, db = results[0]
    for more_dU, more_db in results[1:]:
        dU += more_dU
        db += more_db
    return dU, db


def floating_dtype(*arrays: np.ndarray) -> np.dtype:
    """The arithmetic's dtype: the inputs' floating dtype, float64 for integers, and at least float32 (in
    float16 the transforms' 4, 5, 8 and 1/24 would cost two of its three digits and overflow early)."""
    dtype = np.result_type(*arrays)
    if not np.issubdtype(dtype, np.floating):
        return np.dtype(np.float64)
    return np.promote_types(dtype, np.float32)


def check_arguments(x: np.ndarray, W: np.ndarray, b: np.ndarray, pad: int, where: str = "engine.winograd") -> None:
    """ValueError naming ``where`` unless x (N, C, H, W), W (FN, C, 3, 3) and b (FN,) fit a stride-1
    convolution with ``pad``."""
    if not winograd_supported(np.shape(x), np.shape(W), 1, pad):
        raise ValueError(f"{where}: expected x (N, C, H, W), W (FN, C, 3, 3), pad >= 0 and a padded "
                         f"input of at least 3x3, got x {np.shape(x)}, W {np.shape(W)}, pad={pad}")
    if np.shape(b) != (np.shape(W)[0],):
        raise ValueError(f"{where}: expected b of shape ({np.shape(W)[0]},), got {np.shape(b)}")


def winograd_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray, pad: int,
                     workspace: WinogradWorkspace | None = None, workers: int = 1) -> tuple[np.ndarray, WinogradCache]:
    """out[n, f, oh, ow] = sum over (c, i, j) of W[f, c, i, j] x_pad[n, c, oh + i, ow + j] + b[f], stride 1.

    x (N, C, H, W) in any memory layout, W (FN, C, 3, 3), b (FN,). Returns out (N, FN, OH, OW),
    OH = H + 2*pad - 2, as a view of a fresh contiguous (FN, OH, OW, N) array, and the cache for
    :func:`winograd_backward`. ``workspace`` lends reusable scratch memory (see :class:`WinogradWorkspace`).
    ``workers`` > 1 splits the batch into that many parts (forward and backward), which run on the
    engine's worker threads (:func:`engine.threads.run_parallel`, BLAS at one thread meanwhile). dW and
    db are sums over the parts, so choose the count from the shapes, never from the thread setting, and
    results stay the same for any number of threads.
    """
    check_arguments(x, W, b, pad)
    x, W, b = np.asarray(x), np.asarray(W), np.asarray(b)
    dtype = floating_dtype(x, W, b)
    K = transform_matrices(dtype)
    ws = workspace if workspace is not None else WinogradWorkspace()
    ws.generation += 1
    N, C, H, Wd = x.shape
    FN = W.shape[0]
    OH, OW = H + 2 * pad - 2, Wd + 2 * pad - 2
    TH, TW = -(-OH // STEP), -(-OW // STEP)
    parts = batch_parts_with_chunks(N, workers, lambda n: tile_columns_per_chunk(TW, n, C, FN, dtype.itemsize))

    # Padded batch-last input, big enough for whole tiles; its border stays zero between calls.
    xp = ws.padded((C, STEP * TH + 2, STEP * TW + 2, N), dtype, pad, H, Wd)
    s0, s1, s2, s3 = xp.strides
    tiles = np.lib.stride_tricks.as_strided(
        xp, (TILE, TILE, C, TH, TW, N), (s1, s2, s0, STEP * s1, STEP * s2, s3), writeable=False)
    U = (K["KG"] @ W.astype(dtype, copy=False).reshape(FN * C, 9).T).reshape(TILE * TILE, FN, C)
    bias = b.astype(dtype, copy=False)[:, None]
    V_all = ws.get("V", TILE * TILE * C * TH * TW * N, dtype)
    out = np.empty((FN, OH, OW, N), dtype)
    xt = x.transpose(1, 2, 3, 0)

    def part(index: int, n0: int, n1: int, chunk: int) -> None:
        Nn = n1 - n0
        D_buf, M_buf, Y_buf = buffers[index]
        xp[:, pad:pad + H, pad:pad + Wd, n0:n1] = xt[..., n0:n1]
        offset = TILE * TILE * C * TH * TW * n0
        for ty, tx0, tx1 in _chunks(TH, TW, chunk):
            cols = tx1 - tx0
            P = cols * Nn
            D = D_buf[:TILE * TILE * C * P]
            np.copyto(D.reshape(TILE, TILE, C, cols, Nn), tiles[:, :, :, ty, tx0:tx1, n0:n1])
            V = V_all[offset:offset + TILE * TILE * C * P].reshape(TILE * TILE, C, P)
            offset += V.size
            np.matmul(K["KB"], D.reshape(TILE * TILE, C * P), out=V.reshape(TILE * TILE, C * P))
            M = M_buf[:TILE * TILE * FN * P].reshape(TILE * TILE, FN, P)
            np.matmul(U, V, out=M)
            M[BIAS_POSITION] += bias
            Y = Y_buf[:STEP * STEP * FN * P]
            np.matmul(K["KA"], M.reshape(TILE * TILE, FN * P), out=Y.reshape(STEP * STEP, FN * P))
            for image, block in _output_pairs(out[..., n0:n1], Y.reshape(STEP, STEP, FN, cols, Nn), ty, tx0):
                np.copyto(image, block)

    buffers = []
    for i, (n0, n1, chunk) in enumerate(parts):
        most = chunk * (n1 - n0)
        buffers.append((ws.get(f"D{i}", TILE * TILE * C * most, dtype),
                        ws.get(f"M{i}", TILE * TILE * FN * most, dtype),
                        ws.get(f"Y{i}", STEP * STEP * FN * most, dtype)))
    run_parallel([lambda i=i, p=p: part(i, *p) for i, p in enumerate(parts)])
    cache = WinogradCache((N, C, H, Wd), (FN, C, 3, 3), int(pad), (TH, TW), (OH, OW), parts, U, V_all, ws,
                          ws.generation)
    return out.transpose(3, 0, 1, 2), cache


def winograd_backward(dout: np.ndarray, cache: WinogradCache,
                      needs_input_grad: bool = True) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """(dx, dW, db) for dout (N, FN, OH, OW) of the forward that made ``cache``.

    dW = sum over pixels of dout x_window, db = sum of dout over (n, oh, ow), dx the sum of dout
    times the filter over every window holding the pixel, each computed through the transposed
    transforms (module docstring), chunk by chunk as in the forward pass. dx is None when
    ``needs_input_grad`` is False; otherwise an (N, C, H, W) view of a fresh batch-last array.
    dW (FN, C, 3, 3) and db (FN,) are fresh arrays.
    """
    ws = cache.workspace
    if ws.generation != cache.generation:
        raise ValueError("engine.winograd: this cache is stale: a later winograd_forward reused its workspace")
    N, C, H, Wd = cache.x_shape
    FN = cache.W_shape[0]
    OH, OW = cache.out_hw
    TH, TW = cache.tiles
    if np.shape(dout) != (N, FN, OH, OW):
        raise ValueError(f"engine.winograd: expected dout of shape {(N, FN, OH, OW)}, got {np.shape(dout)}")
    dtype = cache.V.dtype
    K = transform_matrices(dtype)
    d = np.asarray(dout).transpose(1, 2, 3, 0)  # (FN, OH, OW, N), a view
    dxp = None
    if needs_input_grad:  # (C, block row, row, block column, column, N); see the scatter below
        dxp = np.empty((C, TH + 1, STEP, TW + 1, STEP, N), dtype)
        dxp[:, TH] = 0  # the margin below and right of the tiles gets no 4x4 core, only edges: start at zero
        dxp[:, :TH, :, TW] = 0
    UT = cache.U.transpose(0, 2, 1)

    def part(index: int, n0: int, n1: int, chunk: int) -> tuple[np.ndarray, np.ndarray]:
        Nn = n1 - n0
        dY_buf, dM_buf, dV_buf, dD_buf = buffers[index]
        dU = np.zeros((TILE * TILE, FN, C), dtype)
        db = np.zeros(FN, dtype)
        offsets, offset = [], TILE * TILE * C * TH * TW * n0
        for ty, tx0, tx1 in _chunks(TH, TW, chunk):  # where each chunk's V lies, in the forward's order
            offsets.append((ty, tx0, tx1, offset))
            offset += TILE * TILE * C * (tx1 - tx0) * Nn
        for ty, tx0, tx1, offset in reversed(offsets):  # bottom right first: see the scatter below
            cols = tx1 - tx0
            P = cols * Nn
            dY = dY_buf[:STEP * STEP * FN * P]
            if STEP * (ty + 1) > OH or STEP * tx1 > OW:
                dY.fill(0)  # outputs beyond OH, OW were dropped: their gradient is zero
            for image, block in _output_pairs(d[..., n0:n1], dY.reshape(STEP, STEP, FN, cols, Nn), ty, tx0):
                np.copyto(block, image, casting="same_kind")
            dM = dM_buf[:TILE * TILE * FN * P].reshape(TILE * TILE, FN, P)
            np.matmul(K["KAT"], dY.reshape(STEP * STEP, FN * P), out=dM.reshape(TILE * TILE, FN * P))
            db += dM[BIAS_POSITION].sum(axis=1)
            V = cache.V[offset:offset + TILE * TILE * C * P].reshape(TILE * TILE, C, P)
            dU += np.matmul(dM, V.transpose(0, 2, 1))
            if dxp is None:
                continue
            dV = dV_buf[:TILE * TILE * C * P].reshape(TILE * TILE, C, P)
            np.matmul(UT, dM, out=dV)
            dD = dD_buf[:TILE * TILE * C * P]
            np.matmul(K["KBT"], dV.reshape(TILE * TILE, C * P), out=dD.reshape(TILE * TILE, C * P))
            # Add the tiles back: rows 0..3 of tile row ty land on block row ty, rows 4..5 on rows
            # 0..1 of block row ty + 1; the same for columns. Each 4x4 block is the core (rows and
            # columns 0..3) of exactly one tile; taking the chunks from the bottom right, every block
            # a tile's edges land on already holds its core, so cores are copied, not added to zeros.
            t = dD.reshape(TILE, TILE, C, cols, Nn).transpose(2, 0, 3, 1, 4)  # (C, 6, cols, 6, Nn)
            dxp[:, ty, :, tx0:tx1, :, n0:n1] = t[:, :STEP, :, :STEP]
            dxp[:, ty + 1, :2, tx0:tx1, :, n0:n1] += t[:, STEP:, :, :STEP]
            dxp[:, ty, :, tx0 + 1:tx1 + 1, :2, n0:n1] += t[:, :STEP, :, STEP:]
            dxp[:, ty + 1, :2, tx0 + 1:tx1 + 1, :2, n0:n1] += t[:, STEP:, :, STEP:]
        return dU, db

    buffers = []
    for i, (n0, n1, chunk) in enumerate(cache.parts):  # the forward's chunk buffers are free again
        most = chunk * (n1 - n0)
        buffers.append((ws.get(f"Y{i}", STEP * STEP * FN * most, dtype),
                        ws.get(f"M{i}", TILE * TILE * FN * most, dtype),
                        ws.get(f"D{i}", TILE * TILE * C * most, dtype) if needs_input_grad else None,
                        ws.get(f"E{i}", TILE * TILE * C * most, dtype) if needs_input_grad else None))
    results = run_parallel([lambda i=i, p=p: part(i, *p) for i, p in enumerate(cache.parts)])
    dU, db = sum_over_parts(results)
    dW = (K["KGT"] @ dU.reshape(TILE * TILE, FN * C)).T.reshape(FN, C, 3, 3)
    if dxp is None:
        return None, dW, db
    p = cache.pad
    dx = dxp.reshape(C, STEP * (TH + 1), STEP * (TW + 1), N)[:, p:p + H, p:p + Wd, :]
    return dx.transpose(3, 0, 1, 2), dW, db
