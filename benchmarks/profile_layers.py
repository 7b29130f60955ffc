"""Where a training step's time goes: every layer's forward and backward, the loss layer, the update.

    python -m benchmarks.profile_layers                         # DeepConvNet + Adam, batch 100
    python -m benchmarks.profile_layers --network TwoLayerNet --hidden 1000 --fast
    python -m benchmarks.profile_layers --network SimpleConvNet --book      # the book's layers

The step is the Trainer's (``loss_and_gradient``, then the optimiser's update, under the engine's
thread policy), run first as it is, then with a clock around every layer call: each part is the
median over the timed steps, and the parts add up to about the whole step (the clocks add a little,
the host's drift between the two passes often more). The engine's workers run inside a layer's
call, so a layer's time is wall time, all cores together.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence
from functools import wraps

import numpy as np

from benchmarks import bench_convnet, bench_mlp
from benchmarks.common import describe_machine, format_seconds, print_table, zeroprop_training_step
from engine import threads
from networks import TwoLayerNet
from networks.base import Network
from optimizers import SGD, Adam

LOSS_ROW = "loss layer"
UPDATE_ROW = "update"


def build(args: argparse.Namespace) -> tuple[Network, object, list[tuple[np.ndarray, np.ndarray]]]:
    """The network (seed 0), its optimiser and pool of float32 batches as the speed benchmarks make them
    (bench_mlp for TwoLayerNet, bench_convnet for the ConvNets)."""
    if args.network == "TwoLayerNet":
        net = TwoLayerNet(bench_mlp.INPUT_SIZE, args.hidden, bench_mlp.OUTPUT_SIZE, seed=0, fast=args.fast)
        return net, SGD(bench_mlp.LEARNING_RATE), bench_mlp.make_batches(args.batch)
    net = bench_convnet.NETWORKS[args.network](seed=0, fast=args.fast)
    return net, Adam(bench_convnet.LEARNING_RATE), bench_convnet.make_batches(args.batch)


def _timed(method: Callable[..., object], record: list[float]) -> Callable[..., object]:
    @wraps(method)
    def timed(*args: object, **kwargs: object) -> object:
        start = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            record.append(time.perf_counter() - start)

    return timed


def profile_step(net: Network, optimizer: object, batches: Sequence[tuple[np.ndarray, np.ndarray]],
                 steps: int, warmup: int) -> tuple[float, dict[str, tuple[float, float | None]]]:
    """(the median whole step, {part: (median forward or call, median backward or None)}) in seconds,
    parts in the order they run: the layers, the loss layer, the update."""

    with threads.in_force():
        whole = []
        step = zeroprop_training_step(net, optimizer, batches)
        for _ in range(warmup + steps):
            start = time.perf_counter()
            step()
            whole.append(time.perf_counter() - start)

        records: dict[str, tuple[list[float], list[float]]] = {}
        instances = {**net.layers, LOSS_ROW: net.last_layer}
        for name, layer in instances.items():
            records[name] = ([], [])
            layer.forward = _timed(layer.forward, records[name][0])  # on the instance: the network calls it
            layer.backward = _timed(layer.backward, records[name][1])
        records[UPDATE_ROW] = ([], [])
        optimizer.update = _timed(optimizer.update, records[UPDATE_ROW][0])
        try:
            step = zeroprop_training_step(net, optimizer, batches)  # the same batches again, from the first
            for _ in range(warmup + steps):
                step()
        finally:
            for layer in instances.values():
                del layer.forward, layer.backward
            del optimizer.update

    def median(values: list[float]) -> float | None:
        return statistics.median(values[warmup:]) if values[warmup:] else None

    return statistics.median(whole[warmup:]), {name: (median(f), median(b)) for name, (f, b) in records.items()}


def report(parts: dict[str, tuple[float, float | None]], whole: float, net: Network, optimizer: object) -> None:
    """Print the parts with their classes and shares, then the time per class."""
    kinds = {name: type(net.last_layer if name == LOSS_ROW else net.layers[name]).__name__
             for name in parts if name != UPDATE_ROW} | {UPDATE_ROW: type(optimizer).__name__}
    both = {name: forward + (backward or 0.0) for name, (forward, backward) in parts.items()}
    total = sum(both.values())
    rows = [[name, kinds[name], format_seconds(forward), "-" if backward is None else format_seconds(backward),
             f"{100 * both[name] / total:.0f}%"] for name, (forward, backward) in parts.items()]
    print_table(["part", "class", "forward", "backward", "share"], rows)
    print(f"  the parts add up to {format_seconds(total)}; the step timed whole: {format_seconds(whole)}")
    by_kind: dict[str, float] = {}
    for name, seconds in both.items():
        by_kind[kinds[name]] = by_kind.get(kinds[name], 0.0) + seconds
    print("  by class: " + ", ".join(f"{kind} {format_seconds(seconds)} ({100 * seconds / total:.0f}%)"
                                     for kind, seconds in sorted(by_kind.items(), key=lambda item: -item[1])))


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_layers", description=__doc__.split("\n")[0])
    parser.add_argument("--network", choices=["DeepConvNet", "SimpleConvNet", "TwoLayerNet"], default="DeepConvNet")
    parser.add_argument("--hidden", type=int, default=50, help="TwoLayerNet's hidden size (default 50)")
    build_choice = parser.add_mutually_exclusive_group()
    build_choice.add_argument("--fast", dest="fast", action="store_true", default=None,
                              help="the engine's layers (the ConvNets' default)")
    build_choice.add_argument("--book", dest="fast", action="store_false",
                              help="the book's layers (TwoLayerNet's default)")
    parser.add_argument("--batch", type=int, default=100, help="batch size (default 100)")
    parser.add_argument("--steps", type=int, default=30, help="timed steps (default 30)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps first (default 5)")
    parser.add_argument("--threads", type=int, default=None,
                        help="the engine's thread count (default: its own, one per available core)")
    args = parser.parse_args(argv)
    if args.fast is None:
        args.fast = args.network != "TwoLayerNet"
    for name in ("hidden", "batch", "steps"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1, got {getattr(args, name)}")
    if args.warmup < 0:
        parser.error(f"--warmup must be at least 0, got {args.warmup}")
    if args.threads is not None and args.threads < 1:
        parser.error(f"--threads must be at least 1, got {args.threads}")
    return args


def main(argv: Sequence[str] | None = None) -> dict[str, tuple[float, float | None]]:
    args = parse_args(argv)
    threads.set_num_threads(args.threads)
    net, optimizer, batches = build(args)
    build_name = "engine layers" if args.fast else "book layers"
    print(describe_machine())
    print(f"{args.network} ({build_name}), batch {args.batch}, float32, {threads.get_num_threads()} thread(s); "
          f"medians of {args.steps} steps after {args.warmup} untimed", flush=True)
    whole, parts = profile_step(net, optimizer, batches, args.steps, args.warmup)
    report(parts, whole, net, optimizer)
    return parts


if __name__ == "__main__":
    main()
