"""im2col / col2im: a convolution as one matrix product (chapter 7.4.3).

For input x of shape (N, C, H, W), a FH x FW window, ``stride`` and ``pad``, the output has
OH = (H + 2*pad - FH) / stride + 1 rows and OW = (W + 2*pad - FW) / stride + 1 columns, and

    im2col(x)[(n, oh, ow), (c, i, j)] = x_padded[n, c, oh*stride + i, ow*stride + j]

is the book's (N*OH*OW, C*FH*FW) matrix: one row per output pixel, one column per weight of a
filter. ``col2im`` is its adjoint: it adds every entry of a matrix of that shape back onto the pixel
it was read from (a pixel covered by several windows receives the sum), so <im2col(x), y> = <x, col2im(y)>.

The layers use the transposed matrix (C*FH*FW, N*OH*OW), which :func:`im2col_transposed` builds in
C order: ``im2col(x)`` is exactly ``im2col_transposed(x).T``, a view of the same memory. That layout
is filled by FH*FW copies of whole (C, N, OH, OW) blocks and makes the products with the
(FN, C*FH*FW) weight matrix give the output channel-major, (FN, N*OH*OW), so no large transpose is
ever copied.
"""

from __future__ import annotations

import numpy as np


def output_size(size: int, window: int, stride: int, pad: int, owner: str, axis: str) -> int:
    """(size + 2*pad - window) / stride + 1, or a ValueError naming ``owner`` when it does not fit.

    A window larger than the padded input, or a stride that leaves input pixels over at the end
    ((size + 2*pad - window) % stride != 0), is rejected rather than silently cropped.
    """
    if stride < 1 or pad < 0 or window < 1:
        raise ValueError(f"{owner}: expected stride >= 1, pad >= 0 and a window >= 1, "
                         f"got stride={stride}, pad={pad}, window {axis} {window}")
    padded = size + 2 * pad
    if window > padded:
        raise ValueError(f"{owner}: window {axis} {window} is larger than the padded input {axis} "
                         f"{padded} (input {size} + 2*pad {pad})")
    if (padded - window) % stride:
        raise ValueError(f"{owner}: stride {stride} does not fit the padded input {axis} {padded} with "
                         f"window {window}: (padded - window) % stride must be 0, got "
                         f"{(padded - window) % stride}")
    return (padded - window) // stride + 1


def output_shape(input_shape: tuple[int, ...], filter_h: int, filter_w: int, stride: int, pad: int,
                 owner: str) -> tuple[int, int]:
    """(OH, OW) for input of shape (N, C, H, W), checked by :func:`output_size`."""
    if len(input_shape) != 4:
        raise ValueError(f"{owner}: expected input of shape (N, C, H, W), got shape {tuple(input_shape)}")
    return (output_size(input_shape[2], filter_h, stride, pad, owner, "height"),
            output_size(input_shape[3], filter_w, stride, pad, owner, "width"))


def padded_channels_first(x: np.ndarray, pad: int | tuple[int, int], fill: float = 0.0,
                          buffer: np.ndarray | None = None) -> np.ndarray:
    """x (N, C, H, W) as an array of shape (C, N, H + 2*pad_h, W + 2*pad_w), the border set to ``fill``.

    ``pad`` is one number or (pad_h, pad_w). Without padding this is a transposed view of x (no copy).
    Otherwise ``buffer``, when it has the right shape and dtype, is reused (the caller owns it); x
    itself is never written.
    """
    pad_h, pad_w = (pad, pad) if np.ndim(pad) == 0 else pad
    xc = x.transpose(1, 0, 2, 3)
    if pad_h == pad_w == 0:
        return xc
    C, N, H, W = xc.shape
    shape = (C, N, H + 2 * pad_h, W + 2 * pad_w)
    if buffer is None or buffer.shape != shape or buffer.dtype != x.dtype:
        buffer = np.full(shape, fill, dtype=x.dtype)
    else:
        buffer[:, :, :pad_h] = fill
        buffer[:, :, pad_h + H:] = fill
        buffer[:, :, pad_h:pad_h + H, :pad_w] = fill
        buffer[:, :, pad_h:pad_h + H, pad_w + W:] = fill
    buffer[:, :, pad_h:pad_h + H, pad_w:pad_w + W] = xc
    return buffer


