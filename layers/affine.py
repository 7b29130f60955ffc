"""The Affine (fully connected) layer of chapter 5.6."""

from __future__ import annotations

import numpy as np

from layers.base import Layer, grad, param
from layers.checks import batch_of, gradient_like, parameter, real_array


class Affine(Layer):
    """out = x W + b, for x of shape (N, ...) flattened to (N, D), W (D, M), b (M,).

    Backward:  dx = dout W^T (reshaped to x's original shape),  dW = x^T dout,  db = sum over N of dout.
    ``x`` is the flattened (N, D) input and ``original_x_shape`` the shape it came in. A network's
    first layer, whose input is data, may set ``needs_input_grad = False``: backward then skips dx
    (a third of the layer's matrix work) and returns None. The book's ``np.dot`` is written ``@``
    (np.matmul), the same product for these 2-D arrays.
    """

    needs_input_grad: bool = True
    W = param("W")
    b = param("b")
    dW = grad("W")
    db = grad("b")

    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        super().__init__()
        self.W, self.b = check_weights(W, b, "Affine")
        self.x: np.ndarray | None = None
        self.original_x_shape: tuple[int, ...] | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = flat_batch(x, self.W.shape[0], "Affine")
        self.original_x_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return self.x @ self.W + self.b

    def backward(self, dout: np.ndarray) -> np.ndarray | None:
        dout = gradient_like(dout, None if self.x is None else (self.x.shape[0], self.W.shape[1]), "Affine")
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        if not self.needs_input_grad:
            return None
        dx = dout @ self.W.T
        return dx.reshape(*self.original_x_shape)


def check_weights(W: np.ndarray, b: np.ndarray, owner: str) -> tuple[np.ndarray, np.ndarray]:
    """Weights W (D, M) and biases b (M,) as given to an affine layer's constructor."""
    W = parameter(W, 2, owner, "W", "(D, M)")
    b = parameter(b, 1, owner, "b", f"({W.shape[1]},)")
    if b.shape != (W.shape[1],):
        raise ValueError(f"{owner}: expected b of shape ({W.shape[1]},) for W of shape {W.shape}, got {b.shape}")
    return W, b


def flat_batch(x: np.ndarray, features: int, owner: str) -> np.ndarray:
    """Check that x (N, ...) is a non-empty batch of ``features`` values per sample; return it as an array."""
    if type(x) is np.ndarray and x.ndim == 2 and x.shape[1] == features and x.shape[0] and x.dtype.kind in "fiub":
        return x  # the usual case, checked at once
    x = batch_of(real_array(x, owner), None, owner, f"(N, {features}) or (N, ...) with {features} values per sample")
    if x.ndim == 1 and x.size == features > 1:  # with one feature, (N,) is N samples
        raise ValueError(f"{owner}: expected a batch (N, {features}), got one sample of shape {x.shape}; "
                         "pass it as a batch of one: x.reshape(1, -1)")
    if x.size != x.shape[0] * features:
        raise ValueError(f"{owner}: expected {features} values per sample (W has {features} rows), "
                         f"got input of shape {x.shape} ({x.size // x.shape[0]} per sample)")
    return x
