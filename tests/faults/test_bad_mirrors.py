"""Bad mirrors on a local HTTP server (127.0.0.1 only): trickling, endless, oversized, stalled, missing and
wrong files; bad timeouts; and a user's own file that fails verification, which is never deleted."""

from __future__ import annotations

import gzip
import hashlib
import math
import time
from pathlib import Path

import numpy as np
import pytest

from datasets import DatasetSpec, DatasetUnavailableError, RemoteFile, ensure_dataset_files
from datasets.download import DownloadError, download_file
from datasets.specs import FASHION_MNIST, KMNIST, MNIST, UNKNOWN_SIZE_CAP

NAMES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz")


def idx(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes(), mtime=0)


@pytest.fixture
def files() -> dict[str, bytes]:
    rng = np.random.default_rng(3)
    return {
        NAMES[0]: idx(rng.integers(0, 256, (4, 28, 28))), NAMES[1]: idx(np.array([1, 2, 3, 4])),
        NAMES[2]: idx(rng.integers(0, 256, (2, 28, 28))), NAMES[3]: idx(np.array([5, 6])),
    }


def remote(name: str, blob: bytes, *, sized: bool = True, max_size: int | None = None) -> RemoteFile:
    return RemoteFile(name, hashlib.md5(blob).hexdigest(), hashlib.sha256(blob).hexdigest(),
                      len(blob) if sized else None, max_size)


def spec_for(files: dict[str, bytes], mirrors: tuple[str, ...], **kwargs) -> DatasetSpec:
    r = [remote(name, files[name], **kwargs) for name in NAMES]
    return DatasetSpec("hostile", "Hostile", mirrors, *r)


