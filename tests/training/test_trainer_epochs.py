"""Trainer: exact epochs, evaluation at every epoch end, max_iterations, and the update it performs."""

from __future__ import annotations

import math
import re
import tracemalloc

import numpy as np
import pytest

from networks import TwoLayerNet
from optimizers import SGD
from training import Trainer, available_optimizers, make_optimizer


def quiet(**kwargs):
    return {"verbose": False, "progress": False, **kwargs}


def sample_ids(x: np.ndarray, batch: np.ndarray) -> list[int]:
    """Which rows of ``x`` a batch holds (rows of continuous random data are unique)."""
    lookup = {row.tobytes(): i for i, row in enumerate(x)}
    return [lookup[row.tobytes()] for row in batch]


def test_every_sample_exactly_once_per_epoch(blobs, instrumented):
    n, batch_size, epochs = 1003, 100, 3
    x, t = blobs(n)
    net = instrumented(TwoLayerNet(8, 6, 3, seed=1))
    Trainer(net, x, t, x[:50], t[:50], epochs=epochs, mini_batch_size=batch_size, **quiet()).train()
    assert len(net.batches) == epochs * 11
    orders = []
    for e in range(epochs):
        batches = net.batches[e * 11:(e + 1) * 11]
        assert [len(b[0]) for b in batches] == [100] * 10 + [3]
        ids = [i for bx, _ in batches for i in sample_ids(x, bx)]
        assert sorted(ids) == list(range(n))          # each sample once, none missing
        for bx, bt in batches:                         # labels travel with their samples
            np.testing.assert_array_equal(bt, t[sample_ids(x, bx)])
        orders.append(ids)
    assert orders[0] != orders[1] and orders[1] != orders[2]   # reshuffled every epoch


def test_order_depends_on_seed_only(blobs, instrumented):
    x, t = blobs(103)
    runs = {}
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        net = instrumented(TwoLayerNet(8, 6, 3, seed=1))
        Trainer(net, x, t, x, t, epochs=2, mini_batch_size=10, **quiet(seed=seed)).train()
        runs[name] = [sample_ids(x, bx) for bx, _ in net.batches]
    assert runs["a"] == runs["b"]
    assert runs["a"] != runs["c"]


@pytest.mark.parametrize(("n", "batch_size", "epochs", "sample"),
                         [(1003, 100, 3, None), (7, 3, 4, 5), (50, 50, 2, None), (10, 64, 3, 3), (203, 20, 2, 37)])
def test_one_evaluation_per_epoch_for_awkward_sizes(blobs, n, batch_size, epochs, sample):
    x, t = blobs(n)
    x_test, t_test = blobs(31, seed=9)
    h = Trainer(TwoLayerNet(8, 6, 3, seed=1), x, t, x_test, t_test, epochs=epochs, mini_batch_size=batch_size,
                evaluate_sample_num_per_epoch=sample, **quiet()).train()
    per_epoch = math.ceil(n / batch_size)
    assert len(h.train_loss_list) == epochs * per_epoch
    assert len(h.train_acc_list) == len(h.test_acc_list) == len(h.lr_list) == epochs
    assert h.epoch_list == [float(e) for e in range(1, epochs + 1)]
    assert h.iteration_list == [per_epoch * e for e in range(1, epochs + 1)]


def test_max_iterations_stops_mid_epoch_and_evaluates_there(blobs):
    x, t = blobs(1003)
    net = TwoLayerNet(8, 6, 3, seed=1)
    h = Trainer(net, x, t, x[:100], t[:100], epochs=None, mini_batch_size=100, **quiet(max_iterations=25)).train()
    assert len(h.train_loss_list) == 25
    assert h.iteration_list == [11, 22, 25]
    assert h.epoch_list[:2] == [1.0, 2.0] and h.epoch_list[2] == pytest.approx(2 + 3 / 11)
    # the last evaluation is of the final parameters, on all the data
    assert h.train_acc_list[-1] == net.accuracy(x, t)
    assert h.test_acc_list[-1] == net.accuracy(x[:100], t[:100])


@pytest.mark.parametrize(("epochs", "max_iterations", "evaluated_at"),
                         [(2, 25, [11, 22]), (None, 22, [11, 22]), (3, 5, [5]), (1, None, [11])])
def test_whichever_limit_comes_first(blobs, epochs, max_iterations, evaluated_at):
    x, t = blobs(1003)
    h = Trainer(TwoLayerNet(8, 6, 3, seed=1), x, t, x, t, epochs=epochs, mini_batch_size=100,
                **quiet(max_iterations=max_iterations)).train()
    assert h.iteration_list == evaluated_at
    assert len(h.train_loss_list) == evaluated_at[-1]


