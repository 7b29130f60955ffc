"""The book's pretrained weights: a safe reader for its pickles and the conversion to our networks.

The book publishes ``ch03/sample_weight.pkl`` (the chapter-3 784-50-100-10 sigmoid network, float32),
``simple_convnet_params.pkl`` / ``ch07/params.pkl`` and ``deep_convnet_params.pkl``: pickled dicts of
arrays keyed ``W1``, ``b1``, ... A pickle can run arbitrary code while it is read, so
:class:`ArrayUnpickler` resolves only what a dict of NumPy arrays needs and refuses anything else.

DeepConvNet's dropout. The book trains with dropout that scales nothing while training and multiplies
each dropout's output by (1 - p) = 0.5 at test time. At test time its last layers therefore compute,
with h the output of the ReLU after W7:

    scores = 0.5 * ((0.5 * h) W8 + b8) = h (0.25 W8) + 0.5 b8.

Our Dropout is inverted (scaled while training, identity at test time), so the same scores come from
W8' = 0.25 W8 and b8' = 0.5 b8, all other parameters unchanged. SimpleConvNet and the chapter-3
network have no dropout and their parameters are copied as they are.
"""

from __future__ import annotations

import importlib
import io
import os
import pickle
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from networks.base import Network
from networks.deep_convnet import DeepConvNet
from networks.sample_network import SampleNetwork
from networks.simple_convnet import SimpleConvNet

BOOK_NETWORKS: dict[str, type[Network]] = {"sample": SampleNetwork, "simple": SimpleConvNet, "deep": DeepConvNet}
BOOK_DROPOUT_KEEP = 0.5  # 1 - dropout_ratio of the book's DeepConvNet

# How the book's test-time dropout scaling folds into our parameters (see the module docstring).
BOOK_FOLDED_SCALES: dict[str, dict[str, float]] = {
    "sample": {},
    "simple": {},
    "deep": {"W8": BOOK_DROPOUT_KEEP * BOOK_DROPOUT_KEEP, "b8": BOOK_DROPOUT_KEEP},
}


class UnsafePickleError(pickle.UnpicklingError):
    """The pickle asks for something other than NumPy arrays in plain containers."""


def _multiarray() -> Any:
    try:
        return importlib.import_module("numpy._core.multiarray")
    except ImportError:  # NumPy 1.x
        return importlib.import_module("numpy.core.multiarray")


def _checked_dtype(*args: Any) -> np.dtype:
    dtype = np.dtype(*args)
    if dtype.hasobject:
        raise UnsafePickleError(f"book weights: refusing an object dtype {dtype} in the pickle")
    return dtype


def _checked_reconstruct(cls: Any, *args: Any) -> np.ndarray:
    if cls is not np.ndarray:
        raise UnsafePickleError(f"book weights: refusing to build {cls!r}, only numpy.ndarray is allowed")
    return _multiarray()._reconstruct(cls, *args)


def _latin1_bytes(text: str, encoding: str = "latin1") -> bytes:
    """What protocol-2 pickles call to rebuild a bytes object (the raw data of an array)."""
    if not isinstance(text, str) or encoding != "latin1":
        raise UnsafePickleError(f"book weights: refusing _codecs.encode({type(text).__name__}, {encoding!r})")
    return text.encode("latin1")


_ALLOWED: dict[tuple[str, str], Callable[..., Any] | type] = {
    ("_codecs", "encode"): _latin1_bytes,
    ("numpy.core.multiarray", "_reconstruct"): _checked_reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _checked_reconstruct,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): _checked_dtype,
}


class ArrayUnpickler(pickle.Unpickler):
    """An unpickler that resolves only numpy.ndarray, numpy.dtype, the array reconstructor and latin-1 bytes.

    Plain containers (dict, list, tuple, str, numbers) need no lookup and are read as usual; any other
    global (a function, a class, a module attribute) raises :class:`UnsafePickleError`.
    """

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise UnsafePickleError(
                f"book weights: the pickle asks for {module}.{name}; only NumPy arrays and dtypes are allowed"
            ) from None


