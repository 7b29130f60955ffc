"""How much slower work runs beside one busy process: the engine's thread policy against BLAS's own threads.

    python -m benchmarks.contention                  # the main job and a PyTorch MLP, 3 paired rounds
    python -m benchmarks.contention --cases job --rounds 5

A *busy process* is a Python child spinning on integer arithmetic in a session of its own, as another
user's job would; it is started for each timing beside it and always stopped (it also stops itself
after ``--busy-limit`` seconds, or as soon as the benchmark's process is gone, whatever happens).
Each round times the work alone and beside the busy process, in turns (alone first in even rounds,
beside first in odd ones); the ratio is the median over rounds of (beside / alone) of the same
round, which cancels slow drifts of the machine.

Cases:

* ``job``: the main job, ``python -m scripts.train_neuralnet --dataset builtin --iters 3000`` as a
  subprocess (wall time, start-up and figure included), under the engine's default policy and with
  the policy's BLAS count replaced by OpenBLAS's own default (what the job did before the policy).
* ``mlp``: the same job's step (TwoLayerNet 784-50-10, SGD, batch 100) in this process, both ways.
* ``torch``: the same MLP step in PyTorch at its default thread count, for comparison.
* ``deep``: one DeepConvNet training step (Adam, batch 100), both ways, and with the engine on one
  thread. Where Linux shares the CPU between sessions first (sched_autogroup, on by default), a
  process beside one busy process of another session gets one core of two whatever it does, so its
  step beside it cannot beat its one-thread step: the ratio is then at least the speed-up two threads
  give alone.

Issue 13's targets: the main job beside one busy process at most 1.3x its time alone, a DeepConvNet
step at most 1.5x. Only ratios taken on an otherwise idle machine mean much: the table also shows
the share of the CPU that other processes used while the work ran alone.
"""

from __future__ import annotations

import argparse
import os
import select
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from benchmarks.common import (
    OthersCpuShare,
    available_cores,
    describe_machine,
    format_ratio,
    format_seconds,
    print_table,
)

BUSY_LIMIT = 600.0   # seconds a busy process may live, at most
TARGETS = {"job": 1.3, "mlp": 1.3, "deep": 1.5}
CASES = ("job", "mlp", "torch", "deep")

# The busy process: says it has started, then spins on arithmetic until its deadline, or until its parent
# is gone (a benchmark killed with SIGKILL cannot stop it; its children are then handed to another parent).
_BUSY_CODE = """\
import os, sys, time
deadline = time.monotonic() + float(sys.argv[1])
parent = int(sys.argv[2])
sys.stdout.write("spinning\\n"); sys.stdout.flush()
x = 1
while time.monotonic() < deadline and os.getppid() == parent:
    for _ in range(10000):
        x = (x * 48271 + 11) % 2147483647
"""

# The main job with the policy's BLAS threads set to OpenBLAS's own default count instead of 1.
_JOB_WITH_OWN_BLAS_THREADS = """\
import sys
from threadpoolctl import threadpool_info
import engine.threads
own = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
engine.threads.BLAS_THREADS = max(own, default=1)
from scripts.train_neuralnet import main
main(sys.argv[1:])
"""


