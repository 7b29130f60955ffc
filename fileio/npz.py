"""Reading ``.npz`` archives all-or-nothing, checking what they declare before reading any array data, and
writing them for any key (:func:`write_npz`).

An ``.npz`` is a zip archive holding one ``.npy`` file per key. Each ``.npy`` starts with a short header
(magic string, version, then a dict giving ``descr``, ``fortran_order`` and ``shape``), followed by
``prod(shape) * itemsize`` bytes of data. :func:`read_npz` reads in two passes:

1. the directory: the member count and directory size the zip's end record and any zip64 end record
   declare (refused when implausibly large, before ``zipfile`` parses anything), then for every member
   its name, sizes and compression from the zip's central directory, and its ``.npy`` header (a few
   hundred bytes). The caller's ``check`` sees this as ``{key: ArrayInfo}`` and refuses what it does
   not expect (keys, shapes, dtypes) before any data is read, so a small file declaring a 1 GiB array
   costs nothing;
2. the data, each member read exactly as declared, its CRC verified.

Whatever goes wrong inside ``zipfile``, ``zlib`` or ``numpy.lib.format`` (a truncated file, a flipped
byte, an ``.npy`` renamed ``.npz``) becomes :class:`ArchiveError`, a ValueError naming the file and key.
A missing file stays FileNotFoundError. Arrays are never unpickled.
"""

from __future__ import annotations

import math
import os
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
from numpy.lib import format as npy_format

MAX_MEMBERS = 100_000          # more keys than any archive of ours holds
MAX_DIRECTORY_BYTES = 8 << 20  # the zip's central directory: ~80 bytes a member here, so ample room
_MAX_HEADER = 10_000           # numpy's own default limit on an .npy header


class ArchiveError(ValueError):
    """An ``.npz`` file is unreadable, corrupt, or holds something its reader does not accept."""


@dataclass(frozen=True)
class ArrayInfo:
    """What one member of an archive declares, read from its ``.npy`` header (no data read)."""

    key: str
    shape: tuple[int, ...]
    dtype: np.dtype
    nbytes: int                # prod(shape) * itemsize: the data the member must hold
    compressed: bool           # deflated rather than stored


def is_real_float(dtype: np.dtype) -> bool:
    """True for float16/32/64 (and longdouble); False for int, bool, complex, strings, objects, records."""
    return dtype.kind == "f"


def describe(info: ArrayInfo) -> str:
    """``float32[784, 50]``, the form every message uses."""
    return f"{info.dtype}{list(info.shape)}"


def _header(handle: zipfile.ZipExtFile) -> tuple[tuple[int, ...], bool, np.dtype, int]:
    version = npy_format.read_magic(handle)
    if version == (1, 0):
        shape, fortran, dtype = npy_format.read_array_header_1_0(handle, max_header_size=_MAX_HEADER)
    elif version == (2, 0):
        shape, fortran, dtype = npy_format.read_array_header_2_0(handle, max_header_size=_MAX_HEADER)
    else:
        raise ValueError(f".npy format version {version} is not supported")
    return tuple(int(n) for n in shape), bool(fortran), np.dtype(dtype), handle.tell()


@dataclass(frozen=True)
class _Member:
    info: ArrayInfo
    zip_info: zipfile.ZipInfo
    header_size: int
    fortran: bool


