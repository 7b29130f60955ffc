"""The optimiser contract: ``update(params, grads)`` changes ``params`` in place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np


class Optimizer:
    """Base class. Per-parameter state (velocities, moments) is keyed by parameter name and created
    lazily on the first ``update``; ``state_dict``/``load_state_dict`` save and restore it exactly."""

    def __init__(self, lr: float) -> None:
        if not lr > 0:
            raise ValueError(f"{type(self).__name__}: learning rate must be positive, got {lr}")
        self.lr = float(lr)
        self.state: dict[str, dict[str, np.ndarray]] = {}
        self.iterations = 0

    def update(self, params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray]) -> None:
        if not grads.keys() >= params.keys():
            missing = [k for k in params if k not in grads]
            raise KeyError(f"{type(self).__name__}.update: no gradient for parameter(s) {missing}")
        self.iterations += 1
        for key, p in params.items():
            self._update_one(key, p, grads[key])

    def _update_one(self, key: str, param: np.ndarray, grad: np.ndarray) -> None:
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """Learning rate, step count and per-parameter state, as plain arrays (savable with np.savez)."""
        return {
            "lr": self.lr,
            "iterations": self.iterations,
            "state": {k: {n: v.copy() for n, v in s.items()} for k, s in self.state.items()},
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.lr = float(state["lr"])
        self.iterations = int(state["iterations"])
        self.state = {k: {n: np.array(v) for n, v in s.items()} for k, s in state["state"].items()}
