"""Element-wise graph nodes: values against NumPy formulas, gradients against centred differences."""

from __future__ import annotations

import re

import numpy as np
import pytest

from layers import AddLayer, LayerStateError, MulLayer, numerical_gradient
from layers.elementwise import AddConstant, Exp, Log, Max, Negate, Reciprocal, Scale
from layers.gradient_check import relative_error
from layers.power import Pow
from layers.tanh import Tanh

RNG_SEED = 20240


def _rng() -> np.random.Generator:
    return np.random.default_rng(RNG_SEED)


def _unary_error(layer, x: np.ndarray) -> float:
    """Relative error of backward's dx vs centred differences of sum(forward(x) * dout), float64."""
    dout = _rng().standard_normal(np.shape(layer.forward(x)))
    layer.forward(x)
    analytic = layer.backward(dout)
    numeric = numerical_gradient(lambda _: float(np.sum(layer.forward(x) * dout)), x)
    return relative_error(analytic, numeric)


# (layer factory, input maker, formula) -- inputs kept away from each function's trouble spots
UNARY_CASES = {
    "exp": (Exp, lambda r: r.standard_normal((3, 4)), np.exp),
    "log": (Log, lambda r: r.uniform(0.5, 3.0, (3, 4)), np.log),
    "reciprocal": (Reciprocal, lambda r: r.uniform(0.5, 2.0, (3, 4)) * r.choice([-1, 1], (3, 4)), lambda x: 1 / x),
    "scale": (lambda: Scale(-2.5), lambda r: r.standard_normal((3, 4)), lambda x: -2.5 * x),
    "negate": (Negate, lambda r: r.standard_normal((3, 4)), lambda x: -x),
    "add_constant": (lambda: AddConstant(1.0), lambda r: r.standard_normal((3, 4)), lambda x: x + 1.0),
}


@pytest.mark.parametrize("case", sorted(UNARY_CASES))
def test_unary_value_and_gradient(case):
    make, make_x, formula = UNARY_CASES[case]
    x = make_x(_rng())
    layer = make()
    np.testing.assert_allclose(layer.forward(x), formula(x), rtol=1e-15)
    assert _unary_error(layer, x) < 1e-7


@pytest.mark.parametrize("layer_class", [Scale, AddConstant])
def test_array_constant_that_broadcasts_the_input_sums_the_gradient_back(layer_class):
    rng = _rng()
    c = rng.standard_normal((4, 3))
    x = rng.standard_normal(3)  # broadcast against c's rows
    layer = layer_class(c)
    assert layer.forward(x).shape == (4, 3)
    assert _unary_error(layer, x) < 1e-7
    assert layer.backward(np.ones((4, 3))).shape == (3,)


def test_local_gradients_match_the_book():
    # exp: y; 1/x: -y^2; scale: c -- checked on numbers where the values are known by hand
    exp = Exp()
    exp.forward(0.0)
    assert exp.backward(3.0) == pytest.approx(3.0)
    reciprocal = Reciprocal()
    assert reciprocal.forward(2.0) == pytest.approx(0.5)
    assert reciprocal.backward(1.0) == pytest.approx(-0.25)
    log = Log()
    log.forward(4.0)
    assert log.backward(2.0) == pytest.approx(0.5)


@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((5,), ())])
def test_max_gradient_for_both_inputs(shapes):
    rng = _rng()
    x, y = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    layer = Max()
    out = layer.forward(x, y)
    np.testing.assert_array_equal(out, np.maximum(x, y))
    dout = rng.standard_normal(np.shape(out))
    dx, dy = layer.backward(dout)
    assert np.shape(dx) == x.shape and np.shape(dy) == y.shape
    num_dx = numerical_gradient(lambda _: float(np.sum(layer.forward(x, y) * dout)), x)
    num_dy = numerical_gradient(lambda _: float(np.sum(layer.forward(x, y) * dout)), y)
    assert relative_error(dx, num_dx) < 1e-7
    assert relative_error(dy, num_dy) < 1e-7


