"""SimpleConvNet and DeepConvNet: the book's architectures, gradients, saving, and learning MNIST."""

from __future__ import annotations

import time

import numpy as np
import pytest

from layers import gradient_check
from networks import DeepConvNet, SimpleConvNet

SMALL_DEEP = {
    "input_dim": (1, 12, 12),
    "conv_param_1": {"filter_num": 2}, "conv_param_2": {"filter_num": 2}, "conv_param_3": {"filter_num": 3},
    "conv_param_4": {"filter_num": 3}, "conv_param_5": {"filter_num": 4}, "conv_param_6": {"filter_num": 4},
    "hidden_size": 5, "output_size": 3,
}


def batch(input_dim, n, classes, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return rng.random((n, *input_dim)).astype(dtype), rng.integers(0, classes, n)


def max_gradient_error(net, x, t) -> dict[str, float]:
    """Backprop against fourth-order centred differences of the training loss, dropout masks held fixed.

    Biases are first made random: with the zero biases of a fresh net, a unit fed only by dead ReLUs sits
    exactly on a kink of its own ReLU, where no centred difference matches any one-sided derivative.
    """
    rng = np.random.default_rng(99)
    for key, value in net.params.items():
        if key.startswith("b"):
            value[...] = rng.normal(0.0, 0.1, value.shape)
    _, grads = net.loss_and_gradient(x, t)
    with net.frozen():
        return gradient_check(lambda: net.loss(x, t, train_flg=True), net.params, grads)


# -- architecture --------------------------------------------------------------------------------

def test_simple_convnet_is_the_books():
    net = SimpleConvNet(seed=0)
    assert list(net.layers) == ["Conv1", "Relu1", "Pool1", "Affine1", "Relu2", "Affine2"]
    shapes = {k: v.shape for k, v in net.params.items()}
    assert shapes == {"W1": (30, 1, 5, 5), "b1": (30,), "W2": (4320, 100), "b2": (100,), "W3": (100, 10), "b3": (10,)}
    assert all(p.dtype == np.float32 for p in net.params.values())
    for key in ("W2", "W3"):
        assert np.std(net.params[key]) == pytest.approx(0.01, rel=0.15)
    assert not any(np.any(net.params[k]) for k in ("b1", "b2", "b3"))


def test_deep_convnet_is_the_books():
    net = DeepConvNet(seed=0)
    assert list(net.layers) == [
        "Conv1", "Relu1", "Conv2", "Relu2", "Pool1", "Conv3", "Relu3", "Conv4", "Relu4", "Pool2",
        "Conv5", "Relu5", "Conv6", "Relu6", "Pool3", "Affine1", "Relu7", "Dropout1", "Affine2", "Dropout2",
    ]
    expected = {"W1": (16, 1, 3, 3), "W2": (16, 16, 3, 3), "W3": (32, 16, 3, 3), "W4": (32, 32, 3, 3),
                "W5": (64, 32, 3, 3), "W6": (64, 64, 3, 3), "W7": (1024, 50), "W8": (50, 10)}
    for key, shape in expected.items():
        assert net.params[key].shape == shape
        assert net.params["b" + key[1:]].shape == (shape[0] if len(shape) == 4 else shape[1],)
    assert [net.layers[f"Conv{i}"].pad for i in range(1, 7)] == [1, 1, 1, 2, 1, 1]
    assert all(net.layers[f"Conv{i}"].stride == 1 for i in range(1, 7))
    assert [net.layers[f"Dropout{i}"].dropout_ratio for i in (1, 2)] == [0.5, 0.5]
    # He initialisation with the book's fan-ins: 1*9, 16*9, 16*9, 32*9, 32*9, 64*9, 64*4*4, 50.
    for key, fan_in in zip(expected, (9, 144, 144, 288, 288, 576, 1024, 50), strict=True):
        values = net.params[key]
        assert np.std(values) == pytest.approx(np.sqrt(2 / fan_in), rel=4 / np.sqrt(2 * values.size)), key


def test_deep_convnet_loss_trains_by_default_as_the_books():
    """The book's DeepConvNet.loss(x, t) runs predict(x, train_flg=True): dropout on, new masks each call."""
    net = DeepConvNet(seed=0)
    x, t = batch((1, 28, 28), 8, 10, dtype=np.float32)
    inference = net.loss(x, t, train_flg=False)
    assert inference == net.loss(x, t, train_flg=False)
    training = [net.loss(x, t) for _ in range(3)]
    assert len(set(training)) == 3 and inference not in training
    assert net.loss(x, t, train_flg=False) == inference


def test_seed_makes_networks_reproducible():
    for cls in (SimpleConvNet, DeepConvNet):
        a, b, c = cls(seed=3), cls(seed=3), cls(seed=4)
        assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
        assert not np.array_equal(a.params["W1"], c.params["W1"])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: SimpleConvNet(input_dim=(1, 4, 4)), "SimpleConvNet: window height 5 is larger"),
        (lambda: SimpleConvNet(conv_param={"filter_nums": 3}), r"unknown conv_param key\(s\) \['filter_nums'\]"),
        (lambda: DeepConvNet(input_dim=(1, 2, 2)), "DeepConvNet Pool3: window height 2 is larger"),
        (lambda: DeepConvNet(conv_param_3={"size": 3}), "DeepConvNet conv_param_3: unknown"),
    ],
)
def test_architectures_that_do_not_fit_are_rejected(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# -- gradients -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("input_dim", "conv_param"),
    [
        ((1, 10, 10), {"filter_num": 3, "filter_size": 3, "pad": 0, "stride": 1}),
        ((2, 11, 11), {"filter_num": 2, "filter_size": 3, "pad": 1, "stride": 2}),
        ((3, 8, 6), {"filter_num": 2, "filter_size": 3, "pad": 1, "stride": 1}),
    ],
)
@pytest.mark.parametrize("fast", [True, False], ids=["engine", "book"])
def test_simple_convnet_gradients_match_centred_differences(input_dim, conv_param, fast):
    net = SimpleConvNet(input_dim, conv_param, hidden_size=6, output_size=4, weight_init_std="he", seed=0,
                        dtype=np.float64, fast=fast)
    x, t = batch(input_dim, 3, 4)
    errors = max_gradient_error(net, x, t)
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("dropout_ratio", [0.5, 0.0])
@pytest.mark.parametrize("fast", [True, False], ids=["engine", "book"])
def test_deep_convnet_gradients_match_centred_differences(dropout_ratio, fast):
    net = DeepConvNet(**SMALL_DEEP, seed=1, dtype=np.float64, dropout_ratio=dropout_ratio, fast=fast)
    x, t = batch((1, 12, 12), 2, 3, seed=1)
    errors = max_gradient_error(net, x, t)
    assert max(errors.values()) < 1e-7, errors


