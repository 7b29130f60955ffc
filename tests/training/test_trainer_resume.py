"""Interrupting and resuming a run ends with bit-for-bit the parameters of a run never interrupted."""

from __future__ import annotations

import signal

import numpy as np
import pytest

from networks import TwoLayerNet
from training import CheckpointError, CosineDecay, Trainer, TrainingInterrupted, available_optimizers, load_checkpoint

N, BATCH, EPOCHS = 203, 20, 4      # 11 updates per epoch, the last one of 3 samples
PER_EPOCH = 11


def optimizer_settings(kind, heavy_ball):
    """Keyword arguments choosing the optimiser; a fresh instance each call (instances carry state)."""
    if kind == "heavy-ball":
        return {"optimizer": heavy_ball(lr=0.05, momentum=0.9)}
    if kind not in available_optimizers():
        pytest.skip(f"optimizers package has no {kind!r} yet")
    lr = {"sgd": 0.1, "momentum": 0.05, "adam": 0.01}[kind]
    return {"optimizer": kind, "optimizer_param": {"lr": lr}}


def make_trainer(network, data, *, epochs=EPOCHS, **kwargs):
    x, t, x_test, t_test = data
    settings = {"verbose": False, "progress": False, "mini_batch_size": BATCH, "seed": 3, **kwargs}
    return Trainer(network, x, t, x_test, t_test, epochs=epochs, **settings)


@pytest.fixture
def data(blobs):
    x, t = blobs(N)
    x_test, t_test = blobs(40, seed=1)
    return x, t, x_test, t_test


def reference_run(data, **kwargs):
    net = TwoLayerNet(8, 6, 3, seed=1)
    history = make_trainer(net, data, **kwargs).train()
    return net, history


def assert_same_params(a, b):
    assert list(a.params) == list(b.params)
    for key in a.params:
        assert np.array_equal(a.params[key], b.params[key]), key


@pytest.mark.parametrize("kind", ["sgd", "heavy-ball", "momentum", "adam"])
@pytest.mark.parametrize("interrupt_at", [1, 5, 11, 12, 23, 44])
def test_resume_after_ctrl_c_matches_an_uninterrupted_run(data, instrumented, heavy_ball, tmp_path, kind, interrupt_at):
    expected, expected_history = reference_run(data, **optimizer_settings(kind, heavy_ball))

    interrupted = instrumented(TwoLayerNet(8, 6, 3, seed=1), raise_at=interrupt_at)
    trainer = make_trainer(interrupted, data, checkpoint_dir=tmp_path, **optimizer_settings(kind, heavy_ball))
    with pytest.raises(TrainingInterrupted) as info:
        trainer.train()
    path = info.value.checkpoint_path
    assert path == tmp_path / "latest.npz" and path.is_file()
    assert info.value.iteration == interrupt_at - 1          # the interrupted update was never applied
    assert str(path) in str(info.value) and "resume" in str(info.value)

    # a fresh process would start from a differently initialised network: the checkpoint must override it
    resumed_net = TwoLayerNet(8, 6, 3, seed=99)
    resumed = make_trainer(resumed_net, data, checkpoint_dir=tmp_path, **optimizer_settings(kind, heavy_ball))
    resumed.resume(path)
    assert resumed.current_iter == interrupt_at - 1
    history = resumed.train()
    assert_same_params(resumed_net, expected)
    assert history.to_dict() == expected_history.to_dict()


def test_real_sigint_stops_at_the_next_batch_boundary(data, instrumented, tmp_path):
    expected, _ = reference_run(data)
    net = instrumented(TwoLayerNet(8, 6, 3, seed=1), sigint_at=7)
    trainer = make_trainer(net, data, checkpoint_dir=tmp_path)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    with pytest.raises(TrainingInterrupted) as info:
        trainer.train()
    assert info.value.iteration == 7                          # update 7 completed, then the loop stopped
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler   # handler restored
    resumed_net = TwoLayerNet(8, 6, 3, seed=5)
    Trainer.from_checkpoint(info.value.checkpoint_path, resumed_net, *data, verbose=False, progress=False).train()
    assert_same_params(resumed_net, expected)


