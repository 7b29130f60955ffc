"""How the scripts print what they report where a plain print would mislead or read wrong: the book's whole
yen, and how many losses a final loss averages."""

from __future__ import annotations

WHOLE_TOLERANCE = 1e-9  # relative: 200 x 1.1 = 220.00000000000003 is whole yen, 0.6 is not
EXACT_WHOLE_LIMIT = 2.0 ** 53  # floats this large are whole numbers anyway, and int() would print false digits


def whole_yen(value: int | float) -> int | float:
    """``value`` as the book prints a price with ``int(price)`` for its whole-yen inputs: a float within
    ``WHOLE_TOLERANCE`` (relative) of a whole number becomes that number (rounded, where ``int()`` truncates
    229.99999999999997 to 229); any other value is kept as it is, never rounded to misleading whole yen
    (0.3 apples x 2 at tax 1 is 0.6, not 1)."""
    if isinstance(value, int) or not abs(value) < EXACT_WHOLE_LIMIT:
        return value
    whole = round(value)
    return whole if abs(value - whole) <= WHOLE_TOLERANCE * abs(value) else value


def final_loss_note(window: int) -> str:
    """What a final loss smoothed over the last ``window`` mini-batch losses is, for a script's report."""
    return "the last mini-batch loss" if window == 1 else f"mean of the last {window} mini-batch losses"
