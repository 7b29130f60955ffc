"""Pow: values against NumPy, gradients against centred differences (float64) and the power rule."""

from __future__ import annotations

import numpy as np
import pytest

from layers import LayerStateError, Pow, numerical_gradient
from layers.gradient_check import relative_error


def _gradient_error(k: float, x: np.ndarray) -> float:
    dout = np.random.default_rng(1).standard_normal(np.shape(x))
    layer = Pow(k)
    layer.forward(x)
    analytic = layer.backward(dout)
    numeric = numerical_gradient(lambda _: float(np.sum(Pow(k).forward(x) * dout)), x, order=4)
    return relative_error(analytic, numeric)


@pytest.mark.parametrize("k", [2, 3, -1, -2, 0.5, 1.5, -0.5, 1])
def test_value_and_gradient_in_float64(k):
    x = np.random.default_rng(0).uniform(0.5, 2.0, (3, 4))  # positive: every k is defined
    np.testing.assert_allclose(Pow(k).forward(x), np.power(x, float(k)), rtol=1e-14)
    assert _gradient_error(k, x) < 1e-7


@pytest.mark.parametrize("k", [2, 3, -1])
def test_integer_exponents_accept_negative_inputs(k):
    x = np.random.default_rng(2).uniform(0.5, 2.0, (4, 3)) * np.array([-1.0, 1.0, -1.0])
    assert _gradient_error(k, x) < 1e-7


def test_power_rule_on_numbers():
    layer = Pow(3)
    assert layer.forward(2.0) == 8.0
    assert layer.backward(1.0) == 12.0          # 3 * 2^2
    assert layer.backward(0.5) == 6.0
    layer = Pow(0.5)
    assert layer.forward(9.0) == 3.0
    assert layer.backward() == pytest.approx(1 / 6)  # 0.5 / sqrt(9)
    layer = Pow(0)
    assert layer.forward(0.0) == 1.0 and layer.backward(1.0) == 0.0


def test_float32_stays_float32_and_input_untouched():
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    kept = x.copy()
    layer = Pow(2)
    assert layer.forward(x).dtype == np.float32
    assert layer.backward(np.ones_like(x)).dtype == np.float32
    np.testing.assert_array_equal(x, kept)


def test_undefined_inputs_and_bad_exponents_raise_clear_errors():
    with pytest.raises(ValueError, match=r"Pow: x \*\* 0.5 needs x >= 0"):
        Pow(0.5).forward(np.array([1.0, -1.0]))
    with pytest.raises(ValueError, match="non-zero"):
        Pow(-1).forward(np.array([0.0, 2.0]))
    with pytest.raises(TypeError, match="exponent"):
        Pow(np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="exponent"):
        Pow(float("nan"))
    with pytest.raises(LayerStateError, match="Pow"):
        Pow(2).backward(1.0)



@pytest.mark.parametrize("x", [0.0, np.array([0.0, 4.0])])
def test_the_infinite_slope_of_a_root_at_zero_is_refused_in_backward(x):
    """sqrt(0) = 0 is fine; its gradient 0.5 / sqrt(0) is not: a Python float raised ZeroDivisionError,
    an array gave inf with a warning."""
    layer = Pow(0.5)
    assert np.all(layer.forward(x) == np.sqrt(x))
    with pytest.raises(ValueError, match=r"Pow: the gradient .* of x \*\* 0.5 is infinite at x = 0, got 1 zero"):
        layer.backward(1.0)
    layer.forward(np.array([1.0, 4.0]))
    np.testing.assert_allclose(layer.backward(1.0), [0.5, 0.25])


def test_integer_array_to_a_negative_power():
    layer = Pow(-1)
    np.testing.assert_allclose(layer.forward(np.array([2, 4])), [0.5, 0.25])
    np.testing.assert_allclose(layer.backward(1.0), [-0.25, -1 / 16])


def test_matches_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(3).uniform(0.2, 3.0, (5, 6))
    dout = np.random.default_rng(4).standard_normal((5, 6))
    for k in (2, -1.5, 0.3):
        t = torch.tensor(x, requires_grad=True)
        y = t ** k
        y.backward(torch.tensor(dout))
        layer = Pow(k)
        np.testing.assert_allclose(layer.forward(x), y.detach().numpy(), rtol=1e-13)
        np.testing.assert_allclose(layer.backward(dout), t.grad.numpy(), rtol=1e-12)
