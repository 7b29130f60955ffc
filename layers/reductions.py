"""Nodes that reduce an array to one number, e.g. a batch of losses to their total or mean.

Input may be an array, a (nested) list or a number of real values (see :func:`layers.checks.real_array`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from layers.base import Layer
from layers.checks import real_array


class Sum(Layer):
    """y = sum_i x_i over every element;  dx_i = dout (the upstream gradient copied to each element)."""

    def __init__(self) -> None:
        super().__init__()
        self.x_shape: tuple[int, ...] | None = None
        self.x_dtype: np.dtype | None = None

    def forward(self, x: Any) -> Any:
        x = real_array(x, type(self).__name__)
        self.x_shape, self.x_dtype = x.shape, x.dtype
        return self._reduce(x)

    def backward(self, dout: Any = 1.0) -> Any:
        self._require_forward(self.x_shape)
        dout = self._check_real(dout, "dout", "backward")
        if np.ndim(dout) != 0:
            raise ValueError(f"{type(self).__name__}: expected a scalar upstream gradient, got shape {np.shape(dout)}")
        dout = self._per_element(dout)
        return np.full(self.x_shape, dout, dtype=np.result_type(self.x_dtype, dout))

    @staticmethod
    def _reduce(x: np.ndarray) -> Any:
        return np.sum(x)

    def _per_element(self, dout: Any) -> Any:
        """The gradient each element receives: dout itself for a sum."""
        return dout


class Mean(Sum):
    """y = (1/N) sum_i x_i over all N elements;  dx_i = dout / N."""

    @staticmethod
    def _reduce(x: np.ndarray) -> Any:
        return np.mean(x)

    def _per_element(self, dout: Any) -> Any:
        """dout / N for a mean over N elements."""
        return dout / max(int(np.prod(self.x_shape)), 1)