def _directory(archive: zipfile.ZipFile, where: str) -> dict[str, _Member]:
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise ArchiveError(f"{where}: {len(members)} members, more than the {MAX_MEMBERS} accepted")
    found: dict[str, _Member] = {}
    for member in members:
        if not member.filename.endswith(".npy"):
            raise ArchiveError(f"{where}: member {member.filename!r} is not an .npy array")
        key = member.filename[:-4]
        if key in found:
            raise ArchiveError(f"{where}: key {key!r} appears twice")
        try:
            with archive.open(member) as handle:
                shape, fortran, dtype, header_size = _header(handle)
        except zipfile.BadZipFile as err:  # a small member is read whole with its header: its data's CRC fails
            raise ArchiveError(f"{where}: the data of key {key!r} is corrupt ({err})") from err
        except Exception as err:  # noqa: BLE001 (any failure to parse a member is a corrupt file)
            raise ArchiveError(f"{where}: key {key!r} has no readable .npy header "
                               f"({type(err).__name__}: {err})") from err
        if any(n < 0 for n in shape):
            raise ArchiveError(f"{where}: key {key!r} declares a negative shape {list(shape)}")
        if dtype.hasobject:
            raise ArchiveError(f"{where}: key {key!r} is an object array (refused: it would need pickle)")
        nbytes = math.prod(shape) * dtype.itemsize
        if member.file_size != header_size + nbytes:
            raise ArchiveError(f"{where}: key {key!r} declares {dtype}{list(shape)} ({nbytes} bytes) but its "
                               f"member holds {member.file_size - header_size} bytes of data")
        compressed = member.compress_type != zipfile.ZIP_STORED
        found[key] = _Member(ArrayInfo(key, shape, dtype, nbytes, compressed), member, header_size, fortran)
    return found


_END_RECORD = b"PK\x05\x06"         # end of central directory: entries at +10 (2 bytes), size at +12 (4)
_END_SIZE = 22                      # without its comment, whose length is the last 2 bytes
_ZIP64_LOCATOR = b"PK\x06\x07"      # just before it in a zip64 file: the zip64 record's offset at +8 (8)
_LOCATOR_SIZE = 20
_ZIP64_RECORD = b"PK\x06\x06"       # entries at +32 (8 bytes), directory size at +40 (8)
_ZIP64_SIZE = 56                    # without extensible data


def _end_record(handle: BinaryIO) -> tuple[int, bytes] | None:
    """(offset, bytes) of the end record where ``zipfile`` finds it: the file's last 22 bytes when they
    are one without a comment, else the last signature within 64 KiB of the end; None when neither."""
    size = handle.seek(0, os.SEEK_END)
    if size >= _END_SIZE:
        handle.seek(size - _END_SIZE)
        last = handle.read(_END_SIZE)
        if last[:4] == _END_RECORD and last[-2:] == b"\0\0":
            return size - _END_SIZE, last
    start = max(0, size - (_END_SIZE + 0xFFFF))  # the end record, after at most a 64 KiB comment
    handle.seek(start)
    tail = handle.read()
    at = tail.rfind(_END_RECORD)
    if at < 0 or len(tail) < at + _END_SIZE:
        return None
    return start + at, tail[at:at + _END_SIZE]


def _zip64_records(handle: BinaryIO, end_offset: int) -> list[bytes]:
    """The zip64 end records that the locator before the end record at ``end_offset`` may lead a reader
    to: the one just before the locator (where ``zipfile`` reads it) and the one the locator points to.
    Empty without a locator."""
    if end_offset < _LOCATOR_SIZE:
        return []
    handle.seek(end_offset - _LOCATOR_SIZE)
    locator = handle.read(_LOCATOR_SIZE)
    if locator[:4] != _ZIP64_LOCATOR:
        return []
    records = []
    last = end_offset - _LOCATOR_SIZE - _ZIP64_SIZE   # where a record ending at the locator starts
    for offset in {last, int.from_bytes(locator[8:16], "little")}:
        if 0 <= offset <= last:
            handle.seek(offset)
            record = handle.read(_ZIP64_SIZE)
            if record[:4] == _ZIP64_RECORD:
                records.append(record)
    return records


def _declared_directory(handle: BinaryIO) -> tuple[int, int] | None:
    """(members, central directory bytes) as the archive's end records declare them, the largest of the
    32-bit fields and any zip64 record, or None when there is no end record (``zipfile`` then says what is
    wrong). zipfile parses the whole central directory into objects when it opens an archive, taking the
    zip64 record's numbers whenever a zip64 locator is present, so this is read first: a small file
    claiming millions of members is refused before that costs time and memory."""
    found = _end_record(handle)
    if found is None:
        return None
    end_offset, end = found
    members = int.from_bytes(end[10:12], "little")
    directory = int.from_bytes(end[12:16], "little")
    for record in _zip64_records(handle, end_offset):
        members = max(members, int.from_bytes(record[32:40], "little"))
        directory = max(directory, int.from_bytes(record[40:48], "little"))
    return members, directory


