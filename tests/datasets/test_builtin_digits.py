"""The built-in digits: contract, determinism, caching, balance, MNIST-like statistics, learnability."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from datasets import builtin_cache_path, generate_builtin_digits, load_builtin_digits
from datasets.builtin_digits import GENERATOR_VERSION, read_builtin_cache
from datasets.errors import BuiltinCacheError

SMALL = {"n_train": 300, "n_test": 100}
REPO_ROOT = Path(__file__).resolve().parents[2]


def test_contract_of_every_format(tmp_path: Path) -> None:
    (x, t), (x_test, t_test) = load_builtin_digits(**SMALL, data_dir=tmp_path)
    assert x.shape == (300, 784) and x.dtype == np.float32 and x_test.shape == (100, 784)
    assert t.shape == (300,) and t.dtype == np.uint8 and t_test.dtype == np.uint8
    assert x.min() == 0.0 and x.max() <= 1.0 and set(np.unique(t)) == set(range(10))
    (x_u8, t_u8), _ = load_builtin_digits(normalize=False, flatten=False, **SMALL, data_dir=tmp_path)
    assert x_u8.shape == (300, 1, 28, 28) and x_u8.dtype == np.uint8
    np.testing.assert_allclose(x, x_u8.reshape(300, 784) / 255.0, rtol=0, atol=1e-7)
    (_, t_hot), (_, t_test_hot) = load_builtin_digits(one_hot_label=True, **SMALL, data_dir=tmp_path)
    assert t_hot.shape == (300, 10) and t_hot.dtype == np.float32
    assert np.array_equal(t_hot.argmax(axis=1), t) and np.array_equal(t_hot.sum(axis=1), np.ones(300))
    assert np.array_equal(t_test_hot.argmax(axis=1), t_test)


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    first = generate_builtin_digits(200, 50, seed=7)
    second = load_builtin_digits(normalize=False, n_train=200, n_test=50, seed=7, data_dir=tmp_path / "a")
    (x, t), (x_test, t_test) = second
    assert x.reshape(200, 28, 28).tobytes() == first["x_train"].tobytes()
    assert t.tobytes() == first["t_train"].tobytes()
    assert x_test.reshape(50, 28, 28).tobytes() == first["x_test"].tobytes()
    assert t_test.tobytes() == first["t_test"].tobytes()
    other = generate_builtin_digits(200, 50, seed=8)
    assert not np.array_equal(other["x_train"], first["x_train"])
    assert not np.array_equal(other["x_test"], first["x_test"])


def test_test_split_does_not_depend_on_training_size() -> None:
    small = generate_builtin_digits(10, 40, seed=3)
    large = generate_builtin_digits(500, 40, seed=3)
    assert np.array_equal(small["x_test"], large["x_test"]) and np.array_equal(
        small["t_test"], large["t_test"]
    )


def test_second_load_reads_the_cache(tmp_path: Path) -> None:
    load_builtin_digits(**SMALL, seed=1, data_dir=tmp_path)
    path = builtin_cache_path(1, 300, 100, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    stand_in = {
        "x_train": np.full((300, 28, 28), 9, np.uint8),
        "t_train": np.zeros(300, np.uint8),
        "x_test": np.full((100, 28, 28), 4, np.uint8),
        "t_test": np.ones(100, np.uint8),
    }
    np.savez(path, **stand_in)
    (x, t), (x_test, _) = load_builtin_digits(normalize=False, **SMALL, seed=1, data_dir=tmp_path)
    assert (x == 9).all() and (t == 0).all() and (x_test == 4).all()


def test_unreadable_cache_is_regenerated(tmp_path: Path) -> None:
    expected = generate_builtin_digits(300, 100, seed=2)
    path = builtin_cache_path(2, 300, 100, tmp_path)
    path.write_bytes(b"not a zip archive")
    (x, _), _ = load_builtin_digits(normalize=False, flatten=False, **SMALL, seed=2, data_dir=tmp_path)
    assert np.array_equal(x[:, 0], expected["x_train"])
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    with np.load(path, allow_pickle=False) as stored:
        assert np.array_equal(stored["x_test"], expected["x_test"])


def test_cache_goes_under_the_environment_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZEROPROP_DATA_DIR", str(tmp_path))
    load_builtin_digits(n_train=20, n_test=10, seed=5)
    expected = f"digits-v{GENERATOR_VERSION}-seed5-train20-test10.npz"
    assert [p.name for p in (tmp_path / "builtin-digits").iterdir()] == [expected]


@pytest.mark.parametrize("bad", [{"n_train": -1}, {"seed": -3}, {"n_test": 2.5}, {"seed": True}])
def test_bad_arguments(tmp_path: Path, bad: dict) -> None:
    with pytest.raises(ValueError, match="must be a non-negative int"):
        load_builtin_digits(data_dir=tmp_path, **bad)


def test_default_set_is_balanced_and_mnist_like(builtin_root: Path) -> None:
    (x, t), (x_test, t_test) = load_builtin_digits(
        normalize=False, flatten=False, data_dir=builtin_root / "builtin-digits"
    )
    assert x.shape == (60000, 1, 28, 28) and x_test.shape == (10000, 1, 28, 28)
    assert np.bincount(t, minlength=10).tolist() == [6000] * 10
    assert np.bincount(t_test, minlength=10).tolist() == [1000] * 10
    images = x_test[:, 0].astype(np.float64) / 255
    assert 0.09 < images.mean() < 0.17  # MNIST: about 0.13
    assert (images.max(axis=(1, 2)) > 0.8).all(), "every image has full-strength ink"
    # Like MNIST: the centre of ink sits near the image centre and the ink inside the middle 20x20.
    mass = images.sum(axis=(1, 2))
    rows = (images.sum(axis=2) * np.arange(28)).sum(axis=1) / mass
    cols = (images.sum(axis=1) * np.arange(28)).sum(axis=1) / mass
    assert np.abs(rows - 13.5).max() < 2.0 and np.abs(cols - 13.5).max() < 2.0
    border = images.copy()
    border[:, 3:25, 3:25] = 0
    assert border.sum() / images.sum() < 0.01
    # Not a handful of repeated pictures: nearly all images differ.
    assert len({image.tobytes() for image in x_test[:2000, 0]}) == 2000


def test_a_cached_set_is_read_not_generated_again(builtin_root: Path, monkeypatch) -> None:
    """The second load reads the cache (a fraction of a second) instead of generating (seconds): checked
    by making generation fail, not by a clock."""
    import datasets.builtin_digits as builtin

    first = load_builtin_digits(data_dir=builtin_root / "builtin-digits")

    def no_generation(*args: object) -> None:
        raise AssertionError("generated again although the cache was there")

    monkeypatch.setattr(builtin, "generate_builtin_digits", no_generation)
    again = load_builtin_digits(data_dir=builtin_root / "builtin-digits")
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])


# Runs in a child process with single-threaded BLAS: on a busy machine, BLAS threads fighting over
# the cores for these small matrix products can make training many times slower.
_TRAINING = """
import json, sys
import numpy as np
from datasets import load_builtin_digits
from networks import TwoLayerNet
from optimizers import SGD

(x, t), (x_test, t_test) = load_builtin_digits(data_dir=sys.argv[1])
net = TwoLayerNet(784, 50, 10, weight_init_std=0.01, seed=0)
optimizer = SGD(lr=0.1)
order = np.random.default_rng(0)
accuracy = {}
for epoch in range(1, 11):
    permutation = order.permutation(len(x))
    for start in range(0, len(x), 100):
        batch = permutation[start : start + 100]
        optimizer.update(net.params, net.gradient(x[batch], t[batch]))
    if epoch in (1, 10):
        accuracy[epoch] = float(net.accuracy(x_test, t_test))
print(json.dumps(accuracy))
"""


def test_two_layer_net_learns_but_does_not_saturate(builtin_root: Path) -> None:
    """784-50-10 ReLU net, SGD lr 0.1, batch 100, default set: < 100% after 1 epoch, >= 85% after 10."""
    pytest.importorskip("networks")
    pytest.importorskip("optimizers")
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-c", _TRAINING, str(builtin_root / "builtin-digits")],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    accuracy = {int(k): v for k, v in json.loads(result.stdout.strip().splitlines()[-1]).items()}
    print(f"test accuracy after 1 epoch {accuracy[1]:.4f}, after 10 epochs {accuracy[10]:.4f}")
    assert accuracy[1] < 1.0
    assert accuracy[10] >= 0.85
    assert accuracy[10] > accuracy[1]


@pytest.mark.parametrize("label", [10, 200])   # 10: the first label past the ten classes
@pytest.mark.parametrize("key", ["t_train", "t_test"])
def test_cache_with_labels_out_of_range_is_refused_and_regenerated(tmp_path: Path, key: str, label: int) -> None:
    expected = generate_builtin_digits(300, 100, seed=4)
    path = builtin_cache_path(4, 300, 100, tmp_path)
    bad = {**expected, key: expected[key].copy()}
    bad[key][0] = label
    np.savez(path, **bad)
    with pytest.raises(BuiltinCacheError, match=rf"{re.escape(str(path))}: {key} holds labels up to {label}, "
                                                r"expected labels in \[0, 10\)"):
        read_builtin_cache(path, 300, 100)
    (_, t), (_, t_test) = load_builtin_digits(one_hot_label=True, **SMALL, seed=4, data_dir=tmp_path)
    assert np.array_equal(t.argmax(axis=1), expected["t_train"])
    assert np.array_equal(t_test.argmax(axis=1), expected["t_test"])
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    with np.load(path, allow_pickle=False) as stored:
        assert np.array_equal(stored[key], expected[key]), "the bad cache is replaced"


def test_a_cache_folder_whose_name_is_too_long_is_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A data folder the file system refuses to look at (a name too long) only costs the cache: the digits
    are generated, with a warning, not a traceback."""
    expected = generate_builtin_digits(20, 10, seed=3)
    (x, t), _ = load_builtin_digits(normalize=False, flatten=False, n_train=20, n_test=10, seed=3,
                                    data_dir=tmp_path / ("a" * 300))
    assert np.array_equal(x[:, 0], expected["x_train"]) and np.array_equal(t, expected["t_train"])
    assert "File name too long" in caplog.text