def test_train_again_after_the_end_does_nothing(blobs):
    x, t = blobs(50)
    trainer = Trainer(TwoLayerNet(8, 6, 3, seed=1), x, t, x, t, epochs=2, mini_batch_size=10, **quiet())
    first = trainer.train().to_dict()
    assert trainer.train().to_dict() == first


def test_updates_are_plain_minibatch_sgd_on_the_batches_drawn(blobs, instrumented):
    """An independent loop over the same batches gives the same losses and bit-identical parameters."""
    x, t = blobs(203)
    net = instrumented(TwoLayerNet(8, 6, 3, seed=1))
    h = Trainer(net, x, t, x, t, epochs=3, mini_batch_size=20, optimizer="sgd", optimizer_param={"lr": 0.1},
                **quiet()).train()
    assert net.calls == len(h.train_loss_list) == 33     # one forward/backward per update, no more
    reference = TwoLayerNet(8, 6, 3, seed=1)
    losses = []
    for bx, bt in net.batches:
        loss, grads = reference.loss_and_gradient(bx, bt)
        losses.append(loss)
        for key, p in reference.params.items():
            p -= 0.1 * grads[key]
    assert h.train_loss_list == losses
    for key in reference.params:
        np.testing.assert_array_equal(net.params[key], reference.params[key])
    assert losses[-1] < 0.5 * losses[0]


def test_full_evaluation_is_exact_and_sampled_evaluation_uses_a_fixed_subset(blobs, instrumented):
    x, t = blobs(203)
    x_test, t_test = blobs(120, seed=3)
    full = instrumented(TwoLayerNet(8, 6, 3, seed=1))
    h = Trainer(full, x, t, x_test, t_test, epochs=2, mini_batch_size=20, **quiet()).train()
    assert h.train_acc_list[-1] == full.accuracy(x, t) and h.test_acc_list[-1] == full.accuracy(x_test, t_test)

    sampled = instrumented(TwoLayerNet(8, 6, 3, seed=1))
    h = Trainer(sampled, x, t, x_test, t_test, epochs=3, mini_batch_size=20, evaluate_sample_num_per_epoch=37,
                **quiet()).train()
    assert len(sampled.evaluated) == 6                        # train and test sample, each epoch
    train_sets = [sorted(sample_ids(x, s)) for s in sampled.evaluated[0::2]]
    test_sets = [sorted(sample_ids(x_test, s)) for s in sampled.evaluated[1::2]]
    assert all(len(s) == 37 == len(set(s)) for s in train_sets + test_sets)
    assert train_sets[0] == train_sets[1] == train_sets[2] and test_sets[0] == test_sets[1] == test_sets[2]
    assert train_sets[0] != list(range(37))                     # a random subset, not the first rows
    for acc in h.train_acc_list + h.test_acc_list:
        assert round(acc * 37) == pytest.approx(acc * 37, abs=1e-9)   # an exact count out of 37


def test_sampled_accuracy_is_the_accuracy_on_the_sample(blobs, instrumented):
    """With evaluate_sample_num_per_epoch, the recorded accuracies are the network's accuracy on exactly the
    samples it was shown, train and test; the last evaluation follows the last update, so the network still
    computes what it computed then."""
    x, t = blobs(203)
    x_test, t_test = blobs(120, seed=3)
    net = instrumented(TwoLayerNet(8, 6, 3, seed=1))
    h = Trainer(net, x, t, x_test, t_test, epochs=2, mini_batch_size=20, evaluate_sample_num_per_epoch=37,
                **quiet()).train()
    train_ids, test_ids = sample_ids(x, net.evaluated[-2]), sample_ids(x_test, net.evaluated[-1])
    assert len(train_ids) == len(test_ids) == 37
    assert h.train_acc_list[-1] == net.network.accuracy(x[train_ids], t[train_ids])
    assert h.test_acc_list[-1] == net.network.accuracy(x_test[test_ids], t_test[test_ids])


def test_runs_without_a_seed_are_reproducible(blobs, instrumented):
    """The seed defaults to a fixed one, not to fresh entropy: two runs built alike draw the same batches."""
    x, t = blobs(103)
    runs = []
    for _ in range(2):
        net = instrumented(TwoLayerNet(8, 6, 3, seed=1))
        Trainer(net, x, t, x, t, epochs=2, mini_batch_size=10, evaluate_sample_num_per_epoch=20, **quiet()).train()
        runs.append(([sample_ids(x, bx) for bx, _ in net.batches], [sample_ids(x, e) for e in net.evaluated]))
    assert runs[0] == runs[1]