def _check_declared_size(path: str | os.PathLike, where: str) -> None:
    with open(path, "rb") as handle:
        declared = _declared_directory(handle)
    if declared is None:
        return
    members, directory = declared
    if members > MAX_MEMBERS:
        raise ArchiveError(f"{where}: declares {members} members, more than the {MAX_MEMBERS} accepted")
    if directory > MAX_DIRECTORY_BYTES:
        raise ArchiveError(f"{where}: declares a directory of {directory} bytes, more than the "
                           f"{MAX_DIRECTORY_BYTES} accepted")


def read_npz_directory(path: str | os.PathLike) -> dict[str, ArrayInfo]:
    """``{key: ArrayInfo}`` of the archive at ``path``, read from headers only."""
    found: dict[str, ArrayInfo] = {}

    def keep(directory: Mapping[str, ArrayInfo]) -> None:
        found.update(directory)
        raise _StopError

    read_npz(path, check=keep)
    return found


class _StopError(Exception):
    """Ends :func:`read_npz` after its directory pass."""


def read_npz(
    path: str | os.PathLike,
    check: Callable[[Mapping[str, ArrayInfo]], None] | None = None,
) -> dict[str, np.ndarray]:
    """Every array of the ``.npz`` at ``path``, after ``check(directory)`` accepted what it declares.

    ``check`` raises (any exception, passed on unchanged) to refuse the file before data is read.
    Raises FileNotFoundError for a missing file and :class:`ArchiveError` for anything unreadable.
    """
    where = repr(os.fspath(path))
    try:
        _check_declared_size(path, where)
        archive = zipfile.ZipFile(path)
    except (FileNotFoundError, ArchiveError):
        raise
    except Exception as err:  # noqa: BLE001 (BadZipFile, OSError, struct errors, ...)
        raise ArchiveError(f"{where} is not a readable .npz file ({type(err).__name__}: {err})") from err
    with archive:
        found = _directory(archive, where)
        if check is not None:
            try:
                check({key: member.info for key, member in found.items()})
            except _StopError:
                return {}
        arrays: dict[str, np.ndarray] = {}
        for key, member in found.items():
            try:
                arrays[key] = _read_data(archive, member)
            except Exception as err:  # noqa: BLE001 (bad CRC, truncated, zlib errors, ...)
                raise ArchiveError(f"{where}: the data of key {key!r} is corrupt or cut short "
                                   f"({type(err).__name__}: {err})") from err
        return arrays


_CHUNK = 1 << 20


def _read_data(archive: zipfile.ZipFile, member: _Member) -> np.ndarray:
    """The member's data, read in chunks into one array (no second copy); its CRC checked at the end."""
    info = member.info
    flat = np.empty(info.nbytes, dtype=np.uint8)
    with archive.open(member.zip_info) as handle:
        handle.read(member.header_size)
        done = 0
        while done < info.nbytes:
            block = handle.read(min(_CHUNK, info.nbytes - done))
            if not block:
                raise EOFError(f"{done} of {info.nbytes} bytes")
            flat[done:done + len(block)] = np.frombuffer(block, dtype=np.uint8)
            done += len(block)
        if handle.read(1):   # also reaches the end of the member, where zipfile checks the CRC
            raise ValueError("more data than declared")
    array = flat.view(info.dtype) if info.dtype.itemsize else np.empty(0, info.dtype)
    return array.reshape(info.shape, order="F" if member.fortran else "C")


def write_npz(handle: BinaryIO, arrays: Mapping[str, np.ndarray]) -> None:
    """Write ``arrays`` to the open binary ``handle`` as an ``.npz``: what ``np.savez(handle, **arrays)`` writes
    (one stored ``<key>.npy`` member per key, zip64 allowed), for every key, where ``np.savez`` takes the keys
    ``file`` and ``allow_pickle`` as its own arguments (the first raised a TypeError, the second's array was
    silently left out). Nothing is pickled: an object array raises ValueError."""
    with zipfile.ZipFile(handle, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for key, value in arrays.items():
            with archive.open(f"{key}.npy", mode="w", force_zip64=True) as member:
                npy_format.write_array(member, np.asanyarray(value), allow_pickle=False)