def test_deep_convnet_with_other_filter_sizes_and_pads_checks_too():
    # 2x8x8 -conv 1x1-> 8 -> 8 -pool-> 4 -> 4 -conv pad 1-> 4 -pool-> 2 -conv 1x1-> 2 -> 2 -pool-> 1
    params = dict(SMALL_DEEP, input_dim=(2, 8, 8), conv_param_1={"filter_num": 2, "filter_size": 1, "pad": 0},
                  conv_param_4={"filter_num": 2, "pad": 1}, conv_param_5={"filter_num": 3, "filter_size": 1, "pad": 0})
    net = DeepConvNet(**params, seed=2, dtype=np.float64)
    assert net.params["W7"].shape == (4, 5)
    x, t = batch((2, 8, 8), 2, 3, seed=2)
    errors = max_gradient_error(net, x, t)
    assert max(errors.values()) < 1e-7, errors


# -- behaviour -----------------------------------------------------------------------------------

def test_float32_throughout_and_inference_is_deterministic():
    for cls in (SimpleConvNet, DeepConvNet):
        net = cls(seed=0)
        x, t = batch((1, 28, 28), 4, 10, dtype=np.float32)
        loss, grads = net.loss_and_gradient(x, t)
        assert np.isfinite(loss)
        assert all(g.dtype == np.float32 and g.shape == net.params[k].shape for k, g in grads.items())
        scores = net.predict(x)
        assert scores.dtype == np.float32 and scores.shape == (4, 10)
        np.testing.assert_array_equal(net.predict(x), scores)