def load_book_params(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read one of the book's parameter pickles with :class:`ArrayUnpickler`: a dict of str to arrays."""
    with open(path, "rb") as f:
        raw = f.read()  # whole, first: a frame claiming more bytes than the file holds is refused, not allocated
    try:
        data = ArrayUnpickler(io.BytesIO(raw)).load()
    except UnsafePickleError:
        raise
    except Exception as error:  # a corrupt or truncated pickle, whatever part of the format it breaks
        raise UnsafePickleError(f"book weights: {os.fspath(path)!r} is not a readable pickle "
                                f"({type(error).__name__}: {error})") from None
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, np.ndarray) and v.dtype.kind in "fiu" for k, v in data.items()
    ):
        raise UnsafePickleError(f"book weights: {os.fspath(path)!r} does not hold a dict of numeric arrays")
    return data


def convert_book_params(book_params: Mapping[str, np.ndarray], network: str,
                        dtype: np.dtype | type = np.float32) -> dict[str, np.ndarray]:
    """The book's parameters of ``network`` ("sample", "simple" or "deep") as our networks' parameters, in ``dtype``.

    Checks every key and shape against the book's architecture; folds DeepConvNet's test-time dropout
    scaling into W8 and b8 (computed in float64, then cast).
    """
    if network not in BOOK_NETWORKS:
        raise ValueError(f"book weights: unknown network {network!r}, expected one of {sorted(BOOK_NETWORKS)}")
    expected = {k: v.shape for k, v in BOOK_NETWORKS[network](seed=0).params.items()}
    missing = sorted(set(expected) - set(book_params))
    unexpected = sorted(set(book_params) - set(expected))
    if missing or unexpected:
        raise ValueError(f"book weights: parameters do not match the book's {network} network: "
                         f"missing {missing}, unexpected {unexpected}")
    for key, shape in expected.items():
        if book_params[key].shape != shape:
            raise ValueError(f"book weights: {key} has shape {book_params[key].shape}, the book's {network} "
                             f"network expects {shape}")
    scales = BOOK_FOLDED_SCALES[network]
    return {key: (np.asarray(book_params[key], dtype=np.float64) * scales.get(key, 1.0)).astype(dtype)
            for key in expected}


def load_book_network(path: str | os.PathLike, network: str, dtype: np.dtype | type = np.float32,
                      fast: bool = True) -> Network:
    """A SampleNetwork, SimpleConvNet or DeepConvNet (book architecture) with the converted weights from ``path``;
    ``fast=False`` builds a ConvNet from the book's layers instead of the engine's."""
    params = convert_book_params(load_book_params(path), network, dtype)
    build = BOOK_NETWORKS[network]
    net = build(seed=0, dtype=dtype) if network == "sample" else build(seed=0, dtype=dtype, fast=fast)
    for key, value in params.items():
        net.params[key][...] = value
    return net


HALF_PRECISION_ARITHMETIC = ("float32", "float16")


def half_precision_copy(network: Network, kind: str, arithmetic: str = "float32") -> Network:
    """A new network of the book's ``kind`` ("sample", "simple", "deep") holding ``network``'s weights rounded
    to float16, w16 = fl16(w) (11 significant bits: |w16 - w| <= 2^-11 |w| for normal values), the experiment
    of chapter 8.3.4.

    ``arithmetic`` "float32" (the book's, which computes in float64): a float32 network holding the float16
    values, so only the weights are rounded; "float16": a float16 network, so every product, sum and
    activation is rounded too. ``network`` is left as it was.
    """
    if kind not in BOOK_NETWORKS:
        raise ValueError(f"half_precision_copy: unknown network {kind!r}, expected one of {sorted(BOOK_NETWORKS)}")
    if arithmetic not in HALF_PRECISION_ARITHMETIC:
        raise ValueError(f"half_precision_copy: arithmetic must be one of {HALF_PRECISION_ARITHMETIC}, "
                         f"got {arithmetic!r}")
    copy = BOOK_NETWORKS[kind](seed=0, dtype=np.float16 if arithmetic == "float16" else np.float32)
    theirs = {key: value.shape for key, value in network.params.items()}
    ours = {key: value.shape for key, value in copy.params.items()}
    if theirs != ours:
        raise ValueError(f"half_precision_copy: the network's parameters {theirs} are not those of the book's "
                         f"{kind} network {ours}")
    for key, value in network.params.items():
        copy.params[key][...] = value.astype(np.float16)
    return copy
