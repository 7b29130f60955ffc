"""Computational graphs you build, run and read by name (chapter 5.1-5.4).

A :class:`Graph` records named inputs and nodes, each node backed by a layer object::

    g = Graph()
    x, y, z = g.input("x", -2.0), g.input("y", 5.0), g.input("z", -4.0)
    q = x + y                 # an "add" node, automatically named "add_1"
    f = g.mul(q, z, name="f")
    g.forward()               # -12.0: every node in topological order
    g.backward()              # upstream gradient 1 at f, then every node in reverse order
    g.grad("x"), g.grad(z)    # -4.0, 3.0

``forward`` runs every node in topological order and stores each node's value. ``backward`` starts
from the output with upstream gradient 1 (or the ``dout`` given), calls each node's layer ``backward``
once in reverse order (the layer uses what it cached in forward, nothing is recomputed), and *adds*
up the gradients reaching a value along several edges (fan-out). Change an input with
:meth:`Graph.set` and run ``forward`` again; reading a stale value or gradient is an error.

A node's inputs may also be names (strings) of values defined later, so a graph can be written in
any order; unknown names and cycles are reported by the next ``forward``.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from graphs.ops import Op, make_op
from graphs.value import Value, constant, exponent
from layers import Layer, LayerStateError


class GraphError(ValueError):
    """A graph was built or used wrongly: duplicate name, cycle, foreign value, non-scalar output..."""


class GraphStateError(GraphError, LayerStateError):
    """A graph was used out of order: backward before forward, or reading values made stale by ``set``."""


@dataclass(eq=False)
class Node:
    """One operation: ``output = op(*inputs)``; ``inputs`` hold Values or names still to resolve."""

    op: Op
    inputs: list[Value | str]
    output: Value = field(init=False)

    @property
    def name(self) -> str:
        return self.output.name


@dataclass(frozen=True)
class Edge:
    """The value ``source`` feeding input number ``slot`` of ``node``."""

    source: Value
    node: Node
    slot: int


class Graph:
    """A computational graph of named inputs and layer-backed nodes; see the module docstring."""

    def __init__(self) -> None:
        self._by_name: dict[str, Value] = {}
        self._input_data: dict[Value, Any] = {}
        self._nodes: list[Node] = []
        self._counters: dict[str, int] = {}
        self._layers: dict[int, object] = {}  # id -> the layer: holding it keeps its id from being reused
        self._order: list[Node] | None = None
        self._data: dict[Value, Any] = {}
        self._grads: dict[Value, Any] = {}
        self._edge_grads: dict[tuple[Node, int], Any] = {}
        self._forward_fresh = False
        self._backward_fresh = False
        self._stale_reason = "forward() has not been run"
        self._output: Value | None = None
        self.backward_output: Value | None = None
        """The value the last backward differentiated (its gradient is the ``dout`` given)."""

    # -- building -----------------------------------------------------------------------------------
    def input(self, name: str, value: Any = None) -> Value:
        """A named input (a number, an array, or None to be given later with :meth:`set`)."""
        if not isinstance(name, str) or not name:
            raise GraphError(f"every input needs a name: g.input('x', value), got name {name!r}")
        self._check_new_name(name)
        data = None if value is None else _input_value(name, value)  # checked before the graph changes
        handle = Value(self, name)
        self._by_name[name] = handle
        self._input_data[handle] = data
        self._structure_changed()
        return handle

    def set(self, key: str | Value, value: Any) -> None:
        """Give input ``key`` a new value; values and gradients are stale until the next forward.

        (``forward`` always recomputes every node from the inputs, so after changing an input array in
        place a new ``forward`` is all it takes, but reads in between are not flagged as stale.)
        """
        handle = self[key]
        if not handle.is_input:
            raise GraphError(f"cannot set {handle.name!r}: it is computed by a {handle.node.op.name} node, "
                             f"only inputs can be set")
        self._input_data[handle] = _input_value(handle.name, value)
        self._forward_fresh = self._backward_fresh = False
        self._stale_reason = f"input {handle.name!r} changed since the last forward()"

    def rename(self, key: str | Value, name: str) -> None:
        """Give a value a new (unique, non-empty) name."""
        handle = self[key]
        if name == handle.name:
            handle.auto_named = False
            return
        if not isinstance(name, str) or not name:
            raise GraphError(f"a name must be a non-empty string, got {name!r}")
        self._check_new_name(name)
        del self._by_name[handle.name]
        handle.name, handle.auto_named = name, False
        self._by_name[name] = handle
        self._structure_changed()  # nodes find their inputs by name: the cached order and values are stale

    def op(self, kind: str, *inputs: Value | str, name: str | None = None, constants: tuple[Any, ...] = ()) -> Value:
        """A node of ``kind`` (a name or symbol of :data:`graphs.ops.OPS`) reading ``inputs``."""
        operation = make_op(kind, *constants)
        return self._add_node(operation, list(inputs), name)

    def apply(self, layer: Layer, *inputs: Value | str, name: str | None = None, symbol: str | None = None) -> Value:
        """A node running any layer: ``layer.forward(*inputs)``; its backward gives one gradient per input.

        A layer caches its forward for backward, so one layer object can back only one node.
        """
        if not isinstance(layer, Layer):
            raise TypeError(f"Graph.apply: expected a Layer, got {type(layer).__name__}")
        label = type(layer).__name__
        return self._add_node(Op(label.lower(), symbol or label, layer, len(inputs)), list(inputs), name)

    def add(self, x: Value | str, y: Value | str, name: str | None = None) -> Value:
        """x + y;  dx = dout, dy = dout."""
        return self.op("add", x, y, name=name)

    def mul(self, x: Value | str, y: Value | str, name: str | None = None) -> Value:
        """x * y;  dx = dout * y, dy = dout * x."""
        return self.op("mul", x, y, name=name)

    def max(self, x: Value | str, y: Value | str, name: str | None = None) -> Value:
        """max(x, y);  dout goes to the larger input (to x on a tie)."""
        return self.op("max", x, y, name=name)

    def exp(self, x: Value | str, name: str | None = None) -> Value:
        """exp(x);  dx = dout * exp(x)."""
        return self.op("exp", x, name=name)

    def log(self, x: Value | str, name: str | None = None) -> Value:
        """log(x);  dx = dout / x."""
        return self.op("log", x, name=name)

    def reciprocal(self, x: Value | str, name: str | None = None) -> Value:
        """1 / x;  dx = -dout / x^2."""
        return self.op("reciprocal", x, name=name)

    def negate(self, x: Value | str, name: str | None = None) -> Value:
        """-x;  dx = -dout."""
        return self.op("negate", x, name=name)

    def scale(self, x: Value | str, c: Any, name: str | None = None) -> Value:
        """c * x for a constant c;  dx = c * dout."""
        return self.op("scale", x, name=name, constants=(constant(c, "*"),))

    def addconstant(self, x: Value | str, c: Any, name: str | None = None) -> Value:
        """x + c for a constant c;  dx = dout."""
        return self.op("add_constant", x, name=name, constants=(constant(c, "+"),))

    def pow(self, x: Value | str, k: float, name: str | None = None) -> Value:
        """x ** k for a constant real k (``x ** 2`` on a value);  dx = dout * k * x^(k-1)."""
        return self.op("pow", x, name=name, constants=(exponent(k),))

    def sigmoid(self, x: Value | str, name: str | None = None) -> Value:
        """y = 1 / (1 + exp(-x)) as one node;  dx = dout * y * (1 - y)."""
        return self.op("sigmoid", x, name=name)

    def relu(self, x: Value | str, name: str | None = None) -> Value:
        """max(x, 0);  dx = dout where x > 0."""
        return self.op("relu", x, name=name)

    def sum(self, x: Value | str, name: str | None = None) -> Value:
        """The sum of all elements;  dx = dout everywhere."""
        return self.op("sum", x, name=name)

    def mean(self, x: Value | str, name: str | None = None) -> Value:
        """The mean of all N elements;  dx = dout / N everywhere."""
        return self.op("mean", x, name=name)

    def affine(self, x: Value | str, W: Value | str, b: Value | str, name: str | None = None) -> Value:
        """x W + b with W and b graph values;  dx = dout W^T, dW = x^T dout, db = sum over rows of dout."""
        return self.op("affine", x, W, b, name=name)

    def softmax_with_loss(self, x: Value | str, t: Value | str, name: str | None = None) -> Value:
        """Mean cross-entropy of softmax(x) against labels t;  dx = dout (y - t) / N, no gradient to t."""
        return self.op("softmax_with_loss", x, t, name=name)

    # -- running ------------------------------------------------------------------------------------
    def forward(self) -> Any:
        """Run every node in topological order; return the output's value (None if there are several)."""
        order = self.topological_order()
        missing = [v.name for v, data in self._input_data.items() if data is None]
        if missing:
            raise GraphStateError(f"input(s) {missing} have no value: give one with g.set(name, value)")
        data: dict[Value, Any] = dict(self._input_data)
        for node in order:
            try:
                data[node.output] = node.op.forward(*(data[v] for v in self.inputs_of(node)))
            except Exception as err:
                err.add_note(f"in graph node {node.name!r} ({node.op.name}: {node.op.symbol!r})")
                raise
        self._data = data
        self._grads, self._edge_grads = {}, {}
        self._forward_fresh, self._backward_fresh = True, False
        self._stale_reason = "backward() has not been run since the last forward()"
        output = self._default_output()
        return None if output is None else data[output]

    def backward(self, dout: Any = None, output: str | Value | None = None) -> dict[str, Any]:
        """Backpropagate from ``output`` (default: the graph's output) with upstream gradient ``dout``.

        ``dout`` defaults to 1 for a scalar output and must be given, shaped like the output, otherwise.
        Returns the gradient of every input that one reaches, by name.
        """
        if not self._forward_fresh:
            raise GraphStateError(f"Graph.backward() called before forward(): {self._stale_reason}")
        out = self[output] if output is not None else self._default_output(required=True)
        y = self._data[out]
        if dout is None:
            if np.size(y) != 1:
                raise GraphError(f"output {out.name!r} has shape {np.shape(y)}, not a scalar: pass its "
                                 f"upstream gradient, g.backward(dout=...) with shape {np.shape(y)}")
            dout = np.ones_like(y) if isinstance(y, np.ndarray) else 1.0
        elif np.shape(dout) != np.shape(y):
            raise GraphError(f"backward: dout has shape {np.shape(dout)} but output {out.name!r} "
                             f"has shape {np.shape(y)}")
        grads: dict[Value, Any] = {out: dout}
        edge_grads: dict[tuple[Node, int], Any] = {}
        for node in reversed(self.topological_order()):
            upstream = grads.get(node.output)
            if upstream is None:
                continue
            try:
                input_grads = node.op.backward(upstream)
            except Exception as err:
                err.add_note(f"in graph node {node.name!r} ({node.op.name}: {node.op.symbol!r})")
                raise
            for slot, (source, g) in enumerate(zip(self.inputs_of(node), input_grads, strict=True)):
                if g is None or not node.op.differentiable[slot]:
                    continue
                edge_grads[(node, slot)] = g
                grads[source] = g if source not in grads else grads[source] + g
        self._grads, self._edge_grads = grads, edge_grads
        self.backward_output = out
        self._backward_fresh = True
        return {v.name: grads[v] for v in self._input_data if v in grads}

    # -- reading ------------------------------------------------------------------------------------
    def __getitem__(self, key: str | Value) -> Value:
        if isinstance(key, Value):
            if key.graph is not self:
                raise GraphError(f"value {key.name!r} belongs to another graph")
            return key
        try:
            return self._by_name[key]
        except KeyError:
            raise GraphError(f"the graph has no value named {key!r}; it has {sorted(self._by_name)}") from None

    def __contains__(self, name: str) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[Value]:
        return iter(self._by_name.values())

    def value(self, key: str | Value) -> Any:
        """The value named ``key`` after the last forward (an input's value at any time)."""
        handle = self[key]
        if handle.is_input:
            return self._input_data[handle]
        if not self._forward_fresh:
            raise GraphStateError(f"value of {handle.name!r} is not available: {self._stale_reason}")
        return self._data[handle]

    def grad(self, key: str | Value) -> Any:
        """d(output)/d(value ``key``) from the last backward, summed over fan-out; None if none reaches it."""
        handle = self[key]
        if not self._backward_fresh:
            raise GraphStateError(f"gradient of {handle.name!r} is not available: {self._stale_reason}")
        return self._grads.get(handle)

    def edge_grad(self, edge: Edge) -> Any:
        """The gradient flowing back along one edge (one term of its source's total); None if none."""
        if not self._backward_fresh:
            raise GraphStateError(f"edge gradients are not available: {self._stale_reason}")
        return self._edge_grads.get((edge.node, edge.slot))

    def values(self) -> dict[str, Any]:
        """Every value by name (inputs and node outputs) after the last forward."""
        return {name: self.value(handle) for name, handle in self._by_name.items()}

    def grads(self) -> dict[str, Any]:
        """Every gradient reached by the last backward, by name."""
        return {name: g for name, handle in self._by_name.items() if (g := self.grad(handle)) is not None}

    @property
    def inputs(self) -> list[Value]:
        """The inputs in the order they were created."""
        return list(self._input_data)

    @property
    def nodes(self) -> list[Node]:
        """The nodes in topological order."""
        return list(self.topological_order())

    @property
    def has_values(self) -> bool:
        """Whether the node values are those of the current inputs (forward ran since the last change)."""
        return self._forward_fresh

    @property
    def has_gradients(self) -> bool:
        """Whether a backward has run since the last forward."""
        return self._backward_fresh

    def inputs_of(self, node: Node) -> list[Value]:
        """The values ``node`` reads, in slot order (names given as strings looked up now)."""
        resolved = []
        for item in node.inputs:
            if isinstance(item, Value):
                resolved.append(item)
            elif item in self._by_name:
                resolved.append(self._by_name[item])
            else:
                raise GraphError(f"node {node.name!r} reads {item!r}, but the graph has no value of that name")
        return resolved

    def edges(self) -> list[Edge]:
        """Every edge, grouped by node in topological order."""
        return [Edge(source, node, slot) for node in self.topological_order()
                for slot, source in enumerate(self.inputs_of(node))]

    def sinks(self) -> list[Value]:
        """Node outputs that feed no other node."""
        consumed = {edge.source for edge in self.edges()}
        return [node.output for node in self.topological_order() if node.output not in consumed]

    @property
    def output(self) -> Value | None:
        """The value backward starts from by default: the one marked with ``output = ...``, else the sink."""
        return self._default_output()

    @output.setter
    def output(self, key: str | Value) -> None:
        handle = self[key]
        if handle.is_input:
            raise GraphError(f"the output must be a node, {handle.name!r} is an input")
        self._output = handle

    # -- structure ----------------------------------------------------------------------------------
    def topological_order(self) -> list[Node]:
        """The nodes so that every node comes after the nodes it reads; raises GraphError on a cycle."""
        if self._order is not None:
            return self._order
        state: dict[Node, int] = {}  # 1: on the current path, 2: done
        order: list[Node] = []
        for root in self._nodes:
            if root in state:
                continue
            path: list[Node] = [root]
            stack: list[Iterator[Value]] = [iter(self.inputs_of(root))]
            state[root] = 1
            while stack:
                child = next((v.node for v in stack[-1] if v.node is not None), None)
                if child is None:
                    done = path.pop()
                    stack.pop()
                    state[done] = 2
                    order.append(done)
                elif state.get(child) == 1:
                    cycle = path[path.index(child):] + [child]
                    raise GraphError("the graph has a cycle: " + " -> ".join(n.name for n in cycle))
                elif child not in state:
                    state[child] = 1
                    path.append(child)
                    stack.append(iter(self.inputs_of(child)))
        self._order = order
        return order

    def _add_node(self, op: Op, inputs: list[Value | str], name: str | None) -> Value:
        if len(inputs) != op.arity:
            raise GraphError(f"a {op.name} node takes {op.arity} input(s), got {len(inputs)}")
        for item in inputs:
            if isinstance(item, Value) and item.graph is not self:
                raise GraphError(f"cannot use value {item.name!r} from another graph in a {op.name} node")
            if not isinstance(item, Value | str):
                raise TypeError(f"a {op.name} node's inputs must be graph values or their names, "
                                f"got {type(item).__name__}; make constants inputs with g.input(name, value)")
        if op.layer is not None and id(op.layer) in self._layers:
            raise GraphError(f"layer {op.layer!r} already backs a node of this graph; a layer caches its "
                             f"forward for backward, so give each node its own layer")
        if name is None:
            name, auto = self._auto_name(op.name), True
        elif not isinstance(name, str) or not name:
            raise GraphError(f"a node name must be a non-empty string, got {name!r}")
        else:
            self._check_new_name(name)
            auto = False
        if op.layer is not None:  # registered only once every check has passed and the node is made
            self._layers[id(op.layer)] = op.layer
        node = Node(op, inputs)
        node.output = Value(self, name, node, auto_named=auto)
        self._by_name[name] = node.output
        self._nodes.append(node)
        self._structure_changed()
        return node.output

    def _auto_name(self, kind: str) -> str:
        while True:
            self._counters[kind] = self._counters.get(kind, 0) + 1
            name = f"{kind}_{self._counters[kind]}"
            if name not in self._by_name:
                return name

    def _check_new_name(self, name: str) -> None:
        if name in self._by_name:
            kind = "an input" if self._by_name[name].is_input else "a node"
            raise GraphError(f"duplicate name {name!r}: the graph already has {kind} of that name")

    def _structure_changed(self) -> None:
        self._order = None
        self._forward_fresh = self._backward_fresh = False
        self._stale_reason = "the graph changed since the last forward()"

    def _default_output(self, required: bool = False) -> Value | None:
        if self._output is not None:
            return self._output
        sinks = self.sinks()
        if len(sinks) == 1:
            return sinks[0]
        if required:
            if not sinks:
                raise GraphError("the graph has no nodes to differentiate")
            raise GraphError(f"the graph has {len(sinks)} outputs {[v.name for v in sinks]}: choose one, "
                             f"g.backward(output=name) or g.output = name")
        return None

    def __repr__(self) -> str:
        return f"Graph({len(self._input_data)} inputs, {len(self._nodes)} nodes)"


def _input_value(name: str, value: Any) -> Any:
    """An input's value as stored: Python numbers as float, arrays as given, lists as float32 arrays."""
    if isinstance(value, Value):
        raise GraphError(f"input {name!r}: its value must be data, not the graph value {value.name!r}")
    if isinstance(value, numbers.Real) and not isinstance(value, np.generic):
        return float(value)
    if isinstance(value, np.ndarray | np.generic):
        if value.dtype.kind not in "biuf":
            raise TypeError(f"input {name!r}: expected a real numeric array, got dtype {value.dtype}")
        return value
    if isinstance(value, list | tuple):
        array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"input {name!r}: expected real numbers, got {value!r}")
        return array.astype(np.float32) if array.dtype.kind == "f" else array
    raise TypeError(f"input {name!r}: expected a number or an array, got {type(value).__name__}")
