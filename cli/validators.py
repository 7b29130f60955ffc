"""Argument types for argparse that refuse bad values at parse time, so a run never starts on them.

Each raises ``argparse.ArgumentTypeError``; argparse then names the option, and :class:`cli.ScriptParser`
prints that as one line and exits with status 2, before any data is loaded or any network built.
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from engine import threads


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def positive_int(text: str) -> int:
    """A whole number >= 1 (iterations, sizes, counts)."""
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def thread_count(text: str) -> int:
    """A thread count for the engine (``--threads``): a whole number from 1 to engine.threads.MAX_THREADS."""
    try:
        return threads.thread_count(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def nonnegative_int(text: str) -> int:
    """A whole number >= 0 (seeds)."""
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return value


def finite_float(text: str) -> float:
    """Any number but NaN and +-inf (the inputs of a graph, prices)."""
    value = _float(text)
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0 (learning rates, weight decay)."""
    value = finite_float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def int_in_range(low: int, high: int | None = None, why: str | None = None) -> Callable[[str], int]:
    """The type of a whole number in [low, high] (no upper limit when ``high`` is None); ``why`` says where
    the limits come from, in the message of a refusal."""
    expected = f"a whole number >= {low}" if high is None else f"a whole number in [{low}, {high}]"

    def in_range(text: str) -> int:
        value = _int(text)
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"expected {expected}{_because(why)}, got {text!r}")
        return value
    return in_range


def float_in_range(low: float, high: float = math.inf, why: str | None = None) -> Callable[[str], float]:
    """The type of a finite number in [low, high] (no upper limit when ``high`` is inf); ``why`` says where
    the limits come from, in the message of a refusal."""
    expected = f"a number >= {low:g}" if high == math.inf else f"a number in [{low:g}, {high:g}]"

    def in_range(text: str) -> float:
        value = finite_float(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected {expected}{_because(why)}, got {text!r}")
        return value
    return in_range


def number_in_range(low: float, high: float, why: str | None = None) -> Callable[[str], int | float]:
    """The type of a number in [low, high] kept as written: ``2`` is the int 2, as the book's constants are, so
    that a result prints as the book's does; ``2.0`` or ``1e3`` is a float. ``why`` says where the limits come
    from, in the message of a refusal."""
    expected = f"a number in [{low:g}, {high:g}]"

    def in_range(text: str) -> int | float:
        try:
            value: int | float = int(text)
        except ValueError:
            value = finite_float(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected {expected}{_because(why)}, got {text!r}")
        return value
    return in_range


def _because(why: str | None) -> str:
    return "" if why is None else f" ({why})"


MAX_LAYER_WIDTH = 10_000  # 784 x 10,000 float64 weights are 63 MB: far wider layers only exhaust the memory
# Samples in a gradient check's batch (the three gradient-check scripts): every numerical derivative runs the
# whole batch forward twice, so the check's time grows with it as well as with the weights.
MAX_CHECK_SAMPLES = 100


def layer_width(text: str) -> int:
    """Units of one layer (--hidden, input and output sizes): a whole number in [1, MAX_LAYER_WIDTH]."""
    return _layer_width(text)


_layer_width = int_in_range(1, MAX_LAYER_WIDTH)


# The inputs of chapter 5's small graphs: a product of three such numbers, and a sum of a few such products,
# stays a finite float64 (below 1.8e308), and so does every gradient.
MAX_ABS_GRAPH_INPUT = 1e100


def graph_input(text: str) -> float:
    """An input of a small computational graph (chapter 5): a number in [-MAX_ABS_GRAPH_INPUT,
    MAX_ABS_GRAPH_INPUT], so that the graph's values and gradients stay finite."""
    return _graph_input(text)


_graph_input = float_in_range(-MAX_ABS_GRAPH_INPUT, MAX_ABS_GRAPH_INPUT,
                              why="so that every value and gradient of the graph stays a finite number")


def graph_number(text: str) -> int | float:
    """As :func:`graph_input`, but a whole number written as one stays an int (``--apple 100`` is the book's
    ``100``, ``--apple 100.0`` a float), for the scripts that print the book's numbers as it does."""
    return _graph_number(text)


_graph_number = number_in_range(-MAX_ABS_GRAPH_INPUT, MAX_ABS_GRAPH_INPUT,
                                why="so that every value and gradient of the graph stays a finite number")


def unit_interval_float(text: str) -> float:
    """A number in [0, 1) (dropout ratios)."""
    value = finite_float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), got {text!r}")
    return value


def _dangling_link(path: Path) -> bool:
    """A symbolic link whose target is missing, or a loop of links: ``exists()`` says False for both."""
    return path.is_symlink() and not path.exists()


def directory_problem(path: str | os.PathLike) -> str | None:
    """Why files could not be written under directory ``path`` (created if missing), or None if they could.

    ``path`` must be a directory, or not exist yet below a directory this process may write to.
    """
    if os.fspath(path) == "":
        return "expected a folder name, got an empty one (use . for the current folder)"
    path = Path(path)
    try:
        if _dangling_link(path):
            return f"{os.fspath(path)!r} is a symbolic link to nothing that exists"
        if path.exists() and not path.is_dir():
            return f"{os.fspath(path)!r} exists and is not a directory"
        existing = path
        while not os.path.lexists(existing):  # a dangling link above stops the walk: it cannot be created
            if existing.parent == existing:
                break
            existing = existing.parent
        if not existing.is_dir():
            return f"{os.fspath(existing)!r} is not a directory, so {os.fspath(path)!r} cannot be created"
        if not os.access(existing, os.W_OK | os.X_OK):
            return f"{os.fspath(existing)!r} is not writable"
    except OSError as error:  # a name too long, say
        return f"{os.fspath(path)!r} cannot be used: {error.strerror or error}"
    try:  # os.access says yes to root, and on file systems such as /proc or a read-only mount: try it
        os.rmdir(tempfile.mkdtemp(prefix=".zeroprop-probe-", dir=existing))
    except OSError as error:
        return f"nothing can be written in {os.fspath(existing)!r}: {error.strerror or error}"
    return None


def file_problem(path: str | os.PathLike) -> str | None:
    """Why a file could not be written at ``path`` (its folder made if missing), or None if it could: its folder
    must pass :func:`directory_problem`, and no folder may stand in the file's own place."""
    path = Path(path)
    problem = directory_problem(path.parent)
    if problem is not None:
        return problem
    try:
        if path.is_dir():
            return f"{os.fspath(path)!r} is a folder, where a file is to be written"
        if _dangling_link(path):
            return f"{os.fspath(path)!r} is a symbolic link to nothing that exists, where a file is to be written"
    except OSError as error:
        return f"{os.fspath(path)!r} cannot be used: {error.strerror or error}"
    return None


def writable_dir(text: str) -> Path:
    """A directory that can be written to, or created: checked now, not when the run's results are ready."""
    problem = directory_problem(text)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return Path(text)


def existing_file(text: str) -> Path:
    """A path to a file that exists (weights or data to read)."""
    return _existing(text, Path.is_file, "a file")


def existing_dir(text: str) -> Path:
    """A path to a directory that exists (data to read)."""
    return _existing(text, Path.is_dir, "a directory")


def _existing(text: str, is_kind: Callable[[Path], bool], kind: str) -> Path:
    path = Path(text)
    try:
        if not is_kind(path):
            problem = f"is not {kind}" if path.exists() else "does not exist"
            raise argparse.ArgumentTypeError(f"{text!r} {problem}")
    except OSError as error:  # a name too long, say
        raise argparse.ArgumentTypeError(f"{text!r} cannot be used: {error.strerror or error}") from None
    return path
