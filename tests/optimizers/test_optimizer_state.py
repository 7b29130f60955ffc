"""Optimiser state: created lazily per parameter name, updates in place, dtype kept, exact resumption."""

from __future__ import annotations

import numpy as np
import pytest

from optimizers import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop

STATEFUL = [
    (Momentum, {"lr": 0.05}, {"v"}),
    (Nesterov, {"lr": 0.05}, {"v"}),
    (AdaGrad, {"lr": 0.05}, {"h"}),
    (RMSprop, {"lr": 0.05}, {"h"}),
    (Adam, {"lr": 0.05}, {"m", "v", "t"}),
]
ALL = [(SGD, {"lr": 0.05}, set()), *STATEFUL]
IDS = [cls.__name__ for cls, _, _ in ALL]


def make_params(dtype=np.float64, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"W1": rng.standard_normal((3, 4)).astype(dtype), "b1": rng.standard_normal(4).astype(dtype)}


def grads_for(step: int, params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(100 + step)
    return {k: rng.standard_normal(p.shape).astype(p.dtype) for k, p in params.items()}


@pytest.mark.parametrize(("cls", "kwargs", "state_names"), ALL, ids=IDS)
def test_updates_in_place_and_keeps_dtype(cls, kwargs, state_names):
    params = make_params(np.float32)
    arrays = dict(params)
    before = {k: p.copy() for k, p in params.items()}
    opt = cls(**kwargs)
    for step in range(3):
        opt.update(params, grads_for(step, params))
    for key, p in params.items():
        assert p is arrays[key], "the optimiser must write into the given arrays (layers share them)"
        assert p.dtype == np.float32
        assert not np.array_equal(p, before[key])
    for s in opt.state.values():
        assert {n for n, a in s.items() if a.ndim} <= {"v", "h", "m"}
        assert all(a.dtype == np.float32 for a in s.values() if a.ndim)
    assert opt.iterations == 3


@pytest.mark.parametrize(("cls", "kwargs", "state_names"), STATEFUL, ids=IDS[1:])
def test_state_is_lazy_and_keyed_by_parameter_name(cls, kwargs, state_names):
    opt = cls(**kwargs)
    assert opt.state == {}
    params = make_params()
    opt.update({"W1": params["W1"]}, {"W1": grads_for(0, params)["W1"]})
    assert set(opt.state) == {"W1"}
    opt.update(params, grads_for(1, params))
    assert set(opt.state) == {"W1", "b1"}
    for key, s in opt.state.items():
        assert set(s) == state_names
        assert all(s[n].shape == params[key].shape for n in state_names - {"t"})


def test_adam_counts_steps_per_parameter():
    # b1 joins on the second call: its bias correction starts from t = 1, so its first step is
    # lr * sign(g) like any Adam first step, and it keeps its own count from then on
    opt = Adam(lr=0.1)
    params = {"W1": np.array([1.0, 1.0]), "b1": np.array([0.0, 0.0])}
    opt.update({"W1": params["W1"]}, {"W1": np.array([1.0, 1.0])})
    opt.update(params, {"W1": np.array([1.0, 1.0]), "b1": np.array([3.0, -0.5])})
    np.testing.assert_allclose(params["b1"], [-0.1, 0.1], rtol=1e-4)
    assert int(opt.state["W1"]["t"]) == 2 and int(opt.state["b1"]["t"]) == 1
    assert opt.iterations == 2


@pytest.mark.parametrize(("cls", "kwargs", "state_names"), ALL, ids=IDS)
def test_state_dict_round_trip_resumes_bitwise(cls, kwargs, state_names):
    params = make_params(np.float32)
    opt = cls(**kwargs)
    for step in range(4):
        opt.update(params, grads_for(step, params))
    saved = opt.state_dict()
    resumed_params = {k: p.copy() for k, p in params.items()}
    resumed = cls(**kwargs)
    resumed.load_state_dict(saved)
    # the loaded state is a copy: changing the dict afterwards does not reach the optimiser
    for s in saved["state"].values():
        for a in s.values():
            a[...] = 0
    for step in range(4, 8):
        opt.update(params, grads_for(step, params))
        resumed.update(resumed_params, grads_for(step, resumed_params))
    for key in params:
        np.testing.assert_array_equal(resumed_params[key], params[key])
    assert resumed.iterations == opt.iterations == 8


@pytest.mark.parametrize(("cls", "kwargs", "state_names"), ALL, ids=IDS)
def test_missing_gradient_raises(cls, kwargs, state_names):
    params = make_params()
    with pytest.raises(KeyError, match="b1"):
        cls(**kwargs).update(params, {"W1": np.zeros((3, 4))})


@pytest.mark.parametrize(("cls", "kwargs", "_"), ALL, ids=IDS)
def test_updates_after_the_first_allocate_nothing_of_a_parameters_size(cls, kwargs, _) -> None:
    """Temporaries the size of a parameter live in memory the optimiser keeps: a fresh one on every
    update costs page faults, which made SGD's update of a 784x50 weight 40 or 130 us from run to run."""
    import tracemalloc

    params = {"W": np.ones((256, 256), np.float32)}
    grads = {"W": np.full((256, 256), 0.5, np.float32)}
    optimizer = cls(**kwargs)
    optimizer.update(params, grads)  # the first update creates the state and the working memory
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        optimizer.update(params, grads)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak - start < params["W"].nbytes // 8, f"{cls.__name__} allocated {peak - start} bytes in an update"


def test_working_memory_follows_a_parameter_whose_shape_changes() -> None:
    optimizer = SGD(lr=0.5)
    for shape in [(4, 3), (2, 5), (4, 3)]:
        params = {"W": np.zeros(shape, np.float32)}
        optimizer.update(params, {"W": np.ones(shape, np.float32)})
        np.testing.assert_array_equal(params["W"], np.full(shape, -0.5, np.float32))


@pytest.mark.parametrize(("cls", "kwargs", "state_names"), STATEFUL, ids=IDS[1:])
def test_a_state_holding_nan_is_refused(cls, kwargs, state_names):
    """A NaN velocity or moment (the state of a diverged run) would spread to the parameters on the next update."""
    optimizer = cls(**kwargs)
    params = {"w": np.ones(4)}
    optimizer.update(params, {"w": np.full(4, 0.5)})
    state = optimizer.state_dict()
    name = min(state_names - {"t"})
    state["state"]["w"][name][2] = np.nan
    fresh = cls(**kwargs)
    with pytest.raises(ValueError, match=f"state\\['w'\\]\\['{name}'\\] holds NaN"):
        fresh.load_state_dict(state)
    assert fresh.state == {} and fresh.iterations == 0


@pytest.mark.parametrize(("cls", "kwargs", "state_names"), STATEFUL, ids=IDS[1:])
@pytest.mark.parametrize("value", [np.inf, -np.inf])
def test_a_state_holding_an_infinity_is_refused(cls, kwargs, state_names, value):
    """An infinite velocity or moment made the parameters infinite or NaN on the next update."""
    optimizer = cls(**kwargs)
    optimizer.update({"w": np.ones(4)}, {"w": np.full(4, 0.5)})
    state = optimizer.state_dict()
    name = min(state_names - {"t"})
    state["state"]["w"][name][2] = value
    fresh = cls(**kwargs)
    with pytest.raises(ValueError, match=f"state\\['w'\\]\\['{name}'\\] holds NaN or an infinity"):
        fresh.load_state_dict(state)
    assert fresh.state == {} and fresh.iterations == 0


@pytest.mark.parametrize(("cls", "name"), [(AdaGrad, "h"), (RMSprop, "h"), (Adam, "v")])
def test_a_negative_sum_of_squares_is_refused(cls, name):
    """Its square root is NaN: Adam's update of w took -1 in v to a NaN parameter."""
    optimizer = cls()
    optimizer.update({"w": np.ones(2)}, {"w": np.full(2, 0.1)})
    state = optimizer.state_dict()
    state["state"]["w"][name][0] = -1.0
    with pytest.raises(ValueError, match=f"state\\['w'\\]\\['{name}'\\] is a sum of squares, expected values >= 0"):
        cls().load_state_dict(state)
    state["state"]["w"][name][0] = 0.0   # zero is a sum of squares
    cls().load_state_dict(state)


def test_a_state_array_of_the_wrong_kind_says_what_was_expected():
    optimizer = Adam()
    optimizer.update({"w": np.ones(2)}, {"w": np.full(2, 0.1)})
    for name, bad, expected in [("t", np.float64(1.0), "expected a 0-d integer step count"),
                                ("m", np.array([1, 2]), "expected a floating-point array")]:
        state = optimizer.state_dict()
        state["state"]["w"][name] = bad
        with pytest.raises(ValueError, match=expected):
            Adam().load_state_dict(state)
