"""Time one training iteration of TwoLayerNet against PyTorch, plain NumPy, float64 and BLAS alone.

    python -m benchmarks.bench_mlp                 # 784-50-10 and 784-1000-10 at batch 100
    python -m benchmarks.bench_mlp --quick         # a fast smoke run
    python -m benchmarks.bench_mlp --contention    # also each step alone and beside one busy process
    python -m benchmarks.bench_mlp --rss-of "python -m scripts.train_neuralnet --quick" --rss-dataset 70000x784

An iteration is forward, backward and an SGD update on a float32 batch. All implementations run in
the same process with the same thread count, taking turns in rounds; a ratio is the median over
rounds of the two rows' medians in that round. "Plain float32 NumPy" is the same step written
out in one method with no layers: the reference point the 784-50-10 target is set against.
"TwoLayerNet(fast=True)" is the same network built from the engine's twins of Affine and Relu, whose
large products are split over the engine's threads; the targets are checked for both builds. The
"matmul floor" rows time only the network's matrix products at the same shapes, on one core (BLAS
at one thread): no implementation that computes them with the same BLAS on one core can be faster;
``fast=True``, which splits its large products over the engine's threads, can.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Callable
from types import ModuleType

import numpy as np

from benchmarks.common import (
    OthersCpuShare,
    Timing,
    add_thread_options,
    cycling_step,
    describe_environment,
    float32_mib,
    format_ratio,
    format_seconds,
    import_torch,
    paired_ratio,
    peak_rss_of,
    pin_threads,
    positive_sizes,
    print_table,
    thread_pools,
    time_interleaved,
    torch_training_step,
    zeroprop_training_step,
)
from benchmarks.plain_nets import PlainNumpyNet
from networks import TwoLayerNet
from optimizers import SGD

INPUT_SIZE = 784
OUTPUT_SIZE = 10
LEARNING_RATE = 0.1
BATCH_POOL = 8  # distinct batches cycled through, so no run trains on one batch forever
TARGETS = {50: 0.5, 1000: 1.0}  # the most zeroprop / torch may be, per hidden size
CONTENTION_CALL_SECONDS = 0.1  # one timed call of --contention: enough steps for a busy process to matter

Step = Callable[[], object]


# -- the same step written out in plain float32 NumPy ---------------------------------------------

def plain_numpy_step(params: dict[str, np.ndarray], batches: list[tuple[np.ndarray, np.ndarray]]) -> Step:
    return cycling_step(PlainNumpyNet(params, LEARNING_RATE).sgd_step, batches)


# -- the cases -----------------------------------------------------------------------------------

def make_batches(batch: int, seed: int = 1) -> list[tuple[np.ndarray, np.ndarray]]:
    """A small pool of float32 inputs in [0, 1) with integer labels."""
    rng = np.random.default_rng(seed)
    return [
        (rng.random((batch, INPUT_SIZE), dtype=np.float32), rng.integers(0, OUTPUT_SIZE, batch))
        for _ in range(BATCH_POOL)
    ]


def zeroprop_step(net: TwoLayerNet, batches: list[tuple[np.ndarray, np.ndarray]]) -> Step:
    return zeroprop_training_step(net, SGD(LEARNING_RATE), batches)


def float64_step(params: dict[str, np.ndarray], batches: list[tuple[np.ndarray, np.ndarray]]) -> Step:
    """TwoLayerNet in float64, the book's precision, with the same weights."""
    net = TwoLayerNet(INPUT_SIZE, params["W1"].shape[1], OUTPUT_SIZE, dtype=np.float64)
    for key, value in params.items():
        net.params[key][...] = value
    return zeroprop_step(net, batches)


def torch_model(torch: ModuleType, params: dict[str, np.ndarray]) -> object:
    """nn.Linear-ReLU-nn.Linear in float32 holding the same weights as ``params``."""
    hidden = params["W1"].shape[1]
    model = torch.nn.Sequential(
        torch.nn.Linear(INPUT_SIZE, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, OUTPUT_SIZE)
    )
    with torch.no_grad():
        for layer, w, b in ((model[0], "W1", "b1"), (model[2], "W2", "b2")):
            layer.weight.copy_(torch.from_numpy(np.ascontiguousarray(params[w].T)))
            layer.bias.copy_(torch.from_numpy(params[b]))
    return model


