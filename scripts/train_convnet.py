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

from datasets import DATASET_NAMES
from networks import SimpleConvNet
from scripts.convnet_setup import BOOK_EVAL_SAMPLES, first, load_images, train_network
from training import plot_history

QUICK = {"epochs": 2, "train_size": 300, "test_size": 200, "eval_samples": 100}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="mnist", choices=DATASET_NAMES,
                        help="data set (default mnist; falls back to builtin when MNIST is unavailable)")
    parser.add_argument("--epochs", type=int, default=20, help="epochs (default 20, as the book)")
    parser.add_argument("--lr", type=float, default=0.001, help="Adam learning rate (default 0.001)")
    parser.add_argument("--batch-size", type=int, default=100, help="mini-batch size (default 100)")
    parser.add_argument("--train-size", type=int, default=None,
                        help="train on the first N training images (default: all; the book suggests 5000 "
                             "when time is short)")
    parser.add_argument("--test-size", type=int, default=None, help="use the first N test images (default: all)")
    parser.add_argument("--eval-samples", type=int, default=BOOK_EVAL_SAMPLES,
                        help=f"measure accuracy at each epoch's end on this many train/test samples "
                             f"(default {BOOK_EVAL_SAMPLES}, as the book)")
    parser.add_argument("--seed", type=int, default=0, help="seed of weights and batch order (default 0)")
    parser.add_argument("--out", type=Path, default=Path("results"), help="output directory (default results/)")
    parser.add_argument("--checkpoint-dir", type=Path, default=None,
                        help="save a resumable checkpoint there after every epoch (default: none)")
    parser.add_argument("--resume", action="store_true", help="continue the run saved in --checkpoint-dir")
    parser.add_argument("--quick", action="store_true",
                        help=f"a run of seconds for tests: {QUICK['epochs']} epochs on {QUICK['train_size']} "
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

    network = SimpleConvNet(seed=args.seed)
    history = train_network(network, train, test, epochs=args.epochs, lr=args.lr, batch_size=args.batch_size,
                            seed=args.seed, eval_samples=args.eval_samples, quiet=args.quick,
                            checkpoint_dir=args.checkpoint_dir, resume=args.resume, prog="train_convnet")
    test_acc = network.accuracy(*test)

    out = args.out / "train_convnet"
    figure = plot_history(history, out / "loss_and_accuracy.png",
                          title=f"SimpleConvNet on {title}, Adam lr {args.lr:g}, batch {args.batch_size}")
    weights = network.save_params(out / "simple_convnet.npz")
    print(f"final train acc {history.train_acc_list[-1]:.4f}, test acc {history.test_acc_list[-1]:.4f} "
          f"(each on up to {args.eval_samples} samples)")
    print(f"test accuracy on all {len(test[0])} test images: {test_acc:.4f}")
    print(f"figure: {figure}")
    print(f"weights: {weights}")
    return {"history": history, "test_acc": test_acc, "figures": [figure], "weights": weights}


if __name__ == "__main__":
    main()
