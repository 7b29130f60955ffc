"""The contention helper: its busy process is always stopped, and its ratio pairs the rounds."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.contention import ContentionTiming, busy_process, job_command, parse_args, time_contention


def test_busy_process_spins_and_is_stopped_after_the_block():
    with busy_process(limit=30) as child:
        assert child.poll() is None
        assert os.getsid(child.pid) != os.getsid(0)   # its own session, like another user's job
    assert child.poll() is not None


def test_busy_process_is_stopped_when_the_block_raises():
    with pytest.raises(RuntimeError, match="boom"), busy_process(limit=30) as child:
        raise RuntimeError("boom")
    assert child.poll() is not None


def test_busy_process_stops_itself_at_its_limit():
    with busy_process(limit=0.2) as child:
        assert child.wait(timeout=20) == 0   # left on its own, it ends by itself


def test_busy_process_ends_when_the_benchmark_is_killed():
    """SIGKILL gives the benchmark no chance to stop its busy child: the child notices it has lost its
    parent and stops by itself, long before its limit."""
    script = ("import time\n"
              "from benchmarks.contention import busy_process\n"
              "with busy_process(limit=120) as child:\n"
              "    print(child.pid, flush=True)\n"
              "    time.sleep(120)\n")
    benchmark = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                                 cwd=Path(__file__).resolve().parents[2])
    try:
        busy_pid = int(benchmark.stdout.readline())
        assert _alive(busy_pid)
    finally:
        benchmark.kill()
        benchmark.wait()
        benchmark.stdout.close()
    deadline = time.monotonic() + 10
    while _alive(busy_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(busy_pid)


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped by its new parent, counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_ratio_is_the_median_of_paired_rounds():
    # per round 3/1, 10/10, 30/10: ratios 3, 1, 3, whose median is 3; the medians alone would say 10/10
    timing = ContentionTiming((1.0, 10.0, 10.0), (3.0, 10.0, 30.0))
    assert timing.ratio == 3.0
    assert (timing.alone_median, timing.beside_median) == (10.0, 10.0)


def test_time_contention_times_each_round_alone_and_beside():
    calls = []
    timing = time_contention(lambda: calls.append(1), rounds=2, calls=3, warmup=1, settle=0.0, busy_limit=30)
    assert len(timing.alone) == len(timing.beside) == 2
    assert len(calls) == 1 + 2 * 2 * 3


@pytest.mark.parametrize("kwargs, error", [({"rounds": 0}, ValueError), ({"calls": 1.5}, ValueError)])
def test_time_contention_refuses_bad_counts(kwargs, error):
    with pytest.raises(error, match="time_contention"):
        time_contention(lambda: None, **kwargs)


def test_job_commands_and_options():
    plain = job_command(3000, "out", own_blas_threads=False)
    own = job_command(3000, "out", own_blas_threads=True)
    assert plain[1:3] == ["-m", "scripts.train_neuralnet"] and "--iters" in plain and "3000" in plain
    assert own[1] == "-c" and "BLAS_THREADS" in own[2] and own[3:] == plain[3:]
    assert parse_args(["--cases", "job,torch", "--rounds", "2"]).cases == ["job", "torch"]
    for bad in (["--cases", "gpu"], ["--rounds", "0"], ["--busy-limit", "0"]):
        with pytest.raises(SystemExit):
            parse_args(bad)
