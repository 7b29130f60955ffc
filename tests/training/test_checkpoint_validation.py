"""A checkpoint that does not describe a state the Trainer could be in is refused before anything changes.

Each case edits a good checkpoint (epoch 1, iteration 7, batch 2 of an epoch of 5 batches) in one way,
and checks that resuming raises CheckpointError naming the file and leaves the network, the optimiser,
the trainer and every generator as they were.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from networks import MultiLayerNet
from training import Checkpoint, CheckpointError, Trainer, TrainingDivergedError, load_checkpoint, save_checkpoint
from training.network_state import network_state

N, BATCH, PER_EPOCH = 45, 10, 5     # 5 updates per epoch, the last one of 5 samples


@pytest.fixture
def data(blobs):
    x, t = blobs(N)
    x_test, t_test = blobs(20, seed=1)
    return x, t, x_test, t_test


def make_net(seed: int) -> MultiLayerNet:
    return MultiLayerNet(8, [10, 10], 3, use_dropout=True, dropout_ratio=0.2, use_batchnorm=True, seed=seed)


def make_trainer(network: Any, data, **kwargs: Any) -> Trainer:
    settings = {"epochs": 3, "mini_batch_size": BATCH, "seed": 3, "optimizer": "adam",
                "optimizer_param": {"lr": 0.01}, "verbose": False, "progress": False, **kwargs}
    return Trainer(network, *data, **settings)


@pytest.fixture
def good(data, tmp_path) -> Checkpoint:
    """A checkpoint in the middle of the second epoch: epoch 1, iteration 7, batch 2, permutation stored."""
    make_trainer(make_net(1), data, max_iterations=7, checkpoint_dir=tmp_path / "run").train()
    checkpoint = load_checkpoint(tmp_path / "run" / "latest.npz")
    assert (checkpoint.epoch, checkpoint.iteration, checkpoint.batch_in_epoch) == (1, 7, 2)
    assert checkpoint.permutation is not None
    return checkpoint


def fingerprint(trainer: Trainer) -> dict[str, Any]:
    """Everything a resume may change: parameters, layer state, optimiser, generator, position, history."""
    return copy.deepcopy({
        "params": dict(trainer.network.params),
        "network": network_state(trainer.network),
        "optimizer": trainer.optimizer.state_dict(),
        "lr": trainer.optimizer.lr,
        "rng": trainer.rng.bit_generator.state,
        "position": (trainer.current_epoch, trainer.current_iter, trainer._batch, trainer._perm),
        "history": trainer.history.to_dict(),
    })


def assert_same(a: Any, b: Any, where: str = "state") -> None:
    if isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), where
        for key in a:
            assert_same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list | tuple):
        assert type(a) is type(b) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, np.ndarray | np.generic):
        assert type(a) is type(b) and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True), where
    else:
        assert type(a) is type(b) and a == b, where


def busy_trainer(data) -> Trainer:
    """A trainer of the same run that has made 3 updates of its own, so that it has state to lose."""
    trainer = make_trainer(make_net(9), data, max_iterations=3)
    trainer.train()
    return trainer


def assert_refused(data, tmp_path, checkpoint: Checkpoint, match: str) -> CheckpointError:
    """Resuming from ``checkpoint`` raises CheckpointError naming the file and matching ``match``; nothing changes."""
    path = save_checkpoint(tmp_path / "edited.npz", checkpoint)
    trainer = busy_trainer(data)
    before = fingerprint(trainer)
    with pytest.raises(CheckpointError, match=match) as info:
        trainer.resume(path)
    assert str(path) in str(info.value)
    assert_same(before, fingerprint(trainer))
    with pytest.raises(CheckpointError, match=match):
        Trainer.from_checkpoint(path, make_net(5), *data, verbose=False, progress=False)
    return info.value


def test_the_good_checkpoint_resumes_to_the_uninterrupted_run(data, good, tmp_path):
    expected = make_net(1)
    expected_history = make_trainer(expected, data).train()
    net = make_net(5)
    trainer = make_trainer(net, data)
    trainer.resume(save_checkpoint(tmp_path / "copy.npz", good))
    history = trainer.train()
    assert history.iteration_list == [5, 7, 10, 15]      # plus the evaluation where max_iterations stopped it
    assert history.train_loss_list == expected_history.train_loss_list
    for key in expected.params:
        assert np.array_equal(net.params[key], expected.params[key])


# -- 1. optimiser state that does not fit the parameters ------------------------------------------
@pytest.mark.parametrize(("entry", "value", "shown"), [
    ("m", np.zeros((2, 2), np.float32), r"float32\[2, 2\]"),
    ("v", np.zeros((10, 8), np.float32), r"float32\[10, 8\]"),      # the transpose: same size, other shape
    ("m", np.zeros((8, 10), np.float64), r"float64\[8, 10\]"),      # right shape, other dtype
    ("m", np.float32(0.5), r"float32\[\]"),                         # a 0-d float would broadcast
])
def test_optimizer_state_of_another_shape_or_dtype_is_refused(data, good, tmp_path, entry, value, shown):
    good.optimizer_state["state"]["W1"][entry] = value
    if entry == "m" and np.ndim(value) == 2:
        good.optimizer_state["state"]["W1"]["v"] = np.zeros_like(value)
    assert_refused(data, tmp_path, good, rf"optimizer/state/W1/{entry}.* {shown}.*float32\[8, 10\]")


def test_optimizer_state_is_refused_before_train_moves_anything(data, good, tmp_path):
    """A case that once got through: m and v of shape (2, 2) for W1; resume refuses, so train() never starts."""
    for entry in ("m", "v"):
        good.optimizer_state["state"]["W1"][entry] = np.zeros((2, 2), np.float32)
    path = save_checkpoint(tmp_path / "small_state.npz", good)
    trainer = make_trainer(make_net(5), data)
    running_mean = trainer.network.layers["BatchNorm1"].running_mean.copy()
    with pytest.raises(CheckpointError, match="small_state.npz"):
        trainer.resume(path)
    trainer.train()      # starts from scratch, untouched by the refused file
    assert not np.array_equal(trainer.network.layers["BatchNorm1"].running_mean, running_mean)


# -- 2. malformed generator and layer state ---------------------------------------------------------
def set_rng(value: Any) -> Callable[[Checkpoint], None]:
    def edit(checkpoint: Checkpoint) -> None:
        checkpoint.rng_state["state"]["state"] = value
    return edit


def set_dropout_rng(value: Any) -> Callable[[Checkpoint], None]:
    def edit(checkpoint: Checkpoint) -> None:
        checkpoint.network_state["Dropout1"]["generators"]["rng"]["state"]["state"] = value
    return edit


def set_layer(value: Any) -> Callable[[Checkpoint], None]:
    def edit(checkpoint: Checkpoint) -> None:
        checkpoint.network_state["BatchNorm1"] = value
    return edit


@pytest.mark.parametrize("edit", [
    set_rng(-1), set_rng(2 ** 200), set_rng(1.5), set_rng("12"),
    set_dropout_rng(-1), set_dropout_rng(2 ** 200), set_dropout_rng(1.5),
    set_layer([1, 2]), set_layer({"buffers": [1, 2], "generators": {}}),
    set_layer({"buffers": {}, "generators": "rng"}), set_layer({"generators": {}}),
], ids=["rng-1", "rng-2**200", "rng-1.5", "rng-str", "dropout-1", "dropout-2**200", "dropout-1.5",
        "layer-list", "buffers-list", "generators-str", "no-buffers"])
def test_malformed_generator_or_layer_state_is_refused(data, good, tmp_path, edit):
    edit(good)
    assert_refused(data, tmp_path, good, "generator|layer state|BatchNorm1")


# -- 3. an inconsistent position or history -------------------------------------------------------
def set_position(epoch: int, iteration: int, batch: int, permutation: bool = True) -> Callable[[Checkpoint], None]:
    def edit(checkpoint: Checkpoint) -> None:
        checkpoint.epoch, checkpoint.iteration, checkpoint.batch_in_epoch = epoch, iteration, batch
        if not permutation:
            checkpoint.permutation = None
        checkpoint.history["train_loss_list"] = checkpoint.history["train_loss_list"][:iteration]
        keep = sum(1 for it in checkpoint.history["iteration_list"] if it <= iteration)
        for name in ("train_acc_list", "test_acc_list", "epoch_list", "iteration_list", "lr_list"):
            checkpoint.history[name] = checkpoint.history[name][:keep]
    return edit


@pytest.mark.parametrize("edit", [
    set_position(0, 7, 5),                     # a case that once got through: 0 * 5 + 5 != 7
    set_position(1, 7, 1),                     # 1 * 5 + 1 != 7
    set_position(0, 6, 6),                     # past the end of an epoch of 5 batches
    set_position(1, 7, 2, permutation=False),  # inside an epoch, but no order stored to continue it
    set_position(2, 7, 0),
], ids=["epoch0-batch5", "batch1", "batch6", "no-permutation", "epoch2"])
def test_an_inconsistent_position_is_refused(data, good, tmp_path, edit):
    edit(good)
    assert_refused(data, tmp_path, good, "batch|iteration|epoch")


def set_history(name: str, value: Any) -> Callable[[Checkpoint], None]:
    def edit(checkpoint: Checkpoint) -> None:
        checkpoint.history[name] = value
    return edit


@pytest.mark.parametrize("edit", [
    set_history("train_loss_list", "1234567"),          # a string of 7 characters is not 7 losses
    set_history("train_loss_list", ["1"] * 7),
    set_history("train_loss_list", [True] * 7),
    set_history("train_acc_list", "ab"),
    set_history("test_acc_list", [0.5, None]),
    set_history("iteration_list", [5, 7.5]),
    set_history("iteration_list", [7, 5]),               # evaluations out of order
    set_history("iteration_list", [5, 9]),               # an evaluation after update 7
], ids=["loss-str", "loss-strs", "loss-bools", "acc-str", "acc-none", "it-float", "it-order", "it-late"])
def test_a_malformed_history_is_refused(data, good, tmp_path, edit):
    edit(good)
    assert_refused(data, tmp_path, good, "history|History")


def test_the_end_of_an_epoch_before_its_evaluation_is_accepted(data, tmp_path):
    """A KeyboardInterrupt outside a step (here: in the end-of-epoch evaluation) saves batch == 5 with the
    permutation: the epoch's updates are done, its evaluation is not. That is a position the Trainer
    itself writes, so it must resume, and to the uninterrupted run."""
    expected = make_net(1)
    expected_history = make_trainer(expected, data).train()

    class InterruptedEvaluation(MultiLayerNet):
        def accuracy(self, x: np.ndarray, t: np.ndarray) -> float:
            raise KeyboardInterrupt

    net = InterruptedEvaluation(8, [10, 10], 3, use_dropout=True, dropout_ratio=0.2, use_batchnorm=True, seed=1)
    with pytest.raises(KeyboardInterrupt) as info:
        make_trainer(net, data, checkpoint_dir=tmp_path).train()
    saved = load_checkpoint(info.value.checkpoint_path)
    assert (saved.epoch, saved.iteration, saved.batch_in_epoch) == (0, PER_EPOCH, PER_EPOCH)
    assert saved.permutation is not None
    resumed = make_net(5)
    history = Trainer.from_checkpoint(info.value.checkpoint_path, resumed, *data, verbose=False,
                                      progress=False).train()
    assert history.to_dict() == expected_history.to_dict()
    for key in expected.params:
        assert np.array_equal(resumed.params[key], expected.params[key])


# -- 4. the learning rate a schedule returns ------------------------------------------------------
def bad_schedule(value: Any, from_epoch: float = 0.0) -> Callable[[float], Any]:
    def schedule(epoch: float) -> Any:
        return value if epoch >= from_epoch else 0.01
    return schedule


@pytest.mark.parametrize("value", [-0.5, -1e-300, math.nan, math.inf, "abc", None, True, np.array([0.1])],
                         ids=["negative", "tiny-negative", "nan", "inf", "str", "none", "bool", "array"])
def test_a_schedule_must_return_a_finite_number_not_below_zero(data, value):
    net = make_net(1)
    before = {k: v.copy() for k, v in net.params.items()}
    trainer = make_trainer(net, data, schedule=bad_schedule(value))
    where = r"schedule .*<locals>.schedule .*position 0 \(epoch 1, batch 1 of 5\)"
    with pytest.raises(ValueError, match=where) as info:
        trainer.train()
    assert f"returned {value!r}" in str(info.value)
    assert not isinstance(info.value, TrainingDivergedError)
    assert "smaller learning rate" not in str(info.value)
    assert trainer.current_iter == 0 and trainer.history.iterations == 0
    for key in before:
        assert np.array_equal(net.params[key], before[key])


def test_a_bad_learning_rate_later_names_its_position(data):
    trainer = make_trainer(make_net(1), data, schedule=bad_schedule(-1.0, from_epoch=1.4))
    where = r"bad_schedule.<locals>.schedule returned -1\.0 at position 1\.4 \(epoch 2, batch 3 of 5\)"
    with pytest.raises(ValueError, match=where):
        trainer.train()
    assert trainer.current_iter == 7      # updates up to position 1.4 done; the refused one not started


# -- 5. a stored config the Trainer refuses --------------------------------------------------------
@pytest.mark.parametrize(("key", "value", "message"), [
    ("epochs", 0, "epochs must be a positive integer"),
    ("optimizer", "Foo", "unknown optimizer 'Foo'"),
    ("max_iterations", -3, "max_iterations must be a positive integer"),
    ("evaluate_sample_num_per_epoch", 0, "evaluate_sample_num_per_epoch must be a positive integer"),
    ("optimizer_param", {"lr": -1.0}, "learning rate must be positive"),
])
def test_from_checkpoint_names_the_file_for_a_bad_stored_config(data, good, tmp_path, key, value, message):
    good.config[key] = value
    path = save_checkpoint(tmp_path / "config.npz", good)
    with pytest.raises(CheckpointError, match=message) as info:
        Trainer.from_checkpoint(path, make_net(5), *data, verbose=False, progress=False)
    assert str(path) in str(info.value) and f"config.{key}" in str(info.value)


def test_from_checkpoint_blames_a_bad_override_not_the_file(data, good, tmp_path):
    path = save_checkpoint(tmp_path / "fine.npz", good)
    with pytest.raises(ValueError, match="epochs must be a positive integer") as info:
        Trainer.from_checkpoint(path, make_net(5), *data, epochs=0, verbose=False, progress=False)
    assert not isinstance(info.value, CheckpointError)


def test_from_checkpoint_names_the_file_when_neither_limit_is_stored(data, good, tmp_path):
    good.config["epochs"] = good.config["max_iterations"] = None
    path = save_checkpoint(tmp_path / "unbounded.npz", good)
    with pytest.raises(CheckpointError, match=r"unbounded.npz.*config.epochs.*give epochs or max_iterations"):
        Trainer.from_checkpoint(path, make_net(5), *data, verbose=False, progress=False)
    Trainer.from_checkpoint(path, make_net(5), *data, epochs=3, verbose=False, progress=False).train()
