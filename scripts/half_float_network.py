"""Chapter 8.3.4: a trained DeepConvNet loses (almost) no accuracy when its weights and inputs are float16.

Classifies the test images twice, with float32 weights and inputs and with float16 ones, and prints both
accuracies and how many predictions changed; the book finds the same accuracy (its DeepConvNet: 99.35% on
MNIST). --arithmetic says what float16 means:

* float32 (default) is the book's experiment: weights and inputs rounded to float16 (11 significant bits),
  every product and sum computed in float32 (in the book, float64). Fast: the full test set in seconds.
* float16 builds the network with dtype float16, so that every product, sum and activation is float16 too.
  NumPy has no fast float16 matrix product: this takes about 50 ms per DeepConvNet image on two CPU cores
  (minutes for 10,000 images), so use --test-size or --network simple.

The weights come from --weights (deep_convnet.npz saved by train_deepnet, or the book's deep_convnet_params.pkl
converted by convert_book_weights); without it the network is trained here for --epochs 1. The test images are
the test split of --dataset, or the real MNIST test set in --mnist-test-dir. Saves a bar chart of the two
accuracies.
"""

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if __package__ in (None, ""):  # run as `python scripts/half_float_network.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from cli import ScriptParser, script_parser
from cli.convnet import (
    add_test_image_options,
    add_train_here_options,
    images_for,
    network_from_args,
    parse_with_quick,
)
from fileio import save_figure
from networks import Network
from networks.book_weights import HALF_PRECISION_ARITHMETIC, half_precision_copy
from training import with_progress

if TYPE_CHECKING:
    from matplotlib.figure import Figure

QUICK = {"epochs": 1, "train_size": 200, "test_size": 200}


def parse_args(parser: ScriptParser, argv: list[str] | None) -> argparse.Namespace:
    add_test_image_options(parser)
    parser.add_argument("--arithmetic", default="float32", choices=HALF_PRECISION_ARITHMETIC,
                        help="precision of the float16 run's arithmetic (default float32, as the book; "
                             "float16 is ~50x slower, see above)")
    add_train_here_options(parser, f"a run of seconds for tests: {QUICK['test_size']} test images; without "
                                   f"--weights, {QUICK['epochs']} epoch on {QUICK['train_size']} images")
    return parse_with_quick(parser, argv, QUICK)


PROGRESS_BATCH = 500  # images per step of the progress bar (float16 arithmetic: minutes for DeepConvNet's 10,000)


def labels_with_progress(network: Network, x: np.ndarray, label: str, quiet: bool) -> np.ndarray:
    """``network.predict_labels(x)``, ``PROGRESS_BATCH`` images at a time under a progress bar (each image's
    label depends on that image alone, so the batches change nothing)."""
    starts = range(0, len(x), PROGRESS_BATCH)
    return np.concatenate([network.predict_labels(x[i:i + PROGRESS_BATCH])
                           for i in with_progress(starts, label=label, enabled=not quiet)])


def accuracy_figure(accuracies: dict[str, float], title: str) -> "Figure":
    """Two bars, the accuracy with float32 and with float16 weights and inputs, each labelled with its value."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4.5, 4), layout="constrained")
    ax = fig.subplots()
    bars = ax.bar(list(accuracies), list(accuracies.values()), color=["tab:blue", "tab:orange"], width=0.6)
    ax.bar_label(bars, labels=[f"{a:.4f}" for a in accuracies.values()], label_type="center", color="white")
    ax.set_ylim(max(0.0, min(accuracies.values()) - 0.1), 1.0)
    ax.set_ylabel("test accuracy")
    ax.set_title(title, fontsize=10)
    return fig


def main(argv: list[str] | None = None) -> dict:
    parser = script_parser(__doc__, __file__)
    args = parse_args(parser, argv)
    out = args.out / "half_float_network"
    parser.require_writable_files(out / "accuracy.png")
    train, (x_test, t_test), title = images_for(parser, args, test_size=args.test_size)
    network = network_from_args(parser, args.network, args, train, (x_test, t_test))
    name = type(network).__name__

    labels = {"float32": labels_with_progress(network, x_test.astype(np.float32), "float32", args.quick)}
    half = half_precision_copy(network, args.network, args.arithmetic)
    labels["float16"] = labels_with_progress(half, x_test.astype(np.float16), "float16", args.quick)
    accuracy = {kind: float(np.mean(predicted == t_test)) for kind, predicted in labels.items()}
    changed = int(np.count_nonzero(labels["float32"] != labels["float16"]))

    print(f"{name} on {title}, {len(t_test)} test images; float16 weights and inputs, "
          f"{args.arithmetic} arithmetic")
    print(f"accuracy with float32: {accuracy['float32']:.4f}")
    print(f"accuracy with float16: {accuracy['float16']:.4f}")
    print(f"difference {accuracy['float16'] - accuracy['float32']:+.4f}; "
          f"{changed} of {len(t_test)} predictions changed")
    fig = accuracy_figure(accuracy, f"{name}, {len(t_test)} test images\nfloat16 with {args.arithmetic} arithmetic")
    figure = save_figure(fig, out / "accuracy.png")
    print(f"figure: {figure}")
    return {"figures": [figure], "accuracy": accuracy, "changed": changed, "test_size": len(t_test)}


if __name__ == "__main__":
    main()
