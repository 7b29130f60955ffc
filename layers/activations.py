"""The activation layers of chapter 5.5: Relu and Sigmoid."""

from __future__ import annotations

import numpy as np

from layers.base import Layer
from layers.checks import float_array, gradient_like, real_array
from layers.functions import sigmoid


class Relu(Layer):
    """out = x where x > 0, else 0.   Backward: dx = dout where x > 0, else 0.

    ``mask`` is the book's: True where x <= 0, the entries ReLU switches off. The book writes
    ``out = x.copy(); out[mask] = 0``; setting entries through a random mask costs a branch per entry
    (twenty times the arithmetic for a 100 x 1000 batch), so the same values are computed as
    max(x, 0) and dout * (not mask). A dout that is infinite or NaN where x <= 0 stays NaN there
    (inf * 0), where the book's copy would give 0: such a gradient has diverged already.
    """

    def __init__(self) -> None:
        super().__init__()
        self.mask: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = real_array(x, "Relu")
        self.mask = x <= 0
        return np.maximum(x, 0)

    def backward(self, dout: np.ndarray = 1.0) -> np.ndarray:
        self._require_forward(self.mask)
        return gradient_like(dout, self.mask.shape, "Relu") * ~self.mask


ReLU = Relu  # the name most libraries use


class Sigmoid(Layer):
    """out = 1 / (1 + exp(-x)).   Backward: dx = dout * out * (1 - out), from the cached output.

    Integer and boolean input is taken as float64 (as Relu takes it as numbers): NumPy cannot negate a
    boolean, and an unsigned integer's -|x| would wrap round.
    """

    def __init__(self) -> None:
        super().__init__()
        self.out: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.out = sigmoid(float_array(x, "Sigmoid"))
        return self.out

    def backward(self, dout: np.ndarray = 1.0) -> np.ndarray:
        dout = gradient_like(dout, None if self.out is None else self.out.shape, "Sigmoid")
        return dout * (1.0 - self.out) * self.out
