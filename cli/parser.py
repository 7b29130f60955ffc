"""The argument parser every script uses, and the options most of them share (--out, --seed, --dataset,
--checkpoint-dir / --resume).

A user error (a bad option, a missing file, a data set that cannot be had) ends the script with one line
on stderr, ``<script>: error: <what is wrong>``, and exit status 2: never a traceback, never after the work.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from cli.validators import directory_problem, file_problem, nonnegative_int, writable_dir
from datasets import DATASET_NAMES
from engine import threads

USER_ERROR = 2  # argparse's own status for a bad command line


class ScriptParser(argparse.ArgumentParser):
    """An ``argparse.ArgumentParser`` whose errors are one line (no usage block) and exit with status 2.
    Parsing also checks ``ZEROPROP_NUM_THREADS``, which every script's training reads: a bad value ends
    the script here, before any data is loaded, not with a traceback once training starts."""

    def parse_args(self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
                   ) -> argparse.Namespace:  # type: ignore[override]
        parsed = super().parse_args(args, namespace)
        self._argv = args  # what was parsed (None: the command line), for written() and within_data()
        try:
            threads.default_num_threads()
        except ValueError as error:
            self.fail(str(error))
        return parsed

    def error(self, message: str) -> NoReturn:
        self.fail(f"{message} (see --help)")

    def fail(self, message: str, status: int = USER_ERROR) -> NoReturn:
        """Print ``<prog>: error: message`` on stderr and exit with ``status``."""
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        sys.exit(status)

    def require_at_most(self, option: str, value: int, limit: int, why: str) -> None:
        """Refuse ``value`` of ``option`` above ``limit``, a bound that depends on other options or on the data
        (``why`` says which), as argparse refuses a bad value: one line, exit status 2."""
        if value > limit:
            self.error(f"argument {option}: expected at most {limit} ({why}), got {value}")

    def within_data(self, option: str, value: int | None, limit: int, why: str) -> int | None:
        """``value`` of ``option``, a number of samples to take from data that has ``limit`` (``why`` says which):
        above it, refused as :meth:`require_at_most` refuses when the user wrote ``option``, else (a default,
        --quick's) cut to ``limit`` without a word, so that --quick runs on a small data set. None (all) stays."""
        if value is None or value <= limit:
            return value
        if self.written(option):
            self.require_at_most(option, value, limit, why)
        return limit

    def written(self, option: str) -> bool:
        """Whether ``option`` (as "--test-size") was written in the arguments parsed last; False for an option
        this parser does not have."""
        action = self._option_string_actions.get(option)
        return action is not None and action.dest in self.given(getattr(self, "_argv", None))

    def require_writable_dir(self, path: str | os.PathLike, option: str = "--out") -> Path:
        """``path`` as a Path, after checking that files can be written there; else fail naming ``option``."""
        problem = directory_problem(path)
        if problem is not None:
            self.fail(f"argument {option}: {problem}")
        return Path(path)

    def given(self, argv: Sequence[str] | None) -> set[str]:
        """The destinations of the options written in ``argv`` (default: the command line), as argparse reads
        them: {"epochs"} for ``--epochs 4``, ``--epochs=4`` or the shortened ``--epo 4``. Parsed once more
        into a namespace already holding every destination, where argparse writes only what it was given."""
        unset = object()
        probe = argparse.Namespace(**{action.dest: unset for action in self._actions
                                      if action.dest is not argparse.SUPPRESS})
        super().parse_known_args(argv, namespace=probe)
        return {dest for dest, value in vars(probe).items() if value is not unset}

    def apply_quick(self, args: argparse.Namespace, argv: Sequence[str] | None, **values: object) -> argparse.Namespace:
        """With --quick, set each of ``values`` whose option was not written in ``argv``: --quick shortens a
        run, and an option written out says what the user wants (``--quick --epochs 4`` runs 4 epochs)."""
        if getattr(args, "quick", False):
            written = self.given(argv)
            for name, value in values.items():
                if name not in written:
                    setattr(args, name, value)
        return args

    def require_writable_files(self, *paths: str | os.PathLike, option: str = "--out") -> list[Path]:
        """``paths`` as Paths, after checking that each file can be written (its folder can be written or made, no
        folder stands in its place), so that a run never ends in a traceback after its work; else fail naming
        ``option``."""
        for path in paths:
            problem = file_problem(path)
            if problem is not None:
                self.fail(f"argument {option}: {problem}")
        return [Path(path) for path in paths]


QUICK_NOTE = "; options given explicitly win"  # ends every --quick help: see ScriptParser.apply_quick


def script_parser(description: str | None, script_file: str) -> ScriptParser:
    """A :class:`ScriptParser` named after ``script_file`` (pass ``__file__``), showing ``description`` as is."""
    return ScriptParser(prog=Path(script_file).stem, description=description,
                        formatter_class=argparse.RawDescriptionHelpFormatter)


def add_out_option(parser: argparse.ArgumentParser, what: str = "output directory") -> None:
    """--out: a directory that can be written (checked at once), default results/. Every script writes into
    its own folder there, OUT/<script name>/, which the help says."""
    parser.add_argument("--out", type=writable_dir, default="results",
                        help=f"{what} (default results/); this script writes into {parser.prog}/ there")


def add_seed_option(parser: argparse.ArgumentParser, what: str = "initial weights and batch order") -> None:
    """--seed: a whole number >= 0, default 0."""
    parser.add_argument("--seed", type=nonnegative_int, default=0, help=f"seed of the {what} (default 0)")


def add_dataset_option(parser: argparse.ArgumentParser) -> None:
    """--dataset: default None, which means MNIST with a fallback to the built-in digits (see cli.data)."""
    parser.add_argument("--dataset", default=None, choices=DATASET_NAMES,
                        help="data set (default: mnist, or the built-in digits, with a notice, when MNIST cannot "
                             "be had; a --dataset given explicitly never falls back)")


def add_checkpoint_options(parser: argparse.ArgumentParser) -> None:
    """--checkpoint-dir (a writable directory, checked at once) and --resume."""
    parser.add_argument("--checkpoint-dir", type=writable_dir, default=None,
                        help="save a resumable checkpoint there after every epoch (default: none)")
    parser.add_argument("--resume", action="store_true",
                        help="continue the run saved in --checkpoint-dir (its latest.npz, or the diverged.npz "
                             "a run that diverged in its first epoch left)")
