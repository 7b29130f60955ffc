"""Time one training iteration of SimpleConvNet and DeepConvNet against PyTorch and BLAS alone.

    python -m benchmarks.bench_convnet              # both networks at batch 100, batch sweep, peak memory
    python -m benchmarks.bench_convnet --quick      # a fast smoke run

An iteration is forward, backward and an Adam update (lr 0.001) on a float32 batch of 1x28x28
images. zeroprop and PyTorch (the same layers with the same weights, dropout included, on the CPU)
run in one process with the same thread count, taking turns in rounds; medians are compared. For
each network, one more row times the same network built from the book's layers (``fast=False``),
the step a learner reads. The "matmul floor" times only the matrix products of
zeroprop's im2col convolutions (forward, dW, dcol) and affines at the same shapes, on one core
(BLAS at one thread): no implementation computing them with the same BLAS on one core can be
faster. The engine's Winograd convolutions compute fewer products, and it splits work over its
threads, so its step can take less than this floor.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable
from types import ModuleType

import numpy as np

from benchmarks.common import (
    add_thread_options,
    describe_environment,
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
from engine import FastAffine, FastConvolution, FastPooling, FastRelu
from engine.convolution import weight_gradient
from layers import Affine, Convolution, Dropout, Pooling, Relu
from networks import DeepConvNet, SimpleConvNet
from networks.base import Network
from optimizers import Adam

LEARNING_RATE = 0.001
BATCH_POOL = 4  # distinct batches cycled through
TARGETS = {"SimpleConvNet": 0.7, "DeepConvNet": 1.0}  # the most zeroprop / torch may be
NETWORKS: dict[str, Callable[..., Network]] = {"SimpleConvNet": SimpleConvNet, "DeepConvNet": DeepConvNet}

Step = Callable[[], object]


def make_batches(batch: int, seed: int = 1) -> list[tuple[np.ndarray, np.ndarray]]:
    """A small pool of float32 images in [0, 1) with integer labels."""
    rng = np.random.default_rng(seed)
    return [(rng.random((batch, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, batch)) for _ in range(BATCH_POOL)]


def zeroprop_step(net: Network, batches: list[tuple[np.ndarray, np.ndarray]]) -> Step:
    return zeroprop_training_step(net, Adam(LEARNING_RATE), batches)


# -- PyTorch twins -------------------------------------------------------------------------------

def torch_model(torch: ModuleType, net: Network) -> object:
    """A torch.nn.Sequential mirroring ``net``'s layers one by one, holding copies of its weights."""
    nn = torch.nn
    modules = []
    flat = False
    for layer in net.layers.values():
        if isinstance(layer, Convolution | FastConvolution):
            W, b = layer.params["W"], layer.params["b"]
            conv = nn.Conv2d(W.shape[1], W.shape[0], W.shape[2:], stride=layer.stride, padding=layer.pad)
            with torch.no_grad():
                conv.weight.copy_(torch.from_numpy(W))
                conv.bias.copy_(torch.from_numpy(b))
            modules.append(conv)
        elif isinstance(layer, Affine | FastAffine):
            W, b = layer.params["W"], layer.params["b"]
            linear = nn.Linear(*W.shape)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(W.T)))
                linear.bias.copy_(torch.from_numpy(b))
            if not flat:
                modules.append(nn.Flatten())
                flat = True
            modules.append(linear)
        elif isinstance(layer, Relu | FastRelu):
            modules.append(nn.ReLU())
        elif isinstance(layer, Pooling | FastPooling):
            modules.append(nn.MaxPool2d((layer.pool_h, layer.pool_w), stride=layer.stride, padding=layer.pad))
        elif isinstance(layer, Dropout):
            modules.append(nn.Dropout(layer.dropout_ratio))
        else:
            raise TypeError(f"bench_convnet: no torch twin for layer {type(layer).__name__}")
    return nn.Sequential(*modules)


def torch_step(torch: ModuleType, net: Network, batches: list[tuple[np.ndarray, np.ndarray]]) -> Step:
    model = torch_model(torch, net)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    return torch_training_step(torch, model, opt, batches)


