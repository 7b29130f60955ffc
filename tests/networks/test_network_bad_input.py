"""Bad sizes, dtypes and data given to a network end in an error naming the network and the argument."""

from __future__ import annotations

import numpy as np
import pytest

from networks import DeepConvNet, MultiLayerNet, SimpleConvNet, TwoLayerNet


@pytest.mark.parametrize(("make", "error", "message"), [
    (lambda: TwoLayerNet(0, 5, 3), ValueError, "TwoLayerNet: input_size must be a positive integer, got 0"),
    (lambda: TwoLayerNet(4, -5, 3), ValueError, "TwoLayerNet: hidden_size must be a positive integer, got -5"),
    (lambda: TwoLayerNet(4, 5.0, 3), ValueError, "TwoLayerNet: hidden_size must be a positive integer, got 5.0"),
    (lambda: TwoLayerNet(4, True, 3), ValueError, "TwoLayerNet: hidden_size must be a positive integer, got True"),
    (lambda: TwoLayerNet(4, 5, 3, dtype=np.int32), TypeError, "TwoLayerNet: dtype must be a floating-point type"),
    (lambda: TwoLayerNet(4, 5, 3, dtype="nonsense"), TypeError, "TwoLayerNet: dtype must be a floating-point"),
    (lambda: TwoLayerNet(4, 5, 3, weight_init_std=np.nan), ValueError, "weight_init_std"),
    (lambda: TwoLayerNet(4, 5, 3, weight_init_std="bogus"), ValueError, "weight_init"),
    (lambda: TwoLayerNet(4, 5, 3, weight_decay_lambda=-1), ValueError, "TwoLayerNet: weight_decay_lambda"),
    (lambda: TwoLayerNet(4, 5, 3, seed=-1), ValueError, "seed must be None or an integer >= 0"),
    (lambda: TwoLayerNet(4, 5, 3, rng=42), TypeError, "rng must be a numpy.random.Generator"),
    (lambda: MultiLayerNet(4, [5, 0], 3), ValueError, "MultiLayerNet: layer sizes must be positive integers"),
    (lambda: SimpleConvNet(input_dim=(1, 28)), ValueError, r"SimpleConvNet: input_dim must be \(C, H, W\)"),
    (lambda: SimpleConvNet(hidden_size=0), ValueError, "SimpleConvNet: hidden_size must be a positive integer"),
    (lambda: DeepConvNet(output_size=-2), ValueError, "DeepConvNet: output_size must be a positive integer"),
])
def test_bad_construction_is_refused_naming_the_argument(make, error, message):
    with pytest.raises(error, match=message):
        make()


BAD_CONV_VALUES = [("stride", 1.5, ">= 1, got float 1.5"), ("filter_num", 2.5, ">= 1, got float 2.5"),
                   ("filter_size", True, ">= 1, got bool True"), ("pad", True, ">= 0, got bool True"),
                   ("pad", -1, ">= 0, got int -1"), ("pad", 1.0, ">= 0, got float 1.0"),
                   ("stride", 0, ">= 1, got int 0"), ("filter_num", "3", ">= 1, got str '3'")]


@pytest.mark.parametrize(("key", "value", "message"), BAD_CONV_VALUES,
                         ids=[f"{k}={v!r}" for k, v, _ in BAD_CONV_VALUES])
def test_bad_conv_param_values_are_named(key, value, message):
    with pytest.raises(ValueError, match=rf"SimpleConvNet: conv_param\['{key}'\] must be an integer {message}"):
        SimpleConvNet((1, 10, 10), {key: value})
    with pytest.raises(ValueError, match=rf"DeepConvNet conv_param_3: conv_param\['{key}'\] must be an integer "
                                         rf"{message}"):
        DeepConvNet((1, 28, 28), conv_param_3={key: value})


def test_conv_param_must_be_a_dict_and_numpy_integers_are_fine():
    with pytest.raises(TypeError, match="SimpleConvNet: conv_param must be a dict"):
        SimpleConvNet((1, 10, 10), None)
    with pytest.raises(TypeError, match="DeepConvNet conv_param_2: conv_param must be a dict"):
        DeepConvNet(conv_param_2=[("pad", 1)])
    net = SimpleConvNet((1, 10, 10), {"filter_num": np.int64(3), "filter_size": np.int32(3)}, seed=0)
    assert net.params["W1"].shape == (3, 1, 3, 3)


@pytest.fixture
def net():
    return TwoLayerNet(4, 5, 3, seed=0)


