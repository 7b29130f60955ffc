"""gradient_descent: x <- x - lr * grad(x), worked out by hand on a quadratic."""

from __future__ import annotations

import numpy as np
import pytest

from optimizers import gradient_descent


def test_steps_on_a_quadratic_shrink_x_geometrically():
    init = np.array([-3.0, 4.0])
    final, history = gradient_descent(lambda x: 2 * x, init, lr=0.1, step_num=5)  # f = |x|^2
    np.testing.assert_allclose(final, init * 0.8**5, rtol=1e-14)
    np.testing.assert_allclose(history, [init * 0.8**k for k in range(5)], rtol=1e-14)
    np.testing.assert_array_equal(init, [-3.0, 4.0])  # the start is not modified


def test_zero_steps_and_bad_arguments():
    final, history = gradient_descent(lambda x: x, np.ones(2), step_num=0)
    np.testing.assert_array_equal(final, np.ones(2))
    assert history.shape == (0, 2)
    with pytest.raises(ValueError, match="lr"):
        gradient_descent(lambda x: x, np.ones(2), lr=-0.1)
    with pytest.raises(ValueError, match="step_num"):
        gradient_descent(lambda x: x, np.ones(2), step_num=2.5)
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        gradient_descent(lambda x: np.ones(3), np.ones(2), step_num=1)


@pytest.mark.parametrize(("option", "value", "error"), [
    ("lr", "0.1", TypeError), ("lr", True, TypeError), ("step_num", "5", TypeError),
    ("step_num", float("inf"), ValueError), ("step_num", float("nan"), ValueError),
])
def test_bad_arguments_are_named_not_raised_from_inside_numpy(option, value, error):
    with pytest.raises(error, match=f"gradient_descent: {option}"):
        gradient_descent(lambda x: x, np.ones(2), **{option: value})
