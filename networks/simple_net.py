"""The book's ``simpleNet`` (chapter 4.4.2): one 2x3 weight matrix, softmax and cross-entropy."""

from __future__ import annotations

import numpy as np

from layers import Affine
from networks.base import Network
from networks.init import WeightInit, init_weight, make_rng


class SimpleNet(Network):
    """scores z = x W (x of shape (N, 2) or (2,), W of shape (2, 3)), loss = -log softmax(z)[t] (mean over N).

    The loss is SoftmaxWithLoss's, exact; the book's ``cross_entropy_error(softmax(z), t)`` (here
    ``layers.softmax_loss(z, t)``) adds 1e-7 inside the log, which moves its seventh digit.

    The book differentiates it numerically, ``numerical_gradient(lambda w: net.loss(x, t), net.W)``; here
    ``gradient(x, t)`` gives dL/dW = x^T (softmax(z) - t) / N by backprop as well. Params: ``W`` alone
    (Gaussian, std 1 as the book's ``np.random.randn(2, 3)``, unless ``W`` is given). float64 by default,
    so its numbers are the book's.
    """

    def __init__(
        self,
        W: np.ndarray | None = None,
        input_size: int = 2,
        output_size: int = 3,
        weight_init_std: WeightInit = 1.0,
        *,
        seed: int | None = None,
        rng: np.random.Generator | None = None,
        dtype: np.dtype | type = np.float64,
    ) -> None:
        super().__init__(dtype)
        if W is None:
            rng = make_rng(seed, rng, type(self).__name__)
            W = init_weight(rng, (input_size, output_size), weight_init_std, input_size, self.dtype,
                            type(self).__name__)
        else:
            W = np.array(W, dtype=self.dtype)
            if W.ndim != 2:
                raise ValueError(f"SimpleNet: expected W of shape (input_size, output_size), got {W.shape}")
        # no bias: the book's simpleNet computes x W alone, so b stays zero and is not a parameter
        affine = self.add_layer("Affine", Affine(W, np.zeros(W.shape[1], self.dtype)), W="W")
        affine.needs_input_grad = False  # its input is data, as every network's first layer

    @property
    def W(self) -> np.ndarray:
        """The weight matrix itself (the array the layer computes with), as the book's ``net.W``."""
        return self.params["W"]

    def predict(self, x: np.ndarray, train_flg: bool = False) -> np.ndarray:
        """x W; a single sample x of shape (input_size,) gives scores of shape (output_size,), as the book's."""
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim == 1:
            return super().predict(x[np.newaxis], train_flg)[0]
        return super().predict(x, train_flg)

    def loss(self, x: np.ndarray, t: np.ndarray, train_flg: bool = False) -> float:
        """Cross-entropy of softmax(x W) against t; one sample (x of shape (2,), t one-hot or a label) or a batch."""
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim == 1:
            x, t = x[np.newaxis], np.asarray(t).reshape(1, -1) if np.ndim(t) == 1 else np.asarray(t).reshape(1)
        return super().loss(x, t, train_flg)


simpleNet = SimpleNet  # noqa: N816  (the book's spelling, ch04/gradient_simplenet.py)
