"""Drawing: every edge carries the graph's own value and gradient; files are written atomically."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from graphs import Graph
from graphs.draw import MINUS, draw_graph, draw_graphs, labels_by_id, save_figure

REPO_ROOT = Path(__file__).resolve().parents[2]


def sigmoid_neuron() -> Graph:
    g = Graph()
    w0, x0, w1, x1, w2 = (g.input(n, v) for n, v in
                          [("w0", 2.0), ("x0", -1.0), ("w1", -3.0), ("x1", -2.0), ("w2", -3.0)])
    (1 / (g.exp(-(w0 * x0 + w1 * x1 + w2)) + 1)).named("f")
    return g


def parse(text: str) -> float:
    return float(text.replace(MINUS, "-"))


def assert_labels_match(g: Graph, labels: dict[str, str]) -> int:
    """Every edge's value and gradient text equals the graph's number to 3 significant digits."""
    checked = 0
    for edge in g.edges():
        gid = f"{edge.source.name}->{edge.node.name}:{edge.slot}"
        assert parse(labels["value:" + gid]) == pytest.approx(g.value(edge.source), rel=5e-3), gid
        assert parse(labels["grad:" + gid]) == pytest.approx(g.edge_grad(edge), rel=5e-3, abs=1e-12), gid
        checked += 2
    out = g.output.name
    assert parse(labels[f"value:{out}->out"]) == pytest.approx(g.value(out), rel=5e-3)
    assert parse(labels[f"grad:{out}->out"]) == 1.0
    return checked + 2


def test_each_edge_shows_its_value_above_and_gradient_below():
    g = sigmoid_neuron()
    g.forward()
    g.backward()
    fig = draw_graph(g, "sigmoid neuron")
    labels = labels_by_id(fig)
    assert assert_labels_match(g, labels) == 2 * len(g.edges()) + 2
    # the known numbers of this example appear where they belong
    assert labels["value:x0->mul_1:1"] == f"{MINUS}1" and labels["grad:x0->mul_1:1"] == "0.393"
    assert labels["value:f->out"] == "0.731"
    texts = {t.get_gid(): t for t in fig.axes[0].texts if t.get_gid()}
    assert texts["grad:f->out"].get_color() != texts["value:f->out"].get_color()
    value_y = texts["value:f->out"].get_position()[1]
    assert texts["grad:f->out"].get_position()[1] < value_y  # gradient below, value above


def test_a_bent_edge_is_labelled_by_its_consumer_and_parallel_edges_on_their_straight_middle():
    """x feeds sq twice (two parallel edges) and f across a column (an edge bent there): each label lies on the
    segment the layout chose, not on the first piece of its edge."""
    import math

    from graphs.draw import label_plan, labelled_layout

    g = Graph()
    x = g.input("x", 3.0)
    g.add(g.mul(x, x, name="sq"), x, name="f")
    g.forward()
    g.backward()
    layout = labelled_layout(g)
    labels = {label.gid: label for label in label_plan(g, layout).labels}
    pos = layout.positions
    (ax, ay), (bx, by) = labels["x->f:1"].segment
    assert math.dist((bx, by), pos["f"]) < 0.5 and math.dist((ax, ay), pos["x"]) > 1.0  # ends at f's circle
    direction = (pos["sq"][0] - pos["x"][0], pos["sq"][1] - pos["x"][1])
    for slot in (0, 1):
        (ax, ay), (bx, by) = labels[f"x->sq:{slot}"].segment
        assert (bx - ax) * direction[1] - (by - ay) * direction[0] == pytest.approx(0, abs=1e-9)  # parallel to x-sq
        assert pos["x"][0] < ax < bx < pos["sq"][0]


def test_nodes_inputs_and_output_are_labelled():
    g = sigmoid_neuron()
    g.forward()
    labels = labels_by_id(draw_graph(g))
    symbols = sorted(labels[f"node:{n.name}"] for n in g.nodes)
    assert symbols == sorted(["×", "×", "+", "+", "×-1", "exp", "+1", "1/x"])
    assert {labels[f"input:{v.name}"] for v in g.inputs} == {"w0", "x0", "w1", "x1", "w2"}
    assert labels["output:f"] == "f"
    assert not any(key.startswith("grad:") for key in labels)  # no backward yet: values only


def test_a_named_node_is_named_once_and_the_output_only_where_it_leaves():
    g = Graph()
    x, y = g.input("x", 2.0), g.input("y", 3.0)
    g.mul(g.add(x, y, name="total"), x, name="f")
    g.forward()
    fig = draw_graph(g)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert texts.count("total") == 1  # above its node
    assert texts.count("f") == 1 and labels_by_id(fig)["output:f"] == "f"  # beside the arrow leaving it


def test_arrays_are_drawn_by_shape_and_summary_and_labels_have_no_gradient():
    rng = np.random.default_rng(0)
    g = Graph()
    x = g.input("x", rng.standard_normal((8, 3)))
    W, b = g.input("W", rng.standard_normal((3, 4))), g.input("b", np.zeros(4))
    t = g.input("t", rng.integers(0, 4, 8))
    g.softmax_with_loss(g.relu(g.affine(x, W, b)), t, name="loss")
    g.forward()
    g.backward()
    labels = labels_by_id(draw_graph(g))
    xv = g.value("x")
    assert labels["value:x->affine_1:0"] == f"(8, 3) μ={xv.mean():.3g} σ={xv.std():.3g}".replace("-", "\u2212")
    assert labels["grad:W->affine_1:1"] == f"norm={np.linalg.norm(g.grad('W')):.3g}"
    assert labels["value:b->affine_1:2"] == "(4,) μ=0 σ=0"
    assert labels["value:t->loss:1"] == f"(8,) int {g.value('t').min()}..{g.value('t').max()}"
    assert "value:t->loss:1" in labels and "grad:t->loss:1" not in labels
    assert labels["node:loss"] == "Softmax\nwith\nLoss"


def test_figure_is_sized_from_the_layout():
    small, large = Graph(), Graph()
    x = small.input("x", 1.0)
    small.exp(x)
    v = large.input("x", 1.0)
    for _ in range(8):
        v = large.exp(v) if v.is_input else large.negate(v)
    w1, h1 = draw_graph(small).get_size_inches()
    w2, h2 = draw_graph(large).get_size_inches()
    assert w2 > 3 * w1 and h2 == pytest.approx(h1)


def test_two_panels_at_the_same_scale():
    a, b = sigmoid_neuron(), sigmoid_neuron()
    for g in (a, b):
        g.forward()
        g.backward()
    fig = draw_graphs([a, b], ["top", "bottom"])
    assert len(fig.axes) == 2
    (x0, x1), (y0, y1) = fig.axes[0].get_xlim(), fig.axes[0].get_ylim()
    box = fig.axes[0].get_position()
    fig_w, fig_h = fig.get_size_inches()
    assert (x1 - x0) / (box.width * fig_w) == pytest.approx((y1 - y0) / (box.height * fig_h))
    with pytest.raises(ValueError, match="2 graphs but 1 titles"):
        draw_graphs([a, b], ["one"])


def test_png_and_svg_are_written_atomically(tmp_path):
    g = sigmoid_neuron()
    g.forward()
    fig = draw_graph(g)
    png, svg = save_figure(fig, tmp_path / "g.png"), save_figure(fig, tmp_path / "sub" / "g.svg")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in svg.read_text()[:500]
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["g.png", "g.svg", "sub"]
    with pytest.raises(ValueError, match="expected a .png, .svg or .pdf"):
        save_figure(fig, tmp_path / "g.jpeg")


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    g = sigmoid_neuron()
    g.forward()
    fig = draw_graph(g)
    target = tmp_path / "g.png"
    target.write_bytes(b"old")

    def broken_savefig(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(fig, "savefig", broken_savefig)
    with pytest.raises(OSError, match="disk full"):
        save_figure(fig, target)
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["g.png"]


def test_importing_graphs_does_not_load_matplotlib():
    code = "import sys, graphs, graphs.draw; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
