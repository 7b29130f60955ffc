"""The graph scripts: the book's numbers, figures written, both ways of running them."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from graphs.draw import label_plan, labelled_layout
from graphs.layout import box_crosses_line
from scripts import (
    backprop_vs_numerical,
    graph_buy_apple_orange,
    graph_logistic_regression,
    graph_max_gate,
    graph_sigmoid_neuron,
    graph_simple,
    graph_two_layer_net,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_buy_apple_orange(tmp_path, capsys):
    g = graph_buy_apple_orange.main(["--out", str(tmp_path)])
    assert g.value("price") == pytest.approx(715)
    expected = {"apple": 2.2, "apple_num": 110, "orange": 3.3, "orange_num": 165, "tax": 650}
    for name, grad in expected.items():
        assert g.grad(name) == pytest.approx(grad), name
    out = capsys.readouterr().out
    assert "price = 715\n" in out and "apple_num = 110\n" in out and "tax = 650\n" in out
    assert "110.0000" not in out
    assert (tmp_path / "graph_buy_apple_orange" / "graph_buy_apple_orange.png").is_file()
    assert f"figure: {tmp_path / 'graph_buy_apple_orange' / 'graph_buy_apple_orange.png'}" in out


def test_simple(tmp_path, capsys):
    g = graph_simple.main(["--out", str(tmp_path)])
    assert g.value("f") == -12
    assert (g.grad("x"), g.grad("y"), g.grad("z")) == (-4, -4, 3)
    out = capsys.readouterr().out
    assert "df/dx = -4" in out and "df/dz = 3" in out
    assert (tmp_path / "graph_simple" / "graph_simple.png").is_file()


def test_sigmoid_neuron_chain_equals_the_one_node(tmp_path):
    chain, single = graph_sigmoid_neuron.main(["--out", str(tmp_path)])
    z = 2.0 * -1.0 + -3.0 * -2.0 + -3.0
    y = 1 / (1 + math.exp(-z))
    assert chain.value("f") == pytest.approx(y) and single.value("f") == pytest.approx(y)
    local = y * (1 - y)  # the Sigmoid layer's local gradient
    expected = {"w0": -1.0 * local, "x0": 2.0 * local, "w1": -2.0 * local, "x1": -3.0 * local, "w2": local}
    for name, grad in expected.items():
        assert chain.grad(name) == pytest.approx(grad, rel=1e-12), name
        assert single.grad(name) == pytest.approx(grad, rel=1e-12), name
    assert {n.op.name for n in chain.nodes} >= {"mul", "add", "negate", "exp", "add_constant", "reciprocal"}
    assert [n.op.name for n in single.nodes].count("sigmoid") == 1
    assert (tmp_path / "graph_sigmoid_neuron" / "graph_sigmoid_neuron.png").is_file()


def test_max_gate(tmp_path):
    g = graph_max_gate.main(["--out", str(tmp_path)])
    assert g.value("f") == 2 * (3 * -4 + 2)
    assert (g.grad("z"), g.grad("w")) == (2, 0)
    assert (g.grad("x"), g.grad("y")) == (-8, 6)
    g2 = graph_max_gate.main(["-z", "-5", "--out", str(tmp_path)])  # now w is the larger
    assert (g2.grad("z"), g2.grad("w")) == (0, 2)


def test_logistic_regression(tmp_path, capsys):
    result = graph_logistic_regression.main(["-m", "32", "--steps", "5", "--out", str(tmp_path)])
    single = result["single"]
    ex = graph_logistic_regression.EXAMPLE
    z = ex["w1"] * ex["x1"] + ex["w2"] * ex["x2"] + ex["b"]
    a = 1 / (1 + math.exp(-z))
    loss = -(ex["y"] * math.log(a) + (1 - ex["y"]) * math.log(1 - a))
    assert single.value("L") == pytest.approx(loss, rel=1e-12)
    dz = a - ex["y"]
    assert single.grad("z") == pytest.approx(dz, rel=1e-12)
    assert single.grad("w1") == pytest.approx(ex["x1"] * dz, rel=1e-12)
    assert single.grad("w2") == pytest.approx(ex["x2"] * dz, rel=1e-12)
    assert single.grad("b") == pytest.approx(dz, rel=1e-12)
    out = capsys.readouterr().out
    assert out.count("match") == 4 and "DIFFER" not in out
    losses = result["losses"]
    assert len(losses) == 6 and losses[0] == pytest.approx(math.log(2), rel=1e-6)
    assert all(b < a for a, b in zip(losses, losses[1:], strict=False))
    batch = result["batch"]
    assert np.shape(batch.value("x1")) == (32,) and np.shape(batch.grad("w1")) == ()
    assert (tmp_path / "graph_logistic_regression" / "graph_logistic_regression.png").is_file()
    assert (tmp_path / "graph_logistic_regression" / "graph_logistic_regression_batch.png").is_file()


def test_backprop_vs_numerical_counts_and_agrees(tmp_path):
    rows = backprop_vs_numerical.main(["--hidden", "2", "4", "--input-size", "5", "--output-size", "3",
                                       "--batch", "4", "--repeats", "1", "--out", str(tmp_path)])
    for row in rows:
        h = row["hidden"]
        assert row["params"] == 5 * h + h + h * 3 + 3
        assert row["numerical_passes"] == (2 * row["params"], 0)
        assert row["backprop_passes"] == (1, 1)
        assert row["relative_difference"] < 1e-6
        assert row["numerical_s"] > 0 and row["backprop_s"] > 0
    assert (tmp_path / "backprop_vs_numerical" / "backprop_vs_numerical.png").is_file()


@pytest.mark.parametrize("name", ["graph_buy_apple_orange", "graph_simple", "graph_sigmoid_neuron",
                                  "graph_max_gate", "graph_logistic_regression", "backprop_vs_numerical"])
def test_help_by_path(name):
    result = subprocess.run([sys.executable, f"scripts/{name}.py", "--help"], cwd=REPO_ROOT,
                            capture_output=True, text=True, check=True)
    assert "--out" in result.stdout


def test_runs_as_a_module(tmp_path):
    result = subprocess.run([sys.executable, "-m", "scripts.graph_simple", "--out", str(tmp_path)], cwd=REPO_ROOT,
                            capture_output=True, text=True, check=True)
    assert "f = (x + y) * z = -12" in result.stdout
    assert (tmp_path / "graph_simple" / "graph_simple.png").is_file()


def test_no_label_sits_on_another_edge_or_label_in_the_scripts_figures(tmp_path, capsys):
    out = ["--out", str(tmp_path)]
    logistic = graph_logistic_regression.main(out)
    graphs = {"buy_apple_orange": graph_buy_apple_orange.main(out), "max_gate": graph_max_gate.main(out),
              "simple": graph_simple.main(out), "logistic": logistic["single"], "logistic_batch": logistic["batch"],
              "two_layer_net": graph_two_layer_net.main(out)["graph"]}
    graphs["sigmoid_chain"], graphs["sigmoid_node"] = graph_sigmoid_neuron.main(out)
    for name, g in graphs.items():
        plan = label_plan(g, labelled_layout(g))
        for label in plan.labels:
            crossed = [gid for gid, pieces in plan.pieces.items() if gid != label.gid
                       and any(box_crosses_line(label.box, piece) for piece in pieces)]
            assert not crossed, f"{name}: the label of {label.gid} sits on the edge(s) {crossed}"
            assert label.overlaps == 0, f"{name}: the label of {label.gid} overlaps a node or label"
