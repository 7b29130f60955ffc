"""Building, running and reading graphs: names, operators, fan-out, re-running after set()."""

from __future__ import annotations

import math

import numpy as np
import pytest

from graphs import Graph, GraphStateError, format_grad, format_number, format_value
from layers import Layer


def simple_graph() -> Graph:
    g = Graph()
    x, y, z = g.input("x", -2.0), g.input("y", 5.0), g.input("z", -4.0)
    g.mul(x + y, z, name="f")
    return g


def test_the_books_simple_example():
    g = simple_graph()
    assert g.forward() == -12.0
    grads = g.backward()
    assert grads == {"x": -4.0, "y": -4.0, "z": 3.0}
    assert (g.grad("x"), g.grad("y"), g.grad("z")) == (-4.0, -4.0, 3.0)
    assert g.value("f") == -12.0 and g["f"].value == -12.0
    assert g.grad("f") == 1.0
    assert g.grad("add_1") == -4.0  # q = x + y, named automatically


def test_automatic_and_given_names():
    g = Graph()
    x, y = g.input("x", 1.0), g.input("y", 2.0)
    a, b, c = x + y, x * y, x + y
    assert (a.name, b.name, c.name) == ("add_1", "mul_1", "add_2")
    d = g.mul(a, c, name="d")
    assert d.name == "d" and not d.auto_named and a.auto_named
    q = (x - y).named("q")
    assert q.name == "q" and "q" in g and g["q"] is q
    g.input("add_3", 0.0)  # a user name that an automatic name would have taken
    assert (x + y).name == "add_4"


def test_operators_with_constants_on_either_side():
    x_value, y_value = 1.7, -0.6
    g = Graph()
    x, y = g.input("x", x_value), g.input("y", y_value)
    expressions = {
        "x+2": (x + 2, x_value + 2), "2+x": (2 + x, 2 + x_value), "x-y": (x - y, x_value - y_value),
        "x-3": (x - 3, x_value - 3), "3-x": (3 - x, 3 - x_value), "x*y": (x * y, x_value * y_value),
        "4*x": (4 * x, 4 * x_value), "x*4": (x * 4, x_value * 4), "x/y": (x / y, x_value / y_value),
        "x/4": (x / 4, x_value / 4), "1/x": (1 / x, 1 / x_value), "5/x": (5 / x, 5 / x_value),
        "-x": (-x, -x_value),
    }
    for text, (value, _) in expressions.items():
        value.named(text)
    g.output = "x+2"  # several outputs: name one so forward can return it
    g.forward()
    for text, (_, expected) in expressions.items():
        assert g.value(text) == pytest.approx(expected, rel=1e-15), text


def test_numpy_array_on_the_left_builds_a_node():
    g = Graph()
    x = g.input("x", np.array([1.0, 2.0]))
    f = np.array([3.0, 4.0]) * x
    assert f.node is not None and f.node.op.name == "scale"
    g.forward()
    np.testing.assert_array_equal(g.value(f), [3.0, 8.0])


def test_reciprocal_is_one_node_and_division_is_times_reciprocal():
    g = Graph()
    x, y = g.input("x", 2.0), g.input("y", 8.0)
    r = 1 / x
    assert r.node.op.name == "reciprocal" and r.node.op.symbol == "1/x"
    q = x / y
    assert q.node.op.name == "mul"
    first, second = g.inputs_of(q.node)
    assert first is x and second.node.op.name == "reciprocal" and g.inputs_of(second.node) == [y]
    g.output = q
    assert g.forward() == 0.25


@pytest.mark.parametrize("x_value", [3.0, -0.7, 0.25])
def test_fan_out_accumulates_gradients(x_value):
    g = Graph()
    x = g.input("x", x_value)
    (x * x + x).named("f")
    assert g.forward() == pytest.approx(x_value * x_value + x_value)
    g.backward()
    assert g.grad("x") == pytest.approx(2 * x_value + 1)
    # each edge carries its own share; the shares add up to the total
    shares = [g.edge_grad(e) for e in g.edges() if e.source is x]
    assert sorted(shares) == sorted([x_value, x_value, 1.0])


def test_fan_out_of_an_array_accumulates_without_aliasing():
    g = Graph()
    x = g.input("x", np.array([1.0, 2.0, 3.0]))
    g.sum(x + x + x, name="f")  # AddLayer hands back the same dout object for both inputs
    g.forward()
    g.backward()
    np.testing.assert_array_equal(g.grad("x"), [3.0, 3.0, 3.0])