def test_without_checkpoint_dir_the_trainer_itself_continues(data, instrumented):
    expected, expected_history = reference_run(data)
    net = instrumented(TwoLayerNet(8, 6, 3, seed=1), raise_at=17)
    trainer = make_trainer(net, data)
    with pytest.raises(TrainingInterrupted, match="nothing was saved") as info:
        trainer.train()
    assert info.value.checkpoint_path is None
    history = trainer.train()
    assert_same_params(net, expected)
    assert history.to_dict() == expected_history.to_dict()


def test_resume_from_an_epoch_checkpoint_to_train_longer(data, tmp_path):
    expected, expected_history = reference_run(data, schedule=CosineDecay(0.2, total_epochs=EPOCHS))
    short = make_trainer(TwoLayerNet(8, 6, 3, seed=1), data, epochs=2, checkpoint_dir=tmp_path,
                         schedule=CosineDecay(0.2, total_epochs=EPOCHS))
    short.train()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest.npz"]
    saved = load_checkpoint(tmp_path / "latest.npz")
    assert (saved.epoch, saved.iteration, saved.batch_in_epoch, saved.permutation) == (2, 22, 0, None)
    assert saved.config == short.config

    net = TwoLayerNet(8, 6, 3, seed=7)
    longer = Trainer.from_checkpoint(tmp_path / "latest.npz", net, *data, epochs=EPOCHS, verbose=False,
                                     progress=False)
    assert isinstance(longer.schedule, CosineDecay) and longer.schedule.config() == short.schedule.config()
    history = longer.train()
    assert_same_params(net, expected)
    assert history.to_dict() == expected_history.to_dict()


def test_resume_after_max_iterations_continues_the_same_epoch(data, tmp_path):
    expected, _ = reference_run(data)
    make_trainer(TwoLayerNet(8, 6, 3, seed=1), data, max_iterations=16, checkpoint_dir=tmp_path).train()
    saved = load_checkpoint(tmp_path / "latest.npz")
    assert (saved.epoch, saved.iteration, saved.batch_in_epoch) == (1, 16, 5)
    assert saved.permutation is not None and sorted(saved.permutation) == list(range(N))
    net = TwoLayerNet(8, 6, 3, seed=2)
    trainer = make_trainer(net, data)
    trainer.resume(tmp_path / "latest.npz")
    trainer.train()
    assert_same_params(net, expected)


def test_resume_refuses_a_checkpoint_from_another_run(data, tmp_path):
    make_trainer(TwoLayerNet(8, 6, 3, seed=1), data, epochs=1, checkpoint_dir=tmp_path).train()
    path = tmp_path / "latest.npz"
    with pytest.raises(CheckpointError, match=r"mini_batch_size 20 \(checkpoint\) vs 25"):
        make_trainer(TwoLayerNet(8, 6, 3, seed=1), data, mini_batch_size=25).resume(path)
    with pytest.raises(CheckpointError, match="seed"):
        make_trainer(TwoLayerNet(8, 6, 3, seed=1), data, seed=4).resume(path)
    net = TwoLayerNet(8, 5, 3, seed=1)
    before = {k: v.copy() for k, v in net.params.items()}
    with pytest.raises(CheckpointError, match=r"parameter 'W1' is float32\[8, 6\].*float32\[8, 5\]"):
        make_trainer(net, data).resume(path)
    for key in before:   # nothing changed by a refused checkpoint
        assert np.array_equal(net.params[key], before[key])


def test_a_new_learning_rate_takes_effect_on_resume(data, tmp_path):
    make_trainer(TwoLayerNet(8, 6, 3, seed=1), data, epochs=1, checkpoint_dir=tmp_path,
                 optimizer_param={"lr": 0.1}).train()
    same = make_trainer(TwoLayerNet(8, 6, 3, seed=1), data, optimizer_param={"lr": 0.1})
    same.resume(tmp_path / "latest.npz")
    lower = make_trainer(TwoLayerNet(8, 6, 3, seed=1), data, optimizer_param={"lr": 0.01})
    lower.resume(tmp_path / "latest.npz")
    assert same.optimizer.lr == 0.1 and lower.optimizer.lr == 0.01


def dropout_batchnorm_net(seed):
    import networks
    if not hasattr(networks, "MultiLayerNet"):
        pytest.skip("networks has no MultiLayerNet yet")
    return networks.MultiLayerNet(8, [10, 10], 3, use_dropout=True, dropout_ratio=0.2, use_batchnorm=True, seed=seed)


