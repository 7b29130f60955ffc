"""The progress display: redrawn in place on a terminal, occasional plain lines elsewhere."""

from __future__ import annotations

import io
import re

from networks import TwoLayerNet
from training import ProgressBar, Trainer
from training.progress import format_duration

FIELDS = re.compile(r"epoch \d+(/\d+)? \| iter +\d+/\d+ \| loss \d+\.\d{4} \| \d+\.\d it/s \| ETA (\d+:\d\d:\d\d|\?)")


def test_plain_lines_every_tenth_when_not_a_terminal():
    out = io.StringIO()
    bar = ProgressBar(1000, total_epochs=5, stream=out, is_tty=False)
    for i in range(1, 1001):
        bar.update(i, 1 + (i - 1) // 200, 0.5)
    bar.close()
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    assert len(lines) == 10
    assert [re.search(r"iter +(\d+)/", line).group(1) for line in lines] == [str(100 * k) for k in range(1, 11)]
    assert all(FIELDS.fullmatch(line) for line in lines)
    assert lines[-1].startswith("epoch 5/5 | iter 1000/1000")


def test_a_resumed_display_counts_from_its_start():
    out = io.StringIO()
    bar = ProgressBar(100, start=50, stream=out, is_tty=False)
    for i in range(51, 101):
        bar.update(i, 1, 0.1)
    assert len(out.getvalue().splitlines()) == 5                 # at 60, 70, 80, 90, 100


def test_small_totals_still_print_each_step_at_most_once():
    out = io.StringIO()
    bar = ProgressBar(3, stream=out, is_tty=False)
    for i in range(1, 4):
        bar.update(i, 1, 0.1)
    assert len(out.getvalue().splitlines()) == 3


def test_terminal_mode_redraws_in_place_and_clears():
    out = io.StringIO()
    bar = ProgressBar(20, stream=out, is_tty=True, min_interval=0.0)
    for i in range(1, 11):
        bar.update(i, 1, 1.0 / i)
    text = out.getvalue()
    assert text.count("\r") == 10 and "\n" not in text
    assert FIELDS.fullmatch(text.split("\r")[-1].rstrip())
    bar.clear()
    assert out.getvalue().endswith("\r") and out.getvalue().split("\r")[-2].strip() == ""
    bar.close()
    assert out.getvalue().endswith("\n")


def test_format_duration():
    assert format_duration(0) == "0:00:00"
    assert format_duration(3725.4) == "1:02:05"
    assert format_duration(float("inf")) == "?"


def test_trainer_draws_on_stderr_and_logs_on_stdout(capsys, blobs):
    x, t = blobs(203)
    Trainer(TwoLayerNet(8, 6, 3, seed=1), x, t, x, t, epochs=2, mini_batch_size=20).train()
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0].startswith("=== epoch:1, train acc:")
    assert len(captured.out.splitlines()) == 2
    err_lines = captured.err.splitlines()
    assert len(err_lines) == 10 and all(FIELDS.fullmatch(line) for line in err_lines)   # captured: not a TTY
