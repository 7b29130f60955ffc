"""Time the same training steps from this checkout and another one in one process, paired per round.

    python -m benchmarks.compare_trees /path/to/other/checkout           # e.g. a worktree of an older commit
    python -m benchmarks.compare_trees /path/to/other/checkout --quick

For a change that should cost no speed: both checkouts build TwoLayerNet 784-50-10 and 784-1000-10
(SGD), SimpleConvNet and DeepConvNet (Adam) with the same weights, and their steps take turns with
PyTorch's in rounds. The other checkout runs as it ran: under its own engine's thread policy where it
has one (``engine.threads``), else at OpenBLAS's default threads. This one runs twice, under the
engine's thread policy (BLAS at one thread, the engine's workers) and at OpenBLAS's default threads,
which separates what the code changed from what the thread policy did. (Against a checkout that has
the policy, "this / other" is the change alone: at OpenBLAS's default threads a DeepConvNet step with
the environment's Haswell kernels took 64 ms where the policy's took 40.)
Both packages live in one process: each checkout's modules are imported in turn and keep their own
globals, and the names are released from ``sys.modules`` in between.

    python -m benchmarks.compare_trees OTHER --alternate 6000 --networks TwoLayerNet-50 --threads 1

For a step too small for rounds (TwoLayerNet 784-50-10 takes about 0.3 ms): the two checkouts' steps
take turns one by one, without torch, at ``--threads`` BLAS threads, in two fresh processes that load
the checkouts in opposite orders; it prints both orders' median paired ratios and their geometric mean.
"""

from __future__ import annotations

import argparse
import importlib
import shlex
import sys
from pathlib import Path
from types import ModuleType

from benchmarks.common import (
    add_thread_options,
    describe_environment,
    format_ratio,
    format_seconds,
    import_torch,
    paired_ratio,
    pin_threads,
    print_table,
    time_interleaved,
)

PACKAGES = ("layers", "networks", "optimizers", "engine", "fileio", "datasets", "training", "graphs", "cli")
BATCH = 100


def load_checkout(root: Path) -> dict[str, ModuleType | None]:
    """``networks`` and ``optimizers`` imported from the checkout at ``root``, and under "threads" its
    ``engine.threads`` where it has a thread policy (else None), then released from ``sys.modules`` so
    that another checkout's packages of the same names can be imported next."""
    def release() -> None:
        for name in [name for name in sys.modules if name.split(".")[0] in PACKAGES]:
            del sys.modules[name]

    release()
    sys.path.insert(0, str(root))
    try:
        modules: dict[str, ModuleType | None] = {name: importlib.import_module(name)
                                                 for name in ("networks", "optimizers")}
        policy = (root / "engine" / "threads.py").is_file() and importlib.import_module("engine.threads")
        modules["threads"] = policy if policy and hasattr(policy, "set_num_threads") else None
    finally:
        sys.path.remove(str(root))
        release()
    return modules


