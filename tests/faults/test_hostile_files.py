"""Corrupt and hostile files given to the loaders: weights (load_params), checkpoints, the built-in digits cache.

Every failure must be a ValueError (CheckpointError for checkpoints) naming the file, and must leave
the network exactly as it was; nothing may be read before the archive's directory was checked.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
import tracemalloc
import zipfile
import zlib

import numpy as np
import pytest

from datasets import load_builtin_digits
from datasets.builtin_digits import builtin_cache_path, generate_builtin_digits
from fileio import ArchiveError, read_npz, read_npz_directory
from networks import TwoLayerNet
from training import CheckpointError, Trainer, load_checkpoint


def net() -> TwoLayerNet:
    return TwoLayerNet(6, 4, 3, seed=0)


def snapshot(network) -> dict[str, np.ndarray]:
    return {key: value.copy() for key, value in network.params.items()}


def assert_unchanged(network, before) -> None:
    for key, value in before.items():
        assert np.array_equal(network.params[key], value), f"{key} was changed by a refused file"


def weights_with(tmp_path, name: str, **replace) -> str:
    """A weights file for ``net()`` in which some keys are replaced (a replaced key comes last)."""
    params = {key: value + 1.0 for key, value in net().params.items()}
    for key in replace:
        params.pop(key, None)
    path = tmp_path / name
    np.savez(path, **params, **replace)
    return str(path)


@pytest.mark.parametrize(("key", "bad"), [
    ("W2", np.array([["a"] * 3] * 4)),
    ("b2", np.ones(3, np.complex128)),
    ("b2", np.ones(3, np.int64)),
    ("b2", np.ones(3, bool)),
    ("b2", np.zeros(3, dtype=[("a", "f4")])),
], ids=["str", "complex", "int", "bool", "record"])
def test_wrong_dtypes_are_refused_before_anything_changes(tmp_path, key, bad):
    """The bad key is the archive's last, so a loader copying key by key would have changed W1, b1 first."""
    network = net()
    before = snapshot(network)
    path = weights_with(tmp_path, "w.npz", **{key: bad})
    with pytest.raises(ValueError, match=rf"{re.escape(path)}.*{key!r}.*expected real floating point") as info:
        network.load_params(path)
    assert str(bad.dtype) in str(info.value)
    assert_unchanged(network, before)


def test_object_arrays_are_refused_without_unpickling(tmp_path):
    network = net()
    before = snapshot(network)
    path = tmp_path / "pickled.npz"
    params = dict(network.params)
    params["b2"] = np.array([print, 1, 2], dtype=object)          # would need pickle to load
    np.savez(path, **params)
    with pytest.raises(ValueError, match="object array"):
        network.load_params(path)
    assert_unchanged(network, before)


def test_an_npy_renamed_npz_and_other_non_archives(tmp_path):
    network = net()
    before = snapshot(network)
    np.save(tmp_path / "w.npy", np.ones(3))
    (tmp_path / "w.npy").rename(tmp_path / "renamed.npz")
    (tmp_path / "empty.npz").write_bytes(b"")
    (tmp_path / "text.npz").write_text("W1,b1\n1,2\n")
    (tmp_path / "folder.npz").mkdir()
    with zipfile.ZipFile(tmp_path / "notnpy.npz", "w") as archive:
        archive.writestr("W1.txt", "hello")
    with zipfile.ZipFile(tmp_path / "badheader.npz", "w") as archive:
        archive.writestr("W1.npy", b"\x93NUMPY\x01\x00\x10\x00{'descr': nonsense")
    for name in ("renamed", "empty", "text", "folder", "notnpy", "badheader"):
        path = tmp_path / f"{name}.npz"
        with pytest.raises(ValueError, match=str(path)):
            network.load_params(path)
    with pytest.raises(FileNotFoundError):
        network.load_params(tmp_path / "absent.npz")
    assert_unchanged(network, before)


@pytest.fixture(scope="module")
def saved_weights(tmp_path_factory) -> tuple[bytes, dict[str, np.ndarray]]:
    path = tmp_path_factory.mktemp("w") / "w.npz"
    source = TwoLayerNet(6, 4, 3, seed=7)
    source.save_params(path)
    return path.read_bytes(), snapshot(source)


