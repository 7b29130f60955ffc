"""How a training run ends when it stops early: a diverged loss is its one line, whatever numpy warned of."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest

from cli import script_parser, until_stopped
from training import TrainingDivergedError


def diverge() -> None:
    """Overflow in this thread and in another (as the engine's workers do), then stop as Trainer does."""
    def overflow():
        return np.float32(3e38) * np.float32(10), np.zeros(1) / np.zeros(1)

    overflow()
    worker = threading.Thread(target=overflow)
    worker.start()
    worker.join()
    raise TrainingDivergedError("Trainer: training diverged: the loss became nan at iteration 2", iteration=2,
                                epoch=1, lr=1e308, loss=float("nan"), restored_iteration=0, checkpoint_path=None)


def test_a_diverged_run_ends_with_its_message_and_no_numpy_warnings():
    parser = script_parser(None, "/somewhere/my_script.py")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with pytest.raises(SystemExit) as info:
            until_stopped(parser, diverge)
    assert info.value.code == "my_script: Trainer: training diverged: the loss became nan at iteration 2"
    assert [str(w.message) for w in seen] == []


def test_warnings_are_back_once_the_run_is_over():
    parser = script_parser(None, "/somewhere/my_script.py")
    assert until_stopped(parser, lambda: 42) == 42
    with pytest.warns(RuntimeWarning, match="overflow"):
        np.float32(3e38) * np.float32(10)


@pytest.mark.parametrize("has_option", [True, False])
def test_ctrl_c_advises_checkpoint_dir_only_where_the_script_has_it(has_option, capsys):
    from cli import add_checkpoint_options
    from training import TrainingInterrupted

    parser = script_parser(None, "/somewhere/my_script.py")
    if has_option:
        add_checkpoint_options(parser)

    def interrupted():
        raise TrainingInterrupted("interrupted", checkpoint_path=None, iteration=7)

    with pytest.raises(SystemExit):
        until_stopped(parser, interrupted)
    line = capsys.readouterr().err.strip()
    assert line.startswith("my_script: interrupted at iteration 7; nothing was saved")
    assert ("--checkpoint-dir" in line) is has_option


def test_one_more_ctrl_c_while_stopping_still_ends_with_status_130(capsys):
    """A Ctrl-C landing after the Trainer gave back the signal handler (closing the progress bar, say) comes
    as a plain KeyboardInterrupt: the script still ends with one line and 130, not killed by the signal."""
    from cli import add_checkpoint_options

    parser = script_parser(None, "/somewhere/my_script.py")
    add_checkpoint_options(parser)

    def interrupted_twice():
        raise KeyboardInterrupt

    with pytest.raises(SystemExit) as stop:
        until_stopped(parser, interrupted_twice)
    assert stop.value.code == 130
    line = capsys.readouterr().err.strip()
    assert line.startswith("my_script: interrupted again while the run was stopping") and "--resume" in line
