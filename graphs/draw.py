"""Draw a computational graph as the book does: circles with the operation, inputs on the left,
each edge's forward value above it and its gradient below it in red, the output leaving on the right.

matplotlib is imported inside the functions, so ``import graphs`` does not load it. Figures are made
with the Agg canvas directly (no pyplot, no global state) at GRAPH_DPI and written with the project's one
:func:`fileio.save_figure` (re-exported here), which writes a temporary file and renames it over the target.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fileio import save_figure as save_figure  # the project's one; graphs.save_figure is this
from graphs.formatting import format_grad, format_value
from graphs.graph import Edge, Graph, Value
from graphs.layout import Box, Layout, Point, label_box, layered_layout, place_labels_scored

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

INCHES_PER_UNIT = 0.72
GRAPH_DPI = 150  # resolution of a saved graph (fileio.save_figure uses the figure's own dpi)
NODE_RADIUS = 0.34
VALUE_COLOR = "#111111"
GRAD_COLOR = "#d62728"
NAME_COLOR = "#555555"
VALUE_FONTSIZE = 8.0
NAME_FONTSIZE = 10.0
TITLE_FONTSIZE = 11.0
SYMBOL_MIN_FONTSIZE = 7.5
MINUS = "\u2212"  # the typographic minus sign used on edge labels
_CHAR_WIDTH = 0.62 / 72 / INCHES_PER_UNIT  # units per point of font size, per character
_OUTPUT_STUB = 1.3
_MARGIN = 0.45
_TITLE_BAND = 0.55
_COLUMN_GAP = 2.4  # between node columns, widened for long edge labels
_ROOM_STEP = 0.5  # how much a band between two columns widens per try, for a label that collides
_ROOM_TRIES = 8


@dataclass(frozen=True)
class EdgeLabel:
    """One edge's label pair (value above, gradient below) and where it goes.

    ``gid`` names the edge as the drawing's texts do ("x->add_1:0", "f->out"); ``box`` is the
    rectangle the pair takes, at fraction ``t`` along ``segment``; ``overlaps`` counts what it still
    collides with there (labels, nodes, input names; a crossing edge counts a half), 0 when clear.
    """

    gid: str
    segment: tuple[Point, Point]
    texts: tuple[str, str]
    t: float
    box: Box
    overlaps: float


@dataclass(frozen=True)
class LabelPlan:
    """The drawn pieces of every edge (by the edge's ``gid``) and where every label goes."""

    pieces: dict[str, list[tuple[Point, Point]]]
    labels: list[EdgeLabel]

    @property
    def overlaps(self) -> float:
        """All the collisions left, 0 when every label is clear."""
        return sum(label.overlaps for label in self.labels)


def graph_layout(graph: Graph, inputs_left: bool = False, column_gap: float = _COLUMN_GAP,
                 row_gap: float = 1.0) -> Layout:
    """The left-to-right layout of ``graph`` (see :func:`graphs.layout.layered_layout`)."""
    nodes = [(node.name, [v.name for v in graph.inputs_of(node)]) for node in graph.nodes]
    return layered_layout([v.name for v in graph.inputs], nodes, column_gap, row_gap, inputs_left=inputs_left)


def draw_graph(graph: Graph, title: str | None = None, digits: int = 3, inputs_left: bool = False) -> Figure:
    """A figure of ``graph``, sized from its layout; values need a forward, gradients a backward.

    Numbers get ``digits`` significant digits. Each input is written one column left of the first node
    reading it; ``inputs_left=True`` writes them all in the first column, as in a classic drawing.
    """
    return draw_graphs([graph], [title], digits, inputs_left)


def draw_graphs(graphs: Sequence[Graph], titles: Sequence[str | None] | None = None, digits: int = 3,
                inputs_left: bool = False) -> Figure:
    """Several graphs stacked as panels of one figure, all at the same scale (e.g. before/after)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not graphs:
        raise ValueError("draw_graphs: no graphs given")
    titles = list(titles) if titles is not None else [None] * len(graphs)
    if len(titles) != len(graphs):
        raise ValueError(f"draw_graphs: {len(graphs)} graphs but {len(titles)} titles")
    layouts = [labelled_layout(g, digits, inputs_left) for g in graphs]
    extents = [_extent(g, lay, t) for g, lay, t in zip(graphs, layouts, titles, strict=True)]
    width = max(x1 - x0 for x0, x1, _, _ in extents)
    height = sum(y1 - y0 for _, _, y0, y1 in extents)
    fig = Figure(figsize=(width * INCHES_PER_UNIT, height * INCHES_PER_UNIT), dpi=GRAPH_DPI)
    FigureCanvasAgg(fig)
    top = 1.0
    for graph, layout, title, (x0, x1, y0, y1) in zip(graphs, layouts, titles, extents, strict=True):
        h = (y1 - y0) / height
        ax = fig.add_axes((0.0, top - h, (x1 - x0) / width, h))
        top -= h
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect("equal")
        ax.axis("off")
        _draw_into(ax, graph, layout, digits)
        if title:
            ax.text(x0 + 0.15, y1 - 0.12, title, ha="left", va="top", fontsize=TITLE_FONTSIZE)
    return fig


# -- drawing ----------------------------------------------------------------------------------------


def _value_text(graph: Graph, source: Value, digits: int) -> str:
    return format_value(graph.value(source), digits) if graph.has_values else ""


def _column_gap(graph: Graph, digits: int) -> float:
    """The usual gap between columns, widened so the longest edge label fits between two nodes."""
    texts = [_value_text(graph, v, digits) for v in graph]
    if graph.has_gradients:
        texts += [format_grad(graph.edge_grad(edge), digits) for edge in graph.edges()]
    longest = max(map(len, texts), default=0)
    radius = max((_symbol_fit(node.op.symbol)[0] for node in graph.nodes), default=NODE_RADIUS)
    return max(_COLUMN_GAP, longest * VALUE_FONTSIZE * _CHAR_WIDTH + 2 * radius + 0.4)


def _extent(graph: Graph, layout: Layout, title: str | None) -> tuple[float, float, float, float]:
    """Data limits (x0, x1, y0, y1) leaving room for input names, output stubs and labels."""
    xmin, xmax, ymin, ymax = layout.bounds
    longest_input = max((len(v.name) for v in graph.inputs), default=0)
    longest_output = max((len(v.name) for v in graph.sinks()), default=0)
    left = xmin - 0.15 - longest_input * NAME_FONTSIZE * _CHAR_WIDTH - _MARGIN
    r = max((_symbol_fit(node.op.symbol)[0] for node in graph.nodes), default=NODE_RADIUS)
    right = xmax + r + _OUTPUT_STUB + 0.1 + longest_output * NAME_FONTSIZE * _CHAR_WIDTH + _MARGIN
    top = ymax + r + 0.35 + (_TITLE_BAND if title else 0.0)
    bottom = ymin - r - 0.35
    if title:  # room for the title too
        right = max(right, left + 0.3 + max(map(len, title.split("\n"))) * TITLE_FONTSIZE * _CHAR_WIDTH)
    return left, right, bottom, top


def _symbol_fit(symbol: str) -> tuple[float, float]:
    """(radius, font size) for a node showing ``symbol``: the usual circle unless the text needs more."""
    lines = symbol.split("\n")
    widest = max(len(line) for line in lines)

    def font_for(radius: float) -> float:
        fit_width = 2 * radius * 0.72 / (widest * _CHAR_WIDTH)
        fit_height = 2 * radius * 0.8 * 72 * INCHES_PER_UNIT / (1.25 * len(lines))
        return min(15.0, fit_width, fit_height)

    radius = NODE_RADIUS
    while font_for(radius) < SYMBOL_MIN_FONTSIZE and radius < 2 * NODE_RADIUS:
        radius += 0.02
    return radius, font_for(radius)


def _trim(a: Point, b: Point, r_a: float, r_b: float) -> tuple[Point, Point]:
    """The segment a-b shortened by r_a at a and r_b at b (to start and end on node circles)."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = (dx * dx + dy * dy) ** 0.5 or 1.0
    ux, uy = dx / length, dy / length
    return (a[0] + r_a * ux, a[1] + r_a * uy), (b[0] - r_b * ux, b[1] - r_b * uy)


def _label(ax: Axes, a: Point, b: Point, t: float, text: str, above: bool, color: str, gid: str) -> None:
    """Write ``text`` along segment a-b at fraction ``t`` of its length, just above (or below) the line."""
    import math

    dx, dy = b[0] - a[0], b[1] - a[1]
    length = math.hypot(dx, dy) or 1.0
    nx, ny = -dy / length, dx / length  # the normal pointing "up" for an edge going right
    gap = 0.05 if above else -0.05
    x, y = a[0] + t * dx + gap * nx, a[1] + t * dy + gap * ny
    ax.text(x, y, text.replace("-", MINUS), rotation=math.degrees(math.atan2(dy, dx)), rotation_mode="anchor",
            ha="center", va="bottom" if above else "top", fontsize=VALUE_FONTSIZE, color=color, gid=gid,
            bbox={"boxstyle": "square,pad=0.05", "facecolor": "white", "edgecolor": "none", "alpha": 1.0})


def _label_half_size(*texts: str) -> tuple[float, float]:
    """Half length and half thickness of a value-above, gradient-below label pair, in layout units."""
    longest = max((len(t) for t in texts), default=0)
    line = VALUE_FONTSIZE / 72 / INCHES_PER_UNIT
    return longest * VALUE_FONTSIZE * _CHAR_WIDTH / 2 + 0.03, 0.05 + 1.05 * line


def _edge_gid(edge: Edge) -> str:
    return f"{edge.source.name}->{edge.node.name}:{edge.slot}"


def label_plan(graph: Graph, layout: Layout, digits: int = 3) -> LabelPlan:
    """Where every edge is drawn and where its label goes in ``layout``, computed without drawing.

    Labels are placed with :func:`graphs.layout.place_labels_scored`, avoiding node circles, input
    names, each other and the edges they do not belong to as far as their segment allows.
    """
    show_grads = graph.has_gradients
    fits = {node.name: _symbol_fit(node.op.symbol) for node in graph.nodes}

    def texts(source: Value, grad: object) -> tuple[str, str]:
        value_text = _value_text(graph, source, digits)
        grad_text = format_grad(grad, digits) if show_grads and grad is not None else ""
        return value_text, grad_text

    labelled: list[tuple[str, tuple[Point, Point], tuple[str, str]]] = []
    pieces: dict[str, list[tuple[Point, Point]]] = {}
    for edge in graph.edges():
        key = (edge.source.name, edge.node.name, edge.slot)
        route = layout.routes[key]
        edge_pieces = []
        for i, (a, b) in enumerate(zip(route, route[1:], strict=False)):
            r_a = (fits[edge.source.name][0] if edge.source.name in fits else 0.08) if i == 0 else 0.0
            r_b = fits[edge.node.name][0] if i == len(route) - 2 else 0.0
            edge_pieces.append(_trim(a, b, r_a, r_b))
        pieces[_edge_gid(edge)] = edge_pieces
        grad = graph.edge_grad(edge) if show_grads else None
        labelled.append((_edge_gid(edge), edge_pieces[layout.label_segment[key]], texts(edge.source, grad)))
    for sink in graph.sinks():
        x, y = layout.positions[sink.name]
        stub = ((x + fits[sink.name][0], y), (x + fits[sink.name][0] + _OUTPUT_STUB, y))
        labelled.insert(0, (f"{sink.name}->out", stub, texts(sink, graph.grad(sink) if show_grads else None)))
    fixed: list[Box] = []  # input names are obstacles for the labels
    for value in graph.inputs:
        x, y = layout.positions[value.name]
        half = len(value.name) * NAME_FONTSIZE * _CHAR_WIDTH / 2
        fixed.append(((x - 0.05 - half, y), (1.0, 0.0), half, NAME_FONTSIZE / 144 / INCHES_PER_UNIT))
    circles = [(layout.positions[name], radius + 0.04) for name, (radius, _) in fits.items()]
    half_sizes = [_label_half_size(*pair) for *_, pair in labelled]
    lines = [piece for edge_pieces in pieces.values() for piece in edge_pieces]
    scored = place_labels_scored([segment for _, segment, _ in labelled], half_sizes, circles, fixed, lines)
    labels = [EdgeLabel(gid, segment, pair, t, label_box(segment, half, t), overlaps)
              for (gid, segment, pair), half, (t, overlaps) in zip(labelled, half_sizes, scored, strict=True)]
    return LabelPlan(pieces, labels)


def labelled_layout(graph: Graph, digits: int = 3, inputs_left: bool = False) -> Layout:
    """The layout ``graph`` is drawn with: :func:`graph_layout`, with room made where labels collide.

    Where a label cannot be placed clear of other labels, nodes and edges (an edge crossing its
    segment, labels of edges meeting at a node), the band between the two columns it lies in is
    widened a step at a time, so it can slide aside. The first layout with the fewest collisions is
    kept, so a graph whose labels are all clear keeps its layout and no band widens for nothing.
    """
    layout = graph_layout(graph, inputs_left, column_gap=_column_gap(graph, digits))
    plan = label_plan(graph, layout, digits)
    best, best_overlaps = layout, plan.overlaps
    for _ in range(_ROOM_TRIES):
        if plan.overlaps == 0:
            break
        columns = sorted({x for x, _ in layout.positions.values()})
        bands = set()
        for label in (label for label in plan.labels if label.overlaps):
            middle = (label.segment[0][0] + label.segment[1][0]) / 2
            bands.update((x0, x1) for x0, x1 in zip(columns, columns[1:], strict=False) if x0 <= middle < x1)
        if not bands:
            break
        for x0, x1 in sorted(bands, reverse=True):  # right to left, so the bands still to widen stay put
            layout = layout.stretched(x0, x1, _ROOM_STEP)
        plan = label_plan(graph, layout, digits)
        if plan.overlaps < best_overlaps:
            best, best_overlaps = layout, plan.overlaps
    return best


def _draw_into(ax: Axes, graph: Graph, layout: Layout, digits: int) -> None:
    from matplotlib.patches import Circle, FancyArrowPatch

    fits = {node.name: _symbol_fit(node.op.symbol) for node in graph.nodes}
    sinks = graph.sinks()

    def arrow(a: Point, b: Point) -> None:
        ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=9, shrinkA=0, shrinkB=0,
                                     linewidth=1.0, color="black", zorder=2))

    # edges, then the labels of every edge, placed where they collide least, then nodes on top
    plan = label_plan(graph, layout, digits)
    for edge_pieces in plan.pieces.values():
        for i, (a, b) in enumerate(edge_pieces):
            if i == len(edge_pieces) - 1:
                arrow(a, b)
            else:
                ax.plot([a[0], b[0]], [a[1], b[1]], color="black", linewidth=1.0, zorder=2)
    for sink in sinks:
        x, y = layout.positions[sink.name]
        a, b = (x + fits[sink.name][0], y), (x + fits[sink.name][0] + _OUTPUT_STUB, y)
        arrow(a, b)
        ax.text(b[0] + 0.08, y, sink.name, ha="left", va="center", fontsize=NAME_FONTSIZE, gid=f"output:{sink.name}")
    for value in graph.inputs:
        x, y = layout.positions[value.name]
        ax.text(x - 0.05, y, value.name, ha="right", va="center", fontsize=NAME_FONTSIZE, gid=f"input:{value.name}")
    for label in plan.labels:
        (a, b), (value_text, grad_text) = label.segment, label.texts
        if value_text:
            _label(ax, a, b, label.t, value_text, True, VALUE_COLOR, "value:" + label.gid)
        if grad_text:
            _label(ax, a, b, label.t, grad_text, False, GRAD_COLOR, "grad:" + label.gid)
    for node in graph.nodes:
        x, y = layout.positions[node.name]
        radius, fontsize = fits[node.name]
        ax.add_patch(Circle((x, y), radius, facecolor="white", edgecolor="black", linewidth=1.3, zorder=3))
        ax.text(x, y, node.op.symbol, ha="center", va="center", fontsize=fontsize,
                zorder=4, linespacing=1.0, gid=f"node:{node.name}")
        if not node.output.auto_named and node.output not in sinks and node.name != node.op.symbol:
            ax.text(x, y + radius + 0.04, node.name, ha="center", va="bottom", fontsize=VALUE_FONTSIZE - 0.5,
                    color=NAME_COLOR, style="italic", zorder=4)


def labels_by_id(fig: Figure) -> dict[str, str]:
    """Every labelled text of a drawn graph, by id: "value:x->add_1:0", "grad:f->out", "node:f", ...

    Lets a reader (or a test) check that each edge carries the number the graph computed.
    """
    return {t.get_gid(): t.get_text() for ax in fig.axes for t in ax.texts if t.get_gid()}
