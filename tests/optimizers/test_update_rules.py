"""Chapter-6 optimisers: first steps against arithmetic done by hand, and descent on the book's quadratic."""

from __future__ import annotations

from math import sqrt

import numpy as np
import pytest

from optimizers import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop

# One parameter of two entries and three gradients, shared by the hand-worked examples.
W0 = (1.0, -2.0)
G1 = (0.5, -1.0)
G2 = (0.25, 2.0)
G3 = (-1.0, 0.5)


def run_steps(optimizer, grads) -> list[np.ndarray]:
    """Apply ``grads`` one per update to W = W0; return W after each step (copies)."""
    params = {"W": np.array(W0)}
    history = []
    for g in grads:
        optimizer.update(params, {"W": np.array(g)})
        history.append(params["W"].copy())
    return history


def test_momentum_by_hand():
    steps = run_steps(Momentum(lr=0.1, momentum=0.9), [G1, G2, G3])
    # v1 = -0.1 * (0.5, -1)                       = (-0.05, 0.1);     W1 = (0.95, -1.9)
    # v2 = 0.9 * (-0.05, 0.1) - 0.1 * (0.25, 2)  = (-0.07, -0.11);   W2 = (0.88, -2.01)
    # v3 = 0.9 * (-0.07, -0.11) - 0.1 * (-1, 0.5) = (0.037, -0.149); W3 = (0.917, -2.159)
    np.testing.assert_allclose(steps, [(0.95, -1.9), (0.88, -2.01), (0.917, -2.159)], rtol=1e-13)


def test_nesterov_by_hand():
    steps = run_steps(Nesterov(lr=0.1, momentum=0.9), [G1, G2, G3])
    # W += 0.81 v_old - 1.9 * 0.1 * g, then v = 0.9 v - 0.1 g  (v0 = 0)
    # step 1: W = (1 - 0.095, -2 + 0.19)                              = (0.905, -1.81);  v = (-0.05, 0.1)
    # step 2: W += 0.81 (-0.05, 0.1) - 0.19 (0.25, 2) = (-0.088, -0.299) -> (0.817, -2.109); v = (-0.07, -0.11)
    # step 3: W += 0.81 (-0.07, -0.11) - 0.19 (-1, 0.5) = (0.1333, -0.1841) -> (0.9503, -2.2931)
    np.testing.assert_allclose(steps, [(0.905, -1.81), (0.817, -2.109), (0.9503, -2.2931)], rtol=1e-13)


def test_adagrad_by_hand():
    steps = run_steps(AdaGrad(lr=0.1), [G1, G2])
    # h1 = (0.25, 1);  W1 = W0 - 0.1 * (0.5 / (0.5 + 1e-7), -1 / (1 + 1e-7))
    w1 = (1.0 - 0.1 * 0.5 / (0.5 + 1e-7), -2.0 + 0.1 * 1.0 / (1.0 + 1e-7))
    # h2 = (0.25 + 0.0625, 1 + 4) = (0.3125, 5)
    w2 = (w1[0] - 0.1 * 0.25 / (sqrt(0.3125) + 1e-7), w1[1] - 0.1 * 2.0 / (sqrt(5.0) + 1e-7))
    np.testing.assert_allclose(steps, [w1, w2], rtol=1e-13)
    assert w2 == pytest.approx((0.855279, -1.989443), abs=1e-6)  # the same, rounded by hand


def test_rmsprop_by_hand():
    steps = run_steps(RMSprop(lr=0.1, decay_rate=0.9), [G1, G2])
    # h1 = 0.1 * (0.25, 1) = (0.025, 0.1)
    w1 = (1.0 - 0.1 * 0.5 / (sqrt(0.025) + 1e-7), -2.0 + 0.1 * 1.0 / (sqrt(0.1) + 1e-7))
    # h2 = 0.9 * (0.025, 0.1) + 0.1 * (0.0625, 4) = (0.02875, 0.49)
    w2 = (w1[0] - 0.1 * 0.25 / (sqrt(0.02875) + 1e-7), w1[1] - 0.1 * 2.0 / (0.7 + 1e-7))
    np.testing.assert_allclose(steps, [w1, w2], rtol=1e-13)


