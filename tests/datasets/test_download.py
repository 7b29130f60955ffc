"""Downloads over real HTTP from a local server: good, corrupt, cut-short, missing and refused mirrors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import datasets.dataset_files
from datasets import DatasetUnavailableError, RemoteFile, load_idx_dataset
from datasets.dataset_files import ensure_dataset_files
from datasets.download import DownloadError, download_file


def _serve(local_mirror, tiny_dataset) -> None:
    local_mirror.files.update(tiny_dataset.blobs)


def _assert_complete_cache(directory: Path, tiny_dataset, directory_listing) -> None:
    """Exactly the four verified files, byte for byte, and nothing else (no temp or partial files)."""
    assert directory_listing(directory) == sorted(tiny_dataset.blobs)
    for name, blob in tiny_dataset.blobs.items():
        assert (directory / name).read_bytes() == blob


def test_good_mirror(tmp_path: Path, local_mirror, tiny_dataset, directory_listing) -> None:
    _serve(local_mirror, tiny_dataset)
    spec = tiny_dataset.spec(mirrors=(local_mirror.url("good"),))
    (x_train, t_train), (x_test, t_test) = load_idx_dataset(spec, normalize=False, data_dir=tmp_path / "c")
    _assert_complete_cache(tmp_path / "c", tiny_dataset, directory_listing)
    assert np.array_equal(x_train.reshape(12, 28, 28), tiny_dataset.arrays["train_images"])
    assert np.array_equal(t_test, tiny_dataset.arrays["test_labels"])
    assert len(local_mirror.requests) == 4
    load_idx_dataset(spec, data_dir=tmp_path / "c")
    assert len(local_mirror.requests) == 4, "a verified cache must not be downloaded again"


@pytest.mark.parametrize("bad_mode", ["corrupt", "short", "missing", "refused", "badlength"])
def test_failing_mirror_then_good_one(
    tmp_path: Path, local_mirror, tiny_dataset, directory_listing, bad_mode
) -> None:
    _serve(local_mirror, tiny_dataset)
    bad = local_mirror.refused if bad_mode == "refused" else local_mirror.url(bad_mode)
    spec = tiny_dataset.spec(mirrors=(bad, local_mirror.url("good")))
    load_idx_dataset(spec, data_dir=tmp_path / "c")
    _assert_complete_cache(tmp_path / "c", tiny_dataset, directory_listing)
    good_requests = [r for r in local_mirror.requests if r.startswith("/good/")]
    assert sorted(good_requests) == sorted(f"/good/{name}" for name in tiny_dataset.blobs)
    if bad_mode != "refused":
        assert local_mirror.requests[0] == f"/{bad_mode}/{tiny_dataset.names['train_images']}"


def test_all_mirrors_fail(tmp_path: Path, local_mirror, tiny_dataset, directory_listing) -> None:
    _serve(local_mirror, tiny_dataset)
    modes = ("corrupt", "short", "missing")
    spec = tiny_dataset.spec(mirrors=(*(local_mirror.url(m) for m in modes), local_mirror.refused))
    cache = tmp_path / "c"
    with pytest.raises(DatasetUnavailableError) as caught:
        load_idx_dataset(spec, data_dir=cache)
    message = str(caught.value)
    assert isinstance(caught.value, RuntimeError)
    assert "Tiny is not available: 4 file(s) missing from" in message
    assert str(cache) in message
    for name in tiny_dataset.blobs:
        assert name in message
    lines = message.splitlines()
    corrupt_line = (
        f"  {local_mirror.url('corrupt')} - checksum mismatch for 4 files, e.g. train-images-idx3-ubyte.gz: "
    )
    assert any(line.startswith(corrupt_line + "checksum mismatch (md5 ") for line in lines)
    assert any(
        line.startswith(f"  {local_mirror.url('short')} - transfer cut short for 4 files") for line in lines
    )
    assert f"  {local_mirror.url('missing')} - HTTP 404 Not Found" in lines
    assert f"  {local_mirror.refused} - connection refused" in lines
    assert "load_builtin_digits()" in message and "--dataset builtin" in message
    assert not cache.exists(), "a cache directory created for nothing is removed again"
    assert caught.value.missing == tuple(tiny_dataset.blobs)


def test_corrupt_cached_file_is_fetched_again(
    tmp_path: Path, local_mirror, tiny_dataset, directory_listing
) -> None:
    _serve(local_mirror, tiny_dataset)
    cache = tiny_dataset.write(tmp_path / "c")
    damaged = cache / tiny_dataset.names["test_images"]
    blob = bytearray(damaged.read_bytes())
    blob[len(blob) // 2] ^= 0x55
    damaged.write_bytes(bytes(blob))
    spec = tiny_dataset.spec(mirrors=(local_mirror.url("good"),))
    (_, _), (x_test, _) = load_idx_dataset(spec, normalize=False, flatten=False, data_dir=cache)
    assert local_mirror.requests == [f"/good/{damaged.name}"]
    kept = cache / (damaged.name + ".rejected")      # never deleted: it may be the user's own file
    assert kept.read_bytes() == bytes(blob)
    kept.unlink()
    _assert_complete_cache(cache, tiny_dataset, directory_listing)
    assert np.array_equal(x_test[:, 0], tiny_dataset.arrays["test_images"])


def test_corrupt_cached_file_without_download(tmp_path: Path, local_mirror, tiny_dataset) -> None:
    cache = tiny_dataset.write(tmp_path / "c")
    damaged = cache / tiny_dataset.names["train_labels"]
    damaged.write_bytes(b"junk")
    spec = tiny_dataset.spec(mirrors=(local_mirror.url("good"),))
    with pytest.raises(DatasetUnavailableError) as caught:
        load_idx_dataset(spec, data_dir=cache, download=False)
    message = str(caught.value)
    assert f"1 file(s) missing or failing verification in {cache}: {damaged.name}" in message
    assert "is there but fails verification (size 4 bytes" in message
    assert f"it was left as it is. A good copy would be saved as {damaged.name}" in message
    assert "download=False" in message
    assert caught.value.short_reason == "could not be downloaded (downloading is turned off)"
    assert damaged.read_bytes() == b"junk"
    assert local_mirror.requests == []


def test_environment_variable_names_the_cache_root(
    tmp_path: Path, local_mirror, tiny_dataset, monkeypatch
) -> None:
    _serve(local_mirror, tiny_dataset)
    monkeypatch.setenv("ZEROPROP_DATA_DIR", str(tmp_path / "root"))
    load_idx_dataset(tiny_dataset.spec(mirrors=(local_mirror.url("good"),)))
    assert sorted(p.name for p in (tmp_path / "root" / "tiny").iterdir()) == sorted(tiny_dataset.blobs)
    explicit = tmp_path / "explicit"
    load_idx_dataset(tiny_dataset.spec(mirrors=(local_mirror.url("good"),)), data_dir=explicit)
    assert sorted(p.name for p in explicit.iterdir()) == sorted(tiny_dataset.blobs)


def test_malformed_content_length_is_a_bad_response(tmp_path: Path, local_mirror, tiny_dataset) -> None:
    _serve(local_mirror, tiny_dataset)
    name = tiny_dataset.names["test_labels"]
    remote = tiny_dataset.spec().test_labels
    with pytest.raises(DownloadError) as caught:
        download_file(local_mirror.url("badlength") + name, remote, tmp_path / name)
    assert caught.value.reason == "bad HTTP response (Content-Length '\u00b2')"
    assert not caught.value.unreachable
    assert list(tmp_path.iterdir()) == []


def _damage_all(cache: Path, tiny_dataset) -> dict[str, bytes]:
    """Flip a byte in each of the four cached files; their damaged bytes by name."""
    damaged = {}
    for name in tiny_dataset.blobs:
        blob = bytearray((cache / name).read_bytes())
        blob[len(blob) // 2] ^= 0x55
        (cache / name).write_bytes(bytes(blob))
        damaged[name] = bytes(blob)
    return damaged


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), KeyboardInterrupt()])
@pytest.mark.parametrize("good_before_error", [0, 1])
def test_set_aside_files_are_put_back_whatever_the_download_raises(
    tmp_path: Path, tiny_dataset, directory_listing, monkeypatch, error, good_before_error
) -> None:
    cache = tiny_dataset.write(tmp_path / "c")
    damaged = _damage_all(cache, tiny_dataset)
    calls: list[str] = []

    def fake_download(url: str, remote: RemoteFile, target: Path, **_: object) -> Path:
        calls.append(remote.name)
        if len(calls) > good_before_error:
            raise error
        target.write_bytes(tiny_dataset.blobs[remote.name])
        return target

    monkeypatch.setattr(datasets.dataset_files, "download_file", fake_download)
    spec = tiny_dataset.spec(mirrors=("http://mirror.invalid/",))
    with pytest.raises(type(error)):
        ensure_dataset_files(spec, cache)
    fetched = calls[:good_before_error]
    expected = sorted([*damaged, *(name + ".rejected" for name in fetched)])
    assert directory_listing(cache) == expected
    for name, blob in damaged.items():
        kept = cache / (name + ".rejected" if name in fetched else name)
        assert kept.read_bytes() == blob, f"{kept.name} is the user's file, untouched"
    for name in fetched:
        assert (cache / name).read_bytes() == tiny_dataset.blobs[name]
