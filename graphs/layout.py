"""Where to put each input, node and edge of a graph drawn left to right (pure computation).

The classic layered recipe, kept small:

1. columns: a node is one column right of its deepest input (its depth), nodes that only feed later
   nodes slide right towards them, and an input sits one column left of its first consumer;
2. an edge spanning several columns gets a bend point in every column it crosses, so it is routed
   between the nodes there instead of through them;
3. the order within each column is improved by barycentre sweeps (each item moves towards the mean
   position of its neighbours in the column before, then after), keeping the order with the fewest
   edge crossings;
4. vertical positions: each item is pulled to the mean height of its neighbours while keeping its
   column's order and at least ``row_gap`` between neighbours (a least-squares fit, solved exactly
   by pool-adjacent-violators); a last left-to-right pass lines chains up straight.

Coordinates are in abstract units, x growing right and y growing up; the drawing scales them.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace

Point = tuple[float, float]
EdgeKey = tuple[str, str, int]


@dataclass(frozen=True)
class Layout:
    """Positions of sources (inputs) and nodes, and each edge's route.

    ``routes[(source, node, slot)]`` runs from the source's centre to the node's centre through its
    bend points; its segment ``label_segment[key]`` is where the edge's value and gradient go.
    """

    positions: dict[str, Point]
    columns: dict[str, int]
    routes: dict[EdgeKey, tuple[Point, ...]]
    label_segment: dict[EdgeKey, int]
    column_gap: float
    row_gap: float

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(xmin, xmax, ymin, ymax) over every position and bend point."""
        points = list(self.positions.values()) + [p for route in self.routes.values() for p in route]
        if not points:
            return (0.0, 0.0, 0.0, 0.0)
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        return (min(xs), max(xs), min(ys), max(ys))

    def stretched(self, x0: float, x1: float, extra: float) -> Layout:
        """This layout with the band between x0 and x1 (x0 < x1) made ``extra`` units wider.

        Points right of the band move right by ``extra``, points inside it in proportion, so each edge
        segment (which lies within one band between neighbouring columns) stays straight.
        """

        def move(p: Point) -> Point:
            x, y = p
            if x >= x1:
                return (x + extra, y)
            return (x + extra * (x - x0) / (x1 - x0), y) if x > x0 else p

        return replace(self, positions={k: move(p) for k, p in self.positions.items()},
                       routes={k: tuple(map(move, route)) for k, route in self.routes.items()})


def depths(sources: Sequence[str], nodes: Sequence[tuple[str, Sequence[str]]]) -> dict[str, int]:
    """Longest-path depth: 0 for sources, 1 + the deepest input for a node (nodes in topological order)."""
    depth = dict.fromkeys(sources, 0)
    for name, inputs in nodes:
        try:
            depth[name] = 1 + max((depth[i] for i in inputs), default=0)
        except KeyError as err:
            raise ValueError(f"layout: node {name!r} reads {err.args[0]!r} before it is defined "
                             f"(nodes must come in topological order)") from None
    return depth


def assign_columns(sources: Sequence[str], nodes: Sequence[tuple[str, Sequence[str]]],
                   inputs_left: bool = False) -> dict[str, int]:
    """Column of every source and node, shortening long edges.

    Nodes start at their depth. Then, from the output backwards, a node that feeds at least as many
    nodes as it reads from other nodes slides right, as far as its first consumer allows (its edges get
    no longer in total, and it is drawn next to where it is used). Each source finally sits one column
    left of its first consumer, for the same reason. ``inputs_left=True`` keeps every source in
    column 0 instead, and every node at its depth.
    """
    column = depths(sources, nodes)
    if inputs_left:
        return column
    source_set = set(sources)
    consumers: dict[str, list[str]] = {name: [] for name in column}
    for name, inputs in nodes:
        for i in inputs:
            consumers[i].append(name)
    for name, inputs in reversed(nodes):
        reads_nodes = sum(1 for i in inputs if i not in source_set)
        if consumers[name] and len(consumers[name]) >= reads_nodes:
            column[name] = max(column[name], min(column[c] for c in consumers[name]) - 1)
    for name in sources:
        if consumers[name]:
            column[name] = min(column[c] for c in consumers[name]) - 1
    return column


