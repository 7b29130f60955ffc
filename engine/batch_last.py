"""The engine's batch-last im2col: the book's im2col (``layers.im2col``), laid out for speed.

The fast layers work in a batch-last layout: an activation (N, C, H, W) lies in memory as (C, H, W, N),
and they build the transposed matrix with its columns in (oh, ow, n) order, (C*FH*FW, OH*OW*N)
(:func:`fill_columns`). It is filled by FH*FW copies of whole (C, OH, OW, N) blocks, in which a row
of windows is one contiguous run of OW*N numbers (the channel-first order copies runs of OW), and
its products with the (FN, C*FH*FW) weight matrix give the output as (FN, OH*OW*N), the next
layer's batch-last input, so no large transpose is ever copied. The book's
im2col(x) is this matrix transposed, its columns reordered from (oh, ow, n) to (n, oh, ow); the tests
check the two against each other.
"""

from __future__ import annotations

import numpy as np

from layers.im2col import output_shape


def padded_batch_last(x: np.ndarray, pad: int | tuple[int, int], fill: float = 0.0,
                      buffer: np.ndarray | None = None) -> np.ndarray:
    """x (N, C, H, W) as an array of shape (C, H + 2*pad_h, W + 2*pad_w, N), the border set to ``fill``.

    This is the layers' working layout: the batch is the innermost axis, so a row of windows, OW
    positions of N samples each, lies in one contiguous run of memory, and a window copy moves long
    runs rather than a few pixels at a time. ``pad`` is one number or (pad_h, pad_w). When x is
    already laid out so in memory and there is no padding, the result is a view of x (no copy).
    Otherwise ``buffer``, when it has the right shape and dtype, is filled (the caller owns it) or a
    new array is made; x itself is never written.
    """
    pad_h, pad_w = (pad, pad) if np.ndim(pad) == 0 else pad
    xb = x.transpose(1, 2, 3, 0)
    if pad_h == pad_w == 0 and xb.flags.c_contiguous:
        return xb
    C, H, W, N = xb.shape
    shape = (C, H + 2 * pad_h, W + 2 * pad_w, N)
    if buffer is None or buffer.shape != shape or buffer.dtype != x.dtype:
        buffer = np.full(shape, fill, dtype=x.dtype) if pad_h or pad_w else np.empty(shape, dtype=x.dtype)
    elif pad_h or pad_w:
        buffer[:, :pad_h] = fill
        buffer[:, pad_h + H:] = fill
        buffer[:, pad_h:pad_h + H, :pad_w] = fill
        buffer[:, pad_h:pad_h + H, pad_w + W:] = fill
    buffer[:, pad_h:pad_h + H, pad_w:pad_w + W] = xb
    return buffer


def window_view(xp: np.ndarray, i: int, j: int, out_h: int, out_w: int, stride: int) -> np.ndarray:
    """The (C, OH, OW, N) view of a padded (C, Hp, Wp, N) array holding pixel (i, j) of every window."""
    return xp[:, i:i + stride * (out_h - 1) + 1:stride, j:j + stride * (out_w - 1) + 1:stride]


def fill_columns(xp: np.ndarray, filter_h: int, filter_w: int, stride: int, out: np.ndarray) -> np.ndarray:
    """Write the windows of a padded batch-last array xp (C, Hp, Wp, N) into ``out`` (C*FH*FW, OH*OW*N).

    Row (c, i, j), column (oh, ow, n) holds xp[c, oh*stride + i, ow*stride + j, n]: pixel (i, j) of
    every window of channel c. The matrix is filled block by block, one strided copy per kernel
    position (FH*FW of them), each of all channels and samples; with stride 1 a block's rows are
    runs of OW*N contiguous numbers.
    """
    C, Hp, Wp, N = xp.shape
    out_h, out_w = (Hp - filter_h) // stride + 1, (Wp - filter_w) // stride + 1
    blocks = out.reshape(C, filter_h, filter_w, out_h, out_w, N)
    for i in range(filter_h):
        for j in range(filter_w):
            blocks[:, i, j] = window_view(xp, i, j, out_h, out_w, stride)
    return out


def add_columns(col: np.ndarray, input_shape: tuple[int, ...], filter_h: int, filter_w: int,
                stride: int = 1, pad: int = 0, *, owner: str = "col2im") -> np.ndarray:
    """Adjoint of :func:`fill_columns` with padding: (C*FH*FW, OH*OW*N) -> (N, C, H, W).

    Adds block (i, j) of every channel onto the pixels it came from, FH*FW strided additions in all.
    The result is a (N, C, H, W) view of a batch-last array (C, H, W, N) in memory.
    """
    out_h, out_w = output_shape(input_shape, filter_h, filter_w, stride, pad, owner)
    N, C, H, W = input_shape
    expected = (C * filter_h * filter_w, N * out_h * out_w)
    if col.shape != expected:
        raise ValueError(f"{owner}: expected columns of shape {expected} for input shape {tuple(input_shape)}, "
                         f"got {col.shape}")
    blocks = col.reshape(C, filter_h, filter_w, out_h, out_w, N)
    img = np.zeros((C, H + 2 * pad, W + 2 * pad, N), dtype=col.dtype)
    for i in range(filter_h):
        for j in range(filter_w):
            window_view(img, i, j, out_h, out_w, stride)[...] += blocks[:, i, j]
    return img[:, pad:pad + H, pad:pad + W].transpose(3, 0, 1, 2)
