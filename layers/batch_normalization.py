"""Batch normalisation, chapter 6.3 (Ioffe and Szegedy 2015, arXiv:1502.03167)."""

from __future__ import annotations

import numpy as np

from layers.base import Layer, buffer, grad, param
from layers.checks import float_array, gradient_like, parameter, real_array, real_number


class BatchNormalization(Layer):
    """Normalise each feature over the mini-batch, then scale and shift: out = gamma * xn + beta.

    Training, for x (m, D) with mu and var the mean and (biased) variance of each column:
        xc = x - mu,  std = sqrt(var + eps),  xn = xc / std,
        running_mean <- momentum * running_mean + (1 - momentum) * mu   (likewise running_var).
    Inference: xn = (x - running_mean) / sqrt(running_var + eps).
    Backward, the chain rule through xn, std and mu (as the book derives it):
        dbeta = sum(dout),  dgamma = sum(xn * dout),  dxn = gamma * dout,  dxc = dxn / std,
        dstd = -sum(dxn * xc / std^2),  dvar = dstd / (2 std),  dxc += (2 / m) xc dvar,
        dx = dxc - sum(dxc) / m.
    Input (N, D) is normalised per feature over m = N samples. Input (N, C, H, W) is normalised per
    channel over m = N*H*W values (read as an (N*H*W, C) matrix), which is how convolution output is
    normalised; the book flattens it to (N, C*H*W) and normalises each position on its own. As in the
    book, ``batch_size`` is m of the last training forward, and ``xc`` and ``xn`` are (m, D) or (m, C).
    ``eps`` is the book's 10e-7. Unlike the book (zeros) the running variance starts at ones, so
    inference before training is the identity. While ``frozen``, training mode still uses batch
    statistics but leaves the running ones alone. Running statistics are buffers: saved, not trained.
    """

    has_train_mode = True
    gamma = param("gamma")
    beta = param("beta")
    dgamma = grad("gamma")
    dbeta = grad("beta")
    running_mean = buffer("running_mean", copy=lambda layer, value: layer._statistic(value, 0.0, "running_mean"))
    running_var = buffer("running_var", copy=lambda layer, value: layer._statistic(value, 1.0, "running_var"))

    def __init__(self, gamma: np.ndarray, beta: np.ndarray, momentum: float = 0.9,
                 running_mean: np.ndarray | None = None, running_var: np.ndarray | None = None,
                 eps: float = 10e-7) -> None:
        super().__init__()
        self.gamma = parameter(gamma, 1, "BatchNormalization", "gamma", "(D,)")
        self.beta = parameter(beta, 1, "BatchNormalization", "beta", f"{gamma.shape}")
        if beta.shape != gamma.shape:
            raise ValueError(f"BatchNormalization: expected gamma and beta of the same shape (D,), "
                             f"got gamma {gamma.shape} and beta {beta.shape}")
        self.momentum = real_number(momentum, "BatchNormalization", "momentum")
        self.eps = real_number(eps, "BatchNormalization", "eps")
        if not 0 <= self.momentum <= 1:
            raise ValueError(f"BatchNormalization: momentum must lie in [0, 1], got {momentum}")
        if not 0 < self.eps < np.inf:
            raise ValueError(f"BatchNormalization: eps must be positive and finite, got {eps}")
        self.running_mean = running_mean  # checked and copied by the attribute (None: zeros)
        self.running_var = running_var  # likewise (None: ones)
        self.input_shape: tuple[int, ...] | None = None
        self.batch_size: int | None = None
        self._training: bool | None = None  # the mode of the last forward
        self.xc: np.ndarray | None = None
        self.xn: np.ndarray | None = None
        self.std: np.ndarray | None = None

    def forward(self, x: np.ndarray, train_flg: bool = True) -> np.ndarray:
        x = float_array(x, "BatchNormalization")
        matrix = self._as_matrix(x)
        if train_flg and matrix.shape[0] < 2:  # refused before any state changes
            raise ValueError(f"BatchNormalization: training needs more than one value per feature to "
                             f"normalise, got input of shape {x.shape}")
        self.input_shape, self._training = x.shape, bool(train_flg)
        out = self._forward(matrix, self._training)
        return self._as_input_shape(out)

    def _forward(self, x: np.ndarray, train_flg: bool) -> np.ndarray:
        if train_flg:
            mu = x.mean(axis=0)
            xc = x - mu
            var = np.mean(xc ** 2, axis=0)
            std = np.sqrt(var + self.eps)
            self.batch_size = x.shape[0]
            if not self.frozen:
                self.running_mean[...] = self.momentum * self.running_mean + (1 - self.momentum) * mu
                self.running_var[...] = self.momentum * self.running_var + (1 - self.momentum) * var
        else:
            xc = x - self.running_mean
            std = np.sqrt(self.running_var + self.eps)
        self.xc, self.std = xc, std
        self.xn = xc / std
        return self.gamma * self.xn + self.beta

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dout = self._as_matrix(gradient_like(dout, self.input_shape, "BatchNormalization"))
        return self._as_input_shape(self._backward(dout))

    def _backward(self, dout: np.ndarray) -> np.ndarray:
        self.dbeta = dout.sum(axis=0)
        self.dgamma = np.sum(self.xn * dout, axis=0)
        dxn = self.gamma * dout
        dxc = dxn / self.std
        if not self._training:  # inference: mu and std are constants
            return dxc
        dstd = -np.sum((dxn * self.xc) / (self.std * self.std), axis=0)
        dvar = 0.5 * dstd / self.std
        dxc += (2.0 / self.batch_size) * self.xc * dvar
        dmu = np.sum(dxc, axis=0)
        return dxc - dmu / self.batch_size

    def _as_matrix(self, x: np.ndarray) -> np.ndarray:
        """(N, D) as it is; (N, C, H, W) as the (N*H*W, C) matrix whose columns are the channels."""
        c = self.gamma.shape[0]
        if x.ndim == 2 and x.shape[1] == c:
            return x
        if x.ndim == 4 and x.shape[1] == c:
            return x.transpose(0, 2, 3, 1).reshape(-1, c)
        raise ValueError(f"BatchNormalization: expected input of shape (N, {c}) or (N, {c}, H, W) "
                         f"(gamma has shape {self.gamma.shape}), got {x.shape}")

    def _as_input_shape(self, out: np.ndarray) -> np.ndarray:
        if len(self.input_shape) == 2:
            return out
        N, C, H, W = self.input_shape
        return out.reshape(N, H, W, C).transpose(0, 3, 1, 2)

    def _statistic(self, value: np.ndarray | None, fill: float, name: str) -> np.ndarray:
        """A private copy of a running statistic (or ``fill`` everywhere), shaped and typed like gamma: the
        training forward updates it in place, which must never reach an array the caller still holds."""
        if value is None:
            return np.full(self.gamma.shape, fill, dtype=self.gamma.dtype)
        value = real_array(value, "BatchNormalization", name)
        if value.shape != self.gamma.shape:
            raise ValueError(f"BatchNormalization: expected {name} of shape {self.gamma.shape}, got {value.shape}")
        with np.errstate(over="ignore"):  # a value too large for gamma's dtype becomes inf, refused below
            value = np.array(value, dtype=self.gamma.dtype)
        self.check_buffer(name, value)
        return value

    def check_buffer(self, name: str, value: np.ndarray, where: str = "BatchNormalization") -> None:
        """ValueError naming ``where`` and ``name`` unless ``value`` may be this layer's running statistic
        ``name``: running_mean finite, running_var finite and >= 0 (a negative variance makes inference NaN).
        Called on every saved value before any is written (``Network.load_params``, checkpoints)."""
        if name not in ("running_mean", "running_var"):
            raise ValueError(f"{where}: BatchNormalization has no buffer {name!r}, "
                             "expected running_mean or running_var")
        value = real_array(value, where, name)
        finite = np.isfinite(value)
        if not finite.all():
            raise ValueError(f"{where}: expected finite values in {name} ({value.dtype}), "
                             f"got {float(value[~finite].flat[0])} ({np.count_nonzero(~finite)} of {value.size} "
                             "non-finite)")
        if name == "running_var" and (value < 0).any():
            raise ValueError(f"{where}: expected running_var >= 0 (a variance), got minimum {float(value.min())}")
