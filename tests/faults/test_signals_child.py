"""Real signals sent to a child process that trains with checkpoints: SIGINT (once, twice, during a
forward pass or a save) and SIGKILL during a save. Afterwards the checkpoint must load, a resumed run
must end bit for bit where an uninterrupted one ends, and no temporary file may be left."""

from __future__ import annotations

import signal
import time

import numpy as np
import pytest

from training import load_checkpoint


def assert_same(params: dict[str, np.ndarray], reference: dict[str, np.ndarray]) -> None:
    assert sorted(params) == sorted(reference)
    differ = [key for key in reference if not np.array_equal(params[key], reference[key])]
    assert not differ, f"resumed run differs from the uninterrupted one in {differ}"


def resume_to_the_end(start_child, ckpt, out, helpers) -> dict[str, np.ndarray]:
    child = start_child(ckpt, out, "--resume")
    child.wait_for("DONE")
    assert child.finish() == 0, child.stderr()
    assert helpers.part_files(ckpt) == []
    return helpers.read_params(out)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_sigints_inside_forward_passes_stop_at_a_batch_boundary(
        tmp_path, start_child, reference_params, helpers, seed):
    """The second Ctrl-C lands while Dropout and BatchNorm have already moved for a step that must not count."""
    rng = np.random.default_rng(seed)
    ckpt, out = tmp_path / "ckpt", tmp_path / "final.npz"
    child = start_child(ckpt, out, "--slow-forward", "0.03")
    first = int(rng.integers(2, 30))
    child.wait_for(f"STEP {first}")
    time.sleep(rng.uniform(0, 0.02))
    child.send(signal.SIGINT)
    time.sleep(rng.uniform(0, 0.02))          # often inside the same forward pass, sometimes the next
    child.send(signal.SIGINT)
    line = child.wait_for("INTERRUPTED")
    assert child.finish() == 130, child.stderr()
    _, iteration, path = line.split()
    assert path == str(ckpt / "latest.npz")
    saved = load_checkpoint(path)
    assert saved.iteration == int(iteration) >= first - 1
    assert helpers.part_files(ckpt) == []
    assert_same(resume_to_the_end(start_child, ckpt, out, helpers), reference_params)


def test_sigints_during_checkpoint_writes_end_in_training_interrupted(
        tmp_path, start_child, reference_params, helpers):
    ckpt, out = tmp_path / "ckpt", tmp_path / "final.npz"
    child = start_child(ckpt, out, "--slow-save", "0.3")
    child.wait_for("SAVING")
    child.wait_for("SAVING")                  # the second epoch's save: a good checkpoint exists already
    for pause in (0.05, 0.05, 0.15):          # three Ctrl-Cs while checkpoints are being written
        time.sleep(pause)
        child.send(signal.SIGINT)
    line = child.wait_for("INTERRUPTED")
    assert child.finish() == 130, child.stderr()
    assert "Traceback" not in child.stderr()
    saved = load_checkpoint(line.split()[2])
    assert saved.iteration == int(line.split()[1])
    assert helpers.part_files(ckpt) == []
    assert_same(resume_to_the_end(start_child, ckpt, out, helpers), reference_params)


def test_sigkill_during_saves_leaves_a_good_checkpoint_and_the_next_run_cleans_up(
        tmp_path, start_child, reference_params, helpers):
    ckpt, out = tmp_path / "ckpt", tmp_path / "final.npz"
    ckpt.mkdir()
    users = [ckpt / name for name in ("latest.npz.part", ".latest.npz.notes.part", ".other.npz.abcd1234.part",
                                      "notes.txt")]
    for path in users:                        # look like temporaries, but are not ours: must survive
        path.write_bytes(b"mine")
    for kill in range(3):
        child = start_child(ckpt, out, "--slow-save", "0.5", *(["--resume"] if kill else []))
        child.wait_for("SAVING")
        if kill == 0:
            child.wait_for("SAVING")          # let one checkpoint complete first
        time.sleep(0.1)
        child.send(signal.SIGKILL)
        assert child.finish() == -signal.SIGKILL
        assert len(helpers.part_files(ckpt)) == 1, "a killed write leaves its temporary file (the next run removes it)"
        load_checkpoint(ckpt / "latest.npz")   # the last good checkpoint is whole
    assert_same(resume_to_the_end(start_child, ckpt, out, helpers), reference_params)
    assert all(path.read_bytes() == b"mine" for path in users)
