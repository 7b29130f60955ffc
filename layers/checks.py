"""Small checks the layers share, so that ``forward`` and ``backward`` stay the book's few lines.

Each check runs once per call on the array as a whole (its type, dtype and shape; the label checks read
the labels once), and raises an error that names the layer and says what was expected and what came.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from layers.base import LayerStateError


def real_array(x: Any, owner: str, name: str = "input") -> np.ndarray:
    """``x`` as a NumPy array of real numbers (a list or a number is converted, an array is not copied).

    Complex, string, object and other non-numeric input raises TypeError: NumPy would otherwise drop
    an imaginary part or fail deep inside an operation.
    """
    if not isinstance(x, np.ndarray):
        try:
            x = np.asarray(x)
        except (ValueError, TypeError) as err:  # ragged nested lists, say
            raise TypeError(f"{owner}: expected a real-valued array as {name}, "
                            f"got {type(x).__name__} ({err})") from None
    if x.dtype.kind not in "fiub":
        raise TypeError(f"{owner}: expected a real-valued array as {name}, got dtype {x.dtype}")
    return x


def float_array(x: Any, owner: str, name: str = "input") -> np.ndarray:
    """As :func:`real_array`, and integers or booleans become float64 (a layer's maths needs fractions)."""
    x = real_array(x, owner, name)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def batch_of(x: np.ndarray, ndim: int | None, owner: str, layout: str) -> np.ndarray:
    """Check that ``x`` is a non-empty batch: ``ndim`` axes when given, at least one sample."""
    if (ndim is not None and x.ndim != ndim) or x.ndim == 0:
        raise ValueError(f"{owner}: expected input of shape {layout}, got shape {x.shape}")
    if x.shape[0] == 0:
        raise ValueError(f"{owner}: expected at least one sample, got an empty batch of shape {x.shape}")
    return x


def gradient_like(dout: Any, shape: tuple[int, ...] | None, owner: str) -> np.ndarray:
    """``dout`` as a real array of the forward output's ``shape``, else ValueError naming ``owner``.

    A single number stands for that number everywhere (``backward()``'s default 1.0, say).
    """
    if type(dout) is np.ndarray and dout.shape == shape and dout.dtype.kind in "fiub":
        return dout  # the usual case, checked at once
    if shape is None:
        raise LayerStateError(f"{owner}.backward() called before forward()")
    dout = real_array(dout, f"{owner}.backward", "dout")
    if dout.ndim == 0:
        return np.broadcast_to(dout, shape)
    if dout.shape != tuple(shape):
        raise ValueError(f"{owner}.backward: expected dout of shape {tuple(shape)} (the forward output's), "
                         f"got {dout.shape}")
    return dout


def positive_int(value: Any, owner: str, name: str, low: int = 1) -> int:
    """``value`` as an int >= ``low`` (a float that is a whole number is accepted), else ValueError/TypeError."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer | float | np.floating):
        raise TypeError(f"{owner}: expected an integer {name} >= {low}, got {value!r}")
    if value != value or int(value) != value or value < low:
        raise ValueError(f"{owner}: expected an integer {name} >= {low}, got {value!r}")
    return int(value)


def parameter(value: Any, ndim: int, owner: str, name: str, layout: str) -> np.ndarray:
    """A weight or bias given to a constructor: a real floating-point array with ``ndim`` axes."""
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{owner}: expected {name} as a NumPy array of shape {layout}, got {type(value).__name__}")
    if value.dtype.kind != "f":
        raise TypeError(f"{owner}: expected a floating-point {name}, got dtype {value.dtype}")
    if value.ndim != ndim:
        raise ValueError(f"{owner}: expected {name} of shape {layout}, got shape {value.shape}")
    return value


def real_number(value: Any, owner: str, name: str) -> float:
    """``value`` as a float, else TypeError naming ``owner`` and ``name`` (a bool or a string is refused;
    a 0-d array of a real number is taken as that number)."""
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        value = value[()]
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{owner}: expected a real number as {name}, got {type(value).__name__} {value!r}")
    return float(value)


def probability(value: Any, owner: str, name: str) -> float:
    """``value`` as a float in [0, 1), else ValueError naming ``owner`` and ``name``."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating) or not 0 <= value < 1:
        raise ValueError(f"{owner}: {name} must be a number in [0, 1), got {value!r}")
    return float(value)


def generator(seed: int | None, rng: np.random.Generator | None, owner: str) -> np.random.Generator:
    """``owner``'s own random generator: ``rng`` itself, or a new one from ``seed`` (never NumPy's global one)."""
    if rng is not None and seed is not None:
        raise ValueError(f"{owner}: give either seed or rng, not both")
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise TypeError(f"{owner}: rng must be a numpy.random.Generator, got {type(rng).__name__}")
    return rng if rng is not None else np.random.default_rng(seed_value(seed, owner))


def seed_value(seed: Any, owner: str) -> int | None:
    """``seed`` as None (fresh entropy) or an int >= 0, else ValueError naming ``owner`` and the value."""
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0):
        raise ValueError(f"{owner}: seed must be None or an integer >= 0, got {type(seed).__name__} {seed!r}")
    return None if seed is None else int(seed)


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
