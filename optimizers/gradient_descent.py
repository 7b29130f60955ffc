"""Plain gradient descent on a function of a vector (chapter 4.4.1): x <- x - lr * grad f(x)."""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np


def gradient_descent(
    grad: Callable[[np.ndarray], np.ndarray], init_x: np.ndarray, lr: float = 0.01, step_num: int = 100
) -> tuple[np.ndarray, np.ndarray]:
    """Take ``step_num`` steps x <- x - lr * grad(x) from ``init_x`` (which is not modified).

    ``grad`` maps a point to the gradient there (for instance numerical differences of f, as the book
    does). Returns the final point and the points visited before each step, shape (step_num, *x.shape).
    With a learning rate too large the steps diverge; too small and they barely move.
    """
    for name, value in (("lr", lr), ("step_num", step_num)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"gradient_descent: {name} must be a number, got {type(value).__name__} {value!r}")
    if not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"gradient_descent: lr must be a finite number > 0, got {lr!r}")
    if not np.isfinite(step_num) or int(step_num) != step_num or step_num < 0:
        raise ValueError(f"gradient_descent: step_num must be an integer >= 0, got {step_num!r}")
    x = np.array(init_x, dtype=np.float64)
    history = np.empty((int(step_num), *x.shape))
    for i in range(int(step_num)):
        history[i] = x
        g = np.asarray(grad(x), dtype=np.float64)
        if g.shape != x.shape:
            raise ValueError(f"gradient_descent: grad returned shape {g.shape}, expected {x.shape}")
        x = x - lr * g
    return x, history
