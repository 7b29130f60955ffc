"""What the chapter 7-8 ConvNet scripts share on the command line: their options, the images they take
(--dataset or --mnist-test-dir), a ConvNet by name with weights read from --weights or trained here with
the book's recipe, and train_convnet's and train_deepnet's train-plot-save run."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from typing import Any, TypeVar

from cli.data import Split, first_within, load_mnist_test_images, load_script_data, load_script_split
from cli.parser import (
    QUICK_NOTE,
    ScriptParser,
    add_checkpoint_options,
    add_dataset_option,
    add_out_option,
    add_seed_option,
)
from cli.runs import check_resume_options, resume_if_asked, until_stopped
from cli.validators import existing_dir, existing_file, positive_float, positive_int
from networks import Network
from networks.book_weights import BOOK_NETWORKS
from training import Trainer
from training.recipes import BOOK_EVAL_SAMPLES, adam_trainer, train_plot_save

T = TypeVar("T")

NETWORK_NAMES: tuple[str, ...] = tuple(BOOK_NETWORKS)  # "simple" (chapter 7), "deep" (chapter 8)
BOOK_RUN = {"epochs": 20, "train_size": None, "eval_samples": BOOK_EVAL_SAMPLES}  # all 60,000 images


def load_images(parser: ScriptParser, dataset: str | None) -> tuple[Split, Split, str]:
    """Train and test splits of --dataset as (N, 1, 28, 28) images, and their title."""
    (train, test), info = load_script_data(parser, dataset, flatten=False)
    return train, test, info.title


def add_training_options(parser: argparse.ArgumentParser, quick: Mapping[str, Any],
                         default: Mapping[str, Any]) -> None:
    """The options train_convnet and train_deepnet share: --epochs and --train-size (``default`` unless
    given, the book's with --book, ``quick``'s with --quick), data, Adam, evaluation, output, checkpoints."""
    size = "all" if default["train_size"] is None else default["train_size"]
    parser.add_argument("--epochs", type=positive_int, default=None,
                        help=f"epochs (default {default['epochs']}; the book trains {BOOK_RUN['epochs']})")
    parser.add_argument("--train-size", type=positive_int, default=None,
                        help=f"train on the first N training images (default {size}; the book uses all 60,000)")
    parser.add_argument("--book", action="store_true",
                        help=f"the book's full run: {BOOK_RUN['epochs']} epochs on every training image "
                             "(slow on a CPU; add --checkpoint-dir to be able to stop and --resume)")
    add_seed_option(parser, "weights, dropout and batch order")
    add_dataset_option(parser)
    parser.add_argument("--lr", type=positive_float, default=0.001, help="Adam learning rate (default 0.001)")
    parser.add_argument("--batch-size", type=positive_int, default=100, help="mini-batch size (default 100)")
    parser.add_argument("--test-size", type=positive_int, default=None,
                        help="use the first N test images (default: all)")
    parser.add_argument("--eval-samples", type=positive_int, default=None,
                        help=f"measure accuracy at each epoch's end on this many train/test samples "
                             f"(default {BOOK_EVAL_SAMPLES}, as the book)")
    add_out_option(parser)
    add_checkpoint_options(parser)
    epochs = f"{quick['epochs']} epoch{'' if quick['epochs'] == 1 else 's'}"
    parser.add_argument("--quick", action="store_true",
                        help=f"a run of seconds for tests: {epochs} on {quick['train_size']} training and "
                             f"{quick['test_size']} test images{QUICK_NOTE}")


def add_train_here_options(parser: argparse.ArgumentParser, quick_help: str) -> None:
    """The options of a script that takes --weights or else trains the network here: --epochs (default 1),
    Adam's --lr and --batch-size, --train-size, --seed, --out and --quick (``quick_help``)."""
    parser.add_argument("--epochs", type=positive_int, default=1, help="epochs to train without --weights (default 1)")
    parser.add_argument("--lr", type=positive_float, default=0.001, help="Adam learning rate (default 0.001)")
    parser.add_argument("--batch-size", type=positive_int, default=100, help="mini-batch size (default 100)")
    parser.add_argument("--train-size", type=positive_int, default=None,
                        help="train on the first N training images (default: all)")
    add_seed_option(parser)
    add_out_option(parser)
    parser.add_argument("--quick", action="store_true", help=quick_help + QUICK_NOTE)


