"""The book's pretrained weights: the safe unpickler, the dropout folding, and the book's accuracies."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from networks import DeepConvNet, SimpleConvNet
from networks.book_weights import (
    ArrayUnpickler,
    UnsafePickleError,
    convert_book_params,
    load_book_network,
    load_book_params,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


def book_like_params(cls, seed=0) -> dict[str, np.ndarray]:
    """float64 arrays of the book's shapes, as its pickles hold them."""
    rng = np.random.default_rng(seed)
    return {k: rng.standard_normal(v.shape) for k, v in cls(seed=0).params.items()}


def write_pickle(path: Path, obj, protocol: int = 3) -> Path:
    path.write_bytes(pickle.dumps(obj, protocol=protocol))
    return path


class Exploit:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


class Custom:
    pass


# -- reading -------------------------------------------------------------------------------------

@pytest.mark.parametrize("protocol", [2, 3, 4])
def test_a_dict_of_arrays_is_read_back_exactly(tmp_path, protocol):
    params = book_like_params(SimpleConvNet)
    params["counts"] = np.arange(5, dtype=np.int32)
    loaded = load_book_params(write_pickle(tmp_path / "p.pkl", params, protocol))
    assert loaded.keys() == params.keys()
    for key, value in params.items():
        assert loaded[key].dtype == value.dtype
        np.testing.assert_array_equal(loaded[key], value)


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ({"W1": Exploit()}, "posix.system|os.system|nt.system"),
        (Custom(), "Custom"),
        ({"W1": np.array([1, "a"], dtype=object)}, "object dtype"),
        (np.ma.masked_array([1.0, 2.0]), "numpy.ma"),
    ],
)
def test_anything_but_numeric_arrays_is_refused(tmp_path, obj, message):
    path = write_pickle(tmp_path / "evil.pkl", obj)
    with pytest.raises(UnsafePickleError, match=message):
        load_book_params(path)


def test_containers_of_other_things_are_refused(tmp_path):
    with pytest.raises(UnsafePickleError, match="does not hold a dict of numeric arrays"):
        load_book_params(write_pickle(tmp_path / "list.pkl", [np.zeros(3)]))
    with pytest.raises(UnsafePickleError, match="does not hold a dict of numeric arrays"):
        load_book_params(write_pickle(tmp_path / "str.pkl", {"W1": "text"}))


def test_the_unpickler_is_a_pickle_unpickler():
    assert issubclass(ArrayUnpickler, pickle.Unpickler)
    assert issubclass(UnsafePickleError, pickle.UnpicklingError)


# -- converting ----------------------------------------------------------------------------------

def test_simple_convnet_parameters_are_copied_in_float32():
    book = book_like_params(SimpleConvNet)
    ours = convert_book_params(book, "simple")
    assert ours.keys() == book.keys()
    for key, value in book.items():
        assert ours[key].dtype == np.float32
        np.testing.assert_array_equal(ours[key], value.astype(np.float32))


def test_deep_convnet_folds_the_books_test_time_dropout_into_w8_and_b8():
    book = book_like_params(DeepConvNet)
    ours = convert_book_params(book, "deep", dtype=np.float64)
    np.testing.assert_array_equal(ours["W8"], 0.25 * book["W8"])
    np.testing.assert_array_equal(ours["b8"], 0.5 * book["b8"])
    for key in set(book) - {"W8", "b8"}:
        np.testing.assert_array_equal(ours[key], book[key])


def test_folded_weights_give_the_books_test_time_scores():
    """Our inverted-dropout net with folded weights against the book's computation written out directly."""
    book = book_like_params(DeepConvNet, seed=1)
    for key in book:
        book[key] *= 0.05 if key.startswith("W") else 0.01
    net = DeepConvNet(seed=0, dtype=np.float64)
    for key, value in convert_book_params(book, "deep", dtype=np.float64).items():
        net.params[key][...] = value
    x = np.random.default_rng(2).random((3, 1, 28, 28))
    scores = net.predict(x, train_flg=False)
    features = x
    for name, layer in net.layers.items():
        if name == "Affine1":
            break
        features = layer.forward(features)
    hidden = np.maximum(features.reshape(3, -1) @ book["W7"] + book["b7"], 0)
    book_scores = 0.5 * ((0.5 * hidden) @ book["W8"] + book["b8"])  # the book's Dropout at test time: x * 0.5
    np.testing.assert_allclose(scores, book_scores, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda p: p.pop("W3"), r"missing \['W3'\]"),
        (lambda p: p.__setitem__("W9", np.zeros(1)), r"unexpected \['W9'\]"),
        (lambda p: p.__setitem__("W2", np.zeros((4320, 99))), r"W2 has shape \(4320, 99\)"),
    ],
)
def test_parameters_of_another_shape_are_refused(mutate, message):
    params = book_like_params(SimpleConvNet)
    mutate(params)
    with pytest.raises(ValueError, match=message):
        convert_book_params(params, "simple")


def test_unknown_network_is_refused():
    with pytest.raises(ValueError, match="unknown network 'mlp'"):
        convert_book_params({}, "mlp")


# -- the script ----------------------------------------------------------------------------------

def run_script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "scripts/convert_book_weights.py", *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120)


def test_script_refuses_without_trust_pickle(tmp_path):
    source = write_pickle(tmp_path / "simple.pkl", book_like_params(SimpleConvNet))
    result = run_script("--network", "simple", str(source), str(tmp_path / "out.npz"))
    assert result.returncode != 0
    assert "can run code" in result.stderr and "--trust-pickle" in result.stderr
    assert not (tmp_path / "out.npz").exists()


