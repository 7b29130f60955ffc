"""The book layers against the book's own code (``common/layers.py``, ``common/util.py`` and
``ch05/layer_naive.py`` of the book's repository), on the same float64 inputs, attributes included.

The book's code is not part of this project: set ``ZEROPROP_BOOK_CODE`` to a checkout of the book's
repository (the folder holding ``common/``) to run these tests; they skip otherwise. Where the book's
code differs on purpose the test says so: its cross-entropy adds 1e-7 inside the log, its Dropout
scales at inference, its running variance starts at zeros and its Pooling ignores padding.
"""

from __future__ import annotations

import copy
import importlib
import os
import sys
from pathlib import Path

import numpy as np
import pytest

import layers


@pytest.fixture(scope="module")
def book():
    root = os.environ.get("ZEROPROP_BOOK_CODE")
    if not root or not (Path(root) / "common" / "layers.py").is_file():
        pytest.skip("set ZEROPROP_BOOK_CODE to a checkout of the book's repository to compare with its code")
    sys.path.insert(0, root)
    try:
        modules = {name: importlib.import_module(name) for name in ("common.layers", "common.util", "common.functions")}
        sys.path.insert(0, str(Path(root) / "ch05"))
        modules["layer_naive"] = importlib.import_module("layer_naive")
    finally:
        sys.path[:] = [p for p in sys.path if not p.startswith(root)]
    return modules


def rng(seed=0):
    return np.random.default_rng(seed)


def test_mul_and_add_layers(book):
    for ours, theirs in ((layers.MulLayer(), book["layer_naive"].MulLayer()),
                         (layers.AddLayer(), book["layer_naive"].AddLayer())):
        assert ours.forward(100.0, 2.0) == theirs.forward(100.0, 2.0)
        assert ours.backward(1.5) == theirs.backward(1.5)


def test_relu(book):
    x, dout = rng().standard_normal((4, 5)), rng(1).standard_normal((4, 5))
    ours, theirs = layers.Relu(), book["common.layers"].Relu()
    np.testing.assert_array_equal(ours.forward(x), theirs.forward(x.copy()))
    np.testing.assert_array_equal(ours.mask, theirs.mask)
    np.testing.assert_array_equal(ours.backward(dout), theirs.backward(dout.copy()))  # the book writes into dout


def test_sigmoid(book):
    x, dout = rng().standard_normal((4, 5)), rng(1).standard_normal((4, 5))
    ours, theirs = layers.Sigmoid(), book["common.layers"].Sigmoid()
    np.testing.assert_allclose(ours.forward(x), theirs.forward(x), rtol=1e-15)
    np.testing.assert_allclose(ours.out, theirs.out, rtol=1e-15)
    np.testing.assert_allclose(ours.backward(dout), theirs.backward(dout), rtol=1e-14)


@pytest.mark.parametrize("shape", [(4, 6), (3, 2, 3, 2)])
def test_affine(book, shape):
    x = rng().standard_normal(shape)
    W, b = rng(1).standard_normal((12 if len(shape) == 4 else 6, 3)), rng(2).standard_normal(3)
    dout = rng(3).standard_normal((shape[0], 3))
    ours, theirs = layers.Affine(W, b), book["common.layers"].Affine(W, b)
    np.testing.assert_allclose(ours.forward(x), theirs.forward(x), rtol=1e-14)
    np.testing.assert_array_equal(ours.x, theirs.x)
    assert ours.original_x_shape == theirs.original_x_shape
    np.testing.assert_allclose(ours.backward(dout), theirs.backward(dout), rtol=1e-14)
    np.testing.assert_allclose(ours.dW, theirs.dW, rtol=1e-14)
    np.testing.assert_allclose(ours.db, theirs.db, rtol=1e-14)