def test_every_truncation_fails_cleanly(tmp_path, saved_weights):
    data, _ = saved_weights
    network = net()
    before = snapshot(network)
    path = tmp_path / "cut.npz"
    for length in sorted(set(np.linspace(0, len(data) - 1, 60).astype(int))):
        path.write_bytes(data[:length])
        with pytest.raises(ValueError, match="cut.npz"):
            network.load_params(path)
    assert_unchanged(network, before)


def test_random_byte_flips_fail_cleanly_or_change_nothing(tmp_path, saved_weights):
    """A flip either is refused with ValueError or falls where it changes no value (a timestamp, say):
    never another exception type, never silently different weights."""
    data, expected = saved_weights
    rng = np.random.default_rng(0)
    path = tmp_path / "flipped.npz"
    refused = 0
    for _ in range(300):
        flipped = bytearray(data)
        flipped[int(rng.integers(len(data)))] ^= int(rng.integers(1, 256))
        path.write_bytes(bytes(flipped))
        network = net()
        before = snapshot(network)
        try:
            network.load_params(path)
        except ValueError:
            refused += 1
            assert_unchanged(network, before)
            continue
        for key, value in expected.items():
            assert np.array_equal(network.params[key], value), "a corrupted file loaded different weights"
    assert refused > 200


def zero_array_archive(path, key: str, shape: tuple[int, ...], extra: dict[str, np.ndarray] | None = None) -> None:
    """A deflated .npz whose member ``key`` is a float64 zero array of ``shape``, written in chunks (the
    array itself never exists in memory): a small file declaring a big array."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": shape})
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, value in (extra or {}).items():
            with archive.open(f"{name}.npy", "w") as member:
                np.lib.format.write_array(member, value)
        with archive.open(f"{key}.npy", "w", force_zip64=True) as member:
            member.write(header.getvalue())
            chunk = bytes(1 << 22)
            left = int(np.prod(shape)) * 8
            while left:
                member.write(chunk[:min(left, len(chunk))])
                left -= min(left, len(chunk))


@pytest.fixture(scope="module")
def huge_archive(tmp_path_factory):
    """64 MiB of declared float64 zeros in a file of about 64 KB, beside the right weights."""
    path = tmp_path_factory.mktemp("huge") / "huge.npz"
    zero_array_archive(path, "extra", (1 << 23,), extra=dict(net().params))
    return path


def peak_while(action) -> int:
    tracemalloc.start()
    try:
        with contextlib.suppress(ValueError):
            action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_small_file_declaring_a_huge_extra_array_is_refused_unread(huge_archive):
    assert huge_archive.stat().st_size < 2_000_000
    network = net()
    with pytest.raises(ValueError, match=r"unexpected keys \['extra'\]"):
        network.load_params(huge_archive)
    assert peak_while(lambda: network.load_params(huge_archive)) < 4 << 20


def test_a_huge_array_in_place_of_a_parameter_is_refused_unread(tmp_path):
    path = tmp_path / "big_w1.npz"
    params = dict(net().params)
    params.pop("W1")
    zero_array_archive(path, "W1", (1 << 13, 1 << 10), extra=params)   # 64 MiB declared
    network = net()
    with pytest.raises(ValueError, match=r"'W1' has shape \(8192, 1024\), expected \(6, 4\)"):
        network.load_params(path)
    assert peak_while(lambda: network.load_params(path)) < 4 << 20


def test_a_directory_that_lies_about_sizes_is_refused(tmp_path, saved_weights):
    """The zip directory's uncompressed size of a member is made to disagree with its .npy header."""
    data, _ = saved_weights
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("W1.npy")
    central = data.index(b"PK\x01\x02")                   # the first central directory record: W1
    lying = bytearray(data)
    lying[central + 24:central + 28] = (info.file_size + 8).to_bytes(4, "little")
    path = tmp_path / "lying.npz"
    path.write_bytes(bytes(lying))
    with pytest.raises(ValueError, match=r"lying.npz.*'W1' declares float32\[6, 4\] \(96 bytes\)"):
        net().load_params(path)


def _zip_refused_before_parsing(monkeypatch, path, match):
    """read_npz must refuse ``path`` from its end records alone: zipfile never gets to parse it."""
    def no_parsing(*args, **kwargs):
        raise AssertionError("zipfile parsed an archive whose end record should have been refused")

    monkeypatch.setattr(zipfile, "ZipFile", no_parsing)
    with pytest.raises(ArchiveError, match=match):
        read_npz(path)


