"""Training steps written out in plain float32 NumPy, for the benchmarks to time beside zeroprop.

No layers, no checks and no reused memory: what someone writes who follows the maths with NumPy
alone. :class:`PlainNumpyNet` is the two-layer net with SGD, the reference point the 784-50-10 speed
target is set against; :class:`PlainSimpleConvNet` is SimpleConvNet the textbook's way (its im2col
layout, max pooling through im2col and argmax, col2im, the book's Adam), for scale. Tests check
that both train exactly like the networks they stand for.
"""

from __future__ import annotations

import math

import numpy as np

from layers.im2col import col2im, im2col


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


class PlainSimpleConvNet:
    """conv (FN, 1, FH, FW) -> ReLU -> 2x2 max pool -> affine -> ReLU -> affine -> softmax loss, and Adam.

    conv:    col = im2col(x) (N*OH*OW, C*FH*FW), out = col W_col^T + b,  dW_col = dout^T col,  db = sum dout
    pool:    the maximum of each row of im2col(a, 2, 2, stride 2); dx = col2im(dout at each row's argmax)
    Adam:    m += (1 - b1)(g - m),  v += (1 - b2)(g^2 - v),  W -= lr sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps)
    """

    def __init__(self, params: dict[str, np.ndarray], stride: int = 1, pad: int = 0, lr: float = 0.001,
                 beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-7) -> None:
        self.params = {key: np.array(value, dtype=np.float32) for key, value in params.items()}  # copies
        self.stride, self.pad = stride, pad
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m = {key: np.zeros_like(value) for key, value in self.params.items()}
        self.v = {key: np.zeros_like(value) for key, value in self.params.items()}
        self.iterations = 0

    def gradient(self, x: np.ndarray, t: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
        p = self.params
        N = x.shape[0]
        FN, C, FH, FW = p["W1"].shape
        col = im2col(x, FH, FW, self.stride, self.pad)
        oh = (x.shape[2] + 2 * self.pad - FH) // self.stride + 1
        ow = (x.shape[3] + 2 * self.pad - FW) // self.stride + 1
        W_col = p["W1"].reshape(FN, -1)
        conv = (col @ W_col.T + p["b1"]).reshape(N, oh, ow, FN).transpose(0, 3, 1, 2)
        conv_mask = conv > 0
        a1 = conv * conv_mask
        pool_col = im2col(a1, 2, 2, 2, 0).reshape(-1, 4)
        arg_max = np.argmax(pool_col, axis=1)
        pooled = np.max(pool_col, axis=1).reshape(N, oh // 2, ow // 2, FN).transpose(0, 3, 1, 2)
        flat = pooled.reshape(N, -1)
        h = flat @ p["W2"] + p["b2"]
        h_mask = h > 0
        a2 = h * h_mask
        s = a2 @ p["W3"] + p["b3"]
        loss, ds = softmax_cross_entropy(s, t)
        grads = {"W3": a2.T @ ds, "b3": ds.sum(axis=0)}
        dh = ds @ p["W3"].T * h_mask
        grads["W2"], grads["b2"] = flat.T @ dh, dh.sum(axis=0)
        dpooled = (dh @ p["W2"].T).reshape(pooled.shape).transpose(0, 2, 3, 1).reshape(-1)
        dmax = np.zeros((dpooled.size, 4), dtype=np.float32)
        dmax[np.arange(dpooled.size), arg_max] = dpooled
        da1 = col2im(dmax.reshape(N * (oh // 2) * (ow // 2), -1), a1.shape, 2, 2, 2, 0)
        dconv = (da1 * conv_mask).transpose(0, 2, 3, 1).reshape(-1, FN)
        grads["W1"] = (dconv.T @ col).reshape(p["W1"].shape)
        grads["b1"] = dconv.sum(axis=0)
        return loss, grads

    def adam_step(self, x: np.ndarray, t: np.ndarray) -> float:
        loss, grads = self.gradient(x, t)
        self.iterations += 1
        k = self.iterations
        lr_t = self.lr * math.sqrt(1.0 - self.beta2**k) / (1.0 - self.beta1**k)
        for key, g in grads.items():
            m, v = self.m[key], self.v[key]
            m += (1 - self.beta1) * (g - m)
            v += (1 - self.beta2) * (g * g - v)
            self.params[key] -= lr_t * m / (np.sqrt(v) + self.eps)
        return loss
