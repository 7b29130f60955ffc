"""gradient_descent(f, init_x, lr, step_num): the book's chapter 4.4.1, checked by hand on a quadratic."""

from __future__ import annotations

import numpy as np
import pytest

from layers import gradient_descent


def function_2(x):
    return x[0] ** 2 + x[1] ** 2


def test_steps_on_the_books_quadratic_shrink_x_geometrically():
    """df/dx = 2x, so each step of lr 0.1 multiplies x by 0.8 (centred differences are exact on a quadratic,
    up to round-off)."""
    init = np.array([-3.0, 4.0])
    final, history = gradient_descent(function_2, init, lr=0.1, step_num=5)
    np.testing.assert_allclose(final, init * 0.8**5, rtol=1e-8)
    np.testing.assert_allclose(history, [init * 0.8**k for k in range(5)], rtol=1e-8)
    np.testing.assert_array_equal(init, [-3.0, 4.0])  # the start is not modified


def test_the_books_three_learning_rates():
    """Chapter 4.4.1: lr 0.1 reaches (0, 0) within 1e-9 in 100 steps; lr 10 diverges; lr 1e-10 hardly moves."""
    init = np.array([-3.0, 4.0])
    assert np.abs(gradient_descent(function_2, init, lr=0.1, step_num=100)[0]).max() < 1e-8
    assert np.abs(gradient_descent(function_2, init, lr=10.0, step_num=100)[0]).max() > 1e10
    np.testing.assert_allclose(gradient_descent(function_2, init, lr=1e-10, step_num=100)[0], init, rtol=1e-7)


def test_zero_steps_and_bad_arguments():
    final, history = gradient_descent(function_2, np.ones(2), step_num=0)
    np.testing.assert_array_equal(final, np.ones(2))
    assert history.shape == (0, 2)
    with pytest.raises(ValueError, match="lr"):
        gradient_descent(function_2, np.ones(2), lr=-0.1)
    with pytest.raises(ValueError, match="step_num"):
        gradient_descent(function_2, np.ones(2), step_num=2.5)
    with pytest.raises(TypeError, match="f must be a function"):
        gradient_descent(np.ones(2), np.ones(2), step_num=1)


@pytest.mark.parametrize(("option", "value", "error"), [
    ("lr", "0.1", TypeError), ("lr", True, TypeError), ("step_num", "5", TypeError),
    ("step_num", float("inf"), ValueError), ("step_num", float("nan"), ValueError),
])
def test_bad_arguments_are_named_not_raised_from_inside_numpy(option, value, error):
    with pytest.raises(error, match=f"gradient_descent: {option}"):
        gradient_descent(function_2, np.ones(2), **{option: value})