def test_training_never_copies_the_data_set(blobs):
    x, t = blobs(20000, d=100)
    trainer = Trainer(TwoLayerNet(100, 20, 3, seed=1), x, t, x, t, epochs=1, mini_batch_size=100,
                      evaluate_sample_num_per_epoch=5000, **quiet())
    assert trainer.x_train is x and trainer.t_train is t
    tracemalloc.start()
    try:
        trainer.train()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < x.nbytes / 4, f"peak {peak} bytes while training on {x.nbytes} bytes of data"


def test_per_epoch_lines_go_through_log(blobs):
    x, t = blobs(203)
    lines: list[str] = []
    Trainer(TwoLayerNet(8, 6, 3, seed=1), x, t, x, t, epochs=2, mini_batch_size=20, max_iterations=15,
            progress=False, log=lines.append).train()
    assert re.fullmatch(r"=== epoch:1, train acc:[01]\.\d{4}, test acc:[01]\.\d{4} ===", lines[0])
    assert re.fullmatch(r"=== iteration:15 \(epoch 1\.36\), train acc:[01]\.\d{4}, test acc:[01]\.\d{4} ===", lines[1])
    assert len(lines) == 2


def test_optimizer_lookup_by_name():
    known = available_optimizers()
    assert known["sgd"] is SGD
    for name in ("sgd", "SGD", "Sgd"):
        opt = make_optimizer(name, {"lr": 0.3})
        assert type(opt) is SGD and opt.lr == 0.3
    assert make_optimizer("sgd").lr == 0.01            # the book's default
    for name, cls in (("momentum", "Momentum"), ("nesterov", "Nesterov"), ("adagrad", "AdaGrad"),
                      ("rmsprop", "RMSprop"), ("adam", "Adam")):
        if name in known:
            assert known[name].__name__ == cls
    with pytest.raises(ValueError, match=r"unknown optimizer 'adamw'.*sgd"):
        make_optimizer("adamw")
    with pytest.raises(ValueError, match="SGD does not accept"):
        make_optimizer("sgd", {"lr": 0.1, "momentum": 0.9})
    opt = SGD(0.2)
    assert make_optimizer(opt) is opt
    with pytest.raises(ValueError, match="instance"):
        make_optimizer(opt, {"lr": 0.1})


def test_bad_arguments_are_named(blobs):
    x, t = blobs(20)
    net = TwoLayerNet(8, 6, 3, seed=1)
    with pytest.raises(ValueError, match=r"x_train has shape \(20, 8\) but t_train has shape \(19,\)"):
        Trainer(net, x, t[:19], x, t)
    with pytest.raises(ValueError, match="mini_batch_size must be a positive integer"):
        Trainer(net, x, t, x, t, mini_batch_size=0)
    with pytest.raises(ValueError, match="epochs or max_iterations"):
        Trainer(net, x, t, x, t, epochs=None)
    with pytest.raises(ValueError, match="x_test holds no samples"):
        Trainer(net, x, t, x[:0], t[:0])
    with pytest.raises(TypeError, match="no loss_and_gradient"):
        Trainer(object(), x, t, x, t)


@pytest.mark.parametrize("seed", [-1, 1.5, True, "3", [1, 2]])
def test_a_bad_seed_is_named(blobs, seed):
    x, t = blobs(20)
    with pytest.raises(ValueError, match=rf"Trainer: seed must be None or an integer >= 0, got {type(seed).__name__} "
                                         + re.escape(repr(seed))):
        Trainer(TwoLayerNet(8, 6, 3, seed=1), x, t, x, t, seed=seed, progress=False, verbose=False)


def test_good_seeds(blobs):
    x, t = blobs(20)
    for seed, expected in ((np.int64(5), 5), (0, 0), (2**70, 2**70)):
        trainer = Trainer(TwoLayerNet(8, 6, 3, seed=1), x, t, x, t, seed=seed, progress=False, verbose=False)
        assert trainer.seed == expected and type(trainer.seed) is int
    assert isinstance(Trainer(TwoLayerNet(8, 6, 3, seed=1), x, t, x, t, seed=None).seed, int)