def test_accuracy_in_batches_is_exact_for_any_count():
    net = DeepConvNet(**SMALL_DEEP, seed=0)
    x, t = batch((1, 12, 12), 7, 3, dtype=np.float32)
    expected = np.mean(net.predict(x).argmax(axis=1) == t)
    assert net.accuracy(x, t, batch_size=3) == expected
    np.testing.assert_array_equal(net.predict_labels(x, batch_size=3), net.predict(x).argmax(axis=1))


@pytest.mark.parametrize("cls", [SimpleConvNet, DeepConvNet])
def test_labels_and_accuracy_are_computed_100_images_at_a_time_by_default(cls, monkeypatch):
    net = cls(seed=0)
    x, t = batch((1, 28, 28), 250, 10, dtype=np.float32)
    sizes = []
    predict = net.predict
    monkeypatch.setattr(net, "predict", lambda xb, train_flg=False: sizes.append(len(xb)) or predict(xb, train_flg))
    labels = net.predict_labels(x)
    assert sizes == [100, 100, 50]
    sizes.clear()
    assert net.accuracy(x, t) == np.mean(labels == t)
    assert sizes == [100, 100, 50]


def test_save_and_load_restore_predictions(tmp_path):
    for cls in (SimpleConvNet, DeepConvNet):
        source, target = cls(seed=0), cls(seed=1)
        x, _ = batch((1, 28, 28), 3, 10, dtype=np.float32)
        path = source.save_params(tmp_path / f"{cls.__name__}.npz")
        target.load_params(path)
        np.testing.assert_array_equal(target.predict(x), source.predict(x))


@pytest.mark.parametrize("cls", [SimpleConvNet, DeepConvNet])
def test_scores_match_a_torch_twin(cls):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    net = cls(seed=0, dtype=np.float64)
    x, _ = batch((1, 28, 28), 5, 10, seed=3)
    p = {k: torch.from_numpy(v) for k, v in net.params.items()}
    h = torch.from_numpy(x)
    if cls is SimpleConvNet:
        h = F.max_pool2d(F.relu(F.conv2d(h, p["W1"], p["b1"])), 2, 2)
        h = F.relu(h.flatten(1) @ p["W2"] + p["b2"]) @ p["W3"] + p["b3"]
    else:
        for i, pad in zip(range(1, 7), (1, 1, 1, 2, 1, 1), strict=True):
            h = F.relu(F.conv2d(h, p[f"W{i}"], p[f"b{i}"], padding=pad))
            if i % 2 == 0:
                h = F.max_pool2d(h, 2, 2)
        h = F.relu(h.flatten(1) @ p["W7"] + p["b7"]) @ p["W8"] + p["b8"]
    np.testing.assert_allclose(net.predict(x), h.numpy(), rtol=1e-10, atol=1e-10)


# -- learning ------------------------------------------------------------------------------------

def test_simple_convnet_learns_mnist(mnist_dir):
    """Trained on the first 8,000 test images, it classifies the other 2,000 with at least 97% accuracy."""
    from datasets import load_mnist_split
    from training import Trainer

    x, t = load_mnist_split("test", mnist_dir, normalize=True, flatten=False)
    net = SimpleConvNet(weight_init_std="he", seed=0)
    start = time.perf_counter()
    Trainer(net, x[:8000], t[:8000], x[8000:], t[8000:], epochs=4, mini_batch_size=100, optimizer="Adam",
            optimizer_param={"lr": 0.002}, evaluate_sample_num_per_epoch=200, verbose=False, progress=False,
            seed=0).train()
    accuracy = net.accuracy(x[8000:], t[8000:])
    print(f"SimpleConvNet on real MNIST, 8,000 train / 2,000 test, 4 epochs: test accuracy {accuracy:.4f} "
          f"in {time.perf_counter() - start:.1f} s")
    assert accuracy >= 0.97, f"accuracy {accuracy:.4f} after {time.perf_counter() - start:.1f} s"