@pytest.mark.parametrize("one_hot", [False, True])
def test_softmax_with_loss(book, one_hot):
    x = rng().standard_normal((5, 4)) * 3
    t = rng(1).integers(0, 4, 5)
    if one_hot:
        t = np.eye(4)[t]
    ours, theirs = layers.SoftmaxWithLoss(), book["common.layers"].SoftmaxWithLoss()
    loss, their_loss = ours.forward(x, t), theirs.forward(x, t)
    np.testing.assert_allclose(ours.y, theirs.y, rtol=1e-14)
    picked = ours.y[np.arange(5), t.argmax(axis=1) if one_hot else t]
    # the book takes log(y + 1e-7); ours is log y itself
    assert their_loss == pytest.approx(-np.mean(np.log(picked + 1e-7)), rel=1e-13)
    assert loss == pytest.approx(-np.mean(np.log(picked)), rel=1e-13)
    np.testing.assert_array_equal(ours.t, theirs.t)
    np.testing.assert_allclose(ours.backward(), theirs.backward(), rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize(("stride", "pad"), [(1, 0), (1, 1), (2, 1), (2, 0), (3, 2)])
def test_im2col_col2im_and_convolution(book, stride, pad):
    x = rng().standard_normal((2, 3, 7, 7))
    W, b = rng(1).standard_normal((4, 3, 3, 3)), rng(2).standard_normal(4)
    util = book["common.util"]
    np.testing.assert_array_equal(layers.im2col(x, 3, 3, stride, pad), util.im2col(x, 3, 3, stride, pad))
    ours, theirs = layers.Convolution(W, b, stride, pad), book["common.layers"].Convolution(W, b, stride, pad)
    out = ours.forward(x)
    np.testing.assert_allclose(out, theirs.forward(x), rtol=1e-13, atol=1e-13)
    np.testing.assert_array_equal(ours.col, theirs.col)
    np.testing.assert_array_equal(ours.col_W, theirs.col_W)
    dout = rng(3).standard_normal(out.shape)
    np.testing.assert_allclose(ours.backward(dout), theirs.backward(dout), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(ours.dW, theirs.dW, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(ours.db, theirs.db, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize(("pool", "stride"), [(2, 2), (3, 1), (3, 2), (2, 3)])
@pytest.mark.parametrize("values", ["continuous", "ties"])
def test_pooling(book, pool, stride, values):
    """Without padding: the book's Pooling computes its output size without the padding and crashes with it."""
    x = rng().standard_normal((2, 3, 8, 8)) if values == "continuous" else rng().integers(0, 2, (2, 3, 8, 8)) * 1.0
    ours, theirs = layers.Pooling(pool, pool, stride), book["common.layers"].Pooling(pool, pool, stride)
    out = ours.forward(x)
    np.testing.assert_array_equal(out, theirs.forward(x))
    np.testing.assert_array_equal(ours.arg_max, theirs.arg_max)
    dout = rng(1).standard_normal(out.shape)
    np.testing.assert_allclose(ours.backward(dout), theirs.backward(dout), rtol=1e-15)


def test_batch_normalization_on_features(book):
    """2-D input, where the book's BatchNormalization and ours are the same algorithm. (On 4-D input the
    book normalises every position on its own; ours every channel.) Both start from the same running
    statistics, as the book starts its variance at zeros and ours at ones."""
    x = rng().standard_normal((6, 4)) * 2 + 1
    gamma, beta = rng(1).standard_normal(4), rng(2).standard_normal(4)
    ours = layers.BatchNormalization(gamma.copy(), beta.copy(), running_mean=np.zeros(4), running_var=np.zeros(4))
    theirs = book["common.layers"].BatchNormalization(gamma.copy(), beta.copy())
    for train_flg in (True, True, False):
        out = ours.forward(x, train_flg)
        np.testing.assert_allclose(out, theirs.forward(x, train_flg), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(ours.running_mean, theirs.running_mean, rtol=1e-14)
        np.testing.assert_allclose(ours.running_var, theirs.running_var, rtol=1e-14)
        if train_flg:
            dout = rng(3).standard_normal(x.shape)
            np.testing.assert_allclose(ours.backward(dout), theirs.backward(copy.copy(dout)), rtol=1e-11, atol=1e-12)
            np.testing.assert_allclose(ours.dgamma, theirs.dgamma, rtol=1e-13)
            np.testing.assert_allclose(ours.dbeta, theirs.dbeta, rtol=1e-13)


def test_the_books_functions(book):
    """identity_function, sigmoid_grad, relu_grad, sum_squared_error, cross_entropy_error, softmax_loss,
    conv_output_size: the same numbers (the loss's delta of 1e-7 inside the log included)."""
    functions, util = book["common.functions"], book["common.util"]
    x = rng(5).standard_normal((4, 6))
    x[0, :2] = 0.0  # relu_grad's x = 0
    t = np.array([1, 0, 5, 3])
    y = layers.softmax(x)
    assert layers.identity_function(x) is functions.identity_function(x)
    np.testing.assert_allclose(layers.sigmoid_grad(x), functions.sigmoid_grad(x), rtol=1e-15, atol=1e-16)
    np.testing.assert_array_equal(layers.relu_grad(x), functions.relu_grad(x))
    assert layers.sum_squared_error(y, np.eye(6)[t]) == pytest.approx(functions.sum_squared_error(y, np.eye(6)[t]),
                                                                      rel=1e-14)
    assert layers.softmax_loss(x, t) == pytest.approx(functions.softmax_loss(x, t), rel=1e-14)
    y[2, t[2]] = 0.0  # a correct class at probability 0: the book's cap, 16.118
    assert layers.cross_entropy_error(y, t) == pytest.approx(functions.cross_entropy_error(y, t), rel=1e-14)
    assert layers.cross_entropy_error(y, np.eye(6)[t]) == pytest.approx(functions.cross_entropy_error(y, t), rel=1e-14)
    for args in [(28, 5, 1, 0), (28, 3, 1, 1), (7, 3, 2, 1)]:
        assert layers.conv_output_size(*args) == util.conv_output_size(*args)


@pytest.mark.parametrize("n", [11, 12, 50, 2000])
def test_smooth_curve_is_the_books(book, n):
    from training import smooth_curve

    curve = 2.3 * np.exp(-np.arange(n) / 300) + 0.1 * rng(n).standard_normal(n)
    np.testing.assert_allclose(smooth_curve(curve), book["common.util"].smooth_curve(curve), rtol=1e-12)
