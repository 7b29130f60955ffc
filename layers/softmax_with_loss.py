"""Softmax followed by the cross-entropy loss, as one layer (chapter 5.6.3)."""

from __future__ import annotations

import numpy as np

from layers.base import Layer
from layers.functions import rows_reducible


def check_labels(t: np.ndarray, n: int, n_classes: int, owner: str) -> np.ndarray:
    """Validate labels for ``n`` scores over ``n_classes`` classes; return them as an array.

    Accepts integer labels of shape (n,) in [0, n_classes) (integral floats are accepted too)
    or target rows of shape (n, n_classes) (one-hot or soft). Anything else raises ValueError.
    """
    t = np.asarray(t)
    if t.shape == (n, n_classes):
        return t
    if t.shape != (n,):
        raise ValueError(
            f"{owner}: expected labels of shape ({n},) or one-hot rows of shape ({n}, {n_classes}), "
            f"got shape {t.shape}"
        )
    if t.dtype.kind not in "iu":
        if t.dtype.kind != "f" or not np.array_equal(t, np.round(t)):
            raise ValueError(f"{owner}: expected integer class labels, got dtype {t.dtype} with non-integer values")
        t = t.astype(np.intp)
    # Viewed as unsigned, negative labels wrap round to huge values: one max checks both ends.
    if n and t.view(t.dtype.str.replace("i", "u")).max() >= n_classes:
        raise ValueError(
            f"{owner}: labels must lie in [0, {n_classes - 1}], got values from {t.min()} to {t.max()}"
        )
    return t


class SoftmaxWithLoss(Layer):
    """loss = mean over N of -sum_k t_k log softmax(x)_k, for scores x of shape (N, C).

    ``t`` is integer labels (N,) or target rows (N, C). Backward: dx = dout * (y - t) / N,
    with y = softmax(x). The loss comes from log-softmax, so log(0) is never taken.
    """

    def __init__(self) -> None:
        super().__init__()
        self.loss: float | None = None
        self.y: np.ndarray | None = None
        self.t: np.ndarray | None = None
        self._rows = np.arange(0)  # 0..N-1, kept for picking each row's label column

    def _row_index(self, n: int) -> np.ndarray:
        if self._rows.shape[0] != n:
            self._rows = np.arange(n)
        return self._rows

    def forward(self, x: np.ndarray, t: np.ndarray) -> float:
        if x.ndim != 2:
            raise ValueError(f"SoftmaxWithLoss: expected scores of shape (N, C), got shape {x.shape}")
        n = x.shape[0]
        t = check_labels(t, n, x.shape[1], "SoftmaxWithLoss")
        # log y = s - log(sum exp s), with s = x - row max: one exp pass gives both y and the loss
        x = rows_reducible(x)
        shifted = x - np.maximum.reduce(x, axis=1, keepdims=True)
        y = np.exp(shifted)
        total = np.add.reduce(y, axis=1, keepdims=True)
        log_total = np.log(total)
        if t.ndim == 2:
            self.loss = float(np.add.reduce((log_total - shifted) * t, axis=None) / n)
        else:
            self.loss = float(np.add.reduce(log_total[:, 0] - shifted[self._row_index(n), t]) / n)
        y /= total
        self.y = y
        self.t = t
        return self.loss

    def backward(self, dout: float = 1.0) -> np.ndarray:
        self._require_forward(self.y)
        n = self.y.shape[0]
        scale = dout / n
        if self.t.ndim == 2:
            dx = self.y - self.t
            dx *= scale
        else:
            dx = np.multiply(self.y, scale, dtype=self.y.dtype)  # a new array, laid out like y
            dx[self._row_index(n), self.t] -= scale
        return dx