@pytest.mark.parametrize("interrupt_at", [6, 12])
def test_resume_restores_dropout_generators_and_running_statistics(data, instrumented, tmp_path, interrupt_at):
    expected = dropout_batchnorm_net(seed=1)
    make_trainer(expected, data, optimizer="adam", optimizer_param={"lr": 0.01}).train()

    net = instrumented(dropout_batchnorm_net(seed=1), raise_at=interrupt_at)
    with pytest.raises(TrainingInterrupted) as info:
        make_trainer(net, data, optimizer="adam", optimizer_param={"lr": 0.01}, checkpoint_dir=tmp_path).train()
    resumed = dropout_batchnorm_net(seed=42)            # other masks and fresh statistics unless restored
    trainer = make_trainer(resumed, data, optimizer="adam", optimizer_param={"lr": 0.01})
    trainer.resume(info.value.checkpoint_path)
    trainer.train()
    assert_same_params(resumed, expected)
    for name in ("BatchNorm1", "BatchNorm2"):
        for attr in ("running_mean", "running_var"):
            assert np.array_equal(getattr(resumed.layers[name], attr), getattr(expected.layers[name], attr))


def test_from_checkpoint_needs_an_instance_optimizer_back(data, heavy_ball, tmp_path):
    expected, _ = reference_run(data, optimizer=heavy_ball(lr=0.05, momentum=0.5))
    trainer = make_trainer(TwoLayerNet(8, 6, 3, seed=1), data, optimizer=heavy_ball(lr=0.05, momentum=0.5),
                           max_iterations=30)
    trainer.train()
    path = trainer.save_checkpoint(tmp_path / "elsewhere" / "run.npz")
    with pytest.raises(CheckpointError, match="HeavyBall instance"):
        Trainer.from_checkpoint(path, TwoLayerNet(8, 6, 3, seed=1), *data)
    net = TwoLayerNet(8, 6, 3, seed=3)
    resumed = Trainer.from_checkpoint(path, net, *data, optimizer=heavy_ball(lr=0.05, momentum=0.5),
                                      max_iterations=None, verbose=False, progress=False)
    assert resumed.checkpoint_dir == tmp_path / "elsewhere"
    resumed.train()
    assert_same_params(net, expected)


@pytest.mark.parametrize(("value", "message"), [
    (-1.0, r"checkpoint '.*': BatchNorm1: expected running_var >= 0 \(a variance\), got minimum -1\.0"),
    (np.nan, r"checkpoint '.*': BatchNorm1: expected finite values in running_var \(float32\), got nan"),
])
def test_resume_refuses_running_statistics_that_make_inference_nan(data, tmp_path, value, message):
    from training.checkpoint import save_checkpoint

    trainer = make_trainer(dropout_batchnorm_net(seed=1), data, max_iterations=3)
    trainer.train()
    path = trainer.save_checkpoint(tmp_path / "run.npz")
    checkpoint = load_checkpoint(path)
    checkpoint.network_state["BatchNorm1"]["buffers"]["running_var"][1] = value
    save_checkpoint(path, checkpoint)

    net = dropout_batchnorm_net(seed=2)
    before = {**{k: v.copy() for k, v in net.params.items()}, **{k: v.copy() for k, v in net.buffers.items()}}
    resumed = make_trainer(net, data, max_iterations=10)
    with pytest.raises(CheckpointError, match=message):
        resumed.resume(path)
    for key, value in {**net.params, **net.buffers}.items():   # nothing changed by a refused checkpoint
        assert np.array_equal(value, before[key], equal_nan=True), key
    assert resumed.current_iter == 0


