"""Momentum SGD (chapter 6.1.4)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from optimizers.base import HyperParameter, Optimizer, StateByKey, fraction


class Momentum(Optimizer):
    """v <- momentum * v - lr * dL/dW;  W <- W + v.

    ``v`` (the velocity, a ball rolling downhill) starts at zero and is kept per parameter in
    ``state[key]["v"]``, with the parameter's shape and dtype.
    """

    state_kinds: ClassVar[dict[str, str] | None] = {"v": "f"}
    momentum = HyperParameter(fraction)  # checked whenever set
    v = StateByKey("v")  # the book's self.v: {key: velocity}

    def __init__(self, lr: float = 0.01, momentum: float = 0.9) -> None:
        super().__init__(lr)
        self.momentum = momentum

    def _update_one(self, key: str, param: np.ndarray, grad: np.ndarray) -> None:
        if key not in self.state:
            self.state[key] = {"v": np.zeros_like(param)}
        v = self.state[key]["v"]
        v *= self.momentum
        v -= np.multiply(grad, self.lr, out=self._workspace(key, grad))
        param += v
