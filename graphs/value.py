"""A handle on one value of a graph, with Python operators that add nodes (``x + y``, ``2 * x``, ``1 / x``)."""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from graphs.graph import Graph, Node


class Value:
    """A handle on one value of a graph: a named input or the output of a node.

    Python operators build nodes: ``x + y``, ``x * y``, ``x - y``, ``x / y``, ``-x``, with numbers or
    arrays as constants on either side (``x + 1`` is a "+1" node, ``2 * x`` a "×2" node, ``1 / x`` the
    book's reciprocal node, ``x / y`` is ``x * (1/y)``, ``x - y`` is ``x + (-y)``), and ``x ** k`` for a
    constant number k (a "^k" node).
    """

    __array_ufunc__ = None  # make NumPy hand ``array * value`` over to Value.__rmul__

    def __init__(self, graph: Graph, name: str, node: Node | None = None, auto_named: bool = False) -> None:
        self.graph = graph
        self.name = name
        self.node = node
        self.auto_named = auto_named

    @property
    def is_input(self) -> bool:
        return self.node is None

    @property
    def value(self) -> Any:
        """This value after the last forward (an input's value at any time)."""
        return self.graph.value(self)

    @property
    def grad(self) -> Any:
        """d(output)/d(this value) after the last backward; None if no gradient reaches it."""
        return self.graph.grad(self)

    def named(self, name: str) -> Value:
        """Rename this value (``q = (x + y).named("q")``) and return it."""
        self.graph.rename(self, name)
        return self

    # -- operators ----------------------------------------------------------------------------------
    def __add__(self, other: Any) -> Value:
        if isinstance(other, Value):
            return self.graph.add(self, other)
        return self.graph.addconstant(self, constant(other, "+"))

    def __radd__(self, other: Any) -> Value:
        return self.graph.addconstant(self, constant(other, "+"))

    def __sub__(self, other: Any) -> Value:
        if isinstance(other, Value):
            return self.graph.add(self, self.graph.negate(other))
        return self.graph.addconstant(self, negated(constant(other, "-")))

    def __rsub__(self, other: Any) -> Value:
        return self.graph.addconstant(self.graph.negate(self), constant(other, "-"))

    def __mul__(self, other: Any) -> Value:
        if isinstance(other, Value):
            return self.graph.mul(self, other)
        return self.graph.scale(self, constant(other, "*"))

    def __rmul__(self, other: Any) -> Value:
        return self.graph.scale(self, constant(other, "*"))

    def __truediv__(self, other: Any) -> Value:
        if isinstance(other, Value):
            return self.graph.mul(self, self.graph.reciprocal(other))
        return self.graph.scale(self, 1.0 / constant(other, "/"))

    def __rtruediv__(self, other: Any) -> Value:
        c = constant(other, "/")
        inverse = self.graph.reciprocal(self)
        return inverse if np.ndim(c) == 0 and c == 1 else self.graph.scale(inverse, c)

    def __pow__(self, k: Any) -> Value:
        return self.graph.pow(self, exponent(k))

    def __rpow__(self, other: Any) -> Value:
        raise TypeError(f"{type(other).__name__} ** graph value is not supported: only a value to a constant "
                        f"power, x ** k (write c ** x as exp(log(c) * x))")

    def __neg__(self) -> Value:
        return self.graph.negate(self)

    def __repr__(self) -> str:
        made_by = "input" if self.node is None else f"{self.node.op.name} node"
        return f"Value({self.name!r}, {made_by})"


def constant(c: Any, operator: str) -> Any:
    """Check that ``c`` can be a constant operand of ``operator``: a real number or a numeric array."""
    if isinstance(c, numbers.Real) and not isinstance(c, bool):
        return c
    if isinstance(c, np.ndarray) and c.dtype.kind in "iuf":
        return c
    raise TypeError(f"unsupported operand for {operator!r} with a graph value: {type(c).__name__} "
                    f"(expected a graph value, a real number or a numeric array)")


def negated(c: Any) -> Any:
    """-c without wrapping round: an unsigned NumPy integer (or the most negative signed one) has no
    negative of its own type, so a NumPy integer becomes a Python int and an integer array float64."""
    if isinstance(c, np.integer):
        return -int(c)
    if isinstance(c, np.ndarray) and c.dtype.kind in "iu":
        return -c.astype(np.float64)
    return -c


def exponent(k: Any) -> float:
    """Check that ``k`` can be the constant exponent of ``x ** k``: a finite real number."""
    if isinstance(k, numbers.Real) and not isinstance(k, bool) and np.isfinite(k):
        return k
    if isinstance(k, np.ndarray) and k.ndim == 0 and k.dtype.kind in "iuf" and np.isfinite(k):
        return k.item()
    what = f"the graph value {k.name!r}" if isinstance(k, Value) else f"{type(k).__name__} {k!r}"
    raise TypeError(f"x ** k needs a constant real number k, got {what}; a power of a graph value "
                    f"by a graph value is not supported (write it as exp(k * log(x)))")
