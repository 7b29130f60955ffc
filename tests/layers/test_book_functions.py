"""The rest of the book's common/functions.py and common/util.py helpers, by their definitions and the
book's printed examples (chapter 4.2.1's y and t)."""

from __future__ import annotations

import numpy as np
import pytest

from datasets import shuffle_dataset
from layers import (
    SoftmaxWithLoss,
    conv_output_size,
    cross_entropy_error,
    identity_function,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    softmax_loss,
    sum_squared_error,
)

# Chapter 4.2.1: the network says "2" with probability 0.6, and the label is 2.
Y = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
T = np.eye(10)[2]


def test_identity_function_returns_its_input():
    x = np.arange(3.0)
    assert identity_function(x) is x


def test_sigmoid_grad_is_the_derivative_of_sigmoid():
    x = np.linspace(-6, 6, 25)
    h = 1e-5
    numerical = (sigmoid(x + h) - sigmoid(x - h)) / (2 * h)
    np.testing.assert_allclose(sigmoid_grad(x), numerical, rtol=1e-8, atol=1e-12)
    assert sigmoid_grad(0.0) == 0.25


def test_relu_grad_is_one_from_zero_on_as_in_the_book():
    np.testing.assert_array_equal(relu_grad(np.array([-2.0, -1e-9, 0.0, 3.0])), [0.0, 0.0, 1.0, 1.0])
    assert relu_grad(np.array([1, -1])).dtype == np.float64
    assert relu_grad(np.ones(2, np.float32)).dtype == np.float32


def test_sum_squared_error_gives_the_books_numbers():
    assert sum_squared_error(Y, T) == pytest.approx(0.0975, abs=1e-15)
    y_wrong = np.array([0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0])  # "7" at 0.6
    assert sum_squared_error(y_wrong, T) == pytest.approx(0.5975, abs=1e-15)


def test_softmax_loss_is_the_cross_entropy_of_the_softmax_and_the_layers_loss():
    x = np.random.default_rng(0).standard_normal((4, 5))
    t = np.array([0, 4, 2, 2])
    e = np.exp(x - x.max(axis=1, keepdims=True))
    p = (e / e.sum(axis=1, keepdims=True))[np.arange(4), t]
    assert softmax_loss(x, t) == pytest.approx(-np.mean(np.log(p + 1e-7)), rel=1e-12)   # the book's delta
    exact = SoftmaxWithLoss().forward(x, t)                                            # the layer's: none
    assert exact == pytest.approx(-np.mean(np.log(p)), rel=1e-12)
    assert 0 < exact - softmax_loss(x, t) <= 1e-7 / p.min()
    assert softmax_loss(np.log(Y + 1e-300), T) == pytest.approx(cross_entropy_error(Y, T), rel=1e-9)


@pytest.mark.parametrize(("size", "filter_size", "stride", "pad", "expected"),
                         [(28, 5, 1, 0, 24), (28, 3, 1, 1, 28), (7, 3, 2, 1, 4), (4, 2, 2, 0, 2), (5, 2, 2, 0, 2)])
def test_conv_output_size(size, filter_size, stride, pad, expected):
    assert conv_output_size(size, filter_size, stride, pad) == expected


def test_conv_output_size_refuses_a_window_larger_than_the_input_and_sizes_that_are_not_whole():
    with pytest.raises(ValueError, match="conv_output_size: window size 5 is larger than the padded input"):
        conv_output_size(3, 5)
    with pytest.raises(TypeError, match="conv_output_size: input_size must be a whole number, got float 28.0"):
        conv_output_size(28.0, 5)
    assert type(conv_output_size(np.int64(28), 5)) is int


def test_shuffle_dataset_keeps_pairs_together_and_is_reproducible():
    x, t = np.arange(20).reshape(10, 2), np.arange(10)
    xs, ts = shuffle_dataset(x, t, seed=1)
    np.testing.assert_array_equal(xs[:, 0] // 2, ts)  # each row still beside its own label
    assert sorted(ts) == list(range(10)) and list(ts) != list(range(10))
    again = shuffle_dataset(x, t, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(again[1], ts)
    with pytest.raises(ValueError, match="shuffle_dataset: expected x and t with the same number of samples"):
        shuffle_dataset(x, t[:9])
    with pytest.raises(ValueError, match="either seed or rng"):
        shuffle_dataset(x, t, seed=1, rng=np.random.default_rng(1))


def test_the_loss_functions_take_a_column_of_labels_as_softmax_with_loss_does():
    x = np.random.default_rng(3).standard_normal((4, 3))
    column = np.array([[0], [1], [2], [1]])
    assert softmax_loss(x, column) == pytest.approx(SoftmaxWithLoss().forward(x, column), rel=1e-6)
    assert softmax_loss(x, column) == pytest.approx(softmax_loss(x, column.ravel()), rel=1e-15)
    assert cross_entropy_error(np.full((4, 3), 1 / 3), column) == pytest.approx(-np.log(1 / 3 + 1e-7), rel=1e-12)


@pytest.mark.parametrize(("t", "message"), [
    ([-1, 0], r"labels must lie in \[0, 2\], got values from -1"),   # would wrap round to the last class
    ([3, 0], r"labels must lie in \[0, 2\], got values from 0 to 3"),
    ([2], r"expected labels of shape \(2,\) or \(2, 1\), or one-hot rows of shape \(2, 3\), got shape \(1,\)"),
    (np.eye(4)[[2, 0]], r"one-hot rows of shape \(2, 3\), got shape \(2, 4\)"),
    ([0.5, 1.0], r"expected integer class labels, got dtype float64 with non-integer values"),
    (0.5 * np.eye(3)[[2, 0]], r"target rows must each sum to 1"),
])
def test_the_loss_functions_refuse_labels_that_do_not_fit_the_scores(t, message):
    """Labels the SoftmaxWithLoss layer refuses are refused by the functions too, naming the function,
    where NumPy would wrap a -1 round to the last class, broadcast one label over the batch or fail deep
    inside an indexing."""
    y = np.array([[0.1, 0.2, 0.7], [0.6, 0.3, 0.1]])
    with pytest.raises(ValueError, match="cross_entropy_error: .*" + message):
        cross_entropy_error(y, t)
    with pytest.raises(ValueError, match=message):
        softmax_loss(np.log(y), t)


def test_sum_squared_error_refuses_shapes_that_would_broadcast():
    """A column (3, 1) against (3,) broadcasts to nine differences: 6.0 where the error is 0."""
    message = r"sum_squared_error: expected y and t of the same shape, got \(3, 1\) and \(3,\)"
    with pytest.raises(ValueError, match=message):
        sum_squared_error(np.array([[1.0], [2.0], [3.0]]), np.array([1.0, 2.0, 3.0]))
    assert sum_squared_error([[1.0], [2.0], [3.0]], [[1.0], [2.0], [3.5]]) == 0.125
