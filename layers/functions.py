"""Pure NumPy maths used by the layers (the book's ``common/functions.py``)."""

from __future__ import annotations

import numpy as np

from layers.checks import check_labels


def column_major(x: np.ndarray) -> np.ndarray:
    """``x`` laid out column by column (a copy unless it already is), for reductions along its last axis.

    Softmax reduces each row of (N, C) scores, and C is small (10 classes): NumPy then loops over the
    N rows one at a time, while over column-major memory it adds whole columns at once, about three
    times faster for (100, 10). Same values, same shape; only the memory order differs.
    """
    return np.asfortranarray(x) if x.ndim == 2 else x


def sigmoid(x: np.ndarray | float) -> np.ndarray:
    """1 / (1 + exp(-x)), finite and warning-free for any finite x.

    exp is only ever taken of -|x| <= 0, so it cannot overflow:
    x >= 0: 1 / (1 + e^-|x|);  x < 0: e^-|x| / (1 + e^-|x|).
    Integers and booleans are taken as float64 (an unsigned -|x| would wrap round, a small int's exp
    come out in float16).
    """
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


def softmax(x: np.ndarray) -> np.ndarray:
    """exp(x - max) / sum(exp(x - max)) along the last axis; the shift keeps exp from overflowing."""
    x = column_major(np.asarray(x))
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(x: np.ndarray) -> np.ndarray:
    """log(softmax(x)) along the last axis, computed without ever taking log(0)."""
    x = column_major(np.asarray(x))
    shifted = x - np.maximum.reduce(x, axis=-1, keepdims=True)
    return shifted - np.log(np.add.reduce(np.exp(shifted), axis=-1, keepdims=True))


CROSS_ENTROPY_DELTA = 1e-7  # the book's delta: log(y + delta) is never log(0)


def cross_entropy_error(y: np.ndarray, t: np.ndarray) -> float:
    """Mean over the batch of -sum_k t_k log(y_k + delta), delta = 1e-7, for probabilities ``y`` (N, C) or (C,).

    The book's formula (chapter 4.2.2), so its examples give its numbers (0.510825457099338 for a
    correct class at 0.6, 2.302584092994546 at 0.1), and a correct class at probability 0 costs
    -log(1e-7) = 16.118 whatever the dtype. ``t`` is either integer labels (N,) or (N, 1), or target rows
    (one-hot or soft) of the same shape as ``y``. The SoftmaxWithLoss layer takes the exact -log softmax
    instead (no delta: its gradient y - t is then the loss's exact derivative), which differs from this by
    at most delta / y_k.
    """
    y = np.asarray(y)
    t = np.asarray(t)
    if y.ndim == 1:
        y = y.reshape(1, -1)
        t = t.reshape(1, -1) if t.size == y.size else t.reshape(1) if t.size == 1 else t
    if y.ndim != 2:
        raise ValueError(f"cross_entropy_error: expected probabilities y of shape (N, C) or (C,), got shape {y.shape}")
    t = check_labels(t, y.shape[0], y.shape[1], "cross_entropy_error")  # labels in range, or rows of y's shape
    y = y.astype(np.promote_types(y.dtype, np.float32), copy=False)  # float16 would round the delta to 1.2e-7
    return cross_entropy_of_log(np.log(y + CROSS_ENTROPY_DELTA), t)


def cross_entropy_of_log(log_y: np.ndarray, t: np.ndarray) -> float:
    """Mean over N of -sum_k t_k log_y[n, k] for log-probabilities (N, C); ``t`` labels (N,) or rows (N, C)."""
    n = log_y.shape[0]
    if t.shape == log_y.shape:
        return float(-(t * log_y).sum() / n)
    return float(-log_y[np.arange(n), t].sum() / n)


def sum_to(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum a broadcast result back to ``shape``: the gradient of broadcasting.

    If ``a`` of shape ``shape`` was broadcast to ``x.shape`` in forward, dL/da = sum_to(dL/dx, shape).
    """
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, size in enumerate(shape) if size == 1 and x.shape[lead + i] != 1
    )
    if not axes:
        return x
    summed = x.sum(axis=axes, keepdims=True)
    return summed.reshape(shape) if lead else summed


def step_function(x: np.ndarray | float) -> np.ndarray:
    """The perceptron's activation (chapter 3.2.2): h(x) = 1 for x > 0, else 0, as integers.

    Its derivative is 0 wherever it is defined, which is why networks use sigmoid or ReLU instead.
    """
    return (np.asarray(x) > 0).astype(np.int64)


def relu(x: np.ndarray | float) -> np.ndarray:
    """max(0, x) elementwise (chapter 3.2.7); the layer with a backward is :class:`layers.ReLU`."""
    return np.maximum(0, np.asarray(x))


# -- the rest of the book's common/functions.py ----------------------------------------------------
def identity_function(x: np.ndarray) -> np.ndarray:
    """The output layer's activation for regression (chapter 3.4.3): sigma(x) = x, returned as given."""
    return x


def sigmoid_grad(x: np.ndarray | float) -> np.ndarray:
    """d sigmoid(x) / dx = (1 - sigmoid(x)) sigmoid(x), elementwise (the chapter-4 TwoLayerNet's backprop)."""
    y = sigmoid(x)
    return (1.0 - y) * y


def relu_grad(x: np.ndarray | float) -> np.ndarray:
    """d relu(x) / dx as the book's common/functions.py has it: 1 where x >= 0, else 0 (x's dtype when
    floating, else float64).

    At x = 0 exactly, where ReLU has no derivative, this says 1; the Relu layer (chapter 5.5.1) passes
    no gradient there (its mask is x <= 0). Both are the book's.
    """
    x = np.asarray(x)
    return (x >= 0).astype(x.dtype if x.dtype.kind == "f" else np.float64)


def sum_squared_error(y: np.ndarray, t: np.ndarray) -> float:
    """E = 1/2 sum_k (y_k - t_k)^2 (chapter 4.2.1), summed over every entry (the batch too, as in the book)."""
    y, t = np.asarray(y), np.asarray(t)
    if y.shape != t.shape:  # broadcasting (3, 1) against (3,) would sum nine differences, not three
        raise ValueError(f"sum_squared_error: expected y and t of the same shape, got {y.shape} and {t.shape}")
    diff = y - t
    return 0.5 * float(np.sum(diff * diff))


def softmax_loss(x: np.ndarray, t: np.ndarray) -> float:
    """cross_entropy_error(softmax(x), t): the loss of scores x (N, C) or (C,), the book's formula (delta
    1e-7 inside the log); the SoftmaxWithLoss layer's loss is the exact -log softmax (see cross_entropy_error)."""
    return cross_entropy_error(softmax(x), t)