def test_max_routes_the_gradient_to_the_larger_input_and_to_x_on_a_tie():
    layer = Max()
    assert layer.forward(2.0, -1.0) == 2.0
    assert layer.backward(5.0) == (5.0, 0.0)
    assert layer.forward(-3.0, 4.0) == 4.0
    assert layer.backward(5.0) == (0.0, 5.0)
    layer.forward(np.array([1.0, 2.0, 3.0]), np.array([1.0, 5.0, 0.0]))
    dx, dy = layer.backward(np.array([10.0, 20.0, 30.0]))
    np.testing.assert_array_equal(dx, [10.0, 0.0, 30.0])  # the tie at index 0 goes to x
    np.testing.assert_array_equal(dy, [0.0, 20.0, 0.0])
    np.testing.assert_array_equal(dx + dy, [10.0, 20.0, 30.0])


ALL_LAYERS = {
    "exp": (Exp, 1), "log": (Log, 1), "reciprocal": (Reciprocal, 1), "scale": (lambda: Scale(3.0), 1),
    "negate": (Negate, 1), "add_constant": (lambda: AddConstant(-2.0), 1), "max": (Max, 2),
}


@pytest.mark.parametrize("case", sorted(ALL_LAYERS))
def test_never_modifies_its_inputs_or_the_upstream_gradient(case):
    make, arity = ALL_LAYERS[case]
    rng = _rng()
    inputs = [rng.uniform(0.5, 2.0, (3, 4)) for _ in range(arity)]
    kept = [x.copy() for x in inputs]
    layer = make()
    out = layer.forward(*inputs)
    dout = rng.standard_normal(np.shape(out))
    dout_kept = dout.copy()
    layer.backward(dout)
    layer.backward(dout)
    for x, original in zip(inputs, kept, strict=True):
        np.testing.assert_array_equal(x, original)
    np.testing.assert_array_equal(dout, dout_kept)


@pytest.mark.parametrize("case", sorted(ALL_LAYERS))
def test_backward_before_forward_names_the_layer(case):
    make, _ = ALL_LAYERS[case]
    layer = make()
    with pytest.raises(LayerStateError, match=type(layer).__name__):
        layer.backward(1.0)


@pytest.mark.parametrize("case", sorted(ALL_LAYERS))
def test_float32_stays_float32(case):
    make, arity = ALL_LAYERS[case]
    inputs = [np.full((2, 3), 1.5, dtype=np.float32) for _ in range(arity)]
    layer = make()
    out = layer.forward(*inputs)
    grads = layer.backward(np.ones_like(out))
    assert out.dtype == np.float32
    for g in grads if isinstance(grads, tuple) else (grads,):
        assert g.dtype == np.float32


def test_log_and_reciprocal_refuse_their_singular_points():
    with pytest.raises(ValueError, match="Log: expected positive"):
        Log().forward(np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="Log: expected positive"):
        Log().forward(-2.0)
    with pytest.raises(ValueError, match="Reciprocal: expected non-zero"):
        Reciprocal().forward(np.array([1.0, 0.0, 2.0]))


def test_scalar_backward_spreads_over_an_array_input():
    layer = AddConstant(1.0)
    layer.forward(np.zeros(3))
    np.testing.assert_array_equal(layer.backward(2.0), [2.0, 2.0, 2.0])


GRAPH_NODES = [
    (lambda: Exp(), (2, 3), 1), (lambda: Log(), (2, 3), 1), (lambda: Reciprocal(), (2, 3), 1),
    (lambda: Scale(2.0), (2, 3), 1), (lambda: Negate(), (2, 3), 1), (lambda: AddConstant(1.0), (2, 3), 1),
    (lambda: Max(), (2, 3), 2), (lambda: Tanh(), (2, 3), 1), (lambda: Pow(2), (2, 3), 1),
    (lambda: AddLayer(), (2, 3), 2), (lambda: MulLayer(), (2, 3), 2),
]
NODE_IDS = ["Exp", "Log", "Reciprocal", "Scale", "Negate", "AddConstant", "Max", "Tanh", "Pow", "AddLayer", "MulLayer"]