def add_weights_option(parser: argparse.ArgumentParser, network: str) -> None:
    """--weights: an existing .npz of ``network``'s parameters; without it the script trains one."""
    parser.add_argument("--weights", type=existing_file, default=None,
                        help=f"trained {network} parameters (.npz); default: train here")


def add_test_image_options(parser: argparse.ArgumentParser) -> None:
    """--network and its --weights, and the test images to classify: --dataset, --mnist-test-dir, --test-size."""
    parser.add_argument("--network", default="deep", choices=NETWORK_NAMES,
                        help="deep: DeepConvNet (chapter 8, default); simple: SimpleConvNet (chapter 7); sample: "
                             "chapter 3's SampleNetwork (784-50-100-10, sigmoid), meant for --weights converted "
                             "from the book's sample_weight.pkl (convert_book_weights --network sample)")
    add_weights_option(parser, "--network")
    add_dataset_option(parser)
    parser.add_argument("--mnist-test-dir", type=existing_dir, default=None,
                        help="classify the real MNIST test set in this directory (t10k-*.gz) instead of "
                             "--dataset's test split")
    parser.add_argument("--test-size", type=positive_int, default=None,
                        help="classify the first N test images (default: all)")


def parse_with_quick(parser: argparse.ArgumentParser, argv: list[str] | None, quick: Mapping[str, Any],
                     default: Mapping[str, Any] | None = None) -> argparse.Namespace:
    """Parse ``argv``. With --quick, ``quick``'s settings where the options were not given;
    with --book (when the parser has it), the book's run where nothing was given; else ``default``'s."""
    args = parser.parse_args(argv)
    check_resume_options(parser, args)
    parser.apply_quick(args, argv, **{key: value for key, value in quick.items() if hasattr(args, key)})
    preset = BOOK_RUN if getattr(args, "book", False) else (default or {})
    for key, value in {"eval_samples": BOOK_EVAL_SAMPLES, **preset}.items():
        if hasattr(args, key) and getattr(args, key) is None:
            setattr(args, key, value)
    return args


def images_for(parser: ScriptParser, args: argparse.Namespace, *, test_size: int | None,
               need_test: bool = True) -> tuple[Split | None, Split | None, str | None]:
    """The training split (first --train-size) when there are no --weights, the test images (first ``test_size``,
    the --test-size given or a size of the script's own), and their title: --mnist-test-dir's when given, else
    --dataset's. Without ``need_test``, test images only come with training; with --weights nothing is loaded
    then. A --train-size or --test-size written above the images there are is refused (see ScriptParser.within_data)."""
    mnist_test_dir = getattr(args, "mnist_test_dir", None)
    train = test = title = None
    if args.weights is None:
        train, test, title = load_images(parser, args.dataset)
        train = first_within(parser, "--train-size", train, args.train_size, "training images")
    elif need_test and mnist_test_dir is None:  # nothing to train: the test split alone (its two files)
        test, info = load_script_split(parser, args.dataset, "test", flatten=False)
        title = info.title
    if mnist_test_dir is not None:
        test, title = load_mnist_test_images(parser, mnist_test_dir)
    if test is not None:
        test = first_within(parser, "--test-size", test, test_size, "test images")
    return train, test, title


