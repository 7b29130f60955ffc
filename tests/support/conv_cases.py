"""Random inputs for convolution tests, shared by the book layer's and the fast layer's tests."""

from __future__ import annotations

import numpy as np


def make(case, dtype=np.float64, seed=0):
    """x (N, C, H, W), W (FN, C, FH, FW), b (FN,), stride, pad for ``case`` = (n, c, h, w, fn, fh, fw, stride, pad)."""
    n, c, h, w, fn, fh, fw, stride, pad = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    W = rng.standard_normal((fn, c, fh, fw)).astype(dtype)
    b = rng.standard_normal(fn).astype(dtype)
    return x, W, b, stride, pad