def test_adam_by_hand():
    steps = run_steps(Adam(lr=0.1, beta1=0.9, beta2=0.999), [G1, G2])
    # t = 1: m = 0.1 g1 = (0.05, -0.1); v = 0.001 g1^2 = (0.00025, 0.001)
    #        lr_t = 0.1 * sqrt(1 - 0.999) / (1 - 0.9) = sqrt(0.001)
    lr1 = sqrt(0.001)
    w1 = (1.0 - lr1 * 0.05 / (sqrt(0.00025) + 1e-7), -2.0 + lr1 * 0.1 / (sqrt(0.001) + 1e-7))
    # t = 2: m = 0.9 m + 0.1 g2 = (0.07, 0.11); v = 0.999 v + 0.001 g2^2 = (0.00031225, 0.004999)
    #        lr_t = 0.1 * sqrt(1 - 0.999^2) / (1 - 0.9^2) = 0.1 * sqrt(0.001999) / 0.19
    lr2 = 0.1 * sqrt(0.001999) / 0.19
    w2 = (w1[0] - lr2 * 0.07 / (sqrt(0.00031225) + 1e-7), w1[1] - lr2 * 0.11 / (sqrt(0.004999) + 1e-7))
    np.testing.assert_allclose(steps, [w1, w2], rtol=1e-12)
    # Adam's first step is lr in the direction of -sign(g), whatever the size of g
    assert w1 == pytest.approx((0.9, -1.9), abs=1e-5)


def test_defaults_are_the_books():
    assert (Momentum().lr, Momentum().momentum) == (0.01, 0.9)
    assert (Nesterov().lr, Nesterov().momentum) == (0.01, 0.9)
    assert (AdaGrad().lr, AdaGrad().eps) == (0.01, 1e-7)
    assert (RMSprop().lr, RMSprop().decay_rate, RMSprop().eps) == (0.01, 0.99, 1e-7)
    adam = Adam()
    assert (adam.lr, adam.beta1, adam.beta2, adam.eps) == (0.001, 0.9, 0.999, 1e-7)


def test_sgd_default_learning_rate_is_the_books():
    """The book's SGD(lr=0.01): a plain SGD() takes steps of 0.01 times the gradient."""
    assert SGD().lr == 0.01
    W = np.array(W0)
    SGD().update({"W": W}, {"W": np.array(G1)})
    np.testing.assert_allclose(W, np.array(W0) - 0.01 * np.array(G1), rtol=0, atol=1e-15)


def quadratic(p: np.ndarray) -> float:
    """The book's f(x, y) = x^2 / 20 + y^2 (figure 6-2): shallow along x, steep along y."""
    return p[0] ** 2 / 20 + p[1] ** 2


@pytest.mark.parametrize(
    ("optimizer", "dtype"),
    [
        (SGD(lr=0.95), np.float64),
        (Momentum(lr=0.1), np.float64),
        (Nesterov(lr=0.1), np.float64),
        (AdaGrad(lr=1.5), np.float64),
        (RMSprop(lr=0.1), np.float64),
        (Adam(lr=0.3), np.float64),
        (Momentum(lr=0.1), np.float32),
        (Adam(lr=0.3), np.float32),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, type) else v.__name__,
)
def test_descends_the_books_quadratic(optimizer, dtype):
    params = {"xy": np.array([-7.0, 2.0], dtype=dtype)}
    start = quadratic(params["xy"])
    for _ in range(30):
        x, y = params["xy"]
        optimizer.update(params, {"xy": np.array([x / 10, 2 * y], dtype=dtype)})  # the gradient of f
    assert quadratic(params["xy"]) < 0.05 * start


