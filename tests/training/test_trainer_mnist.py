"""The chapter-5 recipe in small, on the real MNIST test set (skipped when the data is absent)."""

from __future__ import annotations

import pytest

from networks import TwoLayerNet
from training import Trainer


def test_two_layer_net_learns_real_digits(mnist_dir):
    datasets = pytest.importorskip("datasets")
    x, t = datasets.load_mnist_split("test", mnist_dir, normalize=True, flatten=True, one_hot_label=False)
    x_train, t_train, x_test, t_test = x[:8000], t[:8000], x[8000:], t[8000:]
    net = TwoLayerNet(784, 50, 10, seed=0)
    history = Trainer(net, x_train, t_train, x_test, t_test, epochs=3, mini_batch_size=100, optimizer="sgd",
                      optimizer_param={"lr": 0.1}, verbose=False, progress=False).train()
    assert history.iteration_list == [80, 160, 240]
    assert history.train_loss_list[-1] < 0.5 * history.train_loss_list[0]
    assert history.test_acc_list[-1] > 0.85 and history.test_acc_list[-1] > history.test_acc_list[0] - 0.01
