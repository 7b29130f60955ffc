"""A network of layers drawn as a computational graph (chapter 5.7): one node per layer.

:func:`network_graph` runs the network's own training forward and backward on one mini-batch
(``network.loss_and_gradient(x, t)``) and records, for every layer of ``network.layers`` and for
``network.last_layer``, its input and output, the upstream gradient ``dout`` it received and the
gradients it returned: ``dx`` for its input and ``layer.grads`` for its parameters. Nothing is
re-derived. The record becomes a :class:`~graphs.graph.Graph` whose nodes replay it::

    x, W1, b1 -> Affine1 -> Relu1 -> Affine2 (W2, b2) -> SoftmaxWithLoss (t) -> loss

so :func:`~graphs.draw.draw_graph` draws each edge with the array's shape and summary above it and the
norm of its gradient below it, the parameters as inputs with their gradients. A network is read only
through ``layers`` (an OrderedDict), ``last_layer``, ``params`` and each layer's ``forward``,
``backward``, ``params`` and ``grads``; any network built that way works (TwoLayerNet, MultiLayerNet,
SimpleConvNet, DeepConvNet).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from graphs.graph import Graph, GraphError
from layers import Layer

if TYPE_CHECKING:
    from matplotlib.figure import Figure

LOSS_SYMBOL = "Softmax\nwith\nLoss"


@dataclass
class LayerRecord:
    """What one layer saw and returned during the recorded forward and backward."""

    name: str
    layer: Layer
    inputs: tuple[Any, ...] = ()
    output: Any = None
    dout: Any = None
    input_grads: tuple[Any, ...] = ()
    param_grads: dict[str, Any] = field(default_factory=dict)
    forward_calls: int = 0
    backward_calls: int = 0


class _Replay(Layer):
    """A graph node that hands back what a network layer computed: its recorded output forward, its
    recorded input and parameter gradients backward (one per node input, in slot order)."""

    def __init__(self, output: Any, grads: tuple[Any, ...]) -> None:
        super().__init__()
        self.output, self.recorded_grads = output, grads

    def forward(self, *inputs: Any) -> Any:
        return self.output

    def backward(self, dout: Any = 1.0) -> tuple[Any, ...]:
        return self.recorded_grads


def record_pass(network: Any, x: np.ndarray, t: np.ndarray) -> tuple[float, list[LayerRecord]]:
    """Run ``network.loss_and_gradient(x, t)`` and return (loss, one record per layer, loss layer last).

    Every layer's ``forward`` and ``backward`` are wrapped for the call (then restored) and what they
    took and gave is copied. A network that does not pass through each layer's ``forward`` and
    ``backward`` exactly once is replayed layer by layer instead: forward in order (training mode),
    the loss layer, ``backward(1)`` and backward in reverse, which is what the network's method does.
    """
    layers = _network_layers(network)
    records = [LayerRecord(name, layer) for name, layer in layers]
    with _recording(records):
        loss, _ = network.loss_and_gradient(x, t)
    if any(r.forward_calls != 1 or r.backward_calls != 1 for r in records):
        records = [LayerRecord(name, layer) for name, layer in layers]
        with _recording(records):
            loss = _replay(network, records, x, t)
    return float(loss), records


def network_graph(network: Any, x: np.ndarray, t: np.ndarray) -> Graph:
    """The graph of one training forward and backward of ``network`` on (x, t), both already run.

    Inputs: ``x``, every parameter under its name in ``network.params`` (W1, b1, ...) and ``t``.
    Nodes: one per layer, named and labelled as in ``network.layers``, then the loss layer, whose
    output is ``loss``. ``g.value(name)`` and ``g.grad(name)`` read any of them; ``g.grad("W1")`` is
    the layer's gradient (the loss without weight decay, as the layers see it). With Dropout the
    graph shows that pass's masks; run it inside ``network.frozen()`` to compare with another pass.
    """
    _, records = record_pass(network, x, t)
    names = _param_names(network)
    g = Graph()
    previous = g.input("x", records[0].inputs[0])
    for record in records:
        is_loss = record is records[-1]
        param_keys = list(record.layer.params)
        inputs = [previous]
        for key in param_keys:
            inputs.append(g.input(names.get(id(record.layer.params[key]), f"{record.name}.{key}"),
                                  record.layer.params[key].copy()))
        grads = [record.input_grads[0] if record.input_grads else None]
        grads += [record.param_grads.get(key) for key in param_keys]
        if is_loss:
            inputs.append(g.input("t", np.asarray(t)))
            grads.append(None)
        softmax_loss = is_loss and type(record.layer).__name__ == "SoftmaxWithLoss"
        symbol = LOSS_SYMBOL if softmax_loss else node_symbol(record.name)
        previous = g.apply(_Replay(record.output, tuple(grads)), *inputs, name="loss" if is_loss else record.name,
                           symbol=symbol)
    g.forward()
    g.backward()
    return g


SYMBOL_LINE = 10  # characters: a layer name longer than this is written on several lines in its node


def node_symbol(name: str) -> str:
    """A layer's name as its node shows it: on lines of at most SYMBOL_LINE characters, broken at
    underscores (which stay, starting the next line) and then before capitals ("Activation_function1" ->
    "Activation\n_function1", "BatchNorm1" stays), so that a long name keeps a readable font instead of
    shrinking to fit."""
    if len(name) <= SYMBOL_LINE:
        return name
    words = [piece for part in re.findall(r"_*[^_]+|_+", name)  # "conv_1_x" -> "conv", "_1", "_x"
             for piece in re.findall(r"[A-Z]+(?![^A-Z])|_*[A-Z]?[^A-Z]*", part) if piece]
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + len(word) <= SYMBOL_LINE:
            lines[-1] += word
        else:
            lines.append(word)
    return "\n".join(lines)


def draw_network(network: Any, x: np.ndarray, t: np.ndarray, title: str | None = None, digits: int = 3) -> Figure:
    """A figure of :func:`network_graph` ``(network, x, t)``: one node per layer, each edge with the
    array's shape and summary above and its gradient's norm below (in red)."""
    from graphs.draw import draw_graph

    return draw_graph(network_graph(network, x, t), title, digits)


# -- recording --------------------------------------------------------------------------------------
def _network_layers(network: Any) -> list[tuple[str, Layer]]:
    layers = getattr(network, "layers", None)
    last = getattr(network, "last_layer", None)
    if not hasattr(layers, "items") or last is None or not hasattr(network, "loss_and_gradient"):
        raise TypeError(f"network_graph: expected a network with .layers (an OrderedDict), .last_layer and "
                        f".loss_and_gradient(x, t), got {type(network).__name__}")
    items = list(layers.items())
    if not items:
        raise GraphError(f"network_graph: {type(network).__name__} has no layers")
    name = type(last).__name__
    taken = {n for n, _ in items}
    return [*items, (name if name not in taken else f"{name}_last", last)]


def _param_names(network: Any) -> dict[int, str]:
    """The network's name of each parameter array, by the array's identity (``params`` holds the layers' arrays)."""
    return {id(array): name for name, array in getattr(network, "params", {}).items()}


def _copy(value: Any) -> Any:
    """A copy of what a layer gave or took, so later calls that reuse memory cannot change the record."""
    if isinstance(value, np.ndarray):
        return np.array(value, copy=True)
    if isinstance(value, tuple):
        return tuple(_copy(v) for v in value)
    return value


@contextmanager
def _recording(records: list[LayerRecord]) -> Iterator[None]:
    """Wrap every recorded layer's forward and backward with instance attributes; remove them after."""
    saved = []
    try:
        for record in records:
            layer = record.layer
            saved.append((layer, layer.__dict__.get("forward"), layer.__dict__.get("backward")))
            layer.forward = _forward_recorder(layer.forward, record)
            layer.backward = _backward_recorder(layer.backward, record)
        yield
    finally:
        for layer, forward, backward in saved:
            for attr, original in (("forward", forward), ("backward", backward)):
                if original is None:
                    layer.__dict__.pop(attr, None)
                else:
                    setattr(layer, attr, original)


def _forward_recorder(forward: Any, record: LayerRecord) -> Any:
    def recorded_forward(*inputs: Any, **options: Any) -> Any:
        out = forward(*inputs, **options)
        record.inputs, record.output = _copy(inputs), _copy(out)
        record.forward_calls += 1
        return out

    return recorded_forward


def _backward_recorder(backward: Any, record: LayerRecord) -> Any:
    def recorded_backward(*args: Any, **options: Any) -> Any:
        dx = backward(*args, **options)
        record.dout = _copy(args[0] if args else options.get("dout", 1.0))
        record.input_grads = _copy(dx) if isinstance(dx, tuple) else (_copy(dx),)
        record.param_grads = {key: _copy(g) for key, g in record.layer.grads.items()}
        record.backward_calls += 1
        return dx

    return recorded_backward


def _replay(network: Any, records: list[LayerRecord], x: np.ndarray, t: np.ndarray) -> float:
    """The network's training pass written out: layers forward in order, loss, backward in reverse."""
    out = np.asarray(x, dtype=getattr(network, "dtype", None))
    for record in records[:-1]:
        layer = record.layer
        out = layer.forward(out, train_flg=True) if layer.has_train_mode else layer.forward(out)
    loss = records[-1].layer.forward(out, t)
    dout = records[-1].layer.backward(1.0)
    for record in reversed(records[:-1]):
        dout = record.layer.backward(dout)
    return loss