def test_an_archive_declaring_millions_of_members_is_refused_before_its_directory_is_parsed(
        tmp_path, saved_weights, monkeypatch):
    """zipfile turns every central directory entry into an object when it opens an archive; a file
    whose zip64 end record claims ten million members is refused from that record alone."""
    data, _ = saved_weights
    end = data.rindex(b"PK\x05\x06")
    directory_size = int.from_bytes(data[end + 12:end + 16], "little")
    directory_offset = int.from_bytes(data[end + 16:end + 20], "little")
    record = (b"PK\x06\x06" + (44).to_bytes(8, "little") + (45).to_bytes(2, "little") * 2 + bytes(8)
              + (10**7).to_bytes(8, "little") * 2 + directory_size.to_bytes(8, "little")
              + directory_offset.to_bytes(8, "little"))
    locator = b"PK\x06\x07" + bytes(4) + end.to_bytes(8, "little") + (1).to_bytes(4, "little")
    end_record = bytearray(data[end:])
    end_record[8:12] = b"\xff\xff\xff\xff"   # member counts: see the zip64 record
    path = tmp_path / "many.npz"
    path.write_bytes(data[:end] + record + locator + bytes(end_record))
    _zip_refused_before_parsing(monkeypatch, path, r"many.npz.*declares 10000000 members, more than the 100000")


def test_an_archive_declaring_a_huge_directory_is_refused_before_it_is_parsed(tmp_path, saved_weights, monkeypatch):
    data, _ = saved_weights
    end = data.rindex(b"PK\x05\x06")
    forged = bytearray(data)
    forged[end + 12:end + 16] = (1 << 30).to_bytes(4, "little")
    path = tmp_path / "wide.npz"
    path.write_bytes(bytes(forged))
    _zip_refused_before_parsing(monkeypatch, path, r"wide.npz.*declares a directory of 1073741824 bytes")


def test_the_end_record_check_accepts_every_archive_numpy_writes(tmp_path):
    for save in (np.savez, np.savez_compressed):
        path = tmp_path / f"{save.__name__}.npz"
        save(path, **{f"k{i}": np.full(i + 1, i, np.float32) for i in range(300)})
        assert len(read_npz(path)) == 300


def test_read_npz_reports_what_it_declares(tmp_path):
    path = tmp_path / "a.npz"
    np.savez_compressed(path, a=np.zeros((2, 3), np.float32), b=np.arange(4))
    directory = read_npz_directory(path)
    assert {k: (v.shape, str(v.dtype), v.nbytes, v.compressed) for k, v in directory.items()} == {
        "a": ((2, 3), "float32", 24, True), "b": ((4,), "int64", 32, True)}
    arrays = read_npz(path)
    assert arrays["a"].dtype == np.float32 and np.array_equal(arrays["b"], np.arange(4))
    fortran = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    np.savez(tmp_path / "f.npz", f=fortran)
    assert np.array_equal(read_npz(tmp_path / "f.npz")["f"], fortran)
    with pytest.raises(ArchiveError):
        read_npz(tmp_path / "a.npz", check=lambda d: (_ for _ in ()).throw(ArchiveError("refused")))


# -- checkpoints -------------------------------------------------------------------------------------------
@pytest.fixture
def checkpoint(tmp_path, blobs_data):
    x, t = blobs_data
    trainer = Trainer(TwoLayerNet(8, 6, 3, seed=1), x, t, x, t, epochs=None, max_iterations=7,
                      mini_batch_size=10, optimizer="adam", checkpoint_dir=tmp_path / "run", verbose=False,
                      progress=False)
    trainer.train()
    return tmp_path / "run" / "latest.npz"


@pytest.fixture
def blobs_data():
    rng = np.random.default_rng(0)
    t = rng.integers(0, 3, 40)
    x = (3 * rng.standard_normal((3, 8))[t] + rng.standard_normal((40, 8))).astype(np.float32)
    return x, t