def test_set_reruns_and_stale_reads_are_refused():
    g = simple_graph()
    g.forward()
    g.backward()
    g.set("x", 3.0)
    assert g.value("x") == 3.0  # inputs are always readable
    with pytest.raises(GraphStateError, match="input 'x' changed"):
        g.value("f")
    with pytest.raises(GraphStateError, match="input 'x' changed"):
        g.grad("x")
    with pytest.raises(GraphStateError, match="backward\\(\\) called before forward\\(\\)"):
        g.backward()
    assert g.forward() == (3.0 + 5.0) * -4.0
    g.backward()
    assert g.grad("z") == 8.0


def test_backward_uses_the_cache_and_runs_each_layer_once():
    class CountingSquare(Layer):
        """y = x^2;  dx = 2 x dout, counting calls."""

        def __init__(self):
            super().__init__()
            self.forward_calls = self.backward_calls = 0
            self.x = None

        def forward(self, x):
            self.forward_calls += 1
            self.x = x
            return x * x

        def backward(self, dout=1.0):
            self.backward_calls += 1
            return 2 * self.x * dout

    layer = CountingSquare()
    g = Graph()
    x = g.input("x", 3.0)
    s = g.apply(layer, x, symbol="x²")
    (s * s + s).named("f")  # the square feeds three edges
    g.forward()
    g.backward()
    assert (layer.forward_calls, layer.backward_calls) == (1, 1)
    # f = s^2 + s with s = x^2: df/dx = (2 s + 1) 2 x
    assert g.grad("x") == pytest.approx((2 * 9 + 1) * 2 * 3)


def test_upstream_gradient_for_an_array_output():
    g = Graph()
    x = g.input("x", np.array([1.0, -2.0, 3.0]))
    g.relu(x * 2, name="f")
    g.forward()
    grads = g.backward(dout=np.array([1.0, 10.0, 100.0]))
    np.testing.assert_array_equal(grads["x"], [2.0, 0.0, 200.0])


def test_backward_from_a_chosen_value_and_unreached_values():
    g = Graph()
    x, y = g.input("x", 2.0), g.input("y", 7.0)
    a = (x * 3).named("a")
    (a + y).named("b")
    g.forward()
    grads = g.backward(output="a")
    assert grads == {"x": 3.0}
    assert g.grad("y") is None and g.backward_output is a


def test_labels_get_no_gradient():
    g = Graph()
    s = g.input("s", np.array([[1.0, 2.0, 0.5]]))
    t = g.input("t", np.array([1]))
    g.softmax_with_loss(s, t, name="loss")
    g.forward()
    g.backward()
    assert g.grad("t") is None
    assert g.grad("s").shape == (1, 3)


def test_inputs_given_later_and_names_resolved_at_forward():
    g = Graph()
    g.mul("a", "b", name="f")  # written before its inputs exist
    g.input("a")
    g.input("b", 4.0)
    with pytest.raises(GraphStateError, match=r"\['a'\] have no value"):
        g.forward()
    g.set("a", 2.5)
    assert g.forward() == 10.0


def test_input_values_as_stored():
    g = Graph()
    x32 = np.ones(3, dtype=np.float32)
    assert g.input("i", 2).value == 2.0 and isinstance(g.value("i"), float)
    assert g.input("a", x32).value is x32  # arrays are not copied
    assert g.input("l", [0.5, 1.5]).value.dtype == np.float32
    assert g.input("t", [0, 2]).value.dtype.kind == "i"


def test_introspection():
    g = simple_graph()
    assert [v.name for v in g.inputs] == ["x", "y", "z"]
    assert [n.name for n in g.nodes] == ["add_1", "f"]
    assert [(e.source.name, e.node.name, e.slot) for e in g.edges()] == [
        ("x", "add_1", 0), ("y", "add_1", 1), ("add_1", "f", 0), ("z", "f", 1)]
    assert [v.name for v in g.sinks()] == ["f"] and g.output is g["f"]
    assert not g.has_values
    g.forward()
    assert g.has_values and not g.has_gradients
    assert g.values() == {"x": -2.0, "y": 5.0, "z": -4.0, "add_1": 3.0, "f": -12.0}
    g.backward()
    assert g.grads() == {"x": -4.0, "y": -4.0, "z": 3.0, "add_1": -4.0, "f": 1.0}
    assert repr(g) == "Graph(3 inputs, 2 nodes)"


def test_number_formatting():
    assert format_number(110.00000000000001) == "110"
    assert format_number(2.2000000000000006) == "2.2"
    assert format_number(-0.19661193324148185) == "-0.197"
    assert format_number(-0.0) == "0"
    assert format_number(math.pi, 6) == "3.14159"
    assert format_value(np.array([1.0, 2.5])) == "[1, 2.5]"
    assert format_value(np.zeros((64, 2))) == "(64, 2) μ=0 σ=0"
    assert format_value(np.array([[1.0, 3.0], [1.0, 3.0]])) == "(2, 2) μ=2 σ=1"
    assert format_value(np.array([3, 0, 7, 1])) == "(4,) int 0..7"
    assert format_value(np.array([True, False, True, True])) == "(4,) 3 true"
    assert format_grad(np.array([[3.0, 0.0], [0.0, 4.0]])) == "norm=5"
    assert format_grad(np.array([3.0, -4.0])) == "[3, -4]" and format_grad(-0.5) == "-0.5"
    assert format_value(np.float32(0.1)) == "0.1"