def first_losses(nets: list[Network], torch: ModuleType | None, x: np.ndarray, t: np.ndarray) -> list[float]:
    """Inference loss on one batch from each zeroprop build and the torch twin (a check that they match)."""
    losses = [net.loss(x, t, train_flg=False) for net in nets]  # DeepConvNet's loss trains by default, as the book's
    net = nets[0]
    if torch is not None:
        model = torch_model(torch, net)
        model.eval()
        with torch.no_grad():
            losses.append(float(torch.nn.functional.cross_entropy(model(torch.from_numpy(x)), torch.from_numpy(t))))
    return losses


# -- the matrix products alone -------------------------------------------------------------------

def matmul_step(net: Network, batch: int) -> Step:
    """The products zeroprop computes for ``net`` at ``batch``, on random arrays of the same shapes.

    Convolution, with W_col (FN, K), col^T (K, P) and P = N*OH*OW: out^T = W_col col^T,
    dW = dout^T col (by :func:`engine.convolution.weight_gradient`, the layer's own way, which sums
    products over chunks for small filters), and dcol^T = W_col^T dout^T where the layer passes a
    gradient on.
    Affine: x W, x^T dout, and dout W^T where it passes a gradient on.
    """
    rng = np.random.default_rng(2)
    shape = (batch, 1, 28, 28)
    products: list[tuple[np.ndarray, ...]] = []
    weight_gradients: list[tuple[np.ndarray, np.ndarray]] = []
    for layer in net.layers.values():
        if isinstance(layer, Convolution | FastConvolution):
            N, FN, OH, OW = layer.output_shape(shape)
            K, P = int(np.prod(layer.params["W"].shape[1:])), N * OH * OW
            W = rng.standard_normal((FN, K), dtype=np.float32)
            col = rng.random((K, P), dtype=np.float32)
            dout = rng.standard_normal((FN, P), dtype=np.float32)
            products.append((W, col, np.empty((FN, P), np.float32)))
            weight_gradients.append((dout, col))
            if layer.needs_input_grad:
                products.append((W.T, dout, col))
            shape = (N, FN, OH, OW)
        elif isinstance(layer, Pooling | FastPooling):
            shape = layer.output_shape(shape)
        elif isinstance(layer, Affine | FastAffine):
            D, M = layer.params["W"].shape
            x = rng.random((batch, D), dtype=np.float32)
            W = rng.standard_normal((D, M), dtype=np.float32)
            dout = rng.standard_normal((batch, M), dtype=np.float32)
            products += [(x, W, np.empty((batch, M), np.float32)), (x.T, dout, np.empty((D, M), np.float32))]
            if layer.needs_input_grad:
                products.append((dout, W.T, x))
            shape = (batch, M)

    def step() -> None:
        for a, b, out in products:
            np.matmul(a, b, out=out)
        for dout, col in weight_gradients:
            weight_gradient(dout, col)

    return step


# -- running -------------------------------------------------------------------------------------