def layered_layout(sources: Sequence[str], nodes: Sequence[tuple[str, Sequence[str]]],
                   column_gap: float = 2.4, row_gap: float = 1.0, sweeps: int = 12,
                   inputs_left: bool = False) -> Layout:
    """Lay out ``sources`` and ``nodes`` ((name, input names) in topological order) left to right.

    Columns come from :func:`assign_columns` (``inputs_left`` puts every source in column 0).
    """
    depth = assign_columns(sources, nodes, inputs_left)
    edges: list[EdgeKey] = [(src, name, slot) for name, inputs in nodes for slot, src in enumerate(inputs)]
    chains: dict[EdgeKey, list[Hashable]] = {}
    n_columns = 1 + max(depth.values(), default=0)
    columns: list[list[Hashable]] = [[] for _ in range(n_columns)]
    for name in list(sources) + [name for name, _ in nodes]:
        columns[depth[name]].append(name)
    for key in edges:
        src, dst, _ = key
        bends = [("bend", key, c) for c in range(depth[src] + 1, depth[dst])]
        for bend in bends:
            columns[bend[2]].append(bend)
        chains[key] = [src, *bends, dst]
    preds: dict[Hashable, list[Hashable]] = {item: [] for column in columns for item in column}
    succs: dict[Hashable, list[Hashable]] = {item: [] for column in columns for item in column}
    for chain in chains.values():
        for a, b in zip(chain, chain[1:], strict=False):
            succs[a].append(b)
            preds[b].append(a)

    columns = _order_columns(columns, preds, succs, sweeps)
    heights = _assign_heights(columns, preds, succs, row_gap, sweeps)

    def point(item: Hashable, c: int) -> Point:
        return (c * column_gap, -heights[item])

    column_of = {item: c for c, column in enumerate(columns) for item in column}
    routes: dict[EdgeKey, tuple[Point, ...]] = {}
    label_segment: dict[EdgeKey, int] = {}
    parallel: dict[tuple[str, str], list[EdgeKey]] = {}
    for key in edges:
        parallel.setdefault(key[:2], []).append(key)
    for key, chain in chains.items():
        route = [point(item, column_of[item]) for item in chain]
        twins = parallel[key[:2]]
        if len(twins) > 1 and len(route) == 2:
            (ax, ay), (bx, by) = route
            offset = ((len(twins) - 1) / 2 - twins.index(key)) * 0.5 * row_gap
            route = [route[0], (ax + 0.25 * (bx - ax), ay + 0.25 * (by - ay) + offset),
                     (ax + 0.75 * (bx - ax), ay + 0.75 * (by - ay) + offset), route[1]]
            label_segment[key] = 1
        else:
            label_segment[key] = len(route) - 2
        routes[key] = tuple(route)
    positions = {item: point(item, column_of[item]) for item in column_of if isinstance(item, str)}
    return Layout(positions, {name: depth[name] for name in positions}, routes, label_segment, column_gap, row_gap)


def _crossings(columns: list[list[Hashable]], succs: dict[Hashable, list[Hashable]]) -> int:
    """Number of pairs of segments that cross between neighbouring columns."""
    total = 0
    for left, right in zip(columns, columns[1:], strict=False):
        rank = {item: i for i, item in enumerate(right)}
        segments = [(i, rank[b]) for i, a in enumerate(left) for b in succs[a]]
        total += sum(1 for k, (a1, b1) in enumerate(segments) for a2, b2 in segments[k + 1:]
                     if (a1 - a2) * (b1 - b2) < 0)
    return total


