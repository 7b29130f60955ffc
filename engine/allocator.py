"""Keep freed memory in the process, so that a training step does not fault its arrays in afresh.

Every step makes the same large arrays again (a convolution's output, ReLU's output, every input
gradient: fresh arrays, because they are returned, see :mod:`engine.memory`) and frees them at its
end. glibc's malloc hands memory back to the operating system when a large block is freed (blocks
above ``M_MMAP_THRESHOLD`` are unmapped at once; free memory at the top of the heap above
``M_TRIM_THRESHOLD`` is trimmed), and then the next step's first write to each 4 KiB page traps into
the kernel, which zeroes the page. glibc raises both thresholds by itself after freeing a large
block, but not far enough for a ConvNet step: measured, SimpleConvNet at batch 100 faulted in about
1,600 pages a step and took 17-20 ms instead of 12 ms; DeepConvNet 73 instead of 67 ms. (In a
process that had run a PyTorch step the cost was gone, presumably because PyTorch's larger frees
had raised the thresholds: a benchmark timing both in one process hid it.)

:func:`keep_freed_memory` therefore sets the two thresholds once, process-wide, as the thread
policy sets BLAS's thread count process-wide: blocks up to 32 MiB come from the heap and freed
memory stays in the process up to 256 MiB, to be reused by the next step. Peak memory hardly
changes, since memory is kept rather than added (measured: a DeepConvNet step 147.2 MiB, the main job
283.6 MiB against 280.7), only what the process holds between steps. It is called when a fast layer
is built and when a thread setting is put in force. It does nothing on a C library other than
glibc, or where the user chose the thresholds (``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_``
or ``GLIBC_TUNABLES``): their choice stands.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from collections.abc import Mapping

MMAP_THRESHOLD = 32 << 20   # bytes: larger blocks are mapped (and unmapped when freed) on their own
TRIM_THRESHOLD = 256 << 20  # bytes of free memory at the heap's top kept in the process

_M_TRIM_THRESHOLD = -1  # mallopt's parameter numbers (glibc's malloc.h)
_M_MMAP_THRESHOLD = -3
_USER_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")
_USER_TUNABLES = ("glibc.malloc.mmap_threshold", "glibc.malloc.trim_threshold")

_lock = threading.Lock()
_outcome: str | None = None


def user_chose_thresholds(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether ``environ`` sets glibc's mmap or trim threshold (then the engine leaves them alone)."""
    tunables = environ.get("GLIBC_TUNABLES", "")
    return any(name in environ for name in _USER_SETTINGS) or any(name in tunables for name in _USER_TUNABLES)


def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018  (only glibc has it; musl and others raise AttributeError)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return None
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return libc


def keep_freed_memory() -> str:
    """Set glibc's thresholds as the module docstring says, once per process; say what was done:
    ``"set"``, ``"user's settings"`` (left alone), ``"not glibc"`` or ``"refused"`` (mallopt said no)."""
    global _outcome
    with _lock:
        if _outcome is None:
            libc = _glibc()
            if libc is None:
                _outcome = "not glibc"
            elif user_chose_thresholds():
                _outcome = "user's settings"
            else:
                ok = libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) and libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
                _outcome = "set" if ok else "refused"
        return _outcome


def describe(outcome: str) -> str:
    """One line saying what an outcome of :func:`keep_freed_memory` means (for benchmark reports)."""
    if outcome == "set":
        return (f"glibc keeps freed memory (mmap threshold {MMAP_THRESHOLD >> 20} MiB, trim threshold "
                f"{TRIM_THRESHOLD >> 20} MiB, set by the engine)")
    if outcome == "user's settings":
        return "glibc's thresholds as the environment sets them (the engine left them alone)"
    if outcome == "refused":
        return "glibc refused the engine's thresholds: its own apply"
    return "not glibc: the C library's own allocator"
