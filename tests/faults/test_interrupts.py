"""Interrupts inside one process: KeyboardInterrupts that could not be deferred (raised in the middle of a
step or of an update), real SIGINTs inside a forward pass and inside a checkpoint write, a failed save
after Ctrl-C, stale temporary files, and what the command line prints."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

import training.checkpoint
from fileio import remove_stale_temp_files, sigint_deferred
from networks import MultiLayerNet
from optimizers import Adam
from training import Trainer, TrainingInterrupted, load_checkpoint, save_checkpoint

N, BATCH, EPOCHS = 50, 10, 3        # 5 updates per epoch


def network() -> MultiLayerNet:
    return MultiLayerNet(8, [10, 10], 3, use_dropout=True, dropout_ratio=0.3, use_batchnorm=True, seed=1)


def data():
    rng = np.random.default_rng(0)
    centres = 3.0 * rng.standard_normal((3, 8))
    t = rng.integers(0, 3, N)
    x = (centres[t] + rng.standard_normal((N, 8))).astype(np.float32)
    return x, t, x[:20], t[:20]


def trainer_for(net, checkpoint_dir=None, optimizer=None) -> Trainer:
    return Trainer(net, *data(), epochs=EPOCHS, mini_batch_size=BATCH, optimizer=optimizer or Adam(lr=0.01),
                   seed=4, checkpoint_dir=checkpoint_dir, verbose=False, progress=False)


@pytest.fixture(scope="module")
def reference() -> dict[str, np.ndarray]:
    net = network()
    trainer_for(net).train()
    return {**{k: v.copy() for k, v in net.params.items()}, **net.buffers}


def state_of(net) -> dict[str, np.ndarray]:
    return {**net.params, **net.buffers}


def resume_and_finish(path, optimizer=None) -> dict[str, np.ndarray]:
    net = network()
    trainer = trainer_for(net, optimizer=optimizer)
    trainer.resume(path)
    trainer.train()
    return state_of(net)


def assert_same(got, expected):
    differ = [key for key in expected if not np.array_equal(got[key], expected[key])]
    assert not differ, f"differs from the uninterrupted run in {differ}"


class AfterForward:
    """Wraps a network: on call ``at`` of loss_and_gradient, runs the real forward and backward pass (moving
    Dropout's generator and BatchNorm's statistics), then raises KeyboardInterrupt or sends SIGINTs."""

    def __init__(self, net, at: int, sigints: int = 0) -> None:
        self.net, self.at, self.sigints, self.calls = net, at, sigints, 0
        self.params = net.params

    def __getattr__(self, name):
        return getattr(self.net, name)

    def loss_and_gradient(self, x, t):
        self.calls += 1
        result = self.net.loss_and_gradient(x, t)
        if self.calls == self.at:
            if not self.sigints:
                raise KeyboardInterrupt
            for _ in range(self.sigints):
                os.kill(os.getpid(), signal.SIGINT)
        return result


@pytest.mark.parametrize("at", [1, 3, 6, 11])
def test_an_undeferred_interrupt_after_the_forward_pass_is_undone_by_replay(tmp_path, reference, at):
    """Where SIGINT cannot be deferred, a KeyboardInterrupt may land after the forward pass moved the layers;
    the checkpoint must still hold the state after the last complete update, nothing of the cut step."""
    net = network()
    trainer = trainer_for(AfterForward(net, at), tmp_path)
    with pytest.raises(TrainingInterrupted) as info:
        trainer.train()
    assert info.value.iteration == at - 1
    assert info.value.checkpoint_path == tmp_path / "latest.npz"
    assert_same(resume_and_finish(info.value.checkpoint_path), reference)
    assert_same(state_of(net), resume_state_after(at - 1))


def resume_state_after(updates: int) -> dict[str, np.ndarray]:
    net = network()
    if updates:
        Trainer(net, *data(), epochs=None, max_iterations=updates, mini_batch_size=BATCH, optimizer=Adam(lr=0.01),
                seed=4, verbose=False, progress=False).train()
    return {**{k: v.copy() for k, v in net.params.items()}, **net.buffers}


class HalfUpdate(Adam):
    """Adam that, on update ``at``, updates the first parameter and then is interrupted."""

    def __init__(self, at: int) -> None:
        super().__init__(lr=0.01)
        self.at, self.calls = at, 0

    def update(self, params, grads):
        self.calls += 1
        if self.calls != self.at:
            return super().update(params, grads)
        first = next(iter(params))
        super().update({first: params[first]}, {first: grads[first]})
        raise KeyboardInterrupt


def test_an_interrupt_halfway_through_an_update_is_undone(tmp_path, reference):
    net = network()
    trainer = trainer_for(net, tmp_path, optimizer=HalfUpdate(at=8))
    with pytest.raises(TrainingInterrupted) as info:
        trainer.train()
    assert info.value.iteration == 7
    assert_same(resume_and_finish(info.value.checkpoint_path, HalfUpdate(at=0)), reference)


@pytest.mark.parametrize("sigints", [1, 2, 5])
def test_real_sigints_inside_a_step_wait_for_the_batch_boundary(tmp_path, reference, sigints):
    net = network()
    trainer = trainer_for(AfterForward(net, at=7, sigints=sigints), tmp_path)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    with pytest.raises(TrainingInterrupted) as info:
        trainer.train()
    assert info.value.iteration == 7                 # the step the signals landed in was completed
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert_same(resume_and_finish(info.value.checkpoint_path), reference)


def signalling_savez(monkeypatch, count: int, fail_with: BaseException | None = None):
    """Make checkpoint writes send ``count`` SIGINTs to this process from inside the zip writer."""
    write_npz = training.checkpoint.write_npz
    calls = []

    class Noisy:
        def __init__(self, file):
            self.file, self.writes = file, 0

        def write(self, data):
            self.writes += 1
            if self.writes == 3:
                for _ in range(count):
                    os.kill(os.getpid(), signal.SIGINT)
                if fail_with is not None:
                    raise fail_with
            return self.file.write(data)

        def __getattr__(self, name):
            return getattr(self.file, name)

    def noisy_write(file, arrays):
        calls.append(1)
        write_npz(Noisy(file), arrays)

    monkeypatch.setattr(training.checkpoint, "write_npz", noisy_write)
    return calls


def test_sigints_during_the_epoch_checkpoint_write(tmp_path, monkeypatch, reference):
    calls = signalling_savez(monkeypatch, count=3)
    with pytest.raises(TrainingInterrupted) as info:
        trainer_for(network(), tmp_path).train()
    assert len(calls) == 2                          # the epoch's save, then the save at the interruption
    assert info.value.iteration == 5
    monkeypatch.undo()
    assert load_checkpoint(tmp_path / "latest.npz").iteration == 5
    assert [p.name for p in tmp_path.iterdir()] == ["latest.npz"]
    assert_same(resume_and_finish(tmp_path / "latest.npz"), reference)


def test_a_save_that_fails_after_ctrl_c_still_ends_in_training_interrupted(tmp_path, monkeypatch):
    Trainer(network(), *data(), epochs=1, mini_batch_size=BATCH, optimizer=Adam(lr=0.01), seed=4,
            checkpoint_dir=tmp_path, verbose=False, progress=False).train()
    good = (tmp_path / "latest.npz").read_bytes()
    trainer = trainer_for(AfterForward(network(), at=3), tmp_path)
    trainer.resume(tmp_path / "latest.npz")      # the same run, going on (a new one would be refused the folder)
    signalling_savez(monkeypatch, count=0, fail_with=OSError(28, "No space left on device"))
    with pytest.raises(TrainingInterrupted) as info:
        trainer.train()
    assert info.value.checkpoint_path is None
    assert info.value.last_checkpoint == tmp_path / "latest.npz"
    assert "saving the checkpoint failed" in str(info.value) and "No space left" in str(info.value)
    assert (tmp_path / "latest.npz").read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["latest.npz"]


def test_messages_say_where_the_run_is_not_to_call_train_again(tmp_path):
    for directory in (None, tmp_path):
        with pytest.raises(TrainingInterrupted) as info:
            trainer_for(AfterForward(network(), at=2), directory).train()
        assert "calling train() again" not in str(info.value)
    assert str(tmp_path / "latest.npz") in str(info.value)


def test_sigint_during_a_plain_save_checkpoint_waits_for_the_file(tmp_path, monkeypatch):
    """Outside a Trainer, save_checkpoint defers Ctrl-C until the file is complete, then raises it."""
    trainer = trainer_for(network(), tmp_path)
    trainer.train()
    checkpoint = load_checkpoint(tmp_path / "latest.npz")
    signalling_savez(monkeypatch, count=2)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(tmp_path / "copy.npz", checkpoint)
    monkeypatch.undo()
    assert load_checkpoint(tmp_path / "copy.npz").iteration == checkpoint.iteration
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_sigint_deferred_raises_once_the_block_ends():
    reached = []
    with pytest.raises(KeyboardInterrupt), sigint_deferred():
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGINT)
        reached.append(True)
    assert reached == [True]
    with sigint_deferred():
        pass                                          # nothing received: nothing raised


def test_only_our_own_temporary_files_are_removed(tmp_path):
    ours = [tmp_path / ".latest.npz.ab_cd123.part", tmp_path / ".latest.npz.zzzzzzzz.part"]
    theirs = [tmp_path / n for n in ("latest.npz.part", ".latest.npz.part", ".latest.npz.abcdefghi.part",
                                     ".latest.npz.ABCDEFGH.part", ".other.npz.abcdefgh.part", ".latest.npz.abcdefgh",
                                     "x.latest.npz.abcdefgh.part", ".latest.npz.abcdefgh.part.keep")]
    for path in ours + theirs:
        path.write_bytes(b"x")
    (tmp_path / ".latest.npz.dir12345.part").mkdir()   # a directory is never removed
    assert sorted(remove_stale_temp_files(tmp_path / "latest.npz")) == sorted(ours)
    assert all(path.exists() for path in theirs)
    assert remove_stale_temp_files(tmp_path / "absent" / "latest.npz") == []


def test_a_trainer_removes_stale_temporaries_when_it_starts(tmp_path, monkeypatch):
    stale = tmp_path / ".latest.npz.k1ll3d00.part"
    stale.write_bytes(b"PK half a checkpoint")
    trainer = Trainer(network(), *data(), epochs=None, max_iterations=2, mini_batch_size=BATCH, seed=4,
                      checkpoint_dir=tmp_path, verbose=False, progress=False)
    seen = []
    monkeypatch.setattr(trainer, "_run", lambda bar: seen.append(stale.exists()))
    trainer.train()
    assert seen == [False]


def test_train_neuralnet_exits_130_and_says_how_to_continue(tmp_path, monkeypatch, capsys):
    import scripts.train_neuralnet as script

    x, t, x_test, t_test = data()
    info = type("Info", (), {"fell_back": False, "title": "blobs", "name": "blobs"})()
    monkeypatch.setattr(script, "load_script_data", lambda *a, **k: (((x, t), (x_test, t_test)), info))

    def interrupted(self):
        raise TrainingInterrupted("training interrupted", tmp_path / "ckpt" / "latest.npz", 17)

    monkeypatch.setattr(script.Trainer, "train", interrupted)
    with pytest.raises(SystemExit) as stop:
        script.main(["--iters", "5", "--batch-size", "10", "--checkpoint-dir", str(tmp_path / "ckpt"),
                     "--out", str(tmp_path)])
    assert stop.value.code == 130
    err = capsys.readouterr().err
    assert "--resume" in err and str(tmp_path / "ckpt" / "latest.npz") in err and "iteration 17" in err
    assert "train()" not in err


def test_train_neuralnet_resume_needs_a_checkpoint_and_says_so_in_one_line(tmp_path, capsys):
    import scripts.train_neuralnet as script

    with pytest.raises(SystemExit) as stop:
        script.main(["--resume", "--out", str(tmp_path)])
    assert stop.value.code == 2
    assert "--resume needs --checkpoint-dir" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        script.main(["--resume", "--checkpoint-dir", str(tmp_path / "empty"), "--out", str(tmp_path),
                     "--dataset", "builtin", "--quick"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "--resume needs a checkpoint" in err and "Traceback" not in err
