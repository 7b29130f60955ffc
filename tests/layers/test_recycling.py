"""Layers reuse the memory of their large outputs only when nobody else holds it."""

import sys

import numpy as np
import pytest

from layers import Affine, Pooling, ReLU
from layers.recycling import SMALLEST_RECYCLED, Recycler

CPYTHON = sys.implementation.name == "cpython"
BIG = (4, 8, 40, 40)  # 51,200 float32 values: 200 KiB, so float64 and the conv-sized arrays below are recycled


def test_an_array_nobody_holds_is_handed_out_again():
    memory = Recycler()
    first = memory.empty((256, 256), np.float32)
    address = first.ctypes.data
    del first
    again = memory.empty((256, 256), np.float32)
    assert (again.ctypes.data == address) == CPYTHON


@pytest.mark.parametrize("holder", ["variable", "view", "slice", "container"])
def test_an_array_someone_holds_is_never_handed_out(holder):
    memory = Recycler()
    first = memory.empty((256, 256), np.float32)
    first[...] = 7
    kept = {"variable": lambda a: a, "view": lambda a: a.T, "slice": lambda a: a[3:5],
            "container": lambda a: [a]}[holder](first)
    del first
    second = memory.empty((256, 256), np.float32)
    second[...] = -1
    values = np.asarray(kept[0] if holder == "container" else kept)
    assert np.all(values == 7)


def test_small_arrays_and_other_shapes_are_fresh():
    memory = Recycler()
    small = memory.empty((8,), np.float32)
    assert small.nbytes < SMALLEST_RECYCLED and memory.held == []
    big = memory.empty((256, 256), np.float32)
    address = big.ctypes.data
    del big
    other = memory.empty((256, 255), np.float32)
    assert other.shape == (256, 255) and other.ctypes.data != address  # another shape: new memory
    like = np.empty((256, 256, 2), np.float32).transpose(2, 0, 1)
    laid_out = memory.empty_like(like)
    assert laid_out.strides == like.strides


def test_relu_outputs_kept_by_the_caller_stay_as_they_were():
    rng = np.random.default_rng(0)
    x1 = rng.standard_normal(BIG)
    x2 = rng.standard_normal(BIG)
    relu = ReLU()
    out1 = relu.forward(x1)
    saved = out1.copy()
    out2 = relu.forward(x2)
    np.testing.assert_array_equal(out1, saved)
    np.testing.assert_array_equal(out2, np.maximum(x2, 0))
    d1 = relu.backward(np.ones(BIG))
    d1_saved = d1.copy()
    d2 = relu.backward(np.full(BIG, 2.0))
    np.testing.assert_array_equal(d1, d1_saved)
    np.testing.assert_array_equal(d2, 2.0 * (x2 > 0))


def test_relu_reuses_its_memory_once_released():
    relu = ReLU()
    x = np.random.default_rng(1).standard_normal(BIG)
    address = relu.forward(x).ctypes.data  # the output is dropped at once
    assert (relu.forward(-x).ctypes.data == address) == CPYTHON


def test_pooling_results_kept_by_the_caller_stay_as_they_were():
    rng = np.random.default_rng(2)
    pool = Pooling(2, 2, stride=2)
    x1, x2 = rng.standard_normal(BIG), rng.standard_normal(BIG)
    out1 = pool.forward(x1)
    dx1 = pool.backward(np.ones(out1.shape))
    saved_out, saved_dx = out1.copy(), dx1.copy()
    out2 = pool.forward(x2)
    dx2 = pool.backward(np.full(out2.shape, 3.0))
    np.testing.assert_array_equal(out1, saved_out)
    np.testing.assert_array_equal(dx1, saved_dx)
    np.testing.assert_array_equal(out2, x2.reshape(4, 8, 20, 2, 20, 2).max(axis=(3, 5)))
    assert dx2.sum() == pytest.approx(3.0 * out2.size)


def test_affine_keeps_its_own_copy_of_a_strided_input():
    rng = np.random.default_rng(3)
    W, b = rng.standard_normal((8 * 40 * 40, 5)), np.zeros(5)
    affine = Affine(W, b)
    x1 = rng.standard_normal((8, 4, 40, 40)).transpose(1, 0, 2, 3)  # not C-contiguous: reshape would copy
    x2 = rng.standard_normal((8, 4, 40, 40)).transpose(1, 0, 2, 3)
    affine.forward(x1)
    affine.forward(x2)
    affine.backward(np.ones((4, 5)))
    np.testing.assert_allclose(affine.dW, x2.reshape(4, -1).T @ np.ones((4, 5)))


@pytest.mark.parametrize("size", [10, 1 << 17])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_all_finite_finds_any_non_finite_element(size, bad):
    from layers.functions import all_finite

    a = np.random.default_rng(4).standard_normal(size).astype(np.float32)
    assert all_finite(a)
    a[size // 3] = bad
    assert not all_finite(a)


def test_caches_a_caller_kept_stay_as_they_were():
    rng = np.random.default_rng(5)
    relu, pool = ReLU(), Pooling(2, 2, stride=2)
    x1, x2 = rng.standard_normal(BIG), rng.standard_normal(BIG)
    relu.forward(x1)
    pool.forward(x1)
    mask, arg_max = relu.mask, pool.arg_max
    saved_mask, saved_arg = mask.copy(), arg_max.copy()
    relu.forward(x2)
    pool.forward(x2)
    np.testing.assert_array_equal(mask, saved_mask)
    np.testing.assert_array_equal(arg_max, saved_arg)
    assert not np.array_equal(relu.mask, saved_mask)
