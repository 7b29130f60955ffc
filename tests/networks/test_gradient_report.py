"""networks.gradient_report: relative_difference, one figure for the agreement of two whole gradients."""

from __future__ import annotations

import numpy as np
import pytest

from networks import TwoLayerNet
from networks.gradient_report import relative_difference


def test_relative_difference_is_the_norm_of_the_difference_over_the_sum_of_the_norms():
    a = {"W": np.array([[3.0, 0.0]]), "b": np.array([0.0])}
    b = {"W": np.array([[0.0, 0.0]]), "b": np.array([4.0])}
    assert relative_difference(a, b) == pytest.approx(5 / 7)  # ||(3, 0, -4)|| / (3 + 4), over W and b together
    assert relative_difference(a, a) == 0.0
    assert relative_difference(a, b) == relative_difference(b, a)
    assert relative_difference(a, {k: 0 * v for k, v in a.items()}) == 1.0
    assert relative_difference(a, {k: -v for k, v in a.items()}) == 1.0
    zero = {"W": np.zeros((1, 2)), "b": np.zeros(1)}
    assert relative_difference(zero, zero) == 0.0


def test_a_few_wrong_entries_move_it_little():
    rng = np.random.default_rng(0)
    a = {"W": rng.standard_normal((100, 100))}
    b = {"W": a["W"].copy()}
    b["W"][0, :3] = 0.0  # three entries of 10,000 completely wrong
    assert 0 < relative_difference(a, b) < 0.02


def test_backprop_and_centred_differences_agree_on_a_network():
    net = TwoLayerNet(4, 5, 3, seed=0, dtype=np.float64)
    x, t = np.random.default_rng(1).standard_normal((6, 4)), np.array([0, 1, 2, 0, 1, 2])
    assert relative_difference(net.gradient(x, t), net.numerical_gradient(x, t)) < 1e-7


def test_gradients_of_different_parameters_are_refused():
    with pytest.raises(ValueError, match="different parameters"):
        relative_difference({"W": np.ones(2)}, {"b": np.ones(2)})
    with pytest.raises(ValueError, match="shapes differ"):
        relative_difference({"W": np.ones(2)}, {"W": np.ones((2, 1))})


def small_batch_norm_net():
    from networks import MultiLayerNet

    net = MultiLayerNet(6, [4], 3, use_batchnorm=True, seed=0, dtype=np.float64)
    rng = np.random.default_rng(2)
    return net, rng.standard_normal((5, 6)), np.eye(3)[[0, 1, 2, 0, 1]]


def test_the_check_says_how_far_each_stage_has_got():
    """A line per stage, then after every entry how many of the stage's entries are done: one parameter of a
    large network takes half a minute, and must not look stuck."""
    from networks.gradient_report import check_network_gradients

    net, x, t = small_batch_norm_net()
    events = []
    check_network_gradients(net, x, t, progress=events.append, on_entries=lambda *done: events.append(done))
    sizes = {key: p.size for key, p in net.params.items()}
    stages = [(f"two-point differences of all {len(sizes)} parameters (the book's figure)", sum(sizes.values())),
              *((f"parameter {i} of {len(sizes)}, {key}", size) for i, (key, size) in enumerate(sizes.items(), 1))]
    expected = [event for what, total in stages for event in [what, *((done, total) for done in range(1, total + 1))]]
    assert events == expected


def test_the_progress_changes_no_figure():
    from networks.gradient_report import check_network_gradients

    net, x, t = small_batch_norm_net()
    quiet = check_network_gradients(net, x, t)
    told = check_network_gradients(net, x, t, progress=lambda what: None, on_entries=lambda done, total: None)
    assert told == quiet  # the same diffs and reports, to the last bit
    grads, numerical = net.gradient(x, t), net.numerical_gradient(x, t)  # the book's figure, computed directly
    assert quiet.diffs == {key: float(np.mean(np.abs(grads[key] - numerical[key]))) for key in net.params}
