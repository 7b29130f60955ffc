"""TwoLayerNet: the book's API, backprop against numerical gradients, saving and loading."""

from __future__ import annotations

import os
from collections import OrderedDict

import numpy as np
import pytest

import networks.base
from layers import Affine, ReLU, SoftmaxWithLoss, gradient_check, numerical_gradient
from networks import TwoLayerNet
from optimizers import SGD


def make_batch(n: int, d: int, c: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.integers(0, c, n)


def test_book_structure_and_names():
    net = TwoLayerNet(784, 50, 10, seed=0)
    assert list(net.params) == ["W1", "b1", "W2", "b2"]
    assert isinstance(net.layers, OrderedDict)
    assert list(net.layers) == ["Affine1", "Relu1", "Affine2"]
    assert isinstance(net.layers["Affine1"], Affine) and isinstance(net.layers["Relu1"], ReLU)
    assert isinstance(net.last_layer, SoftmaxWithLoss)
    assert net.lastLayer is net.last_layer  # chapter 5's name for it
    net.lastLayer = SoftmaxWithLoss()
    assert net.lastLayer is net.last_layer
    assert net.params["W1"].shape == (784, 50) and net.params["b2"].shape == (10,)
    assert all(p.dtype == np.float32 for p in net.params.values())
    # parameters are shared with the layers, so in-place updates reach them
    assert net.params["W1"] is net.layers["Affine1"].W
    assert net.params["b2"] is net.layers["Affine2"].b
    assert net.params["W1"].std() == pytest.approx(0.01, rel=0.05)
    assert not net.params["b1"].any()


def test_seed_makes_initialisation_reproducible():
    a, b, c = TwoLayerNet(20, 5, 3, seed=7), TwoLayerNet(20, 5, 3, seed=7), TwoLayerNet(20, 5, 3, seed=8)
    assert np.array_equal(a.params["W1"], b.params["W1"])
    assert not np.array_equal(a.params["W1"], c.params["W1"])
    rng = np.random.default_rng(7)
    np.testing.assert_array_equal(TwoLayerNet(20, 5, 3, rng=rng).params["W1"], a.params["W1"])


@pytest.mark.parametrize(("d", "h", "c", "n"), [(4, 3, 2, 2), (12, 6, 4, 5), (30, 10, 10, 8)])
@pytest.mark.parametrize("one_hot", [False, True])
@pytest.mark.parametrize(("fast", "activation"),
                         [(False, "relu"), (True, "relu"), (False, "sigmoid"), (True, "sigmoid")],
                         ids=["book", "engine", "chapter-4 sigmoid", "chapter-4 sigmoid, engine"])
def test_backprop_matches_numerical_gradient(d, h, c, n, one_hot, fast, activation):
    # Xavier scale keeps the scores O(1): a saturated softmax would make every gradient ~0 and the check vacuous
    net = TwoLayerNet(d, h, c, weight_init_std="xavier", seed=d, dtype=np.float64, fast=fast, activation=activation)
    for p in ("b1", "b2"):
        net.params[p][...] = 0.1 * np.random.default_rng(1).standard_normal(net.params[p].shape)
    x, labels = make_batch(n, d, c, seed=h)
    t = np.eye(c)[labels] if one_hot else labels
    grads = net.gradient(x, t)
    errors = gradient_check(lambda: net.loss(x, t), net.params, grads)
    assert max(errors.values()) < 1e-7, errors
    # the book's numerical_gradient method agrees too
    numeric = net.numerical_gradient(x, t)
    for key in net.params:
        np.testing.assert_allclose(grads[key], numeric[key], rtol=1e-5, atol=1e-9)


def test_gradient_check_would_catch_a_wrong_layer():
    net = TwoLayerNet(6, 4, 3, weight_init_std=1.0, seed=0, dtype=np.float64)
    x, t = make_batch(4, 6, 3)
    grads = net.gradient(x, t)
    grads["W1"] = grads["W1"] * 1.01
    assert gradient_check(lambda: net.loss(x, t), net.params, grads)["W1"] > 1e-4


def test_loss_and_prediction_match_composing_by_hand():
    net = TwoLayerNet(8, 5, 3, weight_init_std=0.5, seed=3, dtype=np.float64)
    x, t = make_batch(6, 8, 3)
    p = net.params
    scores = np.maximum(x @ p["W1"] + p["b1"], 0) @ p["W2"] + p["b2"]
    np.testing.assert_allclose(net.predict(x), scores, rtol=1e-13)
    log_probs = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
    assert net.loss(x, t) == pytest.approx(-log_probs[np.arange(6), t].mean(), rel=1e-12)


@pytest.mark.parametrize("n", [1, 7, 999, 1001, 2500])
def test_accuracy_is_exact_for_any_sample_count(n):
    net = TwoLayerNet(5, 4, 3, weight_init_std=1.0, seed=1)
    x, _ = make_batch(n, 5, 3, seed=n)
    predicted = net.predict(x).argmax(axis=1)
    t = predicted.copy()
    t[: n // 3] = (t[: n // 3] + 1) % 3  # exactly n // 3 wrong
    expected = (n - n // 3) / n
    assert net.accuracy(x, t) == expected
    assert net.accuracy(x, np.eye(3)[t], batch_size=100) == expected


def test_sgd_training_lowers_the_loss():
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((3, 10)) * 3
    t = rng.integers(0, 3, 300)
    x = (centres[t] + rng.standard_normal((300, 10))).astype(np.float32)
    net, opt = TwoLayerNet(10, 16, 3, seed=0), SGD(lr=0.1)
    first = net.loss(x, t)
    for _ in range(200):
        opt.update(net.params, net.gradient(x, t))
    assert net.loss(x, t) < first / 5
    assert net.accuracy(x, t) > 0.95


def test_sgd_update_is_in_place_and_follows_the_rule():
    W = np.array([1.0, -2.0], dtype=np.float32)
    SGD(lr=0.5).update({"W": W}, {"W": np.array([0.2, 0.4], dtype=np.float32)})
    np.testing.assert_allclose(W, [0.9, -2.2])
    assert W.dtype == np.float32
    with pytest.raises(KeyError, match="no gradient for parameter"):
        SGD(0.1).update({"W": W}, {})
    with pytest.raises(ValueError, match="learning rate must be positive"):
        SGD(lr=0)


# -- saving and loading ------------------------------------------------------------------------------
def test_save_and_load_round_trip(tmp_path):
    net = TwoLayerNet(12, 6, 4, seed=0)
    path = net.save_params(tmp_path / "net.npz")
    other = TwoLayerNet(12, 6, 4, seed=1)
    W1 = other.params["W1"]
    other.load_params(path)
    for key in net.params:
        np.testing.assert_array_equal(other.params[key], net.params[key])
    assert other.params["W1"] is W1 and other.layers["Affine1"].W is W1  # loaded in place
    with np.load(path, allow_pickle=False) as archive:
        assert sorted(archive.files) == ["W1", "W2", "b1", "b2"]
    assert os.listdir(tmp_path) == ["net.npz"]


def test_load_rejects_mismatched_files_without_changing_the_network(tmp_path):
    net = TwoLayerNet(12, 6, 4, seed=0)
    before = {k: v.copy() for k, v in net.params.items()}
    np.savez(tmp_path / "shape.npz", W1=np.zeros((12, 7)), b1=np.zeros(6), W2=np.zeros((6, 4)), b2=np.zeros(4))
    with pytest.raises(ValueError, match=r"key 'W1' has shape \(12, 7\), expected \(12, 6\)"):
        net.load_params(tmp_path / "shape.npz")
    np.savez(tmp_path / "keys.npz", W1=np.zeros((12, 6)), b1=np.zeros(6), W3=np.zeros((6, 4)), b2=np.zeros(4))
    with pytest.raises(ValueError, match=r"this network: missing keys \['W2'\]; unexpected keys \['W3'\]$"):
        net.load_params(tmp_path / "keys.npz")
    np.savez(tmp_path / "missing.npz", W1=np.zeros((12, 6)), b1=np.zeros(6), b2=np.zeros(4))
    with pytest.raises(ValueError, match=r"this network: missing keys \['W2'\]$"):
        net.load_params(tmp_path / "missing.npz")
    np.savez(tmp_path / "extra.npz", **before, W3=np.zeros((6, 4)))
    with pytest.raises(ValueError, match=r"this network: unexpected keys \['W3'\]$"):
        net.load_params(tmp_path / "extra.npz")
    (tmp_path / "corrupt.npz").write_bytes(b"PK\x03\x04 this is not a zip archive")
    with pytest.raises(ValueError, match="corrupt.npz' is not a readable .npz file"):
        net.load_params(tmp_path / "corrupt.npz")
    for key, value in before.items():
        np.testing.assert_array_equal(net.params[key], value)


def test_a_failed_save_never_replaces_a_good_file(tmp_path, monkeypatch):
    net = TwoLayerNet(12, 6, 4, seed=0)
    path = net.save_params(tmp_path / "net.npz")
    good = path.read_bytes()

    def broken_write(file, arrays):
        file.write(b"half written")
        raise OSError("disk full")

    monkeypatch.setattr(networks.base, "write_npz", broken_write)
    with pytest.raises(OSError, match="disk full"):
        TwoLayerNet(12, 6, 4, seed=1).save_params(path)
    assert path.read_bytes() == good
    assert os.listdir(tmp_path) == ["net.npz"]


@pytest.mark.parametrize(("n", "batch_size"), [(1, None), (2503, None), (7, 3), (10, 4)])
def test_predict_labels_is_the_argmax_of_the_scores_in_any_batching(n, batch_size):
    net = TwoLayerNet(5, 4, 3, weight_init_std=1.0, seed=2, dtype=np.float64)
    x, _ = make_batch(n, 5, 3, seed=n)
    p = net.params
    by_hand = (np.maximum(x @ p["W1"] + p["b1"], 0) @ p["W2"] + p["b2"]).argmax(axis=1)
    if n > 1000:
        assert set(by_hand) == {0, 1, 2}  # the labels vary, so a batch scored out of place would show
    np.testing.assert_array_equal(net.predict(x).argmax(axis=1), by_hand)
    labels = net.predict_labels(x) if batch_size is None else net.predict_labels(x, batch_size=batch_size)
    assert labels.shape == (n,) and labels.dtype.kind == "i"
    np.testing.assert_array_equal(labels, by_hand)


def test_predict_labels_batches_like_accuracy(monkeypatch):
    net = TwoLayerNet(5, 4, 3, seed=0)
    x, t = make_batch(2503, 5, 3)
    sizes = []
    predict = net.predict
    monkeypatch.setattr(net, "predict", lambda xb, train_flg=False: sizes.append((len(xb), train_flg)) or predict(xb))
    net.predict_labels(x)
    assert sizes == [(1000, False), (1000, False), (503, False)]
    sizes.clear()
    net.accuracy(x, t, batch_size=700)
    assert sizes == [(700, False)] * 3 + [(403, False)]
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1, got 0"):
        net.predict_labels(x, batch_size=0)


def test_first_affine_skips_the_data_gradient_unless_asked():
    net = TwoLayerNet(6, 4, 3, weight_init_std="xavier", seed=0, dtype=np.float64)
    x, t = make_batch(5, 6, 3)
    grads_skipping = {k: v.copy() for k, v in net.gradient(x, t).items()}
    assert net.layers["Affine1"].backward(np.ones((5, 4))) is None
    net.layers["Affine1"].needs_input_grad = True
    grads_full = net.gradient(x, t)
    for key in grads_full:
        np.testing.assert_array_equal(grads_skipping[key], grads_full[key])
    net.loss(x, t)
    dx = net.layers["Affine1"].backward(net.layers["Relu1"].backward(net.layers["Affine2"].backward(
        net.last_layer.backward(1.0))))
    numeric = numerical_gradient(lambda _: net.loss(x, t), x)
    np.testing.assert_allclose(dx, numeric, rtol=1e-6, atol=1e-10)


def test_chapter_4_two_layer_net_has_a_sigmoid_hidden_layer():
    """ch04/two_layer_net.py: a1 = x W1 + b1, z1 = sigmoid(a1), y = softmax(z1 W2 + b2)."""
    net = TwoLayerNet(6, 4, 3, seed=0, dtype=np.float64, activation="sigmoid")
    assert list(net.layers) == ["Affine1", "Sigmoid1", "Affine2"] and net.activation == "sigmoid"
    x = np.random.default_rng(2).standard_normal((5, 6))
    p = net.params
    hidden = 1 / (1 + np.exp(-(x @ p["W1"] + p["b1"])))
    np.testing.assert_allclose(net.predict(x), hidden @ p["W2"] + p["b2"], rtol=1e-13)
    with pytest.raises(ValueError, match="TwoLayerNet: activation must be 'relu' .* or 'sigmoid'.* got 'tanh'"):
        TwoLayerNet(6, 4, 3, activation="tanh")


def test_chapter_4_two_layer_net_matches_the_books_code():
    root = os.environ.get("ZEROPROP_BOOK_CODE")
    if not root or not os.path.isfile(os.path.join(root, "ch04", "two_layer_net.py")):
        pytest.skip("set ZEROPROP_BOOK_CODE to a checkout of the book's repository to compare with its code")
    import importlib.util
    import sys
    sys.path.insert(0, root)
    try:
        path = os.path.join(root, "ch04", "two_layer_net.py")
        spec = importlib.util.spec_from_file_location("book_two_layer_net", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(root)
    book = module.TwoLayerNet(input_size=8, hidden_size=5, output_size=3)
    net = TwoLayerNet(8, 5, 3, seed=0, dtype=np.float64, activation="sigmoid")
    for key in net.params:
        book.params[key] = net.params[key].copy()
    rng = np.random.default_rng(3)
    x, t = rng.standard_normal((4, 8)), np.eye(3)[rng.integers(0, 3, 4)]
    # the book adds 1e-7 inside the log of its cross-entropy: equal to that
    assert net.loss(x, t) == pytest.approx(book.loss(x, t), abs=1e-6)
    ours, theirs = net.gradient(x, t), book.gradient(x, t)
    for key in net.params:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-12, atol=1e-15)
