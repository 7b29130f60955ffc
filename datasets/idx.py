"""Reader of gzipped IDX files, the format MNIST and its look-alikes ship in.

An IDX file is a 4-byte magic number ``0x00 0x00 <type> <ndim>``, then ``ndim`` big-endian
uint32 sizes, then the data, row-major. Only unsigned bytes (type ``0x08``) occur in the
MNIST family and only they are read here.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

from datasets.errors import IdxFormatError

_UBYTE = 0x08
_MAX_BYTES = 1 << 32
_MAX_NDIM = 64 if np.lib.NumpyVersion(np.__version__) >= "2.0.0" else 32  # the most axes a NumPy array has


def _read_exact(handle: gzip.GzipFile, count: int, path: Path, what: str) -> bytes:
    data = handle.read(count)
    if len(data) != count:
        raise IdxFormatError(f"{path}: file ends inside the {what}: expected {count} bytes, got {len(data)}")
    return data


def read_idx(path: str | Path, expected_ndim: int | None = None) -> np.ndarray:
    """The uint8 array stored in the gzipped IDX file ``path``, writable, shape from its header.

    Raises :class:`IdxFormatError` naming the file when the magic number, the number of
    dimensions (0, more than NumPy allows, or not ``expected_ndim``), or the amount of data does
    not match the header, or the gzip stream is damaged.
    """
    path = Path(path)
    try:
        with gzip.open(path, "rb") as handle:
            magic = _read_exact(handle, 4, path, "magic number")
            if magic[0] != 0 or magic[1] != 0 or magic[2] != _UBYTE:
                raise IdxFormatError(
                    f"{path}: bad magic number 0x{magic.hex()}, expected 0x0000{_UBYTE:02x}nn (bytes)"
                )
            ndim = magic[3]
            if expected_ndim is not None and ndim != expected_ndim:
                raise IdxFormatError(f"{path}: expected {expected_ndim} dimensions, header says {ndim}")
            if ndim == 0:
                raise IdxFormatError(f"{path}: header says 0 dimensions")
            if ndim > _MAX_NDIM:
                raise IdxFormatError(f"{path}: header says {ndim} dimensions, expected at most {_MAX_NDIM} "
                                     "(the most a NumPy array has)")
            shape = tuple(int(d) for d in np.frombuffer(_read_exact(handle, 4 * ndim, path, "header"), ">u4"))
            if int(np.prod(shape, dtype=np.float64)) > _MAX_BYTES:
                raise IdxFormatError(f"{path}: implausible shape {shape} in header (over {_MAX_BYTES} bytes)")
            array = np.empty(shape, dtype=np.uint8)
            buffer = memoryview(array.reshape(-1))
            filled = 0
            while filled < array.size:
                count = handle.readinto(buffer[filled:])
                if not count:
                    raise IdxFormatError(
                        f"{path}: header promises {array.size} data bytes (shape {shape}), found {filled}"
                    )
                filled += count
            if handle.read(1):
                raise IdxFormatError(f"{path}: more data than the header's shape {shape} holds")
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise IdxFormatError(f"{path}: not a readable gzip file: {error}") from error
    return array
