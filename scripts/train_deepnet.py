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

from datasets import DATASET_NAMES
from networks import DeepConvNet
from scripts.convnet_setup import BOOK_EVAL_SAMPLES, first, load_images, train_network
from training import plot_history

QUICK = {"epochs": 1, "train_size": 200, "test_size": 100, "eval_samples": 100}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="mnist", choices=DATASET_NAMES,
                        help="data set (default mnist; falls back to builtin when MNIST is unavailable)")
    parser.add_argument("--epochs", type=int, default=1,
                        help="epochs (default 1 because DeepConvNet is slow on a CPU, minutes per epoch; "
                             "the book trains 20)")
    parser.add_argument("--lr", type=float, default=0.001, help="Adam learning rate (default 0.001)")
    parser.add_argument("--batch-size", type=int, default=100, help="mini-batch size (default 100)")
    parser.add_argument("--train-size", type=int, default=None,
                        help="train on the first N training images (default: all)")
    parser.add_argument("--test-size", type=int, default=None, help="use the first N test images (default: all)")
    parser.add_argument("--eval-samples", type=int, default=BOOK_EVAL_SAMPLES,
                        help=f"measure accuracy at each epoch's end on this many train/test samples "
                             f"(default {BOOK_EVAL_SAMPLES}, as the book)")
    parser.add_argument("--seed", type=int, default=0, help="seed of weights, dropout and batch order (default 0)")
    parser.add_argument("--out", type=Path, default=Path("results"), help="output directory (default results/)")
    parser.add_argument("--checkpoint-dir", type=Path, default=None,
                        help="save a resumable checkpoint there after every epoch (default: none)")
    parser.add_argument("--resume", action="store_true", help="continue the run saved in --checkpoint-dir")
    parser.add_argument("--quick", action="store_true",
                        help=f"a run of seconds for tests: {QUICK['epochs']} epoch on {QUICK['train_size']} "
                             f"training and {QUICK['test_size']} test images")
    args = parser.parse_args(argv)
    if args.resume and args.checkpoint_dir is None:
        parser.error("--resume needs --checkpoint-dir")
    if args.quick:
        args.epochs, args.eval_samples = QUICK["epochs"], QUICK["eval_samples"]
        args.train_size = args.train_size or QUICK["train_size"]
        args.test_size = args.test_size or QUICK["test_size"]
    return args


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    train, test, title = load_images(args.dataset, args.seed)
    train, test = first(train, args.train_size), first(test, args.test_size)
    print(f"data: {title}, {len(train[0])} training and {len(test[0])} test images")

    network = DeepConvNet(seed=args.seed)
    history = train_network(network, train, test, epochs=args.epochs, lr=args.lr, batch_size=args.batch_size,
                            seed=args.seed, eval_samples=args.eval_samples, quiet=args.quick,
                            checkpoint_dir=args.checkpoint_dir, resume=args.resume, prog="train_deepnet")
    test_acc = network.accuracy(*test)

    out = args.out / "train_deepnet"
    figure = plot_history(history, out / "loss_and_accuracy.png",
                          title=f"DeepConvNet on {title}, Adam lr {args.lr:g}, batch {args.batch_size}")
    weights = network.save_params(out / "deep_convnet.npz")
    print(f"final train acc {history.train_acc_list[-1]:.4f}, test acc {history.test_acc_list[-1]:.4f} "
          f"(each on up to {args.eval_samples} samples)")
    print(f"test accuracy on all {len(test[0])} test images: {test_acc:.4f}")
    print(f"figure: {figure}")
    print(f"weights: {weights}")
    return {"history": history, "test_acc": test_acc, "figures": [figure], "weights": weights}


if __name__ == "__main__":
    main()
