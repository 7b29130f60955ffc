"""Memory a layer fills again on its next call, when nothing else still refers to it.

A large array from NumPy arrives as fresh pages from the operating system, and the first write to
each 4 KiB page traps into the kernel. For a ConvNet's activations and gradients (megabytes a layer)
those page faults cost more than the arithmetic: about a fifth of a SimpleConvNet training step on
this project's reference machine. A layer whose arrays have the same shape call after call takes
them from a :class:`Recycler` instead. It hands back an array it gave out before only when CPython's
reference count shows that nobody else holds it (no caller's variable, no view of it, no other
layer's cache), so an array a caller kept is never overwritten and every result is the same as
with fresh memory. Elsewhere than CPython it always allocates.
"""

from __future__ import annotations

import math
import sys

import numpy as np

_COUNTS_REFERENCES = sys.implementation.name == "cpython"
SMALLEST_RECYCLED = 1 << 18  # bytes; smaller arrays come from the allocator's free lists, not fresh pages
_HELD_BY_US_ONLY = 2  # the tuple in self.held and getrefcount's own argument


class Recycler:
    """Up to ``keep`` arrays handed out by one layer, for reuse when they are free.

    A layer that caches the array itself (ReLU's mask) drops its own reference before asking for the
    next one. Keep two when a neighbour usually still holds the last array at the time of the next
    call, so that the two alternate.
    """

    __slots__ = ("held", "keep")

    def __init__(self, keep: int = 1) -> None:
        self.held: list[tuple[tuple, np.ndarray]] = []  # (what it was made for, the array)
        self.keep = keep

    def empty(self, shape: tuple[int, ...], dtype: np.dtype | type) -> np.ndarray:
        """An uninitialised C-ordered array of ``shape`` and ``dtype``."""
        dtype = np.dtype(dtype)
        if math.prod(shape) * dtype.itemsize < SMALLEST_RECYCLED:
            return np.empty(shape, dtype)
        key = (tuple(shape), dtype, None)
        array = self._take(key)
        return self._hold(key, np.empty(shape, dtype)) if array is None else array

    def empty_like(self, x: np.ndarray, dtype: np.dtype | type | None = None) -> np.ndarray:
        """An uninitialised array of x's shape (and dtype unless given), laid out in memory like x."""
        dtype = x.dtype if dtype is None else np.dtype(dtype)
        if x.size * dtype.itemsize < SMALLEST_RECYCLED:
            return np.empty_like(x, dtype=dtype)
        key = (x.shape, dtype, x.strides)
        array = self._take(key)
        return self._hold(key, np.empty_like(x, dtype=dtype)) if array is None else array

    def _take(self, key: tuple) -> np.ndarray | None:
        if not _COUNTS_REFERENCES:
            return None
        held = self.held
        for i in range(len(held)):
            if held[i][0] == key and sys.getrefcount(held[i][1]) == _HELD_BY_US_ONLY:
                return held[i][1]
        return None

    def _hold(self, key: tuple, array: np.ndarray) -> np.ndarray:
        if _COUNTS_REFERENCES:
            self.held.append((key, array))
            if len(self.held) > self.keep:
                del self.held[0]
        return array

    def clear(self) -> None:
        """Let go of every array (each stays valid for whoever still holds it)."""
        self.held.clear()