def _order_columns(columns: list[list[Hashable]], preds: dict[Hashable, list[Hashable]],
                   succs: dict[Hashable, list[Hashable]], sweeps: int) -> list[list[Hashable]]:
    """Barycentre sweeps down and up the columns; returns the ordering with the fewest crossings."""

    def reorder(column: list[Hashable], neighbours: dict[Hashable, list[Hashable]],
                rank: dict[Hashable, int]) -> list[Hashable]:
        def key(item_at: tuple[int, Hashable]) -> tuple[float, int]:
            i, item = item_at
            near = neighbours[item]
            return (sum(rank[n] for n in near) / len(near) if near else float(i), i)
        return [item for _, item in sorted(enumerate(column), key=key)]

    columns = [list(column) for column in columns]
    for c in range(1, len(columns)):  # start from the order of the first column
        rank = {item: i for i, item in enumerate(columns[c - 1])}
        columns[c] = reorder(columns[c], preds, rank)
    best, best_crossings = [list(col) for col in columns], _crossings(columns, succs)
    for _ in range(sweeps):
        for c in range(1, len(columns)):
            columns[c] = reorder(columns[c], preds, {item: i for i, item in enumerate(columns[c - 1])})
        for c in range(len(columns) - 2, -1, -1):
            columns[c] = reorder(columns[c], succs, {item: i for i, item in enumerate(columns[c + 1])})
        crossings = _crossings(columns, succs)
        if crossings < best_crossings:
            best, best_crossings = [list(col) for col in columns], crossings
    return best


def _assign_heights(columns: list[list[Hashable]], preds: dict[Hashable, list[Hashable]],
                    succs: dict[Hashable, list[Hashable]], gap: float, sweeps: int) -> dict[Hashable, float]:
    """Row heights (growing downwards): each item near its neighbours' mean, ``gap`` apart in order."""
    height = {item: i * gap for column in columns for i, item in enumerate(column)}

    def settle(column: list[Hashable], neighbour_sets: tuple[dict[Hashable, list[Hashable]], ...],
               fallback: dict[Hashable, list[Hashable]] | None = None) -> None:
        desired = []
        for item in column:
            near = [n for neighbours in neighbour_sets for n in neighbours[item]]
            if not near and fallback is not None:
                near = fallback[item]
            desired.append(sum(height[n] for n in near) / len(near) if near else height[item])
        for item, h in zip(column, spread(desired, gap), strict=True):
            height[item] = h

    for _ in range(sweeps):
        for column in columns[1:]:
            settle(column, (preds,))
        for column in reversed(columns[:-1]):
            settle(column, (succs,))
        for column in columns:
            settle(column, (preds, succs))
    for column in columns:  # end left to right, so chains come out straight; inputs face their consumer
        settle(column, (preds,), fallback=succs)
    top = min(height.values(), default=0.0)
    return {item: h - top for item, h in height.items()}