def listing(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def test_a_trickling_mirror_is_cut_off_by_the_overall_deadline(tmp_path, hostile_mirror):
    blob = b"0123456789" * 4                                     # 40 bytes, a byte every 0.3 s: 12 s in all
    hostile_mirror.files["f"] = blob
    started = time.monotonic()
    with pytest.raises(DownloadError, match="too slow"):
        download_file(hostile_mirror.url("trickle") + "f", remote("f", blob), tmp_path / "f", timeout=1)
    assert time.monotonic() - started < 6  # cut off at the 1 s deadline, not after the 12 s
    assert listing(tmp_path) == []


def test_headers_trickled_a_byte_at_a_time_are_cut_off_too(tmp_path, hostile_mirror):
    blob = b"0123456789"
    hostile_mirror.files["f"] = blob
    hostile_mirror.trickle_interval = 0.05                 # 250 header bytes: 12 s
    started = time.monotonic()
    with pytest.raises(DownloadError, match="too slow"):
        download_file(hostile_mirror.url("slowheaders") + "f", remote("f", blob), tmp_path / "f", timeout=1)
    assert time.monotonic() - started < 6  # cut off at the 1 s deadline, not after the 12 s
    assert listing(tmp_path) == []


def test_an_endless_stream_of_unknown_size_stops_at_the_cap(tmp_path, hostile_mirror):
    blob = b"x" * 100
    hostile_mirror.files["f"] = blob
    with pytest.raises(DownloadError, match="too large .more than the 200000 bytes"):
        download_file(hostile_mirror.url("endless") + "f", remote("f", blob, sized=False, max_size=200_000),
                      tmp_path / "f", timeout=2)
    assert listing(tmp_path) == []
    assert hostile_mirror.sent["/endless/f"] < 20_000_000


def test_a_declared_size_above_the_cap_is_refused_before_reading(tmp_path, hostile_mirror):
    blob = b"x" * 100
    hostile_mirror.files["f"] = blob
    with pytest.raises(DownloadError, match=r"too large \(10000000000 bytes declared, at most 100 expected\)"):
        download_file(hostile_mirror.url("huge") + "f", remote("f", blob), tmp_path / "f", timeout=2)
    assert listing(tmp_path) == []


def test_files_of_unknown_size_have_a_cap():
    for spec in (FASHION_MNIST, KMNIST):
        for file in spec.files:
            assert file.size is None and file.size_limit == UNKNOWN_SIZE_CAP
    assert MNIST.train_images.size_limit == MNIST.train_images.size
    assert UNKNOWN_SIZE_CAP > 2 * 26_421_880       # Fashion-MNIST's largest file, with room to spare


def test_a_stalled_mirror_times_out_then_the_next_one_serves(tmp_path, hostile_mirror, files):
    hostile_mirror.files.update(files)
    spec = spec_for(files, (hostile_mirror.url("stall"), hostile_mirror.url("good")))
    started = time.monotonic()
    ensure_dataset_files(spec, tmp_path / "c", timeout=0.3, needed=(spec.test_labels,))
    assert time.monotonic() - started < 4.5  # the 0.3 s timeout, not the 5 s stall, then the good mirror
    assert listing(tmp_path / "c") == [NAMES[3]]


@pytest.mark.parametrize("bad", ["missing", "wrong", "trickle", "huge"])
def test_each_bad_mirror_falls_through_to_a_good_one(tmp_path, hostile_mirror, files, bad):
    hostile_mirror.files.update(files)
    hostile_mirror.trickle_interval = 0.05
    spec = spec_for(files, (hostile_mirror.url(bad), hostile_mirror.url("good")))
    ensure_dataset_files(spec, tmp_path / "c", timeout=0.5, needed=(spec.train_labels, spec.test_labels))
    for name in (NAMES[1], NAMES[3]):
        assert (tmp_path / "c" / name).read_bytes() == files[name]
    assert listing(tmp_path / "c") == sorted([NAMES[1], NAMES[3]])


def test_all_bad_mirrors_are_reported(tmp_path, hostile_mirror, files):
    hostile_mirror.files.update(files)
    spec = spec_for(files, tuple(hostile_mirror.url(m) for m in ("missing", "wrong", "huge")))
    with pytest.raises(DatasetUnavailableError) as info:
        ensure_dataset_files(spec, tmp_path / "c", timeout=1, needed=(spec.test_labels,))
    message = str(info.value)
    assert "HTTP 404" in message and "checksum mismatch" in message and "too large" in message
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize(("timeout", "error"), [(0, ValueError), (-1, ValueError), (math.nan, ValueError),
                                                (math.inf, ValueError), ("5", TypeError), (None, TypeError),
                                                (True, TypeError)])
def test_bad_timeouts_are_refused_before_any_request(tmp_path, hostile_mirror, files, timeout, error):
    hostile_mirror.files.update(files)
    spec = spec_for(files, (hostile_mirror.url("good"),))
    with pytest.raises(error, match="timeout"):
        ensure_dataset_files(spec, tmp_path / "c", timeout=timeout)
    with pytest.raises(error, match="timeout"):
        download_file(hostile_mirror.url("good") + NAMES[3], spec.test_labels, tmp_path / "x", timeout=timeout)
    assert hostile_mirror.requests == []
    assert listing(tmp_path) == []


# -- a user's own file that fails verification -------------------------------------------------------------
def users_directory(tmp_path, files) -> tuple[Path, Path, bytes]:
    directory = tmp_path / "mine"
    directory.mkdir()
    for name, blob in files.items():
        (directory / name).write_bytes(blob)
    own = directory / NAMES[1]
    mine = gzip.compress(b"my own labels", mtime=0)
    own.write_bytes(mine)
    return directory, own, mine


def test_without_download_a_users_bad_file_is_left_and_explained(tmp_path, hostile_mirror, files):
    directory, own, mine = users_directory(tmp_path, files)
    spec = spec_for(files, (hostile_mirror.url("good"),))
    with pytest.raises(DatasetUnavailableError) as info:
        ensure_dataset_files(spec, directory, download=False)
    message = str(info.value)
    assert f"{own.name} is there but fails verification (size" in message
    assert "left as it is" in message and f"yours kept as {own.name}.rejected" in message
    assert own.read_bytes() == mine
    assert hostile_mirror.requests == []


def test_a_users_bad_file_is_kept_beside_the_good_copy(tmp_path, hostile_mirror, files, caplog):
    hostile_mirror.files.update(files)
    directory, own, mine = users_directory(tmp_path, files)
    (directory / (own.name + ".rejected")).write_bytes(b"an older one")
    spec = spec_for(files, (hostile_mirror.url("good"),))
    ensure_dataset_files(spec, directory)
    assert own.read_bytes() == files[own.name]
    assert (directory / (own.name + ".rejected")).read_bytes() == b"an older one"
    assert (directory / (own.name + ".rejected-2")).read_bytes() == mine
    assert "fails verification" in caplog.text and ".rejected-2" in caplog.text


def test_every_earlier_rejected_copy_is_kept(tmp_path, hostile_mirror, files):
    """With .rejected and .rejected-2 taken, the user's file goes to .rejected-3: nothing is overwritten."""
    hostile_mirror.files.update(files)
    directory, own, mine = users_directory(tmp_path, files)
    older = {own.name + ".rejected": b"the oldest", own.name + ".rejected-2": b"an older one"}
    for name, blob in older.items():
        (directory / name).write_bytes(blob)
    ensure_dataset_files(spec_for(files, (hostile_mirror.url("good"),)), directory)
    assert own.read_bytes() == files[own.name]
    for name, blob in older.items():
        assert (directory / name).read_bytes() == blob
    assert (directory / (own.name + ".rejected-3")).read_bytes() == mine
    assert listing(directory) == sorted([*NAMES, *older, own.name + ".rejected-3"])


def test_when_no_mirror_delivers_the_users_file_is_put_back(tmp_path, hostile_mirror, files):
    hostile_mirror.files.update(files)
    directory, own, mine = users_directory(tmp_path, files)
    spec = spec_for(files, (hostile_mirror.url("missing"), hostile_mirror.url("wrong")))
    with pytest.raises(DatasetUnavailableError, match="fails verification"):
        ensure_dataset_files(spec, directory)
    assert own.read_bytes() == mine
    assert listing(directory) == sorted(NAMES)


def test_a_directory_in_place_of_a_file_is_reported(tmp_path, files):
    directory = tmp_path / "c"
    directory.mkdir()
    (directory / NAMES[3]).mkdir()
    spec = spec_for(files, ())
    with pytest.raises(DatasetUnavailableError, match="not a regular file"):
        ensure_dataset_files(spec, directory, download=False, needed=(spec.test_labels,))
    assert (directory / NAMES[3]).is_dir()
