"""Chapter 8.1: train the book's DeepConvNet, six 3x3 convolutions (16-16-32-32-64-64) with He weights,
three pools, affine(50) - dropout - affine - dropout.

The book's recipe: Adam (lr 0.001) on mini-batches of 100, accuracy measured on 1000 samples at each epoch's
end; the book runs 20 epochs on all 60,000 images and reaches 99.35% test accuracy on MNIST. This network is
slow on a CPU (about 40 ms per batch of 100 on a 2-core CPU, forward, backward and update: some 25 s per
epoch of 60,000 images), so by default this script runs 8 short epochs on the first 5,000 images (400
updates, about 20 seconds), enough for a curve. --book runs the book's full recipe (about 8-10 minutes);
add --checkpoint-dir to be able to stop and --resume. Uses MNIST when it is cached or can be downloaded,
otherwise the built-in digits (with a notice saying why). Saves the loss and accuracy curves as a PNG and
the trained weights as deep_convnet.npz (for misclassified_mnist and half_float_network --weights).
"""

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/train_deepnet.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cli import script_parser
from cli.convnet import add_training_options, parse_with_quick, train_and_report
from networks import DeepConvNet

DEFAULT = {"epochs": 8, "train_size": 5_000}
QUICK = {"epochs": 1, "train_size": 200, "test_size": 100, "eval_samples": 100}


def main(argv: list[str] | None = None) -> dict:
    parser = script_parser(__doc__, __file__)
    add_training_options(parser, QUICK, DEFAULT)
    args: argparse.Namespace = parse_with_quick(parser, argv, QUICK, DEFAULT)
    return train_and_report(parser, DeepConvNet, args, weights_file="deep_convnet.npz")


if __name__ == "__main__":
    main()
