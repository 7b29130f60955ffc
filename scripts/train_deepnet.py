"""Chapter 8.1: train the book's DeepConvNet, six 3x3 convolutions (16-16-32-32-64-64) with He weights,
three pools, affine(50) - dropout - affine - dropout.

The book's recipe: 20 epochs of Adam (lr 0.001) on mini-batches of 100, accuracy measured on 1000 samples at
each epoch's end; the book reaches 99.35% test accuracy on MNIST. This network is slow on a CPU (about 0.1-0.3 s
per batch of 100, forward and backward, so one to a few minutes per epoch of 60,000 images), hence one epoch by
default: pass --epochs 20 for the book's run, with --checkpoint-dir to be able to stop and --resume. Uses MNIST
when it is cached or can be downloaded, otherwise the built-in digits (with a notice saying why). Saves the
loss and accuracy curves as a PNG and the trained weights as deep_convnet.npz (for misclassified_mnist and
half_float_network --weights).
"""

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/train_deepnet.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from networks import DeepConvNet
from scripts.convnet_setup import add_training_options, parse_with_quick, train_and_report

QUICK = {"epochs": 1, "train_size": 200, "test_size": 100, "eval_samples": 100}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=1,
                        help="epochs (default 1 because DeepConvNet is slow on a CPU, minutes per epoch; "
                             "the book trains 20)")
    parser.add_argument("--train-size", type=int, default=None,
                        help="train on the first N training images (default: all)")
    parser.add_argument("--seed", type=int, default=0, help="seed of weights, dropout and batch order (default 0)")
    add_training_options(parser, QUICK)
    return parse_with_quick(parser, argv, QUICK)


def main(argv: list[str] | None = None) -> dict:
    return train_and_report(DeepConvNet, parse_args(argv), prog="train_deepnet", weights_file="deep_convnet.npz")


if __name__ == "__main__":
    main()
