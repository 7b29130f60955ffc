"""Which classes a network is built from: the book's layers, or their fast twins from the engine."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine import FastAffine, FastConvolution, FastPooling, FastRelu
from layers import Affine, Convolution, Layer, Pooling, Relu


@dataclass(frozen=True)
class LayerSet:
    """The four layer classes the networks need; each fast class takes the same arguments as its book twin."""

    Affine: type[Layer]
    Convolution: type[Layer]
    Pooling: type[Layer]
    Relu: type[Layer]


BOOK_LAYERS = LayerSet(Affine, Convolution, Pooling, Relu)
FAST_LAYERS = LayerSet(FastAffine, FastConvolution, FastPooling, FastRelu)


def layer_set(fast: bool, owner: str) -> LayerSet:
    """The engine's fast layers when ``fast``, else the book's (for reading, teaching and checking).
    ``fast`` must be a boolean: a string such as "no" would otherwise count as true."""
    if not isinstance(fast, bool | np.bool_):
        raise TypeError(f"{owner}: fast must be True or False, got {type(fast).__name__} {fast!r:.60}")
    return FAST_LAYERS if fast else BOOK_LAYERS
