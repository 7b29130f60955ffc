"""Chapter 7.6.1 (figure 7-24): the 30 first-layer filters (5x5) of SimpleConvNet before and after training.

Before training the filters are the random initial weights (Gaussian, std 0.01) and show no structure; after
training they have become blobs and edge detectors (light-dark transitions in one direction). Each filter is
drawn in grey on its own scale, dark for large weights, as the book's filter_show does. The trained filters
come from --weights (simple_convnet.npz saved by train_convnet, or the book's simple_convnet_params.pkl
converted by convert_book_weights); without it the network is trained here, for --epochs 1 by default. The
"before" filters are those of a fresh SimpleConvNet with --seed: when training here, the very network trained.
"""

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/visualize_filter.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from cli import ScriptParser, add_dataset_option, script_parser
from cli.convnet import add_train_here_options, add_weights_option, images_for, network_from_args, parse_with_quick
from fileio import save_figure
from networks import SimpleConvNet
from training.plots import image_grid_figure

GRID = (5, 6)  # rows, columns of 30 filters
QUICK = {"epochs": 1, "train_size": 300, "test_size": 100}


def parse_args(parser: ScriptParser, argv: list[str] | None) -> argparse.Namespace:
    add_weights_option(parser, "SimpleConvNet")
    add_dataset_option(parser)
    add_train_here_options(parser, f"a run of seconds for tests: without --weights, {QUICK['epochs']} epoch on "
                                   f"{QUICK['train_size']} images")
    return parse_with_quick(parser, argv, QUICK)


def filter_images(W1: np.ndarray) -> np.ndarray:
    """The first input channel of every filter of W1 (FN, C, FH, FW): (FN, FH, FW)."""
    return W1[:, 0]


def main(argv: list[str] | None = None) -> dict:
    parser = script_parser(__doc__, __file__)
    args = parse_args(parser, argv)
    out = args.out / "visualize_filter"
    parser.require_writable_files(out / "filters_before.png", out / "filters_after.png")
    train, test, title = images_for(parser, args, test_size=QUICK["test_size"] if args.quick else None,
                                    need_test=False)
    if train is not None:
        print(f"data: {title}, {len(train[0])} training images")
    before = SimpleConvNet(seed=args.seed).params["W1"].copy()
    network = network_from_args(parser, "simple", args, train, test)
    after = network.params["W1"]
    trained = (f"from {args.weights.name}" if args.weights is not None
               else f"after {args.epochs} epoch(s) on {len(train[0])} images")

    rows, cols = GRID
    figures, panels = [], {}
    for name, W1, caption in (("before", before, f"before training (random, seed {args.seed})"),
                              ("after", after, f"after training ({trained})")):
        fig = image_grid_figure(filter_images(W1), rows, cols, title=f"SimpleConvNet conv1 filters {caption}")
        panels[name] = sum(1 for ax in fig.axes if ax.images)
        figures.append(save_figure(fig, out / f"filters_{name}.png"))
        print(f"{name}: {panels[name]} filters {W1.shape[2]}x{W1.shape[3]}, weight std {W1.std():.4f}, "
              f"range [{W1.min():.3f}, {W1.max():.3f}]")
    for figure in figures:
        print(f"figure: {figure}")
    return {"figures": figures, "panels": panels, "before": before, "after": after.copy()}


if __name__ == "__main__":
    main()
