"""Compact text for the numbers written on a graph's edges and printed by the scripts.

A scalar is written as a number, a small array as its values, and a larger array by its shape and a
summary: values as ``(100, 50) μ=0.0123 σ=0.35`` (mean and standard deviation), integer labels as
``(100,) int 0..9`` (their range), gradients as ``norm=0.0343`` (the Euclidean norm, the usual
measure of how much flows back along an edge).
"""

from __future__ import annotations

from typing import Any

import numpy as np

MAX_DIGITS = 10   # a value written exactly in at most this many significant digits is written in full
EXACT = 1e-12     # relative: closer than this, a shorter text is the value (110.00000000000001 is 110)


def format_number(x: Any, digits: int = 3) -> str:
    """``x`` to ``digits`` significant digits without trailing zeros (110.00000000000001 -> "110", 0.7310585786
    -> "0.731"), unless a few more digits, at most ``MAX_DIGITS``, write it exactly: 99.99 -> "99.99", not
    "100" (an input a user typed, or a price computed from one, is shown as it is)."""
    x = float(x)
    text = f"{x:.{digits}g}"
    for more in range(digits, MAX_DIGITS + 1):
        candidate = f"{x:.{more}g}"
        if abs(float(candidate) - x) <= EXACT * abs(x):
            text = candidate
            break
    return "0" if text == "-0" else text


def format_shape(value: Any) -> str:
    """An array's shape as NumPy prints it: "(100, 50)", "(100,)"."""
    return str(tuple(int(n) for n in np.shape(value)))


def _small(value: Any, digits: int, max_items: int) -> str | None:
    """A scalar or an array of at most ``max_items`` elements written out; None for a larger array."""
    if np.ndim(value) == 0:
        return format_number(value, digits)
    flat = np.ravel(value)
    if flat.size == 0:
        return format_shape(value)  # "(0, 5)": an empty array's shape says more than "[]"
    if flat.size <= max_items:
        return "[" + ", ".join(format_number(v, digits) for v in flat) + "]"
    return None


def format_value(value: Any, digits: int = 3, max_items: int = 3) -> str:
    """A scalar as a number; an array of at most ``max_items`` elements as its values; else its shape
    and a summary: mean μ and standard deviation σ (the range for integers, the count of true for booleans).

    ``format_value(2.2000000000000006) == "2.2"``, ``format_value(np.arange(3.)) == "[0, 1, 2]"``,
    ``format_value(np.ones((64, 2))) == "(64, 2) μ=1 σ=0"``, ``format_value(np.arange(10)) == "(10,) int 0..9"``.
    """
    if value is None:
        return ""
    small = _small(value, digits, max_items)
    if small is not None:
        return small
    a = np.asarray(value)
    shape = format_shape(a)
    if a.dtype.kind == "b":
        return f"{shape} {np.count_nonzero(a)} true"
    if a.dtype.kind in "iu":
        return f"{shape} int {a.min()}..{a.max()}"
    if a.size == 0:
        return shape
    mean, std = a.mean(dtype=np.float64), a.std(dtype=np.float64)
    return f"{shape} μ={format_number(mean, digits)} σ={format_number(std, digits)}"


def format_grad(grad: Any, digits: int = 3, max_items: int = 3) -> str:
    """A gradient: a scalar or a small array written out (as :func:`format_value`), a larger array as
    its Euclidean norm ``norm=0.0343`` (its shape is that of the value above it)."""
    if grad is None:
        return ""
    small = _small(grad, digits, max_items)
    if small is not None:
        return small
    a = np.asarray(grad, dtype=np.float64)
    largest = float(np.max(np.abs(a)))
    if not np.isfinite(largest) or largest == 0.0:  # inf or NaN shows as such; zeros as 0
        return f"norm={format_number(largest, digits)}"
    norm = largest * float(np.sqrt(np.sum(np.square(a / largest))))  # scaled: squares of 1e300 would overflow
    return f"norm={format_number(norm, digits)}"
