"""Grey images saved as PNG files, pixel for pixel, with the standard library alone (zlib for the compression).

A figure goes through matplotlib (:func:`fileio.save_figure`); an image that *is* its pixels (an MNIST digit,
a grid of them) needs no drawing: each level 0-255 is written as it is, never through a colour map, whose
256-entry table may round a level to its neighbour.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import numpy as np

from fileio.atomic import write_atomically

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
RGB = 2  # the PNG colour type of 8-bit red, green, blue samples
UP = 2  # the PNG filter type of a row stored as its byte-wise difference from the row above (mod 256)


def _chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length (4 bytes, big-endian), type, data, CRC-32 of type and data."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(data, zlib.crc32(kind)))


def grey_png(image: np.ndarray) -> bytes:
    """The bytes of a PNG file showing the uint8 (height, width) ``image``: level 0 black, 255 white.

    Stored as 8-bit RGB with R = G = B = the pixel's level (a reader such as matplotlib's ``imread`` gets
    three equal channels). Each row goes through PNG's Up filter, stored[r] = row[r] - row[r - 1] (mod 256,
    row[-1] = 0), which a reader undoes: an enlarged image repeats its rows, and a repeated row becomes
    zeros, which zlib compresses to almost nothing.
    """
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        raise TypeError(f"grey_png: expected a uint8 array of grey levels 0-255, got "
                        f"{type(image).__name__} {getattr(image, 'dtype', '')}".rstrip())
    if image.ndim != 2 or 0 in image.shape:
        raise ValueError(f"grey_png: expected a non-empty (height, width) image, got shape {image.shape}")
    height, width = image.shape
    up = image.copy()
    np.subtract(image[1:], image[:-1], out=up[1:])  # uint8: wraps round, mod 256
    rows = np.empty((height, 1 + 3 * width), dtype=np.uint8)
    rows[:, 0] = UP  # each row starts with its filter type
    for channel in range(3):  # R, G, B of each pixel side by side
        rows[:, 1 + channel::3] = up
    # 8 bits a sample, deflate, a filter type per row, no interlace
    header = struct.pack(">IIBBBBB", width, height, 8, RGB, 0, 0, 0)
    return (PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows))
            + _chunk(b"IEND", b""))


def save_grey_png(image: np.ndarray, path: str | os.PathLike) -> Path:
    """Write the uint8 (height, width) ``image`` to ``path`` (a .png name) as :func:`grey_png`'s PNG, through
    :func:`fileio.atomic_write` (whole or not at all), and return the path written."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"save_grey_png: expected a .png path, got {os.fspath(path)!r}")
    data = grey_png(image)
    return write_atomically(path, lambda handle: handle.write(data))
