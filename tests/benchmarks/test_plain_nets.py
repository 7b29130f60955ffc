"""The written-out plain NumPy steps the benchmarks time must train exactly like the networks they
stand for, or their timings say nothing about them."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import bench_mlp
from benchmarks.plain_nets import PlainNumpyNet
from networks import TwoLayerNet
from optimizers import SGD


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