@pytest.mark.parametrize("interrupt_at", [3, 12])
def test_ctrl_c_between_an_update_and_its_recorded_loss_resumes_to_the_uninterrupted_run(data, tmp_path,
                                                                                        interrupt_at):
    """A KeyboardInterrupt not deferred may land after an update and before its loss is recorded: the
    replay back to a batch boundary records that loss, so the checkpoint is whole and resumes."""
    expected, expected_history = reference_run(data)
    net = TwoLayerNet(8, 6, 3, seed=1)
    trainer = make_trainer(net, data, checkpoint_dir=tmp_path)
    record = trainer.history.record_loss
    calls = 0

    def record_then_interrupt(loss):
        nonlocal calls
        calls += 1
        if calls == interrupt_at:
            raise KeyboardInterrupt
        record(loss)

    trainer.history.record_loss = record_then_interrupt
    with pytest.raises(TrainingInterrupted) as info:
        trainer.train()
    assert info.value.iteration == interrupt_at               # the update itself was applied
    saved = load_checkpoint(info.value.checkpoint_path)
    assert saved.iteration == interrupt_at and len(saved.history["train_loss_list"]) == interrupt_at
    resumed_net = TwoLayerNet(8, 6, 3, seed=5)
    history = Trainer.from_checkpoint(info.value.checkpoint_path, resumed_net, *data, verbose=False,
                                      progress=False).train()
    assert_same_params(resumed_net, expected)
    assert history.to_dict() == expected_history.to_dict()


def test_a_schedule_may_return_zero(data):
    """0 is a schedule's own choice (a warm-up's first step, a cosine decay past its end): no update moves."""
    net = TwoLayerNet(8, 6, 3, seed=1)
    before = {k: v.copy() for k, v in net.params.items()}
    make_trainer(net, data, epochs=1, optimizer="sgd", schedule=lambda epoch: 0.0).train()
    assert_same_params(net, type("Net", (), {"params": before})())


def test_a_place_where_no_checkpoint_can_be_written_is_refused_before_any_training(data, tmp_path):
    """Found when the Trainer is made or training starts, not after an epoch's work."""
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    with pytest.raises(ValueError, match=rf"Trainer: checkpoint_dir {a_file} is not a folder"):
        make_trainer(TwoLayerNet(8, 6, 3, seed=1), data, checkpoint_dir=a_file)
    folder = tmp_path / "run"
    (folder / "latest.npz").mkdir(parents=True)
    with pytest.raises(ValueError, match="latest.npz cannot be written: a folder is in its place"):
        make_trainer(TwoLayerNet(8, 6, 3, seed=1), data, checkpoint_dir=folder)
    net = TwoLayerNet(8, 6, 3, seed=1)
    before = {k: v.copy() for k, v in net.params.items()}
    trainer = make_trainer(net, data, checkpoint_dir=tmp_path / "later")
    (tmp_path / "later").write_text("made a file after the Trainer")
    with pytest.raises(ValueError, match="is not a folder"):
        trainer.train()
    assert trainer.current_iter == 0 and all(np.array_equal(net.params[k], before[k]) for k in before)
    fresh = make_trainer(TwoLayerNet(8, 6, 3, seed=1), data, checkpoint_dir=tmp_path / "new" / "deeper")
    fresh.train()
    assert (tmp_path / "new" / "deeper" / "latest.npz").is_file()


@pytest.mark.parametrize(("layer", "weight"), [("A1", "enc/W"), ("enc/A1", "W")])
def test_a_name_no_checkpoint_can_hold_is_refused_when_the_trainer_is_made(data, tmp_path, layer, weight):
    """A '/' separates a checkpoint's keys: such a name failed only at the first epoch's end, its work lost."""
    from layers import Affine, SoftmaxWithLoss
    from networks.base import Network

    net = Network()
    net.add_layer(layer, Affine(np.ones((8, 3), np.float32), np.zeros(3, np.float32)), W=weight, b="b")
    net.last_layer = SoftmaxWithLoss()
    with pytest.raises(ValueError, match="cannot be a key of a checkpoint"):
        make_trainer(net, data, optimizer="Adam", checkpoint_dir=tmp_path)
    make_trainer(net, data, optimizer="Adam", epochs=1).train()   # without checkpoints the name is fine


@pytest.mark.parametrize("kind", ["train", "test"])
@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_data_with_nan_or_infinity_is_refused_naming_the_first_sample(data, kind, value):
    """Not left to surface as a diverged loss whose message blames the learning rate."""
    x, t, x_test, t_test = (np.array(a, copy=True) for a in data)
    bad = x if kind == "train" else x_test
    bad[7, 2] = value
    bad[9, 0] = -value
    with pytest.raises(ValueError, match=rf"Trainer: x_{kind} holds NaN or infinite values, in 2 sample\(s\) "
                                         r"\(the first: index 7\)"):
        Trainer(TwoLayerNet(8, 6, 3, seed=1), x, t, x_test, t_test, epochs=1, verbose=False, progress=False)
    huge = np.full_like(x, 3e38, dtype=np.float32)  # finite, though their float32 sum would not be
    Trainer(TwoLayerNet(8, 6, 3, seed=1), huge, t, data[2], data[3], epochs=1, verbose=False, progress=False)


