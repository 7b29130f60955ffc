"""Anti-aliased rasterisation of thick line segments, vectorised over a batch of images.

Each pixel's ink comes from its distance to the nearest segment of its image. Only a small
window around each segment is evaluated (segments are short), and the per-window squared
distances are merged into the images with ``np.minimum.at``.
"""

from __future__ import annotations

import numpy as np


def render_segments(
    starts: np.ndarray,
    ends: np.ndarray,
    radius: np.ndarray,
    *,
    size: int = 28,
    softness: float = 1.0,
) -> np.ndarray:
    """Draw ``B`` images of ``S`` segments each.

    ``starts`` and ``ends`` are (B, S, 2) pixel coordinates ``(x, y)`` (pixel ``(i, j)`` has its
    centre at ``(j + 0.5, i + 0.5)``); ``radius`` is (B,) pen half-widths in pixels. Ink rises
    linearly from 0 to 1 over ``softness`` pixels centred on the distance ``radius``.
    Returns float32 (B, size, size) ink in [0, 1].
    """
    starts = np.asarray(starts, dtype=np.float32)
    ends = np.asarray(ends, dtype=np.float32)
    radius = np.asarray(radius, dtype=np.float32)
    if starts.shape != ends.shape or starts.ndim != 3 or starts.shape[2] != 2:
        raise ValueError(f"starts/ends must both be (B, S, 2), got {starts.shape} and {ends.shape}")
    if radius.shape != starts.shape[:1]:
        raise ValueError(f"radius must be ({starts.shape[0]},), got {radius.shape}")
    batch, n_segments = starts.shape[:2]
    # Pixel centres farther than `reach` from a segment get no ink from it.
    reach = float(radius.max(initial=0.0)) + softness / 2
    low = np.minimum(starts, ends) - reach
    extent = float((np.maximum(starts, ends) + reach - low).max(initial=0.0))
    window = min(size, int(np.floor(extent)) + 1)
    first = np.clip(np.ceil(low - 0.5).astype(np.int32), 0, size - window)  # (B, S, 2) first col, row
    offsets = np.arange(window, dtype=np.int32)

    shape = (batch, n_segments, window, window)  # axes: image, segment, window row, window col
    ax, ay = starts[..., 0, None], starts[..., 1, None]  # (B, S, 1)
    vx = ends[..., 0, None] - ax
    vy = ends[..., 1, None] - ay
    len2 = np.maximum(vx * vx + vy * vy, np.float32(1e-12))
    # Offsets of the window's pixel centres from the segment start, per column and per row: (B, S, W).
    dx = (first[..., 0, None] + offsets).astype(np.float32) + np.float32(0.5) - ax
    dy = (first[..., 1, None] + offsets).astype(np.float32) + np.float32(0.5) - ay
    # Projection onto the segment, t_free = (d . v) / |v|^2, is separable in row and column.
    free = np.empty(shape, dtype=np.float32)
    np.add((dy * (vy / len2))[:, :, :, None], (dx * (vx / len2))[:, :, None, :], out=free)
    clamped = np.clip(free, 0.0, 1.0)
    # |d - t v|^2 = |d|^2 + |v|^2 t (t - 2 t_free), with t the projection clamped to the segment.
    free *= np.float32(-2.0)
    free += clamped
    free *= clamped
    free *= len2[..., None]
    free += (dy * dy)[:, :, :, None]
    free += (dx * dx)[:, :, None, :]
    dist2 = free
    del clamped

    flat_index = np.empty(shape, dtype=np.int32)
    np.add(
        ((first[..., 1, None] + offsets) * size)[:, :, :, None],
        (first[..., 0, None] + offsets)[:, :, None, :],
        out=flat_index,
    )
    flat_index += (np.arange(batch, dtype=np.int32) * (size * size))[:, None, None, None]
    nearest2 = np.full(batch * size * size, np.inf, dtype=np.float32)
    np.minimum.at(nearest2, flat_index.reshape(-1), dist2.reshape(-1))
    del flat_index, dist2

    np.maximum(nearest2, 0.0, out=nearest2)  # rounding can leave tiny negatives
    ink = np.sqrt(nearest2, out=nearest2).reshape(batch, size, size)
    ink -= radius[:, None, None]
    ink *= np.float32(-1.0 / softness)
    ink += np.float32(0.5)
    np.clip(ink, 0.0, 1.0, out=ink)
    return ink
