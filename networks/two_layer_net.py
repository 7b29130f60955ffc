"""The book's two-layer net with backprop (chapter 5.7), and chapter 4.5's with a sigmoid hidden layer."""

from __future__ import annotations

import numpy as np

from layers import Layer, Sigmoid
from networks.base import Network
from networks.init import WeightInit, check_sizes, init_weight, make_rng
from networks.layer_set import layer_set


class TwoLayerNet(Network):
    """input -> Affine1 -> Relu1 -> Affine2 -> SoftmaxWithLoss, with params W1, b1, W2, b2.

    Built from the book's layers (``layers``). As in the book, the layers live in an ``OrderedDict``,
    ``self.layers``, and the loss layer in ``self.last_layer`` (``lastLayer``, chapter 5's name, is the
    same layer); :class:`networks.base.Network` runs them the book's way:

        predict(x):  for layer in self.layers.values(): x = layer.forward(x)
        loss(x, t):  self.last_layer.forward(self.predict(x), t)
        gradient(x, t):  self.loss(x, t); dout = self.last_layer.backward(1)
                         for layer in reversed(self.layers.values()): dout = layer.backward(dout)
                         then read each Affine's dW and db into a dict keyed W1, b1, W2, b2.

    W1 is (input_size, hidden_size), W2 is (hidden_size, output_size); weights are Gaussian with
    std ``weight_init_std`` (or "he"/"xavier"), biases zero. ``seed`` or ``rng`` makes it reproducible.
    Affine1's input is data, so its backward skips dx (``needs_input_grad = False``): a third of the
    network's matrix work that no gradient needs. Set it back to True to read dL/dx.
    ``fast=True`` builds it from the engine's twins of Affine and Relu instead (the same function; their
    large products are split over the engine's threads, which pays from a hidden layer of about a
    hundred units); the default is the book's layers.

    ``activation="sigmoid"`` makes it chapter 4.5's TwoLayerNet (ch04/two_layer_net.py): the hidden
    layer is ``Sigmoid1`` instead of ``Relu1``, the rest the same (that chapter's ``gradient`` uses
    sigmoid_grad, the Sigmoid layer's backward here).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int,
        weight_init_std: WeightInit = 0.01,
        *,
        seed: int | None = None,
        rng: np.random.Generator | None = None,
        dtype: np.dtype | type = np.float32,
        weight_decay_lambda: float = 0.0,
        fast: bool = False,
        activation: str = "relu",
    ) -> None:
        super().__init__(dtype, weight_decay_lambda)
        check_sizes("TwoLayerNet", input_size=input_size, hidden_size=hidden_size, output_size=output_size)
        if activation not in ("relu", "sigmoid"):
            raise ValueError(f"TwoLayerNet: activation must be 'relu' (chapter 5) or 'sigmoid' (chapter 4), "
                             f"got {activation!r}")
        self.activation = activation
        L = layer_set(fast, type(self).__name__)  # the book's layers, or the engine's fast twins with fast=True
        rng = make_rng(seed, rng, type(self).__name__)
        W1 = init_weight(rng, (input_size, hidden_size), weight_init_std, input_size, self.dtype, type(self).__name__)
        W2 = init_weight(rng, (hidden_size, output_size), weight_init_std, hidden_size, self.dtype, type(self).__name__)
        affine1 = self.add_layer("Affine1", L.Affine(W1, np.zeros(hidden_size, self.dtype)), W="W1", b="b1")
        affine1.needs_input_grad = False  # its input is data
        if activation == "relu":
            self.add_layer("Relu1", L.Relu())
        else:
            self.add_layer("Sigmoid1", Sigmoid())
        self.add_layer("Affine2", L.Affine(W2, np.zeros(output_size, self.dtype)), W="W2", b="b2")

    @property
    def lastLayer(self) -> Layer:
        """The loss layer ``last_layer``, under the name the book's chapter-5 code gives it."""
        return self.last_layer

    @lastLayer.setter
    def lastLayer(self, layer: Layer) -> None:
        self.last_layer = layer
