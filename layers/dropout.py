"""Dropout: switch off a random part of the units while training (chapter 6.4.3)."""

from __future__ import annotations

import numpy as np

from layers.base import Layer
from layers.checks import generator, gradient_like, probability, real_array


class Dropout(Layer):
    """Inverted dropout with drop probability p = ``dropout_ratio``.

    Training:  mask ~ Bernoulli(1 - p) (True = kept),  out = x * mask / (1 - p),  dx = dout * mask / (1 - p).
    Inference: out = x,  dx = dout.
    The book scales at inference instead (out = x * (1 - p)); both give E[training output] = inference
    output, and scaling while training leaves inference untouched. Masks come from the layer's own
    generator (``seed`` or ``rng``); while ``frozen`` the last mask is reused for input of its shape,
    so repeated forwards compute one function (numerical gradients need that); input of another shape
    still draws a new mask.
    """

    has_train_mode = True

    def __init__(self, dropout_ratio: float = 0.5, *, seed: int | None = None,
                 rng: np.random.Generator | None = None) -> None:
        super().__init__()
        self.dropout_ratio = probability(dropout_ratio, "Dropout", "dropout_ratio")
        self.rng = generator(seed, rng, "Dropout")
        self.mask: np.ndarray | None = None
        self.train_flg: bool | None = None
        self.input_shape: tuple[int, ...] | None = None

    def forward(self, x: np.ndarray, train_flg: bool = True) -> np.ndarray:
        x = real_array(x, "Dropout")
        self.train_flg, self.input_shape = bool(train_flg), x.shape
        if not train_flg:
            return x
        if not (self.frozen and self.mask is not None and self.mask.shape == x.shape):
            self.mask = self.rng.random(x.shape, dtype=np.float32) >= self.dropout_ratio
        return x * self.mask * (1.0 / (1.0 - self.dropout_ratio))

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dout = gradient_like(dout, self.input_shape, "Dropout")
        if not self.train_flg:
            return np.array(dout)  # a new array, never the caller's dout
        return dout * self.mask * (1.0 / (1.0 - self.dropout_ratio))
