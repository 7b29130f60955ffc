"""Dropout: switch off a random part of the units while training (chapter 6.4.3)."""

from __future__ import annotations

import numpy as np

from layers.base import Layer


class Dropout(Layer):
    """Inverted dropout with drop probability p = ``dropout_ratio``.

    Training:  mask_i ~ Bernoulli(1 - p) (True = kept),  out = x * mask / (1 - p),
               dx = dout * mask / (1 - p).
    Inference: out = x,  dx = dout.

    The book scales at inference instead (training: out = x * mask; inference: out = x * (1 - p)).
    Both give E[training output] = inference output; scaling while training leaves inference
    untouched, so a trained net predicts without knowing p. Masks come from the layer's own
    generator (``seed`` or ``rng``); while :attr:`frozen` the last mask is reused (one is drawn and
    kept if there is none of the input's shape yet), so repeated forwards compute one function.
    """

    has_train_mode = True

    def __init__(
        self, dropout_ratio: float = 0.5, *, seed: int | None = None, rng: np.random.Generator | None = None
    ) -> None:
        super().__init__()
        if not 0 <= dropout_ratio < 1:
            raise ValueError(f"Dropout: dropout_ratio must lie in [0, 1), got {dropout_ratio}")
        self.dropout_ratio = float(dropout_ratio)
        if rng is not None and seed is not None:
            raise ValueError("Dropout: give either seed or rng, not both")
        self.rng = rng if rng is not None else np.random.default_rng(seed)
        self.mask: np.ndarray | None = None
        self._trained: bool | None = None

    @property
    def scale(self) -> float:
        """1 / (1 - p), the factor applied to the kept units while training."""
        return 1.0 / (1.0 - self.dropout_ratio)

    def forward(self, x: np.ndarray, train_flg: bool = True) -> np.ndarray:
        self._trained = bool(train_flg)
        if not train_flg:
            return x
        if not (self.frozen and self.mask is not None and self.mask.shape == x.shape):
            self.mask = self.rng.random(x.shape, dtype=np.float32) >= self.dropout_ratio
        out = x * self.mask
        out *= self.scale
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        self._require_forward(self._trained)
        if not self._trained:
            return dout
        dx = dout * self.mask
        dx *= self.scale
        return dx
