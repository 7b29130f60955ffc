"""A convolution through the discrete Fourier transform, measured against Winograd and not kept.

For a stride-1 convolution (the book's, which is a correlation) of a padded input x_p (P x Q per
channel) with a 3x3 filter w, zero-padded to P x Q, the circular correlation has the transform

    Y^[k] = sum over c of conj(W^[f, c, k]) X^[n, c, k]          k over the P x (Q/2 + 1) frequencies

and its outputs at (i, j) < (P - 2, Q - 2) never wrap, so they are the convolution's. Per frequency
that is one complex matrix product over channels, (FN, C) by (C, N). The backward pass runs the
adjoint maps: dX^[k] = W^[k]^T dY^[k] (a convolution, undone by the inverse transform and cropped to
the unpadded input) and dW^[k] = conj(dY^[k]) X^[k]^T (a correlation of x by dout, summed over the
batch), whose inverse transform holds dW at lags 0..2. The transforms are ``numpy.fft.rfft2`` /
``irfft2``; results come in the inputs' floating dtype (NumPy >= 2 transforms float32 in single precision,
NumPy 1 in double).

Why it is not the engine's: on DeepConvNet's layers its products are no fewer than Winograd
F(4x4, 3x3)'s (a 14x14 image padded to 16x16 has 16 x 9 complex frequencies, 576 real multiplications
per channel pair, as many as Winograd's 16 tiles x 36), and ``numpy.fft`` transforms a batch of small
images one line at a time, so transforming conv2's padded input alone takes about as long as
Winograd's whole forward and backward pass (docs/SPEED.md). Its float32 error is im2col's, about 2e-7
of the largest value, against Winograd's few 1e-6. ``python -m benchmarks.bench_winograd`` times it.
"""

from __future__ import annotations

import numpy as np


class FftConvolution:
    """3x3 stride-1 convolution through rfft2, batch-last like the engine: x (N, C, H, W) in any layout."""

    def __init__(self, W: np.ndarray, b: np.ndarray, pad: int) -> None:
        self.W, self.b, self.pad = W, b, pad

    def forward(self, x: np.ndarray) -> np.ndarray:
        N, C, H, Wd = x.shape
        FN = self.W.shape[0]
        p = self.pad
        P, Q = H + 2 * p, Wd + 2 * p
        xp = np.zeros((C, P, Q, N), np.result_type(x, np.float32))
        xp[:, p:p + H, p:p + Wd, :] = x.transpose(1, 2, 3, 0)
        Xf = np.fft.rfft2(xp, axes=(1, 2))  # (C, P, Q // 2 + 1, N)
        F = Xf.shape[1] * Xf.shape[2]
        w = np.zeros((FN, C, P, Q), xp.dtype)
        w[:, :, :3, :3] = self.W
        self.Wf = np.fft.rfft2(w, axes=(2, 3)).reshape(FN, C, F).transpose(2, 0, 1)  # (F, FN, C)
        self.X = Xf.reshape(C, F, N).transpose(1, 0, 2)  # (F, C, N), a view
        Yf = np.empty((FN, F, N), Xf.dtype)
        np.matmul(np.conj(self.Wf), self.X, out=Yf.transpose(1, 0, 2))
        y = np.fft.irfft2(Yf.reshape(FN, P, -1, N), s=(P, Q), axes=(1, 2))
        self.shapes, self.dtype = (N, C, H, Wd, P, Q), xp.dtype  # NumPy 1 transforms float32 in double precision
        out = y[:, :P - 2, :Q - 2, :] + self.b[:, None, None, None]
        return out.astype(xp.dtype, copy=False).transpose(3, 0, 1, 2)

    def backward(self, dout: np.ndarray, needs_input_grad: bool = True) -> np.ndarray | None:
        N, C, H, Wd, P, Q = self.shapes
        FN = self.W.shape[0]
        d = dout.transpose(1, 2, 3, 0)  # (FN, OH, OW, N)
        self.db = d.sum(axis=(1, 2, 3))
        dp = np.zeros((FN, P, Q, N), self.dtype)
        dp[:, :P - 2, :Q - 2, :] = d
        F = self.X.shape[0]
        dYf = np.fft.rfft2(dp, axes=(1, 2)).reshape(FN, F, N).transpose(1, 0, 2)  # (F, FN, N)
        dWf = np.matmul(np.conj(dYf), self.X.transpose(0, 2, 1))  # (F, FN, C)
        dw = np.fft.irfft2(dWf.transpose(1, 2, 0).reshape(FN, C, P, -1), s=(P, Q), axes=(2, 3))
        self.dW = dw[:, :, :3, :3].astype(self.dtype)
        if not needs_input_grad:
            return None
        dXf = np.empty((C, F, N), dYf.dtype)
        np.matmul(self.Wf.transpose(0, 2, 1), dYf, out=dXf.transpose(1, 0, 2))
        dxp = np.fft.irfft2(dXf.reshape(C, P, -1, N), s=(P, Q), axes=(1, 2))
        p = self.pad
        return dxp[:, p:p + H, p:p + Wd, :].astype(self.dtype, copy=False).transpose(3, 0, 1, 2)
