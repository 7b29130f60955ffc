"""The book's fully connected multi-layer net, plain and extended (chapter 6)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from layers import BatchNormalization, Dropout, Layer, ReLU, Sigmoid, Tanh
from networks.base import Network
from networks.init import WeightInit, init_weight, layer_sizes, make_rng
from networks.layer_set import layer_set

ACTIVATIONS: dict[str, type[Layer]] = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh}


class MultiLayerNet(Network):
    """For each hidden layer i = 1..L:  Affine{i} [-> BatchNorm{i}] -> Activation_function{i} [-> Dropout{i}],
    then Affine{L+1} -> SoftmaxWithLoss. The bracketed layers come with ``use_batchnorm`` /
    ``use_dropout`` (the book's MultiLayerNetExtend); without them this is the book's MultiLayerNet.

    Params: W{i} of shape (n_{i-1}, n_i) with n_0 = input_size, n_{L+1} = output_size, Gaussian with
    std ``weight_init_std`` ("relu"/"he": sqrt(2 / n_{i-1}), "sigmoid"/"xavier": sqrt(1 / n_{i-1}),
    or a number); b{i} zeros; with batch norm gamma{i} ones and beta{i} zeros, shaped (n_i,).
    ``weight_decay_lambda`` adds lambda/2 * sum_i ||W{i}||^2 to the loss (weights only, not b, gamma
    or beta). Dropout layers draw from their own generators, spawned from the network's ``seed``/``rng``.
    ``fast=True`` takes the engine's twins of Affine and ReLU (the same function, large products split
    over the engine's threads); BatchNormalization, Dropout, Sigmoid and Tanh stay the book's.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size_list: Sequence[int],
        output_size: int,
        activation: str = "relu",
        weight_init_std: WeightInit = "relu",
        weight_decay_lambda: float = 0.0,
        use_dropout: bool = False,
        dropout_ratio: float = 0.5,
        use_batchnorm: bool = False,
        *,
        seed: int | None = None,
        rng: np.random.Generator | None = None,
        dtype: np.dtype | type = np.float32,
        fast: bool = False,
    ) -> None:
        super().__init__(dtype, weight_decay_lambda)
        if activation not in ACTIVATIONS:
            raise ValueError(f"MultiLayerNet: activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        sizes = layer_sizes("MultiLayerNet", input_size, hidden_size_list, output_size)
        hidden_size_list = sizes[1:-1]
        rng = make_rng(seed, rng, type(self).__name__)
        self.input_size = input_size
        self.hidden_size_list = list(hidden_size_list)
        self.hidden_layer_num = len(self.hidden_size_list)
        self.output_size = output_size
        self.activation = activation
        self.use_dropout = use_dropout
        self.dropout_ratio = dropout_ratio
        self.use_batchnorm = use_batchnorm

        L = layer_set(fast, type(self).__name__)
        activations = {**ACTIVATIONS, "relu": L.Relu}
        dropout_rngs = rng.spawn(self.hidden_layer_num) if use_dropout else []
        for i in range(1, len(sizes)):
            fan_in, fan_out = sizes[i - 1], sizes[i]
            W = init_weight(rng, (fan_in, fan_out), weight_init_std, fan_in, self.dtype, type(self).__name__)
            affine = self.add_layer(f"Affine{i}", L.Affine(W, np.zeros(fan_out, self.dtype)), W=f"W{i}", b=f"b{i}")
            affine.needs_input_grad = i > 1  # Affine1's input is data: its dx would be wasted work
            if i == len(sizes) - 1:
                break
            if use_batchnorm:
                bn = BatchNormalization(np.ones(fan_out, self.dtype), np.zeros(fan_out, self.dtype))
                self.add_layer(f"BatchNorm{i}", bn, gamma=f"gamma{i}", beta=f"beta{i}")
            self.add_layer(f"Activation_function{i}", activations[activation]())
            if use_dropout:
                self.add_layer(f"Dropout{i}", Dropout(dropout_ratio, rng=dropout_rngs[i - 1]))


class MultiLayerNetExtend(MultiLayerNet):
    """The book's name for the network of chapters 6.3 and 6.4: :class:`MultiLayerNet` with its
    ``use_dropout`` and ``use_batchnorm``, taking the book's arguments in the book's order, its
    spelling ``dropout_ration`` included."""

    def __init__(self, input_size: int, hidden_size_list: Sequence[int], output_size: int, activation: str = "relu",
                 weight_init_std: WeightInit = "relu", weight_decay_lambda: float = 0.0, use_dropout: bool = False,
                 dropout_ration: float = 0.5, use_batchnorm: bool = False, **options: Any) -> None:
        dropout_ratio = options.pop("dropout_ratio", dropout_ration)  # this project's spelling, also taken
        super().__init__(input_size, hidden_size_list, output_size, activation, weight_init_std, weight_decay_lambda,
                         use_dropout, dropout_ratio, use_batchnorm, **options)