def cases_for(kind: str, modules: dict[str, ModuleType], batches: list) -> object:
    """A training step of ``kind`` built from ``modules``; weights from seed 0, as in every checkout."""
    networks, optimizers = modules["networks"], modules["optimizers"]
    if kind.startswith("TwoLayerNet"):
        hidden = int(kind.split("-")[1])
        net, opt = networks.TwoLayerNet(784, hidden, 10, seed=0), optimizers.SGD(lr=0.1)
    else:
        net, opt = getattr(networks, kind)(seed=0), optimizers.Adam(lr=0.001)
    pool = iter(())

    def step() -> None:
        nonlocal pool
        try:
            x, t = next(pool)
        except StopIteration:
            pool = iter(batches)
            x, t = next(pool)
        _, grads = net.loss_and_gradient(x, t)
        opt.update(net.params, grads)

    return step


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.compare_trees", description=__doc__.split("\n\n")[0])
    parser.add_argument("other", type=Path, help="root of the other checkout (holding networks/ and layers/)")
    add_thread_options(parser)
    parser.add_argument("--rounds", type=int, default=20, help="paired rounds per network (default %(default)s)")
    parser.add_argument("--calls-per-round", type=int, default=5, help="timed steps per turn (default %(default)s)")
    parser.add_argument("--networks", default="TwoLayerNet-50,TwoLayerNet-1000,SimpleConvNet,DeepConvNet",
                        help="what to time, comma-separated (default %(default)s)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 3 rounds of 2 steps")
    parser.add_argument("--alternate", type=int, default=0, metavar="STEPS",
                        help="instead: the two checkouts' steps one by one, STEPS each, at --threads BLAS threads "
                             "and no torch (finer for small steps, whose round medians move with the machine), in "
                             "two fresh processes that load the checkouts in opposite orders")
    parser.add_argument("--load-first", choices=("other", "this"), help=argparse.SUPPRESS)  # one of those processes
    args = parser.parse_args(argv)
    if not (args.other / "networks").is_dir():
        parser.error(f"other: {args.other} holds no networks/ package")
    if args.quick:
        args.rounds, args.calls_per_round = 3, 2
    if min(args.rounds, args.calls_per_round, args.threads) < 1 or args.alternate < 0:
        parser.error("--rounds, --calls-per-round and --threads must be positive, --alternate not negative")
    pin_threads(args.threads)
    import numpy as np
    from threadpoolctl import ThreadpoolController

    if args.alternate and args.load_first is None:
        return alternate_both_orders(args, argv if argv is not None else sys.argv[1:])
    here = Path(__file__).resolve().parents[1]
    if args.load_first == "this":
        this = load_checkout(here)
        other = load_checkout(args.other)
    else:
        other = load_checkout(args.other)
        this = load_checkout(here)
    if args.alternate:
        return alternate(args, other, this)
    torch = import_torch(args.threads)
    # The policy module this checkout's networks use (load_checkout drops the modules from sys.modules
    # once loaded, so importing engine.threads again here would give a fresh copy the layers never read).
    this_threads = this["threads"]
    controller = ThreadpoolController()
    blas_default = max((info["num_threads"] for info in controller.info() if info["user_api"] == "blas"), default=1)

    def blas_at(count: int) -> object:
        return lambda: controller.limit(limits=count, user_api="blas")

    def policy() -> None:
        this_threads.set_num_threads(args.threads)

    other_threads = other["threads"]

    def other_policy() -> None:
        other_threads.set_num_threads(args.threads)

    other_group = "blas" if other_threads is None else "other policy"
    print("zeroprop: this checkout against", args.other, "- one training step each, batch", BATCH)
    print("the other checkout runs " + ("at OpenBLAS's default threads (it has no thread policy)" if other_threads
                                        is None else "under its own engine's thread policy"))
    print("\n".join(describe_environment(args.threads, torch)))
    rng = np.random.default_rng(1)
    rows = []
    for kind in (name for name in args.networks.split(",") if name):
        shape = (BATCH, 784) if kind.startswith("TwoLayerNet") else (BATCH, 1, 28, 28)
        batches = [(rng.random(shape, dtype=np.float32), rng.integers(0, 10, BATCH)) for _ in range(4)]
        cases = {"other": cases_for(kind, other, batches), "this": cases_for(kind, this, batches),
                 "this, BLAS default": cases_for(kind, this, batches)}
        groups = {"other": other_group, "this": "policy", "this, BLAS default": "blas"}
        switch = {"blas": blas_at(blas_default), "policy": policy, "other policy": other_policy}
        if torch is not None:
            cases["torch"] = torch_case(torch, kind, batches)
            groups["torch"] = "torch"
        timings = time_interleaved(cases, rounds=args.rounds, calls_per_round=args.calls_per_round, warmup=3,
                                   groups=groups, pause=args.pause, on_switch=switch)
        row = [kind, format_seconds(timings["other"].median), format_seconds(timings["this"].median),
               format_ratio(paired_ratio(timings["this"], timings["other"])),
               format_ratio(paired_ratio(timings["this, BLAS default"], timings["other"]))]
        if torch is not None:
            row += [format_ratio(paired_ratio(timings["other"], timings["torch"])),
                    format_ratio(paired_ratio(timings["this"], timings["torch"]))]
        rows.append(row)
    headers = ["network", "other", "this", "this / other", "this, BLAS default / other"]
    if torch is not None:
        headers += ["other / torch", "this / torch"]
    print_table(headers, rows)
    print(f"command: python -m benchmarks.compare_trees {shlex.join(sys.argv[1:])}")
    return 0


