"""RMSprop: AdaGrad with an exponentially forgetting history (chapter 6.1.5)."""

from __future__ import annotations

import numpy as np

from optimizers.base import Optimizer


class RMSprop(Optimizer):
    """h <- decay_rate * h + (1 - decay_rate) * g * g;  W <- W - lr * g / (sqrt(h) + eps).

    Unlike AdaGrad's, old gradients fade, so the step never shrinks to zero for good. ``h`` lives in
    ``state[key]["h"]``; ``eps`` is the book's 1e-7.
    """

    def __init__(self, lr: float = 0.01, decay_rate: float = 0.99, eps: float = 1e-7) -> None:
        super().__init__(lr)
        if not 0 <= decay_rate < 1:
            raise ValueError(f"RMSprop: decay_rate must lie in [0, 1), got {decay_rate}")
        self.decay_rate = float(decay_rate)
        self.eps = float(eps)

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
