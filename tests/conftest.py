"""Shared fixtures: where the real MNIST test set lies, and whether its absence is an error.

The MNIST test files are looked for in ``$ZEROPROP_MNIST_DIR`` when set (any folder holding
t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz, e.g. ``~/.cache/zeroprop/mnist``), else in
``../shared/data/mnist`` beside the repository; the book's pickles in ``$ZEROPROP_BOOK_WEIGHTS_DIR``, else
``../shared/data/book-weights``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
ENV_MNIST_DIR = "ZEROPROP_MNIST_DIR"
ENV_BOOK_WEIGHTS_DIR = "ZEROPROP_BOOK_WEIGHTS_DIR"


def _dir_from_env(variable: str, default: Path) -> Path:
    value = os.environ.get(variable, "").strip()
    return Path(value).expanduser() if value else default


def _data_dir_or_skip(path: Path, needed: tuple[str, ...], variable: str) -> Path:
    missing = [name for name in needed if not (path / name).is_file()]
    if missing:
        message = f"real data missing in {path}: {missing} (set {variable} to a folder holding them)"
        if os.environ.get("ZEROPROP_REQUIRE_DATA"):
            pytest.fail(message + " (ZEROPROP_REQUIRE_DATA is set)")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The directory holding the real MNIST test set (t10k-*.gz); skips when absent unless required."""
    return _data_dir_or_skip(
        _dir_from_env(ENV_MNIST_DIR, SHARED_DATA / "mnist"),
        ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
        ENV_MNIST_DIR,
    )


@pytest.fixture(scope="session")
def book_weights_dir() -> Path:
    """The directory holding the book's pretrained ConvNet pickles; skips when absent unless required."""
    return _data_dir_or_skip(
        _dir_from_env(ENV_BOOK_WEIGHTS_DIR, SHARED_DATA / "book-weights"),
        ("simple_convnet_params.pkl", "deep_convnet_params.pkl"),
        ENV_BOOK_WEIGHTS_DIR,
    )


BOOK_CODE_ENV = "ZEROPROP_BOOK_CODE"
BOOK_CODE_FILES = ("ch03/sample_weight.pkl", "ch07/params.pkl", "ch08/deep_convnet_params.pkl")


@pytest.fixture(scope="session")
def book_code_dir() -> Path:
    """A checkout of the book's code repository as it is today ($ZEROPROP_BOOK_CODE), for the chapter-3
    sample weights and the retrained ch07/params.pkl and ch08/deep_convnet_params.pkl; skips when unset.

    Nothing from it is part of this project: point the variable at your own clone to run these tests.
    """
    root = os.environ.get(BOOK_CODE_ENV)
    if not root:
        pytest.skip(f"${BOOK_CODE_ENV} is not set (a checkout of oreilly-japan/deep-learning-from-scratch)")
    path = Path(root)
    missing = [name for name in BOOK_CODE_FILES if not (path / name).is_file()]
    not_pickles = [name for name in BOOK_CODE_FILES if name not in missing
                   and (path / name).read_bytes()[:1] != b"\x80"]  # a Git LFS pointer is text
    if missing or not_pickles:
        pytest.fail(f"${BOOK_CODE_ENV}={root}: missing {missing}, not pickles (Git LFS pointers?) {not_pickles}")
    return path
