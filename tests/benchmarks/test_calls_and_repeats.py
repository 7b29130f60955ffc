"""timed_runs (the first result and the median time of repeated calls) and counting_calls (how many times a
method is called through an object, the object left as it was)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from benchmarks.common import counting_calls, timed_runs
from networks import TwoLayerNet


def test_timed_runs_gives_the_first_result_and_the_median_time():
    results = itertools.count(1)
    ticks = iter([0.0, 3.0, 10.0, 11.0, 20.0, 20.5, 30.0, 37.0])  # calls of 3, 1, 0.5 and 7 s
    calls = []

    def run():
        calls.append(1)
        return next(results)

    result, seconds = timed_runs(run, 4, clock=lambda: next(ticks))
    assert result == 1 and len(calls) == 4
    assert seconds == 2.0  # the median of 0.5, 1, 3, 7


def test_timed_runs_times_with_the_real_clock_by_default():
    result, seconds = timed_runs(lambda: "done", 1)
    assert result == "done" and 0 <= seconds < 1


@pytest.mark.parametrize("repeats", [0, -1, 2.0, True])
def test_timed_runs_needs_at_least_one_call(repeats):
    with pytest.raises(ValueError, match="repeats must be a whole number >= 1"):
        timed_runs(lambda: None, repeats)


class Counter:
    def step(self, by: int = 1) -> int:
        return by + self.inner()

    def inner(self) -> int:
        return 10


def test_calls_through_the_object_are_counted_and_run_as_before():
    obj = Counter()
    with counting_calls(obj, "inner") as inner, counting_calls(obj, "step") as step:
        assert obj.step(by=2) == 12 and obj.step() == 11 and obj.inner() == 10
    assert (step.calls, inner.calls) == (2, 3)  # inner: twice through self.inner, once from here
    obj.step()
    assert (step.calls, inner.calls) == (2, 3)  # not counted once the block has ended
    assert "step" not in vars(obj) and "inner" not in vars(obj)


def test_the_object_is_restored_when_the_block_raises_and_an_own_attribute_is_put_back():
    obj = Counter()
    own = lambda: 20  # noqa: E731 - an attribute of the instance, hiding the method
    obj.inner = own
    with pytest.raises(RuntimeError), counting_calls(obj, "inner") as inner:
        assert obj.step() == 21
        raise RuntimeError
    assert inner.calls == 1 and obj.inner is own


def test_a_network_gradient_is_counted_in_passes():
    """Centred differences: two forward passes per parameter and no backward; backprop: one of each."""
    net = TwoLayerNet(3, 4, 2, seed=0, dtype=np.float64)
    x, t = np.ones((5, 3)), np.array([0, 1, 0, 1, 1])
    params = sum(p.size for p in net.params.values())
    with counting_calls(net, "loss") as forwards, counting_calls(net.last_layer, "backward") as backwards:
        net.numerical_gradient(x, t)
    assert (forwards.calls, backwards.calls) == (2 * params, 0)
    with counting_calls(net, "loss") as forwards, counting_calls(net.last_layer, "backward") as backwards:
        net.gradient(x, t)
    assert (forwards.calls, backwards.calls) == (1, 1)
