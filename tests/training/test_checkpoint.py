"""Checkpoint files: exact round trip, atomic writes, clear errors for damaged files."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

import training.checkpoint
from networks import TwoLayerNet
from training import Checkpoint, CheckpointError, History, Trainer, load_checkpoint, save_checkpoint
from training.network_state import check_network_state, network_state


def sample_checkpoint(permutation: bool = True) -> Checkpoint:
    rng = np.random.default_rng(5)
    rng.random(3)
    history = History()
    history.record_loss(2.3)
    history.record_loss(0.1 + 0.2)
    history.record_evaluation(1.0, 2, 0.5, 0.25, 0.01)
    return Checkpoint(
        params={"W1": rng.standard_normal((4, 3)).astype(np.float32), "b1": np.zeros(3, np.float64)},
        optimizer_state={
            "lr": 0.1 + 0.2,                      # a float whose repr is long: must come back bit for bit
            "iterations": 2,
            "beta": np.float32(0.9),              # numpy scalar: keeps its type
            "note": None, "flag": True, "name": "adam", "pairs": [1, 2.5],
            "state": {"W1": {"m": np.arange(12, dtype=np.float32).reshape(4, 3), "t": np.array(2, np.int64)}},
        },
        network_state={"BatchNorm1": {"buffers": {"running_mean": np.ones(3, np.float32)},
                                      "generators": {"rng": rng.bit_generator.state}}},
        rng_state=rng.bit_generator.state,
        epoch=1, iteration=2, batch_in_epoch=1 if permutation else 0,
        permutation=rng.permutation(7) if permutation else None,
        history=history.to_dict(),
        config={"mini_batch_size": 3, "seed": 123456789012345678901234567890, "schedule": None},
    )


def assert_same_tree(a, b):
    if isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b)
        for key in a:
            assert_same_tree(a[key], b[key])
    elif isinstance(a, np.ndarray | np.generic):
        assert type(a) is type(b) and a.dtype == b.dtype and a.shape == b.shape
        assert np.array_equal(a, b)
    else:
        assert type(a) is type(b) and a == b


@pytest.mark.parametrize("permutation", [True, False])
def test_round_trip_is_exact(tmp_path, permutation):
    original = sample_checkpoint(permutation)
    path = save_checkpoint(tmp_path / "run.npz", original)
    assert path == tmp_path / "run.npz"
    loaded = load_checkpoint(path)
    for field in ("params", "optimizer_state", "network_state", "rng_state", "history", "config"):
        assert_same_tree(getattr(original, field), getattr(loaded, field))
    assert (loaded.epoch, loaded.iteration, loaded.batch_in_epoch) == (1, 2, original.batch_in_epoch)
    if permutation:
        assert np.array_equal(loaded.permutation, original.permutation)
    else:
        assert loaded.permutation is None
    with np.load(path, allow_pickle=False) as archive:     # plain arrays, no pickled objects
        assert "params/W1" in archive.files and "optimizer/state/W1/m" in archive.files
        assert archive["meta"].dtype.kind == "U" and archive["meta"].ndim == 0


def test_things_that_need_pickle_are_refused(tmp_path):
    bad = sample_checkpoint()
    bad.optimizer_state["state"]["W1"]["m"] = np.array([object()])
    with pytest.raises(CheckpointError, match="object array"):
        save_checkpoint(tmp_path / "a.npz", bad)
    bad = sample_checkpoint()
    bad.optimizer_state["state"] = {"W/1": {}}
    with pytest.raises(CheckpointError, match="without '/'"):
        save_checkpoint(tmp_path / "b.npz", bad)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("failure", [RuntimeError, KeyboardInterrupt])
def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch, failure):
    path = save_checkpoint(tmp_path / "latest.npz", sample_checkpoint())
    before = path.read_bytes()

    def half_written(f, arrays):
        f.write(b"PK\x03\x04 partial")
        raise failure("disk full")

    monkeypatch.setattr(training.checkpoint, "write_npz", half_written)
    with pytest.raises(failure):
        save_checkpoint(path, sample_checkpoint(permutation=False))
    assert [p.name for p in tmp_path.iterdir()] == ["latest.npz"]
    assert path.read_bytes() == before


def test_repeated_saves_leave_one_file(tmp_path, blobs):
    x, t = blobs(60)
    Trainer(TwoLayerNet(8, 6, 3, seed=1), x, t, x, t, epochs=3, mini_batch_size=7, checkpoint_dir=tmp_path,
            verbose=False, progress=False).train()
    assert [p.name for p in tmp_path.iterdir()] == ["latest.npz"]


def damaged_files(tmp_path):
    good = save_checkpoint(tmp_path / "good.npz", sample_checkpoint())
    data = good.read_bytes()
    (tmp_path / "truncated.npz").write_bytes(data[: len(data) // 2])
    (tmp_path / "noise.npz").write_bytes(np.random.default_rng(0).bytes(500))
    (tmp_path / "empty.npz").write_bytes(b"")
    np.savez(tmp_path / "no_meta.npz", W1=np.zeros(3))
    np.savez(tmp_path / "other_format.npz", meta=np.array(json.dumps({"format": "something else"})))
    np.savez(tmp_path / "bad_json.npz", meta=np.array("{not json"))
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(tmp_path / "missing_array.npz", "w") as dst:
        for item in src.infolist():
            if item.filename != "optimizer/state/W1/m.npy":
                dst.writestr(item, src.read(item.filename))
    flipped = bytearray(data)
    flipped[len(flipped) // 3] ^= 0xFF
    (tmp_path / "flipped.npz").write_bytes(bytes(flipped))
    return ["truncated", "noise", "empty", "no_meta", "other_format", "bad_json", "missing_array", "flipped"]


def test_damaged_files_raise_a_clear_error(tmp_path):
    for name in damaged_files(tmp_path):
        path = tmp_path / f"{name}.npz"
        with pytest.raises(CheckpointError) as info:
            load_checkpoint(path)
        assert str(path) in str(info.value), name
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "absent.npz")


def test_resume_from_a_damaged_file_changes_nothing(tmp_path, blobs):
    x, t = blobs(60)
    Trainer(TwoLayerNet(8, 6, 3, seed=1), x, t, x, t, epochs=1, mini_batch_size=7, checkpoint_dir=tmp_path,
            verbose=False, progress=False).train()
    data = (tmp_path / "latest.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[:-100])
    net = TwoLayerNet(8, 6, 3, seed=4)
    before = {k: v.copy() for k, v in net.params.items()}
    trainer = Trainer(net, x, t, x, t, epochs=2, mini_batch_size=7, verbose=False, progress=False)
    with pytest.raises(CheckpointError, match="cut.npz"):
        trainer.resume(tmp_path / "cut.npz")
    assert trainer.current_iter == 0 and trainer.history.iterations == 0
    for key in before:
        assert np.array_equal(net.params[key], before[key])


def test_network_state_mismatch_is_named():
    import networks
    if not hasattr(networks, "MultiLayerNet"):
        pytest.skip("networks has no MultiLayerNet yet")
    with_bn = networks.MultiLayerNet(4, [5], 2, use_batchnorm=True, use_dropout=True, seed=0)
    plain = networks.MultiLayerNet(4, [5], 2, seed=0)
    assert network_state(plain) == {}
    state = network_state(with_bn)
    assert set(state) == {"BatchNorm1", "Dropout1"}
    with pytest.raises(ValueError, match="does not match"):
        check_network_state(plain, state)
    state["BatchNorm1"]["buffers"]["running_mean"] = np.zeros(6, np.float32)
    with pytest.raises(ValueError, match=r"BatchNorm1.buffers\['running_mean'\] is float32\[6\]"):
        check_network_state(with_bn, state)


def test_an_unreadable_checkpoint_is_named_once(tmp_path):
    path = tmp_path / "latest.npz"
    path.write_bytes(b"PK\x03\x04 not a zip archive")
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(path)
    message = str(info.value)
    assert message.startswith(f"checkpoint {str(path)!r} is not a readable .npz file (BadZipFile")
    assert message.count("is not a readable .npz file") == 1 and message.count(str(path)) == 1
