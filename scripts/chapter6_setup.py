"""What the chapter-6 comparison scripts share: their common options (--out, --seed, --dataset, and those of
the overfitting runs and of the fixed-iteration runs), the data, and the overfitting scripts' accuracy table."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from datasets import DATASET_NAMES, DatasetInfo, load_dataset
from training import History

Split = tuple[np.ndarray, np.ndarray]


def chapter6_parser(description: str | None) -> argparse.ArgumentParser:
    """An argument parser with the options every chapter-6 comparison takes: --out, --seed and --dataset."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("results"), help="output directory (default results/)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the initial weights and batch order (default 0)")
    parser.add_argument("--dataset", choices=DATASET_NAMES, default="mnist", help="data set (default mnist)")
    return parser


def add_iteration_options(parser: argparse.ArgumentParser, per: str) -> None:
    """--iters (2000 per ``per``) and --batch-size (128) of the loss-curve comparisons."""
    parser.add_argument("--iters", type=int, default=2000, help=f"iterations per {per} (default 2000)")
    parser.add_argument("--batch-size", type=int, default=128, help="mini-batch size (default 128)")


def parse_iteration_args(parser: argparse.ArgumentParser,
                         argv: list[str] | None) -> tuple[argparse.Namespace, int]:
    """Add --quick (40 iterations) and parse ``argv``: the options, and the iterations to run."""
    parser.add_argument("--quick", action="store_true", help="40 iterations, for tests")
    args = parser.parse_args(argv)
    return args, 40 if args.quick else args.iters


def parse_overfit_args(parser: argparse.ArgumentParser, argv: list[str] | None, *, epochs: int) -> argparse.Namespace:
    """Add the overfitting runs' --train-size (300), --epochs (``epochs``), --lr (0.01) and --quick, and parse
    ``argv``; --quick makes it 3 epochs."""
    parser.add_argument("--train-size", type=int, default=300, help="training samples (default 300)")
    parser.add_argument("--epochs", type=int, default=epochs, help=f"epochs (default {epochs}, as the book)")
    parser.add_argument("--lr", type=float, default=0.01, help="SGD learning rate (default 0.01)")
    parser.add_argument("--quick", action="store_true", help="3 epochs, 500 test samples, for tests")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs = 3
    return args


def load_data(dataset: str, *, train_size: int | None = None,
              test_size: int | None = None) -> tuple[Split, Split, DatasetInfo]:
    """The first ``train_size`` training and ``test_size`` test samples of ``dataset`` (all by default; the
    built-in digits, with a notice, when it cannot be had), and what was loaded."""
    ((x_train, t_train), (x_test, t_test)), info = load_dataset(dataset, fallback_to_builtin=True)
    if info.notice:
        print(info.notice)
    return (x_train[:train_size], t_train[:train_size]), (x_test[:test_size], t_test[:test_size]), info


def print_accuracy_table(histories: dict[str, History]) -> dict[str, dict[str, float]]:
    """Print each run's final train and test accuracy and their gap as a table, and return them."""
    width = max(len(title) for title in histories)
    print(f"| {'run':<{width}} | train acc | test acc | gap   |")
    print(f"|{'-' * (width + 2)}|-----------|----------|-------|")
    final = {}
    for title, history in histories.items():
        train_acc, test_acc = history.train_acc_list[-1], history.test_acc_list[-1]
        final[title] = {"train_acc": train_acc, "test_acc": test_acc, "gap": train_acc - test_acc}
        print(f"| {title:<{width}} | {train_acc:>9.4f} | {test_acc:>8.4f} | {train_acc - test_acc:>5.3f} |")
    return final
