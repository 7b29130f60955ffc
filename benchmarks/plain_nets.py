"""Training steps written out in plain float32 NumPy, for the benchmarks to time beside zeroprop.

No layers, no checks and no reused memory: what someone writes who follows the maths with NumPy
alone. :class:`PlainNumpyNet` is the two-layer net with SGD, the reference point the 784-50-10 speed
target is set against; a test checks that it trains exactly like TwoLayerNet. (The ConvNets need no
such reference: ``fast=False`` builds them from the book's layers.)
"""

from __future__ import annotations

import numpy as np


def softmax_cross_entropy(s: np.ndarray, t: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of softmax(s) (N, C) against integer labels t (N,), and its gradient ds.

    loss = mean over n of log(sum_k e^s'_k) - s'_t with s' = s - max s;  ds = (softmax(s) - onehot(t)) / N.
    """
    n = s.shape[0]
    rows = np.arange(n)
    shifted = s - s.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(axis=1, keepdims=True)
    loss = float(np.log(total).sum() - shifted[rows, t].sum()) / n
    ds = e / total
    ds[rows, t] -= 1
    ds /= n
    return loss, ds


class PlainNumpyNet:
    """Forward, loss, backward and SGD for the two-layer net written out in one method: float32,
    no layers, no checks, no reused memory: the "plain float32 NumPy implementation" the 784-50-10
    target is set against, timed in the same run as zeroprop and torch.

    h = x W1 + b1, a = max(h, 0), s = a W2 + b2, loss and ds from :func:`softmax_cross_entropy`,
    dW2 = a^T ds, db2 = sum over n of ds, da = ds W2^T where h > 0 (else 0), dW1 = x^T da,
    db1 = sum over n of da.
    """

    def __init__(self, params: dict[str, np.ndarray], lr: float = 0.1) -> None:
        self.params = {key: np.array(value, dtype=np.float32) for key, value in params.items()}  # copies
        self.lr = lr

    def sgd_step(self, x: np.ndarray, t: np.ndarray) -> float:
        p, lr = self.params, self.lr
        h = x @ p["W1"] + p["b1"]
        mask = h > 0
        a = h * mask
        s = a @ p["W2"] + p["b2"]
        loss, ds = softmax_cross_entropy(s, t)
        da = ds @ p["W2"].T * mask
        p["W2"] -= lr * (a.T @ ds)
        p["b2"] -= lr * ds.sum(axis=0)
        p["W1"] -= lr * (x.T @ da)
        p["b1"] -= lr * da.sum(axis=0)
        return loss
