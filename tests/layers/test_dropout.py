"""Dropout: seeded masks, the drop rate, inverted scaling, inference identity, freezing, gradients."""

from __future__ import annotations

import numpy as np
import pytest

from layers import Dropout, LayerStateError, freeze, gradient_check


def test_same_seed_same_masks_different_seed_different_masks():
    x = np.ones((20, 30))
    a, b, c = Dropout(0.5, seed=3), Dropout(0.5, seed=3), Dropout(0.5, seed=4)
    for _ in range(3):  # the whole sequence of masks repeats, not just the first
        out_a, out_b, out_c = a.forward(x), b.forward(x), c.forward(x)
        np.testing.assert_array_equal(out_a, out_b)
        assert not np.array_equal(out_a, out_c)
    rng = np.random.default_rng(3)
    np.testing.assert_array_equal(Dropout(0.5, rng=rng).forward(x), Dropout(0.5, seed=3).forward(x))


def test_consecutive_training_passes_draw_new_masks():
    layer = Dropout(0.5, seed=0)
    x = np.ones((10, 10))
    assert not np.array_equal(layer.forward(x), layer.forward(x))


@pytest.mark.parametrize("ratio", [0.1, 0.3, 0.5, 0.8])
def test_fraction_dropped_is_the_ratio(ratio):
    n = 200_000
    out = Dropout(ratio, seed=1).forward(np.ones(n, dtype=np.float32))
    dropped = np.count_nonzero(out == 0) / n
    sigma = np.sqrt(ratio * (1 - ratio) / n)  # binomial standard deviation of the fraction
    assert abs(dropped - ratio) < 5 * sigma


@pytest.mark.parametrize("ratio", [0.2, 0.5, 0.75])
def test_inverted_scaling_keeps_the_mean_and_kept_units_are_scaled(ratio):
    rng = np.random.default_rng(2)
    x = rng.uniform(0.5, 1.5, size=(400, 500))
    out = Dropout(ratio, seed=5).forward(x)
    kept = out != 0
    np.testing.assert_allclose(out[kept], x[kept] / (1 - ratio), rtol=1e-15)
    # E[out] = x; the sample mean of out - x has std sqrt(E[x^2] ratio / (1 - ratio) / n)
    sigma = np.sqrt(np.mean(x**2) * ratio / (1 - ratio) / x.size)
    assert abs(np.mean(out - x)) < 5 * sigma


def test_inference_is_the_identity_forward_and_backward():
    x = np.random.default_rng(0).standard_normal((4, 6))
    layer = Dropout(0.5, seed=0)
    np.testing.assert_array_equal(layer.forward(x, train_flg=False), x)
    dout = np.random.default_rng(1).standard_normal((4, 6))
    np.testing.assert_array_equal(layer.backward(dout), dout)


def test_never_modifies_its_input_or_dout():
    rng = np.random.default_rng(0)
    x, dout = rng.standard_normal((8, 9)), rng.standard_normal((8, 9))
    x_kept, dout_kept = x.copy(), dout.copy()
    layer = Dropout(0.4, seed=0)
    layer.forward(x)
    layer.backward(dout)
    layer.forward(x, train_flg=False)
    layer.backward(dout)
    np.testing.assert_array_equal(x, x_kept)
    np.testing.assert_array_equal(dout, dout_kept)


def test_ratio_zero_is_the_identity_in_training():
    x = np.random.default_rng(0).standard_normal((3, 4))
    np.testing.assert_array_equal(Dropout(0.0, seed=0).forward(x), x)


def test_frozen_reuses_the_last_mask_and_draws_nothing():
    layer = Dropout(0.5, seed=9)
    x = np.random.default_rng(0).standard_normal((6, 7))
    first = layer.forward(x)
    mask = layer.mask.copy()
    rng_state = layer.rng.bit_generator.state
    with freeze(layer):
        assert layer.frozen
        np.testing.assert_array_equal(layer.forward(x), first)
        np.testing.assert_array_equal(layer.forward(2 * x), 2 * first)
    assert not layer.frozen
    np.testing.assert_array_equal(layer.mask, mask)
    assert layer.rng.bit_generator.state == rng_state
    assert not np.array_equal(layer.forward(x), first)  # unfrozen again: a new mask


def test_frozen_without_a_mask_of_that_shape_draws_one_and_keeps_it():
    layer = Dropout(0.5, seed=9)
    with freeze(layer):
        a = layer.forward(np.ones((5, 5)))
        b = layer.forward(np.ones((5, 5)))
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("ratio", [0.2, 0.5, 0.9])
@pytest.mark.parametrize("shape", [(4, 5), (3, 2, 4), (2, 3, 2, 2)])
def test_backward_matches_numerical_gradient_with_the_mask_fixed(shape, ratio):
    rng = np.random.default_rng(len(shape))
    x = rng.standard_normal(shape)
    dout = rng.standard_normal(shape)
    layer = Dropout(ratio, seed=11)
    out = layer.forward(x)
    dx = layer.backward(dout)
    np.testing.assert_array_equal(dx == 0, out == 0)  # gradient flows exactly through the kept units
    with freeze(layer):
        errors = gradient_check(lambda: float(np.sum(layer.forward(x) * dout)), {"x": x}, {"x": dx})
    assert errors["x"] < 1e-7, errors


def test_float32_stays_float32():
    x = np.ones((10, 10), dtype=np.float32)
    layer = Dropout(0.3, seed=0)
    assert layer.forward(x).dtype == np.float32
    assert layer.backward(x).dtype == np.float32


def test_errors():
    with pytest.raises(ValueError, match="Dropout: dropout_ratio"):
        Dropout(1.0)
    with pytest.raises(ValueError, match="Dropout: dropout_ratio"):
        Dropout(-0.1)
    with pytest.raises(ValueError, match="seed or rng"):
        Dropout(0.5, seed=1, rng=np.random.default_rng(1))
    with pytest.raises(LayerStateError, match="Dropout"):
        Dropout(0.5).backward(np.ones(3))
