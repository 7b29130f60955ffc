"""The engine's FastConvolution: what only the fast layer has (its two ways to dx and dW, chunked
products, one backward per forward). Its agreement with the book's Convolution is in test_twins.py
and, for every shared behaviour, in tests/layers/test_convolution.py."""

from __future__ import annotations

import numpy as np
import pytest

from engine import FastConvolution
from engine.convolution import SMALL_FILTER_ROWS, product_over_chunks
from tests.support.conv_cases import make

CASES = [
    (2, 3, 5, 5, 4, 3, 3, 1, 0),
    (1, 3, 7, 7, 2, 3, 3, 2, 1),
    (2, 1, 9, 8, 3, 5, 4, 1, 2),
    (2, 4, 6, 5, 3, 3, 3, 1, 1),
    (1, 5, 6, 6, 2, 3, 3, 1, 1),  # C*FH*FW = 45: dW as one product
]


def test_both_ways_of_computing_dx_and_dw_are_covered():
    fits, small = [], []
    for case in CASES:
        x, W, b, stride, pad = make(case)
        layer = FastConvolution(W, b, stride, pad)
        layer.forward(x)
        fits.append(layer._fits_transposed_convolution(layer.output_shape(x.shape)))
        small.append(W[0].size < SMALL_FILTER_ROWS)
    assert any(fits) and not all(fits)
    assert any(small) and not all(small)


@pytest.mark.parametrize("chunk", [1, 3, 5, 7, 35, 36, 100])
def test_product_over_chunks_is_the_product(chunk):
    """Whole chunks, a remainder, a chunk longer than the rows: each is a b^T."""
    rng = np.random.default_rng(chunk)
    a, b = rng.standard_normal((4, 35)), rng.standard_normal((6, 35))
    np.testing.assert_allclose(product_over_chunks(a, b, chunk), a @ b.T, rtol=1e-12, atol=1e-12)


def test_weight_gradient_of_a_small_filter_sums_chunks(monkeypatch):
    """With chunks of a few pixels forced, the layer's dW still matches the one long product."""
    import engine.convolution as convolution

    x, W, b, stride, pad = make(CASES[0])
    assert W[0].size < SMALL_FILTER_ROWS
    layer = FastConvolution(W, b, stride, pad)
    dout = np.random.default_rng(1).standard_normal(layer.forward(x).shape)
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = dout.shape[2:]
    expected = np.empty_like(W)  # dW[f, c, i, j] = sum over (n, y, z) of dout[n, f, y, z] x_pad[n, c, y*s + i, z*s + j]
    for i in range(W.shape[2]):
        for j in range(W.shape[3]):
            window = xp[:, :, i:i + stride * (oh - 1) + 1:stride, j:j + stride * (ow - 1) + 1:stride]
            expected[:, :, i, j] = np.einsum("nfyz,ncyz->fc", dout, window)
    monkeypatch.setattr(convolution, "ONE_THREAD_PRODUCT", 7 * W.shape[0] * W[0].size)  # chunks of 7 pixels
    layer.backward(dout)
    np.testing.assert_allclose(layer.dW, expected, rtol=1e-10, atol=1e-10)


def test_backward_uses_each_forward_once():
    """dx reuses the im2col matrix's memory, so a second backward after one forward is refused."""
    from layers import LayerStateError

    x, W, b, stride, pad = make(CASES[0])
    layer = FastConvolution(W, b, stride, pad)
    out = layer.forward(x)
    layer.backward(np.zeros_like(out))
    with pytest.raises(LayerStateError, match="called twice"):
        layer.backward(np.zeros_like(out))
