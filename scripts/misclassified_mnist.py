"""Chapter 8.1.2 (figure 8-3): the first test images that DeepConvNet gets wrong, with true and predicted labels.

The book's DeepConvNet classifies 99.35% of the MNIST test images correctly; the ones it misses are often hard
for a person too (a 4 like a 9, a 7 like a 1). The network's weights come from --weights (deep_convnet.npz saved
by train_deepnet, or the book's deep_convnet_params.pkl converted by convert_book_weights); without it the
network is trained here for --epochs 1 (minutes on a CPU; --network simple is faster). The test images are the
test split of --dataset, or the real MNIST test set in --mnist-test-dir. Draws the first --count misclassified
images, dark on light as the book does, each titled "true T, pred P".
"""

import argparse
import math
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/misclassified_mnist.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from datasets import DATASET_NAMES
from scripts.convnet_setup import (
    NETWORK_NAMES,
    first,
    load_images,
    load_mnist_test_images,
    network_with_weights,
)
from training.plots import image_grid_figure, image_panel_titles, save_figure

COLUMNS = 5
QUICK = {"epochs": 1, "train_size": 200, "test_size": 200}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--network", default="deep", choices=NETWORK_NAMES,
                        help="deep: DeepConvNet (chapter 8, default); simple: SimpleConvNet (chapter 7)")
    parser.add_argument("--weights", type=Path, default=None,
                        help="trained parameters of --network (.npz); default: train here")
    parser.add_argument("--dataset", default="mnist", choices=DATASET_NAMES,
                        help="data set (default mnist; falls back to builtin when MNIST is unavailable)")
    parser.add_argument("--mnist-test-dir", type=Path, default=None,
                        help="classify the real MNIST test set in this directory (t10k-*.gz) instead of "
                             "--dataset's test split")
    parser.add_argument("--test-size", type=int, default=None, help="classify the first N test images (default: all)")
    parser.add_argument("--count", type=int, default=20, help="misclassified images to draw (default 20)")
    parser.add_argument("--epochs", type=int, default=1, help="epochs to train without --weights (default 1)")
    parser.add_argument("--lr", type=float, default=0.001, help="Adam learning rate (default 0.001)")
    parser.add_argument("--batch-size", type=int, default=100, help="mini-batch size (default 100)")
    parser.add_argument("--train-size", type=int, default=None,
                        help="train on the first N training images (default: all)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the initial weights and batch order (default 0)")
    parser.add_argument("--out", type=Path, default=Path("results"), help="output directory (default results/)")
    parser.add_argument("--quick", action="store_true",
                        help=f"a run of seconds for tests: {QUICK['test_size']} test images; without --weights, "
                             f"{QUICK['epochs']} epoch on {QUICK['train_size']} images")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs = QUICK["epochs"]
        args.train_size = args.train_size or QUICK["train_size"]
        args.test_size = args.test_size or QUICK["test_size"]
    return args


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    train = test = None
    if args.weights is None or args.mnist_test_dir is None:
        train, test, title = load_images(args.dataset, args.seed)
        train = first(train, args.train_size)
    if args.mnist_test_dir is not None:
        test, title = load_mnist_test_images(args.mnist_test_dir)
    x_test, t_test = first(test, args.test_size)
    network = network_with_weights(args.network, args.weights, seed=args.seed, train=train, test=(x_test, t_test),
                                   epochs=args.epochs, lr=args.lr, batch_size=args.batch_size, quiet=args.quick,
                                   prog="misclassified_mnist")

    predicted = network.predict_labels(x_test)
    wrong = np.flatnonzero(predicted != t_test)
    accuracy = 1.0 - len(wrong) / len(t_test)
    print(f"{type(network).__name__} on {title}: test accuracy {accuracy:.4f}, "
          f"{len(wrong)} of {len(t_test)} images misclassified")
    shown = wrong[:args.count]
    pairs = {view: (int(t_test[i]), int(predicted[i])) for view, i in enumerate(shown, start=1)}
    print("misclassified, {view: (label, inference)}:", pairs)

    figures, titles = [], []
    if len(shown):
        fig = image_grid_figure(x_test[shown, 0], math.ceil(len(shown) / COLUMNS), COLUMNS,
                                titles=[f"true {t}, pred {p}" for t, p in pairs.values()],
                                title=f"{type(network).__name__}: first misclassified test images")
        titles = image_panel_titles(fig)
        figures.append(save_figure(fig, args.out / "misclassified_mnist" / "misclassified.png"))
        print(f"figure: {figures[0]}")
    return {"figures": figures, "titles": titles, "indices": shown, "accuracy": accuracy,
            "misclassified": len(wrong), "test_size": len(t_test), "predicted": predicted}


if __name__ == "__main__":
    main()
