"""The options the chapter-6 comparison scripts share: --out, --seed, --dataset; those of the runs of a fixed
number of iterations (--iters, --batch-size), and those of the overfitting runs (--train-size, --epochs, --lr)."""

from __future__ import annotations

import argparse

from cli.parser import QUICK_NOTE, ScriptParser, add_dataset_option, add_out_option, add_seed_option, script_parser
from cli.validators import positive_float, positive_int


def chapter6_parser(description: str | None, script_file: str) -> ScriptParser:
    """A parser with the options every chapter-6 comparison takes: --out, --seed and --dataset."""
    parser = script_parser(description, script_file)
    add_out_option(parser)
    add_seed_option(parser)
    add_dataset_option(parser)
    return parser


def add_iteration_options(parser: argparse.ArgumentParser, per: str) -> None:
    """--iters (2000 per ``per``) and --batch-size (128) of the loss-curve comparisons."""
    parser.add_argument("--iters", type=positive_int, default=2000, help=f"iterations per {per} (default 2000)")
    parser.add_argument("--batch-size", type=positive_int, default=128, help="mini-batch size (default 128)")


def parse_iteration_args(parser: argparse.ArgumentParser,
                         argv: list[str] | None) -> tuple[argparse.Namespace, int]:
    """Add --quick (40 iterations) and parse ``argv``: the options, and the iterations to run."""
    parser.add_argument("--quick", action="store_true", help=f"40 iterations, for tests{QUICK_NOTE}")
    args = parser.apply_quick(parser.parse_args(argv), argv, iters=40)
    return args, args.iters


def parse_overfit_args(parser: argparse.ArgumentParser, argv: list[str] | None, *, epochs: int) -> argparse.Namespace:
    """Add the overfitting runs' --train-size (300), --epochs (``epochs``), --lr (0.01) and --quick, and parse
    ``argv``; --quick makes it 3 epochs."""
    parser.add_argument("--train-size", type=positive_int, default=300, help="training samples (default 300)")
    parser.add_argument("--epochs", type=positive_int, default=epochs, help=f"epochs (default {epochs}, as the book)")
    parser.add_argument("--lr", type=positive_float, default=0.01, help="SGD learning rate (default 0.01)")
    parser.add_argument("--quick", action="store_true", help=f"3 epochs, 500 test samples, for tests{QUICK_NOTE}")
    return parser.apply_quick(parser.parse_args(argv), argv, epochs=3)
