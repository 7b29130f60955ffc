"""The operation table: which layer computes each kind of graph node, and the symbol drawn on it.

A node owns one :class:`Op`, which owns one layer object. ``Op.forward`` hands the node's input values
to the layer; ``Op.backward`` hands it the upstream gradient and returns one gradient per input (None
for an input no gradient flows to, such as the labels of a loss). Layers whose forward signature is
not simply "the node's inputs" (Affine, whose W and b are graph values here) get a small adapter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from graphs.formatting import format_number
from layers import (
    AddConstant,
    AddLayer,
    Affine,
    Exp,
    Layer,
    Log,
    Max,
    Mean,
    MulLayer,
    Negate,
    Pow,
    Reciprocal,
    ReLU,
    Scale,
    Sigmoid,
    SoftmaxWithLoss,
    Sum,
)


class Op:
    """One node's computation: ``layer.forward(*inputs)`` and ``layer.backward(dout)``.

    ``differentiable[i]`` says whether a gradient flows back to input ``i``.
    """

    def __init__(self, name: str, symbol: str, layer: Layer | None, arity: int,
                 differentiable: tuple[bool, ...] | None = None) -> None:
        self.name = name
        self.symbol = symbol
        self.layer = layer
        self.arity = arity
        self.differentiable = differentiable if differentiable is not None else (True,) * arity

    def forward(self, *inputs: Any) -> Any:
        return self.layer.forward(*inputs)

    def backward(self, dout: Any) -> tuple[Any, ...]:
        grads = self.layer.backward(dout)
        grads = grads if isinstance(grads, tuple) else (grads,)
        if len(grads) != self.arity:
            raise ValueError(f"{type(self.layer).__name__}.backward returned {len(grads)} gradient(s) "
                             f"for a node with {self.arity} input(s)")
        return grads

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {self.layer!r})"


class AffineOp(Op):
    """x W + b with x, W and b all graph values: dx = dout W^T, dW = x^T dout, db = sum over N of dout.

    The Affine layer is built from the current W and b on every forward (which also checks their
    shapes), so ``dW`` and ``db`` reach the graph values W and b as ordinary input gradients.
    """

    def __init__(self, symbol: str = "Affine") -> None:
        super().__init__("affine", symbol, None, 3)

    def forward(self, x: Any, W: Any, b: Any) -> Any:
        self.layer = Affine(W, b)
        return self.layer.forward(x)

    def backward(self, dout: Any) -> tuple[Any, ...]:
        dx = self.layer.backward(dout)
        return dx, self.layer.grads["W"], self.layer.grads["b"]


class LossOp(Op):
    """A loss layer taking (scores, labels): the gradient flows to the scores only."""

    def __init__(self, name: str, symbol: str, layer: Layer) -> None:
        super().__init__(name, symbol, layer, 2, (True, False))

    def backward(self, dout: Any) -> tuple[Any, ...]:
        return self.layer.backward(dout), None


def _constant_symbol(prefix: str, c: Any) -> str:
    """The node's label for a constant: "×2", "×-1", "+1", "-0.5"; an array constant shows its shape."""
    if np.ndim(c) != 0:
        return f"{prefix}c{tuple(np.shape(c))}"
    if prefix == "+" and c < 0:
        return format_number(c, 3)
    return f"{prefix}{format_number(c, 3)}"


@dataclass(frozen=True)
class OpSpec:
    """One row of the table: a node kind, its symbol, its arity and how to make its Op."""

    name: str
    symbol: str
    arity: int
    make: Callable[..., Op]
    doc: str
    constants: int = 0


def _plain(name: str, symbol: str, layer_class: type[Layer], arity: int) -> Callable[[], Op]:
    return lambda: Op(name, symbol, layer_class(), arity)


OPS: dict[str, OpSpec] = {spec.name: spec for spec in (
    OpSpec("add", "+", 2, _plain("add", "+", AddLayer, 2), "x + y (AddLayer)"),
    OpSpec("mul", "×", 2, _plain("mul", "×", MulLayer, 2), "x * y (MulLayer)"),
    OpSpec("max", "max", 2, _plain("max", "max", Max, 2), "max(x, y) element-wise (Max)"),
    OpSpec("exp", "exp", 1, _plain("exp", "exp", Exp, 1), "exp(x) (Exp)"),
    OpSpec("log", "log", 1, _plain("log", "log", Log, 1), "log(x) (Log)"),
    OpSpec("reciprocal", "1/x", 1, _plain("reciprocal", "1/x", Reciprocal, 1), "1 / x (Reciprocal)"),
    OpSpec("negate", "×-1", 1, _plain("negate", "×-1", Negate, 1), "-x (Negate)"),
    OpSpec("scale", "×c", 1, lambda c: Op("scale", _constant_symbol("×", c), Scale(c), 1), "c * x (Scale)", 1),
    OpSpec("add_constant", "+c", 1,
           lambda c: Op("add_constant", _constant_symbol("+", c), AddConstant(c), 1), "x + c (AddConstant)", 1),
    OpSpec("pow", "^k", 1, lambda k: Op("pow", _constant_symbol("^", k), Pow(k), 1),
           "x ** k for a constant k (Pow)", 1),
    OpSpec("sigmoid", "σ", 1, _plain("sigmoid", "σ", Sigmoid, 1), "1 / (1 + exp(-x)) (Sigmoid)"),
    OpSpec("relu", "ReLU", 1, _plain("relu", "ReLU", ReLU, 1), "max(x, 0) (ReLU)"),
    OpSpec("sum", "Σ", 1, _plain("sum", "Σ", Sum, 1), "sum of all elements (Sum)"),
    OpSpec("mean", "mean", 1, _plain("mean", "mean", Mean, 1), "mean of all elements (Mean)"),
    OpSpec("affine", "Affine", 3, AffineOp, "x W + b (Affine), with W and b graph values"),
    OpSpec("softmax_with_loss", "Softmax\nwith\nLoss", 2,
           lambda: LossOp("softmax_with_loss", "Softmax\nwith\nLoss", SoftmaxWithLoss()),
           "cross-entropy of softmax(x) against labels t (SoftmaxWithLoss)"),
)}

ALIASES: dict[str, str] = {
    "*": "mul", "**": "pow", "/": "reciprocal", "-": "negate", "neg": "negate", "σ": "sigmoid", "Σ": "sum",
    **{spec.symbol: spec.name for spec in OPS.values() if spec.symbol not in ("×c", "+c", "^k")},
}
"""Symbols accepted in place of names; "/" is the book's one-input division node 1/x."""


def make_op(kind: str, *constants: Any) -> Op:
    """A fresh :class:`Op` for ``kind``, a name from :data:`OPS` or a symbol from :data:`ALIASES`."""
    spec = OPS.get(ALIASES.get(kind, kind))
    if spec is None:
        known = ", ".join(sorted(OPS))
        raise ValueError(f"unknown operation {kind!r}; known operations: {known} (or their symbols)")
    if len(constants) != spec.constants:
        raise ValueError(f"a {spec.name} node takes {spec.constants} constant(s), got {len(constants)}: "
                         f"g.op({kind!r}, x, constants=(...))")
    return spec.make(*constants)
