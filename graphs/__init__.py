"""Computational graphs you can see: record named inputs and layer-backed nodes, run them forward and
backward, read every value and gradient by name, and draw the graph the way the book does.

Drawing (:mod:`graphs.draw`) loads matplotlib only when a figure is made, so ``import graphs`` stays light.
"""

from graphs.draw import draw_graph, draw_graphs, graph_layout, labels_by_id, save_figure
from graphs.formatting import format_grad, format_number, format_shape, format_value
from graphs.graph import Edge, Graph, GraphError, GraphStateError, Node
from graphs.layout import Layout, layered_layout
from graphs.network import LayerRecord, draw_network, network_graph, record_pass
from graphs.ops import ALIASES, OPS, Op, make_op
from graphs.value import Value

__all__ = [
    "ALIASES",
    "OPS",
    "Edge",
    "Graph",
    "GraphError",
    "GraphStateError",
    "LayerRecord",
    "Layout",
    "Node",
    "Op",
    "Value",
    "draw_graph",
    "draw_graphs",
    "draw_network",
    "format_grad",
    "format_number",
    "format_shape",
    "format_value",
    "graph_layout",
    "labels_by_id",
    "layered_layout",
    "make_op",
    "network_graph",
    "record_pass",
    "save_figure",
]