def book_trainer(parser: ScriptParser, network: Network, train: Split, test: Split, *, epochs: int, lr: float,
                 batch_size: int, seed: int, eval_samples: int | None = BOOK_EVAL_SAMPLES, quiet: bool = False,
                 checkpoint_dir: str | os.PathLike | None = None, resume: bool = False) -> Trainer:
    """A Trainer with the book's Adam recipe, moved on to the checkpoint in ``checkpoint_dir`` when ``resume``
    (the same data, batch size and seed); a checkpoint that is missing or cannot be resumed ends the script
    (exit 2) with one line saying why, as does a --batch-size larger than the training images."""
    parser.require_at_most("--batch-size", batch_size, len(train[0]), f"the {len(train[0])} training images")
    trainer = adam_trainer(network, train, test, epochs=epochs, lr=lr, batch_size=batch_size, seed=seed,
                           eval_samples=eval_samples, checkpoint_dir=checkpoint_dir, verbose=not quiet,
                           progress=not quiet)
    resume_if_asked(parser, trainer, resume)
    return trainer


def network_from_args(parser: ScriptParser, kind: str, args: argparse.Namespace, train: Split | None,
                      test: Split | None) -> Network:
    """A ``kind`` ConvNet holding --weights, or, without them, trained here for --epochs on ``train``."""
    network = BOOK_NETWORKS[kind](seed=args.seed)
    name = type(network).__name__
    if args.weights is not None:
        try:
            network.load_params(args.weights)
        except (OSError, ValueError) as err:
            parser.fail(f"argument --weights: cannot load {name} weights: {err}")
        print(f"{name}: weights from {args.weights}")
        return network
    if train is None or test is None:
        raise ValueError("network_from_args: without weights, give the data to train on")
    print(f"{name}: no --weights given, training it for {args.epochs} epoch(s) on {len(train[0])} images "
          f"(Adam lr {args.lr:g}, batch {args.batch_size})")
    trainer = book_trainer(parser, network, train, test, epochs=args.epochs, lr=args.lr,
                           batch_size=args.batch_size, seed=args.seed, quiet=args.quick)
    history = until_stopped(parser, trainer.train)
    print(f"{name}: after training, train acc {history.train_acc_list[-1]:.4f}, "
          f"test acc {history.test_acc_list[-1]:.4f}")
    return network


def train_and_report(parser: ScriptParser, network_class: type[Network], args: argparse.Namespace, *,
                     weights_file: str) -> dict:
    """Train a ``network_class`` on --dataset as train_convnet and train_deepnet do; save its curves as
    loss_and_accuracy.png and its weights as ``weights_file`` in --out/<script>, and print the results."""
    prog = parser.prog
    out = args.out / prog
    parser.require_writable_files(out / "loss_and_accuracy.png", out / weights_file)
    train, test, title = load_images(parser, args.dataset)
    train = first_within(parser, "--train-size", train, args.train_size, "training images")
    test = first_within(parser, "--test-size", test, args.test_size, "test images")
    n_train, n_test = len(train[0]), len(test[0])
    eval_samples = parser.within_data("--eval-samples", args.eval_samples, max(n_train, n_test),
                                      f"the larger of the {n_train} training and {n_test} test images")
    print(f"data: {title}, {n_train} training and {n_test} test images, {args.epochs} epoch(s)")

    network = network_class(seed=args.seed)
    trainer = book_trainer(parser, network, train, test, epochs=args.epochs, lr=args.lr, batch_size=args.batch_size,
                           seed=args.seed, eval_samples=eval_samples, quiet=args.quick,
                           checkpoint_dir=args.checkpoint_dir, resume=args.resume)
    figure_title = f"{network_class.__name__} on {title}, Adam lr {args.lr:g}, batch {args.batch_size}"
    run = until_stopped(parser, lambda: train_plot_save(trainer, test, out, title=figure_title,
                                                        weights_file=weights_file))
    history = run.history
    print(f"final train acc {history.train_acc_list[-1]:.4f}, test acc {history.test_acc_list[-1]:.4f} "
          f"(each on up to {eval_samples} samples)")
    print(f"test accuracy on all {len(test[0])} test images: {run.test_acc:.4f}")
    print(f"figure: {run.figure}")
    print(f"weights: {run.weights}")
    return {"history": history, "test_acc": run.test_acc, "figures": [run.figure], "weights": run.weights}