@pytest.mark.parametrize(("make", "shape", "inputs"), GRAPH_NODES, ids=NODE_IDS)
def test_a_dout_of_another_shape_is_refused_naming_the_layer(make, shape, inputs):
    layer = make()
    layer.forward(*[np.full(shape, 0.5 + i) for i in range(inputs)])
    name = type(layer).__name__
    for wrong in (np.ones(shape[1:]), np.ones((4, *shape)), np.ones((shape[0], 1))):
        with pytest.raises(ValueError, match=re.escape(f"{name}.backward: expected dout of shape {shape}")):
            layer.backward(wrong)
    with pytest.raises(TypeError, match=f"{name}.backward: expected a real number or array as dout"):
        layer.backward(np.ones(shape, complex))
    layer.backward(2.0)  # a number stands for itself everywhere
    layer.backward([[1.0] * shape[1]] * shape[0])  # a list of the right shape is an array


@pytest.mark.parametrize(("make", "shape", "inputs"), GRAPH_NODES, ids=NODE_IDS)
def test_complex_or_text_input_is_refused_naming_the_layer(make, shape, inputs):
    for bad in (np.ones(shape, complex), "abc"):
        with pytest.raises(TypeError, match=f"{type(make()).__name__}.forward: expected a real number or array"):
            make().forward(*[bad] * inputs)


def test_a_number_as_dout_counts_every_copy_of_a_broadcast_input():
    """A number stands for itself everywhere: an input broadcast to three copies gets three times it."""
    add = AddLayer()
    add.forward(np.ones(3, np.float32), 2.0)
    dx, dy = add.backward(1.0)
    np.testing.assert_array_equal(dx, np.ones(3))
    assert dx.dtype == np.float32
    assert dy == 3.0
    mul = MulLayer()
    mul.forward(np.array([1.0, 2.0, 3.0]), 2.0)
    assert mul.backward(1.0)[1] == 6.0
    constant = AddConstant(np.array([1.0, 2.0, 3.0]))
    constant.forward(2.0)
    assert constant.backward() == 3.0
    scale = Scale(np.ones((2, 1)))
    scale.forward(np.ones(3))
    np.testing.assert_array_equal(scale.backward(), [2.0, 2.0, 2.0])
    larger = Max()
    larger.forward(np.array([1.0, 5.0, 3.0]), 2.0)
    dx, dy = larger.backward()
    np.testing.assert_array_equal(dx, [0.0, 1.0, 1.0])
    assert dy == 1.0


def test_add_constant_hands_back_a_new_array():
    layer = AddConstant(1.0)
    layer.forward(np.zeros(3))
    dout = np.ones(3)
    dx = layer.backward(dout)
    assert dx is not dout
    dx[0] = 5.0
    np.testing.assert_array_equal(dout, np.ones(3))


@pytest.mark.parametrize("make", [Exp, Log, Reciprocal, Tanh], ids=["Exp", "Log", "Reciprocal", "Tanh"])
@pytest.mark.parametrize("value", [np.bool_(True), np.int8(1), np.array([1, 2], np.uint8)])
def test_small_integers_and_booleans_are_computed_in_float64(make, value):
    assert np.asarray(make().forward(value)).dtype == np.float64  # NumPy alone gives float16 for these


@pytest.mark.parametrize(("make", "shape", "inputs"), GRAPH_NODES, ids=NODE_IDS)
def test_a_number_as_dout_gives_each_input_a_gradient_of_its_shape(make, shape, inputs):
    """dx has x's shape whatever dout is: a number stands for that number at every entry of the output."""
    layer = make()
    layer.forward(*[np.full(shape, 0.5 + i) for i in range(inputs)])
    grads = layer.backward(2.0)
    for grad in grads if inputs > 1 else (grads,):
        assert np.shape(grad) == shape
