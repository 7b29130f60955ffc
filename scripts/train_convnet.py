"""Chapter 7.5 (figure 7-23): train the book's SimpleConvNet, conv(30 5x5) - relu - pool - affine(100) - relu - affine.

The book's recipe: 20 epochs of Adam (lr 0.001) on mini-batches of 100, train and test accuracy measured on
1000 samples at each epoch's end; the book reaches about 99% test accuracy on MNIST. Uses MNIST when it is
cached or can be downloaded, otherwise the built-in digits (with a notice saying why). Saves the loss and
accuracy curves as a PNG and the trained weights as simple_convnet.npz (for visualize_filter --weights).
The book's run is 12,000 updates of a few hundredths of a second each on a CPU, several minutes: --epochs
and --train-size make it shorter, --checkpoint-dir and --resume let it be stopped and continued.
"""

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/train_convnet.py`: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from networks import SimpleConvNet
from scripts.convnet_setup import add_training_options, parse_with_quick, train_and_report

QUICK = {"epochs": 2, "train_size": 300, "test_size": 200, "eval_samples": 100}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=20, help="epochs (default 20, as the book)")
    parser.add_argument("--train-size", type=int, default=None,
                        help="train on the first N training images (default: all; the book suggests 5000 "
                             "when time is short)")
    parser.add_argument("--seed", type=int, default=0, help="seed of weights and batch order (default 0)")
    add_training_options(parser, QUICK)
    return parse_with_quick(parser, argv, QUICK)


def main(argv: list[str] | None = None) -> dict:
    return train_and_report(SimpleConvNet, parse_args(argv), prog="train_convnet", weights_file="simple_convnet.npz")


if __name__ == "__main__":
    main()