def spread(desired: Sequence[float], gap: float) -> list[float]:
    """Heights closest to ``desired`` (least squares) that keep their order with at least ``gap`` between.

    With z_i = desired_i - i * gap the constraint becomes z non-decreasing: an isotonic regression,
    solved by pooling adjacent blocks that violate the order into their mean.
    """
    blocks: list[list[float]] = []  # [mean, count]
    for i, d in enumerate(desired):
        blocks.append([d - i * gap, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean, count = blocks.pop()
            blocks[-1][0] = (blocks[-1][0] * blocks[-1][1] + mean * count) / (blocks[-1][1] + count)
            blocks[-1][1] += count
    out: list[float] = []
    for mean, count in blocks:
        out.extend([mean] * int(count))
    return [z + i * gap for i, z in enumerate(out)]


Box = tuple[Point, Point, float, float]  # centre, unit direction, half length, half thickness


def _box_overlap(p: Box, q: Box) -> bool:
    """Whether two oriented rectangles overlap (separating axis test on their four axes)."""
    (pc, pu, pa, pb), (qc, qu, qa, qb) = p, q
    pv, qv = (-pu[1], pu[0]), (-qu[1], qu[0])
    d = (qc[0] - pc[0], qc[1] - pc[1])
    for n in (pu, pv, qu, qv):
        reach_p = pa * abs(pu[0] * n[0] + pu[1] * n[1]) + pb * abs(pv[0] * n[0] + pv[1] * n[1])
        reach_q = qa * abs(qu[0] * n[0] + qu[1] * n[1]) + qb * abs(qv[0] * n[0] + qv[1] * n[1])
        if abs(d[0] * n[0] + d[1] * n[1]) > reach_p + reach_q:
            return False
    return True


def _box_hits_circle(box: Box, centre: Point, radius: float) -> bool:
    (c, u, a, b) = box
    d = (centre[0] - c[0], centre[1] - c[1])
    along, across = d[0] * u[0] + d[1] * u[1], -d[0] * u[1] + d[1] * u[0]
    nearest = (along - max(-a, min(a, along)), across - max(-b, min(b, across)))
    return nearest[0] ** 2 + nearest[1] ** 2 < radius ** 2


def _segment_box(a: Point, b: Point, half_thickness: float = 0.01) -> Box:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = (dx * dx + dy * dy) ** 0.5 or 1.0
    return ((a[0] + dx / 2, a[1] + dy / 2), (dx / length, dy / length), length / 2, half_thickness)


_END_GAP = 0.05  # between a label box and the end of its segment
LABEL_CANDIDATES = (0.5, 0.36, 0.64, 0.24, 0.76, 0.12, 0.88, 0.0, 1.0)


def label_box(segment: tuple[Point, Point], half_size: tuple[float, float], t: float) -> Box:
    """The label box (half length, half thickness) centred at fraction ``t`` along ``segment``."""
    (a, b), (half_length, half_thickness) = segment, half_size
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = (dx * dx + dy * dy) ** 0.5 or 1.0
    return ((a[0] + t * dx, a[1] + t * dy), (dx / length, dy / length), half_length, half_thickness)


def box_crosses_line(box: Box, line: tuple[Point, Point]) -> bool:
    """Whether the drawn line (a thin segment) passes through ``box``."""
    return _box_overlap(box, _segment_box(*line))


def place_labels_scored(segments: Sequence[tuple[Point, Point]], half_sizes: Sequence[tuple[float, float]],
                        circles: Sequence[tuple[Point, float]] = (), fixed: Sequence[Box] = (),
                        lines: Sequence[tuple[Point, Point]] = (),
                        candidates: Sequence[float] = LABEL_CANDIDATES) -> list[tuple[float, float]]:
    """:func:`place_labels` with each label's score: (t, overlaps left at t, 0 when it is clear)."""
    placed: list[Box] = list(fixed)
    chosen: list[tuple[float, float]] = []
    for (a, b), half_size in zip(segments, half_sizes, strict=True):
        dx, dy = b[0] - a[0], b[1] - a[1]
        length = (dx * dx + dy * dy) ** 0.5 or 1.0
        # keep the box within the segment where it fits, a little short of its ends (a node's circle)
        margin = min(0.5, (half_size[0] + _END_GAP) / length)
        others = [_segment_box(p, q) for p, q in lines if not {p, q} & {a, b}]
        best_t, best_box, best_hits = candidates[0], None, None
        for t in (min(max(t, margin), 1 - margin) for t in candidates):
            box = label_box((a, b), half_size, t)
            hits = sum(_box_overlap(box, other) for other in placed)
            hits += sum(_box_hits_circle(box, c, r) for c, r in circles)
            hits += 0.5 * sum(_box_overlap(box, line) for line in others)
            if best_hits is None or hits < best_hits:
                best_t, best_box, best_hits = t, box, hits
            if hits == 0:
                break
        placed.append(best_box)
        chosen.append((best_t, float(best_hits)))
    return chosen


def place_labels(segments: Sequence[tuple[Point, Point]], half_sizes: Sequence[tuple[float, float]],
                 circles: Sequence[tuple[Point, float]] = (), fixed: Sequence[Box] = (),
                 lines: Sequence[tuple[Point, Point]] = (),
                 candidates: Sequence[float] = LABEL_CANDIDATES) -> list[float]:
    """Where along each segment (a fraction t from its start) to centre its label box.

    A label box is a rectangle along the segment with the given (half length, half thickness). Labels
    are placed one after the other; each takes the first candidate t (the middle first, the ends of
    its segment last) whose box overlaps the fewest circles, ``fixed`` boxes and labels placed before
    it, counting a crossing of one of the drawn ``lines`` (other than those touching its own segment's
    ends) as half an overlap.
    """
    return [t for t, _ in place_labels_scored(segments, half_sizes, circles, fixed, lines, candidates)]