def torch_step(torch: ModuleType, params: dict[str, np.ndarray], batches: list[tuple[np.ndarray, np.ndarray]]) -> Step:
    model = torch_model(torch, params)
    opt = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    return torch_training_step(torch, model, opt, batches)


def matmul_step(hidden: int, batch: int, with_input_grad: bool) -> Step:
    """The network's matrix products alone: x W1, h W2, h^T dy, dy W2^T, x^T dh (and dh W1^T)."""
    rng = np.random.default_rng(2)
    x = rng.random((batch, INPUT_SIZE), dtype=np.float32)
    W1 = rng.standard_normal((INPUT_SIZE, hidden), dtype=np.float32)
    W2 = rng.standard_normal((hidden, OUTPUT_SIZE), dtype=np.float32)
    h = rng.random((batch, hidden), dtype=np.float32)
    dy = rng.standard_normal((batch, OUTPUT_SIZE), dtype=np.float32)
    dh = rng.standard_normal((batch, hidden), dtype=np.float32)

    def step() -> None:
        x @ W1, h @ W2, h.T @ dy, dy @ W2.T, x.T @ dh
        if with_input_grad:
            dh @ W1.T

    return step


def first_losses(params: dict[str, np.ndarray], torch: ModuleType | None, x: np.ndarray, t: np.ndarray) -> list[float]:
    """The loss on one batch of zeroprop's two builds, plain NumPy and torch with the same weights (a sanity
    check)."""
    builds = [TwoLayerNet(INPUT_SIZE, params["W1"].shape[1], OUTPUT_SIZE, seed=0, fast=fast) for fast in (False, True)]
    losses = [net.loss(x, t) for net in builds] + [PlainNumpyNet(params).sgd_step(x, t)]
    if torch is not None:
        with torch.no_grad():
            scores = torch_model(torch, params)(torch.from_numpy(x))
            losses.append(float(torch.nn.functional.cross_entropy(scores, torch.from_numpy(t))))
    return losses


# -- running -------------------------------------------------------------------------------------

