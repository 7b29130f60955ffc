"""RMSprop: AdaGrad with an exponentially forgetting history (chapter 6.1.5)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from optimizers.base import HyperParameter, Optimizer, StateByKey, fraction, positive


class RMSprop(Optimizer):
    """h <- decay_rate * h + (1 - decay_rate) * g * g;  W <- W - lr * g / (sqrt(h) + eps).

    Unlike AdaGrad's, old gradients fade, so the step never shrinks to zero for good. ``h`` lives in
    ``state[key]["h"]``; ``eps`` is the book's 1e-7.
    """

    state_kinds: ClassVar[dict[str, str] | None] = {"h": "f"}
    nonnegative_state: ClassVar[frozenset[str]] = frozenset({"h"})
    decay_rate = HyperParameter(fraction)  # checked whenever set
    eps = HyperParameter(positive)  # checked whenever set
    h = StateByKey("h")  # the book's self.h: {key: moving average of squared gradients}

    def __init__(self, lr: float = 0.01, decay_rate: float = 0.99, eps: float = 1e-7) -> None:
        super().__init__(lr)
        self.decay_rate = decay_rate
        self.eps = eps

    def _update_one(self, key: str, param: np.ndarray, grad: np.ndarray) -> None:
        if key not in self.state:
            self.state[key] = {"h": np.zeros_like(param)}
        h = self.state[key]["h"]
        h *= self.decay_rate
        square = np.square(grad, out=self._workspace(key, grad))
        square *= 1 - self.decay_rate
        h += square
        step = np.sqrt(h, out=self._workspace(key, h))
        step += self.eps
        np.divide(grad, step, out=step)
        step *= self.lr
        param -= step
