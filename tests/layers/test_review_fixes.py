"""Faults a review found in the book layers, each pinned by the behaviour that was wrong: dtypes that
leaked, caches changed by a refused call, a caller's array written into, checks that could be bypassed."""

from __future__ import annotations

import numpy as np
import pytest

from layers import (
    AddConstant,
    AddLayer,
    BatchNormalization,
    Dropout,
    Exp,
    LayerStateError,
    Max,
    Mean,
    MulLayer,
    Pow,
    Scale,
    SoftmaxWithLoss,
    Sum,
    Tanh,
    freeze,
    numerical_gradient,
)


def test_float64_one_hot_rows_keep_float32_scores_gradient_in_float32():
    layer = SoftmaxWithLoss()
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    for rows in (np.eye(3)[[0, 2, 1, 1]], np.eye(3, dtype=np.int64)[[0, 2, 1, 1]]):
        loss = layer.forward(x, rows)
        dx = layer.backward()
        assert dx.dtype == np.float32 and layer.t.dtype == np.float32
        labels_loss = SoftmaxWithLoss().forward(x, np.array([0, 2, 1, 1]))
        assert loss == pytest.approx(labels_loss, rel=1e-6)


def test_one_class_labels_are_not_taken_for_target_rows_in_backward():
    layer = SoftmaxWithLoss()
    layer.forward(np.zeros((3, 1)), [0, 0, 0])
    dx = layer.backward()
    assert dx.shape == (3, 1)
    np.testing.assert_array_equal(dx, np.zeros((3, 1)))  # softmax of one class is 1, its label's one-hot too


def test_boolean_labels_are_refused_without_calling_them_non_integer():
    with pytest.raises(ValueError, match="class numbers") as info:
        SoftmaxWithLoss().forward(np.zeros((2, 2)), np.array([True, False]))
    assert "non-integer" not in str(info.value)


def test_batchnorm_never_writes_into_running_statistics_the_caller_assigned():
    layer = BatchNormalization(np.ones(2), np.zeros(2))
    mine_mean, mine_var = np.zeros(2), np.ones(2)
    layer.running_mean, layer.running_var = mine_mean, mine_var
    layer.forward(np.array([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_array_equal(mine_mean, np.zeros(2))
    np.testing.assert_array_equal(mine_var, np.ones(2))
    assert layer.running_mean[0] == pytest.approx(0.2)  # the layer's own copy did move
    with pytest.raises(ValueError, match="running_var"):
        layer.running_var = np.array([1.0, -1.0])  # an assignment is checked as a constructor argument is
    with pytest.raises(ValueError, match="shape"):
        layer.running_mean = np.zeros(3)


@pytest.mark.parametrize("make", [AddLayer, MulLayer, Max])
def test_inputs_that_do_not_broadcast_are_named_and_leave_the_cache(make):
    layer = make()
    layer.forward(np.ones(2), np.ones(2))
    before = layer.backward(np.ones(2))
    with pytest.raises(ValueError, match=rf"{make.__name__}.forward: x of shape \(2,\) and y of shape \(3,\)"):
        layer.forward(np.ones(2), np.ones(3))
    after = layer.backward(np.ones(2))
    for b, a in zip(before, after, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("make", [Scale, AddConstant])
def test_a_list_constant_is_an_array_not_a_sequence_to_repeat(make):
    layer = make([1, 2])
    out = layer.forward(3)
    np.testing.assert_array_equal(out, [3, 6] if make is Scale else [4, 5])
    with pytest.raises(TypeError, match=f"{make.__name__}.__init__"):
        make("2")


def test_dropout_checks_dout_in_inference_too():
    layer = Dropout(0.5, seed=0)
    x = np.ones((2, 3))
    layer.forward(x, train_flg=False)
    with pytest.raises(ValueError, match=r"Dropout.backward: expected dout of shape \(2, 3\)"):
        layer.backward(np.ones(5))
    dout = np.arange(6.0).reshape(2, 3)
    dx = layer.backward(dout)
    np.testing.assert_array_equal(dx, dout)
    assert dx is not dout and not np.shares_memory(dx, dout)
    assert layer.backward(2.0).shape == (2, 3)
    with pytest.raises(LayerStateError):
        Dropout(0.5, seed=0).backward(dout)


def test_a_frozen_dropout_keeps_one_mask_per_shape_only_as_documented():
    layer = Dropout(0.5, seed=0)
    a = np.ones((4, 5))
    first = layer.forward(a)
    with freeze(layer):
        np.testing.assert_array_equal(layer.forward(a), first)  # same shape: the same function
        assert layer.forward(np.ones((2, 5))).shape == (2, 5)  # another shape: a new mask, as documented


@pytest.mark.parametrize("value", [True, [True, False], np.array([True])])
def test_booleans_become_float64_in_exp_and_tanh(value):
    for layer in (Exp(), Tanh()):
        out = layer.forward(value)
        assert np.asarray(out).dtype == np.float64


def test_pow_takes_narrow_integers_as_float64_instead_of_wrapping():
    layer = Pow(2)
    out = layer.forward(np.array([200], np.uint8))
    np.testing.assert_array_equal(out, [40000.0])
    np.testing.assert_array_equal(layer.backward(1.0), [400.0])
    assert Pow(2).forward(3) == 9 and isinstance(Pow(2).forward(3), int)  # a Python int stays exact


@pytest.mark.parametrize("make", [Sum, Mean])
@pytest.mark.parametrize("dout", [None, 1 + 2j, "abc"])
def test_sum_and_mean_refuse_a_dout_that_is_no_real_number(make, dout):
    layer = make()
    layer.forward([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match=f"{make.__name__}.backward"):
        layer.backward(dout)


def test_numerical_gradient_restores_x_when_the_function_raises():
    x = np.array([1.0, 2.0])

    def f(v):
        if v[0] != 1.0:
            raise RuntimeError("loss failed")
        return float(v.sum())

    with pytest.raises(RuntimeError):
        numerical_gradient(f, x)
    np.testing.assert_array_equal(x, [1.0, 2.0])