def test_number_formatting_at_its_limits():
    """Up to MAX_DIGITS (10) significant digits a number that has them is written in full, beyond that to
    ``digits``; up to ``max_items`` (3) values are written out; integers are summed up by their whole range."""
    for text in ("99.99", "0.1234", "1234567.891", "-98765.43211"):  # 4 to 10 significant digits
        assert format_number(float(text)) == text
    eleven = float("12345678.912")
    assert format_number(eleven) == f"{eleven:.3g}"
    assert format_value(np.array([0.5, 1.0, 2.0])) == "[0.5, 1, 2]"
    assert format_grad(np.array([0.5, -1.0, 2.0])) == "[0.5, -1, 2]"
    summary = f"(3,) μ={7 / 6:.3g} σ={math.sqrt(7 / 18):.3g}"   # deviations -2/3, -1/6, 5/6 from the mean
    assert format_value(np.array([0.5, 1.0, 2.0]), max_items=2) == summary
    assert format_value(np.arange(5, 15)) == "(10,) int 5..14"
    assert format_value(np.array([4, -3, 9, 2])) == "(4,) int -3..9"


def test_formatting_of_empty_huge_and_non_finite_arrays():
    assert format_value(np.zeros((0, 5))) == format_grad(np.zeros((0, 5))) == "(0, 5)"
    with np.errstate(over="raise"):  # the norm of 1e300s is taken without squaring them
        assert format_grad(np.full((5, 5), 1e300)) == "norm=5e+300"
    assert format_grad(np.full((4, 4), -np.inf)) == "norm=inf"
    assert format_grad(np.array([[np.nan, 1.0], [2.0, 3.0]])) == "norm=nan"
    assert format_grad(np.zeros((4, 4))) == "norm=0"


def test_operation_table_symbols_and_aliases():
    g = Graph()
    x, y = g.input("x", 2.0), g.input("y", 3.0)
    assert [v.node.op.symbol for v in (x - 1, x + 2, 3 * x, x / 4, -x)] == ["-1", "+2", "×3", "×0.25", "×-1"]
    by_symbol = [g.op(s, x, y) for s in ("+", "*", "×", "max")] + [g.op(s, x) for s in ("/", "σ", "exp", "log")]
    assert [v.node.op.name for v in by_symbol] == ["add", "mul", "mul", "max", "reciprocal", "sigmoid", "exp", "log"]
    g.output = by_symbol[0]
    g.forward()
    expected = [5.0, 6.0, 6.0, 3.0, 0.5, 1 / (1 + math.exp(-2.0)), math.exp(2.0), math.log(2.0)]
    assert [g.value(v) for v in by_symbol] == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("constant", [np.uint8(3), np.uint64(3), np.int64(3), np.array([3, 3], np.uint8)])
def test_subtracting_an_unsigned_or_integer_numpy_constant_does_not_wrap_round(constant):
    g = Graph()
    x = g.input("x", np.array([10.0, 20.0]))
    y = x - constant
    g.forward()
    np.testing.assert_array_equal(y.value, [7.0, 17.0])
    g2 = Graph()
    z = g2.input("z", 0.0) - np.int64(np.iinfo(np.int64).min)  # the most negative int64 has no negative of its own
    g2.forward()
    assert z.value == 2.0**63


def test_renaming_values_that_nodes_read_by_name_takes_effect_at_the_next_forward():
    g = Graph()
    x = g.input("x", 2.0)
    f = g.mul("q", x, name="f")  # reads whatever value is called "q"
    old = (x + 1).named("q")
    assert g.forward() == 6.0
    ten_x = (x * 10).named("b")
    g.forward()
    old.named("old")
    ten_x.named("q")
    g.forward()
    assert f.value == 40.0


def test_a_number_short_in_decimal_is_written_in_full():
    """An input typed as 99.99, or a price computed from it, was written "100" and "810" on the edges while the
    script printed 99.99 and 809.968: a value a few more digits write exactly is written so."""
    assert format_number(99.99) == "99.99"
    assert format_number(99.99 * 3 * 1.08) == "323.9676"          # 323.96760000000006 in float64
    assert format_number(0.7310585786300049) == "0.731"           # not short: three digits, as before
    assert format_number(110.00000000000001) == "110"
