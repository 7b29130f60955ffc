"""Chapter 4.5: train TwoLayerNet with numerical gradients, small enough to finish, beside backprop.

The book's chapter-4 TwoLayerNet learns from gradients taken by centred differences: two forward passes
for every one of its parameters at every step, which is why the book switches to backprop for real
runs. Here a small net (784-10-10 by default) takes SGD steps with ``network.numerical_gradient`` and a
twin with the same initial weights and the same mini-batches takes them with backprop: their loss
curves coincide (the printed gap is round-off), and the time per gradient shows what backprop saves.
"""

import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/train_neuralnet_numerical.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from cli import (
    QUICK_NOTE,
    add_dataset_option,
    add_out_option,
    int_in_range,
    load_script_data,
    nonnegative_int,
    positive_float,
    positive_int,
    script_parser,
)
from networks import TwoLayerNet
from optimizers import SGD
from training.plots import save_figure
from training.progress import with_progress

MAX_HIDDEN = 100  # as the gradient checks': a step took 0.5 s with 10 hidden units and 2.5 s with 30 (2 cores)


def curves_figure(numerical: list[float], backprop: list[float]):
    """Mini-batch loss per iteration of the two runs."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.5, 4.5), layout="constrained")
    ax = fig.subplots()
    ax.plot(numerical, label="numerical gradients", linewidth=3, alpha=0.5)
    ax.plot(backprop, "--", label="backprop", color="black")
    ax.set_xlabel("iteration")
    ax.set_ylabel("mini-batch loss")
    ax.set_title("TwoLayerNet, SGD: numerical gradients vs backprop")
    ax.legend()
    return fig


def main(argv: list[str] | None = None) -> dict:
    parser = script_parser(__doc__, __file__)
    add_out_option(parser)
    add_dataset_option(parser)
    parser.add_argument("--iters", type=positive_int, default=50, help="SGD steps (default 50)")
    parser.add_argument("--batch-size", type=positive_int, default=20,
                        help="mini-batch size, at most the training samples (default 20)")
    parser.add_argument("--hidden", default=10,
                        type=int_in_range(1, MAX_HIDDEN, "the numerical gradients' time grows with hidden^2"),
                        help=f"hidden units, 1 to {MAX_HIDDEN} (default 10): every step differentiates each of "
                             f"the ~795 x hidden weights by forward passes that each cost ~795 x hidden")
    parser.add_argument("--lr", type=positive_float, default=0.5, help="SGD learning rate (default 0.5)")
    parser.add_argument("--seed", type=nonnegative_int, default=0, help="seed of the weights and batches (default 0)")
    parser.add_argument("--quick", action="store_true",
                        help=f"5 steps of a 784-5-10 net on 10 samples, for tests{QUICK_NOTE}")
    args = parser.parse_args(argv)
    parser.require_writable_files(args.out / "train_neuralnet_numerical" / "loss.png")
    parser.apply_quick(args, argv, iters=5, hidden=5, batch_size=10)

    ((x_train, t_train), (x_test, t_test)), info = load_script_data(parser, args.dataset)
    parser.require_at_most("--batch-size", args.batch_size, len(x_train), f"the training samples of {info.title}")
    nets = {kind: TwoLayerNet(784, args.hidden, 10, weight_init_std="he", seed=args.seed, dtype=np.float64)
            for kind in ("numerical", "backprop")}
    optimizers = {kind: SGD(lr=args.lr) for kind in nets}
    losses: dict[str, list[float]] = {kind: [] for kind in nets}
    seconds = dict.fromkeys(nets, 0.0)
    rng = np.random.default_rng(args.seed)
    n_params = sum(p.size for p in nets["numerical"].params.values())
    print(f"TwoLayerNet 784-{args.hidden}-10 ({n_params} parameters), SGD lr {args.lr:g}, batch {args.batch_size}, "
          f"{args.iters} steps; numerical gradients take {2 * n_params} forward passes per step")
    steps = with_progress(range(args.iters), label="train_neuralnet_numerical", enabled=not args.quick)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported once, as divergence
        for step in steps:
            batch = rng.choice(len(x_train), args.batch_size)
            x, t = x_train[batch], t_train[batch]
            for kind, net in nets.items():
                start = time.perf_counter()
                grads = net.numerical_gradient(x, t) if kind == "numerical" else net.gradient(x, t)
                seconds[kind] += time.perf_counter() - start
                losses[kind].append(net.loss(x, t))
                if not np.isfinite(losses[kind][-1]):  # as Trainer's guard: one line, exit status 1
                    sys.exit(f"{parser.prog}: training diverged: the {kind} run's loss became {losses[kind][-1]} "
                             f"at step {step + 1} with learning rate {args.lr:g}. Try a smaller --lr.")
                optimizers[kind].update(net.params, grads)
    for i in sorted({*range(0, args.iters, 10), args.iters - 1}):
        print(f"step {i + 1:4d}: loss {losses['numerical'][i]:.6f} (numerical), {losses['backprop'][i]:.6f} (backprop)")
    gap = float(np.max(np.abs(np.subtract(losses["numerical"], losses["backprop"]))))
    accuracy = {kind: net.accuracy(x_test, t_test) for kind, net in nets.items()}
    print(f"largest loss gap between the two runs: {gap:.2e}")
    print(f"test accuracy: {accuracy['numerical']:.4f} (numerical), {accuracy['backprop']:.4f} (backprop)")
    per_step = {kind: s / args.iters for kind, s in seconds.items()}
    print(f"time per gradient: {per_step['numerical'] * 1e3:.1f} ms numerical, {per_step['backprop'] * 1e3:.3f} ms "
          f"backprop ({per_step['numerical'] / per_step['backprop']:.0f}x)")
    figure = save_figure(curves_figure(losses["numerical"], losses["backprop"]),
                         args.out / "train_neuralnet_numerical" / "loss.png")
    print(f"figure: {figure}")
    return {"losses": losses, "gap": gap, "accuracy": accuracy, "seconds_per_step": per_step, "figures": [figure]}


if __name__ == "__main__":
    main()
