"""Gradient descent on a function of a vector (chapter 4.4.1): x <- x - lr * df/dx, df/dx by centred differences."""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np

from layers.gradient_check import numerical_gradient


def gradient_descent(
    f: Callable[[np.ndarray], float], init_x: np.ndarray, lr: float = 0.01, step_num: int = 100
) -> tuple[np.ndarray, np.ndarray]:
    """Take ``step_num`` steps x <- x - lr * numerical_gradient(f, x) from ``init_x``, as the book's
    ``gradient_method.py`` does, and return the final x and the points visited before each step, an
    array of shape (step_num, *x.shape). With a learning rate too large the steps diverge; too small
    and they barely move.

    One difference from the book's: ``init_x`` is not modified (the book's steps it in place), and the
    steps are taken in float64 whatever its dtype.
    """
    for name, value in (("lr", lr), ("step_num", step_num)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"gradient_descent: {name} must be a number, got {type(value).__name__} {value!r}")
    if not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"gradient_descent: lr must be a finite number > 0, got {lr!r}")
    if not np.isfinite(step_num) or int(step_num) != step_num or step_num < 0:
        raise ValueError(f"gradient_descent: step_num must be an integer >= 0, got {step_num!r}")
    if not callable(f):
        raise TypeError(f"gradient_descent: f must be a function of x, got {type(f).__name__}")
    x = np.array(init_x, dtype=np.float64)
    history = np.empty((int(step_num), *x.shape))
    for i in range(int(step_num)):
        history[i] = x
        x -= lr * numerical_gradient(f, x)
    return x, history
