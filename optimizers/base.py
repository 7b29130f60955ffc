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
        self._workspaces: dict[tuple[str, np.dtype], np.ndarray] = {}  # working memory, not state

    def update(self, params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray]) -> None:
        if not grads.keys() >= params.keys():
            missing = [k for k in params if k not in grads]
            raise KeyError(f"{type(self).__name__}.update: no gradient for parameter(s) {missing}")
        self.iterations += 1
        for key, p in params.items():
            self._update_one(key, p, grads[key])

    def _update_one(self, key: str, param: np.ndarray, grad: np.ndarray) -> None:
        raise NotImplementedError

    def _workspace(self, key: str, like: np.ndarray) -> np.ndarray:
        """Uninitialised memory of ``like``'s shape and dtype, kept for parameter ``key`` between updates.

        An update's temporaries (lr * g, say) are as large as the parameter. Made afresh on every
        update, one above the allocator's threshold (128 KiB) comes straight from the operating system
        on some runs and not on others, and the page faults of its first write cost more than the
        arithmetic: measured on TwoLayerNet 784-50-10, SGD's update took 40 or 130 us from run to run.
        """
        workspace = self._workspaces.get((key, like.dtype))
        if workspace is None or workspace.shape != like.shape:
            workspace = self._workspaces[key, like.dtype] = np.empty(like.shape, like.dtype)
        return workspace

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
