"""The book's simple ConvNet (chapter 7.5): conv - relu - pool - affine - relu - affine - softmax."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np

from layers.im2col import output_size as window_output_size
from networks.base import Network
from networks.init import WeightInit, check_sizes, init_weight, make_rng
from networks.layer_set import layer_set

SIMPLE_CONV_PARAM: Mapping[str, int] = MappingProxyType({"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1})


def conv_param_dict(conv_param: Mapping[str, int], defaults: Mapping[str, int], owner: str) -> dict[str, int]:
    """``conv_param`` completed from ``defaults``, every value an int (``pad`` >= 0, the others >= 1).

    Unknown keys and values that are not such integers (a float, even 2.0, a bool, a string) raise
    ValueError naming ``owner``, the key and the value; a conv_param that is not a dict, TypeError.
    """
    if not isinstance(conv_param, Mapping):
        raise TypeError(f"{owner}: conv_param must be a dict such as {dict(defaults)}, "
                        f"got {type(conv_param).__name__} {conv_param!r}")
    unknown = sorted(set(conv_param) - set(defaults), key=repr)
    if unknown:
        raise ValueError(f"{owner}: unknown conv_param key(s) {unknown}, expected some of {sorted(defaults)}")
    merged = {**defaults, **conv_param}
    for key, value in merged.items():
        low = 0 if key == "pad" else 1
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
            raise ValueError(f"{owner}: conv_param[{key!r}] must be an integer >= {low}, "
                             f"got {type(value).__name__} {value!r}")
        merged[key] = int(value)
    return merged


class SimpleConvNet(Network):
    """Conv1 - Relu1 - Pool1 - Affine1 - Relu2 - Affine2 - SoftmaxWithLoss, params W1..W3, b1..b3.

    Input (N, C, H, W) with (C, H, W) = ``input_dim``. W1 is (filter_num, C, filter_size, filter_size);
    the pool is 2x2 with stride 2, so W2 is (filter_num * PH * PW, hidden_size) with PH = OH / 2,
    OH = (H + 2*pad - filter_size) / stride + 1 (likewise PW); W3 is (hidden_size, output_size).
    Weights are Gaussian with std ``weight_init_std`` (or "he"/"xavier" with each layer's fan-in),
    biases zero. ``fast=False`` builds it from the book's layers (``layers``) instead of their fast twins
    (``engine``): the same function, for reading and checking. Conv1 skips the gradient of its input (data): set
    ``net.layers["Conv1"].needs_input_grad = True`` to get it from the layers' ``backward``.
    """

    def __init__(
        self,
        input_dim: tuple[int, int, int] = (1, 28, 28),
        conv_param: Mapping[str, int] = SIMPLE_CONV_PARAM,
        hidden_size: int = 100,
        output_size: int = 10,
        weight_init_std: WeightInit = 0.01,
        *,
        seed: int | None = None,
        rng: np.random.Generator | None = None,
        dtype: np.dtype | type = np.float32,
        fast: bool = True,
    ) -> None:
        super().__init__(dtype)
        if len(tuple(input_dim)) != 3:
            raise ValueError(f"SimpleConvNet: input_dim must be (C, H, W), got {input_dim!r}")
        check_sizes("SimpleConvNet", channels=input_dim[0], height=input_dim[1], width=input_dim[2],
                    hidden_size=hidden_size, output_size=output_size)
        L = layer_set(fast, type(self).__name__)  # the engine's fast layers, or the book's with fast=False
        name = type(self).__name__
        conv = conv_param_dict(conv_param, SIMPLE_CONV_PARAM, name)
        C, H, W = input_dim
        fn, fs, pad, stride = conv["filter_num"], conv["filter_size"], conv["pad"], conv["stride"]
        out_h = window_output_size(H, fs, stride, pad, name, "height")
        out_w = window_output_size(W, fs, stride, pad, name, "width")
        pooled = fn * window_output_size(out_h, 2, 2, 0, f"{name} pooling", "height") * \
            window_output_size(out_w, 2, 2, 0, f"{name} pooling", "width")
        self.input_dim = (C, H, W)
        rng = make_rng(seed, rng, name)
        W1 = init_weight(rng, (fn, C, fs, fs), weight_init_std, C * fs * fs, self.dtype, type(self).__name__)
        W2 = init_weight(rng, (pooled, hidden_size), weight_init_std, pooled, self.dtype, type(self).__name__)
        W3 = init_weight(rng, (hidden_size, output_size), weight_init_std, hidden_size, self.dtype, type(self).__name__)
        zeros = lambda n: np.zeros(n, dtype=self.dtype)  # noqa: E731
        conv1 = self.add_layer("Conv1", L.Convolution(W1, zeros(fn), stride, pad), W="W1", b="b1")
        conv1.needs_input_grad = False  # its input is data
        self.add_layer("Relu1", L.Relu())
        self.add_layer("Pool1", L.Pooling(2, 2, stride=2))
        self.add_layer("Affine1", L.Affine(W2, zeros(hidden_size)), W="W2", b="b2")
        self.add_layer("Relu2", L.Relu())
        self.add_layer("Affine2", L.Affine(W3, zeros(output_size)), W="W3", b="b3")

    def accuracy(self, x: np.ndarray, t: np.ndarray, batch_size: int = 100) -> float:
        """As :meth:`Network.accuracy`, in batches of 100 by default as in the book: each convolution's
        im2col matrix grows with the batch (DeepConvNet's Conv2: 45 MB for 100 images)."""
        return super().accuracy(x, t, batch_size)

    def predict_labels(self, x: np.ndarray, batch_size: int = 100) -> np.ndarray:
        """As :meth:`Network.predict_labels`, in batches of 100 by default, as :meth:`accuracy` is."""
        return super().predict_labels(x, batch_size)