def test_a_checkpoint_of_another_network_with_the_same_parameters_is_refused(data, tmp_path):
    """Chapter 4's sigmoid TwoLayerNet has chapter 5's parameters: its layers tell them apart."""
    make_trainer(TwoLayerNet(8, 6, 3, seed=1, activation="sigmoid"), data, epochs=1, checkpoint_dir=tmp_path).train()
    relu = make_trainer(TwoLayerNet(8, 6, 3, seed=1), data, epochs=2, checkpoint_dir=tmp_path)
    with pytest.raises(CheckpointError, match=r"comes from a different network: its \[layer, class\] are "
                                              r".*\['Sigmoid1', 'Sigmoid'\].*\['Relu1', 'Relu'\]"):
        relu.resume(tmp_path / "latest.npz")
    fast = make_trainer(TwoLayerNet(8, 6, 3, seed=1, activation="sigmoid", fast=True), data, epochs=2,
                        checkpoint_dir=tmp_path)
    fast.resume(tmp_path / "latest.npz")  # the engine's build is the same network
    assert fast.current_epoch == 1


def test_a_checkpoint_written_before_layers_were_recorded_still_resumes(data, tmp_path):
    from training import save_checkpoint

    make_trainer(TwoLayerNet(8, 6, 3, seed=1), data, epochs=1, checkpoint_dir=tmp_path).train()
    old = load_checkpoint(tmp_path / "latest.npz")
    del old.config["layers"]
    save_checkpoint(tmp_path / "latest.npz", old)
    trainer = make_trainer(TwoLayerNet(8, 6, 3, seed=1), data, epochs=2, checkpoint_dir=tmp_path)
    trainer.resume(tmp_path / "latest.npz")
    assert trainer.current_epoch == 1


def test_a_checkpoint_in_a_folder_that_cannot_be_written_can_still_be_loaded(data, tmp_path, monkeypatch):
    make_trainer(TwoLayerNet(8, 6, 3, seed=1), data, epochs=1, checkpoint_dir=tmp_path).train()
    import training.trainer as trainer_module

    monkeypatch.setattr(trainer_module.os, "access", lambda *args, **kwargs: False)  # as a read-only mount
    x, t, x_test, t_test = data
    loaded = Trainer.from_checkpoint(tmp_path / "latest.npz", TwoLayerNet(8, 6, 3, seed=1), x, t, x_test, t_test,
                                     epochs=2, verbose=False, progress=False)
    assert loaded.current_epoch == 1
    with pytest.raises(ValueError, match="is not writable"):
        loaded.train()


def test_labels_with_nan_are_refused_as_data_is(data):
    x, t, x_test, t_test = data
    rows = np.eye(3)[t]
    rows[4, 0] = np.nan
    with pytest.raises(ValueError, match=r"Trainer: t_train holds NaN or infinite values, in 1 sample\(s\) "
                                         r"\(the first: index 4\)"):
        Trainer(TwoLayerNet(8, 6, 3, seed=1), x, rows, x_test, t_test, epochs=1, verbose=False, progress=False)


def test_a_new_run_never_replaces_another_runs_checkpoint(data, tmp_path):
    """A fresh Trainer whose checkpoint_dir holds latest.npz refuses to start (it would overwrite it at its
    first epoch's end); the Trainer that wrote it, or one resumed from it, goes on."""
    first = make_trainer(TwoLayerNet(8, 6, 3, seed=1), data, max_iterations=PER_EPOCH, checkpoint_dir=tmp_path)
    first.train()
    saved = (tmp_path / "latest.npz").read_bytes()
    fresh = make_trainer(TwoLayerNet(8, 6, 3, seed=2), data, checkpoint_dir=tmp_path)
    with pytest.raises(ValueError, match="latest.npz holds an earlier run's checkpoint.*resume"):
        fresh.train()
    assert (tmp_path / "latest.npz").read_bytes() == saved

    first.train()                            # the run that wrote it may train again (here: nothing left to do)
    resumed = Trainer.from_checkpoint(tmp_path / "latest.npz", TwoLayerNet(8, 6, 3, seed=1), *data,
                                      max_iterations=None, verbose=False, progress=False)
    resumed.train()                          # and so may one resumed from it
    assert load_checkpoint(tmp_path / "latest.npz").iteration == EPOCHS * PER_EPOCH