def test_accuracy_refuses_labels_out_of_range_as_loss_does(net):
    x = np.ones((2, 4))
    with pytest.raises(ValueError, match=r"TwoLayerNet.accuracy: labels must lie in \[0, 2\]"):
        net.accuracy(x, [0, 3])
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\]"):
        net.loss(x, [0, 3])
    with pytest.raises(ValueError, match=r"TwoLayerNet.accuracy: expected labels of shape \(2,\)"):
        net.accuracy(x, [0, 1, 2])


@pytest.mark.parametrize(("x", "error", "message"), [
    (np.ones((0, 4)), ValueError, "empty batch"),
    (np.ones((2, 4)) + 1j, TypeError, "TwoLayerNet.predict: expected a real-valued array"),
    ([["a", "b", "c", "d"]], TypeError, "TwoLayerNet.predict: expected a real-valued array"),
    (np.ones((2, 5)), ValueError, "Affine: expected 4 values per sample"),
])
def test_bad_data_is_refused_naming_where(net, x, error, message):
    with pytest.raises(error, match=message):
        net.loss(x, np.zeros(np.shape(x)[0], int))


def test_accuracy_refuses_an_empty_batch_and_a_bad_batch_size(net):
    with pytest.raises(ValueError, match="TwoLayerNet.accuracy: expected a non-empty batch"):
        net.accuracy(np.ones((0, 4)), np.zeros(0, int))
    with pytest.raises(ValueError, match="TwoLayerNet.accuracy: batch_size must be an integer >= 1"):
        net.accuracy(np.ones((2, 4)), [0, 1], batch_size=0)


def test_a_list_of_samples_is_read_as_an_array(net):
    x = np.random.default_rng(0).random((3, 4))
    np.testing.assert_array_equal(net.predict(x.tolist()), net.predict(x))


def test_a_float32_network_trains_on_float64_one_hot_labels():
    """The book's load_mnist(one_hot_label=True) gives float64 rows; a float32 network's gradients stay
    float32, so that the optimiser takes them."""
    from optimizers import SGD

    rng = np.random.default_rng(0)
    net = TwoLayerNet(4, 5, 3, seed=0)
    x = rng.standard_normal((6, 4)).astype(np.float32)
    t = np.eye(3)[rng.integers(0, 3, 6)]
    grads = net.gradient(x, t)
    assert {g.dtype for g in grads.values()} == {np.dtype(np.float32)}
    SGD(lr=0.1).update(net.params, grads)


def test_add_layer_checks_everything_before_it_changes_the_network():
    from layers import Affine, Relu

    net = TwoLayerNet(4, 5, 3, seed=0)
    layers, params = list(net.layers), list(net.params)
    affine = Affine(np.zeros((3, 2), np.float32), np.zeros(2, np.float32))
    with pytest.raises(ValueError, match=r"duplicate parameter name\(s\) \['b1'\]"):
        net.add_layer("Affine3", affine, W="W3", b="b1")
    with pytest.raises(ValueError, match=r"duplicate parameter name\(s\) \['P'\]"):
        net.add_layer("Affine3", affine, W="P", b="P")
    with pytest.raises(ValueError, match=r"layer 'Relu2' \(Relu\) has no parameter\(s\) \['W'\]"):
        net.add_layer("Relu2", Relu(), W="W3")
    assert list(net.layers) == layers and list(net.params) == params


@pytest.mark.parametrize(("hidden", "error"), [("12", TypeError), (5, TypeError), ([True], ValueError),
                                              ([2.5], ValueError)])
def test_sample_network_checks_its_sizes_as_multi_layer_net_does(hidden, error):
    from networks import SampleNetwork

    with pytest.raises(error, match="SampleNetwork: (hidden_size_list|layer sizes)"):
        SampleNetwork(hidden_size_list=hidden, seed=0)
    with pytest.raises(ValueError, match="SampleNetwork: layer sizes"):
        SampleNetwork(input_size=True, seed=0)


def test_a_numpy_integer_weight_std_is_a_number_like_any_other():
    a = MultiLayerNet(6, [4], 3, weight_init_std=np.int64(1), seed=0)
    b = MultiLayerNet(6, [4], 3, weight_init_std=1, seed=0)
    for key in a.params:
        np.testing.assert_array_equal(a.params[key], b.params[key])


@pytest.mark.parametrize("build", [
    lambda fast: TwoLayerNet(4, 3, 2, fast=fast),
    lambda fast: MultiLayerNet(4, [3], 2, fast=fast),
    lambda fast: SimpleConvNet((1, 6, 6), {"filter_num": 2, "filter_size": 3, "pad": 0, "stride": 1}, 3, 2, fast=fast),
    lambda fast: DeepConvNet(fast=fast),
])
@pytest.mark.parametrize("fast", ["no", 0, None])
def test_fast_must_be_a_boolean_and_is_named(build, fast):
    with pytest.raises(TypeError, match=r"Net: fast must be True or False"):
        build(fast)
