"""Softmax followed by the cross-entropy loss, as one layer (chapter 5.6.3)."""

from __future__ import annotations

import numpy as np

from layers.base import Layer
from layers.checks import batch_of, float_array, real_array
from layers.functions import cross_entropy_of_log, log_softmax


def check_labels(t: np.ndarray, n: int, n_classes: int, owner: str, rows_dtype: np.dtype | None = None) -> np.ndarray:
    """Validate labels for ``n`` scores over ``n_classes`` classes; return them as an array.

    Accepts integer labels of shape (n,) in [0, n_classes) (integral floats are accepted too; so is
    a column of them, (n, 1), as the book's chapter-7 gradient check passes, returned as (n,))
    or target rows of shape (n, n_classes) (one-hot or soft: >= 0, each summing to 1), returned in
    ``rows_dtype`` when given (the scores' dtype: float64 one-hot rows must not make a float32
    network's gradients float64). Anything else raises ValueError.
    """
    t = real_array(t, owner, "labels")
    if t.shape == (n, n_classes):
        check_target_rows(t, owner)
        return t if rows_dtype is None else t.astype(rows_dtype, copy=False)
    if t.shape == (n, 1):  # a column of labels (with one class it was taken as rows above)
        t = t.reshape(n)
    if t.shape != (n,):
        raise ValueError(
            f"{owner}: expected labels of shape ({n},) or ({n}, 1), or one-hot rows of shape ({n}, {n_classes}), "
            f"got shape {t.shape}"
        )
    if t.dtype.kind not in "iu":
        if t.dtype.kind == "f" and not np.isfinite(t).all():
            raise ValueError(f"{owner}: expected integer class labels in [0, {n_classes - 1}], got non-finite values")
        if t.dtype.kind != "f" or not np.array_equal(t, np.round(t)):
            what = "with non-integer values" if t.dtype.kind == "f" else "(labels are class numbers 0, 1, ...)"
            raise ValueError(f"{owner}: expected integer class labels, got dtype {t.dtype} {what}")
        t = t.astype(np.intp)
    # Viewed as unsigned, negative labels wrap round to huge values: one max checks both ends.
    if n and t.view(t.dtype.str.replace("i", "u")).max() >= n_classes:
        raise ValueError(
            f"{owner}: labels must lie in [0, {n_classes - 1}], got values from {t.min()} to {t.max()}"
        )
    return t


def check_target_rows(t: np.ndarray, owner: str) -> None:
    """ValueError unless every row of ``t`` (N, C) is a distribution over the classes: no negative entry,
    a sum of 1 (to 1e-3, so float16 rows pass). A row of zeros would give a loss of 0 and count as class 0."""
    sums = t.sum(axis=1, dtype=np.float64)
    bad = np.flatnonzero(~(np.abs(sums - 1.0) <= 1e-3))
    if bad.size:
        raise ValueError(f"{owner}: target rows must each sum to 1 (one-hot or a distribution over the classes); "
                         f"row {bad[0]} sums to {sums[bad[0]]:g} ({bad.size} such row(s))")
    if t.min() < 0:
        row = int(np.flatnonzero((t < 0).any(axis=1))[0])
        raise ValueError(f"{owner}: target rows must not hold negative values; row {row} does")


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
