"""The written-out plain NumPy steps the benchmarks time must train exactly like the networks they
stand for, or their timings say nothing about them."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import bench_mlp
from benchmarks.plain_nets import PlainNumpyNet, PlainSimpleConvNet
from networks import SimpleConvNet, TwoLayerNet
from optimizers import SGD, Adam


@pytest.mark.parametrize("hidden, batch", [(50, 100), (7, 3)])
def test_plain_numpy_step_matches_two_layer_net_with_sgd(hidden, batch):
    rng = np.random.default_rng(5)
    net = TwoLayerNet(bench_mlp.INPUT_SIZE, hidden, bench_mlp.OUTPUT_SIZE, weight_init_std=0.1, seed=3)
    net.params["b1"][...] = rng.standard_normal(hidden) * 0.1  # non-zero biases, so their updates show
    net.params["b2"][...] = rng.standard_normal(bench_mlp.OUTPUT_SIZE) * 0.1
    start = {key: value.copy() for key, value in net.params.items()}
    batches = [(rng.random((batch, bench_mlp.INPUT_SIZE), dtype=np.float32),
                rng.integers(0, bench_mlp.OUTPUT_SIZE, batch)) for _ in range(2)]
    plain = PlainNumpyNet(start, bench_mlp.LEARNING_RATE)
    optimizer = SGD(bench_mlp.LEARNING_RATE)
    for x, t in batches:
        loss, grads = net.loss_and_gradient(x, t)
        optimizer.update(net.params, grads)
        assert plain.sgd_step(x, t) == pytest.approx(loss, rel=1e-5)
    for key, value in net.params.items():
        assert not np.allclose(value, start[key])  # the steps did move every parameter
        np.testing.assert_allclose(plain.params[key], value, rtol=1e-5, atol=1e-6, err_msg=key)


@pytest.mark.parametrize("conv_param, batch", [({"filter_num": 6, "filter_size": 5, "pad": 0, "stride": 1}, 5),
                                               ({"filter_num": 4, "filter_size": 3, "pad": 1, "stride": 1}, 3)])
def test_plain_simple_convnet_matches_simple_convnet_with_adam(conv_param, batch):
    rng = np.random.default_rng(7)
    net = SimpleConvNet(input_dim=(1, 12, 12), conv_param=conv_param, hidden_size=9, output_size=10,
                        weight_init_std=0.1, seed=2)
    for key in ("b1", "b2", "b3"):  # non-zero biases, so that a wrong bias gradient shows
        net.params[key][...] = rng.standard_normal(net.params[key].shape) * 0.1
    plain = PlainSimpleConvNet(net.params, conv_param["stride"], conv_param["pad"], lr=0.01)
    optimizer = Adam(0.01)
    start = {key: value.copy() for key, value in net.params.items()}
    for _ in range(3):
        x = rng.random((batch, 1, 12, 12), dtype=np.float32)
        x[:, :, :4] = 0  # blank rows, so that pooling windows hold tied maxima as on MNIST
        t = rng.integers(0, 10, batch)
        loss, grads = net.loss_and_gradient(x, t)
        plain_loss, plain_grads = plain.gradient(x, t)  # Adam hides a gradient's scale: compare them too
        assert plain_loss == pytest.approx(loss, rel=1e-5)
        for key, value in grads.items():
            np.testing.assert_allclose(plain_grads[key], value, rtol=1e-4, atol=1e-6, err_msg=key)
        optimizer.update(net.params, grads)
        assert plain.adam_step(x, t) == pytest.approx(loss, rel=1e-5)
    for key, value in net.params.items():
        assert not np.allclose(value, start[key])  # the steps did move every parameter
        np.testing.assert_allclose(plain.params[key], value, rtol=1e-4, atol=1e-5, err_msg=key)
