"""The book's simpleNet (chapter 4.4.2) and chapter-3 sample network: the book's numbers, backprop
against numerical gradients in float64, conversion of the book's sample weights."""

from __future__ import annotations

import numpy as np
import pytest

from layers import check_gradients, gradient_check
from networks import SampleNetwork, SimpleNet, simpleNet
from networks.book_weights import convert_book_params, load_book_network

# printed in the book, section 4.4.2: W, then net.loss(x, t) and dW for x = (0.6, 0.9), t = (0, 0, 1)
BOOK_W = np.array([[0.47355232, 0.9977393, 0.84668094], [0.85557411, 0.03563661, 0.69422093]])
BOOK_SCORES = [1.05414809, 0.63071653, 1.1328074]
BOOK_LOSS = 0.92806853663411326
BOOK_DW = [[0.21924763, 0.14356247, -0.36281009], [0.32887144, 0.2153437, -0.54421514]]
X, T = np.array([0.6, 0.9]), np.array([0.0, 0.0, 1.0])


def test_simple_net_gives_the_books_numbers():
    net = SimpleNet(BOOK_W)
    np.testing.assert_allclose(net.predict(X), BOOK_SCORES, atol=1e-8)
    assert net.loss(X, T) == pytest.approx(BOOK_LOSS, abs=1e-8)  # W is printed to 8 digits
    assert net.loss(X, 2) == pytest.approx(net.loss(X, T), rel=1e-15)  # a label works like one-hot
    np.testing.assert_allclose(net.numerical_gradient(X, T)["W"], BOOK_DW, atol=1e-8)
    np.testing.assert_allclose(net.gradient(X, T)["W"], BOOK_DW, atol=1e-8)


def test_the_books_spelling_simple_net_is_the_same_class():
    net = simpleNet(BOOK_W)  # as ch04/gradient_simplenet.py writes it
    assert type(net) is SimpleNet and net.loss(X, T) == pytest.approx(BOOK_LOSS, abs=1e-8)


def test_simple_net_w_is_the_layers_array_and_numerical_gradient_sees_it():
    net = SimpleNet(seed=3)
    assert net.W is net.params["W"] and net.W.shape == (2, 3) and net.W.dtype == np.float64
    assert list(net.params) == ["W"]
    assert net.W.std() > 0.2  # the book's randn: std 1
    z = X @ net.W
    expected = np.outer(X, np.exp(z) / np.exp(z).sum() - T)  # dL/dW = x^T (softmax(x W) - t)
    np.testing.assert_allclose(net.gradient(X, T)["W"], expected, rtol=1e-12)
    (report,) = check_gradients(lambda: net.loss(X, T), net.params, net.gradient(X, T))
    assert report.ok and report.error < 1e-7, report
    # and entry by entry, each against the largest (relative_error), as every layer is checked
    assert gradient_check(lambda: net.loss(X, T), net.params, net.gradient(X, T))["W"] < 1e-7


def test_simple_net_on_a_batch_and_bad_w():
    net = SimpleNet(seed=0)
    x = np.random.default_rng(1).random((4, 2))
    t = np.array([0, 2, 1, 2])
    z = x @ net.W
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    assert net.loss(x, t) == pytest.approx(-log_p[np.arange(4), t].mean(), rel=1e-12)
    with pytest.raises(ValueError, match="SimpleNet"):
        SimpleNet(np.ones(3))


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def test_sample_network_is_the_books_chapter_3_network():
    net = SampleNetwork(seed=0)
    assert list(net.layers) == ["Affine1", "Sigmoid1", "Affine2", "Sigmoid2", "Affine3"]
    assert {k: v.shape for k, v in net.params.items()} == {
        "W1": (784, 50), "b1": (50,), "W2": (50, 100), "b2": (100,), "W3": (100, 10), "b3": (10,)}
    p = {k: np.random.default_rng(i).normal(0, 0.3, v.shape) for i, (k, v) in enumerate(net.params.items())}
    for k, v in p.items():
        net.params[k][...] = v
    x = np.random.default_rng(9).random((5, 784))
    scores = sigmoid(sigmoid(x @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]) @ p["W3"] + p["b3"]
    np.testing.assert_allclose(net.predict(x), scores, rtol=2e-5, atol=1e-5)  # float32
    probs = net.probabilities(x)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(probs.argmax(axis=1), scores.argmax(axis=1))


def test_sample_network_backprop_matches_numerical_gradients():
    net = SampleNetwork(12, (6, 5), 4, seed=1, dtype=np.float64)
    rng = np.random.default_rng(2)
    for key, value in net.params.items():
        if key.startswith("b"):
            value[...] = rng.normal(0, 0.5, value.shape)
    x, t = rng.random((7, 12)), rng.integers(0, 4, 7)
    reports = check_gradients(lambda: net.loss(x, t), net.params, net.gradient(x, t))
    assert all(r.ok and r.error < 1e-7 for r in reports), [str(r) for r in reports]
    errors = gradient_check(lambda: net.loss(x, t), net.params, net.gradient(x, t))
    assert max(errors.values()) < 1e-7, errors


def test_sample_weights_convert_unchanged():
    rng = np.random.default_rng(0)
    book = {k: rng.standard_normal(v.shape).astype(np.float32) for k, v in SampleNetwork(seed=0).params.items()}
    ours = convert_book_params(book, "sample")
    for key, value in book.items():
        np.testing.assert_array_equal(ours[key], value)
    with pytest.raises(ValueError, match=r"W2 has shape \(50, 99\)"):
        convert_book_params({**book, "W2": np.zeros((50, 99))}, "sample")


@pytest.fixture(scope="module")
def mnist_test_flat(mnist_dir):
    from datasets import load_mnist_split

    return load_mnist_split("test", mnist_dir, normalize=True, flatten=True)


def test_the_books_sample_weights_reach_its_accuracy(book_code_dir, mnist_test_flat):
    """The book (3.6.2) prints Accuracy:0.9352 for ch03/sample_weight.pkl on the 10,000 test images."""
    x, t = mnist_test_flat
    net = load_book_network(book_code_dir / "ch03" / "sample_weight.pkl", "sample")
    assert net.accuracy(x, t) * len(t) == pytest.approx(9352, abs=1e-6)


def test_every_network_skips_the_gradient_of_its_data():
    """The first layer's input is data: every network switches its dx off (docs/ARCHITECTURE.md)."""
    from networks import DeepConvNet, MultiLayerNet, SimpleConvNet, TwoLayerNet

    small = {"input_dim": (1, 28, 28)}
    for net in (SimpleNet(BOOK_W), SampleNetwork(seed=0), TwoLayerNet(4, 3, 2), TwoLayerNet(4, 3, 2, fast=True),
                MultiLayerNet(4, [3], 2), SimpleConvNet(**small), DeepConvNet(**small)):
        first = next(iter(net.layers.values()))
        assert first.needs_input_grad is False, type(net).__name__
