"""load_dataset: names, the built-in set, and falling back to it when a data set is unavailable."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from datasets import (
    DATASET_NAMES,
    DatasetUnavailableError,
    RemoteFile,
    load_dataset,
    load_dataset_split,
    load_mnist_split,
)


def test_names() -> None:
    assert DATASET_NAMES == ("mnist", "fashion-mnist", "kmnist", "builtin")
    with pytest.raises(ValueError, match="unknown data set 'cifar'; choose one of mnist, fashion-mnist"):
        load_dataset("cifar")


def test_builtin_by_name(builtin_root: Path) -> None:
    ((x, t), (x_test, _)), info = load_dataset("builtin", data_dir=builtin_root / "builtin-digits")
    assert x.shape == (60000, 784) and x.dtype == np.float32 and x_test.shape == (10000, 784)
    assert (
        info.name == "builtin" and info.requested == "builtin" and not info.fell_back and info.notice is None
    )


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist", "kmnist"])
def test_unavailable_without_fallback_raises(tmp_path: Path, name: str) -> None:
    with pytest.raises(DatasetUnavailableError, match="download=False"):
        load_dataset(name, data_dir=tmp_path, download=False)


def test_fallback_says_why(tmp_path: Path, builtin_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZEROPROP_DATA_DIR", str(builtin_root))  # the fallback reads the cached built-in set
    empty = tmp_path / "nothing-here"
    ((x, t), _), info = load_dataset(
        "mnist", one_hot_label=True, data_dir=empty, download=False, fallback_to_builtin=True
    )
    assert x.shape == (60000, 784) and t.shape == (60000, 10)
    assert info.requested == "mnist" and info.name == "builtin" and info.fell_back
    assert info.fallback_reason == (
        f"MNIST is not complete in {empty} (missing train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
        "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) and could not be downloaded "
        "(downloading is turned off): "
        "using the built-in digits instead"
    )
    assert info.notice == info.fallback_reason
    assert "\n" not in info.fallback_reason


def test_fallback_names_only_the_missing_files(tmp_path: Path, builtin_root: Path, mnist_dir: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZEROPROP_DATA_DIR", str(builtin_root))
    partial = tmp_path / "mnist"
    partial.mkdir()
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (partial / name).symlink_to(mnist_dir / name)
    _, info = load_dataset("mnist", data_dir=partial, download=False, fallback_to_builtin=True)
    assert info.fell_back
    assert "(missing train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz)" in info.fallback_reason
    assert "t10k" not in info.fallback_reason


def test_fallback_tells_a_corrupt_file_from_a_missing_one(tmp_path: Path, builtin_root: Path, mnist_dir: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZEROPROP_DATA_DIR", str(builtin_root))
    partial = tmp_path / "mnist"
    partial.mkdir()
    (partial / "t10k-images-idx3-ubyte.gz").symlink_to(mnist_dir / "t10k-images-idx3-ubyte.gz")
    labels = bytearray((mnist_dir / "t10k-labels-idx1-ubyte.gz").read_bytes())
    labels[100] ^= 0xFF  # one byte flipped
    (partial / "t10k-labels-idx1-ubyte.gz").write_bytes(bytes(labels))
    _, info = load_dataset("mnist", data_dir=partial, download=False, fallback_to_builtin=True)
    assert info.fell_back
    assert ("(missing train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz; "
            "t10k-labels-idx1-ubyte.gz failing verification)") in info.fallback_reason
    assert (partial / "t10k-labels-idx1-ubyte.gz").read_bytes() == bytes(labels)  # left as it was


@pytest.mark.parametrize("in_the_way", ["a file", "a file's folder"])
def test_a_data_folder_that_cannot_be_created_falls_back_or_says_so(tmp_path: Path, builtin_root: Path,
                                                                    monkeypatch: pytest.MonkeyPatch,
                                                                    in_the_way: str) -> None:
    """ZEROPROP_DATA_DIR pointing at a file: the download folder cannot be made; nothing is downloaded."""
    monkeypatch.setenv("ZEROPROP_DATA_DIR", str(builtin_root))
    blocker = tmp_path / "somefile"
    blocker.write_text("not a folder")
    data_dir = blocker if in_the_way == "a file" else blocker / "below"
    why = "a file is in its place" if in_the_way == "a file" else "Not a directory"
    _, info = load_dataset("mnist", data_dir=data_dir, fallback_to_builtin=True)
    assert info.fell_back and f"its folder cannot be created ({why})" in info.fallback_reason
    with pytest.raises(DatasetUnavailableError, match=rf"cannot be created to download them into \({why}\)"):
        load_dataset("mnist", data_dir=data_dir)
    assert blocker.read_text() == "not a folder"


def test_a_data_root_whose_name_is_too_long_is_named_not_a_traceback(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """ZEROPROP_DATA_DIR with a name longer than the file system allows: os.stat fails, before any file is
    looked at; the error names the variable, its value and the reason, and the default run falls back."""
    root = str(tmp_path / ("a" * 300))
    monkeypatch.setenv("ZEROPROP_DATA_DIR", root)
    with pytest.raises(DatasetUnavailableError) as caught:
        load_dataset("mnist", download=False)
    message = str(caught.value)
    assert "Traceback" not in message and "File name too long" in message
    assert f"ZEROPROP_DATA_DIR (now {root!r})" in message
    assert caught.value.short_reason == "its folder cannot be used (File name too long)"

    def small_builtin_digits(**options):
        images = np.zeros((2, 784), np.float32)
        return (images, np.array([1, 2])), (images, np.array([3, 4]))

    monkeypatch.setattr("datasets.registry.load_builtin_digits", small_builtin_digits)
    _, info = load_dataset("mnist", fallback_to_builtin=True)
    assert info.fell_back and "its folder cannot be used (File name too long)" in info.fallback_reason


def test_one_split_needs_only_its_own_files(tmp_path: Path, builtin_root: Path, mnist_dir: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder holding MNIST's two test files gives the test split; the training split falls back, naming its
    own two files."""
    monkeypatch.setenv("ZEROPROP_DATA_DIR", str(builtin_root))
    partial = tmp_path / "mnist"
    partial.mkdir()
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (partial / name).symlink_to(mnist_dir / name)
    x_all, t_all = load_mnist_split("test", mnist_dir)
    (x, t), info = load_dataset_split("mnist", "test", data_dir=partial, download=False, fallback_to_builtin=True)
    assert not info.fell_back and (info.name, info.title) == ("mnist", "MNIST")
    np.testing.assert_array_equal(x, x_all)
    np.testing.assert_array_equal(t, t_all)

    (x, _), info = load_dataset_split("mnist", "train", data_dir=partial, download=False, fallback_to_builtin=True)
    assert info.fell_back and len(x) == 60000
    assert "(missing train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz)" in info.fallback_reason
    with pytest.raises(DatasetUnavailableError, match="train-images-idx3-ubyte.gz"):
        load_dataset_split("mnist", "train", data_dir=partial, download=False)


