"""What every network shares: layers run forward in order and backward in reverse.

A network keeps its layers in an ``OrderedDict`` (``self.layers``) and a loss layer
(``self.last_layer``). ``self.params`` maps network names (``W1``, ``b1``, ...) to the *same* arrays
the layers hold, so an optimiser updating ``params`` in place updates the layers. Gradients are never
re-derived here: ``gradient`` only collects what each layer's ``backward`` left in its ``grads``.
"""

from __future__ import annotations

import errno
import os
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from fileio import ArchiveError, ArrayInfo, atomic_write, describe, is_real_float, read_npz, write_npz
from layers import Layer, SoftmaxWithLoss, freeze
from layers import numerical_gradient as numerical_gradient_of
from layers.checks import check_labels, real_array


class Network:
    """Base class for layer stacks ending in a loss layer; see the module docstring."""

    def __init__(self, dtype: np.dtype | type = np.float32, weight_decay_lambda: float = 0.0) -> None:
        name = type(self).__name__
        try:
            self.dtype = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"{name}: dtype must be a floating-point type such as np.float32, got {dtype!r}") from None
        if self.dtype.kind != "f":
            raise TypeError(f"{name}: dtype must be a floating-point type such as np.float32, got {self.dtype} "
                            f"(integer weights would all round to 0)")
        if isinstance(weight_decay_lambda, bool) or not isinstance(weight_decay_lambda, int | float | np.floating) \
                or not 0 <= weight_decay_lambda < np.inf:
            raise ValueError(f"{name}: weight_decay_lambda must be a finite number >= 0, got {weight_decay_lambda!r}")
        self.weight_decay_lambda = float(weight_decay_lambda)
        self.params: dict[str, np.ndarray] = {}
        self.layers: OrderedDict[str, Layer] = OrderedDict()
        self.last_layer: Layer = SoftmaxWithLoss()
        self._param_owner: dict[str, tuple[Layer, str]] = {}
        self._decayed: list[str] = []

    # -- building ---------------------------------------------------------------------------------
    def add_layer(self, name: str, layer: Layer, decay: tuple[str, ...] = ("W",), **param_names: str) -> Layer:
        """Append ``layer`` as ``name``; ``param_names`` maps the layer's keys to network keys (W="W1").

        Parameters whose layer key is in ``decay`` receive weight decay (the book decays weights only).
        Everything is checked before the network changes: a refused layer leaves it as it was.
        """
        owner = type(self).__name__
        if name in self.layers:
            raise ValueError(f"{owner}: duplicate layer name {name!r}")
        unknown = [key for key in param_names if key not in layer.params]
        if unknown:
            raise ValueError(f"{owner}: layer {name!r} ({type(layer).__name__}) has no parameter(s) {unknown}; "
                             f"it has {list(layer.params)}")
        net_keys = list(param_names.values())
        taken = [key for i, key in enumerate(net_keys) if key in self.params or key in net_keys[:i]]
        if taken:
            raise ValueError(f"{owner}: duplicate parameter name(s) {taken}")
        self.layers[name] = layer
        for layer_key, net_key in param_names.items():
            self.params[net_key] = layer.params[layer_key]
            self._param_owner[net_key] = (layer, layer_key)
            if layer_key in decay:
                self._decayed.append(net_key)
        return layer

    # -- the book's methods -----------------------------------------------------------------------
    def predict(self, x: np.ndarray, train_flg: bool = False) -> np.ndarray:
        """Scores before the loss layer, running ``self.layers`` in order."""
        if type(x) is not np.ndarray or x.dtype != self.dtype:  # else x is already what the layers take
            x = real_array(x, f"{type(self).__name__}.predict").astype(self.dtype, copy=False)
        for layer in self.layers.values():
            x = layer.forward(x, train_flg=train_flg) if layer.has_train_mode else layer.forward(x)
        return x

    def loss(self, x: np.ndarray, t: np.ndarray, train_flg: bool = False) -> float:
        """Loss of the last layer plus weight decay lambda/2 * sum of W^2 over decayed weights."""
        loss = self.last_layer.forward(self.predict(x, train_flg), t)
        if self.weight_decay_lambda:
            loss += 0.5 * self.weight_decay_lambda * sum(float(np.sum(self.params[k] ** 2)) for k in self._decayed)
        return loss

    def loss_and_gradient(self, x: np.ndarray, t: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
        """One training forward pass, then backward through the layers in reverse order."""
        loss = self.loss(x, t, train_flg=True)
        dout = self.last_layer.backward(1.0)
        for layer in reversed(self.layers.values()):
            dout = layer.backward(dout)
        grads = {key: layer.grads[layer_key] for key, (layer, layer_key) in self._param_owner.items()}
        if self.weight_decay_lambda:
            for key in self._decayed:
                grads[key] = grads[key] + self.weight_decay_lambda * self.params[key]
        return loss, grads

    def gradient(self, x: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        """Gradients of the loss for every parameter, by backprop, keyed like ``params``."""
        return self.loss_and_gradient(x, t)[1]

    def numerical_gradient(self, x: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        """Gradients by centred differences of the training ``loss`` (slow: two forward passes per entry).

        Runs inside :meth:`frozen`, so it differentiates the very function the last training pass
        computed (same dropout masks) and changes no running statistic; the book's version draws
        a new mask and updates the statistics on every pass, so its differences are not a gradient.
        """
        with self.frozen():
            return {key: numerical_gradient_of(lambda _: self.loss(x, t, train_flg=True), p)
                    for key, p in self.params.items()}

    @contextmanager
    def frozen(self) -> Iterator[None]:
        """Within the block every layer is frozen (:func:`layers.freeze`): Dropout reuses its last mask
        and BatchNormalization uses batch statistics without updating its running ones."""
        with freeze(*self.layers.values(), self.last_layer):
            yield

    def predict_labels(self, x: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """Class of highest score for every sample: ``argmax_c predict(x, train_flg=False)[n, c]``, shape (N,).

        Scored ``batch_size`` samples at a time (to save memory); the result does not depend on it.
        """
        return self._labels_and_classes(x, batch_size, "predict_labels")[0]

    def accuracy(self, x: np.ndarray, t: np.ndarray, batch_size: int = 1000) -> float:
        """Fraction of samples whose highest score is the label; exact for any N (labels from
        :meth:`predict_labels`, batched to save memory).

        ``t`` is integer labels (N,) or one-hot rows (N, C); labels outside [0, C) are refused, as
        :meth:`loss` refuses them.
        """
        name = f"{type(self).__name__}.accuracy"
        predicted, n_classes = self._labels_and_classes(x, batch_size, "accuracy")
        t = check_labels(real_array(t, name, "labels"), predicted.shape[0], n_classes, name)
        if t.ndim != 1:
            t = t.argmax(axis=1)
        return int(np.count_nonzero(predicted == t)) / predicted.shape[0]

    def _labels_and_classes(self, x: np.ndarray, batch_size: int, method: str) -> tuple[np.ndarray, int]:
        """argmax of the scores of every sample, ``batch_size`` at a time, and the number of classes."""
        name = f"{type(self).__name__}.{method}"
        if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer) or batch_size < 1:
            raise ValueError(f"{name}: batch_size must be an integer >= 1, got {batch_size!r}")
        x = real_array(x, name)
        if x.ndim == 0 or x.shape[0] == 0:
            raise ValueError(f"{name}: expected a non-empty batch of samples, got shape {x.shape}")
        n = x.shape[0]
        labels = np.empty(n, dtype=np.intp)
        n_classes = 0
        for start in range(0, n, batch_size):
            scores = self.predict(x[start:start + batch_size], train_flg=False)
            labels[start:start + batch_size] = scores.argmax(axis=1)
            n_classes = scores.shape[1]
        return labels, n_classes

    @property
    def buffers(self) -> dict[str, np.ndarray]:
        """Saved, untrained layer state keyed ``"<layer name>.<buffer>"`` (e.g. ``BatchNorm1.running_mean``)."""
        return {f"{name}.{key}": value for name, layer in self.layers.items() for key, value in layer.buffers.items()}

    # -- saving -----------------------------------------------------------------------------------
    def save_params(self, path: str | os.PathLike = "params.npz") -> Path:
        """Write ``params`` (and ``buffers``) to an ``.npz`` file (the book's default name, as .npz): a temporary
        file first, renamed over the target when complete. ``.npz`` is appended to a path without it
        (``"dir/wts"`` writes ``dir/wts.npz``), as :meth:`load_params` does when reading; returns the path
        written."""
        path = Path(npz_path(path))
        with atomic_write(path) as f:
            write_npz(f, {**self.params, **self.buffers})
        return path

    def load_params(self, path: str | os.PathLike = "params.npz") -> None:
        """Read what :meth:`save_params` wrote into ``params`` and ``buffers`` (in place, so layers see it).

        ``path`` is resolved as :meth:`save_params` resolves it: ``.npz`` is appended when missing.
        All or nothing: every key, shape and dtype is checked from the archive's directory before any
        array data is read, and every array is converted to the network's dtype and checked before
        anything is changed. A mismatch, a dtype that is not real floating point, a value that is not
        finite (NaN or inf in the file, or too large for the network's dtype), or a corrupt file raises
        ValueError naming the file and key, and leaves the network as it was. A missing file raises
        FileNotFoundError; a pickle (the book's ``params.pkl``) a ValueError saying how to convert it.
        """
        name = type(self).__name__
        path = _weights_file(path, f"{name}.load_params")
        where = repr(os.fspath(path))
        expected = {**self.params, **self.buffers}

        def check(directory: Mapping[str, ArrayInfo]) -> None:
            missing = [k for k in expected if k not in directory]
            unexpected = [k for k in directory if k not in expected]
            if missing or unexpected:
                parts = [f"{what} {keys}" for what, keys in (("missing keys", missing),
                                                             ("unexpected keys", unexpected)) if keys]
                raise ValueError(f"{name}.load_params: {where} does not match this network: {'; '.join(parts)}")
            for key, info in directory.items():
                if not is_real_float(info.dtype):
                    raise ValueError(f"{name}.load_params: {where} key {key!r} is {describe(info)}; "
                                     "expected real floating point")
                if info.shape != expected[key].shape:
                    raise ValueError(f"{name}.load_params: {where} key {key!r} has shape {info.shape}, "
                                     f"expected {expected[key].shape}")

        try:
            loaded = read_npz(path, check)
        except ArchiveError as err:
            raise ValueError(f"{name}.load_params: {err}") from err
        stored = {key: _converted(loaded[key], current.dtype) for key, current in expected.items()}
        for layer_name, layer in self.layers.items():  # values a layer refuses (a negative variance, say)
            for key in layer.buffers:
                layer.check_buffer(key, stored[f"{layer_name}.{key}"], f"{name}.load_params: {where} {layer_name}")
        for key, value in stored.items():
            _check_finite(loaded[key], value, f"{name}.load_params: {where} key {key!r}")
        for key, value in stored.items():
            expected[key][...] = value


PICKLE_MAGIC = b"\x80"  # the first byte of every pickle of protocol 2 or later
PICKLE_SUFFIXES = (".pkl", ".pickle")


def _weights_file(path: str | os.PathLike, where: str) -> str | os.PathLike:
    """The file load_params reads for ``path``: :func:`npz_path`'s name, as save_params writes it, or else
    ``path`` itself when that is an existing file of another name. A pickle (named .pkl / .pickle, or
    starting as pickles of protocol 2 and later do) is refused, naming the converter; a missing file names
    both names tried."""
    given, resolved = Path(path), npz_path(path)
    if given.suffix.lower() in PICKLE_SUFFIXES and given.is_file():
        _refuse_pickle(path, where)
    for candidate in (resolved, path):  # save_params's name first
        if Path(candidate).is_file():
            with open(candidate, "rb") as f:
                if f.read(1) == PICKLE_MAGIC:  # a pickle under any name, .npz too
                    _refuse_pickle(candidate, where)
            return candidate
    if resolved is path or Path(resolved).exists():  # a folder, say: the reader names it
        return resolved
    raise FileNotFoundError(errno.ENOENT, f"{where}: no weights file {os.fspath(resolved)!r} (nor "
                            f"{os.fspath(path)!r})", os.fspath(resolved))


def _refuse_pickle(path: str | os.PathLike, where: str) -> None:
    raise ValueError(f"{where}: {os.fspath(path)!r} is a pickle (the book's format), which is never loaded "
                     "here; convert it once with python -m scripts.convert_book_weights (see its --help) and "
                     "load the .npz it writes")


def npz_path(path: str | os.PathLike) -> str | os.PathLike:
    """``path`` as given when it ends in ``.npz``, else as a Path with ``.npz`` appended (``wts.1`` ->
    ``wts.1.npz``): the one rule by which save_params and load_params name a weights file."""
    given = Path(path)
    return path if given.suffix == ".npz" else given.with_name(given.name + ".npz")


def _converted(value: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``value`` as ``dtype``, whatever ``np.errstate`` says: a value too large for it becomes inf (for
    :func:`_check_finite` to refuse), one too small becomes 0 (precision lost, as float32 weights lose it)."""
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        return value.astype(dtype, copy=False)


def _check_finite(original: np.ndarray, converted: np.ndarray, where: str) -> None:
    """ValueError naming ``where`` unless every value of ``converted`` (``original`` as stored) is finite:
    NaN or inf in the file, or a finite value too large for the stored dtype."""
    finite = np.isfinite(converted)
    if finite.all():
        return
    first = int(np.argmin(finite.ravel()))
    index = tuple(int(i) for i in np.unravel_index(first, original.shape))
    value = original.ravel()[first]
    count = f"{np.count_nonzero(~finite)} of {original.size} values"
    if np.isfinite(value):
        raise ValueError(f"{where} holds {value} at index {index}, which does not fit {converted.dtype} "
                         f"(largest {np.finfo(converted.dtype).max}; {count} do not); expected finite values")
    raise ValueError(f"{where} holds {value} at index {index} ({count} not finite); expected finite values")
