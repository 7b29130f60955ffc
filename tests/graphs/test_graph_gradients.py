"""Every graph gradient against centred differences (float64), and graphs against hand-composed layers."""

from __future__ import annotations

import numpy as np
import pytest

from graphs import Graph
from layers import Affine, ReLU, SoftmaxWithLoss, numerical_gradient
from layers.gradient_check import relative_error
from networks import TwoLayerNet

TOLERANCE = 1e-7


def gradient_errors(g: Graph, dout: np.ndarray | None = None) -> dict[str, float]:
    """Relative error of backward's gradient of every float64 input vs centred differences.

    The differentiated function is the output itself, or <output, dout> for an array output. Inputs are
    perturbed in place, so scalars must be given as 0-d arrays.
    """
    g.forward()
    grads = g.backward(dout=dout)
    out = g.output

    def f(_: np.ndarray) -> float:
        g.forward()
        y = g.value(out)
        return float(np.sum(y * dout)) if dout is not None else float(y)

    errors = {}
    for value in g.inputs:
        data = g.value(value)
        if isinstance(data, np.ndarray) and data.dtype == np.float64:
            assert np.shape(grads[value.name]) == data.shape, value.name
            errors[value.name] = relative_error(grads[value.name], numerical_gradient(f, data))
    assert errors, "no float64 input was checked"
    return errors


def scalar(x: float) -> np.ndarray:
    return np.array(x, dtype=np.float64)


def test_sigmoid_neuron_chain():
    g = Graph()
    w0, x0, w1, x1, w2 = (g.input(n, scalar(v)) for n, v in
                          [("w0", 2.0), ("x0", -1.0), ("w1", -3.0), ("x1", -2.0), ("w2", -3.0)])
    z = w0 * x0 + w1 * x1 + w2
    (1 / (g.exp(-z) + 1)).named("f")
    errors = gradient_errors(g)
    assert max(errors.values()) < TOLERANCE, errors


def test_logistic_regression_on_arrays_with_broadcast_weights():
    rng = np.random.default_rng(3)
    m = 7
    g = Graph()
    x1, x2 = g.input("x1", rng.standard_normal(m)), g.input("x2", rng.standard_normal(m))
    y = g.input("y", (rng.random(m) < 0.5).astype(np.float64))
    w1, w2, b = g.input("w1", scalar(0.3)), g.input("w2", scalar(-0.8)), g.input("b", scalar(0.1))
    a = g.sigmoid(w1 * x1 + w2 * x2 + b)
    g.mean(-(y * g.log(a) + (1 - y) * g.log(1 - a)), name="J")
    errors = gradient_errors(g)
    assert max(errors.values()) < TOLERANCE, errors
    g.forward()
    g.backward()
    assert np.shape(g.grad("w1")) == ()  # summed back over the m examples


def test_max_division_subtraction_with_broadcasting_and_array_output():
    rng = np.random.default_rng(5)
    g = Graph()
    x = g.input("x", rng.uniform(0.5, 2.0, (3, 4)))
    y = g.input("y", rng.uniform(0.5, 2.0, 4))
    f = g.max(x / y, x - y) * g.exp(-x) + 2 * y
    f.named("f")
    errors = gradient_errors(g, dout=rng.standard_normal((3, 4)))
    assert max(errors.values()) < TOLERANCE, errors


def test_log_sum_and_fan_out():
    rng = np.random.default_rng(9)
    g = Graph()
    x, y = g.input("x", rng.standard_normal((2, 3))), g.input("y", rng.standard_normal((2, 3)))
    g.sum(g.log(x * x + 1) + x * y + g.relu(y) * x, name="f")
    errors = gradient_errors(g)
    assert max(errors.values()) < TOLERANCE, errors


def two_layer_graph(rng: np.random.Generator, n: int = 5, d: int = 4, h: int = 6, c: int = 3) -> Graph:
    g = Graph()
    X = g.input("X", rng.standard_normal((n, d)))
    W1, b1 = g.input("W1", rng.standard_normal((d, h))), g.input("b1", rng.standard_normal(h))
    W2, b2 = g.input("W2", rng.standard_normal((h, c))), g.input("b2", rng.standard_normal(c))
    t = g.input("t", rng.integers(0, c, n))
    hidden = g.relu(g.affine(X, W1, b1), name="h")
    g.softmax_with_loss(g.affine(hidden, W2, b2, name="scores"), t, name="loss")
    return g


def test_affine_relu_softmax_with_loss_nodes():
    errors = gradient_errors(two_layer_graph(np.random.default_rng(11)))
    assert set(errors) == {"X", "W1", "b1", "W2", "b2"}
    assert max(errors.values()) < TOLERANCE, errors


def test_graph_equals_the_same_layers_composed_by_hand():
    g = two_layer_graph(np.random.default_rng(13))
    loss = g.forward()
    g.backward()
    v = g.values()
    affine1, relu, affine2, last = Affine(v["W1"], v["b1"]), ReLU(), Affine(v["W2"], v["b2"]), SoftmaxWithLoss()
    hand_loss = last.forward(affine2.forward(relu.forward(affine1.forward(v["X"]))), v["t"])
    dx = affine1.backward(relu.backward(affine2.backward(last.backward(1.0))))
    assert loss == hand_loss
    for name, expected in [("X", dx), ("W1", affine1.dW), ("b1", affine1.db), ("W2", affine2.dW), ("b2", affine2.db)]:
        np.testing.assert_allclose(g.grad(name), expected, rtol=1e-13, atol=0, err_msg=name)


def test_graph_equals_two_layer_net():
    rng = np.random.default_rng(17)
    g = two_layer_graph(rng, n=4, d=3, h=5, c=2)
    loss = g.forward()
    g.backward()
    net = TwoLayerNet(3, 5, 2, seed=0, dtype=np.float64)
    for key in ("W1", "b1", "W2", "b2"):
        net.params[key][...] = g.value(key)
    net_loss, net_grads = net.loss_and_gradient(g.value("X"), g.value("t"))
    assert loss == pytest.approx(net_loss, rel=1e-13)
    for key, grad in net_grads.items():
        np.testing.assert_allclose(g.grad(key), grad, rtol=1e-12, err_msg=key)


def test_against_torch_autograd():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(21)
    x = rng.standard_normal((4, 3))
    w = rng.standard_normal(3)
    g = Graph()
    xv, wv = g.input("x", x), g.input("w", w)
    g.sum(g.exp(-g.max(xv * wv, xv)) / (xv * xv + 1), name="f")
    g.forward()
    g.backward()
    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(w, requires_grad=True)
    ft = (torch.exp(-torch.maximum(xt * wt, xt)) / (xt * xt + 1)).sum()
    ft.backward()
    assert g.value("f") == pytest.approx(ft.item(), rel=1e-13)
    np.testing.assert_allclose(g.grad("x"), xt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(g.grad("w"), wt.grad.numpy(), rtol=1e-12)
