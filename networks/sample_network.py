"""The chapter-3 inference network (3.6.2, the book's ``sample_weight.pkl``): 784-50-100-10, sigmoid."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from layers import Affine, Sigmoid, softmax
from networks.base import Network
from networks.init import WeightInit, init_weight, layer_sizes, make_rng


class SampleNetwork(Network):
    """x -> Affine1 -> Sigmoid1 -> Affine2 -> Sigmoid2 -> Affine3 -> softmax, params W1, b1, W2, b2, W3, b3.

    Shapes (the book's): W1 (784, 50), W2 (50, 100), W3 (100, 10). The book only runs it forward, with
    weights trained elsewhere: load them with ``load_params("sample.npz")`` (convert the book's pickle
    with ``python -m scripts.convert_book_weights --network sample``). ``predict`` gives the scores
    a3 = z2 W3 + b3, ``probabilities`` the book's y = softmax(a3); the loss layer is SoftmaxWithLoss, so
    it also trains and gradient-checks like the other networks. Fresh weights are Gaussian with std
    ``weight_init_std`` ("sigmoid": sqrt(1 / fan_in)), biases zero.
    """

    def __init__(
        self,
        input_size: int = 784,
        hidden_size_list: Sequence[int] = (50, 100),
        output_size: int = 10,
        weight_init_std: WeightInit = "sigmoid",
        *,
        seed: int | None = None,
        rng: np.random.Generator | None = None,
        dtype: np.dtype | type = np.float32,
    ) -> None:
        super().__init__(dtype)
        sizes = layer_sizes("SampleNetwork", input_size, hidden_size_list, output_size)
        rng = make_rng(seed, rng, type(self).__name__)
        for i in range(1, len(sizes)):
            W = init_weight(rng, (sizes[i - 1], sizes[i]), weight_init_std, sizes[i - 1], self.dtype,
                            type(self).__name__)
            affine = self.add_layer(f"Affine{i}", Affine(W, np.zeros(sizes[i], self.dtype)), W=f"W{i}", b=f"b{i}")
            affine.needs_input_grad = i > 1  # Affine1's input is data
            if i < len(sizes) - 1:
                self.add_layer(f"Sigmoid{i}", Sigmoid())

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """The book's ``predict``: softmax of the scores, each row summing to 1."""
        return softmax(self.predict(x))