def bench_network(hidden: int, args: argparse.Namespace, torch: ModuleType | None) -> dict[str, Timing]:
    """Time every case for one hidden size, print the table and return the timings by case name."""
    batches = make_batches(args.batch)
    net = TwoLayerNet(INPUT_SIZE, hidden, OUTPUT_SIZE, seed=0)
    params = {key: value.copy() for key, value in net.params.items()}
    ours_computes_dx = getattr(net.layers["Affine1"], "needs_input_grad", True)

    losses = first_losses(params, torch, *batches[0])
    if max(losses) - min(losses) > 1e-4 * max(losses):
        raise RuntimeError(f"the implementations disagree on the first loss: {losses}")

    cases: dict[str, Step] = {"ours": zeroprop_step(net, batches),
                              "fast": zeroprop_step(TwoLayerNet(INPUT_SIZE, hidden, OUTPUT_SIZE, seed=0, fast=True),
                                                    batches)}
    if torch is not None:
        cases["torch"] = torch_step(torch, params, batches)
    if ours_computes_dx:  # also time the network without the input layer's dx, to show what it costs
        lean = TwoLayerNet(INPUT_SIZE, hidden, OUTPUT_SIZE, seed=0)
        lean.layers["Affine1"].needs_input_grad = False
        cases["lean"] = zeroprop_step(lean, batches)
    cases["plain"] = plain_numpy_step(params, batches)
    cases["float64"] = float64_step(params, batches)
    cases["floor"] = matmul_step(hidden, args.batch, with_input_grad=ours_computes_dx)
    if ours_computes_dx:
        cases["floor_lean"] = matmul_step(hidden, args.batch, with_input_grad=False)

    rounds = max(1, args.repeat // args.calls_per_round)
    with OthersCpuShare() as others:
        timings = time_interleaved(cases, rounds=rounds, calls_per_round=args.calls_per_round, warmup=args.warmup,
                                   groups=thread_pools(cases), pause=args.pause)

    products = "6 products" if ours_computes_dx else "5 products"
    labels = {
        "ours": "zeroprop TwoLayerNet + SGD (float32)",
        "fast": "zeroprop TwoLayerNet(fast=True) + SGD",
        "torch": "PyTorch Linear-ReLU-Linear + SGD (float32)",
        "lean": "zeroprop, first Affine skips dx",
        "plain": "plain float32 NumPy, written out",
        "float64": "zeroprop TwoLayerNet in float64",
        "floor": f"matmul floor of zeroprop ({products})",
        "floor_lean": "matmul floor without input dx (5 products)",
    }
    lean_floor = "floor_lean" if ours_computes_dx else "floor"  # the products of a net that skips the input's dx
    floor_of = {"ours": "floor", "fast": "floor", "lean": "floor_lean", "plain": lean_floor, "torch": lean_floor}
    rows = []
    for name, timing in timings.items():
        q1, q3 = timing.quartiles
        floor = floor_of.get(name)
        rows.append([
            labels[name], format_seconds(timing.median), f"{format_seconds(q1)} - {format_seconds(q3)}",
            format_ratio(paired_ratio(timing, timings["torch"]) if torch is not None else None),
            format_ratio(paired_ratio(timing, timings[floor]) if floor in timings else None),
        ])
    print(f"\nTwoLayerNet {INPUT_SIZE}-{hidden}-{OUTPUT_SIZE}, batch {args.batch}: "
          f"{rounds * args.calls_per_round} timed iterations per row ({rounds} rounds of {args.calls_per_round}); "
          f"first losses agree: {', '.join(f'{loss:.5f}' for loss in losses)}")
    print_table(["implementation", "median", "middle half", "/ torch", "/ floor"], rows)
    print_verdict(hidden, timings, ours_computes_dx)
    if others.share is not None:
        note = " (noisy: above 5%, rerun when the machine is idle)" if others.share > 0.05 else ""
        print(f"  other processes used {others.share:.0%} of the CPU time meanwhile{note}", flush=True)
    return timings


def print_verdict(hidden: int, timings: dict[str, Timing], ours_computes_dx: bool) -> None:
    """One line: each build's ratio to torch against its target, and what skipping the input's dx saves."""
    parts = []
    if "torch" in timings:
        target = TARGETS.get(hidden)
        for case, name in (("ours", "zeroprop"), ("fast", "fast=True")):
            if case in timings:
                ratio = paired_ratio(timings[case], timings["torch"])
                met = "met" if target is not None and ratio <= target else "NOT met"
                verdict = "" if target is None else f" (target <= {target:.2f}x: {met})"
                parts.append(f"{name} / torch = {ratio:.2f}x{verdict}")
    if "plain" in timings:
        parts.append(f"zeroprop / plain NumPy = {paired_ratio(timings['ours'], timings['plain']):.2f}x")
    if ours_computes_dx:
        lean = f"skipping the input layer's dx saves {1 - paired_ratio(timings['lean'], timings['ours']):.0%}"
        if "torch" in timings:
            lean += f" ({paired_ratio(timings['lean'], timings['torch']):.2f}x torch)"
        parts.append(lean)
    print("  " + "; ".join(parts), flush=True)


def bench_contention(hidden: int, args: argparse.Namespace, torch: ModuleType | None) -> dict[str, object]:
    """The training step of both zeroprop builds and of torch, alone and beside one busy process, paired
    per round. A step is short, so each timed call runs as many steps as take about 0.1 s alone."""
    from benchmarks.contention import time_contention

    batches = make_batches(args.batch)
    net = TwoLayerNet(INPUT_SIZE, hidden, OUTPUT_SIZE, seed=0)
    params = {key: value.copy() for key, value in net.params.items()}
    cases: dict[str, Step] = {
        "zeroprop": zeroprop_step(net, batches),
        "zeroprop fast=True": zeroprop_step(TwoLayerNet(INPUT_SIZE, hidden, OUTPUT_SIZE, seed=0, fast=True), batches),
    }
    if torch is not None:
        cases["torch"] = torch_step(torch, params, batches)
    timings, rows = {}, []
    for case, step in cases.items():
        steps = steps_for(step, CONTENTION_CALL_SECONDS)

        def repeated(step: Step = step, steps: int = steps) -> None:
            for _ in range(steps):
                step()

        timing = timings[case] = time_contention(repeated, rounds=args.contention_rounds, calls=3, warmup=1)
        rows.append([case, str(steps), format_seconds(timing.alone_median / steps),
                     format_seconds(timing.beside_median / steps), f"{timing.ratio:.2f}x"])
    print(f"\nTwoLayerNet {INPUT_SIZE}-{hidden}-{OUTPUT_SIZE}, batch {args.batch}, beside one busy process "
          f"({args.contention_rounds} paired rounds of 3 timed calls):")
    print_table(["implementation", "steps a call", "step alone", "step beside a busy process", "ratio"], rows)
    return timings


def steps_for(step: Step, seconds: float) -> int:
    """How many calls of ``step`` take about ``seconds`` alone, from the time of a few."""
    step()
    start = time.perf_counter()
    for _ in range(5):
        step()
    return max(1, round(seconds * 5 / max(time.perf_counter() - start, 1e-9)))


def report_rss(command: str, dataset: list[int] | None) -> int:
    """Print the peak RSS of ``command`` (and of a bare interpreter with NumPy, for scale)."""
    baseline = peak_rss_of([sys.executable, "-c", "import numpy"])
    result = peak_rss_of(command)
    print(f"command: {shlex.join(result.command)}")
    print(f"  exit code {result.returncode}, {result.seconds:.1f} s, peak RSS {result.peak_rss_mib:.1f} MiB "
          f"(python + numpy alone: {baseline.peak_rss_mib:.1f} MiB)")
    if result.returncode != 0:
        print("  its last output lines:\n" + (result.output_tail or "(none)"))
    if dataset:
        data_mib = float32_mib(*dataset)
        budget = data_mib + 100
        verdict = "within" if result.peak_rss_mib <= budget else "OVER"
        print(f"  budget: float32 data set {'x'.join(map(str, dataset))} = {data_mib:.1f} MiB + 100 MiB = "
              f"{budget:.1f} MiB: {verdict} ({result.peak_rss_mib - budget:+.1f} MiB)")
    return result.returncode


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_mlp",
        description="Median time of one training iteration of TwoLayerNet against PyTorch on the CPU, "
                    "the textbook's float64 net and the matrix products alone.",
    )
    add_thread_options(parser)
    parser.add_argument("--repeat", type=int, help="timed iterations per row (default 1000, with --quick 100)")
    parser.add_argument("--calls-per-round", type=int, default=20,
                        help="timed iterations a row runs before the next row takes its turn (default %(default)s)")
    parser.add_argument("--warmup", type=int, help="untimed iterations per row first (default 20, with --quick 5)")
    parser.add_argument("--quick", action="store_true", help="a fast smoke run: fewer iterations")
    parser.add_argument("--hidden", type=positive_sizes, default="50,1000",
                        help="hidden sizes, comma-separated (default %(default)s)")
    parser.add_argument("--batch", type=int, default=100, help="batch size (default %(default)s)")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out even where it is installed")
    parser.add_argument("--contention", action="store_true",
                        help="also time each step alone and beside one busy process, zeroprop and torch")
    parser.add_argument("--contention-rounds", type=int, default=5,
                        help="paired rounds of --contention (default %(default)s)")
    parser.add_argument("--rss-of", metavar="COMMAND",
                        help="instead of timing, run COMMAND and print its peak resident memory")
    parser.add_argument("--rss-dataset", metavar="NxD", type=lambda text: positive_sizes(text, "x"),
                        help="with --rss-of: the data set's shape, e.g. 70000x784; the budget is its float32 "
                             "size + 100 MiB")
    args = parser.parse_args(argv)
    if args.repeat is None:
        args.repeat = 100 if args.quick else 1000
    if args.warmup is None:
        args.warmup = 5 if args.quick else 20
    if min(args.threads, args.repeat, args.calls_per_round, args.batch, args.contention_rounds) < 1 \
            or args.warmup < 0 or args.pause < 0:
        parser.error("--threads, --repeat, --calls-per-round, --batch and --contention-rounds must be positive, "
                     "--warmup and --pause not negative")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    pin_threads(args.threads)
    if args.rss_of:
        try:
            return report_rss(args.rss_of, args.rss_dataset)
        except RuntimeError as err:
            print(err, file=sys.stderr)
            return 2
    from engine import threads  # zeroprop runs under the engine's thread policy, as the Trainer runs it

    threads.set_num_threads(args.threads)
    torch = None if args.no_torch else import_torch(args.threads)
    print("zeroprop core benchmark: one training iteration (forward, backward, SGD update)")
    print("\n".join(describe_environment(args.threads, torch)))
    for hidden in args.hidden:
        bench_network(hidden, args, torch)
        if args.contention:
            bench_contention(hidden, args, torch)
    print(f"\ncommand: python -m benchmarks.bench_mlp {shlex.join(sys.argv[1:])}".rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
