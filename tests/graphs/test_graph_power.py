"""Power nodes in graphs (``x ** k``, ``g.pow``) and Tanh on scalars, checked against hand-derived
gradients and centred differences."""

from __future__ import annotations

import numpy as np
import pytest

from graphs import Graph, draw_graph, labels_by_id
from layers import Tanh, numerical_gradient
from layers.gradient_check import relative_error


def test_x_squared_plus_y_cubed_at_numbers():
    g = Graph()
    x, y = g.input("x", 3.0), g.input("y", -2.0)
    (x ** 2 + y ** 3).named("f")
    assert g.forward() == 9.0 - 8.0
    grads = g.backward()
    assert grads == {"x": 6.0, "y": 12.0}  # df/dx = 2x, df/dy = 3y^2


def test_pow_method_matches_the_operator_and_takes_fractional_exponents():
    g = Graph()
    x = g.input("x", 4.0)
    g.pow(x, 0.5, name="r")
    assert g.forward() == 2.0
    assert g.backward() == {"x": pytest.approx(0.25)}  # 0.5 / sqrt(4)
    assert g.nodes[0].op.symbol == "^0.5"


def test_same_value_squared_through_fan_out_sums_gradients():
    g = Graph()
    x = g.input("x", np.array(1.5))
    (x ** 2 * x).named("f")  # x^3 written as a product: fan-out of x
    g.forward()
    assert float(g.backward()["x"]) == pytest.approx(3 * 1.5 ** 2)


def test_array_power_gradient_against_centred_differences():
    rng = np.random.default_rng(0)
    g = Graph()
    x = g.input("x", rng.uniform(0.5, 2.0, (3, 4)))
    w = g.input("w", rng.standard_normal((3, 4)))
    g.sum(w * x ** 3 + x ** -1.5, name="f")
    g.forward()
    grads = g.backward()

    def f(_: np.ndarray) -> float:
        return float(g.forward())

    for name in ("x", "w"):
        assert relative_error(grads[name], numerical_gradient(f, g.value(name), order=4)) < 1e-7


def test_logistic_regression_with_squared_error_matches_the_hand_derivation():
    """J = mean((sigma(w x + b) - y)^2):  dJ/dw = mean(2 (a - y) a (1 - a) x), dJ/db the same without x."""
    rng = np.random.default_rng(1)
    m = 9
    xs, ys = rng.standard_normal(m), (rng.random(m) < 0.5).astype(np.float64)
    g = Graph()
    x, y = g.input("x", xs), g.input("y", ys)
    w, b = g.input("w", np.array(0.7)), g.input("b", np.array(-0.2))
    a = g.sigmoid(w * x + b, name="a")
    g.mean((a - y) ** 2, name="J")
    g.forward()
    grads = g.backward()
    av = 1 / (1 + np.exp(-(0.7 * xs - 0.2)))
    delta = 2 * (av - ys) * av * (1 - av)
    assert float(grads["w"]) == pytest.approx(np.mean(delta * xs), rel=1e-12)
    assert float(grads["b"]) == pytest.approx(np.mean(delta), rel=1e-12)
    for name in ("w", "b"):  # and centred differences agree
        numeric = numerical_gradient(lambda _: float(g.forward()), g.value(name), order=4)
        assert relative_error(grads[name], numeric) < 1e-7


def test_tanh_layer_as_a_node_on_scalars():
    g = Graph()
    x = g.input("x", 0.3)
    g.apply(Tanh(), x ** 2, name="f")
    assert g.forward() == pytest.approx(np.tanh(0.09))
    assert g.backward()["x"] == pytest.approx((1 - np.tanh(0.09) ** 2) * 2 * 0.3, rel=1e-12)


def test_power_node_is_drawn_with_its_exponent():
    g = Graph()
    x = g.input("x", 3.0)
    (x ** 2).named("f")
    g.forward()
    g.backward()
    labels = labels_by_id(draw_graph(g))
    assert labels["node:f"] == "^2"
    assert labels["value:f->out"] == "9" and labels["grad:x->f:0"] == "6"


def test_unsupported_powers_raise_type_errors():
    g = Graph()
    x, y = g.input("x", 2.0), g.input("y", 3.0)
    with pytest.raises(TypeError, match="constant real number k, got the graph value 'y'"):
        x ** y  # noqa: B018
    with pytest.raises(TypeError, match=r"\*\* graph value is not supported"):
        2 ** x  # noqa: B018
    with pytest.raises(TypeError, match="constant real number"):
        g.pow(x, np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="x >= 0"):
        g.input("z", -4.0) ** 0.5  # noqa: B018
        g.forward()
