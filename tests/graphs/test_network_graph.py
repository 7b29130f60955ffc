"""Networks drawn as graphs: the recorded values and gradients are the network's own, checked against
the chapter-5 formulas written out here and against ``network.gradient``."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

from graphs import draw_graph, draw_network, labels_by_id, network_graph, record_pass
from layers import Layer, SoftmaxWithLoss
from networks import MultiLayerNet, SimpleConvNet, TwoLayerNet

MINUS = "\u2212"


def _batch(n: int = 6, d: int = 5, classes: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.integers(0, classes, n)


def _two_layer(seed: int = 0) -> TwoLayerNet:
    return TwoLayerNet(5, 4, 3, weight_init_std=0.5, seed=seed, dtype=np.float64)


def test_two_layer_net_nodes_inputs_and_values_match_the_book_formulas():
    x, t = _batch()
    net = _two_layer()
    W1, b1, W2, b2 = (net.params[k].copy() for k in ("W1", "b1", "W2", "b2"))
    g = network_graph(net, x, t)
    assert [n.name for n in g.nodes] == ["Affine1", "Relu1", "Affine2", "loss"]
    assert [v.name for v in g.inputs] == ["x", "W1", "b1", "W2", "b2", "t"]
    a1 = x @ W1 + b1
    h = np.maximum(a1, 0)
    scores = h @ W2 + b2
    y = np.exp(scores - scores.max(axis=1, keepdims=True))
    y /= y.sum(axis=1, keepdims=True)
    n = len(t)
    np.testing.assert_allclose(g.value("Affine1"), a1, rtol=1e-12)
    np.testing.assert_allclose(g.value("Relu1"), h, rtol=1e-12)
    np.testing.assert_allclose(g.value("Affine2"), scores, rtol=1e-12)
    assert g.value("loss") == pytest.approx(-np.mean(np.log(y[np.arange(n), t])), rel=1e-12)
    # backward: dscores = (y - onehot) / N, dW2 = h^T dscores, dh = dscores W2^T, da1 = dh * (a1 > 0)
    dscores = y.copy()
    dscores[np.arange(n), t] -= 1
    dscores /= n
    dh = dscores @ W2.T
    da1 = dh * (a1 > 0)
    np.testing.assert_allclose(g.grad("Affine2"), dscores, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(g.grad("Relu1"), dh, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(g.grad("Affine1"), da1, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(g.grad("W2"), h.T @ dscores, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(g.grad("b2"), dscores.sum(axis=0), rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(g.grad("W1"), x.T @ da1, rtol=1e-10, atol=1e-15)
    assert g.grad("x") is None  # Affine1 skips the gradient of its data input
    assert g.grad("t") is None


def test_parameter_gradients_are_the_networks_own_and_its_layers_are_left_as_they_were():
    x, t = _batch(seed=1)
    net = _two_layer(seed=1)
    g = network_graph(net, x, t)
    expected = _two_layer(seed=1).gradient(x, t)
    for key, grad in expected.items():
        np.testing.assert_array_equal(g.grad(key), grad)
    for layer in [*net.layers.values(), net.last_layer]:
        assert "forward" not in vars(layer) and "backward" not in vars(layer)
    assert net.loss(x, t) == pytest.approx(g.value("loss"), rel=1e-14)


class _RefillingDouble(Layer):
    """y = 2x written into the same buffer on every call (a layer that reuses its memory regardless)."""

    def __init__(self) -> None:
        super().__init__()
        self.buffer = None

    def forward(self, x):
        if self.buffer is None:
            self.buffer = np.empty_like(x)
        np.multiply(x, 2.0, out=self.buffer)
        return self.buffer

    def backward(self, dout):
        return 2.0 * dout


class _TinyNet:
    """The network interface network_graph reads: layers, last_layer, params, loss_and_gradient."""

    def __init__(self) -> None:
        self.layers = OrderedDict(Double=_RefillingDouble())
        self.last_layer = SoftmaxWithLoss()
        self.params = {}

    def loss_and_gradient(self, x, t):
        loss = self.last_layer.forward(self.layers["Double"].forward(x), t)
        self.layers["Double"].backward(self.last_layer.backward(1.0))
        return loss, {}


def test_records_are_copies_the_next_pass_cannot_change():
    x, t = _batch(n=4, d=3, seed=2)
    net = _TinyNet()
    g = network_graph(net, x, t)
    np.testing.assert_array_equal(g.value("Double"), 2 * x)
    net.loss_and_gradient(x + 1.0, t)  # refills the layer's buffer
    np.testing.assert_array_equal(g.value("Double"), 2 * x)
    assert [n.name for n in g.nodes] == ["Double", "loss"] and g.grad("x") is not None


def test_a_network_that_bypasses_its_layers_wrappers_is_replayed_layer_by_layer():
    class TwicePerStep(TwoLayerNet):
        def loss_and_gradient(self, x, t):  # runs every layer twice: the record cannot tell which pass
            super().loss_and_gradient(x, t)
            return super().loss_and_gradient(x, t)

    x, t = _batch(seed=3)
    net = TwicePerStep(5, 4, 3, weight_init_std=0.5, seed=3, dtype=np.float64)
    loss, records = record_pass(net, x, t)
    assert [r.forward_calls for r in records] == [1, 1, 1, 1]
    g = network_graph(net, x, t)
    for key, grad in _two_layer(seed=3).gradient(x, t).items():
        np.testing.assert_allclose(g.grad(key), grad, rtol=1e-14)
    assert loss == pytest.approx(g.value("loss"), rel=1e-14)


def test_small_simple_convnet():
    rng = np.random.default_rng(4)
    conv = {"filter_num": 3, "filter_size": 3, "pad": 1, "stride": 1}
    make = lambda: SimpleConvNet((1, 6, 6), conv, hidden_size=5, output_size=4, weight_init_std=0.3,  # noqa: E731
                                 seed=4, dtype=np.float64)
    x, t = rng.standard_normal((2, 1, 6, 6)), rng.integers(0, 4, 2)
    net = make()
    g = network_graph(net, x, t)
    assert [n.name for n in g.nodes] == [*net.layers, "loss"]
    assert {"W1", "b1", "W2", "b2", "W3", "b3"} <= {v.name for v in g.inputs}
    for key, grad in make().gradient(x, t).items():
        np.testing.assert_allclose(g.grad(key), grad, rtol=1e-12, atol=1e-15)
    assert np.shape(g.value("Conv1")) == (2, 3, 6, 6)
    labels = labels_by_id(draw_graph(g))
    assert labels["value:Conv1->Relu1:0"].startswith("(2, 3, 6, 6) μ=")
    expected_norm = np.sqrt(np.sum(g.grad("W1") ** 2))
    assert labels["grad:W1->Conv1:1"] == f"norm={expected_norm:.3g}".replace("-", MINUS)
    assert labels["node:Conv1"] == "Conv1" and labels["node:loss"] == "Softmax\nwith\nLoss"


def test_batchnorm_parameters_get_the_networks_names():
    x, t = _batch(n=8, seed=5)
    net = MultiLayerNet(5, [4], 3, use_batchnorm=True, seed=5, dtype=np.float64)
    g = network_graph(net, x, t)
    assert {"gamma1", "beta1"} <= {v.name for v in g.inputs}
    np.testing.assert_allclose(g.grad("gamma1"), net.gradient(x, t)["gamma1"], rtol=1e-10)


def test_drawing_writes_shapes_summaries_and_gradient_norms():
    x, t = _batch(n=7)
    net = _two_layer()
    fig = draw_network(net, x, t, title="TwoLayerNet")
    labels = labels_by_id(fig)
    g = network_graph(_two_layer(), x, t)
    h = g.value("Relu1")
    assert labels["value:Relu1->Affine2:0"] == f"(7, 4) μ={h.mean():.3g} σ={h.std():.3g}".replace("-", MINUS)
    assert labels["grad:Relu1->Affine2:0"] == f"norm={np.linalg.norm(g.grad('Relu1')):.3g}"
    assert labels["grad:loss->out"] == "1" and labels["output:loss"] == "loss"
    assert "grad:x->Affine1:0" not in labels  # no gradient flows to the data


def test_not_a_network_is_a_clear_type_error():
    with pytest.raises(TypeError, match="network_graph: expected a network with .layers"):
        network_graph(object(), np.zeros((1, 2)), np.zeros(1, dtype=int))


def test_long_layer_names_are_written_on_lines_and_keep_a_readable_symbol():
    """MultiLayerNet's book names (Activation_function1) once shrank to 4-5 pt inside their nodes."""
    from graphs.draw import SYMBOL_MIN_FONTSIZE, _symbol_fit
    from graphs.network import node_symbol

    assert node_symbol("Affine1") == "Affine1" and node_symbol("BatchNorm1") == "BatchNorm1"
    assert node_symbol("Activation_function1") == "Activation\n_function1"
    assert node_symbol("MyVeryLongLayerNameXYZ") == "MyVeryLong\nLayerName\nXYZ"
    for name in ("conv_1_relu_x", "Affine_1_2_3_4_5", "_" * 12, "a" * 25):  # nothing lost, only lines added
        assert node_symbol(name).replace("\n", "") == name
    net = MultiLayerNet(20, [8, 8], 3, use_batchnorm=True, use_dropout=True, seed=0)
    rng = np.random.default_rng(0)
    g = network_graph(net, rng.random((5, 20)), rng.integers(0, 3, 5))
    assert all(_symbol_fit(node.op.symbol)[1] >= SYMBOL_MIN_FONTSIZE for node in g.nodes)
    assert g["Activation_function1"].node.op.symbol == "Activation\n_function1"  # the name itself is kept
