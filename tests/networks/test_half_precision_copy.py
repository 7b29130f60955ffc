"""half_precision_copy: the book's chapter-8.3.4 network with its weights rounded to float16."""

from __future__ import annotations

import numpy as np
import pytest

from networks import SampleNetwork, SimpleConvNet
from networks.book_weights import half_precision_copy


def trained_like(network, seed=1):
    """``network`` with weights that are not float16 values (the seed-0 copy is built from another seed)."""
    rng = np.random.default_rng(seed)
    for value in network.params.values():
        value[...] = rng.standard_normal(value.shape) * 0.1
    return network


@pytest.mark.parametrize(("arithmetic", "dtype"), [("float32", np.float32), ("float16", np.float16)])
def test_the_copy_holds_each_weight_rounded_to_float16(arithmetic, dtype):
    network = trained_like(SampleNetwork(seed=0, dtype=np.float64))
    before = {key: value.copy() for key, value in network.params.items()}
    copy = half_precision_copy(network, "sample", arithmetic)
    assert type(copy) is SampleNetwork and copy.dtype == dtype
    for key, value in network.params.items():
        assert copy.params[key].dtype == dtype and not np.shares_memory(copy.params[key], value)
        np.testing.assert_array_equal(copy.params[key], value.astype(np.float16).astype(dtype))
        normal = np.abs(value) >= np.finfo(np.float16).tiny  # 11 significant bits, from 6.1e-5 up
        assert np.all(np.abs(copy.params[key] - value)[normal] <= 2.0**-11 * np.abs(value)[normal])
        np.testing.assert_array_equal(value, before[key])  # the original is left as it was
    assert network.dtype == np.float64


def test_float16_weights_change_the_scores_little_and_float16_arithmetic_a_little_more():
    network = trained_like(SampleNetwork(seed=0))
    x = np.random.default_rng(2).random((20, 784), dtype=np.float32)
    exact = network.predict(x)
    weights_only = half_precision_copy(network, "sample").predict(x)
    all_half = half_precision_copy(network, "sample", "float16").predict(x.astype(np.float16))
    assert weights_only.dtype == np.float32 and all_half.dtype == np.float16
    scale = np.abs(exact).max()
    assert 0 < np.abs(weights_only - exact).max() < 1e-3 * scale
    assert np.abs(weights_only - exact).max() < np.abs(all_half - exact).max() < 1e-2 * scale


def test_a_convnet_is_copied_too():
    network = trained_like(SimpleConvNet(seed=0))
    copy = half_precision_copy(network, "simple")
    assert type(copy) is SimpleConvNet
    np.testing.assert_array_equal(copy.params["W1"], network.params["W1"].astype(np.float16).astype(np.float32))


def test_what_it_cannot_copy_is_refused():
    network = SampleNetwork(seed=0)
    with pytest.raises(ValueError, match="unknown network 'large'"):
        half_precision_copy(network, "large")
    with pytest.raises(ValueError, match="arithmetic must be one of"):
        half_precision_copy(network, "sample", "float64")
    with pytest.raises(ValueError, match="not those of the book's simple network"):
        half_precision_copy(network, "simple")
