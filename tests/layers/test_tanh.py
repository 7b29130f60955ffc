"""Tanh: values against the exponential formula, gradient against centred differences."""

from __future__ import annotations

import numpy as np
import pytest

from layers import LayerStateError, Tanh, gradient_check


def test_forward_matches_the_exponential_definition():
    x = np.linspace(-4, 4, 33).reshape(3, 11)
    expected = (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))
    np.testing.assert_allclose(Tanh().forward(x), expected, rtol=1e-13, atol=1e-15)


def test_saturates_without_overflow_or_nan():
    with np.errstate(all="raise"):
        out = Tanh().forward(np.array([-1e4, -50.0, 0.0, 50.0, 1e4], dtype=np.float32))
    np.testing.assert_array_equal(out, [-1, -1, 0, 1, 1])


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4), (2, 1, 3, 3)])
def test_backward_matches_numerical_gradient(shape):
    rng = np.random.default_rng(len(shape))
    x = rng.standard_normal(shape)
    dout = rng.standard_normal(shape)
    layer = Tanh()
    layer.forward(x)
    dx = layer.backward(dout)
    errors = gradient_check(lambda: float(np.sum(Tanh().forward(x) * dout)), {"x": x}, {"x": dx})
    assert errors["x"] < 1e-7, errors


def test_backward_is_one_minus_y_squared_and_default_dout_is_one():
    x = np.array([[0.0, 1.0, -2.0]])
    layer = Tanh()
    y = layer.forward(x)
    np.testing.assert_allclose(layer.backward(), 1 - y**2)
    # d tanh / dx at 0 is 1, and 1 / cosh(x)^2 in general
    np.testing.assert_allclose(layer.backward(np.ones_like(x)), 1 / np.cosh(x) ** 2, rtol=1e-13)


def test_float32_stays_float32_and_input_untouched():
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    kept = x.copy()
    layer = Tanh()
    out = layer.forward(x)
    dx = layer.backward(np.ones_like(x))
    assert out.dtype == dx.dtype == np.float32
    np.testing.assert_array_equal(x, kept)


def test_backward_before_forward_raises():
    with pytest.raises(LayerStateError, match="Tanh"):
        Tanh().backward(np.ones(3))


def test_matches_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(3).standard_normal((6, 7))
    dout = np.random.default_rng(4).standard_normal((6, 7))
    t = torch.tensor(x, requires_grad=True)
    torch.tanh(t).backward(torch.tensor(dout))
    layer = Tanh()
    np.testing.assert_allclose(layer.forward(x), torch.tanh(t).detach().numpy(), rtol=1e-14)
    np.testing.assert_allclose(layer.backward(dout), t.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("x", [0.5, -1.25, np.float64(2.0), np.array(0.75)])
def test_numbers_and_zero_d_arrays_go_forward_and_backward(x):
    layer = Tanh()
    y = layer.forward(x)
    assert np.ndim(y) == 0 and float(y) == pytest.approx(np.tanh(float(x)), rel=1e-15)
    expected = 1.0 / np.cosh(float(x)) ** 2
    assert float(layer.backward()) == pytest.approx(expected, rel=1e-12)
    assert float(layer.backward(3.0)) == pytest.approx(3.0 * expected, rel=1e-12)
    assert float(layer.backward(np.array(2.0))) == pytest.approx(2.0 * expected, rel=1e-12)
