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

Everything heavy is a matrix product; the rest are a few strided copies. Memory is batch-last like
the book layers' fast path: the input is read as (C, H, W, N), the output is an (N, FN, OH, OW) view
of a contiguous (FN, OH, OW, N) array and dx an (N, C, H, W) view of a (C, H', W', N) array (H' >= H).
Arithmetic is done in the inputs' floating dtype (float32 or float64).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

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


def winograd_supported(x_shape: tuple[int, ...], W_shape: tuple[int, ...], stride: int, pad: int) -> bool:
    """True when this module can compute the convolution: 4-D shapes with matching channels, a 3x3
    kernel, stride 1, pad >= 0 and an output of at least one pixel."""
    if len(x_shape) != 4 or len(W_shape) != 4 or tuple(W_shape[2:]) != (3, 3) or x_shape[1] != W_shape[1]:
        return False
    if stride != 1 or int(pad) != pad or pad < 0:
        return False
    return min(x_shape[0], W_shape[0]) >= 1 and min(x_shape[2], x_shape[3]) + 2 * pad >= 3


# Measured regimes (benchmarks/bench_winograd.py, float32, batch 100, forward + backward, 2 cores):
# Winograd beats the im2col layer once both channel counts reach MIN_CHANNELS; with one input
# channel (a first layer) the transforms cost more than the products they save.
MIN_CHANNELS = 8


def prefer_winograd(x_shape: tuple[int, ...], W_shape: tuple[int, ...], stride: int, pad: int) -> bool:
    """True where Winograd is expected to be faster than im2col (see MIN_CHANNELS and the benchmark)."""
    if not winograd_supported(x_shape, W_shape, stride, pad):
        return False
    return min(x_shape[1], W_shape[0]) >= MIN_CHANNELS


@dataclass(eq=False)
class Workspace:
    """Arrays a convolution reuses from call to call (never arrays handed to a caller).

    Pass the same Workspace to successive ``winograd_forward`` calls of one layer; each forward
    takes it over, so only the cache of its latest forward may still be used for a backward.
    """

    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    generation: int = 0

    def get(self, name: str, shape: tuple[int, ...], dtype: np.dtype, zero: bool = False) -> np.ndarray:
        """An array of ``shape`` and ``dtype`` kept under ``name``; zero-filled when newly made and ``zero``."""
        a = self.arrays.get(name)
        if a is None or a.shape != shape or a.dtype != dtype:
            a = np.zeros(shape, dtype) if zero else np.empty(shape, dtype)
            self.arrays[name] = a
        return a


@dataclass(eq=False)
class WinogradCache:
    """What backward needs: shapes, the transformed filters U and input tiles V (in the workspace)."""

    x_shape: tuple[int, int, int, int]
    W_shape: tuple[int, int, int, int]
    pad: int
    tiles: tuple[int, int]  # (TH, TW)
    out_hw: tuple[int, int]
    U: np.ndarray  # (36, FN, C)
    V: np.ndarray  # (36, C, P)
    workspace: Workspace
    generation: int


def _floating(*arrays: np.ndarray) -> np.dtype:
    dtype = np.result_type(*arrays)
    return dtype if np.issubdtype(dtype, np.floating) else np.dtype(np.float64)


def _check(x: np.ndarray, W: np.ndarray, b: np.ndarray, pad: int) -> None:
    if not winograd_supported(np.shape(x), np.shape(W), 1, pad):
        raise ValueError(f"engine.winograd: expected x (N, C, H, W), W (FN, C, 3, 3), pad >= 0 and a padded "
                         f"input of at least 3x3, got x {np.shape(x)}, W {np.shape(W)}, pad={pad}")
    if np.shape(b) != (np.shape(W)[0],):
        raise ValueError(f"engine.winograd: expected b of shape ({np.shape(W)[0]},), got {np.shape(b)}")


def winograd_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray, pad: int,
                     workspace: Workspace | None = None) -> tuple[np.ndarray, WinogradCache]:
    """out[n, f, oh, ow] = sum over (c, i, j) of W[f, c, i, j] x_pad[n, c, oh + i, ow + j] + b[f], stride 1.

    x (N, C, H, W) in any memory layout, W (FN, C, 3, 3), b (FN,). Returns out (N, FN, OH, OW),
    OH = H + 2*pad - 2, as a view of a fresh contiguous (FN, OH, OW, N) array, and the cache for
    :func:`winograd_backward`. ``workspace`` lends reusable scratch memory (see :class:`Workspace`).
    """
    _check(x, W, b, pad)
    x, W, b = np.asarray(x), np.asarray(W), np.asarray(b)
    dtype = _floating(x, W, b)
    K = transform_matrices(dtype)
    ws = workspace if workspace is not None else Workspace()
    ws.generation += 1
    N, C, H, Wd = x.shape
    FN = W.shape[0]
    OH, OW = H + 2 * pad - 2, Wd + 2 * pad - 2
    TH, TW = -(-OH // STEP), -(-OW // STEP)
    P = TH * TW * N

    # Padded batch-last input, big enough for whole tiles; its border stays zero between calls.
    xp = ws.get("xpad", (C, STEP * TH + 2, STEP * TW + 2, N), dtype, zero=True)
    xp[:, pad:pad + H, pad:pad + Wd, :] = x.transpose(1, 2, 3, 0)
    s0, s1, s2, s3 = xp.strides
    tiles = np.lib.stride_tricks.as_strided(
        xp, (TILE, TILE, C, TH, TW, N), (s1, s2, s0, STEP * s1, STEP * s2, s3), writeable=False)
    D = ws.get("D", (TILE * TILE, C, P), dtype)
    np.copyto(D.reshape(TILE, TILE, C, TH, TW, N), tiles)

    V = ws.get("V", (TILE * TILE, C, P), dtype)
    np.matmul(K["KB"], D.reshape(TILE * TILE, C * P), out=V.reshape(TILE * TILE, C * P))
    U = (K["KG"] @ W.astype(dtype, copy=False).reshape(FN * C, 9).T).reshape(TILE * TILE, FN, C)
    M = ws.get("M", (TILE * TILE, FN, P), dtype)
    np.matmul(U, V, out=M)
    M[BIAS_POSITION] += b.astype(dtype, copy=False)[:, None]
    Y = ws.get("Y", (STEP * STEP, FN, P), dtype)
    np.matmul(K["KA"], M.reshape(TILE * TILE, FN * P), out=Y.reshape(STEP * STEP, FN * P))

    out = np.empty((FN, OH, OW, N), dtype)
    blocks = Y.reshape(STEP, STEP, FN, TH, TW, N)
    if OH == STEP * TH and OW == STEP * TW:
        np.copyto(out.reshape(FN, TH, STEP, TW, STEP, N), blocks.transpose(2, 3, 0, 4, 1, 5))
    else:
        for a in range(STEP):
            for c in range(STEP):
                rows, cols = out[:, a::STEP, c::STEP, :].shape[1:3]
                out[:, a::STEP, c::STEP, :] = blocks[a, c, :, :rows, :cols, :]
    cache = WinogradCache((N, C, H, Wd), (FN, C, 3, 3), int(pad), (TH, TW), (OH, OW), U, V, ws, ws.generation)
    return out.transpose(3, 0, 1, 2), cache


def winograd_backward(dout: np.ndarray, cache: WinogradCache,
                      needs_input_grad: bool = True) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """(dx, dW, db) for dout (N, FN, OH, OW) of the forward that made ``cache``.

    dW = sum over pixels of dout x_window, db = sum of dout over (n, oh, ow), dx the sum of dout
    times the filter over every window holding the pixel, each computed through the transposed
    transforms (module docstring). dx is None when ``needs_input_grad`` is False; otherwise an
    (N, C, H, W) view of a fresh batch-last array. dW (FN, C, 3, 3) and db (FN,) are fresh arrays.
    """
    ws = cache.workspace
    if ws.generation != cache.generation:
        raise ValueError("engine.winograd: this cache is stale: a later winograd_forward reused its workspace")
    N, C, H, Wd = cache.x_shape
    FN = cache.W_shape[0]
    OH, OW = cache.out_hw
    TH, TW = cache.tiles
    P = TH * TW * N
    if np.shape(dout) != (N, FN, OH, OW):
        raise ValueError(f"engine.winograd: expected dout of shape {(N, FN, OH, OW)}, got {np.shape(dout)}")
    dtype = cache.V.dtype
    K = transform_matrices(dtype)

    dY = ws.get("Y", (STEP * STEP, FN, P), dtype)  # the forward's Y is spent: its memory takes dY
    blocks = dY.reshape(STEP, STEP, FN, TH, TW, N)
    d = np.asarray(dout).transpose(1, 2, 3, 0)  # (FN, OH, OW, N), a view
    if OH == STEP * TH and OW == STEP * TW:
        np.copyto(blocks, d.reshape(FN, TH, STEP, TW, STEP, N).transpose(2, 4, 0, 1, 3, 5), casting="same_kind")
    else:
        dY.fill(0)
        for a in range(STEP):
            for c in range(STEP):
                part = d[:, a::STEP, c::STEP, :]
                blocks[a, c, :, :part.shape[1], :part.shape[2], :] = part
    dM = ws.get("M", (TILE * TILE, FN, P), dtype)
    np.matmul(K["KAT"], dY.reshape(STEP * STEP, FN * P), out=dM.reshape(TILE * TILE, FN * P))
    db = dM[BIAS_POSITION].sum(axis=1)
    dU = np.matmul(dM, cache.V.transpose(0, 2, 1))  # (36, FN, C)
    dW = (K["KGT"] @ dU.reshape(TILE * TILE, FN * C)).T.reshape(FN, C, 3, 3)
    if not needs_input_grad:
        return None, dW, db

    dV = ws.get("D", (TILE * TILE, C, P), dtype)  # the forward's tile copies are spent
    np.matmul(cache.U.transpose(0, 2, 1), dM, out=dV)
    dD = cache.V  # V is spent once dU is known
    np.matmul(K["KBT"], dV.reshape(TILE * TILE, C * P), out=dD.reshape(TILE * TILE, C * P))
    ws.generation += 1  # V is overwritten: this cache cannot serve a second backward

    # Add the tiles back: rows 0..3 of tile ty land on block ty, rows 4..5 on rows 0..1 of block ty+1.
    dxp = np.empty((C, TH + 1, STEP, TW + 1, STEP, N), dtype)
    t = dD.reshape(TILE, TILE, C, TH, TW, N).transpose(2, 3, 0, 4, 1, 5)  # (C, TH, 6, TW, 6, N)
    dxp[:, :TH, :, :TW, :, :] = t[:, :, :STEP, :, :STEP, :]
    dxp[:, TH] = 0
    dxp[:, :TH, :, TW] = 0
    dxp[:, 1:, :2, :TW, :, :] += t[:, :, STEP:, :, :STEP, :]
    dxp[:, :TH, :, 1:, :2, :] += t[:, :, :STEP, :, STEP:, :]
    dxp[:, 1:, :2, 1:, :2, :] += t[:, :, STEP:, :, STEP:, :]
    p = cache.pad
    dx = dxp.reshape(C, STEP * (TH + 1), STEP * (TW + 1), N)[:, p:p + H, p:p + Wd, :]
    return dx.transpose(3, 0, 1, 2), dW, db
