"""Memory a fast layer owns and fills again on its next call.

A large fresh array arrives as new pages from the operating system, and the first write to each
4 KiB page traps into the kernel; for a ConvNet's scratch arrays (an im2col matrix, a padded copy of
the input, a pooling layer's argmax) that costs more than the arithmetic. A fast layer
therefore keeps such arrays in a :class:`Workspace` of its own and refills them call after call.

Ownership is explicit: an array in a workspace never leaves its layer. What a layer returns (its
output, its input gradient, its parameter gradients) is always a fresh array, so a result a caller
keeps is never overwritten. Nothing here depends on reference counts or other interpreter details.
"""

from __future__ import annotations

import numpy as np

from engine.allocator import keep_freed_memory


class Workspace:
    """Named scratch arrays owned by one layer: the same memory comes back for a name while what it
    was made for (shape, dtype, layout) stays the same, new memory when that changes."""

    __slots__ = ("_arrays",)

    def __init__(self) -> None:
        keep_freed_memory()  # the arrays a layer returns are fresh: let their memory come back cheaply
        self._arrays: dict[str, tuple[tuple, np.ndarray]] = {}  # name -> (what it was made for, array)

    def empty(self, name: str, shape: tuple[int, ...], dtype: np.dtype | type) -> np.ndarray:
        """An uninitialised C-ordered array ``name`` of ``shape`` and ``dtype``."""
        key = (tuple(shape), np.dtype(dtype), None)
        return self._take(name, key, lambda: np.empty(shape, dtype))

    def empty_like(self, name: str, x: np.ndarray, dtype: np.dtype | type | None = None) -> np.ndarray:
        """An uninitialised array ``name`` of x's shape (and dtype unless given), laid out in memory like x."""
        dtype = x.dtype if dtype is None else np.dtype(dtype)
        return self._take(name, (x.shape, dtype, x.strides), lambda: np.empty_like(x, dtype=dtype))

    def _take(self, name: str, key: tuple, make) -> np.ndarray:
        held = self._arrays.get(name)
        if held is None or held[0] != key:
            held = self._arrays[name] = (key, make())
        return held[1]

    def owns(self, array: np.ndarray) -> bool:
        """Whether ``array`` shares memory with any array of this workspace (for tests and checks)."""
        return any(np.shares_memory(array, mine) for _, mine in self._arrays.values())

    def clear(self) -> None:
        """Let go of every array."""
        self._arrays.clear()
