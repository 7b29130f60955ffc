"""Turning uint8 images and labels into the arrays the book's loaders return."""

from __future__ import annotations

import numpy as np


def one_hot(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """float32 (N, num_classes) with a 1 in each row's label column; labels must lie in [0, num_classes)."""
    labels = np.asarray(labels)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"labels must lie in [0, {num_classes}), got min {labels.min()} max {labels.max()}")
    encoded = np.zeros((labels.shape[0], num_classes), dtype=np.float32)
    encoded[np.arange(labels.shape[0]), labels] = 1.0
    return encoded


def format_split(
    images: np.ndarray,
    labels: np.ndarray,
    *,
    normalize: bool,
    flatten: bool,
    one_hot_label: bool,
    num_classes: int = 10,
) -> tuple[np.ndarray, np.ndarray]:
    """``(x, t)`` from uint8 images (N, H, W) and uint8 labels (N,).

    x: (N, H*W) if ``flatten`` else (N, 1, H, W); float32 in [0, 1] if ``normalize`` else the
    uint8 input (reshaped, not copied). t: the uint8 labels (N,), or float32 (N, num_classes)
    one-hot rows if ``one_hot_label``.
    """
    n, height, width = images.shape
    x = images.reshape(n, height * width) if flatten else images.reshape(n, 1, height, width)
    if normalize:
        x = x.astype(np.float32)
        x /= np.float32(255.0)
    t = one_hot(labels, num_classes) if one_hot_label else labels
    return x, t
