"""What the chapter 7-8 scripts share: the data as (N, 1, 28, 28) images, a ConvNet by name, and its
weights, read from an .npz file or trained briefly with the book's recipe (Adam, lr 0.001, batch 100);
their common command-line options, and train_convnet's and train_deepnet's train-plot-save run."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

from datasets import DATASET_NAMES, load_dataset, load_mnist_split
from networks import Network
from networks.book_weights import BOOK_NETWORKS
from training import History, Trainer, TrainingDivergedError, TrainingInterrupted, plot_history

NETWORK_NAMES: tuple[str, ...] = tuple(BOOK_NETWORKS)  # "simple" (chapter 7), "deep" (chapter 8)
BOOK_EVAL_SAMPLES = 1000  # the book's evaluate_sample_num_per_epoch for both ConvNets

Split = tuple[np.ndarray, np.ndarray]


def load_images(dataset: str, seed: int) -> tuple[Split, Split, str]:
    """Train and test splits of ``dataset`` as images (built-in digits if it cannot be had), and its title."""
    (train, test), info = load_dataset(dataset, flatten=False, fallback_to_builtin=True, seed=seed)
    if info.fell_back:
        print(f"notice: {info.fallback_reason}")
    return train, test, info.title


def load_mnist_test_images(data_dir: str | os.PathLike) -> tuple[Split, str]:
    """The real MNIST test set (t10k-*.gz in ``data_dir``) as images, and its title."""
    return load_mnist_split("test", data_dir, flatten=False), f"MNIST test set in {data_dir}"


def first(split: Split, n: int | None) -> Split:
    """The first ``n`` samples of ``split`` (all of them when ``n`` is None)."""
    x, t = split
    return (x, t) if n is None else (x[:n], t[:n])


def train_network(network: Network, train: Split, test: Split, *, epochs: int, lr: float, batch_size: int,
                  seed: int, eval_samples: int | None = BOOK_EVAL_SAMPLES, quiet: bool = False,
                  checkpoint_dir: Path | None = None, resume: bool = False, prog: str = "train") -> History:
    """Train ``network`` with Adam as the book does; a Ctrl-C or a diverged loss ends the script with its message.

    ``resume`` continues the run saved in ``checkpoint_dir`` (for the same data, batch size and seed).
    """
    trainer = Trainer(network, *train, *test, epochs=epochs, mini_batch_size=batch_size, optimizer="Adam",
                      optimizer_param={"lr": lr}, evaluate_sample_num_per_epoch=eval_samples, seed=seed,
                      verbose=not quiet, progress=not quiet, checkpoint_dir=checkpoint_dir)
    if resume:
        if trainer.checkpoint_path is None or not trainer.checkpoint_path.is_file():
            sys.exit(f"{prog}: --resume needs a checkpoint, and {trainer.checkpoint_path} does not exist")
        trainer.resume(trainer.checkpoint_path)
    try:
        return trainer.train()
    except (TrainingInterrupted, TrainingDivergedError) as stop:
        sys.exit(f"{prog}: {stop}")


def network_with_weights(kind: str, weights: Path | None, *, seed: int, train: Split | None, test: Split | None,
                         epochs: int, lr: float, batch_size: int, quiet: bool, prog: str) -> Network:
    """A ``kind`` ConvNet holding the parameters in ``weights``, or, without weights, trained for ``epochs``."""
    network = BOOK_NETWORKS[kind](seed=seed)
    name = type(network).__name__
    if weights is not None:
        try:
            network.load_params(weights)
        except (OSError, ValueError) as err:
            sys.exit(f"{prog}: cannot load {name} weights: {err}")
        print(f"{name}: weights from {weights}")
        return network
    if train is None or test is None:
        raise ValueError("network_with_weights: without weights, give the data to train on")
    print(f"{name}: no --weights given, training it for {epochs} epoch(s) on {len(train[0])} images "
          f"(Adam lr {lr:g}, batch {batch_size})")
    history = train_network(network, train, test, epochs=epochs, lr=lr, batch_size=batch_size, seed=seed,
                            quiet=quiet, prog=prog)
    print(f"{name}: after training, train acc {history.train_acc_list[-1]:.4f}, "
          f"test acc {history.test_acc_list[-1]:.4f}")
    return network


def add_training_options(parser: argparse.ArgumentParser, quick: dict[str, int]) -> None:
    """The options train_convnet and train_deepnet share: data, Adam, evaluation, output, checkpoints, --quick."""
    parser.add_argument("--dataset", default="mnist", choices=DATASET_NAMES,
                        help="data set (default mnist; falls back to builtin when MNIST is unavailable)")
    parser.add_argument("--lr", type=float, default=0.001, help="Adam learning rate (default 0.001)")
    parser.add_argument("--batch-size", type=int, default=100, help="mini-batch size (default 100)")
    parser.add_argument("--test-size", type=int, default=None, help="use the first N test images (default: all)")
    parser.add_argument("--eval-samples", type=int, default=BOOK_EVAL_SAMPLES,
                        help=f"measure accuracy at each epoch's end on this many train/test samples "
                             f"(default {BOOK_EVAL_SAMPLES}, as the book)")
    parser.add_argument("--out", type=Path, default=Path("results"), help="output directory (default results/)")
    parser.add_argument("--checkpoint-dir", type=Path, default=None,
                        help="save a resumable checkpoint there after every epoch (default: none)")
    parser.add_argument("--resume", action="store_true", help="continue the run saved in --checkpoint-dir")
    epochs = f"{quick['epochs']} epoch{'' if quick['epochs'] == 1 else 's'}"
    parser.add_argument("--quick", action="store_true",
                        help=f"a run of seconds for tests: {epochs} on {quick['train_size']} training and "
                             f"{quick['test_size']} test images")


def add_train_here_options(parser: argparse.ArgumentParser, quick_help: str) -> None:
    """The options of a script that takes --weights or else trains the network here: --epochs (default 1),
    Adam's --lr and --batch-size, --train-size, --seed, --out and --quick (``quick_help``)."""
    parser.add_argument("--epochs", type=int, default=1, help="epochs to train without --weights (default 1)")
    parser.add_argument("--lr", type=float, default=0.001, help="Adam learning rate (default 0.001)")
    parser.add_argument("--batch-size", type=int, default=100, help="mini-batch size (default 100)")
    parser.add_argument("--train-size", type=int, default=None,
                        help="train on the first N training images (default: all)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the initial weights and batch order (default 0)")
    parser.add_argument("--out", type=Path, default=Path("results"), help="output directory (default results/)")
    parser.add_argument("--quick", action="store_true", help=quick_help)


