"""Whole-or-nothing writes: a hidden temporary file beside the target, renamed over it when complete.

Readers see either the old complete file or the new complete one, never a half-written file, and an
error or Ctrl-C leaves no temporary file behind.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

TEMP_SUFFIX = ".part"
_TEMP_MIDDLE = r"[a-z0-9_]{8}"   # what tempfile.mkstemp puts between prefix and suffix
_MIDDLE_BYTES = 8
NAME_MAX = 255   # bytes in one name on the usual file systems (ext4, XFS, Btrfs, tmpfs, APFS)


def _temp_prefix(name: str) -> str:
    """How the temporary files of a file called ``name`` begin: ``.<name>.``; for a name too long to take the
    15 bytes more, ``.<its beginning>~<8 hex digits of a hash of the whole name>.``, which fits and still
    tells it from the temporary files of another long name that begins the same."""
    prefix = f".{name}."
    room = NAME_MAX - _MIDDLE_BYTES - len(TEMP_SUFFIX)
    if len(os.fsencode(prefix)) <= room:
        return prefix
    tail = f"~{hashlib.sha256(os.fsencode(name)).hexdigest()[:8]}."
    stem = name
    while len(os.fsencode(f".{stem}{tail}")) > room:  # cut whole characters, never half of one
        stem = stem[:-1]
    return f".{stem}{tail}"


def _umask() -> int:
    """The process's umask, read without changing it where Linux shows it (/proc), else by setting it back."""
    with contextlib.suppress(OSError, ValueError, StopIteration), open("/proc/self/status") as status:
        return int(next(line for line in status if line.startswith("Umask:")).split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _mode_for(path: Path) -> int:
    """The permissions the written file gets: the replaced file's, else a new file's (0o666 less the umask)."""
    try:
        return os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _temp_file(path: Path) -> tuple[int, str]:
    """Create ``path``'s folder if needed and a temporary file in it; an OSError names ``path``."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return tempfile.mkstemp(dir=path.parent, prefix=_temp_prefix(path.name), suffix=TEMP_SUFFIX)
    except OSError as error:
        blocked = next((p for p in (path.parent, *path.parent.parents) if p.exists() and not p.is_dir()), None)
        if blocked is not None:
            raise NotADirectoryError(errno.ENOTDIR, f"{os.fspath(blocked)!r} is a file, so its folder cannot hold "
                                     f"the file", os.fspath(path)) from error
        raise type(error)(error.errno, error.strerror, os.fspath(path)) from error


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """Yield a binary file; on a clean exit it is flushed to disk and renamed over ``path``,
    on any error (or KeyboardInterrupt) it is deleted. Creates ``path``'s directory if needed.
    A symbolic link is written through (its target is replaced, the link kept), and the file keeps
    the permissions of the one it replaces (a new one: 0o666 less the umask). An OSError names ``path``
    (a full disk, a folder that cannot be written), never the temporary file."""
    path = Path(path)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    fd, temp_name = _temp_file(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, _mode_for(path))  # mkstemp creates 0o600
        os.replace(temp_name, path)
    except BaseException as error:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        if isinstance(error, OSError) and error.errno is not None and error.filename in (None, temp_name):
            # "No space left on device", a folder in the way: say which file, and only that one
            raise type(error)(error.errno, error.strerror, os.fspath(path)) from error
        raise


def write_atomically(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> Path:
    """Call ``write(f)`` inside :func:`atomic_write` and return ``path``."""
    with atomic_write(path) as handle:
        write(handle)
    return Path(path)


def temp_file_pattern(path: str | os.PathLike) -> re.Pattern[str]:
    """The names :func:`atomic_write` gives its temporary files for ``path``: ``.<name>.<8 chars>.part``, with
    ``<name>`` shortened as :func:`_temp_prefix` does for a name too long for that."""
    return re.compile(re.escape(_temp_prefix(Path(path).name)) + _TEMP_MIDDLE + re.escape(TEMP_SUFFIX))


def remove_stale_temp_files(path: str | os.PathLike) -> list[Path]:
    """Delete temporary files :func:`atomic_write` left beside ``path`` when its process was killed mid-write.

    Only names matching :func:`temp_file_pattern` exactly are touched, never another file. A write in
    progress in another process at the same moment would lose its temporary file (and fail), so call
    this only where one process owns ``path`` (a Trainer's checkpoint directory). Returns what was removed.
    """
    path = Path(path)
    pattern = temp_file_pattern(path)
    removed = []
    try:
        entries = list(os.scandir(path.parent))
    except (FileNotFoundError, NotADirectoryError):
        return removed
    for entry in entries:
        if pattern.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


@contextlib.contextmanager
def sigint_deferred() -> Iterator[None]:
    """Within the block a Ctrl-C (SIGINT) is held back, then raised as KeyboardInterrupt when it ends.

    For writes that must finish once begun. Only in the main thread and only while SIGINT has Python's
    default handler; otherwise (a caller already handles SIGINT, as the Trainer does) nothing changes.
    """
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt
