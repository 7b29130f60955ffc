"""load_params converts every saved array to the network's dtype and checks the result before it copies
anything; save_params and load_params resolve a path without ``.npz`` to the same file."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from networks import MultiLayerNet, TwoLayerNet


def net() -> TwoLayerNet:
    return TwoLayerNet(6, 4, 3, seed=0)   # float32


def snapshot(network) -> dict[str, np.ndarray]:
    return {key: value.copy() for key, value in {**network.params, **network.buffers}.items()}


def assert_unchanged(network, before: dict[str, np.ndarray]) -> None:
    for key, value in {**network.params, **network.buffers}.items():
        assert np.array_equal(value, before[key]), f"{key} was changed by a refused file"


def float64_file(tmp_path, network, name: str, key: str, index: tuple[int, ...], value: float) -> str:
    """``network``'s values + 1 as float64, with ``key[index] = value``; ``key`` is written last, so a
    loader copying key by key would already have changed the others."""
    values = {k: v.astype(np.float64) + 1.0 for k, v in {**network.params, **network.buffers}.items()}
    bad = values.pop(key)
    bad[index] = value
    path = tmp_path / name
    np.savez(path, **values, **{key: bad})
    return str(path)


def test_a_finite_value_too_large_for_the_networks_dtype_is_refused_and_nothing_changes(tmp_path):
    network = net()
    before = snapshot(network)
    path = float64_file(tmp_path, network, "big.npz", "W2", (1, 2), 1e300)
    with pytest.raises(ValueError, match=rf"load_params: {re.escape(repr(path))} key 'W2' holds 1e\+300 at "
                                         r"index \(1, 2\).*does not fit float32") as info:
        network.load_params(path)
    assert "expected finite values" in str(info.value)
    assert_unchanged(network, before)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_nan_and_inf_in_the_file_are_refused_and_nothing_changes(tmp_path, value):
    network = net()
    before = snapshot(network)
    path = float64_file(tmp_path, network, "nonfinite.npz", "b2", (2,), value)
    with pytest.raises(ValueError, match=rf"{re.escape(repr(path))} key 'b2' holds {value} at index \(2,\) "
                                         r"\(1 of 3 values not finite\); expected finite values"):
        network.load_params(path)
    assert_unchanged(network, before)


def test_an_overflow_raising_errstate_gives_the_same_refusal_and_changes_nothing(tmp_path):
    """Under over='raise' the old copy loop raised FloatingPointError at W2 after writing W1, b1, b2."""
    network = net()
    before = snapshot(network)
    path = float64_file(tmp_path, network, "big.npz", "W2", (0, 0), -1e300)
    with np.errstate(all="raise"), pytest.raises(ValueError, match="key 'W2' holds -1e\\+300"):
        network.load_params(path)
    assert_unchanged(network, before)


def test_a_good_float64_file_loads_into_float32_under_a_strict_errstate(tmp_path):
    network = net()
    path = float64_file(tmp_path, network, "good.npz", "W1", (0, 0), 1e-300)   # underflows to 0: accepted
    with np.errstate(all="raise"):
        network.load_params(path)
    assert network.params["W1"][0, 0] == 0 and network.params["W1"].dtype == np.float32
    np.testing.assert_array_equal(network.params["b2"], (net().params["b2"].astype(np.float64) + 1).astype(np.float32))


def test_a_parameter_that_overflows_beside_a_good_buffer_leaves_the_buffers_as_they_were(tmp_path):
    network = MultiLayerNet(5, [4], 3, use_batchnorm=True, seed=0)
    before = snapshot(network)
    path = float64_file(tmp_path, network, "bn.npz", "gamma1", (0,), 1e39)
    with pytest.raises(ValueError, match="key 'gamma1' holds 1e\\+39 at index \\(0,\\).*does not fit float32"):
        network.load_params(path)
    assert_unchanged(network, before)


@pytest.mark.parametrize("as_text", [False, True])
def test_save_and_load_agree_on_a_path_without_npz(tmp_path, as_text):
    source = TwoLayerNet(6, 4, 3, seed=5)
    given = tmp_path / "wts"
    written = source.save_params(str(given) if as_text else given)
    assert written == tmp_path / "wts.npz" and written.is_file() and not given.exists()
    target = net()
    target.load_params(str(given) if as_text else given)
    for key, value in source.params.items():
        np.testing.assert_array_equal(target.params[key], value)


def test_load_params_names_the_resolved_file_when_it_is_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path / "absent.npz"))):
        net().load_params(tmp_path / "absent")


def test_the_books_pickle_is_refused_naming_the_converter(tmp_path):
    """The book's ``params.pkl`` exists, so "no file params.pkl.npz" would mislead: say what to do instead."""
    import pickle

    path = tmp_path / "params.pkl"
    path.write_bytes(pickle.dumps({"W1": np.zeros((6, 4))}))
    network = net()
    before = snapshot(network)
    with pytest.raises(ValueError, match=r"params\.pkl' is a pickle.*convert_book_weights"):
        network.load_params(path)
    assert_unchanged(network, before)


def test_a_weights_file_of_another_name_is_read_as_named(tmp_path):
    source = TwoLayerNet(6, 4, 3, seed=5)
    source.save_params(tmp_path / "weights").rename(tmp_path / "weights.bin")
    target = net()
    target.load_params(tmp_path / "weights.bin")
    for key, value in source.params.items():
        np.testing.assert_array_equal(target.params[key], value)
    with pytest.raises(FileNotFoundError, match=r"no weights file .*absent\.pkl\.npz.*nor .*absent\.pkl'"):
        target.load_params(tmp_path / "absent.pkl")


def test_the_books_default_file_name_as_npz(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = TwoLayerNet(6, 4, 3, seed=5)
    assert source.save_params() == Path("params.npz") and (tmp_path / "params.npz").is_file()
    target = net()
    target.load_params()
    for key, value in source.params.items():
        np.testing.assert_array_equal(target.params[key], value)


def test_the_npz_that_save_params_wrote_wins_over_a_file_of_the_given_name(tmp_path):
    """save_params("model") writes model.npz; a file named "model" beside it is not what load_params("model") means."""
    source = TwoLayerNet(6, 4, 3, seed=5)
    source.save_params(tmp_path / "model")
    (tmp_path / "model").write_text("notes about the model")
    target = net()
    target.load_params(tmp_path / "model")
    for key, value in source.params.items():
        np.testing.assert_array_equal(target.params[key], value)


def test_a_protocol_0_pickle_is_refused_by_its_name(tmp_path):
    import pickle

    path = tmp_path / "params.pkl"
    path.write_bytes(pickle.dumps({"W1": [0.0]}, protocol=0))
    with pytest.raises(ValueError, match="is a pickle"):
        net().load_params(path)


@pytest.mark.parametrize("name", ["params.npz", "params.bin"])
def test_a_pickle_under_another_name_is_refused_naming_the_converter(tmp_path, name):
    """Known by its first byte, not its name: a pickle saved as params.npz said "not a readable .npz file"."""
    import pickle

    path = tmp_path / name
    path.write_bytes(pickle.dumps({"W1": np.zeros((6, 4))}))
    with pytest.raises(ValueError, match=re.escape(name) + "' is a pickle.*convert_book_weights"):
        net().load_params(path)


def test_parameters_named_as_np_savez_arguments_are_saved_and_loaded(tmp_path):
    """np.savez(f, **params) took 'allow_pickle' as its own argument (the array was left out of the file) and
    'file' twice (a TypeError): every name is a key of the archive."""
    from layers import Affine
    from networks.base import Network

    def network(seed: int) -> Network:
        rng = np.random.default_rng(seed)
        net = Network()
        net.add_layer("A", Affine(rng.standard_normal((2, 3)).astype(np.float32), np.zeros(3, np.float32)),
                      W="allow_pickle", b="file")
        return net

    saved, loaded = network(0), network(1)
    loaded.load_params(saved.save_params(tmp_path / "w.npz"))
    for key in ("allow_pickle", "file"):
        np.testing.assert_array_equal(loaded.params[key], saved.params[key])
