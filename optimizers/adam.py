"""Adam: momentum plus RMSprop-style scaling, with bias correction (chapter 6.1.6, arXiv:1412.6980)."""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from optimizers.base import HyperParameter, Optimizer, StateByKey, fraction, positive


class Adam(Optimizer):
    """With g = dL/dW and t the number of updates this parameter has had (1 on the first):

        m <- m + (1 - beta1) * (g - m)          (= beta1 m + (1 - beta1) g)
        v <- v + (1 - beta2) * (g * g - v)      (= beta2 v + (1 - beta2) g^2)
        lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)
        W <- W - lr_t * m / (sqrt(v) + eps)

    As in the book, eps (1e-7) is added to sqrt(v) before the bias correction is folded into lr_t;
    ``torch.optim.Adam`` adds it after, so the two agree exactly only when eps is negligible.
    ``state[key]`` holds ``m``, ``v`` and the step count ``t`` (a 0-d int64 array), so ``state_dict``
    resumes exactly and a parameter first seen late gets its own bias correction; when every
    parameter is updated on every call, t equals ``self.iterations``.
    """

    state_kinds: ClassVar[dict[str, str] | None] = {"m": "f", "v": "f", "t": "i"}
    nonnegative_state: ClassVar[frozenset[str]] = frozenset({"v"})
    beta1 = HyperParameter(fraction)  # checked whenever set
    beta2 = HyperParameter(fraction)  # checked whenever set
    eps = HyperParameter(positive)  # checked whenever set
    m = StateByKey("m")  # the book's self.m and self.v: {key: first / second moment}
    v = StateByKey("v")

    def __init__(self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-7) -> None:
        super().__init__(lr)
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps

    @property
    def iter(self) -> int:
        """The book's ``self.iter``: how many updates this optimiser has made (``iterations``)."""
        return self.iterations

    def _update_one(self, key: str, param: np.ndarray, grad: np.ndarray) -> None:
        if key not in self.state:
            self.state[key] = {"m": np.zeros_like(param), "v": np.zeros_like(param), "t": np.array(0, np.int64)}
        s = self.state[key]
        m, v, t = s["m"], s["v"], s["t"]
        t += 1
        step = int(t)
        lr_t = self.lr * math.sqrt(1.0 - self.beta2**step) / (1.0 - self.beta1**step)

        buf = self._workspace(key, m)
        np.subtract(grad, m, out=buf, dtype=m.dtype)
        buf *= 1 - self.beta1
        m += buf
        np.square(grad, out=buf)
        buf -= v
        buf *= 1 - self.beta2
        v += buf
        np.sqrt(v, out=buf)
        buf += self.eps
        np.divide(m, buf, out=buf)
        buf *= lr_t
        param -= buf
