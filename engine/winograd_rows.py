"""Winograd F(4, 3) along rows: a stride-1 3x3 convolution as three one-dimensional ones.

A 3x3 convolution is a sum over the filter's rows i of one-dimensional correlations along the width:

    out[f, oh, :] = sum over (i, c) of corr1d(x_pad[c, oh + i, :], W[f, c, i, :]) + b[f]

Each goes through Winograd's F(4, 3) (Lavin & Gray 2015): a segment d of 6 values, taken at stride 4
along the width, and 3 taps g give 4 outputs as A^T [(G g) * (B^T d)], with the B^T (6x6), G (6x3)
and A^T (4x6) of :mod:`engine.winograd`. With the padded input laid out as (row, channel, tile
column, batch), the segments of rows oh, oh + 1 and oh + 2 lie one after the other, so the sum over
(i, c) is one matrix product per transform position k and output row:

    V[k, r]   = sum_q B^T[k, q] x_pad[r, c, 4 t + q, n]     (6, H', C, P)    P = TW * N segments a row
    U[k]      = (G W[f, c, i, :])[k]                         (6, FN, 3C)      columns ordered (i, c)
    M[k, oh]  = U[k] V[k, oh:oh + 3]                         (FN, 3C) by (3C, P)
    Y[:, oh]  = A^T M[:, oh] + b                              (4, FN, P)       scattered onto the output

The bias enters through M[1], whose image under A^T is all ones. The backward pass runs the maps
transposed: dM = A dY, db = sum of dM[1], dU[k] = sum over oh of dM[k, oh] V[k, oh:oh + 3]^T,
dW = G^T dU, dV[k, oh + i] += U_i[k]^T dM[k, oh], dx = B dV added back where the segments were read.

Against F(4x4, 3x3) (:mod:`engine.winograd`) it does twice the products over channels per output
(6/4 * 3 = 4.5 against 36/16 = 2.25) and in exchange transforms 1.5 times the input by 6x6 matrices
instead of 2.25 times by 36x36 ones, and computes no margin of rows below the output. On OpenBLAS's
AVX2 kernels that pays where the channels are few and the products cheap beside the transforms, and
where the output's height is not a multiple of 4 (:func:`prefer_rows`; DeepConvNet's conv2 and
conv3); on its AVX-512 kernels the large transform products run fast enough that it does not. Float32
results differ from a direct convolution by up to a few 1e-6 of the largest value (2.5e-6 measured on
DeepConvNet's shapes; F(4x4, 3x3) 6e-6), one transform on each side instead of two.
A value that is not finite makes NaN the outputs of every segment that reads it (4 outputs wide, in
the three output rows that read its row).

Memory is batch-last, as in :mod:`engine.winograd`: the output is an (N, FN, OH, OW) view of a
contiguous (FN, OH, OW, N) array and dx an (N, C, H, W) view of a (C, H', W', N) array. Output rows
are taken in chunks (all segments of a few rows), so that a chunk's products and transforms stay in a
core's cache; only V is kept whole, for dW. Call with BLAS on one thread and ``workers`` parts of the
batch, as for :func:`engine.winograd.winograd_forward`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.threads import blas_architecture, run_parallel
from engine.winograd import (
    WinogradWorkspace,
    batch_parts_with_chunks,
    check_arguments,
    floating_dtype,
    one_dimensional_matrices,
    prefer_winograd,
    sum_over_parts,
)

SEGMENT = 6  # input values per segment
STEP = 4  # outputs per segment = stride between segments
BIAS_POSITION = 1  # transform position whose image under A^T is all ones

# Rows per chunk: about this much of M (6, rows, FN, P) at a time. Measured on conv2 and conv3 from 256 KiB
# to 4 MiB: on one thread 1 MiB was the fastest by 2-7%; on two workers 512 KiB to 1 MiB, and 256 KiB took
# 1.3 times as long (more, smaller NumPy calls: the workers wait for each other's hold on the interpreter).
CHUNK_BYTES = 1 << 20


# OpenBLAS's AVX2 kernels, where F(4, 3) along rows was measured faster (the Haswell kernels; its Zen
# target runs the same ones, not measured apart). On its SkylakeX (AVX-512) kernels F(4x4, 3x3)'s 36x36
# transforms run faster still and rows gained nothing on DeepConvNet's conv2 and conv3 (1.01-1.03x), so
# there, and on kernels not measured, it is not chosen.
ROWS_KERNELS = frozenset({"Haswell", "Zen"})


def prefer_rows(x_shape: tuple[int, ...], W_shape: tuple[int, ...], stride: int, pad: int,
                kernels: str | None = None) -> bool:
    """True where F(4, 3) along rows is expected to beat F(4x4, 3x3): on BLAS kernels in ROWS_KERNELS
    (``kernels``, default :func:`engine.threads.blas_architecture`) and among the shapes Winograd is
    chosen for (:func:`engine.winograd.prefer_winograd`), C * FN <= 256, or C * FN <= 1024 with an
    output height that is not a multiple of 4 (where F(4x4, 3x3) computes rows it then drops).

    Measured forward + backward, float32, batch 100, pad 1, rows / F(4x4, 3x3) (< 1 is a gain), on a
    Zen 5 with the Haswell kernels; one thread, and two workers as FastConvolution runs them:

        C, FN \\ H    one thread: 8   14    28     two workers: 8   14    28
        8, 16              0.80  0.73  0.84                0.85  0.89  0.88
        8, 64              0.96  0.79  0.89                0.99  0.87  0.95
        16, 16             0.92  0.80  0.89                0.96  0.90  0.97
        16, 32             1.07  0.85  0.98                1.03  0.97  0.99
        16, 64             1.09  0.95  1.04                1.10  0.97  1.08
        32, 32             1.14  0.94  1.10                1.03  0.95  0.99
        32, 64             1.22  1.03  1.16                1.25  0.98  1.10

    With the SkylakeX kernels (two workers) only shapes with 8 input channels gained much (8 x 16 and
    8 x 32: 0.82-0.97); 16 x 16 took 0.93-1.01, 16 x 32 and more channels mostly 1.0-1.3.
    """
    if not prefer_winograd(x_shape, W_shape, stride, pad):
        return False
    if (blas_architecture() if kernels is None else kernels) not in ROWS_KERNELS:
        return False
    channels = x_shape[1] * W_shape[0]
    out_h = x_shape[2] + 2 * pad - 2
    return channels <= 256 or (channels <= 1024 and out_h % STEP != 0)


@dataclass(eq=False)
class RowsCache:
    """What backward needs: shapes, the batch parts, the transformed filters U and the segments V."""

    x_shape: tuple[int, int, int, int]
    W_shape: tuple[int, int, int, int]
    pad: int
    tile_columns: int
    out_hw: tuple[int, int]
    parts: list[tuple[int, int, int]]  # (n0, n1, output rows per chunk) of each batch part
    U: np.ndarray  # (6, FN, 3C)
    V: np.ndarray  # flat: the (6, H', C, TW, n) block of every part, one after the other
    workspace: WinogradWorkspace
    generation: int


def _rows_per_chunk(FN: int, P: int, itemsize: int) -> int:
    return max(1, CHUNK_BYTES // (SEGMENT * FN * P * itemsize))


def rows_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray, pad: int,
                 workspace: WinogradWorkspace | None = None, workers: int = 1) -> tuple[np.ndarray, RowsCache]:
    """out[n, f, oh, ow] = sum over (c, i, j) of W[f, c, i, j] x_pad[n, c, oh + i, ow + j] + b[f], stride 1.

    The same contract as :func:`engine.winograd.winograd_forward` (shapes, layouts, dtypes, workspace,
    ``workers``); returns out (N, FN, OH, OW) and the cache for :func:`rows_backward`.
    """
    check_arguments(x, W, b, pad, "engine.winograd_rows")
    x, W, b = np.asarray(x), np.asarray(W), np.asarray(b)
    dtype = floating_dtype(x, W, b)
    BT, G, AT = one_dimensional_matrices(dtype)
    ws = workspace if workspace is not None else WinogradWorkspace()
    ws.generation += 1
    N, C, H, Wd = x.shape
    FN = W.shape[0]
    OH, OW = H + 2 * pad - 2, Wd + 2 * pad - 2
    TW = -(-OW // STEP)
    HP = OH + 2
    whole = OW // STEP
    parts = batch_parts_with_chunks(N, workers, lambda n: _rows_per_chunk(FN, TW * n, dtype.itemsize))

    xp = ws.padded((HP, C, STEP * TW + 2, N), dtype, pad, H, Wd, layout="HCWN")  # (row, channel, column, batch)
    s0, s1, s2, s3 = xp.strides
    segments = np.lib.stride_tricks.as_strided(xp, (SEGMENT, HP, C, TW, N), (s2, s0, s1, STEP * s2, s3),
                                               writeable=False)
    U = np.einsum("kj,fcij->kfic", G, W.astype(dtype, copy=False)).reshape(SEGMENT, FN, 3 * C)
    bias = b.astype(dtype, copy=False)[:, None]
    V_all = ws.get("V", SEGMENT * HP * C * TW * N, dtype)
    out = np.empty((FN, OH, OW, N), dtype)
    xt = x.transpose(2, 1, 3, 0)

    def part(index: int, n0: int, n1: int, rows: int) -> None:
        Nn = n1 - n0
        P = TW * Nn
        D_buf, M_buf, Y_buf = buffers[index]
        xp[pad:pad + H, :, pad:pad + Wd, n0:n1] = xt[..., n0:n1]
        offset = SEGMENT * HP * C * TW * n0
        V = V_all[offset:offset + SEGMENT * HP * C * P].reshape(SEGMENT, HP, C, P)
        t0, t1, t2, t3 = V.strides
        windows = np.lib.stride_tricks.as_strided(V, (SEGMENT, OH, 3 * C, P), (t0, t1, t2, t3), writeable=False)
        done = 0
        for o0 in range(0, OH, rows):
            o1 = min(OH, o0 + rows)
            R = o1 - o0
            ready = o1 + 2  # V's rows o0 .. o1 + 1 feed this chunk: transform those not done yet
            D = D_buf[:SEGMENT * (ready - done) * C * P].reshape(SEGMENT, ready - done, C, TW, Nn)
            np.copyto(D, segments[:, done:ready, :, :, n0:n1])
            np.matmul(BT, D.reshape(SEGMENT, -1), out=V[:, done:ready].reshape(SEGMENT, -1))
            done = ready
            M = M_buf[:SEGMENT * R * FN * P].reshape(SEGMENT, R, FN, P)
            np.matmul(U[:, None], windows[:, o0:o1], out=M)
            M[BIAS_POSITION] += bias
            Y = Y_buf[:STEP * R * FN * P].reshape(STEP, R, FN, TW, Nn)
            np.matmul(AT, M.reshape(SEGMENT, -1), out=Y.reshape(STEP, -1))
            image = out[:, o0:o1, :, n0:n1]
            if whole:
                np.copyto(image[:, :, :STEP * whole].reshape(FN, R, whole, STEP, Nn),
                          Y[:, :, :, :whole].transpose(2, 1, 3, 0, 4))
            if whole < TW:  # the last segment, cut off at OW
                np.copyto(image[:, :, STEP * whole:], Y[:OW - STEP * whole, :, :, whole].transpose(2, 1, 0, 3))

    buffers = []
    for i, (n0, n1, rows) in enumerate(parts):
        P = TW * (n1 - n0)
        buffers.append((ws.get(f"D{i}", SEGMENT * (min(rows, OH) + 2) * C * P, dtype),
                        ws.get(f"M{i}", SEGMENT * min(rows, OH) * FN * P, dtype),
                        ws.get(f"Y{i}", STEP * min(rows, OH) * FN * P, dtype)))
    run_parallel([lambda i=i, p=p: part(i, *p) for i, p in enumerate(parts)])
    cache = RowsCache((N, C, H, Wd), (FN, C, 3, 3), int(pad), TW, (OH, OW), parts, U, V_all, ws, ws.generation)
    return out.transpose(3, 0, 1, 2), cache


def rows_backward(dout: np.ndarray, cache: RowsCache,
                  needs_input_grad: bool = True) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """(dx, dW, db) for dout (N, FN, OH, OW) of the forward that made ``cache``; the same contract as
    :func:`engine.winograd.winograd_backward`."""
    ws = cache.workspace
    if ws.generation != cache.generation:
        raise ValueError("engine.winograd_rows: this cache is stale: a later rows_forward reused its workspace")
    N, C, H, Wd = cache.x_shape
    FN = cache.W_shape[0]
    OH, OW = cache.out_hw
    TW = cache.tile_columns
    HP = OH + 2
    whole = OW // STEP
    if np.shape(dout) != (N, FN, OH, OW):
        raise ValueError(f"engine.winograd_rows: expected dout of shape {(N, FN, OH, OW)}, got {np.shape(dout)}")
    dtype = cache.V.dtype
    BT, G, AT = one_dimensional_matrices(dtype)
    B, A = BT.T, AT.T
    UT = cache.U.transpose(0, 2, 1)[:, None]  # (6, 1, 3C, FN)
    d = np.asarray(dout).transpose(1, 2, 3, 0)  # (FN, OH, OW, N), a view
    dxp = None
    if needs_input_grad:  # (C, row, segment, column, N): segment t's columns 4..5 are t + 1's 0..1
        dxp = np.empty((C, HP, TW + 1, STEP, N), dtype)
        dxp[:, :, TW] = 0  # columns right of the last segment's core get only its edge: start at zero

    def part(index: int, n0: int, n1: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
        Nn = n1 - n0
        P = TW * Nn
        dY_buf, dM_buf, dV_buf = buffers[index]
        offset = SEGMENT * HP * C * TW * n0
        V = cache.V[offset:offset + SEGMENT * HP * C * P].reshape(SEGMENT, HP, C, P)
        t0, t1, t2, t3 = V.strides
        windows = np.lib.stride_tricks.as_strided(V, (SEGMENT, OH, 3 * C, P), (t0, t1, t2, t3), writeable=False)
        dU = np.zeros((SEGMENT, FN, 3 * C), dtype)
        db = np.zeros(FN, dtype)
        carry = np.zeros((SEGMENT, 2, C, P), dtype)  # dV of the two rows below a chunk, from its last outputs
        for o0 in range(0, OH, rows):
            o1 = min(OH, o0 + rows)
            R = o1 - o0
            dY = dY_buf[:STEP * R * FN * P].reshape(STEP, R, FN, TW, Nn)
            image = d[:, o0:o1, :, n0:n1]
            if whole:
                np.copyto(dY[:, :, :, :whole], image[:, :, :STEP * whole].reshape(FN, R, whole, STEP, Nn)
                          .transpose(3, 1, 0, 2, 4), casting="same_kind")
            if whole < TW:  # outputs beyond OW were dropped: their gradient is zero
                cut = OW - STEP * whole
                np.copyto(dY[:cut, :, :, whole], image[:, :, STEP * whole:].transpose(2, 1, 0, 3), casting="same_kind")
                dY[cut:, :, :, whole] = 0
            dM = dM_buf[:SEGMENT * R * FN * P].reshape(SEGMENT, R, FN, P)
            np.matmul(A, dY.reshape(STEP, -1), out=dM.reshape(SEGMENT, -1))
            db += dM[BIAS_POSITION].sum(axis=(0, 2))
            dU += np.matmul(dM, windows[:, o0:o1].transpose(0, 1, 3, 2)).sum(axis=1)
            if dxp is None:
                continue
            dW_rows = np.matmul(UT, dM)  # (6, R, 3C, P): filter row i carries output row oh to input row oh + i
            dV = dV_buf[:SEGMENT * (R + 2) * C * P].reshape(SEGMENT, R + 2, C, P)
            dV[:, 2:] = dW_rows[:, :, 2 * C:]
            dV[:, :2] = carry
            dV[:, :R] += dW_rows[:, :, :C]
            dV[:, 1:R + 1] += dW_rows[:, :, C:2 * C]
            final = R + 2 if o1 == OH else R  # rows no later chunk adds to
            carry[...] = dV[:, R:]
            dD = np.matmul(B, dV[:, :final].reshape(SEGMENT, -1)).reshape(SEGMENT, final, C, TW, Nn)
            dxp[:, o0:o0 + final, :TW, :, n0:n1] = dD[:STEP].transpose(2, 1, 3, 0, 4)
            dxp[:, o0:o0 + final, 1:, :2, n0:n1] += dD[STEP:].transpose(2, 1, 3, 0, 4)
        return dU, db

    buffers = []
    for i, (n0, n1, rows) in enumerate(cache.parts):  # the forward's chunk buffers are free again
        P = TW * (n1 - n0)
        buffers.append((ws.get(f"Y{i}", STEP * min(rows, OH) * FN * P, dtype),
                        ws.get(f"M{i}", SEGMENT * min(rows, OH) * FN * P, dtype),
                        ws.get(f"D{i}", SEGMENT * (min(rows, OH) + 2) * C * P, dtype)))
    results = run_parallel([lambda i=i, p=p: part(i, *p) for i, p in enumerate(cache.parts)])
    dU, db = sum_over_parts(results)
    dW = np.einsum("kj,kfic->fcij", G, dU.reshape(SEGMENT, FN, 3, C))
    if dxp is None:
        return None, dW, db
    p = cache.pad
    dx = dxp.reshape(C, HP, STEP * (TW + 1), N)[:, p:p + H, p:p + Wd, :]
    return dx.transpose(3, 0, 1, 2), dW, db
