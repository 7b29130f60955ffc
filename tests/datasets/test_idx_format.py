"""The IDX reader and split loader on small hand-made files, good and malformed."""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from datasets import ChecksumMismatchError, IdxFormatError, load_idx_split, read_idx


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_reads_shape_and_values(tmp_path: Path, make_idx) -> None:
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    result = read_idx(_write(tmp_path / "a.gz", make_idx(array)), expected_ndim=3)
    assert result.dtype == np.uint8 and result.shape == (2, 3, 4)
    assert result[1, 2, 3] == 23 and result[0, 1, 0] == 4
    assert result.flags.writeable


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (bytes([0, 0, 0x0D, 1]) + (3).to_bytes(4, "big") + bytes(12), "bad magic number 0x00000d01"),
        (bytes([1, 0, 0x08, 1]) + (3).to_bytes(4, "big") + bytes(3), "bad magic number"),
        (bytes([0, 0, 0x08, 1]) + (5).to_bytes(4, "big") + bytes(3), "promises 5 data bytes .* found 3"),
        (bytes([0, 0, 0x08, 1]) + (3).to_bytes(4, "big") + bytes(4), "more data than"),
        (bytes([0, 0, 0x08, 2]) + (3).to_bytes(4, "big"), "file ends inside the header"),
        (bytes([0, 0]), "file ends inside the magic number"),
        (bytes([0, 0, 0x08, 255]) + (1).to_bytes(4, "big") * 255 + bytes(1),
         "header says 255 dimensions, expected at most (32|64)"),
        (bytes([0, 0, 0x08, 65]) + (1).to_bytes(4, "big") * 65 + bytes(1), "header says 65 dimensions"),
    ],
)
def test_malformed_files_name_the_file(tmp_path: Path, payload: bytes, message: str) -> None:
    path = _write(tmp_path / "broken-idx1-ubyte.gz", gzip.compress(payload))
    with pytest.raises(IdxFormatError, match=message) as caught:
        read_idx(path)
    assert str(path) in str(caught.value)


def test_a_header_of_no_dimensions_is_refused_without_an_expected_count(tmp_path: Path) -> None:
    """Zero sizes would make a 0-d array of the next byte: the header is refused, not read as a scalar."""
    path = _write(tmp_path / "scalar.gz", gzip.compress(bytes([0, 0, 0x08, 0]) + bytes([7])))
    with pytest.raises(IdxFormatError, match="header says 0 dimensions") as caught:
        read_idx(path)
    assert str(path) in str(caught.value)


def test_a_header_promising_more_than_4_gib_is_refused_before_any_allocation(tmp_path: Path) -> None:
    """A small file whose sizes multiply to just over 2**32 bytes is refused from its header alone."""
    sizes = (1 << 16, (1 << 16) + 1)
    payload = bytes([0, 0, 0x08, 2]) + b"".join(n.to_bytes(4, "big") for n in sizes) + bytes(8)
    path = _write(tmp_path / "huge.gz", gzip.compress(payload))
    with pytest.raises(IdxFormatError, match=r"implausible shape \(65536, 65537\)") as caught:
        read_idx(path)
    assert str(path) in str(caught.value)


def test_as_many_dimensions_as_numpy_allows_are_read(tmp_path: Path) -> None:
    payload = bytes([0, 0, 0x08, 32]) + (1).to_bytes(4, "big") * 31 + (2).to_bytes(4, "big") + bytes([7, 9])
    result = read_idx(_write(tmp_path / "deep.gz", gzip.compress(payload)))
    assert result.shape == (1,) * 31 + (2,) and result.ravel().tolist() == [7, 9]


def test_wrong_number_of_dimensions(tmp_path: Path, make_idx) -> None:
    path = _write(tmp_path / "labels.gz", make_idx(np.zeros(4, np.uint8)))
    with pytest.raises(IdxFormatError, match="expected 3 dimensions, header says 1"):
        read_idx(path, expected_ndim=3)


def test_not_gzip(tmp_path: Path) -> None:
    path = _write(tmp_path / "plain.gz", bytes([0, 0, 8, 1, 0, 0, 0, 1, 7]))
    with pytest.raises(IdxFormatError, match="not a readable gzip file"):
        read_idx(path)


