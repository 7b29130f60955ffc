"""numerical_diff, step_function / relu, and check_gradients' per-parameter reports and verdicts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from layers import check_gradients, compare_gradients, gradient_check, numerical_diff, relu, step_function
from layers.gradient_check import roundoff_floor


def test_numerical_diff_gives_the_books_slopes():
    f = lambda x: 0.01 * x**2 + 0.1 * x  # noqa: E731 - the book's function_1, derivative 0.02x + 0.1
    assert numerical_diff(f, 5) == pytest.approx(0.2, abs=1e-9)
    assert numerical_diff(f, 10) == pytest.approx(0.3, abs=1e-9)
    assert numerical_diff(math.sin, 1.0) == pytest.approx(math.cos(1.0), abs=1e-8)


def test_step_function_and_relu():
    x = np.array([-1.0, 0.0, 1.0, 2.0])
    np.testing.assert_array_equal(step_function(x), [0, 0, 1, 1])
    assert step_function(x).dtype.kind == "i"
    np.testing.assert_array_equal(relu(x), [0.0, 0.0, 1.0, 2.0])
    assert int(step_function(3.0)) == 1


def test_error_is_measured_against_the_whole_gradient_not_each_entry():
    # an entry near 0 differs by 100% of itself; against the gradient's scale that is 5e-13
    report = compare_gradients("W", np.array([1.0, 1e-12]), np.array([1.0, 2e-12]))
    assert report.max_abs_diff == pytest.approx(1e-12)
    assert report.scale == pytest.approx(2.0)
    assert report.error == pytest.approx(5e-13)
    assert report.ok and report.verdict == "OK"
    assert "OK" in str(report) and "W (2)" in str(report)


def test_unrelated_gradients_fail():
    report = compare_gradients("W", np.array([1.0, -2.0]), np.array([-1.0, 2.0]))
    assert report.error == pytest.approx(1.0)
    assert not report.ok and "FAIL" in str(report)
    assert not compare_gradients("W", np.array([np.nan]), np.array([1.0])).ok


def kinked(x: np.ndarray, offset: float):
    """L(W) = sum relu(x W + offset) for W of shape (D, M), and its gradient x^T [x W + offset > 0]."""
    def loss(W: np.ndarray) -> float:
        return float(np.maximum(x @ W + offset, 0.0).sum())

    def grad(W: np.ndarray) -> np.ndarray:
        return x.T @ (x @ W + offset > 0).astype(np.float64)
    return loss, grad


def test_an_entry_whose_stencil_straddles_a_relu_kink_is_remeasured():
    rng = np.random.default_rng(0)
    x = rng.random((3, 4)) + 0.5
    W = rng.standard_normal((4, 5))
    W[0, 2] -= (x @ W)[0, 2] / x[0, 0] - 3e-5 / x[0, 0]  # makes (x W)[0, 2] = 3e-5: within 2h = 2e-4 of 0
    loss, grad = kinked(x, 0.0)
    assert (x @ W)[0, 2] == pytest.approx(3e-5)
    g = {"W": grad(W)}
    # the fourth-order stencil with h = 1e-4 crosses the kink: the plain check sees a large error
    assert gradient_check(lambda: loss(W), {"W": W}, g)["W"] > 1e-3
    (report,) = check_gradients(lambda: loss(W), {"W": W}, g)
    assert report.ok, report
    assert report.error < 1e-7 and report.remeasured >= 1


def test_a_wrong_gradient_fails_even_after_remeasuring():
    rng = np.random.default_rng(1)
    x, W = rng.random((3, 4)) + 0.5, rng.standard_normal((4, 5))
    loss, grad = kinked(x, 0.3)
    g = grad(W)
    assert check_gradients(lambda: loss(W), {"W": W}, {"W": g})[0].ok
    wrong = g.copy()
    wrong[1, 1] *= 1.001
    (report,) = check_gradients(lambda: loss(W), {"W": W}, {"W": wrong})
    assert not report.ok and report.verdict == "FAIL"
    assert report.error > 1e-5


def test_a_zero_gradient_is_compared_against_the_roundoff_floor():
    # L does not depend on b (as a bias feeding batch norm): both sides are 0 up to round-off
    b = np.array([0.3, -0.2])
    W = np.array([1.0, 2.0])
    loss = lambda: float(np.sum(W**2)) + 0.0 * float(b.sum())  # noqa: E731
    reports = check_gradients(loss, {"W": W, "b": b}, {"W": 2 * W, "b": np.zeros(2)})
    assert all(r.ok for r in reports), reports
    assert reports[1].scale < reports[1].floor
    # a gradient of 1e-6 where the truth is 0 is still caught: 1e-6 is far above the round-off
    (report,) = check_gradients(loss, {"b": b}, {"b": np.array([1e-6, 0.0])})
    assert not report.ok
    assert roundoff_floor(2.0, 1e-4, np.float64) == pytest.approx(10 * np.finfo(np.float64).eps * 2.0 / 1e-4 / 1e-7)


def test_check_gradients_names_a_missing_or_misshapen_gradient():
    W = np.ones(3)
    with pytest.raises(KeyError, match="W"):
        check_gradients(lambda: 0.0, {"W": W}, {})
    with pytest.raises(ValueError, match="W"):
        check_gradients(lambda: float(W.sum()), {"W": W}, {"W": np.ones(4)})