@contextmanager
def busy_process(limit: float = BUSY_LIMIT) -> Iterator[subprocess.Popen]:
    """A child process spinning on one core for the duration of the block (and ``limit`` seconds at most;
    it also stops within a few milliseconds of this process's end, however that comes)."""
    if not limit > 0:
        raise ValueError(f"busy_process: limit must be a positive number of seconds, got {limit!r}")
    # A session of its own, as another user's job has: where the kernel groups processes by session to share
    # the CPU (sched_autogroup), a child in this session would share this session's part with the work timed.
    child = subprocess.Popen([sys.executable, "-I", "-S", "-c", _BUSY_CODE, repr(float(limit)), str(os.getpid())],
                             stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        ready, _, _ = select.select([child.stdout], [], [], 30.0)
        if not ready or not child.stdout.readline():
            raise RuntimeError("busy_process: the busy child did not start within 30 s")
        yield child
    finally:
        child.terminate()
        try:
            child.wait(timeout=5.0)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        child.stdout.close()


@dataclass(frozen=True)
class ContentionTiming:
    """Seconds per call of one piece of work, alone and beside a busy process, one pair per round."""

    alone: tuple[float, ...]
    beside: tuple[float, ...]
    others_share: float | None = None   # share of the CPU others used while the work ran alone (median)

    @property
    def ratio(self) -> float:
        """The median over rounds of (beside / alone) of the same round."""
        return statistics.median(b / a for a, b in zip(self.alone, self.beside, strict=True))

    @property
    def alone_median(self) -> float:
        return statistics.median(self.alone)

    @property
    def beside_median(self) -> float:
        return statistics.median(self.beside)


def time_contention(fn: Callable[[], object], rounds: int = 3, calls: int = 1, warmup: int = 1,
                    settle: float = 0.2, busy_limit: float = BUSY_LIMIT) -> ContentionTiming:
    """Time ``fn`` alone and beside one busy process, paired in ``rounds`` rounds.

    After ``warmup`` untimed calls, every round times ``calls`` calls alone and ``calls`` calls beside
    a freshly started busy process (median of each), alone first in even rounds and beside first in
    odd ones; ``settle`` seconds pass after each change of state (a busy child starting or stopping,
    idle threads going to sleep).
    """
    for name, value in (("rounds", rounds), ("calls", calls)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"time_contention: {name} must be a positive integer, got {value!r}")
    if not callable(fn):
        raise TypeError(f"time_contention: fn must be callable, got {type(fn).__name__}")
    for _ in range(warmup):
        fn()

    def timed() -> float:
        samples = []
        for _ in range(calls):
            start = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - start)
        return statistics.median(samples)

    alone, beside, shares = [], [], []
    for round_index in range(rounds):
        for busy in ((False, True) if round_index % 2 == 0 else (True, False)):
            if busy:
                with busy_process(busy_limit):
                    time.sleep(settle)
                    beside.append(timed())
            else:
                time.sleep(settle)
                with OthersCpuShare() as others:
                    alone.append(timed())
                if others.share is not None:
                    shares.append(others.share)
    return ContentionTiming(tuple(alone), tuple(beside), statistics.median(shares) if shares else None)


# -- the cases -----------------------------------------------------------------------------------

def job_command(iters: int, out: str, own_blas_threads: bool) -> list[str]:
    """The main job's command line; ``own_blas_threads`` lets OpenBLAS keep its own default count."""
    args = ["--dataset", "builtin", "--iters", str(iters), "--eval-samples", "2000", "--out", out]
    if own_blas_threads:
        return [sys.executable, "-c", _JOB_WITH_OWN_BLAS_THREADS, *args]
    return [sys.executable, "-m", "scripts.train_neuralnet", *args]


def job_case(iters: int, out: str, own_blas_threads: bool) -> Callable[[], None]:
    command = job_command(iters, out, own_blas_threads)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    def run() -> None:
        done = subprocess.run(command, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"the main job failed ({done.returncode}): {done.stderr.decode()[-2000:]}")

    return run


def _on_one_thread(step: Callable[[], object]) -> Callable[[], None]:
    """One call of ``step`` with the engine set to one thread: the time a process that gets a single
    core needs, which is what fair scheduling between sessions leaves it beside one busy process."""
    from engine import threads

    def run() -> None:
        with threads.num_threads(1):
            step()

    return run