def alternate_both_orders(args: argparse.Namespace, argv: list[str]) -> int:
    """Run :func:`alternate` in two fresh processes, the other checkout loaded first in one and this one
    in the other, and print each order's ratio and their geometric mean.

    Which checkout a process loads first can move a small step's time by itself, by up to about 12% at
    two BLAS threads (the same checkout loaded twice), consistently from one run to the next; the
    geometric mean of the two orders cancels such a bias where it scales both orders alike.
    """
    import math
    import subprocess

    print(f"zeroprop: this checkout against {args.other}, steps taken in turn, {args.alternate} each, "
          f"BLAS at {args.threads} thread(s), batch {BATCH}; once with each checkout loaded first")
    results: dict[str, dict[str, tuple[float, float, float]]] = {}
    for first in ("other", "this"):
        command = [sys.executable, "-m", "benchmarks.compare_trees", *argv, "--load-first", first]
        run = subprocess.run(command, cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True)
        if run.returncode:
            sys.stderr.write(run.stdout + run.stderr)
            return run.returncode
        for line in run.stdout.splitlines():
            if line.startswith(RESULT_MARK):
                kind, other_s, this_s, ratio = line.split()[1:]
                results.setdefault(kind, {})[first] = (float(other_s), float(this_s), float(ratio))
    rows = []
    for kind, by_order in results.items():
        (o1, t1, r1), (o2, t2, r2) = by_order["other"], by_order["this"]
        rows.append([kind, f"{format_seconds(o1)}, {format_seconds(o2)}", f"{format_seconds(t1)}, {format_seconds(t2)}",
                     format_ratio(r1), format_ratio(r2), format_ratio(math.sqrt(r1 * r2))])
    print_table(["network", "other", "this", "this / other, other loaded first", "this loaded first",
                 "geometric mean"], rows)
    print(f"command: python -m benchmarks.compare_trees {shlex.join(argv)}")
    return 0


RESULT_MARK = "result:"  # the line by which a process of alternate_both_orders reports one network


def alternate(args: argparse.Namespace, other: dict[str, ModuleType], this: dict[str, ModuleType]) -> int:
    """Time each network's step from both checkouts taking turns step by step (which goes first
    alternates), at the BLAS threads already pinned; print the medians and the median paired ratio."""
    import time

    import numpy as np

    print(f"zeroprop: this checkout against {args.other}, steps taken in turn, {args.alternate} each, "
          f"BLAS at {args.threads} thread(s), batch {BATCH}, {args.load_first} checkout loaded first")
    rng = np.random.default_rng(1)
    rows = []
    for kind in (name for name in args.networks.split(",") if name):
        shape = (BATCH, 784) if kind.startswith("TwoLayerNet") else (BATCH, 1, 28, 28)
        batches = [(rng.random(shape, dtype=np.float32), rng.integers(0, 10, BATCH)) for _ in range(4)]
        steps = {"other": cases_for(kind, other, batches), "this": cases_for(kind, this, batches)}
        seconds: dict[str, list[float]] = {name: [] for name in steps}
        for i in range(args.alternate + 20):  # the first 20 pairs warm up, untimed
            for name in ("other", "this") if i % 2 else ("this", "other"):
                start = time.perf_counter()
                steps[name]()
                if i >= 20:
                    seconds[name].append(time.perf_counter() - start)
        ratios = np.array(seconds["this"]) / np.array(seconds["other"])
        medians = [float(np.median(seconds["other"])), float(np.median(seconds["this"])), float(np.median(ratios))]
        rows.append([kind, format_seconds(medians[0]), format_seconds(medians[1]), format_ratio(medians[2])])
        print(RESULT_MARK, kind, *medians)
    print_table(["network", "other", "this", "this / other (median of paired steps)"], rows)
    print(f"command: python -m benchmarks.compare_trees {shlex.join(sys.argv[1:])}")
    return 0


def torch_case(torch: ModuleType, kind: str, batches: list) -> object:
    """The same step in PyTorch (its default threads), for a yardstick common to both checkouts."""
    from benchmarks import bench_convnet, bench_mlp
    from benchmarks.common import torch_training_step

    if kind.startswith("TwoLayerNet"):
        net = importlib.import_module("networks").TwoLayerNet(784, int(kind.split("-")[1]), 10, seed=0)
        model = bench_mlp.torch_model(torch, net.params)
        return torch_training_step(torch, model, torch.optim.SGD(model.parameters(), lr=0.1), batches)
    net = getattr(importlib.import_module("networks"), kind)(seed=0)
    model = bench_convnet.torch_model(torch, net)
    model.train()
    return torch_training_step(torch, model, torch.optim.Adam(model.parameters(), lr=0.001), batches)


if __name__ == "__main__":
    sys.exit(main())
