"""Small data and instrumented networks for the training tests."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Mapping

import numpy as np
import pytest

from networks import TwoLayerNet
from optimizers import Optimizer


def make_blobs(n: int, d: int = 8, c: int = 3, seed: int = 0, spread: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` float32 points around ``c`` Gaussian centres in ``d`` dimensions, with integer labels."""
    rng = np.random.default_rng(seed)
    centres = spread * rng.standard_normal((c, d))
    t = rng.integers(0, c, n)
    x = (centres[t] + rng.standard_normal((n, d))).astype(np.float32)
    return x, t


class Instrumented:
    """Wraps a network: records every training batch and evaluation call, and injects faults on request.

    ``nan_at``: the loss_and_gradient call (1-based) that reports a NaN loss; ``raise_at``: the call that
    raises KeyboardInterrupt (as Ctrl-C in the middle of a forward pass); ``sigint_at``: the call that
    sends SIGINT to this process (a real Ctrl-C). Each fault fires once.
    """

    def __init__(self, network: TwoLayerNet, *, nan_at: int | None = None, raise_at: int | None = None,
                 sigint_at: int | None = None) -> None:
        self.network = network
        self.params = network.params
        self.nan_at, self.raise_at, self.sigint_at = nan_at, raise_at, sigint_at
        self.calls = 0
        self.batches: list[tuple[np.ndarray, np.ndarray]] = []
        self.evaluated: list[np.ndarray] = []

    def __getattr__(self, name: str):   # layers, last_layer, ...: those of the wrapped network
        return getattr(self.network, name)

    def loss_and_gradient(self, x: np.ndarray, t: np.ndarray) -> tuple[float, Mapping[str, np.ndarray]]:
        self.calls += 1
        self.batches.append((x.copy(), t.copy()))
        if self.calls == self.raise_at:
            raise KeyboardInterrupt
        if self.calls == self.sigint_at:
            os.kill(os.getpid(), signal.SIGINT)
        loss, grads = self.network.loss_and_gradient(x, t)
        if self.calls == self.nan_at:
            loss = float("nan")
        return loss, grads

    def accuracy(self, x: np.ndarray, t: np.ndarray) -> float:
        self.evaluated.append(x.copy())
        return self.network.accuracy(x, t)


class HeavyBall(Optimizer):
    """A stateful optimiser for the tests: v <- mu v - lr g;  W <- W + v."""

    def __init__(self, lr: float = 0.05, momentum: float = 0.9) -> None:
        super().__init__(lr)
        self.momentum = momentum

    def _update_one(self, key: str, param: np.ndarray, grad: np.ndarray) -> None:
        state = self.state.setdefault(key, {"v": np.zeros_like(param)})
        state["v"] *= self.momentum
        state["v"] -= self.lr * grad
        param += state["v"]


@pytest.fixture
def blobs() -> Callable[..., tuple[np.ndarray, np.ndarray]]:
    return make_blobs


@pytest.fixture
def instrumented() -> type[Instrumented]:
    return Instrumented


@pytest.fixture
def heavy_ball() -> type[HeavyBall]:
    return HeavyBall
