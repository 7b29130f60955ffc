"""Batch normalisation (chapter 6.3, Ioffe and Szegedy 2015, arXiv:1502.03167)."""

from __future__ import annotations

import numpy as np

from layers.base import Layer, buffer, grad, param


class BatchNormalization(Layer):
    """Normalise each feature over the mini-batch, then scale and shift: out = gamma * xn + beta.

    Input (N, D): statistics per feature over the m = N samples; gamma, beta are (D,).
    Input (N, C, H, W): statistics per channel over the m = N*H*W values of that channel; gamma,
    beta are (C,). This is how convolutional layers are normalised (every position of a channel
    shares the channel's filter, so it shares its scale too). The book instead flattens such input
    to (N, C*H*W) and normalises every position on its own, with C*H*W gammas and statistics from
    only N values each.

    Training (``train_flg=True``), with mu and var the batch mean and (biased) variance:
        xn = (x - mu) / sqrt(var + eps)
        running_mean <- momentum * running_mean + (1 - momentum) * mu     (likewise running_var)
    Inference: xn = (x - running_mean) / sqrt(running_var + eps).
    Backward (training), sums over the same m values, closed form of the chain rule through mu, var:
        dbeta = sum(dout),  dgamma = sum(dout * xn),
        dx = gamma / (m * sqrt(var + eps)) * (m * dout - dbeta - xn * dgamma).
    At inference mu and var are constants and dx = dout * gamma / sqrt(running_var + eps).

    ``eps`` is the book's 10e-7 (= 1e-6). Unlike the book (zeros), the running variance starts at
    ones, so inference before any training is the identity rather than a division by sqrt(eps);
    like the book (and unlike torch, which uses m / (m - 1) times it), it tracks the biased variance.
    While :attr:`frozen`, training mode still uses the batch statistics but the running ones are left
    alone. Running statistics are buffers, not parameters: saved with the network, unseen by optimisers.
    """

    has_train_mode = True
    gamma = param("gamma")
    beta = param("beta")
    dgamma = grad("gamma")
    dbeta = grad("beta")
    running_mean = buffer("running_mean")
    running_var = buffer("running_var")

    def __init__(
        self,
        gamma: np.ndarray,
        beta: np.ndarray,
        momentum: float = 0.9,
        running_mean: np.ndarray | None = None,
        running_var: np.ndarray | None = None,
        eps: float = 1e-6,
    ) -> None:
        super().__init__()
        if np.ndim(gamma) != 1 or np.shape(beta) != np.shape(gamma):
            raise ValueError(
                f"BatchNormalization: expected gamma and beta of the same shape (D,), "
                f"got gamma {np.shape(gamma)} and beta {np.shape(beta)}"
            )
        if not 0 <= momentum <= 1:
            raise ValueError(f"BatchNormalization: momentum must lie in [0, 1], got {momentum}")
        if not eps > 0:
            raise ValueError(f"BatchNormalization: eps must be positive, got {eps}")
        self.params["gamma"] = gamma
        self.params["beta"] = beta
        self.momentum = float(momentum)
        self.eps = float(eps)
        self.running_mean = self._statistic(running_mean, 0.0, "running_mean")
        self.running_var = self._statistic(running_var, 1.0, "running_var")
        self.xn: np.ndarray | None = None
        self.std: np.ndarray | None = None
        self._trained = False

    def _statistic(self, value: np.ndarray | None, fill: float, name: str) -> np.ndarray:
        """A private copy of a running statistic (or ``fill`` everywhere), shaped and typed like gamma."""
        gamma = self.params["gamma"]
        if value is None:
            return np.full(gamma.shape, fill, dtype=gamma.dtype)
        if np.shape(value) != gamma.shape:
            raise ValueError(f"BatchNormalization: expected {name} of shape {gamma.shape}, got {np.shape(value)}")
        return np.array(value, dtype=gamma.dtype)

    def _layout(self, x: np.ndarray) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Axes to reduce over and the shape that broadcasts a (C,) vector against ``x``."""
        c = self.params["gamma"].shape[0]
        if x.ndim == 2 and x.shape[1] == c:
            return (0,), (1, c)
        if x.ndim == 4 and x.shape[1] == c:
            return (0, 2, 3), (1, c, 1, 1)
        raise ValueError(
            f"BatchNormalization: expected input of shape (N, {c}) or (N, {c}, H, W) "
            f"(gamma has shape {self.params['gamma'].shape}), got {np.shape(x)}"
        )

    def forward(self, x: np.ndarray, train_flg: bool = True) -> np.ndarray:
        axes, shape = self._layout(x)
        if train_flg:
            m = x.size // shape[1]
            if m < 2:
                raise ValueError(
                    f"BatchNormalization: training needs more than one value per feature to normalise, "
                    f"got input of shape {x.shape}"
                )
            mu = x.mean(axis=axes, keepdims=True)
            xn = x - mu
            var = np.mean(np.square(xn), axis=axes, keepdims=True)
            if not self.frozen:
                self.running_mean *= self.momentum
                self.running_mean += (1 - self.momentum) * mu.reshape(-1)
                self.running_var *= self.momentum
                self.running_var += (1 - self.momentum) * var.reshape(-1)
        else:
            var = self.running_var.reshape(shape)
            xn = x - self.running_mean.reshape(shape)
        self.std = np.sqrt(var + self.eps)
        xn /= self.std
        self.xn = xn
        self._trained = bool(train_flg)
        out = xn * self.params["gamma"].reshape(shape)
        out += self.params["beta"].reshape(shape)
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        self._require_forward(self.xn)
        if np.shape(dout) != self.xn.shape:
            raise ValueError(f"BatchNormalization: expected dout of shape {self.xn.shape}, got {np.shape(dout)}")
        axes, shape = self._layout(dout)
        prod = dout * self.xn
        dgamma = prod.sum(axis=axes)
        dbeta = dout.sum(axis=axes)
        self.grads["gamma"] = dgamma
        self.grads["beta"] = dbeta
        scale = self.params["gamma"].reshape(shape) / self.std
        if not self._trained:
            return dout * scale
        m = dout.size // shape[1]
        np.multiply(self.xn, (dgamma / m).reshape(shape), out=prod)
        dx = dout - (dbeta / m).reshape(shape)
        dx -= prod
        dx *= scale
        return dx
