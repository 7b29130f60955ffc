"""The layer contract every computation in zeroprop follows.

A layer is one node of the computational graph (the book, chapter 5):

    out = layer.forward(*inputs)    # computes and caches what backward needs
    dx  = layer.backward(dout)      # upstream gradient in, input gradient(s) out

Parameters live in ``layer.params`` and their gradients, under the *same* names, in
``layer.grads`` after ``backward``; optimisers and networks walk these two dicts. State that is
saved but not trained (BatchNormalization's running statistics) lives in ``layer.buffers``. The book's
attribute names (``W``, ``b``, ``dW``, ``db``) are kept readable through :func:`param` and
:func:`grad` aliases. A layer never writes into an array it was given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np


class LayerStateError(RuntimeError):
    """A layer was used out of order, e.g. ``backward`` before ``forward``."""


class Layer:
    """Base class: ``forward`` caches, ``backward`` consumes the cache.

    Subclasses that behave differently while training (Dropout, BatchNormalization) set
    ``has_train_mode = True`` and accept ``forward(x, train_flg=True)``. While ``frozen`` is true
    (see :func:`freeze`) such a layer computes the same function of its input on every call and
    changes none of its state: Dropout reuses its last mask (for input of that mask's shape; input of
    another shape needs, and draws, a new one), BatchNormalization leaves its running statistics alone.
    """

    has_train_mode: bool = False
    frozen: bool = False

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.buffers: dict[str, np.ndarray] = {}  # state that is saved but not trained (running statistics)

    def forward(self, *inputs: Any, **options: Any) -> Any:
        raise NotImplementedError

    def backward(self, dout: Any = 1.0) -> Any:
        raise NotImplementedError

    def __call__(self, *inputs: Any, **options: Any) -> Any:
        return self.forward(*inputs, **options)

    def _require_forward(self, cached: Any) -> None:
        """Raise a clear error when ``backward`` comes before any ``forward``."""
        if cached is None:
            raise LayerStateError(f"{type(self).__name__}.backward() called before forward()")

    def check_buffer(self, name: str, value: np.ndarray, where: str) -> None:
        """Raise ValueError naming ``where`` unless ``value`` may become buffer ``name`` (its shape and dtype
        are checked by whoever loads it). Layers whose buffers have rules (BatchNormalization: no negative
        variance) override it; loaders call it on every value before writing any."""

    def _check_real(self, value: Any, name: str = "input", method: str = "forward", floating: bool = False) -> Any:
        """``value`` as given if it is a real number or array, a list as an array; else TypeError naming the
        layer. For the graph-node layers, which work on Python numbers as well as arrays. ``floating``: a
        boolean, a NumPy integer or a list of either becomes float64 (exp or log of int8 or of a bool would
        come out in float16); a Python int stays as it is."""
        if type(value) in (float, int) or (isinstance(value, np.ndarray) and value.dtype.kind in "f"):
            return value  # the common cases, without building an array
        if floating and isinstance(value, np.ndarray | np.generic) and value.dtype.kind in "iub":
            return value.astype(np.float64)
        where = f"{type(self).__name__}.{method}"
        try:
            kind = np.asarray(value).dtype.kind
        except (ValueError, TypeError) as err:  # ragged nested lists, say
            raise TypeError(f"{where}: expected a real number or array as {name}, got {type(value).__name__} "
                            f"({err})") from None
        if kind not in "fiub":
            raise TypeError(f"{where}: expected a real number or array as {name}, got {type(value).__name__} "
                            f"of dtype {np.asarray(value).dtype}")
        if floating and kind in "iub":
            return float(value) if isinstance(value, bool) else np.asarray(value, dtype=np.float64)
        return np.asarray(value) if isinstance(value, list | tuple) else value

    def _check_broadcast(self, x: Any, y: Any) -> None:
        """ValueError naming the layer unless the shapes of its two inputs broadcast together; a layer
        calls it before caching either, so that a refused call leaves the last forward's cache as it was."""
        try:
            np.broadcast_shapes(np.shape(x), np.shape(y))
        except ValueError:
            raise ValueError(f"{type(self).__name__}.forward: x of shape {np.shape(x)} and y of shape "
                             f"{np.shape(y)} do not broadcast together") from None

    def _check_dout(self, dout: Any, shape: tuple[int, ...], *inputs: Any) -> Any:
        """``dout`` if it is a real number or an array of the forward output's ``shape``; else an error
        naming the layer. A number stands for that number everywhere: given the forward's ``inputs`` (for
        a layer that broadcasts them), it is spread over an array of ``shape``, so that an input that was
        broadcast gets the sum of its copies' gradients."""
        if type(dout) is float and not inputs:
            return dout  # the usual case (a loss layer's default 1.0), checked at once
        dout = self._check_real(dout, "dout", "backward")
        if inputs and shape and np.ndim(dout) == 0:
            return np.full(shape, dout, dtype=np.result_type(*inputs, dout, 1.0))
        if type(dout) in (float, int):
            return dout
        if np.ndim(dout) and not shape:
            raise ValueError(f"{type(self).__name__}.backward: expected a number as dout (the forward output is "
                             f"one number), got shape {np.shape(dout)}")
        if np.ndim(dout) and np.shape(dout) != tuple(shape):
            raise ValueError(f"{type(self).__name__}.backward: expected dout of shape {tuple(shape)} (the forward "
                             f"output's) or a number, got shape {np.shape(dout)}")
        return dout

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}={tuple(v.shape)}" for k, v in self.params.items())
        return f"{type(self).__name__}({shapes})"


def param(name: str) -> property:
    """Book-style attribute (``layer.W``) reading and writing ``layer.params[name]``."""

    def get(self: Layer) -> np.ndarray:
        return self.params[name]

    def set_(self: Layer, value: np.ndarray) -> None:
        self.params[name] = value

    return property(get, set_, doc=f"The parameter ``params[{name!r}]``.")


def buffer(name: str, copy: Callable[[Any, Any], np.ndarray] | None = None) -> property:
    """Attribute (``layer.running_mean``) reading and writing ``layer.buffers[name]``: state that a
    network saves with its parameters but that no optimiser updates. ``copy(layer, value)``, when given,
    makes what is stored from what is assigned (a checked private copy, for a layer that updates its
    buffer in place)."""

    def get(self: Layer) -> np.ndarray:
        return self.buffers[name]

    def set_(self: Layer, value: np.ndarray) -> None:
        self.buffers[name] = value if copy is None else copy(self, value)

    return property(get, set_, doc=f"The saved, untrained state ``buffers[{name!r}]``.")


def grad(name: str) -> property:
    """Book-style attribute (``layer.dW``) reading and writing ``layer.grads[name]`` (None before backward)."""

    def get(self: Layer) -> np.ndarray | None:
        return self.grads.get(name)

    def set_(self: Layer, value: np.ndarray) -> None:
        self.grads[name] = value

    return property(get, set_, doc=f"The gradient ``grads[{name!r}]`` of the last backward pass.")


@contextmanager
def freeze(*layers: Layer) -> Iterator[None]:
    """Within the ``with`` block, mark ``layers`` frozen (see :class:`Layer`); restore on exit.

    Use it around numerical differentiation, which calls ``forward`` many times and needs the same
    function each time: ``with freeze(dropout): gradient_check(...)``. Nesting is allowed.
    """
    previous = [layer.frozen for layer in layers]
    for layer in layers:
        layer.frozen = True
    try:
        yield
    finally:
        for layer, was_frozen in zip(layers, previous, strict=True):
            layer.frozen = was_frozen
