"""Nesterov's accelerated gradient (chapter 6.1.7, Bengio et al. 2012, arXiv:1212.0901)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from optimizers.base import HyperParameter, Optimizer, StateByKey, fraction


class Nesterov(Optimizer):
    """Momentum that looks ahead, written in terms of the gradient at the current W:

        W <- W + momentum^2 * v - (1 + momentum) * lr * dL/dW
        v <- momentum * v - lr * dL/dW

    The W step uses the velocity from *before* this update (equation 7 of the paper), in the order of
    the book's code; it is the same update as ``torch.optim.SGD(nesterov=True)`` with
    v = -lr * buffer. Velocity per parameter in ``state[key]["v"]``.
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
        m = self.momentum
        param += np.multiply(v, m * m, out=self._workspace(key, v))
        step = self._workspace(key, grad)
        param -= np.multiply(grad, (1 + m) * self.lr, out=step)
        v *= m
        v -= np.multiply(grad, self.lr, out=step)
