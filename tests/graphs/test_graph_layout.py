"""The layered layout: columns by depth, no overlaps, few crossings, straight chains, label places."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from graphs.layout import (
    assign_columns,
    box_crosses_line,
    depths,
    label_box,
    layered_layout,
    place_labels,
    spread,
)

SHOPPING = (["apple", "apple_num", "orange", "orange_num", "tax"],
            [("apple_price", ["apple", "apple_num"]), ("orange_price", ["orange", "orange_num"]),
             ("all_price", ["apple_price", "orange_price"]), ("price", ["all_price", "tax"])])


def test_depths_are_longest_paths():
    assert depths(*SHOPPING) == {"apple": 0, "apple_num": 0, "orange": 0, "orange_num": 0, "tax": 0,
                                 "apple_price": 1, "orange_price": 1, "all_price": 2, "price": 3}
    with pytest.raises(ValueError, match="node 'b' reads 'c' before it is defined"):
        depths(["a"], [("b", ["c"])])


def test_inputs_sit_left_of_their_first_consumer_unless_asked_to_stay_left():
    columns = assign_columns(*SHOPPING)
    assert columns["tax"] == 2 and columns["price"] == 3 and columns["apple"] == 0
    assert assign_columns(*SHOPPING, inputs_left=True)["tax"] == 0


def test_a_side_chain_slides_next_to_its_consumer():
    # y -> n1 -> n2 feeds only the last node; the main chain x -> a -> b -> c -> out is longer
    sources = ["x", "y"]
    nodes = [("a", ["x"]), ("b", ["a"]), ("c", ["b"]), ("n1", ["y"]), ("n2", ["n1"]), ("out", ["c", "n2"])]
    columns = assign_columns(sources, nodes)
    assert (columns["n1"], columns["n2"], columns["y"]) == (2, 3, 1)
    assert all(columns[n] < columns[c] for c, inputs in nodes for n in inputs)


def test_every_item_is_placed_without_overlap_and_edges_run_left_to_right():
    layout = layered_layout(*SHOPPING, column_gap=2.0, row_gap=1.0)
    assert set(layout.positions) == set(SHOPPING[0]) | {name for name, _ in SHOPPING[1]}
    by_column: dict[float, list[float]] = {}
    for x, y in layout.positions.values():
        by_column.setdefault(x, []).append(y)
    for ys in by_column.values():
        ys.sort()
        assert all(b - a >= 1.0 - 1e-9 for a, b in itertools.pairwise(ys))
    for (src, dst, _), route in layout.routes.items():
        assert route[0] == layout.positions[src] and route[-1] == layout.positions[dst]
        xs = [p[0] for p in route]
        assert xs == sorted(xs) and xs[0] < xs[-1]


def _crossings(layout) -> int:
    segments = [seg for route in layout.routes.values() for seg in itertools.pairwise(route)]
    count = 0
    for (a1, b1), (a2, b2) in itertools.combinations(segments, 2):
        if a1[0] == a2[0] and b1[0] == b2[0] and a1 != a2 and b1 != b2:
            count += (a1[1] - a2[1]) * (b1[1] - b2[1]) < 0
    return count


def test_crossings_are_removed_when_possible():
    # given in an order that crosses: p reads (a, c), q reads (b, d); sources listed a, b, c, d
    sources = ["a", "b", "c", "d"]
    nodes = [("p", ["a", "c"]), ("q", ["b", "d"]), ("r", ["q", "p"])]
    assert _crossings(layered_layout(sources, nodes, sweeps=0)) > 0
    assert _crossings(layered_layout(sources, nodes)) == 0


def test_a_chain_comes_out_straight():
    nodes = [("n0", ["x"])] + [(f"n{i}", [f"n{i - 1}"]) for i in range(1, 6)]
    layout = layered_layout(["x"], nodes)
    assert len({y for _, y in layout.positions.values()}) == 1


def test_long_edges_bend_between_columns_and_parallel_edges_separate():
    layout = layered_layout(["x"], [("sq", ["x", "x"]), ("f", ["sq", "x"])])
    long_route = layout.routes[("x", "f", 1)]
    assert len(long_route) == 3 and layout.label_segment[("x", "f", 1)] == 1
    top, bottom = layout.routes[("x", "sq", 0)], layout.routes[("x", "sq", 1)]
    assert len(top) == 4 and top[1][1] > bottom[1][1]  # slot 0 runs above slot 1
    assert layout.label_segment[("x", "sq", 0)] == 1


def test_spread_keeps_order_and_gap_and_is_least_squares():
    rng = np.random.default_rng(0)
    for _ in range(50):
        desired = list(rng.normal(0, 2, rng.integers(1, 7)))
        out = spread(desired, 1.0)
        assert all(b - a >= 1.0 - 1e-9 for a, b in itertools.pairwise(out))
        # least squares: no small move of the whole solution or of one block improves it
        cost = sum((o - d) ** 2 for o, d in zip(out, desired, strict=True))
        shifted = sum((o + 0.01 - d) ** 2 for o, d in zip(out, desired, strict=True))
        assert cost <= shifted + 1e-12
    assert spread([0.0, 5.0, 9.0], 1.0) == [0.0, 5.0, 9.0]  # already feasible: unchanged
    assert spread([2.0, 2.0], 1.0) == [1.5, 2.5]


def test_labels_avoid_each_other_when_there_is_room():
    # two parallel horizontal segments close together: same t would overlap, so t differs
    segments = [((0.0, 0.0), (4.0, 0.0)), ((0.0, 0.3), (4.0, 0.3))]
    ts = place_labels(segments, [(0.4, 0.2), (0.4, 0.2)])
    assert ts[0] == 0.5 and ts[1] != 0.5
    centres = [a[0] + t * (b[0] - a[0]) for (a, b), t in zip(segments, ts, strict=True)]
    assert abs(centres[0] - centres[1]) >= 0.8
    # a circle at the middle pushes the label aside
    assert place_labels([((0.0, 0.0), (4.0, 0.0))], [(0.3, 0.2)], circles=[((2.0, 0.0), 0.4)])[0] != 0.5


def test_labels_move_off_a_crossing_line():
    segment = ((0.0, 0.0), (4.0, 0.0))
    crossing = ((2.0, -1.0), (2.0, 1.0))  # a vertical line through the middle
    assert place_labels([segment], [(0.3, 0.2)])[0] == 0.5
    assert place_labels([segment], [(0.3, 0.2)], lines=[crossing])[0] != 0.5


def test_a_label_slides_to_the_end_of_its_segment_to_clear_a_crossing_line():
    # an edge between two node circles, crossed left of its middle: only a place near its right end,
    # short of the circle there, is clear of both the line and the circles
    segment, half_size = ((0.0, 0.0), (4.0, 0.0)), (1.0, 0.2)
    circles = [((-0.34, 0.0), 0.38), ((4.34, 0.0), 0.38)]
    crossing = ((1.9, -1.0), (1.9, 1.0))
    (t,) = place_labels([segment], [half_size], circles=circles, lines=[crossing])
    box = label_box(segment, half_size, t)
    assert not box_crosses_line(box, crossing)
    left, right = box[0][0] - box[2], box[0][0] + box[2]
    assert left > 1.9 and right < 4.34 - 0.38


def test_a_stretched_band_widens_between_its_columns_and_keeps_edges_straight():
    layout = layered_layout(*SHOPPING, column_gap=2.0, row_gap=1.0)
    wider = layout.stretched(2.0, 4.0, 1.5)
    for name, (x, y) in layout.positions.items():
        assert wider.positions[name] == (x if x <= 2.0 else x + 1.5, y)
    for key, route in layout.routes.items():
        moved = wider.routes[key]
        assert [p[1] for p in moved] == [p[1] for p in route]
        assert [p[0] for p in moved] == [x if x <= 2.0 else x + 1.5 if x >= 4.0 else 2.0 + 1.75 * (x - 2.0)
                                         for x, _ in route]
    assert wider.bounds[1] == layout.bounds[1] + 1.5