def add_test_image_options(parser: argparse.ArgumentParser) -> None:
    """--network and its --weights, and the test images to classify: --dataset, --mnist-test-dir, --test-size."""
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


def parse_with_quick(parser: argparse.ArgumentParser, argv: list[str] | None,
                     quick: dict[str, int]) -> argparse.Namespace:
    """Parse ``argv``; with --quick, take ``quick``'s epochs and eval samples, and its sizes where none was given."""
    args = parser.parse_args(argv)
    if getattr(args, "resume", False) and args.checkpoint_dir is None:
        parser.error("--resume needs --checkpoint-dir")
    if args.quick:
        for key, value in quick.items():
            if hasattr(args, key):
                setattr(args, key, (getattr(args, key) or value) if key.endswith("_size") else value)
    return args


def images_for(args: argparse.Namespace, *, test_size: int | None,
               need_test: bool = True) -> tuple[Split | None, Split | None, str | None]:
    """The training split (first --train-size) when there are no --weights, the test images (first ``test_size``),
    and their title: --mnist-test-dir's when given, else --dataset's. Without ``need_test``, test images only
    come with training; with --weights nothing is loaded then."""
    mnist_test_dir = getattr(args, "mnist_test_dir", None)
    train = test = title = None
    if args.weights is None or (need_test and mnist_test_dir is None):
        train, test, title = load_images(args.dataset, args.seed)
        train = first(train, args.train_size)
    if mnist_test_dir is not None:
        test, title = load_mnist_test_images(mnist_test_dir)
    return train, None if test is None else first(test, test_size), title


def network_from_args(kind: str, args: argparse.Namespace, train: Split | None, test: Split | None,
                      prog: str) -> Network:
    """network_with_weights with the options of add_train_here_options: --weights, or trained here on ``train``."""
    return network_with_weights(kind, args.weights, seed=args.seed, train=train, test=test, epochs=args.epochs,
                                lr=args.lr, batch_size=args.batch_size, quiet=args.quick, prog=prog)


def train_and_report(network_class: type[Network], args: argparse.Namespace, *, prog: str, weights_file: str) -> dict:
    """Train a ``network_class`` on --dataset as train_convnet and train_deepnet do; save its curves as
    loss_and_accuracy.png and its weights as ``weights_file`` in --out/``prog``, and print the results."""
    train, test, title = load_images(args.dataset, args.seed)
    train, test = first(train, args.train_size), first(test, args.test_size)
    print(f"data: {title}, {len(train[0])} training and {len(test[0])} test images")

    network = network_class(seed=args.seed)
    history = train_network(network, train, test, epochs=args.epochs, lr=args.lr, batch_size=args.batch_size,
                            seed=args.seed, eval_samples=args.eval_samples, quiet=args.quick,
                            checkpoint_dir=args.checkpoint_dir, resume=args.resume, prog=prog)
    test_acc = network.accuracy(*test)

    out = args.out / prog
    figure = plot_history(history, out / "loss_and_accuracy.png",
                          title=f"{network_class.__name__} on {title}, Adam lr {args.lr:g}, batch {args.batch_size}")
    weights = network.save_params(out / weights_file)
    print(f"final train acc {history.train_acc_list[-1]:.4f}, test acc {history.test_acc_list[-1]:.4f} "
          f"(each on up to {args.eval_samples} samples)")
    print(f"test accuracy on all {len(test[0])} test images: {test_acc:.4f}")
    print(f"figure: {figure}")
    print(f"weights: {weights}")
    return {"history": history, "test_acc": test_acc, "figures": [figure], "weights": weights}