def test_script_converts_to_an_npz_the_network_loads(tmp_path):
    book = book_like_params(DeepConvNet)
    source = write_pickle(tmp_path / "deep.pkl", book)
    target = tmp_path / "deep.npz"
    result = run_script("--network", "deep", "--trust-pickle", str(source), str(target))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"weights: {target}\n"                      # as the training scripts name theirs
    net = DeepConvNet(seed=5)
    net.load_params(target)
    np.testing.assert_allclose(net.params["W8"], 0.25 * book["W8"], rtol=1e-6)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_script_runs_as_a_module_with_help():
    result = subprocess.run([sys.executable, "-m", "scripts.convert_book_weights", "--help"], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "--trust-pickle" in result.stdout


# -- the real weights on the real test set ---------------------------------------------------------

@pytest.fixture(scope="module")
def mnist_test(mnist_dir):
    from datasets import load_mnist_split

    return load_mnist_split("test", mnist_dir, normalize=True, flatten=False)


@pytest.mark.parametrize(("network", "file", "correct"), [
    ("simple", "simple_convnet_params.pkl", 9890),
    ("deep", "deep_convnet_params.pkl", 9935),
])
def test_book_weights_reach_the_books_accuracy(book_weights_dir, mnist_test, network, file, correct):
    """98.90% and 99.35% of the 10,000 test images, as the weights' README states for the book's code."""
    x, t = mnist_test
    net = load_book_network(book_weights_dir / file, network)
    assert net.accuracy(x, t) * len(t) == pytest.approx(correct, abs=1e-6)


@pytest.mark.parametrize(("network", "file", "images"), [
    ("simple", "simple_convnet_params.pkl", 10_000),
    ("deep", "deep_convnet_params.pkl", 2_000),
])
def test_book_and_engine_builds_give_the_same_predictions(book_weights_dir, mnist_test, network, file, images):
    """The engine's fast layers and the book's layers, holding the book's weights, predict alike
    (DeepConvNet on the first 2,000 images: its book build is slow)."""
    x = mnist_test[0][:images]
    fast = load_book_network(book_weights_dir / file, network)
    book = load_book_network(book_weights_dir / file, network, fast=False)
    np.testing.assert_array_equal(fast.predict_labels(x), book.predict_labels(x))
    np.testing.assert_allclose(fast.predict(x[:100]), book.predict(x[:100]), rtol=1e-4, atol=1e-4)


def test_book_deep_weights_match_the_books_computation_in_torch(book_weights_dir, mnist_test):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    book = load_book_params(book_weights_dir / "deep_convnet_params.pkl")
    x = mnist_test[0][:200].astype(np.float64)
    p = {k: torch.from_numpy(v) for k, v in book.items()}
    h = torch.from_numpy(x)
    for i, pad in zip(range(1, 7), (1, 1, 1, 2, 1, 1), strict=True):
        h = F.relu(F.conv2d(h, p[f"W{i}"], p[f"b{i}"], padding=pad))
        if i % 2 == 0:
            h = F.max_pool2d(h, 2, 2)
    h = F.relu(h.flatten(1) @ p["W7"] + p["b7"]) * 0.5  # the book's Dropout1 at test time
    book_scores = ((h @ p["W8"] + p["b8"]) * 0.5).numpy()  # and its Dropout2
    ours = load_book_network(book_weights_dir / "deep_convnet_params.pkl", "deep", dtype=np.float64)
    np.testing.assert_allclose(ours.predict(x), book_scores, rtol=1e-9, atol=1e-9)


def test_a_pickle_frame_claiming_more_bytes_than_the_file_holds_is_refused_not_allocated(tmp_path):
    import struct

    from networks.book_weights import UnsafePickleError

    path = tmp_path / "huge_frame.pkl"
    path.write_bytes(b"\x80\x04\x95" + struct.pack("<Q", 2 ** 60) + b"}.")  # a protocol-4 frame of 2^60 bytes
    with pytest.raises(UnsafePickleError, match="huge_frame.pkl.*not a readable pickle"):
        load_book_params(path)


@pytest.mark.parametrize(("network", "file", "correct"), [
    ("simple", "ch07/params.pkl", 9600),
    ("deep", "ch08/deep_convnet_params.pkl", 9797),
])
def test_retrained_book_weights_reach_their_accuracy(book_code_dir, mnist_test, network, file, correct):
    """The files the book's repository ships since 2022 (retrained) give 96.00% and 97.97%, as the book's code
    does with them; the 2016 originals above give 98.90% and 99.35%."""
    x, t = mnist_test
    net = load_book_network(book_code_dir / file, network)
    assert net.accuracy(x, t) * len(t) == pytest.approx(correct, abs=1e-6)


def test_script_converts_the_sample_network(tmp_path):
    from networks import SampleNetwork

    book = book_like_params(SampleNetwork)
    source = write_pickle(tmp_path / "sample_weight.pkl", {k: v.astype(np.float32) for k, v in book.items()}, 2)
    target = tmp_path / "sample.npz"
    result = run_script("--network", "sample", "--trust-pickle", str(source), str(target))
    assert result.returncode == 0, result.stderr
    net = SampleNetwork(seed=5)
    net.load_params(target)
    for key, value in book.items():
        np.testing.assert_array_equal(net.params[key], value.astype(np.float32))
