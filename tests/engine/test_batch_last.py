"""The engine's batch-last im2col against the book's: the same matrix, transposed and reordered."""

from __future__ import annotations

import numpy as np
import pytest

from engine.batch_last import add_columns, fill_columns, padded_batch_last
from layers import col2im, im2col

# (N, C, H, W, FH, FW, stride, pad)
CASES = [(2, 3, 5, 5, 3, 3, 1, 0), (2, 2, 7, 6, 3, 2, 2, 1), (3, 2, 9, 6, 3, 3, 3, 0), (1, 2, 6, 7, 3, 3, 2, 0)]


@pytest.mark.parametrize("case", CASES)
def test_fill_columns_is_the_books_im2col_transposed_with_batch_last_columns(case):
    n, c, h, w, fh, fw, stride, pad = case
    x = np.random.default_rng(0).standard_normal((n, c, h, w))
    book = im2col(x, fh, fw, stride, pad)  # rows (n, oh, ow)
    oh, ow = (h + 2 * pad - fh) // stride + 1, (w + 2 * pad - fw) // stride + 1
    ours = fill_columns(padded_batch_last(x, pad), fh, fw, stride, np.empty((c * fh * fw, oh * ow * n)))
    reordered = ours.reshape(-1, oh, ow, n).transpose(3, 1, 2, 0).reshape(n * oh * ow, -1)  # columns (n, oh, ow)
    np.testing.assert_array_equal(reordered, book)
    dcol = np.random.default_rng(1).standard_normal(book.shape)
    batch_last = np.ascontiguousarray(dcol.reshape(n, oh, ow, -1).transpose(3, 1, 2, 0)).reshape(-1, oh * ow * n)
    np.testing.assert_allclose(add_columns(batch_last, x.shape, fh, fw, stride, pad),
                               col2im(dcol, x.shape, fh, fw, stride, pad), rtol=1e-13, atol=1e-13)


def test_padded_batch_last_reads_batch_last_memory_in_place_and_copies_anything_else():
    x = np.random.default_rng(5).standard_normal((3, 2, 4, 5))
    batch_last = np.ascontiguousarray(x.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
    view = padded_batch_last(batch_last, 0)
    assert view.shape == (2, 4, 5, 3) and np.shares_memory(view, batch_last)
    copied = padded_batch_last(x, 0)
    assert not np.shares_memory(copied, x)
    np.testing.assert_array_equal(copied, view)
    padded = padded_batch_last(x, (1, 2), fill=-np.inf)
    assert padded.shape == (2, 6, 9, 3)
    np.testing.assert_array_equal(padded[:, 1:5, 2:7], view)
    assert np.all(padded[:, 0] == -np.inf) and np.all(padded[:, :, :2] == -np.inf)
    # a reused buffer gets its border rewritten, whatever it held
    buffer = np.full_like(padded, 7.0)
    again = padded_batch_last(x, (1, 2), fill=-np.inf, buffer=buffer)
    assert again is buffer
    np.testing.assert_array_equal(again, padded)
