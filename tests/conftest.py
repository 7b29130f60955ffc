"""Shared fixtures: where the real MNIST test set lies, and whether its absence is an error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


def _data_dir_or_skip(path: Path, needed: tuple[str, ...]) -> Path:
    missing = [name for name in needed if not (path / name).is_file()]
    if missing:
        message = f"real data missing in {path}: {missing}"
        if os.environ.get("ZEROPROP_REQUIRE_DATA"):
            pytest.fail(message + " (ZEROPROP_REQUIRE_DATA is set)")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The directory holding the real MNIST test set (t10k-*.gz); skips when absent unless required."""
    return _data_dir_or_skip(
        SHARED_DATA / "mnist", ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
    )


@pytest.fixture(scope="session")
def book_weights_dir() -> Path:
    """The directory holding the book's pretrained ConvNet pickles; skips when absent unless required."""
    return _data_dir_or_skip(
        SHARED_DATA / "book-weights", ("simple_convnet_params.pkl", "deep_convnet_params.pkl")
    )
