"""Softmax followed by the cross-entropy loss, as one layer (chapter 5.6.3)."""

from __future__ import annotations

import numpy as np

from layers.base import Layer
from layers.checks import batch_of, check_labels, float_array
from layers.functions import cross_entropy_of_log, log_softmax


class SoftmaxWithLoss(Layer):
    """loss = -(1/N) sum_n sum_k t[n, k] log y[n, k], with y = softmax(x) for scores x (N, C).

    ``t`` is integer labels (N,) or target rows (N, C), one-hot or soft. Backward: dx = dout * (y - t) / N.
    The loss is taken from log-softmax, so log(0) is never taken (the book adds 1e-7 inside the log).
    """

    def __init__(self) -> None:
        super().__init__()
        self.loss: float | None = None
        self.y: np.ndarray | None = None  # softmax(x)
        self.t: np.ndarray | None = None  # the labels or target rows

    def forward(self, x: np.ndarray, t: np.ndarray) -> float:
        x = batch_of(float_array(x, "SoftmaxWithLoss", "scores"), 2, "SoftmaxWithLoss", "(N, C)")
        self.t = check_labels(t, x.shape[0], x.shape[1], "SoftmaxWithLoss", rows_dtype=x.dtype)
        log_y = log_softmax(x)
        self.y = np.exp(log_y)
        self.loss = cross_entropy_of_log(log_y, self.t)
        return self.loss

    def backward(self, dout: float = 1.0) -> np.ndarray:
        self._require_forward(self.y)
        dout = self._check_dout(dout, ())  # the loss is one number, so is its gradient
        batch_size = self.t.shape[0]
        if self.t.shape == self.y.shape:  # target rows (the book compares sizes, which one class confuses)
            dx = self.y - self.t
        else:  # labels: y - one_hot(t)
            dx = self.y.copy(order="K")  # laid out as y is (column by column), which Affine's backward reads faster
            dx[np.arange(batch_size), self.t] -= 1
        dx *= dout / batch_size
        return dx