def window_view(xp: np.ndarray, i: int, j: int, out_h: int, out_w: int, stride: int) -> np.ndarray:
    """The (C, N, OH, OW) view of a padded (C, N, Hp, Wp) array holding pixel (i, j) of every window."""
    return xp[:, :, i:i + stride * (out_h - 1) + 1:stride, j:j + stride * (out_w - 1) + 1:stride]


def fill_columns(xp: np.ndarray, filter_h: int, filter_w: int, stride: int, out: np.ndarray) -> np.ndarray:
    """Write the windows of a padded channel-first array xp (C, N, Hp, Wp) into ``out`` (C*FH*FW, N*OH*OW).

    Row (c, i, j) holds pixel (i, j) of every window of channel c, so the matrix is filled block by
    block: one strided copy per kernel position (FH*FW of them), each of all channels and samples.
    """
    C, N, Hp, Wp = xp.shape
    out_h, out_w = (Hp - filter_h) // stride + 1, (Wp - filter_w) // stride + 1
    blocks = out.reshape(C, filter_h, filter_w, N, out_h, out_w)
    for i in range(filter_h):
        for j in range(filter_w):
            blocks[:, i, j] = window_view(xp, i, j, out_h, out_w, stride)
    return out


def im2col_transposed(input_data: np.ndarray, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0,
                      *, owner: str = "im2col") -> np.ndarray:
    """The (C*FH*FW, N*OH*OW) matrix ``im2col(x).T``, C-contiguous: rows (c, i, j), columns (n, oh, ow)."""
    out_h, out_w = output_shape(input_data.shape, filter_h, filter_w, stride, pad, owner)
    N, C = input_data.shape[:2]
    out = np.empty((C * filter_h * filter_w, N * out_h * out_w), dtype=input_data.dtype)
    return fill_columns(padded_channels_first(input_data, pad), filter_h, filter_w, stride, out)


def col2im_transposed(col_t: np.ndarray, input_shape: tuple[int, ...], filter_h: int, filter_w: int,
                      stride: int = 1, pad: int = 0, *, owner: str = "col2im") -> np.ndarray:
    """Adjoint of :func:`im2col_transposed`: (C*FH*FW, N*OH*OW) -> (N, C, H, W).

    Adds block (i, j) of every channel onto the pixels it came from, FH*FW strided additions in all.
    The result is a (N, C, H, W) view of a channel-major array (C, N, H, W) in memory.
    """
    out_h, out_w = output_shape(input_shape, filter_h, filter_w, stride, pad, owner)
    N, C, H, W = input_shape
    expected = (C * filter_h * filter_w, N * out_h * out_w)
    if col_t.shape != expected:
        raise ValueError(f"{owner}: expected columns of shape {expected} for input shape {tuple(input_shape)}, "
                         f"got {col_t.shape}")
    blocks = col_t.reshape(C, filter_h, filter_w, N, out_h, out_w)
    img = np.zeros((C, N, H + 2 * pad, W + 2 * pad), dtype=col_t.dtype)
    for i in range(filter_h):
        for j in range(filter_w):
            window_view(img, i, j, out_h, out_w, stride)[...] += blocks[:, i, j]
    return img[:, :, pad:pad + H, pad:pad + W].transpose(1, 0, 2, 3)


def im2col(input_data: np.ndarray, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0) -> np.ndarray:
    """The book's (N*OH*OW, C*FH*FW) matrix for input (N, C, H, W); see the module docstring.

    Returned as the transpose of :func:`im2col_transposed` (same values as the book's, Fortran order).
    """
    input_data = np.asarray(input_data)
    return im2col_transposed(input_data, filter_h, filter_w, stride, pad).T


def col2im(col: np.ndarray, input_shape: tuple[int, ...], filter_h: int, filter_w: int, stride: int = 1,
           pad: int = 0) -> np.ndarray:
    """The book's col2im: sum a (N*OH*OW, C*FH*FW) matrix back into an image of ``input_shape`` (N, C, H, W).

    Overlapping windows add up, which makes it the adjoint (not the inverse) of :func:`im2col`.
    """
    col = np.asarray(col)
    if col.ndim != 2:
        raise ValueError(f"col2im: expected a 2-d matrix (N*OH*OW, C*FH*FW), got shape {col.shape}")
    return col2im_transposed(col.T, tuple(input_shape), filter_h, filter_w, stride, pad)
