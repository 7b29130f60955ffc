"""AdaGrad: a learning rate per parameter entry that decays with its own history (chapter 6.1.5)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from optimizers.base import HyperParameter, Optimizer, StateByKey, positive


class AdaGrad(Optimizer):
    """h <- h + g * g;  W <- W - lr * g / (sqrt(h) + eps), element-wise, with g = dL/dW.

    Entries that have moved a lot take smaller steps. ``h`` lives in ``state[key]["h"]``.
    ``eps`` (the book's 1e-7) only keeps the division finite while h is zero.
    """

    state_kinds: ClassVar[dict[str, str] | None] = {"h": "f"}
    nonnegative_state: ClassVar[frozenset[str]] = frozenset({"h"})
    eps = HyperParameter(positive)  # checked whenever set
    h = StateByKey("h")  # the book's self.h: {key: sum of squared gradients}

    def __init__(self, lr: float = 0.01, eps: float = 1e-7) -> None:
        super().__init__(lr)
        self.eps = eps

    def _update_one(self, key: str, param: np.ndarray, grad: np.ndarray) -> None:
        if key not in self.state:
            self.state[key] = {"h": np.zeros_like(param)}
        h = self.state[key]["h"]
        h += np.square(grad, out=self._workspace(key, grad))
        step = np.sqrt(h, out=self._workspace(key, h))
        step += self.eps
        np.divide(grad, step, out=step)
        step *= self.lr
        param -= step
