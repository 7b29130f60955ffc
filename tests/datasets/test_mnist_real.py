"""The loaders on the real MNIST test set (skipped when it is absent, unless ZEROPROP_REQUIRE_DATA is set)."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest

from datasets import DatasetUnavailableError, load_mnist, load_mnist_split, read_idx

# Known facts about MNIST, independent of any code here.
TEST_LABEL_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
TRAIN_LABEL_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


def _raw_pixels(path: Path) -> np.ndarray:
    """The test images parsed the plain way: skip the 16-byte header."""
    with gzip.open(path, "rb") as handle:
        return np.frombuffer(handle.read(), dtype=np.uint8, offset=16).reshape(10000, 784)


def test_default_contract(mnist_dir: Path) -> None:
    x, t = load_mnist_split("test", mnist_dir)
    assert x.shape == (10000, 784) and x.dtype == np.float32
    assert t.shape == (10000,) and t.dtype == np.uint8
    assert x.min() == 0.0 and x.max() == 1.0
    assert t[0] == 7
    assert np.bincount(t, minlength=10).tolist() == TEST_LABEL_COUNTS


def test_pixels_match_a_plain_parse(mnist_dir: Path) -> None:
    raw = _raw_pixels(mnist_dir / "t10k-images-idx3-ubyte.gz")
    x_u8, _ = load_mnist_split("test", mnist_dir, normalize=False)
    x, _ = load_mnist_split("test", mnist_dir)
    assert x_u8.dtype == np.uint8 and np.array_equal(x_u8, raw)
    np.testing.assert_allclose(x, raw / 255.0, rtol=0, atol=1e-7)
    assert 0.12 < x.mean() < 0.145  # MNIST's mean ink is about 0.13


def test_unflattened_and_one_hot(mnist_dir: Path) -> None:
    x, t = load_mnist_split("test", mnist_dir, flatten=False, one_hot_label=True)
    raw = _raw_pixels(mnist_dir / "t10k-images-idx3-ubyte.gz")
    assert x.shape == (10000, 1, 28, 28) and x.dtype == np.float32
    np.testing.assert_array_equal(x[123, 0, 5], raw[123, 5 * 28 : 6 * 28] / np.float32(255))
    assert t.shape == (10000, 10) and t.dtype == np.float32
    assert np.array_equal(t.sum(axis=1), np.ones(10000)) and set(np.unique(t)) == {0.0, 1.0}
    assert t[0].tolist() == [0, 0, 0, 0, 0, 0, 0, 1, 0, 0]
    assert t.sum(axis=0).tolist() == TEST_LABEL_COUNTS


def test_returned_arrays_are_writable(mnist_dir: Path) -> None:
    x, t = load_mnist_split("test", mnist_dir, normalize=False)
    x[0, 0] = 1
    t[0] = 3


def test_read_idx_on_the_training_labels(mnist_dir: Path) -> None:
    path = mnist_dir / "train-labels-idx1-ubyte.gz"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    labels = read_idx(path, expected_ndim=1)
    assert labels.shape == (60000,)
    assert np.bincount(labels).tolist() == TRAIN_LABEL_COUNTS


def test_train_split_needs_its_images(mnist_dir: Path, tmp_path: Path) -> None:
    """Only the test images are shipped here: asking for the training split names the missing file."""
    (tmp_path / "t10k-images-idx3-ubyte.gz").symlink_to(mnist_dir / "t10k-images-idx3-ubyte.gz")
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte.gz"):
        load_mnist_split("train", tmp_path)


def test_load_mnist_checks_real_files_and_names_the_missing_one(mnist_dir: Path, tmp_path: Path) -> None:
    """With the three real files cached (copies), only the absent training images are reported."""
    names = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "train-labels-idx1-ubyte.gz")
    if not all((mnist_dir / name).is_file() for name in names):
        pytest.skip(f"{mnist_dir} lacks one of {names}")
    for name in names:
        shutil.copyfile(mnist_dir / name, tmp_path / name)
    with pytest.raises(DatasetUnavailableError) as caught:
        load_mnist(data_dir=tmp_path, download=False)
    assert caught.value.missing == ("train-images-idx3-ubyte.gz",)
    assert "corrupt" not in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)