def test_truncated_gzip_stream(tmp_path: Path, make_idx) -> None:
    blob = make_idx(np.arange(3000, dtype=np.int64).astype(np.uint8))
    path = _write(tmp_path / "cut.gz", blob[: len(blob) // 2])
    with pytest.raises(IdxFormatError, match="cut.gz"):
        read_idx(path)


def test_split_loader_on_a_tiny_dataset(tmp_path: Path, tiny_dataset) -> None:
    spec = tiny_dataset.spec()
    directory = tiny_dataset.write(tmp_path)
    x, t = load_idx_split(spec, "test", directory, normalize=False, flatten=False)
    assert np.array_equal(x[:, 0], tiny_dataset.arrays["test_images"])
    assert np.array_equal(t, tiny_dataset.arrays["test_labels"])
    x, t = load_idx_split(spec, "train", directory, one_hot_label=True)
    assert x.shape == (12, 784)
    assert np.array_equal(t.argmax(axis=1), tiny_dataset.arrays["train_labels"])


def test_split_loader_rejects_wrong_checksum_without_deleting(tmp_path: Path, tiny_dataset, make_idx) -> None:
    directory = tiny_dataset.write(tmp_path)
    other = make_idx(np.ones(5, np.uint8))
    _write(directory / tiny_dataset.names["test_labels"], other)
    with pytest.raises(ChecksumMismatchError, match="t10k-labels-idx1-ubyte.gz: size") as caught:
        load_idx_split(tiny_dataset.spec(), "test", directory)
    assert str(directory) in str(caught.value)
    assert (directory / tiny_dataset.names["test_labels"]).read_bytes() == other
    x, t = load_idx_split(tiny_dataset.spec(), "test", directory, verify=False)
    assert t.tolist() == [1] * 5


def test_split_loader_checks_the_sha256_as_well_as_the_md5(tmp_path: Path, tiny_dataset) -> None:
    """A file whose size and MD5 match but whose SHA-256 does not (as after an MD5 collision) is refused."""
    directory = tiny_dataset.write(tmp_path)
    spec = tiny_dataset.spec()
    other_digest = hashlib.sha256(b"another file").hexdigest()
    spec = replace(spec, test_labels=replace(spec.test_labels, sha256=other_digest))
    with pytest.raises(ChecksumMismatchError, match=f"t10k-labels-idx1-ubyte.gz: sha256 .* != expected {other_digest}"):
        load_idx_split(spec, "test", directory)
    load_idx_split(tiny_dataset.spec(), "test", directory)   # the same files against their own digests


def test_split_loader_names_a_folder_in_a_files_place(tmp_path: Path, tiny_dataset) -> None:
    directory = tiny_dataset.write(tmp_path)
    (directory / tiny_dataset.names["test_images"]).unlink()
    (directory / tiny_dataset.names["test_images"]).mkdir()
    with pytest.raises(ChecksumMismatchError, match="t10k-images-idx3-ubyte.gz: not a regular file"):
        load_idx_split(tiny_dataset.spec(), "test", directory)


def test_split_loader_checks_counts_and_label_range(tmp_path: Path, tiny_dataset, make_idx) -> None:
    directory = tiny_dataset.write(tmp_path)
    _write(directory / tiny_dataset.names["test_labels"], make_idx(np.zeros(4, np.uint8)))
    with pytest.raises(IdxFormatError, match="holds 5 images but .* holds 4 labels"):
        load_idx_split(tiny_dataset.spec(), "test", directory, verify=False)
    _write(directory / tiny_dataset.names["test_labels"], make_idx(np.array([1, 2, 10, 3, 4])))
    with pytest.raises(IdxFormatError, match="label 10 is out of range"):
        load_idx_split(tiny_dataset.spec(), "test", directory, verify=False)


def test_unknown_split(tmp_path: Path, tiny_dataset) -> None:
    with pytest.raises(ValueError, match="split must be one of"):
        load_idx_split(tiny_dataset.spec(), "validation", tiny_dataset.write(tmp_path))
