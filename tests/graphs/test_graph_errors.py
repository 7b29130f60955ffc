"""Misuse of a graph gives a clear error naming the value or node involved."""

from __future__ import annotations

import numpy as np
import pytest

from graphs import Graph, GraphError, GraphStateError
from layers import LayerStateError, MulLayer


def test_a_cycle_is_reported_with_its_path():
    g = Graph()
    g.input("x", 1.0)
    g.add("x", "b", name="a")
    g.mul("a", "x", name="b")
    with pytest.raises(GraphError, match="cycle: (a -> b -> a|b -> a -> b)"):
        g.forward()


def test_a_node_reading_itself_is_a_cycle():
    g = Graph()
    g.input("x", 1.0)
    g.add("x", "a", name="a")
    with pytest.raises(GraphError, match="cycle: a -> a"):
        g.forward()


def test_an_unknown_name_is_reported():
    g = Graph()
    g.input("x", 1.0)
    g.mul("x", "w", name="f")
    with pytest.raises(GraphError, match="node 'f' reads 'w'"):
        g.forward()


@pytest.mark.parametrize("name", [None, "", 3.0])
def test_inputs_must_be_named(name):
    with pytest.raises(GraphError, match="every input needs a name"):
        Graph().input(name, 1.0)


def test_a_refused_input_value_leaves_no_trace_of_its_name():
    g = Graph()
    with pytest.raises((TypeError, GraphError)):
        g.input("x", "abc")
    x = g.input("x", 2.0)  # the name is free again
    g.mul(x, x, name="f")
    g.forward()
    assert g.values()["f"] == 4.0


def test_duplicate_names():
    g = Graph()
    x = g.input("x", 1.0)
    with pytest.raises(GraphError, match="duplicate name 'x': the graph already has an input"):
        g.input("x", 2.0)
    g.mul(x, x, name="f")
    with pytest.raises(GraphError, match="duplicate name 'f': the graph already has a node"):
        g.add(x, x, name="f")
    with pytest.raises(GraphError, match="duplicate name 'x'"):
        (x + 1).named("x")


def test_backward_before_forward():
    g = Graph()
    x = g.input("x", 1.0)
    g.exp(x)
    with pytest.raises(GraphStateError, match="backward\\(\\) called before forward\\(\\)") as info:
        g.backward()
    assert isinstance(info.value, LayerStateError)  # the same family as a layer used out of order
    with pytest.raises(GraphStateError, match="gradient of 'x' is not available"):
        g.grad("x")
    with pytest.raises(GraphStateError, match="value of 'exp_1' is not available"):
        g.value("exp_1")


def test_adding_a_node_makes_results_stale():
    g = Graph()
    x = g.input("x", 1.0)
    g.exp(x)
    g.forward()
    g.negate(x)
    with pytest.raises(GraphStateError, match="the graph changed"):
        g.value("exp_1")


def test_non_scalar_output_needs_an_upstream_gradient():
    g = Graph()
    x = g.input("x", np.ones((2, 3)))
    g.exp(x, name="f")
    g.forward()
    with pytest.raises(GraphError, match=r"output 'f' has shape \(2, 3\), not a scalar"):
        g.backward()
    with pytest.raises(GraphError, match=r"dout has shape \(3,\) but output 'f' has shape \(2, 3\)"):
        g.backward(dout=np.ones(3))


def test_values_from_another_graph_are_refused():
    g, h = Graph(), Graph()
    x, y = g.input("x", 1.0), h.input("y", 2.0)
    with pytest.raises(GraphError, match="value 'y' from another graph"):
        x + y
    with pytest.raises(GraphError, match="value 'y' from another graph"):
        g.mul(x, y)
    with pytest.raises(GraphError, match="'y' belongs to another graph"):
        g.value(y)
    with pytest.raises(GraphError, match="'x' belongs to another graph"):
        h.set(x, 3.0)


def test_several_outputs_need_a_choice():
    g = Graph()
    x = g.input("x", 1.0)
    g.exp(x, name="a")
    g.negate(x, name="b")
    assert g.forward() is None
    with pytest.raises(GraphError, match=r"2 outputs \['a', 'b'\]: choose one"):
        g.backward()
    assert g.backward(output="b") == {"x": -1.0}
    g.output = "a"
    g.forward()
    assert g.backward() == {"x": pytest.approx(np.e)}


def test_nothing_to_differentiate():
    g = Graph()
    g.input("x", 1.0)
    g.forward()
    with pytest.raises(GraphError, match="no nodes"):
        g.backward()


def test_only_inputs_can_be_set_and_unknown_names():
    g = Graph()
    x = g.input("x", 1.0)
    g.exp(x, name="e")
    with pytest.raises(GraphError, match="cannot set 'e'"):
        g.set("e", 2.0)
    with pytest.raises(GraphError, match="no value named 'nope'"):
        g.value("nope")
    with pytest.raises(GraphError, match="the output must be a node"):
        g.output = "x"


def test_bad_input_values_and_operands():
    g = Graph()
    with pytest.raises(TypeError, match="input 's': expected a number or an array, got str"):
        g.input("s", "three")
    with pytest.raises(TypeError, match="input 'c': expected a real numeric array"):
        g.input("c", np.array([1j]))
    x = g.input("x", 1.0)
    with pytest.raises(TypeError, match="unsupported operand for '\\+'"):
        x + "1"
    with pytest.raises(TypeError, match="inputs must be graph values or their names"):
        g.mul(x, 2.0)


def test_a_layer_backs_only_one_node():
    g = Graph()
    x = g.input("x", 1.0)
    layer = MulLayer()
    g.apply(layer, x, x)
    with pytest.raises(GraphError, match="already backs a node"):
        g.apply(layer, x, x)


def test_a_node_refused_for_its_name_leaves_its_layer_free():
    g = Graph()
    x = g.input("x", 1.0)
    layer = MulLayer()
    with pytest.raises(GraphError, match="duplicate name 'x'"):
        g.apply(layer, x, x, name="x")
    product = g.apply(layer, x, x, name="product")  # the refused node did not claim the layer
    g.forward()
    assert g.value(product) == 1.0


def test_refused_nodes_never_make_a_new_layer_look_taken():
    """Layers are told apart by id(); ids of freed objects come back, so a refused node's layer must not linger."""
    g = Graph()
    x = g.input("x", 1.0)
    for _ in range(200):
        with pytest.raises(GraphError, match="duplicate name 'x'"):
            g.mul(x, x, name="x")
        g.mul(x, x)  # a fresh layer, often at the address the refused one had


def test_unknown_operation_and_wrong_arity():
    g = Graph()
    x = g.input("x", 1.0)
    with pytest.raises(ValueError, match="unknown operation 'conv'"):
        g.op("conv", x)
    with pytest.raises(ValueError, match="a pow node takes 1 constant"):
        g.op("pow", x)
    with pytest.raises(GraphError, match="a mul node takes 2 input"):
        g.op("*", x)


def test_a_layer_error_names_the_node():
    g = Graph()
    x = g.input("x", -1.0)
    g.log(x, name="lx")
    with pytest.raises(ValueError, match="Log: expected positive") as info:
        g.forward()
    assert any("graph node 'lx'" in note for note in info.value.__notes__)