def bench_network(name: str, args: argparse.Namespace, torch: ModuleType | None) -> dict[str, float]:
    """Time zeroprop, torch and the matmul floor for one network at --batch; print the table."""
    net = NETWORKS[name](seed=0)
    book = NETWORKS[name](seed=0, fast=False)  # the same weights, built from the book's layers
    batches = make_batches(args.batch)
    losses = first_losses([net, book], torch, *batches[0])
    if max(losses) - min(losses) > 1e-4 * max(losses):
        raise RuntimeError(f"{name}: zeroprop and torch disagree on the first loss: {losses}")
    im2col = NETWORKS[name](seed=0)  # the engine without Winograd
    for layer in im2col.layers.values():
        if isinstance(layer, FastConvolution):
            layer.algorithm = "im2col"
    cases: dict[str, Step] = {"ours": zeroprop_step(net, batches)}
    if torch is not None:
        cases["torch"] = torch_step(torch, net, batches)
    cases["im2col"] = zeroprop_step(im2col, batches)
    cases["book"] = zeroprop_step(book, batches)
    cases["floor"] = matmul_step(net, args.batch)
    rounds = max(1, args.repeat // args.calls_per_round)
    timings = time_interleaved(cases, rounds=rounds, calls_per_round=args.calls_per_round, warmup=args.warmup,
                               groups=thread_pools(cases), pause=args.pause)
    medians = {case: timing.median for case, timing in timings.items()}
    labels = {"ours": f"zeroprop {name} + Adam (float32)", "torch": "PyTorch twin + Adam (float32)",
              "im2col": "zeroprop, engine with im2col only", "book": "zeroprop, book layers (fast=False)",
              "floor": "matmul floor of im2col (GEMMs + affines)"}
    rows = []
    for case, timing in timings.items():
        q1, q3 = timing.quartiles
        rows.append([labels[case], format_seconds(timing.median), f"{format_seconds(q1)} - {format_seconds(q3)}",
                     format_ratio(paired_ratio(timing, timings["torch"]) if "torch" in timings else None),
                     format_ratio(paired_ratio(timing, timings["floor"]))])
    print(f"\n{name}, batch {args.batch}: {rounds * args.calls_per_round} timed iterations per row "
          f"({rounds} rounds of {args.calls_per_round}); first losses agree: "
          f"{', '.join(f'{loss:.5f}' for loss in losses)}")
    print_table(["implementation", "median", "middle half", "/ torch", "/ floor"], rows)
    if "torch" in medians:
        ratio = paired_ratio(timings["ours"], timings["torch"])
        target = TARGETS[name]
        met = "met" if ratio <= target else "NOT met"
        verdict = f"zeroprop / torch = {ratio:.2f}x (target <= {target:.2f}x: {met})"
        verdict += (f"; im2col only / torch = {paired_ratio(timings['im2col'], timings['torch']):.2f}x"
                    f"; book layers / torch = {paired_ratio(timings['book'], timings['torch']):.2f}x")
        print("  " + verdict)
    return medians


# The speed issue's target for a step beside one busy process, as a ratio to its time alone.
CONTENTION_TARGETS = {"DeepConvNet": 1.5}


def bench_contention(name: str, args: argparse.Namespace, torch: ModuleType | None) -> None:
    """One step of ``name`` alone and beside one busy process, paired per round, zeroprop and torch."""
    from benchmarks.contention import time_contention

    net = NETWORKS[name](seed=0)
    batches = make_batches(args.batch)
    cases = {"zeroprop": zeroprop_step(net, batches)}
    if torch is not None:
        cases["torch"] = torch_step(torch, net, batches)
    rows = []
    target = CONTENTION_TARGETS.get(name)
    for case, step in cases.items():
        timing = time_contention(step, rounds=args.contention_rounds, calls=args.calls_per_round * 2, warmup=3)
        verdict = "-"
        if case == "zeroprop" and target is not None:
            verdict = f"<= {target:.2f}x: " + ("met" if timing.ratio <= target else "NOT met")
        rows.append([case, format_seconds(timing.alone_median), format_seconds(timing.beside_median),
                     f"{timing.ratio:.2f}x", verdict])
    print(f"\n{name}, batch {args.batch}, beside one busy process ({args.contention_rounds} paired rounds):")
    print_table(["implementation", "alone", "beside a busy process", "ratio", "target"], rows)


def bench_batches(args: argparse.Namespace, torch: ModuleType | None) -> None:
    """SimpleConvNet's time per iteration over batch sizes: it should grow linearly."""
    rows = []
    rounds = max(1, args.sweep_repeat // args.calls_per_round)
    for batch in args.batch_sweep:
        net = SimpleConvNet(seed=0)
        batches = make_batches(batch)
        cases: dict[str, Step] = {"ours": zeroprop_step(net, batches)}
        if torch is not None:
            cases["torch"] = torch_step(torch, net, batches)
        timings = time_interleaved(cases, rounds=rounds, calls_per_round=args.calls_per_round, warmup=3,
                                   groups=thread_pools(cases), pause=args.pause)
        ours = timings["ours"].median
        row = [batch, format_seconds(ours), format_seconds(ours / batch)]
        if torch is not None:
            theirs = timings["torch"].median
            row += [format_seconds(theirs), format_seconds(theirs / batch),
                    format_ratio(paired_ratio(timings["ours"], timings["torch"]))]
        rows.append(row)
    print(f"\nSimpleConvNet over batch sizes ({rounds * args.calls_per_round} timed iterations each, "
          f"{rounds} paired rounds):")
    headers = ["batch", "zeroprop", "per sample"] + (["torch", "per sample", "ratio"] if torch is not None else [])
    print_table(headers, rows)


def one_iteration(name: str, batch: int, iterations: int) -> None:
    """Build ``name`` and run ``iterations`` training iterations (for the peak-memory measurement)."""
    net = NETWORKS[name](seed=0)
    step = zeroprop_step(net, make_batches(batch)[:1])
    for _ in range(iterations):
        step()


def report_memory(args: argparse.Namespace) -> None:
    """Peak RSS of a process running DeepConvNet training iterations, against one that only builds it."""
    base = [sys.executable, "-m", "benchmarks.bench_convnet", "--threads", str(args.threads), "--run-iterations"]
    idle = peak_rss_of(base + ["0", "--batch", str(args.batch)])
    busy = peak_rss_of(base + ["2", "--batch", str(args.batch)])
    for result in (idle, busy):
        if result.returncode != 0:
            raise RuntimeError(f"memory probe failed: {shlex.join(result.command)}\n{result.output_tail}")
    print(f"\nDeepConvNet peak resident memory, batch {args.batch}: {busy.peak_rss_mib:.1f} MiB with two training "
          f"iterations, {idle.peak_rss_mib:.1f} MiB after building the network and data alone "
          f"(the iterations add {busy.peak_rss_mib - idle.peak_rss_mib:.1f} MiB)")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_convnet",
        description="Median time of one training iteration of SimpleConvNet and DeepConvNet against PyTorch on "
                    "the CPU and the matrix products alone; a batch-size sweep; DeepConvNet's peak memory.",
    )
    add_thread_options(parser)
    parser.add_argument("--batch", type=int, default=100, help="batch size (default %(default)s)")
    parser.add_argument("--repeat", type=int, help="timed iterations per row (default 200, with --quick 20)")
    parser.add_argument("--calls-per-round", type=int, default=5,
                        help="timed iterations a row runs before the next takes its turn (default %(default)s)")
    parser.add_argument("--warmup", type=int, help="untimed iterations per row first (default 5, with --quick 2)")
    parser.add_argument("--networks", default="SimpleConvNet,DeepConvNet",
                        help="networks to time, comma-separated (default %(default)s)")
    parser.add_argument("--batch-sweep", default="32,64,128,256,512",
                        type=lambda text: positive_sizes(text) if text else [],
                        help="SimpleConvNet batch sizes for the sweep; empty to skip (default %(default)s)")
    parser.add_argument("--sweep-repeat", type=int,
                        help="timed iterations per sweep size (default 40, with --quick 10)")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out even where it is installed")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory measurement")
    parser.add_argument("--contention", action="store_true",
                        help="also time each network's step alone and beside one busy process, zeroprop and torch")
    parser.add_argument("--contention-rounds", type=int, default=5,
                        help="paired rounds of --contention (default %(default)s)")
    parser.add_argument("--quick", action="store_true",
                        help="a fast smoke run: --repeat 20 --sweep-repeat 10 --warmup 2, where not given")
    parser.add_argument("--run-iterations", type=int, metavar="K", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for name, usual, quick in (("repeat", 200, 20), ("sweep_repeat", 40, 10), ("warmup", 5, 2)):
        if getattr(args, name) is None:  # an option given explicitly stands, --quick or not
            setattr(args, name, quick if args.quick else usual)
    unknown = [name for name in args.networks.split(",") if name and name not in NETWORKS]
    if unknown:
        parser.error(f"--networks: unknown {unknown}, expected some of {sorted(NETWORKS)}")
    if min(args.threads, args.repeat, args.calls_per_round, args.batch, args.sweep_repeat, args.contention_rounds) < 1 \
            or args.warmup < 0:
        parser.error("--threads, --repeat, --calls-per-round, --batch, --sweep-repeat and --contention-rounds must be "
                     "positive, --warmup not negative")
    if args.pause < 0:
        parser.error("--pause must not be negative")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    pin_threads(args.threads)
    from engine import threads  # the engine's policy: BLAS at one thread, args.threads workers

    threads.set_num_threads(args.threads)
    if args.run_iterations is not None:
        one_iteration("DeepConvNet", args.batch, args.run_iterations)
        return 0
    torch = None if args.no_torch else import_torch(args.threads)
    print("zeroprop ConvNet benchmark: one training iteration (forward, backward, Adam update)")
    print("\n".join(describe_environment(args.threads, torch)))
    for name in (name for name in args.networks.split(",") if name):
        bench_network(name, args, torch)
        if args.contention:
            bench_contention(name, args, torch)
    if args.batch_sweep:
        bench_batches(args, torch)
    if not args.no_memory:
        report_memory(args)
    print(f"\ncommand: python -m benchmarks.bench_convnet {shlex.join(sys.argv[1:])}".rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
