"""Bad gradients, bad hyper-parameters and foreign state given to the six optimisers."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from optimizers import SGD, AdaGrad, Adam, GradientError, Momentum, Nesterov, RMSprop

ALL = [SGD, Momentum, Nesterov, AdaGrad, RMSprop, Adam]
IDS = [cls.__name__ for cls in ALL]


def params() -> dict[str, np.ndarray]:
    return {"W": np.ones((3, 4), np.float32), "b": np.zeros(4, np.float32)}


def grads() -> dict[str, np.ndarray]:
    return {"W": np.full((3, 4), 0.5, np.float32), "b": np.full(4, 0.25, np.float32)}


def trained(cls):
    opt = cls(lr=0.1)
    p = params()
    for _ in range(2):
        opt.update(p, grads())
    return opt, p


BAD_GRADIENTS = [
    ("broadcastable shape", {"W": np.ones(4, np.float32)}, r"'W' is float32\[4\], its parameter is float32\[3, 4\]"),
    ("transposed", {"W": np.ones((4, 3), np.float32)}, r"'W' is float32\[4, 3\]"),
    ("float64 for float32", {"W": np.ones((3, 4))}, r"'W' is float64\[3, 4\]"),
    ("complex", {"W": np.ones((3, 4), np.complex64)}, "complex64"),
    ("a list", {"W": [[1.0] * 4] * 3}, "must be a numpy array, got list"),
    ("a scalar", {"W": 1.0}, "got float"),
    ("an extra key", {"W2": np.ones((3, 4), np.float32)}, r"gradient\(s\) \['W2'\] for no parameter"),
]


@pytest.mark.parametrize("cls", ALL, ids=IDS)
@pytest.mark.parametrize(("what", "change", "message"), BAD_GRADIENTS, ids=[b[0] for b in BAD_GRADIENTS])
def test_a_bad_gradient_is_refused_and_nothing_changes(cls, what, change, message):
    opt, p = trained(cls)
    before = {k: v.copy() for k, v in p.items()}
    state = opt.state_dict()
    g = {**grads(), **change}
    with pytest.raises(GradientError, match=rf"{cls.__name__}\.update: .*{message}"):
        opt.update(p, g)
    for key in p:
        assert np.array_equal(p[key], before[key]), "a refused update changed a parameter"
    assert opt.iterations == state["iterations"]
    for key, entries in state["state"].items():
        for name, value in entries.items():
            assert np.array_equal(opt.state[key][name], value)


@pytest.mark.parametrize("cls", ALL, ids=IDS)
def test_a_missing_gradient_names_the_key(cls):
    with pytest.raises(GradientError, match=r"no gradient for parameter\(s\) \['b'\]"):
        cls(lr=0.1).update(params(), {"W": grads()["W"]})
    with pytest.raises(KeyError):           # still a KeyError for callers that caught one
        cls(lr=0.1).update(params(), {"W": grads()["W"]})


@pytest.mark.parametrize("cls", ALL, ids=IDS)
@pytest.mark.parametrize(("given", "message"), [
    (lambda: (params(), None), "grads must be a dict of arrays, got NoneType"),
    (lambda: (params(), [grads()["W"], grads()["b"]]), "grads must be a dict of arrays, got list"),
    (lambda: (None, grads()), "params must be a dict of arrays, got NoneType"),
])
def test_grads_or_params_that_are_not_dicts_are_a_type_error(cls, given, message):
    opt, p = trained(cls)
    before = opt.state_dict()
    with pytest.raises(TypeError, match=rf"{cls.__name__}\.update: {message}"):
        opt.update(*given())
    assert opt.iterations == before["iterations"]


@pytest.mark.parametrize("cls", ALL, ids=IDS)
def test_a_read_only_parameter_is_refused_before_anything_changes(cls):
    opt, p = trained(cls)
    state = opt.state_dict()
    p["b"].flags.writeable = False                 # W, updated first, must not move either
    before = {k: v.copy() for k, v in p.items()}
    with pytest.raises(GradientError, match=rf"{cls.__name__}\.update: parameter 'b' is a read-only array"):
        opt.update(p, grads())
    for key in p:
        assert np.array_equal(p[key], before[key])
    assert_state_is(opt, state)


def test_a_parameter_that_is_not_an_array_is_named():
    with pytest.raises(GradientError, match="parameter 'W' must be a real floating-point array, got list"):
        SGD().update({"W": [1.0, 2.0]}, {"W": np.ones(2)})


@pytest.mark.parametrize("cls", ALL, ids=IDS)
def test_integer_parameters_are_refused(cls):
    with pytest.raises(GradientError, match="parameter 'W' must be a real floating-point array"):
        cls(lr=0.1).update({"W": np.ones(3, np.int64)}, {"W": np.ones(3, np.int64)})


@pytest.mark.parametrize("cls", ALL, ids=IDS)
@pytest.mark.parametrize(("lr", "error"), [(-0.1, ValueError), (0, ValueError), (math.inf, ValueError),
                                           (math.nan, ValueError), ("0.1", TypeError), (None, TypeError),
                                           (True, TypeError), ([0.1], TypeError)])
def test_bad_learning_rates(cls, lr, error):
    with pytest.raises(error, match=f"{cls.__name__}: learning rate"):
        cls(lr=lr)


@pytest.mark.parametrize(("make", "error", "message"), [
    (lambda: Adam(eps=-1), ValueError, "Adam: eps must be positive"),
    (lambda: Adam(eps=0), ValueError, "Adam: eps must be positive"),
    (lambda: AdaGrad(eps=math.nan), ValueError, "AdaGrad: eps"),
    (lambda: RMSprop(eps=math.inf), ValueError, "RMSprop: eps"),
    (lambda: RMSprop(decay_rate=1.0), ValueError, "RMSprop: decay_rate must lie in"),
    (lambda: Momentum(momentum=-0.1), ValueError, "Momentum: momentum"),
    (lambda: Nesterov(momentum=math.nan), ValueError, "Nesterov: momentum"),
    (lambda: Momentum(momentum="0.9"), TypeError, "Momentum: momentum must be a real number, got str"),
    (lambda: Adam(beta1=1), ValueError, "Adam: beta1"),
    (lambda: Adam(beta2=math.nan), ValueError, "Adam: beta2"),
    (lambda: Adam(beta1=None), TypeError, "Adam: beta1"),
])
def test_bad_hyper_parameters(make, error, message):
    with pytest.raises(error, match=message):
        make()


PAIRS = [(a, b) for a in ALL for b in ALL if a is not b]


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{a.__name__}->{b.__name__}" for a, b in PAIRS])
def test_another_optimisers_state_is_refused(source, target):
    opt, _ = trained(source)
    receiver, _ = trained(target)
    before = receiver.state_dict()
    with pytest.raises(ValueError, match=f"{target.__name__}.load_state_dict"):
        receiver.load_state_dict(opt.state_dict())
    assert receiver.lr == before["lr"] and receiver.iterations == before["iterations"]


@pytest.mark.parametrize("source", [Momentum, AdaGrad, Adam], ids=["Momentum", "AdaGrad", "Adam"])
def test_a_state_without_its_type_is_still_checked_by_its_arrays(source):
    state = trained(source)[0].state_dict()
    del state["type"]                              # as saved before the type was recorded
    others = [cls for cls in (Momentum, AdaGrad, Adam) if cls is not source]
    for cls in others:
        with pytest.raises(ValueError, match="state of another optimiser"):
            cls(lr=0.1).load_state_dict(state)
    source(lr=0.1).load_state_dict(state)          # its own kind still loads


@pytest.mark.parametrize(("state", "error", "message"), [
    ({}, ValueError, r"lacks key\(s\) \['lr', 'iterations', 'state'\]"),
    ([], TypeError, "expected a dict"),
    ({"lr": -1.0, "iterations": 0, "state": {}}, ValueError, "lr must be finite and >= 0"),
    ({"lr": math.nan, "iterations": 0, "state": {}}, ValueError, "lr must be finite"),
    ({"lr": "0.1", "iterations": 0, "state": {}}, TypeError, "lr must be a real number"),
    ({"lr": 0.1, "iterations": -3, "state": {}}, ValueError, "iterations must be an integer >= 0"),
    ({"lr": 0.1, "iterations": 1.5, "state": {}}, ValueError, "iterations"),
    ({"lr": 0.1, "iterations": 1, "state": []}, ValueError, "'state' must be a dict"),
    ({"lr": 0.1, "iterations": 1, "state": {"W": {"v": np.ones(3, complex)}}}, ValueError, r"\['v'\] is complex"),
    ({"lr": 0.1, "iterations": 1, "state": {"W": {"v": np.array(["a"])}}}, ValueError, "<U1"),
    ({"lr": 0.1, "iterations": 1, "state": {"W": 3}}, ValueError, "must be a dict of arrays"),
    ({"type": "Adam", "lr": 0.1, "iterations": 1, "state": {}}, ValueError, "state of 'Adam', not of 'Momentum'"),
])
def test_malformed_state_dicts(state, error, message):
    opt, p = trained(Momentum)
    before = opt.state_dict()
    with pytest.raises(error, match=message):
        opt.load_state_dict(state)
    assert opt.lr == before["lr"] and opt.iterations == before["iterations"]
    assert np.array_equal(opt.state["W"]["v"], before["state"]["W"]["v"])


def test_adam_state_arrays_of_unequal_shapes_are_refused():
    state = trained(Adam)[0].state_dict()
    state["state"]["W"]["v"] = np.ones(5, np.float32)
    with pytest.raises(ValueError, match="arrays differ in shape"):
        Adam().load_state_dict(state)


@pytest.mark.parametrize("cls", [Momentum, Nesterov, AdaGrad, RMSprop, Adam], ids=IDS[1:])
def test_loaded_state_of_another_shape_is_refused_at_the_next_update(cls):
    """A velocity (4,) for a (3, 4) parameter would broadcast silently; it is refused instead."""
    opt, _ = trained(cls)
    state = opt.state_dict()
    entries = state["state"]["W"]
    for name in entries:
        if entries[name].ndim:
            entries[name] = np.ones(4, np.float32)
    fresh = cls(lr=0.1)
    fresh.load_state_dict(state)
    p = params()
    with pytest.raises(ValueError, match=r"loaded state W\.\w+ is float32\[4\], the parameter is float32\[3, 4\]"):
        fresh.update(p, grads())
    assert np.array_equal(p["W"], params()["W"])


def assert_state_is(opt, state):
    """``opt`` has exactly ``state`` (from ``state_dict()``): step count and every state array."""
    assert opt.iterations == state["iterations"]
    assert opt.state.keys() == state["state"].keys()
    for key, entries in state["state"].items():
        assert opt.state[key].keys() == entries.keys()
        for name, value in entries.items():
            assert np.array_equal(opt.state[key][name], value) and opt.state[key][name].shape == value.shape


@pytest.mark.parametrize("cls", [Momentum, Nesterov, AdaGrad, RMSprop, Adam], ids=IDS[1:])
@pytest.mark.parametrize("shape", [(), (1,), (3, 1)], ids=["0-d", "(1,)", "(3, 1)"])
def test_loaded_state_that_would_broadcast_is_refused_and_nothing_changes(cls, shape):
    """A 0-d (or other broadcastable) velocity once passed the check, then failed inside NumPy half-way
    through the update, after the step count had moved on."""
    opt, _ = trained(cls)
    state = opt.state_dict()
    for name, value in state["state"]["W"].items():
        if value.dtype.kind == "f":
            state["state"]["W"][name] = np.zeros(shape, np.float32)
    fresh = cls(lr=0.1)
    fresh.load_state_dict(state)
    p = params()
    shown = re.escape(f"float32{list(shape)}, the parameter is float32[3, 4]")
    with pytest.raises(ValueError, match=rf"{cls.__name__}\.update: loaded state W\.\w+ is {shown}"):
        fresh.update(p, grads())
    for key, value in params().items():
        assert np.array_equal(p[key], value)
    assert_state_is(fresh, state)
    with pytest.raises(ValueError, match="loaded state W"):   # and again: the bad state is still there
        fresh.update(p, grads())


def test_the_exact_momentum_case_of_a_0d_velocity():
    opt = Momentum()
    opt.load_state_dict({"type": "Momentum", "lr": 0.01, "iterations": 1, "state": {"W": {"v": np.float32(0)}}})
    p, g = {"W": np.ones((3, 2), np.float32)}, {"W": np.ones((3, 2), np.float32)}
    with pytest.raises(ValueError, match=r"Momentum\.update: loaded state W\.v is float32\[\]"):
        opt.update(p, g)
    assert opt.iterations == 1
    assert np.array_equal(p["W"], np.ones((3, 2), np.float32))


@pytest.mark.parametrize("cls", [Momentum, Nesterov, AdaGrad, RMSprop, Adam], ids=IDS[1:])
def test_a_parameter_whose_shape_changed_meets_its_old_state_with_a_clear_error(cls):
    opt, _ = trained(cls)
    state = opt.state_dict()
    p = {"W": np.ones((4, 4), np.float32), "b": np.zeros(4, np.float32)}
    g = {"W": np.ones((4, 4), np.float32), "b": np.ones(4, np.float32)}
    with pytest.raises(ValueError, match=rf"{cls.__name__}\.update: state W\.\w+ is float32\[3, 4\], "
                                         r"the parameter is float32\[4, 4\]"):
        opt.update(p, g)
    assert np.array_equal(p["W"], np.ones((4, 4), np.float32)) and np.array_equal(p["b"], np.zeros(4, np.float32))
    assert_state_is(opt, state)


@pytest.mark.parametrize("t", [-1, -5])
def test_adam_refuses_a_negative_step_count(t):
    opt, p = trained(Adam)
    state = opt.state_dict()
    bad = opt.state_dict()
    bad["state"]["W"]["t"] = np.array(t)
    with pytest.raises(ValueError, match=rf"Adam\.load_state_dict: state\['W'\]\['t'\] is a step count, "
                                         rf"expected an integer >= 0, got {t}"):
        opt.load_state_dict(bad)
    assert_state_is(opt, state)


def test_adam_step_counts_load_as_int64():
    opt, p = trained(Adam)
    state = opt.state_dict()
    state["state"]["W"]["t"] = np.array(127, np.int8)   # an int8 would wrap round to -128 on the next step
    fresh = Adam(lr=0.1)
    fresh.load_state_dict(state)
    assert fresh.state["W"]["t"].dtype == np.int64
    fresh.update(params(), grads())
    assert int(fresh.state["W"]["t"]) == 128


@pytest.mark.parametrize("cls", ALL, ids=IDS)
def test_state_dict_records_the_type_and_round_trips(cls):
    opt, p = trained(cls)
    state = opt.state_dict()
    assert state["type"] == cls.__name__
    again = cls(lr=0.1)
    again.load_state_dict(state)
    q = {k: v.copy() for k, v in p.items()}
    opt.update(p, grads())
    again.update(q, grads())
    for key in p:
        assert np.array_equal(p[key], q[key])
