"""StageProgress: a line on stderr as each stage starts, and a bar of its entries in a stage that takes long."""

from __future__ import annotations

import re

import pytest

import cli.progress
from cli import StageProgress


def test_a_quick_stage_leaves_its_line_alone(capsys):
    with StageProgress() as shown:
        shown.stage("parameter 1 of 2, W1")
        for done in range(1, 101):
            shown.entries(done, 100)
        shown.stage("parameter 2 of 2, b1")
    captured = capsys.readouterr()
    assert captured.err == "... parameter 1 of 2, W1\n... parameter 2 of 2, b1\n" and captured.out == ""


def test_a_long_stage_shows_a_bar_named_after_it_until_its_entries_are_done(capsys, monkeypatch):
    monkeypatch.setattr(cli.progress, "BAR_DELAY", 0.0)  # every stage counts as long
    with StageProgress() as shown:
        shown.stage("parameter 1 of 2, W1")
        for done in range(1, 7):
            shown.entries(done, 6)
        shown.stage("parameter 2 of 2, b1")
        shown.entries(1, 3)
    captured = capsys.readouterr()
    assert captured.out == ""
    first, bar, second, unfinished = captured.err.split("\n")[:4]
    assert first == "... parameter 1 of 2, W1" and second == "... parameter 2 of 2, b1"
    assert re.search(r"parameter 1 of 2, W1: 100%\|#+\| 6/6 \[.* entries/s\]$", bar)
    # the with block ends a bar whose stage did not finish, in its last state
    assert re.search(r"parameter 2 of 2, b1:  33%\|[#0-9]*\s*\| 1/3 \[", unfinished)
    assert captured.err.endswith("\n")


@pytest.mark.parametrize("error", [KeyboardInterrupt, ValueError])
def test_the_block_ends_the_bar_when_the_work_stops(capsys, monkeypatch, error):
    monkeypatch.setattr(cli.progress, "BAR_DELAY", 0.0)
    with pytest.raises(error), StageProgress() as shown:
        shown.stage("two-point differences")
        shown.entries(2, 10)
        raise error
    err = capsys.readouterr().err
    assert "2/10" in err and err.endswith("\n")