def rewrite(path, out, *, meta=None, replace=None, drop=(), compress=False):
    """A copy of checkpoint ``path`` with its metadata edited by ``meta(dict)`` or arrays replaced."""
    with np.load(path, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    if meta is not None:
        tree = json.loads(str(arrays["meta"][()]))
        edited = meta(tree)
        arrays["meta"] = np.array(edited if isinstance(edited, str) else json.dumps(tree if edited is None
                                                                                    else edited))
    arrays.update(replace or {})
    for key in drop:
        arrays.pop(key)
    (np.savez_compressed if compress else np.savez)(out, **arrays)
    return out


def _set(path: str, value):
    keys = path.split(".")

    def edit(tree):
        node = tree
        for key in keys[:-1]:
            node = node[key]
        if value is KeyError:
            del node[keys[-1]]
        else:
            node[keys[-1]] = value

    return edit


METADATA_FAULTS = [
    ("position.epoch", "x", "position.epoch"),
    ("position.iteration", -1, "position.iteration"),
    ("position.batch_in_epoch", KeyError, "position.batch_in_epoch"),
    ("position", [1, 2], "'position' must be dict"),
    ("params", "W1", "'params' must be list"),
    ("history", KeyError, "'history'"),
    ("config.mini_batch_size", "10", "config.mini_batch_size"),
    ("config.seed", KeyError, "config.seed"),
    ("config.optimizer_param", None, "config.optimizer_param"),
    ("config.schedule", {"name": "nonsense"}, "schedule"),
    ("optimizer.state", {"W1": {"__array__": 5}}, "optimizer.state.W1"),
    ("network", {"Dropout": {"__array__": "meta"}}, "network.Dropout"),
    ("version", 99, "version 99"),
    ("format", None, "format"),
]


@pytest.mark.parametrize(("where", "value", "named"), METADATA_FAULTS, ids=[f[0] + "=" + repr(f[1])[:12]
                                                                          for f in METADATA_FAULTS])
def test_hand_edited_metadata_is_named(tmp_path, checkpoint, blobs_data, where, value, named):
    bad = rewrite(checkpoint, tmp_path / "edited.npz", meta=_set(where, value))
    x, t = blobs_data
    network = TwoLayerNet(8, 6, 3, seed=5)
    before = snapshot(network)
    with pytest.raises(CheckpointError, match="edited.npz") as info:
        Trainer.from_checkpoint(bad, network, x, t, x, t, verbose=False, progress=False)
    assert named in str(info.value)
    assert_unchanged(network, before)


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, '{"a":' * 50 + "1" + "}" * 50, "[]", '"x"',
                                  "{not json", "\udcff"])
def test_hostile_json_is_a_checkpoint_error(tmp_path, checkpoint, text):
    bad = rewrite(checkpoint, tmp_path / "json.npz", meta=lambda tree: text)
    with pytest.raises(CheckpointError, match="json.npz"):
        load_checkpoint(bad)


def test_deep_nesting_inside_valid_metadata_is_bounded(tmp_path, checkpoint):
    deep: dict = {}
    node = deep
    for _ in range(500):
        node["a"] = {}
        node = node["a"]
    bad = rewrite(checkpoint, tmp_path / "deep.npz", meta=_set("network", deep))
    with pytest.raises(CheckpointError, match="nested deeper"):
        load_checkpoint(bad)


@pytest.mark.parametrize(("key", "value", "named"), [
    ("params/W1", np.ones((8, 6), np.complex64), "complex64"),
    ("params/b1", np.array(["a"] * 6), "<U1"),
    ("optimizer/state/W1/m", np.ones((8, 6), np.complex128), "complex128"),
    ("position/permutation", np.linspace(0, 1, 40), "float64"),
    ("meta", np.array([1, 2, 3]), "'meta'"),
    ("surprise", np.zeros(3), "unexpected key 'surprise'"),
    ("params/W9", np.zeros(3, np.float32), "unexpected parameters ['W9']"),
])
def test_bad_arrays_in_a_checkpoint_are_named(tmp_path, checkpoint, blobs_data, key, value, named):
    bad = rewrite(checkpoint, tmp_path / "arrays.npz", replace={key: value})
    x, t = blobs_data
    network = TwoLayerNet(8, 6, 3, seed=5)
    trainer = Trainer(network, x, t, x, t, epochs=None, max_iterations=20, mini_batch_size=10, optimizer="adam",
                      verbose=False, progress=False)
    before = snapshot(network)
    with pytest.raises(CheckpointError, match="arrays.npz") as info:
        trainer.resume(bad)
    assert named in str(info.value)
    assert_unchanged(network, before)
    assert trainer.current_iter == 0


