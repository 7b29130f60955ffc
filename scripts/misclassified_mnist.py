"""Chapter 8.1.2 (figure 8-3): the first test images that DeepConvNet gets wrong, with true and predicted labels.

The book's DeepConvNet classifies 99.35% of the MNIST test images correctly; the ones it misses are often hard
for a person too (a 4 like a 9, a 7 like a 1). The network's weights come from --weights (deep_convnet.npz saved
by train_deepnet, or the book's deep_convnet_params.pkl converted by convert_book_weights); without it the
network is trained here for --epochs 1 (about 20 s on 2 cores; --network simple is faster). The test images are the
test split of --dataset, or the real MNIST test set in --mnist-test-dir. Draws the first --count misclassified
images, dark on light as the book does, each titled "true T, pred P" (when none is misclassified, a figure
saying so, which replaces an earlier run's).
"""

import argparse
import math
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/misclassified_mnist.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from cli import ScriptParser, positive_int, script_parser
from cli.convnet import (
    add_test_image_options,
    add_train_here_options,
    images_for,
    network_from_args,
    parse_with_quick,
)
from fileio import save_figure
from training.plots import image_grid_figure, image_panel_titles, text_figure

COLUMNS = 5
QUICK = {"epochs": 1, "train_size": 200, "test_size": 200}


def parse_args(parser: ScriptParser, argv: list[str] | None) -> argparse.Namespace:
    add_test_image_options(parser)
    parser.add_argument("--count", type=positive_int, default=20, help="misclassified images to draw (default 20)")
    add_train_here_options(parser, f"a run of seconds for tests: {QUICK['test_size']} test images; without "
                                   f"--weights, {QUICK['epochs']} epoch on {QUICK['train_size']} images")
    return parse_with_quick(parser, argv, QUICK)


def main(argv: list[str] | None = None) -> dict:
    parser = script_parser(__doc__, __file__)
    args = parse_args(parser, argv)
    out = args.out / "misclassified_mnist"
    parser.require_writable_files(out / "misclassified.png")
    train, (x_test, t_test), title = images_for(parser, args, test_size=args.test_size)
    network = network_from_args(parser, args.network, args, train, (x_test, t_test))

    predicted = network.predict_labels(x_test)
    wrong = np.flatnonzero(predicted != t_test)
    accuracy = 1.0 - len(wrong) / len(t_test)
    name = type(network).__name__
    print(f"{name} on {title}: test accuracy {accuracy:.4f}, "
          f"{len(wrong)} of {len(t_test)} images misclassified")
    shown = wrong[:args.count]
    pairs = {view: (int(t_test[i]), int(predicted[i])) for view, i in enumerate(shown, start=1)}
    print("misclassified, {view: (label, inference)}:", pairs)

    if len(shown):
        fig = image_grid_figure(x_test[shown, 0], math.ceil(len(shown) / COLUMNS), COLUMNS,
                                titles=[f"true {t}, pred {p}" for t, p in pairs.values()],
                                title=f"{name}: first misclassified test images")
    else:  # still a figure, so that one an earlier run left can never pass for this run's
        fig = text_figure(f"no image among the {len(t_test)} test images was misclassified",
                          title=f"{name} on {title}")
    titles = image_panel_titles(fig)
    figures = [save_figure(fig, out / "misclassified.png")]
    print(f"figure: {figures[0]}")
    return {"figures": figures, "titles": titles, "indices": shown, "accuracy": accuracy,
            "misclassified": len(wrong), "test_size": len(t_test), "predicted": predicted}


if __name__ == "__main__":
    main()
