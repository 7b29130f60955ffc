"""Dropout: switch off a random part of the units while training (chapter 6.4.3)."""

from __future__ import annotations

import numpy as np

from layers.base import Layer
from layers.checks import gradient_like, real_array


class Dropout(Layer):
    """Inverted dropout with drop probability p = ``dropout_ratio``.

    Training:  mask ~ Bernoulli(1 - p) (True = kept),  out = x * mask / (1 - p),  dx = dout * mask / (1 - p).
    Inference: out = x,  dx = dout.
    The book scales at inference instead (out = x * (1 - p)); both give E[training output] = inference
    output, and scaling while training leaves inference untouched. Masks come from the layer's own
    generator (``seed`` or ``rng``); while ``frozen`` the last mask is reused, so repeated forwards
    compute one function (numerical gradients need that).
    """

    has_train_mode = True

    def __init__(self, dropout_ratio: float = 0.5, *, seed: int | None = None,
                 rng: np.random.Generator | None = None) -> None:
        super().__init__()
        if not isinstance(dropout_ratio, int | float | np.floating) or not 0 <= dropout_ratio < 1:
            raise ValueError(f"Dropout: dropout_ratio must be a number in [0, 1), got {dropout_ratio!r}")
        if rng is not None and seed is not None:
            raise ValueError("Dropout: give either seed or rng, not both")
        self.dropout_ratio = float(dropout_ratio)
        self.rng = rng if rng is not None else np.random.default_rng(seed)
        self.mask: np.ndarray | None = None
        self.train_flg: bool | None = None

    def forward(self, x: np.ndarray, train_flg: bool = True) -> np.ndarray:
        x = real_array(x, "Dropout")
        self.train_flg = bool(train_flg)
        if not train_flg:
            return x
        if not (self.frozen and self.mask is not None and self.mask.shape == x.shape):
            self.mask = self.rng.random(x.shape, dtype=np.float32) >= self.dropout_ratio
        return x * self.mask * self.scale

    def backward(self, dout: np.ndarray) -> np.ndarray:
        self._require_forward(self.train_flg)
        if not self.train_flg:
            return real_array(dout, "Dropout.backward", "dout")
        return gradient_like(dout, self.mask.shape, "Dropout") * self.mask * self.scale

    @property
    def scale(self) -> float:
        """1 / (1 - p), the factor applied to the kept units while training."""
        return 1.0 / (1.0 - self.dropout_ratio)