def test_a_compressed_checkpoint_declaring_a_huge_array_is_refused_unread(tmp_path, checkpoint):
    bad = rewrite(checkpoint, tmp_path / "zipped.npz", compress=True)
    with pytest.raises(CheckpointError, match="compressed"):
        load_checkpoint(bad)
    with np.load(checkpoint, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files if key != "optimizer/state/W1/v"}
    zero_array_archive(tmp_path / "bomb.npz", "optimizer/state/W1/v", (1 << 23,), extra=arrays)
    assert peak_while(lambda: load_checkpoint(tmp_path / "bomb.npz")) < 4 << 20


def test_missing_array_referenced_by_metadata(tmp_path, checkpoint):
    bad = rewrite(checkpoint, tmp_path / "hole.npz", drop=["optimizer/state/W1/m"])
    with pytest.raises(CheckpointError, match="optimizer/state/W1/m"):
        load_checkpoint(bad)


def test_checkpoint_byte_flips_and_truncations(tmp_path, checkpoint):
    data = checkpoint.read_bytes()
    rng = np.random.default_rng(1)
    path = tmp_path / "damaged.npz"
    for i in range(150):
        damaged = bytearray(data[: int(rng.integers(len(data)))] if i % 5 == 0 else data)
        if i % 5:
            damaged[int(rng.integers(len(damaged)))] ^= int(rng.integers(1, 256))
        path.write_bytes(bytes(damaged))
        try:
            loaded = load_checkpoint(path)
        except CheckpointError:
            continue
        reference = load_checkpoint(checkpoint)   # a harmless flip (a timestamp): the same content
        assert loaded.iteration == reference.iteration
        for key in reference.params:
            assert np.array_equal(loaded.params[key], reference.params[key])


# -- the built-in digits cache -----------------------------------------------------------------------------
@pytest.mark.parametrize("damage", ["truncated", "flipped", "renamed_npy", "wrong_keys", "complex", "empty",
                                    "huge"])
def test_a_corrupt_builtin_cache_is_regenerated_with_a_notice(tmp_path, caplog, damage):
    n_train, n_test = 12, 6
    path = builtin_cache_path(0, n_train, n_test, tmp_path)
    load_builtin_digits(normalize=False, n_train=n_train, n_test=n_test, data_dir=tmp_path)
    good = path.read_bytes()
    expected = generate_builtin_digits(n_train, n_test, 0)
    if damage == "truncated":
        path.write_bytes(good[: len(good) // 2])
    elif damage == "flipped":
        flipped = bytearray(good)
        flipped[len(good) // 2] ^= 0xFF
        path.write_bytes(bytes(flipped))
    elif damage == "renamed_npy":
        np.save(path.with_suffix(".npy"), expected["x_train"])
        path.with_suffix(".npy").replace(path)
    elif damage == "wrong_keys":
        np.savez(path, x_train=expected["x_train"])
    elif damage == "complex":
        np.savez(path, **{**expected, "t_test": expected["t_test"].astype(np.complex64)})
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "huge":
        zero_array_archive(path, "x_train", (1 << 10, 28, 28))   # 6 MB declared, of the wrong dtype and shape
    with caplog.at_level(logging.WARNING, logger="datasets.builtin_digits"):
        (x_train, t_train), (x_test, t_test) = load_builtin_digits(
            normalize=False, flatten=False, n_train=n_train, n_test=n_test, data_dir=tmp_path)
    assert "generating it again" in caplog.text and str(path) in caplog.text
    assert np.array_equal(x_train[:, 0], expected["x_train"]) and np.array_equal(t_test, expected["t_test"])
    assert path.read_bytes() == good or np.array_equal(read_npz(path)["x_train"], expected["x_train"])


def test_zlib_errors_are_archive_errors(tmp_path):
    """A deflated member whose compressed stream is garbage: zlib's error becomes ArchiveError."""
    path = tmp_path / "z.npz"
    np.savez_compressed(path, a=np.arange(1000.0))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("a.npy")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + 40:start + 60] = zlib.compress(b"x")[:20]
    path.write_bytes(bytes(data))
    with pytest.raises(ArchiveError, match="z.npz"):
        read_npz(path)