def test_one_split_of_the_builtin_digits_is_that_of_load_dataset(builtin_root: Path) -> None:
    (_, (x_all, _)), _ = load_dataset("builtin", flatten=False, data_dir=builtin_root / "builtin-digits")
    (x, _), info = load_dataset_split("builtin", "test", flatten=False, data_dir=builtin_root / "builtin-digits")
    np.testing.assert_array_equal(x, x_all)
    assert info.name == "builtin" and not info.fell_back
    with pytest.raises(ValueError, match="split must be one of"):
        load_dataset_split("builtin", "validation")


MD5 = "0123456789abcdef" * 2
SHA256 = "0123456789abcdef" * 4


@pytest.mark.parametrize(("fields", "message"), [
    ({"name": "a/b.gz"}, "plain file name"),
    ({"name": ".hidden.gz"}, "plain file name"),
    ({"md5": MD5[:-1]}, "md5 must be 32 lowercase hex digits"),
    ({"md5": MD5 + "0"}, "md5 must be 32 lowercase hex digits"),
    ({"md5": MD5.upper()}, "md5 must be 32 lowercase hex digits"),
    ({"sha256": SHA256[:-1]}, "sha256 must be 64 lowercase hex digits"),
    ({"sha256": SHA256 + "0"}, "sha256 must be 64 lowercase hex digits"),
])
def test_a_remote_file_with_a_malformed_name_or_digest_is_refused(fields: dict, message: str) -> None:
    """A digest of the wrong length could never match a download: refused when the spec is made, not after."""
    RemoteFile("a.gz", MD5, SHA256)
    with pytest.raises(ValueError, match=message):
        RemoteFile(**{"name": "a.gz", "md5": MD5, "sha256": SHA256, **fields})
