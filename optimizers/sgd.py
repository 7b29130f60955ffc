"""Stochastic gradient descent (chapter 6.1.2)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from optimizers.base import Optimizer


class SGD(Optimizer):
    """W <- W - lr * dL/dW."""

    state_kinds: ClassVar[dict[str, str] | None] = {}

    def __init__(self, lr: float = 0.01) -> None:
        super().__init__(lr)

    def _update_one(self, key: str, param: np.ndarray, grad: np.ndarray) -> None:
        step = np.multiply(grad, self.lr, out=self._workspace(key, grad))
        param -= step