@pytest.mark.parametrize("overrides", [{"epochs": 3}, {}, {"max_iterations": 5}])
def test_a_resumed_run_with_nothing_left_to_train_says_so(data, tmp_path, overrides):
    """A run capped at 11 updates, resumed with epochs=3 (the stored cap stays), its own settings, or a cap below
    where it is: train() would return at once, looking like training happened."""
    make_trainer(TwoLayerNet(8, 6, 3, seed=1), data, max_iterations=PER_EPOCH, checkpoint_dir=tmp_path).train()
    trainer = Trainer.from_checkpoint(tmp_path / "latest.npz", TwoLayerNet(8, 6, 3, seed=1), *data,
                                      verbose=False, progress=False, **overrides)
    assert trainer.finished
    with pytest.raises(ValueError, match="nothing to train: the run was resumed at iteration 11"):
        trainer.train()
    more = Trainer.from_checkpoint(tmp_path / "latest.npz", TwoLayerNet(8, 6, 3, seed=1), *data,
                                   verbose=False, progress=False, epochs=2, max_iterations=None)
    assert not more.finished
    assert more.train().iterations == 2 * PER_EPOCH


def test_a_run_resumed_from_another_file_does_not_replace_the_folders_checkpoint(data, tmp_path):
    make_trainer(TwoLayerNet(8, 6, 3, seed=1), data, max_iterations=PER_EPOCH, checkpoint_dir=tmp_path).train()
    (tmp_path / "latest.npz").rename(tmp_path / "run_a.npz")
    make_trainer(TwoLayerNet(8, 6, 3, seed=1), data, max_iterations=3, checkpoint_dir=tmp_path).train()
    assert_refused_keeping_latest(tmp_path / "run_a.npz", data)


def assert_refused_keeping_latest(resume_from, data):
    """Resuming ``resume_from`` in its folder is refused at train(), and the folder's latest.npz stays."""
    latest = resume_from.parent / "latest.npz"
    kept = latest.read_bytes()
    trainer = Trainer.from_checkpoint(resume_from, TwoLayerNet(8, 6, 3, seed=1), *data, verbose=False,
                                      progress=False)
    with pytest.raises(ValueError, match="holds an earlier run's checkpoint"):
        trainer.train()
    assert latest.read_bytes() == kept


def test_resuming_without_the_schedule_uses_the_configured_learning_rate(data, tmp_path):
    """Dropping a schedule on resume: the run goes on at the optimiser's own lr, not the schedule's last."""
    make_trainer(TwoLayerNet(8, 6, 3, seed=1), data, max_iterations=PER_EPOCH, checkpoint_dir=tmp_path,
                 optimizer="sgd", optimizer_param={"lr": 0.1}, schedule=CosineDecay(0.1, EPOCHS)).train()
    assert load_checkpoint(tmp_path / "latest.npz").optimizer_state["lr"] < 0.1   # the schedule had lowered it
    trainer = Trainer.from_checkpoint(tmp_path / "latest.npz", TwoLayerNet(8, 6, 3, seed=1), *data, schedule=None,
                                      max_iterations=None, verbose=False, progress=False)
    assert trainer.optimizer.lr == 0.1


def test_a_run_trained_with_an_optimiser_instance_is_not_resumed_by_name(data, heavy_ball, tmp_path):
    from optimizers import Adam

    make_trainer(TwoLayerNet(8, 6, 3, seed=1), data, max_iterations=PER_EPOCH, checkpoint_dir=tmp_path,
                 optimizer=Adam(lr=0.01, beta1=0.5)).train()
    with pytest.raises(CheckpointError, match="pass optimizer=<the same instance>.*a name would take"):
        Trainer.from_checkpoint(tmp_path / "latest.npz", TwoLayerNet(8, 6, 3, seed=1), *data, optimizer="adam",
                                verbose=False, progress=False)
    resumed = Trainer.from_checkpoint(tmp_path / "latest.npz", TwoLayerNet(8, 6, 3, seed=1), *data,
                                      optimizer=Adam(lr=0.01, beta1=0.5), max_iterations=None,
                                      verbose=False, progress=False)
    assert resumed.optimizer.beta1 == 0.5