def test_a_batchnorm_net_refuses_a_batch_of_one_before_any_work(blobs):
    """1001 samples in batches of 100 leave 1 for the last batch of every epoch, which BatchNormalization
    cannot normalise: said when the Trainer is made, not after an epoch's work (and at every epoch's end)."""
    from networks import MultiLayerNet

    x, t = blobs(21)
    net = MultiLayerNet(8, [6], 3, use_batchnorm=True, seed=0)
    with pytest.raises(ValueError, match=r"BatchNormalization.*21 training samples and mini_batch_size=10.*holds 1"):
        Trainer(net, x, t, x, t, epochs=1, mini_batch_size=10, verbose=False, progress=False)
    with pytest.raises(ValueError, match="mini_batch_size=1 the last batch"):
        Trainer(net, x, t, x, t, epochs=1, mini_batch_size=1, verbose=False, progress=False)
    Trainer(net, x[:20], t[:20], x, t, epochs=1, mini_batch_size=9, verbose=False, progress=False).train()
    Trainer(TwoLayerNet(8, 6, 3, seed=0), x, t, x, t, epochs=1, mini_batch_size=10, verbose=False,
            progress=False).train()                                     # no BatchNorm: a batch of one is fine


@pytest.mark.parametrize(("which", "change", "message"), [
    ("test", lambda x, t: (x[:, :5], t), r"x_test does not fit the network: Affine: expected 8 values"),
    ("test", lambda x, t: (x, t + 5), r"t_test holds labels from 5 to 7, the network has 3 classes"),
    ("train", lambda x, t: (x, t - 1), r"t_train holds labels from -1 to 1"),
    ("test", lambda x, t: (x, np.eye(4)[t]), r"t_test has rows of 4 values, the network 3 outputs"),
    # Labels loss and accuracy refuse, refused here too (before, only at the first evaluation or update):
    ("test", lambda x, t: (x, 0.5 * np.eye(3)[t]), r"t_test: target rows must each sum to 1"),
    ("test", lambda x, t: (x, t + 7.0), r"t_test: labels must lie in \[0, 2\], got values from 7"),
    ("train", lambda x, t: (x, t + 0.5), r"t_train: expected integer class labels, got dtype float64 with non-int"),
    ("train", lambda x, t: (x, t > 0), r"t_train: expected integer class labels, got dtype bool"),
])
def test_data_that_does_not_fit_the_network_is_refused_before_any_work(blobs, which, change, message):
    x, t = blobs(30)
    sets = {"train": (x, t), "test": (x[:10], t[:10])}
    sets[which] = change(*sets[which])
    net = TwoLayerNet(8, 6, 3, seed=0)
    before = {k: v.copy() for k, v in net.params.items()}
    with pytest.raises(ValueError, match=message):
        Trainer(net, *sets["train"], *sets["test"], epochs=1, mini_batch_size=10, verbose=False, progress=False)
    assert all(np.array_equal(net.params[k], v) for k, v in before.items())


def conv_batchnorm_net(side: int, pad: int):
    """Conv 3x3 (4 filters, ``pad``) - BatchNorm per channel - Affine to 3 classes, for images side x side."""
    from layers import Affine as AffineLayer
    from layers import BatchNormalization, Convolution
    from networks import Network

    rng = np.random.default_rng(0)
    out = side + 2 * pad - 2
    network = Network(np.float64)
    network.add_layer("Conv1", Convolution(0.1 * rng.standard_normal((4, 1, 3, 3)), np.zeros(4), 1, pad),
                      W="W1", b="b1")
    network.add_layer("BatchNorm1", BatchNormalization(np.ones(4), np.zeros(4)), gamma="gamma1", beta="beta1")
    network.add_layer("Affine1", AffineLayer(0.1 * rng.standard_normal((4 * out * out, 3)), np.zeros(3)),
                      W="W2", b="b2")
    return network


def test_batchnorm_over_channels_and_runs_that_stop_before_the_batch_of_one_are_not_refused(blobs):
    """Per channel after a convolution, BatchNorm normalises over N*H*W values: one image is enough. And a
    run whose max_iterations ends before the first epoch's last batch never meets a batch of one."""
    from networks import MultiLayerNet

    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((21, 1, 6, 6)), rng.integers(0, 3, 21)
    Trainer(conv_batchnorm_net(6, 1), x, t, x, t, epochs=1, mini_batch_size=10, verbose=False,
            progress=False).train()
    x, t = blobs(21)
    net = MultiLayerNet(8, [6], 3, use_batchnorm=True, seed=0)
    Trainer(net, x, t, x, t, epochs=None, max_iterations=2, mini_batch_size=10, verbose=False,
            progress=False).train()


def test_batchnorm_over_channels_of_one_pixel_is_refused_too():
    """Per channel over N*H*W values: with 1x1 images one sample gives one value per channel."""
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((21, 1, 3, 3)), rng.integers(0, 3, 21)
    with pytest.raises(ValueError, match="BatchNormalization, which needs batches of at least 2"):
        Trainer(conv_batchnorm_net(3, 0), x, t, x, t, epochs=2, mini_batch_size=10, verbose=False, progress=False)
