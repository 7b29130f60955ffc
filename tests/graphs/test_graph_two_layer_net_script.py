"""scripts.graph_two_layer_net: the drawn gradients are TwoLayerNet's, both data sources, both ways of running."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from networks import TwoLayerNet
from scripts import graph_two_layer_net

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_quick_draws_the_networks_own_gradients(tmp_path, capsys):
    result = graph_two_layer_net.main(["--quick", "--batch-size", "8", "--hidden", "6", "--seed", "3",
                                       "--out", str(tmp_path)])
    g = result["graph"]
    assert [n.name for n in g.nodes] == ["Affine1", "Relu1", "Affine2", "loss"]
    x, t = g.value("x"), g.value("t")
    assert x.shape == (8, 784) and t.shape == (8,)
    expected = TwoLayerNet(784, 6, 10, seed=3).gradient(x, t)
    for key in ("W1", "b1", "W2", "b2"):
        np.testing.assert_allclose(g.grad(key), expected[key], rtol=1e-6, atol=1e-9)
    out = capsys.readouterr().out
    assert "random numbers" in out
    w1_row = next(line for line in out.splitlines() if line.startswith("W1 -> Affine1"))
    assert "(784, 6)" in w1_row and f"norm={np.linalg.norm(expected['W1']):.4g}" in w1_row
    assert (tmp_path / "graph_two_layer_net" / "graph_two_layer_net.png").is_file()
    assert f"figure: {tmp_path / 'graph_two_layer_net' / 'graph_two_layer_net.png'}" in out


def test_builtin_digits_mini_batch(tmp_path, capsys):
    result = graph_two_layer_net.main(["--batch-size", "5", "--hidden", "4", "--out", str(tmp_path)])
    x = result["graph"].value("x")
    assert x.shape == (5, 784) and x.min() >= 0.0 and x.max() <= 1.0
    assert "built-in digits" in capsys.readouterr().out


def test_runs_by_path_with_help():
    result = subprocess.run([sys.executable, "scripts/graph_two_layer_net.py", "--help"], cwd=REPO_ROOT,
                            capture_output=True, text=True, check=True)
    assert "--out" in result.stdout and "--quick" in result.stdout