@pytest.mark.parametrize("cls", [Momentum, Nesterov, AdaGrad, RMSprop, Adam])
def test_invalid_hyperparameters_raise(cls):
    with pytest.raises(ValueError, match="learning rate"):
        cls(lr=0)
    if cls in (Momentum, Nesterov):
        with pytest.raises(ValueError, match=f"{cls.__name__}: momentum"):
            cls(momentum=1.0)
    if cls is RMSprop:
        with pytest.raises(ValueError, match="decay_rate"):
            cls(decay_rate=1.5)
    if cls is Adam:
        with pytest.raises(ValueError, match="beta2"):
            cls(beta2=1.0)


@pytest.mark.parametrize(("cls", "name", "bad"), [
    (SGD, "lr", float("nan")), (SGD, "lr", -0.1), (SGD, "lr", float("inf")), (Adam, "lr", "0.1"),
    (Momentum, "momentum", 5.0), (Nesterov, "momentum", -0.5), (AdaGrad, "eps", 0.0),
    (RMSprop, "decay_rate", 1.0), (RMSprop, "eps", float("nan")), (Adam, "beta1", 1.5), (Adam, "beta2", float("nan")),
    (Adam, "eps", -1e-7),
])
def test_a_hyperparameter_set_after_construction_is_checked_too(cls, name, bad):
    """The constructor's rules hold for ``opt.lr = ...`` as well: a NaN lr would fill the parameters with NaN."""
    optimizer = cls()
    before = getattr(optimizer, name)
    with pytest.raises(TypeError if isinstance(bad, str) else ValueError, match=f"{cls.__name__}: {name}"):
        setattr(optimizer, name, bad)
    assert getattr(optimizer, name) == before
    params = {"w": np.ones(3)}
    optimizer.update(params, {"w": np.ones(3)})
    assert np.isfinite(params["w"]).all()


def test_a_schedule_may_set_the_learning_rate_to_zero():
    optimizer = SGD(lr=0.1)
    optimizer.lr = 0          # a warm-up's first step
    params = {"w": np.ones(3)}
    optimizer.update(params, {"w": np.ones(3)})
    assert optimizer.lr == 0.0 and isinstance(optimizer.lr, float) and (params["w"] == 1).all()


@pytest.mark.parametrize(("make", "names"), [(lambda: Momentum(lr=0.1), ["v"]), (lambda: Nesterov(lr=0.1), ["v"]),
                                             (lambda: AdaGrad(lr=0.1), ["h"]), (lambda: RMSprop(lr=0.1), ["h"]),
                                             (lambda: Adam(lr=0.1), ["m", "v"])])
def test_the_books_state_attributes_are_the_state_arrays(make, names):
    """The book's optimisers keep self.v, self.h or self.m (None until the first update) keyed like params."""
    optimizer = make()
    assert all(getattr(optimizer, name) is None for name in names)
    run_steps(optimizer, [G1])
    assert optimizer.iterations == 1
    for name in names:
        by_key = getattr(optimizer, name)
        assert list(by_key) == ["W"] and by_key["W"] is optimizer.state["W"][name]
        with pytest.raises(AttributeError, match=rf"{type(optimizer).__name__}\.{name} is read-only"):
            setattr(optimizer, name, None)
    # Momentum's velocity after one step is -lr * g; AdaGrad's h is g^2; Adam's m is (1 - beta1) g
    expected = {"Momentum": -0.1 * np.array(G1), "Nesterov": -0.1 * np.array(G1), "AdaGrad": np.square(G1),
                "RMSprop": 0.01 * np.square(G1), "Adam": 0.1 * np.array(G1)}[type(optimizer).__name__]
    np.testing.assert_allclose(getattr(optimizer, names[0])["W"], expected, rtol=1e-13)


def test_adams_iter_counts_updates_as_the_books_does():
    adam = Adam()
    assert adam.iter == 0
    run_steps(adam, [G1, G2, G3])
    assert adam.iter == 3 == int(adam.state["W"]["t"])
