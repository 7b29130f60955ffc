"""Matrix products split over the engine's worker threads.

With BLAS at one thread (the engine's thread policy), a large product uses one core. ``matmul``
cuts it into ``PIECES`` blocks, of a's rows or of b's columns, whichever is longer, and runs the
blocks on the engine's workers (:func:`engine.threads.run_parallel`). Each entry of the result is
still one dot product over the whole inner dimension, computed by one block, and the number of
blocks depends on the shapes alone, never on the thread setting, so the result is the same on any
number of threads.
"""

from __future__ import annotations

import numpy as np

from engine.threads import run_parallel

PIECES = 2  # blocks per split product: the reference machine's cores
SMALLEST_SPLIT = 2_000_000  # multiply-adds; below this a hand-over to a worker costs more than it saves


def matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """a @ b for a (M, K) and b (K, N), into ``out`` (M, N) when given; see the module docstring."""
    M, K = a.shape
    N = b.shape[1]
    if out is None:
        out = np.empty((M, N), dtype=np.result_type(a, b))
    if M * K * N < SMALLEST_SPLIT or max(M, N) < 2 * PIECES:
        return np.matmul(a, b, out=out)
    if M >= N:
        bounds = [M * i // PIECES for i in range(PIECES + 1)]
        tasks = [lambda lo=lo, hi=hi: np.matmul(a[lo:hi], b, out=out[lo:hi])
                 for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]
    else:
        bounds = [N * i // PIECES for i in range(PIECES + 1)]
        tasks = [lambda lo=lo, hi=hi: np.matmul(a, b[:, lo:hi], out=out[:, lo:hi])
                 for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]
    run_parallel(tasks)
    return out
