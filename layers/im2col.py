"""im2col and col2im: a convolution as one matrix product (chapter 7.4.3, the book's ``common/util.py``).

For input x of shape (N, C, H, W), a FH x FW window, ``stride`` and ``pad``, the output has
OH = floor((H + 2*pad - FH) / stride) + 1 rows and OW = floor((W + 2*pad - FW) / stride) + 1 columns
(as in the book and PyTorch, a stride that leaves pixels over at the end drops them), and

    im2col(x)[(n, oh, ow), (c, i, j)] = x_padded[n, c, oh*stride + i, ow*stride + j]

is the (N*OH*OW, C*FH*FW) matrix: one row per output pixel, one column per weight of a filter.
``col2im`` is its adjoint: it adds every entry of such a matrix back onto the pixel it was read from
(a pixel in several windows receives the sum, a dropped pixel nothing), so
<im2col(x), y> = <x, col2im(y)>.
"""

from __future__ import annotations

import numpy as np


def output_size(size: int, window: int, stride: int, pad: int, owner: str, axis: str) -> int:
    """floor((size + 2*pad - window) / stride) + 1, or a ValueError naming ``owner`` when the window
    is larger than the padded input."""
    if stride < 1 or pad < 0 or window < 1:
        raise ValueError(f"{owner}: expected stride >= 1, pad >= 0 and a window >= 1, "
                         f"got stride={stride}, pad={pad}, window {axis} {window}")
    padded = size + 2 * pad
    if window > padded:
        raise ValueError(f"{owner}: window {axis} {window} is larger than the padded input {axis} "
                         f"{padded} (input {size} + 2*pad {pad})")
    return (padded - window) // stride + 1


def conv_output_size(input_size: int, filter_size: int, stride: int = 1, pad: int = 0) -> int:
    """The book's ``conv_output_size``: (input_size + 2*pad - filter_size) // stride + 1 (chapter 7.2.4),
    an integer (the book divides with /, a float whenever it is not whole), checked as
    :func:`output_size` checks it; the four sizes must be whole numbers."""
    sizes = {"input_size": input_size, "filter_size": filter_size, "stride": stride, "pad": pad}
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise TypeError(f"conv_output_size: {name} must be a whole number, got {type(value).__name__} {value!r}")
    return output_size(int(input_size), int(filter_size), int(stride), int(pad), "conv_output_size", "size")


def output_shape(input_shape: tuple[int, ...], filter_h: int, filter_w: int, stride: int, pad: int,
                 owner: str) -> tuple[int, int]:
    """(OH, OW) for input of shape (N, C, H, W), checked by :func:`output_size`."""
    if len(input_shape) != 4:
        raise ValueError(f"{owner}: expected input of shape (N, C, H, W), got shape {tuple(input_shape)}")
    return (output_size(input_shape[2], filter_h, stride, pad, owner, "height"),
            output_size(input_shape[3], filter_w, stride, pad, owner, "width"))


def im2col(input_data: np.ndarray, filter_h: int, filter_w: int, stride: int = 1, pad: int = 0,
           pad_value: float = 0.0) -> np.ndarray:
    """The (N*OH*OW, C*FH*FW) matrix of every window of ``input_data`` (N, C, H, W); see the module docstring.

    The border is filled with ``pad_value`` (max pooling pads with -inf, so that padding never wins).
    """
    input_data = np.asarray(input_data)
    out_h, out_w = output_shape(input_data.shape, filter_h, filter_w, stride, pad, "im2col")
    N, C = input_data.shape[:2]
    img = np.pad(input_data, [(0, 0), (0, 0), (pad, pad), (pad, pad)], constant_values=pad_value)
    col = np.empty((N, C, filter_h, filter_w, out_h, out_w), dtype=input_data.dtype)
    for y in range(filter_h):
        y_max = y + stride * out_h
        for x in range(filter_w):
            x_max = x + stride * out_w
            col[:, :, y, x, :, :] = img[:, :, y:y_max:stride, x:x_max:stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(N * out_h * out_w, -1)


def col2im(col: np.ndarray, input_shape: tuple[int, ...], filter_h: int, filter_w: int, stride: int = 1,
           pad: int = 0) -> np.ndarray:
    """Add the rows of a (N*OH*OW, C*FH*FW) matrix back onto an image of ``input_shape`` (N, C, H, W).

    Overlapping windows add up, which makes it the adjoint (not the inverse) of :func:`im2col`.
    """
    col = np.asarray(col)
    N, C, H, W = input_shape
    out_h, out_w = output_shape(tuple(input_shape), filter_h, filter_w, stride, pad, "col2im")
    if col.shape != (N * out_h * out_w, C * filter_h * filter_w):
        raise ValueError(f"col2im: expected a matrix of shape {(N * out_h * out_w, C * filter_h * filter_w)} "
                         f"for input shape {tuple(input_shape)}, got {col.shape}")
    col = col.reshape(N, out_h, out_w, C, filter_h, filter_w).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=col.dtype)
    for y in range(filter_h):
        y_max = y + stride * out_h
        for x in range(filter_w):
            x_max = x + stride * out_w
            img[:, :, y:y_max:stride, x:x_max:stride] += col[:, :, y, x, :, :]
    return img[:, :, pad:H + pad, pad:W + pad]
