"""Sum and Mean: values against NumPy, gradients against centred differences."""

from __future__ import annotations

import numpy as np
import pytest

from layers import LayerStateError, numerical_gradient
from layers.gradient_check import relative_error
from layers.reductions import Mean, Sum


@pytest.mark.parametrize(("layer_class", "formula"), [(Sum, np.sum), (Mean, np.mean)])
def test_value_and_gradient(layer_class, formula):
    x = np.random.default_rng(7).standard_normal((4, 3))
    kept = x.copy()
    layer = layer_class()
    assert layer.forward(x) == pytest.approx(formula(x), rel=1e-15)
    dx = layer.backward(2.5)
    numeric = numerical_gradient(lambda _: 2.5 * float(layer.forward(x)), x)
    assert dx.shape == x.shape
    assert relative_error(dx, numeric) < 1e-7
    np.testing.assert_array_equal(x, kept)


def test_mean_gradient_is_one_over_n():
    layer = Mean()
    layer.forward(np.arange(8.0))
    np.testing.assert_allclose(layer.backward(1.0), np.full(8, 1 / 8))


def test_float32_and_integer_inputs():
    layer = Sum()
    layer.forward(np.ones(3, dtype=np.float32))
    assert layer.backward(1.0).dtype == np.float32
    layer.forward(np.arange(3))
    assert layer.backward(0.5).tolist() == [0.5, 0.5, 0.5]  # no truncation to integers


def test_errors():
    with pytest.raises(LayerStateError, match="Mean"):
        Mean().backward(1.0)
    layer = Sum()
    layer.forward(np.ones(3))
    with pytest.raises(ValueError, match="Sum: expected a scalar upstream gradient"):
        layer.backward(np.ones(3))


@pytest.mark.parametrize(("layer_class", "formula"), [(Sum, np.sum), (Mean, np.mean)])
def test_a_list_or_a_number_is_read_as_an_array(layer_class, formula):
    layer = layer_class()
    assert layer.forward([[1.0, 2.0], [3.0, 5.0]]) == formula([[1.0, 2.0], [3.0, 5.0]])
    assert layer.backward(1.0).shape == (2, 2)
    assert layer.forward(4.0) == 4.0
    assert np.shape(layer.backward(1.0)) == ()
    assert layer.forward([True, False, True]) == formula([1, 0, 1])


@pytest.mark.parametrize("layer_class", [Sum, Mean])
@pytest.mark.parametrize("bad", [["a", "b"], [1 + 2j], [[1.0, 2.0], [3.0]]], ids=["strings", "complex", "ragged"])
def test_non_real_input_is_refused_naming_the_layer(layer_class, bad):
    layer = layer_class()
    with pytest.raises(TypeError, match=rf"{layer_class.__name__}: expected a real-valued array as input"):
        layer.forward(bad)
    assert layer.x_shape is None  # nothing cached: backward still says forward() came first