def test_a_run_that_diverged_goes_on_from_diverged_npz_in_its_own_folder(data, instrumented, tmp_path):
    """diverged.npz and latest.npz come from the same run: continuing from either is that run going on."""
    from training import TrainingDivergedError

    net = instrumented(TwoLayerNet(8, 6, 3, seed=1), nan_at=PER_EPOCH + 4)
    with pytest.raises(TrainingDivergedError) as info:
        make_trainer(net, data, checkpoint_dir=tmp_path).train()
    assert info.value.checkpoint_path == tmp_path / "diverged.npz" and (tmp_path / "latest.npz").is_file()
    resumed = Trainer.from_checkpoint(info.value.checkpoint_path, TwoLayerNet(8, 6, 3, seed=1), *data,
                                      verbose=False, progress=False)
    assert resumed.train().iterations == EPOCHS * PER_EPOCH


@pytest.mark.parametrize("stop", ["epochs", "max_iterations"])
def test_a_run_stopped_in_its_last_evaluation_is_not_finished(data, tmp_path, stop):
    """A KeyboardInterrupt that lands in the evaluation after the last update (not deferred: another SIGINT
    handler, a worker thread) saves the run with that evaluation still to do; resuming does it."""
    limits = {"epochs": 1} if stop == "epochs" else {"epochs": None, "max_iterations": 5}

    class InterruptedEvaluation(TwoLayerNet):
        def accuracy(self, x, t):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        make_trainer(InterruptedEvaluation(8, 6, 3, seed=1), data, checkpoint_dir=tmp_path, **limits).train()
    saved = load_checkpoint(tmp_path / "latest.npz")
    expected_iterations = PER_EPOCH if stop == "epochs" else 5
    assert saved.iteration == expected_iterations and not saved.history["iteration_list"]
    resumed = Trainer.from_checkpoint(tmp_path / "latest.npz", TwoLayerNet(8, 6, 3, seed=1), *data,
                                      verbose=False, progress=False)
    assert not resumed.finished
    history = resumed.train()
    assert history.iteration_list == [expected_iterations] and resumed.finished


@pytest.mark.parametrize("set_since", [None, 0.001])
def test_dropping_the_schedule_with_the_same_optimiser_instance(data, tmp_path, set_since):
    """After Ctrl-C in a notebook the same instance is passed again: its lr is where the schedule left it,
    and the run's own lr comes back, unless the user has set one since (as the divergence message advises)."""
    from optimizers import SGD

    optimizer = SGD(lr=0.1)
    make_trainer(TwoLayerNet(8, 6, 3, seed=1), data, max_iterations=PER_EPOCH, checkpoint_dir=tmp_path,
                 optimizer=optimizer, schedule=CosineDecay(0.1, EPOCHS)).train()
    assert optimizer.lr < 0.1
    if set_since is not None:
        optimizer.lr = set_since
    resumed = Trainer.from_checkpoint(tmp_path / "latest.npz", TwoLayerNet(8, 6, 3, seed=1), *data,
                                      optimizer=optimizer, schedule=None, max_iterations=None,
                                      verbose=False, progress=False)
    assert resumed.optimizer.lr == (0.1 if set_since is None else set_since)


def test_an_earlier_runs_diverged_npz_does_not_replace_a_later_runs_checkpoint(data, instrumented, tmp_path):
    from training import TrainingDivergedError

    with pytest.raises(TrainingDivergedError):
        make_trainer(instrumented(TwoLayerNet(8, 6, 3, seed=1), nan_at=PER_EPOCH + 4), data,
                     checkpoint_dir=tmp_path).train()
    (tmp_path / "latest.npz").unlink()                      # starting afresh, as the message says
    make_trainer(TwoLayerNet(8, 6, 3, seed=2), data, max_iterations=3, checkpoint_dir=tmp_path,
                 optimizer="sgd", optimizer_param={"lr": 0.05}).train()   # another run: other weights and lr
    assert_refused_keeping_latest(tmp_path / "diverged.npz", data)
