"""The NaN guard: stop at a non-finite loss, keep the parameters that gave the last finite one."""

from __future__ import annotations

import math

import numpy as np
import pytest

from networks import TwoLayerNet
from optimizers import SGD
from training import CosineDecay, Trainer, TrainingDivergedError, load_checkpoint

N, BATCH, EPOCHS = 203, 20, 3      # 11 updates per epoch


@pytest.fixture
def data(blobs):
    x, t = blobs(N)
    return x, t, x[:40], t[:40]


def make_trainer(network, data, **kwargs):
    settings = {"epochs": EPOCHS, "mini_batch_size": BATCH, "verbose": False, "progress": False, "seed": 2, **kwargs}
    return Trainer(network, *data, **settings)


def params_of(net):
    return {k: v.copy() for k, v in net.params.items()}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_huge_learning_rate_stops_with_the_last_finite_parameters(data, instrumented):
    net = instrumented(TwoLayerNet(8, 6, 3, weight_init_std=0.5, seed=1))
    trainer = make_trainer(net, data, optimizer="sgd", optimizer_param={"lr": 1000.0})
    with pytest.raises(TrainingDivergedError) as info:
        trainer.train()
    err = info.value

    # an independent loop over the batches the trainer drew: keep the parameters before every update
    reference = TwoLayerNet(8, 6, 3, weight_init_std=0.5, seed=1)
    sgd, before, losses = SGD(1000.0), [], []
    for bx, bt in net.batches:
        before.append(params_of(reference))
        loss, grads = reference.loss_and_gradient(bx, bt)
        losses.append(loss)
        if not math.isfinite(loss):
            break
        sgd.update(reference.params, grads)
    failed = len(losses)                         # the first update whose loss is not finite
    assert failed >= 3 and not math.isfinite(losses[-1])
    assert err.iteration == failed and err.epoch == 1 and err.lr == 1000.0
    message = str(err)
    assert f"iteration {failed}" in message and "epoch 1" in message and "learning rate 1000" in message
    # the diverging update is update failed-1; the network holds the parameters from before it
    assert err.restored_iteration == failed - 2
    for key, value in before[failed - 2].items():
        assert np.all(np.isfinite(net.params[key]))
        assert np.array_equal(net.params[key], value), key
    assert trainer.history.train_loss_list == losses[:failed - 2]
    assert all(math.isfinite(v) for v in trainer.history.train_loss_list)


def clean_params_after(data, updates, **kwargs):
    net = TwoLayerNet(8, 6, 3, seed=1)
    if updates:
        make_trainer(net, data, max_iterations=updates, **kwargs).train()
    return net


@pytest.mark.parametrize("optimizer", ["sgd", "heavy-ball"])
@pytest.mark.parametrize("nan_at", [1, 2, 3, 7, 11, 12, 13, 24])
def test_rollback_is_exact_at_any_position(data, instrumented, heavy_ball, tmp_path, optimizer, nan_at):
    """A NaN reported by update k leaves exactly the parameters after k-2 updates, even across an epoch end."""
    def settings():
        if optimizer == "sgd":
            return {"optimizer": "sgd", "optimizer_param": {"lr": 0.1}, "schedule": CosineDecay(0.3, EPOCHS)}
        return {"optimizer": heavy_ball(lr=0.05)}

    net = instrumented(TwoLayerNet(8, 6, 3, seed=1), nan_at=nan_at)
    trainer = make_trainer(net, data, checkpoint_dir=tmp_path, **settings())
    with pytest.raises(TrainingDivergedError) as info:
        trainer.train()
    assert info.value.iteration == nan_at
    assert info.value.epoch == (nan_at - 1) // 11 + 1
    kept = max(nan_at - 2, 0)
    assert info.value.restored_iteration == kept
    expected = clean_params_after(data, kept, **settings())
    for key in expected.params:
        assert np.array_equal(net.params[key], expected.params[key]), key
    assert trainer.history.iterations == kept
    assert all(it <= kept for it in trainer.history.iteration_list)

    # diverged.npz holds that state: resuming from it with a sound network ends like a clean run; latest.npz
    # still holds the last epoch's end, as it was written (none before the first epoch ended)
    assert info.value.checkpoint_path == tmp_path / "diverged.npz"
    assert load_checkpoint(info.value.checkpoint_path).iteration == kept
    epochs_done = (nan_at - 1) // 11
    if epochs_done:
        assert info.value.last_checkpoint == tmp_path / "latest.npz"
        assert load_checkpoint(tmp_path / "latest.npz").iteration == 11 * epochs_done
        assert str(tmp_path / "latest.npz") in str(info.value) and "is kept as it was" in str(info.value)
    else:
        assert info.value.last_checkpoint is None and not (tmp_path / "latest.npz").exists()
    full = clean_params_after(data, EPOCHS * 11, **settings())
    resumed = TwoLayerNet(8, 6, 3, seed=9)
    again = make_trainer(resumed, data, **settings())
    again.resume(info.value.checkpoint_path)
    again.train()
    for key in full.params:
        assert np.array_equal(resumed.params[key], full.params[key]), key


def test_divergence_on_the_first_update_of_a_resumed_run_keeps_its_start(data, instrumented, tmp_path):
    make_trainer(TwoLayerNet(8, 6, 3, seed=1), data, max_iterations=5, checkpoint_dir=tmp_path).train()
    net = instrumented(TwoLayerNet(8, 6, 3, seed=1), nan_at=1)
    trainer = make_trainer(net, data)
    trainer.resume(tmp_path / "latest.npz")
    start = params_of(net)
    with pytest.raises(TrainingDivergedError, match="iteration 6.*no earlier state") as info:
        trainer.train()
    assert info.value.restored_iteration == 5 and info.value.checkpoint_path is None
    for key, value in start.items():
        assert np.array_equal(net.params[key], value)


def test_dropout_network_rolls_back_exactly(data, instrumented):
    import networks
    if not hasattr(networks, "MultiLayerNet"):
        pytest.skip("networks has no MultiLayerNet yet")

    def net(seed=1):
        return networks.MultiLayerNet(8, [10], 3, use_dropout=True, dropout_ratio=0.3, use_batchnorm=True, seed=seed)

    faulty = instrumented(net(), nan_at=15)
    with pytest.raises(TrainingDivergedError):
        make_trainer(faulty, data, optimizer="sgd", optimizer_param={"lr": 0.1}).train()
    expected = net()
    make_trainer(expected, data, optimizer="sgd", optimizer_param={"lr": 0.1}, max_iterations=13).train()
    for key in expected.params:
        assert np.array_equal(faulty.params[key], expected.params[key]), key
    bn, bn_expected = faulty.layers["BatchNorm1"], expected.layers["BatchNorm1"]
    for key in bn.buffers:
        assert np.array_equal(bn.buffers[key], bn_expected.buffers[key]), key


def test_a_diverged_npz_that_cannot_be_written_leaves_the_divergence_said(data, instrumented, tmp_path):
    """The save's failure goes into the divergence's message: before, its OSError replaced the message."""
    (tmp_path / "diverged.npz").mkdir()   # a folder where the file goes, as a full disk would fail it
    net = instrumented(TwoLayerNet(8, 6, 3, seed=1), nan_at=5)
    with pytest.raises(TrainingDivergedError) as info:
        make_trainer(net, data, optimizer="sgd", optimizer_param={"lr": 0.1}, checkpoint_dir=tmp_path).train()
    assert info.value.iteration == 5 and info.value.checkpoint_path is None
    message = str(info.value)
    assert f"Saving them to {tmp_path / 'diverged.npz'} failed" in message and "Try a smaller learning rate" in message
