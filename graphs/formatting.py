"""Compact text for the numbers written on a graph's edges and printed by the scripts."""

from __future__ import annotations

from typing import Any

import numpy as np


def format_number(x: Any, digits: int = 3) -> str:
    """``x`` to ``digits`` significant digits without trailing zeros: 110.00000000000001 -> "110"."""
    x = float(x)
    text = f"{x:.{digits}g}"
    return "0" if text == "-0" else text


def format_value(value: Any, digits: int = 3, max_items: int = 3) -> str:
    """A scalar as a number; an array of at most ``max_items`` elements as its values; else its shape.

    ``format_value(2.2000000000000006) == "2.2"``, ``format_value(np.arange(3.)) == "[0, 1, 2]"``,
    ``format_value(np.zeros((64, 2))) == "array(64, 2)"``.
    """
    if value is None:
        return ""
    if np.ndim(value) == 0:
        return format_number(value, digits)
    flat = np.ravel(value)
    if flat.size <= max_items:
        return "[" + ", ".join(format_number(v, digits) for v in flat) + "]"
    return "array(" + ", ".join(str(n) for n in np.shape(value)) + ")"
