"""The book's deep ConvNet (chapter 8.1): six 3x3 convolutions, three pools, two affines, dropout."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np

from layers import Dropout
from layers.im2col import output_size as window_output_size
from networks.base import Network
from networks.init import check_sizes, init_weight, make_rng
from networks.layer_set import layer_set
from networks.simple_convnet import conv_param_dict


def _conv(filter_num: int, pad: int = 1) -> Mapping[str, int]:
    return MappingProxyType({"filter_num": filter_num, "filter_size": 3, "pad": pad, "stride": 1})


# The book's conv_param_1 .. conv_param_6: only the fourth pads by 2.
DEEP_CONV_PARAMS: tuple[Mapping[str, int], ...] = (
    _conv(16), _conv(16), _conv(32), _conv(32, pad=2), _conv(64), _conv(64)
)


class DeepConvNet(Network):
    """conv-relu-conv-relu-pool x3, then affine-relu-dropout-affine-dropout-softmax; params W1..W8, b1..b8.

    Layers: Conv1 Relu1 Conv2 Relu2 Pool1 Conv3 Relu3 Conv4 Relu4 Pool2 Conv5 Relu5 Conv6 Relu6 Pool3
    Affine1 Relu7 Dropout1 Affine2 Dropout2. The book's defaults: 3x3 convolutions with 16, 16, 32,
    32, 64, 64 filters, stride 1, padding 1 except the fourth (padding 2), 2x2 pools with stride 2,
    so 28x28 input gives 28-28-14-14-16-8-8-8-4 and W7 is (64*4*4, hidden_size) = (1024, 50).
    He initialisation: std sqrt(2 / fan_in), fan_in = C_in * FH * FW for a convolution and the
    number of inputs for an affine; biases zero. Dropout is inverted (identity at inference).
    ``fast=False`` builds it from the book's layers instead of the engine's fast twins (same function).
    Conv1 skips the gradient of its input (data); set ``layers["Conv1"].needs_input_grad = True`` for it.
    """

    def __init__(
        self,
        input_dim: tuple[int, int, int] = (1, 28, 28),
        conv_param_1: Mapping[str, int] = DEEP_CONV_PARAMS[0],
        conv_param_2: Mapping[str, int] = DEEP_CONV_PARAMS[1],
        conv_param_3: Mapping[str, int] = DEEP_CONV_PARAMS[2],
        conv_param_4: Mapping[str, int] = DEEP_CONV_PARAMS[3],
        conv_param_5: Mapping[str, int] = DEEP_CONV_PARAMS[4],
        conv_param_6: Mapping[str, int] = DEEP_CONV_PARAMS[5],
        hidden_size: int = 50,
        output_size: int = 10,
        *,
        seed: int | None = None,
        rng: np.random.Generator | None = None,
        dtype: np.dtype | type = np.float32,
        fast: bool = True,
        dropout_ratio: float = 0.5,
    ) -> None:
        super().__init__(dtype)
        if len(tuple(input_dim)) != 3:
            raise ValueError(f"DeepConvNet: input_dim must be (C, H, W), got {input_dim!r}")
        check_sizes("DeepConvNet", channels=input_dim[0], height=input_dim[1], width=input_dim[2],
                    hidden_size=hidden_size, output_size=output_size)
        L = layer_set(fast, type(self).__name__)  # the engine's fast layers, or the book's with fast=False
        name = type(self).__name__
        rng = make_rng(seed, rng, name)
        self.input_dim = tuple(input_dim)
        channels, height, width = input_dim
        conv_params = (conv_param_1, conv_param_2, conv_param_3, conv_param_4, conv_param_5, conv_param_6)
        zeros = lambda n: np.zeros(n, dtype=self.dtype)  # noqa: E731
        for idx, (given, default) in enumerate(zip(conv_params, DEEP_CONV_PARAMS, strict=True), start=1):
            param = conv_param_dict(given, default, f"{name} conv_param_{idx}")
            fn, fs, pad, stride = param["filter_num"], param["filter_size"], param["pad"], param["stride"]
            height = window_output_size(height, fs, stride, pad, f"{name} Conv{idx}", "height")
            width = window_output_size(width, fs, stride, pad, f"{name} Conv{idx}", "width")
            W = init_weight(rng, (fn, channels, fs, fs), "he", channels * fs * fs, self.dtype, type(self).__name__)
            conv = self.add_layer(f"Conv{idx}", L.Convolution(W, zeros(fn), stride, pad), W=f"W{idx}", b=f"b{idx}")
            conv.needs_input_grad = idx > 1  # Conv1's input is data
            self.add_layer(f"Relu{idx}", L.Relu())
            channels = fn
            if idx % 2 == 0:
                height = window_output_size(height, 2, 2, 0, f"{name} Pool{idx // 2}", "height")
                width = window_output_size(width, 2, 2, 0, f"{name} Pool{idx // 2}", "width")
                self.add_layer(f"Pool{idx // 2}", L.Pooling(2, 2, stride=2))
        flat = channels * height * width
        W7 = init_weight(rng, (flat, hidden_size), "he", flat, self.dtype, type(self).__name__)
        W8 = init_weight(rng, (hidden_size, output_size), "he", hidden_size, self.dtype, type(self).__name__)
        self.add_layer("Affine1", L.Affine(W7, zeros(hidden_size)), W="W7", b="b7")
        self.add_layer("Relu7", L.Relu())
        self.add_layer("Dropout1", Dropout(dropout_ratio, rng=rng))
        self.add_layer("Affine2", L.Affine(W8, zeros(output_size)), W="W8", b="b8")
        self.add_layer("Dropout2", Dropout(dropout_ratio, rng=rng))

    def loss(self, x: np.ndarray, t: np.ndarray, train_flg: bool = True) -> float:
        """The training loss, dropout on, as the book's DeepConvNet.loss (its ``predict(x, train_flg=True)``):
        each call draws new dropout masks. ``train_flg=False`` gives the inference loss (dropout off)."""
        return super().loss(x, t, train_flg)

    def accuracy(self, x: np.ndarray, t: np.ndarray, batch_size: int = 100) -> float:
        """As :meth:`Network.accuracy`, in batches of 100 by default as in the book: each convolution's
        im2col matrix grows with the batch (DeepConvNet's Conv2: 45 MB for 100 images)."""
        return super().accuracy(x, t, batch_size)

    def predict_labels(self, x: np.ndarray, batch_size: int = 100) -> np.ndarray:
        """As :meth:`Network.predict_labels`, in batches of 100 by default, as :meth:`accuracy` is."""
        return super().predict_labels(x, batch_size)
