"""Training progress through tqdm: counts, labels, resumed runs, and the quiet path."""

from __future__ import annotations

import io
import re

from networks import TwoLayerNet
from training import ProgressBar, Trainer
from training.progress import counting_bar, with_progress

COUNT = re.compile(r"(\d+)/(\d+) \[")


def last_state(text: str) -> str:
    """The last drawing of a bar: tqdm separates redraws with carriage returns."""
    return [part for part in re.split(r"[\r\n]", text) if part.strip()][-1]


def test_the_bar_counts_every_update_and_shows_epoch_and_loss():
    out = io.StringIO()
    bar = ProgressBar(1000, total_epochs=5, stream=out, is_tty=False, plain_interval=0.0)
    for i in range(1, 1001):
        bar.update(i, 1 + (i - 1) // 200, 0.5 / i)
    bar.close()
    final = last_state(out.getvalue())
    assert COUNT.search(final).groups() == ("1000", "1000")
    assert final.startswith("epoch 5/5:") and "100%" in final
    assert "loss=0.0005" in final


def test_a_resumed_bar_starts_from_its_start():
    out = io.StringIO()
    bar = ProgressBar(100, start=50, stream=out, is_tty=False)
    assert bar.n == 50
    first = last_state(out.getvalue())
    assert COUNT.search(first).groups() == ("50", "100") and " 50%" in first
    for i in range(51, 101):
        bar.update(i, 1, 0.1)
    bar.close()
    assert COUNT.search(last_state(out.getvalue())).groups() == ("100", "100")


def test_a_plain_log_is_not_flooded():
    out = io.StringIO()
    bar = ProgressBar(10_000, stream=out, is_tty=False)           # default: a redraw every 10 s at most
    for i in range(1, 10_001):
        bar.update(i, 1, 0.1)
    bar.close()
    assert len(re.findall(r"\d+/10000 \[", out.getvalue())) <= 3    # the start, perhaps one, the end


def test_clear_erases_the_bar_and_the_label_names_the_run():
    out = io.StringIO()
    bar = ProgressBar(20, total_epochs=2, label="Adam", stream=out, is_tty=True, min_interval=0.0)
    bar.update(1, 1, 1.0)
    assert last_state(out.getvalue()).startswith("Adam epoch 1/2:")
    bar.clear()
    assert out.getvalue().endswith("\r")
    bar.close()


def test_progress_over_items_and_its_quiet_path():
    out = io.StringIO()
    assert list(with_progress(range(4), label="trials", stream=out)) == [0, 1, 2, 3]
    assert last_state(out.getvalue()).startswith("trials:") and "4/4" in out.getvalue()
    quiet = io.StringIO()
    assert list(with_progress(range(4), label="trials", stream=quiet, enabled=False)) == [0, 1, 2, 3]
    assert quiet.getvalue() == ""


def test_a_counting_bar_is_moved_by_steps_and_a_delayed_one_hides_quick_work():
    out = io.StringIO()
    bar = counting_bar(50, label="W1", unit=" entries", stream=out)
    for _ in range(5):
        bar.update(10)
    bar.close()
    final = last_state(out.getvalue())
    assert final.startswith("W1: 100%") and COUNT.search(final).groups() == ("50", "50") and "entries/s" in final
    assert len(re.findall(r"\d+/50 \[", out.getvalue())) <= 3  # a log: the start, perhaps one, the end
    hidden = io.StringIO()
    bar = counting_bar(50, label="b1", delay=60.0, stream=hidden)
    bar.update(50)
    bar.close()
    assert hidden.getvalue() == ""


def test_trainer_draws_on_stderr_and_logs_on_stdout(capsys, blobs):
    x, t = blobs(203)
    Trainer(TwoLayerNet(8, 6, 3, seed=1), x, t, x, t, epochs=2, mini_batch_size=20, progress="blobs").train()
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0].startswith("=== epoch:1, train acc:")
    assert len(captured.out.splitlines()) == 2
    final = last_state(captured.err)
    assert final.startswith("blobs epoch 2/2:") and COUNT.search(final).groups() == ("22", "22")


def test_trainer_progress_false_draws_nothing(capsys, blobs):
    x, t = blobs(50)
    Trainer(TwoLayerNet(8, 6, 3, seed=1), x, t, x, t, epochs=1, mini_batch_size=20, progress=False,
            verbose=False).train()
    assert capsys.readouterr().err == ""