def _under(own_blas_threads: bool, step: Callable[[], object], steps: int) -> Callable[[], None]:
    """``steps`` calls of ``step`` under the engine's policy, or with BLAS at its own default count."""
    from engine import threads

    own = None
    if own_blas_threads:
        from threadpoolctl import threadpool_info
        own = max((pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"), default=1)

    def run() -> None:
        if own is None:
            with threads.in_force():
                for _ in range(steps):
                    step()
        else:
            from threadpoolctl import threadpool_limits
            with threadpool_limits(own, user_api="blas"):
                for _ in range(steps):
                    step()

    return run


def _random_batch(batch: int, shape: tuple[int, ...]) -> tuple[object, object]:
    """Float32 inputs in [0, 1) of ``shape`` and integer labels 0-9, from a fixed seed."""
    import numpy as np

    rng = np.random.default_rng(1)
    return rng.random((batch, *shape), dtype=np.float32), rng.integers(0, 10, batch)


def mlp_step() -> Callable[[], None]:
    """One step of the main job's network: TwoLayerNet 784-50-10, SGD lr 0.1, batch 100."""

    from networks import TwoLayerNet
    from optimizers import SGD

    net, optimizer = TwoLayerNet(784, 50, 10, seed=0), SGD(lr=0.1)
    x, t = _random_batch(100, (784,))

    def step() -> None:
        _, grads = net.loss_and_gradient(x, t)
        optimizer.update(net.params, grads)

    return step


def deep_step() -> Callable[[], None]:
    """One DeepConvNet training step: Adam lr 0.001, batch 100 of 1x28x28."""

    from networks import DeepConvNet
    from optimizers import Adam

    net, optimizer = DeepConvNet(seed=0), Adam(lr=0.001)
    x, t = _random_batch(100, (1, 28, 28))

    def step() -> None:
        _, grads = net.loss_and_gradient(x, t)
        optimizer.update(net.params, grads)

    return step


def torch_mlp_steps(steps: int) -> Callable[[], None] | None:
    """``steps`` PyTorch steps of the same MLP at torch's default thread count; None without torch."""
    try:
        import torch
    except ImportError:
        return None

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 50), torch.nn.ReLU(), torch.nn.Linear(50, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x, t = _random_batch(100, (784,))
    x, t = torch.from_numpy(x), torch.from_numpy(t)

    def run() -> None:
        for _ in range(steps):
            optimizer.zero_grad(set_to_none=True)
            torch.nn.functional.cross_entropy(model(x), t).backward()
            optimizer.step()

    return run


def _autogroup() -> str:
    """Whether Linux shares the CPU between sessions first (sched_autogroup): then a process beside one
    busy process of another session gets half of a 2-core machine, one core, however many threads it runs."""
    try:
        with open("/proc/sys/kernel/sched_autogroup_enabled") as flag:
            enabled = flag.read().strip() == "1"
    except OSError:
        return "sched_autogroup: unknown"
    return "sched_autogroup on (CPU shared between sessions first)" if enabled else "sched_autogroup off"


# -- the command line ----------------------------------------------------------------------------

def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", default="job,mlp,torch",
                        help=f"comma-separated, from {', '.join(CASES)} (default %(default)s)")
    parser.add_argument("--rounds", type=int, default=3, help="paired rounds per case (default %(default)s)")
    parser.add_argument("--iters", type=int, default=3000,
                        help="the main job's iterations, and the MLP steps timed per call (default %(default)s)")
    parser.add_argument("--busy-limit", type=float, default=BUSY_LIMIT,
                        help="seconds after which a busy process stops itself in any case (default %(default)s)")
    args = parser.parse_args(argv)
    args.cases = [case.strip() for case in args.cases.split(",") if case.strip()]
    unknown = [case for case in args.cases if case not in CASES]
    if unknown or not args.cases:
        parser.error(f"--cases: unknown {unknown}; choose from {', '.join(CASES)}")
    for name in ("rounds", "iters"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be a positive integer, got {getattr(args, name)}")
    if not args.busy_limit > 0:
        parser.error(f"--busy-limit must be a positive number of seconds, got {args.busy_limit}")
    return args


def main(argv: Sequence[str] | None = None) -> dict[str, ContentionTiming]:
    args = parse_args(argv)
    from engine import threads

    print(describe_machine())
    print(f"{available_cores()} cores available, load average {os.getloadavg()[0]:.2f}; "
          f"engine policy: {threads.policy()}; {_autogroup()}", flush=True)
    cases: dict[str, Callable[[], object]] = {}
    with tempfile.TemporaryDirectory() as out:
        for case in args.cases:
            if case == "job":
                cases["job, engine policy"] = job_case(args.iters, out, own_blas_threads=False)
                cases["job, BLAS's own threads"] = job_case(args.iters, out, own_blas_threads=True)
            elif case == "mlp":
                steps = mlp_step()
                cases["mlp, engine policy"] = _under(False, steps, args.iters)
                cases["mlp, BLAS's own threads"] = _under(True, steps, args.iters)
            elif case == "deep":
                step = deep_step()
                cases["deep, engine policy"] = _under(False, step, 1)
                cases["deep, BLAS's own threads"] = _under(True, step, 1)
                cases["deep, engine policy on one thread"] = _on_one_thread(step)
            elif case == "torch":
                run = torch_mlp_steps(args.iters)
                if run is None:
                    print("torch: not installed, its row is skipped")
                else:
                    cases["torch mlp, torch's threads"] = run
        results, rows = {}, []
        for name, fn in cases.items():
            calls = 3 if name.startswith("deep") else 1
            timing = time_contention(fn, rounds=args.rounds, calls=calls, busy_limit=args.busy_limit)
            results[name] = timing
            target = TARGETS.get(name.split(",")[0]) if name.endswith("engine policy") else None
            share = "-" if timing.others_share is None else f"{100 * timing.others_share:.0f}%"
            rows.append([name, format_seconds(timing.alone_median), format_seconds(timing.beside_median),
                         format_ratio(timing.ratio), "-" if target is None else f"{target}x", share])
            print(f"  {name}: alone {rows[-1][1]}, beside busy {rows[-1][2]}, ratio {rows[-1][3]} "
                  f"(others' CPU when alone {share})", flush=True)
    print()
    print_table(["case", "alone", "beside busy", "ratio", "target", "others' CPU when alone"], rows)
    return results


if __name__ == "__main__":
    main()
