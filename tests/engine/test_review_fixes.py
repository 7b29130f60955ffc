"""Engine faults a review found, each pinned by the behaviour that was wrong."""

from __future__ import annotations

import numpy as np
import pytest

from engine import FastAffine, FastConvolution, FastRelu
from layers import Affine, LayerStateError, Relu


def test_fast_relu_takes_large_boolean_input_as_the_book_does_and_keeps_its_last_mask_on_error():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 40000))
    fast, book = FastRelu(), Relu()
    flags = np.ones((2, 40000), bool)
    np.testing.assert_array_equal(fast.forward(flags), book.forward(flags))
    assert fast.forward(flags).dtype == book.forward(flags).dtype
    fast.forward(x)
    with pytest.raises(TypeError, match="FastRelu"):
        fast.forward(np.full((2, 40000), "a"))  # refused before anything changes
    dout = np.ones((2, 40000))
    np.testing.assert_array_equal(fast.backward(dout), dout * (x > 0))


def test_fast_affine_sums_a_boolean_dout_as_the_book_does():
    W, b = np.ones((3, 2)), np.zeros(2)
    fast, book = FastAffine(W, b), Affine(W, b)
    x = np.ones((4, 3))
    fast.forward(x)
    book.forward(x)
    dout = np.array([[1, 0], [1, 0], [1, 1], [0, 0]], bool)
    fast.backward(dout)
    book.backward(dout)
    np.testing.assert_array_equal(fast.db, book.db)
    assert fast.db.dtype == book.db.dtype


def test_a_refused_algorithm_leaves_the_last_winograd_forward_usable():
    rng = np.random.default_rng(0)
    layer = FastConvolution(rng.standard_normal((2, 16, 3, 3)), np.zeros(2), 1, 1)
    x = rng.standard_normal((2, 16, 6, 6))
    out = layer.forward(x)
    layer.algorithm = "direct"
    with pytest.raises(ValueError, match="direct"):
        layer.forward(x)
    layer.algorithm = "auto"
    dx = layer.backward(np.ones(out.shape))
    reference = FastConvolution(layer.W, layer.b, 1, 1)
    reference.forward(x)
    np.testing.assert_allclose(dx, reference.backward(np.ones(out.shape)), rtol=1e-12, atol=1e-12)
    with pytest.raises(LayerStateError):
        FastConvolution(layer.W, layer.b, 1, 1).backward(np.ones(out.shape))
