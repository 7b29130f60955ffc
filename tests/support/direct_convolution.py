"""A direct 3x3 stride-1 convolution in float64 and random cases for it, shared by the Winograd tests."""

from __future__ import annotations

import numpy as np

# (N, C, FN, H, W, pad): odd sizes, outputs that are and are not multiples of 4, pads 0, 1, 2,
# a single output pixel, and more rows than columns.
CASES = [
    (2, 3, 4, 8, 8, 1),     # 8x8 output: whole tiles
    (3, 2, 5, 7, 9, 1),     # 7x9: tiles cropped on both axes
    (1, 1, 1, 3, 3, 0),     # one output pixel
    (2, 4, 3, 13, 6, 2),    # 15x8, pad 2
    (4, 5, 2, 6, 11, 0),    # 4x9, pad 0
    (1, 3, 6, 10, 10, 2),   # 12x12, pad 2
    (2, 16, 8, 5, 5, 1),    # more channels than pixels
]


def make(case, dtype=np.float64, seed=0):
    """x, W, b, pad and dout for ``case`` = (N, C, FN, H, W, pad), standard normal values."""
    N, C, FN, H, Wd, pad = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, C, H, Wd)).astype(dtype)
    W = rng.standard_normal((FN, C, 3, 3)).astype(dtype)
    b = rng.standard_normal(FN).astype(dtype)
    dout = rng.standard_normal((N, FN, H + 2 * pad - 2, Wd + 2 * pad - 2)).astype(dtype)
    return x, W, b, pad, dout


def direct(x, W, b, pad, dout):
    """The definition, one kernel position (i, j) at a time, in float64:
    out = b + sum_ij W[:, :, i, j] . x_pad[:, :, i:i+OH, j:j+OW] (over c), and its adjoints for dx, dW."""
    x, W, b, dout = (np.asarray(a, np.float64) for a in (x, W, b, dout))
    N, C, H, Wd = x.shape
    OH, OW = H + 2 * pad - 2, Wd + 2 * pad - 2
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, W.shape[0], OH, OW)) + b[None, :, None, None]
    dxp = np.zeros_like(xp)
    dW = np.zeros_like(W)
    for i in range(3):
        for j in range(3):
            window = xp[:, :, i:i + OH, j:j + OW]
            out += np.einsum("nchw,fc->nfhw", window, W[:, :, i, j])
            dxp[:, :, i:i + OH, j:j + OW] += np.einsum("nfhw,fc->nchw", dout, W[:, :, i, j])
            dW[:, :, i, j] = np.einsum("nfhw,nchw->fc", dout, window)
    return out, dxp[:, :, pad:pad + H, pad:pad + Wd], dW, dout.sum(axis=(0, 2, 3))


def rel(a, ref):
    """max |a - ref| / max |ref|: the error against the largest value."""
    return float(np.abs(np.asarray(a, np.float64) - ref).max() / np.abs(ref).max())
