"""Matrix products and element-wise passes split over the engine's worker threads.

With BLAS at one thread (the engine's thread policy), a large product uses one core. ``matmul``
cuts it into ``PIECES`` blocks, of a's rows or of b's columns, whichever is longer, and runs the
blocks on the engine's workers (:func:`engine.threads.run_parallel`). Each entry of the result is
still one dot product over the whole inner dimension, computed by one block, and the number of
blocks depends on the shapes alone, never on the thread setting, so the result is the same on any
number of threads. :func:`split_pass` does the same for an element-wise pass over large arrays
(ReLU's maximum, its mask, dout times the mask): ranges of the outermost axis, each element computed
as whole.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from engine.threads import run_parallel

PIECES = 2  # blocks per split product: the reference machine's cores
# Multiply-adds; below this a hand-over to a worker costs more than it saves. Measured on a 2-core AMD
# EPYC (Zen 3), one BLAS thread, whole against split: 100x784x50 (3.9M) 101 against 111 us (the worker's
# wake-up eats the gain), 100x1024x50 (5.1M) 137 against 129, 100x784x100 (7.8M) 187 against 158.
SMALLEST_SPLIT = 4_500_000


def even_ranges(length: int, pieces: int = PIECES) -> list[tuple[int, int]]:
    """``pieces`` consecutive ranges (lo, hi) that cover 0..length, their sizes differing by one at most."""
    return [(length * i // pieces, length * (i + 1) // pieces) for i in range(pieces)]


def matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """a @ b for a (M, K) and b (K, N), into ``out`` (M, N) when given; see the module docstring."""
    M, K = a.shape
    N = b.shape[1]
    if out is None:
        out = np.empty((M, N), dtype=np.result_type(a, b))
    if M * K * N < SMALLEST_SPLIT or max(M, N) < 2 * PIECES:
        return np.matmul(a, b, out=out)
    if M >= N:
        tasks = [lambda lo=lo, hi=hi: np.matmul(a[lo:hi], b, out=out[lo:hi]) for lo, hi in even_ranges(M)]
    else:
        tasks = [lambda lo=lo, hi=hi: np.matmul(a, b[:, lo:hi], out=out[:, lo:hi]) for lo, hi in even_ranges(N)]
    run_parallel(tasks)
    return out


# Values; below this a pass over an array runs whole. An element-wise pass is bound by memory, which two
# cores share: measured on ReLU (float32, batch-last), two halves were slower than one pass up to 400,000
# values, even at 20-40 us a hand-over, and 5-10% faster from 1.2 million.
SMALLEST_SPLIT_PASS = 1 << 20


def memory_order(a: np.ndarray) -> tuple[int, ...] | None:
    """The axes of ``a`` from outermost to innermost in memory (largest stride first; ties keep axis
    order), or None when a stride is negative or zero on an axis of more than one value."""
    if a.ndim == 0 or any(stride <= 0 and size > 1 for stride, size in zip(a.strides, a.shape, strict=True)):
        return None
    return tuple(sorted(range(a.ndim), key=lambda axis: -a.strides[axis]))


def split_pass(fn: Callable[..., object], arrays: list[np.ndarray]) -> bool:
    """Run the element-wise ``fn(*slices)`` over ``PIECES`` ranges of the arrays' outermost axis in
    memory on the engine's workers, where every array has the same shape and the same order of axes
    in memory and they are large; return False, having done nothing, otherwise (the caller then runs
    ``fn`` on the arrays). The arrays need not be contiguous: a batch-last gradient that is a view
    into a padded buffer is split by channels like the contiguous mask it is multiplied by."""
    first = arrays[0]
    if first.size < SMALLEST_SPLIT_PASS:
        return False
    order = memory_order(first)
    if order is None or any(a.shape != first.shape or memory_order(a) != order for a in arrays[1:]):
        return False
    axis = next((axis for axis in order if first.shape[axis] >= PIECES), None)
    if axis is None:
        return False

    def piece(lo: int, hi: int) -> None:
        index = (slice(None),) * axis + (slice(lo, hi),)
        fn(*(a[index] for a in arrays))

    run_parallel([lambda lo=lo, hi=hi: piece(lo, hi) for lo, hi in even_ranges(first.shape[axis])])
    return True
