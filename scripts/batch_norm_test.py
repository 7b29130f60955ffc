"""Chapter 6.3.2 (figure 6-19): training accuracy with and without Batch Normalization, across 16 init scales.

For each weight std in logspace(0, -4, 16), two nets MultiLayerNet 784-(100 x 5)-10 (ReLU) start from the
same weights, one with a BatchNorm layer before every activation, and train with SGD (lr 0.01, batch 100,
20 epochs) on the first 1000 training samples, seeing the same mini-batches. Each panel shows both nets'
accuracy on those 1000 samples per epoch: with Batch Normalization learning is faster and hardly depends
on the initial scale; without it, most scales do not learn at all, and the largest make the loss overflow
(the run stops there, its panel says "diverged", and the table gives the iteration).
"""

import math
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/batch_norm_test.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from cli import QUICK_NOTE, first_within, int_in_range, load_script_data, positive_float, positive_int
from cli.chapter6 import chapter6_parser
from fileio import save_figure
from networks import MultiLayerNet
from training import Trainer, TrainingDivergedError, with_progress

CURVES = {"Batch Normalization": True, "Normal (without BatchNorm)": False}
BATCH_SIZE = 100
MAX_SCALES = 100  # a 10 x 10 grid of panels, 200 training runs


def train_accuracy_curve(trainer: Trainer) -> tuple[list[float], int | None]:
    """Training accuracy after each epoch, and the iteration at which the loss overflowed (None if it did not)."""
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported once, as divergence
            trainer.train()
    except TrainingDivergedError as error:
        return trainer.train_acc_list, error.iteration
    return trainer.train_acc_list, None


def accuracy_grid_figure(weight_scales: np.ndarray, train_acc: dict[str, list[list[float]]],
                         diverged: dict[str, list[int | None]]):
    """One panel per weight scale: training accuracy per epoch, solid with BatchNorm, dashed without."""
    from matplotlib.figure import Figure

    n = len(weight_scales)
    rows = math.ceil(math.sqrt(n))
    cols = math.ceil(n / rows)
    fig = Figure(figsize=(2.6 * cols, 2.2 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for i, w in enumerate(weight_scales):
        ax = axes[i]
        for (label, curves), style in zip(train_acc.items(), ("-", "--"), strict=True):
            epochs = np.arange(1, len(curves[i]) + 1)
            color = "tab:blue" if style == "-" else "tab:orange"
            ax.plot(epochs, curves[i], style, color=color, label=label)
            if diverged[label][i] is not None:
                ax.text(0.5, 0.9 if style == "-" else 0.8, "diverged", color=color, transform=ax.transAxes,
                        ha="center", fontsize=8)
        ax.set_title(f"W: {w:.3g}", fontsize=9)
        ax.set_ylim(0, 1.0)
        ax.tick_params(labelsize=7)
        if i % cols:
            ax.set_yticks([])
        else:
            ax.set_ylabel("accuracy")
        if i < n - cols:
            ax.set_xticks([])
        else:
            ax.set_xlabel("epochs")
    for ax in axes[n:]:
        ax.set_axis_off()
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2)
    return fig


def final_accuracy(curve: list[float], diverged_at: int | None) -> str:
    """The last accuracy as text, or where the run diverged."""
    return f"diverged (it. {diverged_at})" if diverged_at is not None else f"{curve[-1]:.3f}"


def main(argv: list[str] | None = None) -> dict:
    parser = chapter6_parser(__doc__, __file__)
    parser.add_argument("--scales", type=int_in_range(1, MAX_SCALES), default=16,
                        help=f"weight scales in logspace(0, -4), at most {MAX_SCALES} (default 16)")
    parser.add_argument("--train-size", type=positive_int, default=1000,
                        help=f"training samples, not 1 more than a multiple of the batch ({BATCH_SIZE}): batch norm "
                             "cannot normalise a mini-batch of one (default 1000)")
    parser.add_argument("--epochs", type=positive_int, default=20, help="epochs (default 20)")
    parser.add_argument("--lr", type=positive_float, default=0.01, help="SGD learning rate (default 0.01)")
    parser.add_argument("--quick", action="store_true", help=f"4 scales, 200 samples, 2 epochs, for tests{QUICK_NOTE}")
    args = parser.apply_quick(parser.parse_args(argv), argv, scales=4, train_size=200, epochs=2)
    out_dir = args.out / "batch_norm_test"
    parser.require_writable_files(out_dir / "batch_norm_test.png")
    scales, train_size, epochs = args.scales, args.train_size, args.epochs

    ((x_train, t_train), (x_test, t_test)), info = load_script_data(parser, args.dataset)
    x_train, t_train = first_within(parser, "--train-size", (x_train, t_train), train_size,
                                    f"training samples of {info.title}")
    if len(x_train) % BATCH_SIZE == 1:
        parser.error(f"argument --train-size: expected a size that leaves no mini-batch of one sample (batch norm "
                     f"cannot normalise it; the batch is {BATCH_SIZE}), got {len(x_train)}")

    weight_scales = np.logspace(0, -4, num=scales)
    train_acc: dict[str, list[list[float]]] = {label: [] for label in CURVES}
    diverged: dict[str, list[int | None]] = {label: [] for label in CURVES}
    runs = [(w, label, use_batchnorm) for w in weight_scales for label, use_batchnorm in CURVES.items()]
    for w, label, use_batchnorm in with_progress(runs, label="training runs", enabled=not args.quick):
        network = MultiLayerNet(784, [100] * 5, 10, weight_init_std=float(w), use_batchnorm=use_batchnorm,
                                seed=args.seed)
        trainer = Trainer(network, x_train, t_train, x_test[:1000], t_test[:1000], epochs=epochs,
                          mini_batch_size=BATCH_SIZE, optimizer="SGD", optimizer_param={"lr": args.lr},
                          verbose=False, progress=False, seed=args.seed)
        curve, diverged_at = train_accuracy_curve(trainer)
        train_acc[label].append(curve)
        diverged[label].append(diverged_at)

    print(f"{info.title}, first {len(x_train)} training samples, MultiLayerNet 784-100x5-10, SGD lr {args.lr:g}, "
          f"batch {BATCH_SIZE}, {epochs} epochs: training accuracy after the last epoch")
    print("| weight std | with BatchNorm | without BatchNorm |")
    print("|------------|----------------|-------------------|")
    for i, w in enumerate(weight_scales):
        cells = [final_accuracy(train_acc[label][i], diverged[label][i]) for label in CURVES]
        print(f"| {w:<10.4g} | {cells[0]:>14} | {cells[1]:>17} |")

    figure = save_figure(accuracy_grid_figure(weight_scales, train_acc, diverged), out_dir / "batch_norm_test.png")
    print(f"figure: {figure}")
    return {"weight_scales": weight_scales, "train_acc": train_acc, "diverged": diverged, "figures": [figure]}


if __name__ == "__main__":
    main()
