"""im2col / col2im against the definition written as loops, and col2im as the adjoint of im2col."""

from __future__ import annotations

import numpy as np
import pytest

from layers import col2im, im2col

# (N, C, H, W, FH, FW, stride, pad)
CASES = [
    (2, 3, 5, 5, 3, 3, 1, 0),
    (2, 2, 7, 6, 3, 2, 2, 1),
    (1, 1, 4, 4, 4, 4, 1, 0),
    (3, 2, 9, 6, 3, 3, 3, 0),
    (2, 3, 5, 4, 2, 3, 1, 2),
    (1, 4, 6, 6, 1, 1, 1, 0),
    (1, 2, 6, 7, 3, 3, 2, 0),  # the stride leaves pixels over: dropped, as in the book and PyTorch
    (2, 1, 8, 8, 2, 3, 3, 1),
]


def naive_im2col(x: np.ndarray, fh: int, fw: int, stride: int, pad: int) -> np.ndarray:
    """Row (n, oh, ow), column (c, i, j): pixel x_pad[n, c, oh*stride + i, ow*stride + j], by loops."""
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = (h + 2 * pad - fh) // stride + 1, (w + 2 * pad - fw) // stride + 1
    col = np.zeros((n * oh * ow, c * fh * fw), dtype=x.dtype)
    for s in range(n):
        for y in range(oh):
            for z in range(ow):
                row = (s * oh + y) * ow + z
                for ch in range(c):
                    for i in range(fh):
                        for j in range(fw):
                            col[row, (ch * fh + i) * fw + j] = xp[s, ch, y * stride + i, z * stride + j]
    return col


def naive_col2im(col: np.ndarray, shape: tuple[int, ...], fh: int, fw: int, stride: int, pad: int) -> np.ndarray:
    """Each entry of col added back onto the pixel naive_im2col read it from, by loops."""
    n, c, h, w = shape
    oh, ow = (h + 2 * pad - fh) // stride + 1, (w + 2 * pad - fw) // stride + 1
    img = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=col.dtype)
    for s in range(n):
        for y in range(oh):
            for z in range(ow):
                row = (s * oh + y) * ow + z
                for ch in range(c):
                    for i in range(fh):
                        for j in range(fw):
                            img[s, ch, y * stride + i, z * stride + j] += col[row, (ch * fh + i) * fw + j]
    return img[:, :, pad:pad + h, pad:pad + w]


@pytest.mark.parametrize("case", CASES)
def test_im2col_matches_loops(case):
    n, c, h, w, fh, fw, stride, pad = case
    x = np.random.default_rng(0).standard_normal((n, c, h, w))
    original = x.copy()
    col = im2col(x, fh, fw, stride, pad)
    np.testing.assert_array_equal(col, naive_im2col(x, fh, fw, stride, pad))
    np.testing.assert_array_equal(x, original)


@pytest.mark.parametrize("case", CASES)
def test_col2im_matches_loops(case):
    n, c, h, w, fh, fw, stride, pad = case
    oh, ow = (h + 2 * pad - fh) // stride + 1, (w + 2 * pad - fw) // stride + 1
    col = np.random.default_rng(1).standard_normal((n * oh * ow, c * fh * fw))
    original = col.copy()
    img = col2im(col, (n, c, h, w), fh, fw, stride, pad)
    assert img.shape == (n, c, h, w)
    np.testing.assert_allclose(img, naive_col2im(col, (n, c, h, w), fh, fw, stride, pad), rtol=1e-13, atol=1e-13)
    np.testing.assert_array_equal(col, original)


@pytest.mark.parametrize("case", CASES)
def test_col2im_is_the_adjoint_of_im2col(case):
    """<im2col(x), y> = <x, col2im(y)> for random x and y."""
    n, c, h, w, fh, fw, stride, pad = case
    rng = np.random.default_rng(2)
    x = rng.standard_normal((n, c, h, w))
    oh, ow = (h + 2 * pad - fh) // stride + 1, (w + 2 * pad - fw) // stride + 1
    y = rng.standard_normal((n * oh * ow, c * fh * fw))
    left = float(np.sum(im2col(x, fh, fw, stride, pad) * y))
    right = float(np.sum(x * col2im(y, x.shape, fh, fw, stride, pad)))
    assert left == pytest.approx(right, rel=1e-12, abs=1e-12)


def test_col2im_accepts_a_c_ordered_matrix_like_the_books():
    x = np.random.default_rng(3).standard_normal((2, 3, 6, 6))
    col = np.ascontiguousarray(im2col(x, 3, 3, 1, 1))
    np.testing.assert_allclose(col2im(col, x.shape, 3, 3, 1, 1), naive_col2im(col, x.shape, 3, 3, 1, 1), atol=1e-13)


def test_dtype_follows_the_input():
    x = np.random.default_rng(4).random((2, 2, 5, 5), dtype=np.float32)
    col = im2col(x, 3, 3, 1, 1)
    assert col.dtype == np.float32
    assert col2im(col, x.shape, 3, 3, 1, 1).dtype == np.float32


@pytest.mark.parametrize(
    ("shape", "fh", "fw", "stride", "pad", "message"),
    [
        ((1, 1, 4, 4), 5, 3, 1, 0, "window height 5 is larger than the padded input height 4"),
        ((1, 1, 4, 4), 3, 7, 1, 1, "window width 7 is larger than the padded input width 6"),
        ((1, 4, 4), 3, 3, 1, 0, "expected input of shape (N, C, H, W)"),
        ((1, 1, 4, 4), 3, 3, 0, 0, "expected stride >= 1"),
    ],
)
def test_shapes_that_do_not_fit_are_rejected(shape, fh, fw, stride, pad, message):
    with pytest.raises(ValueError, match="im2col") as info:
        im2col(np.zeros(shape), fh, fw, stride, pad)
    assert message in str(info.value)


def test_col2im_rejects_a_matrix_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"col2im: expected a matrix of shape \(8, 27\)"):
        col2im(np.zeros((9, 27)), (2, 3, 4, 4), 3, 3, 1, 0)
    with pytest.raises(ValueError, match=r"col2im: expected a matrix of shape \(8, 27\)"):
        col2im(np.zeros((2, 8, 27)), (2, 3, 4, 4), 3, 3, 1, 0)
