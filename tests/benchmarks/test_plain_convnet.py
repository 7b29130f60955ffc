"""The benchmark's written-out plain SimpleConvNet must train exactly like SimpleConvNet + Adam, or its
timing says nothing about the network's."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.plain_convnet import PlainSimpleConvNet
from networks import SimpleConvNet
from optimizers import Adam


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
