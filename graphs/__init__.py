"""Computational graphs you can see: record named inputs and layer-backed nodes, run them forward and
backward, read every value and gradient by name, and draw the graph the way the book does.

Drawing (:mod:`graphs.draw`) loads matplotlib only when a figure is made, so ``import graphs`` stays light.
"""

from graphs.draw import draw_graph, draw_graphs, graph_layout, labels_by_id, save_figure
from graphs.formatting import format_number, format_value
from graphs.graph import Edge, Graph, GraphError, GraphStateError, Node
from graphs.layout import Layout, layered_layout
from graphs.ops import ALIASES, OPS, Op, make_op
from graphs.value import Value

__all__ = [
    "ALIASES",
    "OPS",
    "Edge",
    "Graph",
    "GraphError",
    "GraphStateError",
    "Layout",
    "Node",
    "Op",
    "Value",
    "draw_graph",
    "draw_graphs",
    "format_number",
    "format_value",
    "graph_layout",
    "labels_by_id",
    "layered_layout",
    "make_op",
    "save_figure",
]
