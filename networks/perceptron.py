"""The book's chapter 2: logic gates as perceptrons, and XOR as a perceptron of two layers.

A perceptron with inputs x1, x2, weights w1, w2 and bias b outputs

    y = 1 if w1 x1 + w2 x2 + b > 0 else 0        (2.3.2; the book's ch02/and_gate.py computes it as
                                                  tmp = np.sum(w*x) + b and returns 0 when tmp <= 0)

AND, NAND and OR are the same perceptron with the book's weights and biases (2.3.3); only those differ.
No single perceptron can be XOR, whose 1s and 0s no straight line separates (2.4); two layers of them can
(2.5.2). The threshold is the step function of chapter 3.2.2, ``layers.step_function``.

Inputs are numbers (0 and 1 in the book; any finite real number follows the same formula) or NumPy arrays,
taken element-wise. A pair of numbers gives a Python int, 0 or 1, as the book's functions return; arrays give
an integer array of their broadcast shape. Anything else (a string, None, a complex number, NaN or an
infinity, arrays that do not broadcast) raises an error naming the gate.
"""

from __future__ import annotations

import reprlib

import numpy as np

from layers import step_function

Input = float | np.ndarray  # a number (an int or a bool too) or an array of them


def _inputs(owner: str, x1: Input, x2: Input) -> tuple[np.ndarray, np.ndarray]:
    """x1 and x2 as float64 arrays (as the book's np.array([x1, x2]) of numbers) after checking them:
    TypeError for what is not real numbers, ValueError for NaN, an infinity or shapes that do not broadcast."""
    checked = []
    for name, x in (("x1", x1), ("x2", x2)):
        try:  # a Python int beyond NumPy's integers (2**64) is a number all the same
            array = np.asarray(float(x) if isinstance(x, int) and not isinstance(x, bool) else x)
        except (ValueError, TypeError, OverflowError):  # a ragged list, say, or an int beyond any float
            array = None
        if array is None or array.dtype.kind not in "fiub":  # floats, signed and unsigned integers, booleans
            got = (f"an array of dtype {x.dtype}" if isinstance(x, np.ndarray)
                   else f"{type(x).__name__} {reprlib.repr(x)}")
            raise TypeError(f"{owner}: expected a number or an array of numbers as {name}, got {got}")
        x = array.astype(np.float64)
        if not np.isfinite(x).all():
            bad = x if x.ndim == 0 else x[~np.isfinite(x)][0]
            raise ValueError(f"{owner}: expected finite numbers as {name}, got {bad}")
        checked.append(x)
    try:
        np.broadcast_shapes(checked[0].shape, checked[1].shape)
    except ValueError:
        raise ValueError(f"{owner}: x1 of shape {checked[0].shape} and x2 of shape {checked[1].shape} "
                         "do not broadcast together") from None
    return checked[0], checked[1]


def _perceptron(owner: str, x1: Input, x2: Input, w1: float, w2: float, b: float) -> int | np.ndarray:
    """y = h(w1 x1 + w2 x2 + b) with h the step function: 1 where the sum is above 0, else 0."""
    x1, x2 = _inputs(owner, x1, x2)
    y = step_function(w1 * x1 + w2 * x2 + b)
    return int(y) if y.ndim == 0 else y


def AND(x1: Input, x2: Input) -> int | np.ndarray:
    """y = 1 if 0.5 x1 + 0.5 x2 - 0.7 > 0 else 0: 1 only when both inputs are 1 (w = (0.5, 0.5), b = -0.7)."""
    return _perceptron("AND", x1, x2, 0.5, 0.5, -0.7)


def NAND(x1: Input, x2: Input) -> int | np.ndarray:
    """y = 1 if -0.5 x1 - 0.5 x2 + 0.7 > 0 else 0: NOT AND, 0 only when both inputs are 1
    (w = (-0.5, -0.5), b = 0.7: AND's weights and bias with their signs turned)."""
    return _perceptron("NAND", x1, x2, -0.5, -0.5, 0.7)


def OR(x1: Input, x2: Input) -> int | np.ndarray:
    """y = 1 if 0.5 x1 + 0.5 x2 - 0.2 > 0 else 0: 1 when either input is 1 (w = (0.5, 0.5), b = -0.2)."""
    return _perceptron("OR", x1, x2, 0.5, 0.5, -0.2)


def XOR(x1: Input, x2: Input) -> int | np.ndarray:
    """y = AND(s1, s2) with s1 = NAND(x1, x2), s2 = OR(x1, x2): 1 when exactly one input is 1.

    A perceptron of two layers (2.5.2): the first layer's two perceptrons, NAND and OR, both read x1 and x2;
    the second, AND, reads their outputs s1 and s2.
    """
    x1, x2 = _inputs("XOR", x1, x2)  # so that a bad input is refused naming XOR, not NAND
    s1 = NAND(x1, x2)
    s2 = OR(x1, x2)
    y = AND(s1, s2)
    return y
