"""The layer contract every computation in zeroprop follows.

A layer is one node of the computational graph (the book, chapter 5):

    out = layer.forward(*inputs)    # computes and caches what backward needs
    dx  = layer.backward(dout)      # upstream gradient in, input gradient(s) out

Parameters live in ``layer.params`` and their gradients, under the *same* names, in
``layer.grads`` after ``backward``; optimisers and networks walk these two dicts. The book's
attribute names (``W``, ``b``, ``dW``, ``db``) are kept readable through :func:`param` and
:func:`grad` aliases. A layer never writes into an array it was given.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class LayerStateError(RuntimeError):
    """A layer was used out of order, e.g. ``backward`` before ``forward``."""


class Layer:
    """Base class: ``forward`` caches, ``backward`` consumes the cache.

    Subclasses that behave differently while training (Dropout, BatchNormalization) set
    ``has_train_mode = True`` and accept ``forward(x, train_flg=True)``.
    """

    has_train_mode: bool = False

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

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


def grad(name: str) -> property:
    """Book-style attribute (``layer.dW``) reading ``layer.grads[name]`` (None before backward)."""

    def get(self: Layer) -> np.ndarray | None:
        return self.grads.get(name)

    return property(get, doc=f"The gradient ``grads[{name!r}]`` of the last backward pass.")
