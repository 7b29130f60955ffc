"""The chapter-6 figure scripts in quick mode: figures written, and a property of what each figure shows."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from scripts import (
    batch_norm_test,
    hyperparameter_optimization,
    optimizer_compare_mnist,
    optimizer_compare_naive,
    overfit_dropout,
    overfit_weight_decay,
    weight_init_activation_histogram,
    weight_init_compare,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ["optimizer_compare_naive", "optimizer_compare_mnist", "weight_init_activation_histogram",
           "weight_init_compare", "batch_norm_test", "overfit_weight_decay", "overfit_dropout",
           "hyperparameter_optimization"]


def quick(main, tmp_path: Path, *extra: str) -> dict:
    """Run a script's main in quick mode on the built-in digits, and check every figure it reports."""
    result = main(["--quick", "--out", str(tmp_path), *extra])
    assert result["figures"]
    for figure in result["figures"]:
        assert Path(figure).is_file() and Path(figure).stat().st_size > 0, figure
        assert Path(figure).suffix == ".png" and Path(figure).parent == tmp_path / main.__module__.rsplit(".", 1)[-1]
    return result


def test_optimizer_compare_naive(tmp_path, capsys):
    result = quick(optimizer_compare_naive.main, tmp_path)
    assert result["start_f"] == pytest.approx(6.45)
    assert set(result["final_f"]) == {"SGD", "Momentum", "AdaGrad", "Adam"}
    for name, value in result["final_f"].items():
        assert value < 0.2, name  # every optimiser gets most of the way from f = 6.45 to the minimum 0
        assert result["paths"][name].shape == (31, 2)
        np.testing.assert_array_equal(result["paths"][name][0], [-7.0, 2.0])
    # SGD zig-zags across the valley: y changes sign at every step (lr 0.95 gives y <- -0.9 y)
    assert np.all(np.diff(np.sign(result["paths"]["SGD"][:, 1])) != 0)
    out = capsys.readouterr().out
    assert "optimizer_compare_naive.png" in out and "AdaGrad" in out


def test_optimizer_compare_mnist(tmp_path, capsys):
    result = quick(optimizer_compare_mnist.main, tmp_path, "--dataset", "builtin")
    losses = result["losses"]
    assert list(losses) == ["SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam"]
    first = {curve[0] for curve in losses.values()}
    assert len(first) == 1  # same initial weights and the same first batch for every optimiser
    for name, curve in losses.items():
        assert len(curve) == 40 and all(math.isfinite(v) for v in curve), name
        assert result["final_loss"][name] < curve[0], name
    assert result["final_loss"]["Adam"] < result["final_loss"]["SGD"]
    assert "| Adam" in capsys.readouterr().out


@pytest.mark.parametrize(("script", "extra", "said"), [
    (optimizer_compare_mnist, ["--optimizers", "SGD"], "final loss: the last mini-batch loss; test accuracy"),
    (weight_init_compare, [], "final loss: the last mini-batch loss; test accuracy"),  # --quick's 40: a window of 1
    (weight_init_compare, ["--iters", "100"], "final loss: mean of the last 2 mini-batch losses; test accuracy"),
])
def test_the_final_loss_line_says_how_many_losses_it_averages(script, extra, said, tmp_path, capsys):
    quick(script.main, tmp_path, "--dataset", "builtin", *extra)
    assert said in capsys.readouterr().out


def test_weight_init_activation_histogram(tmp_path):
    result = quick(weight_init_activation_histogram.main, tmp_path)
    assert [Path(f).name for f in result["figures"]] == [
        f"weight_init_activation_histogram_{a}.png" for a in ("sigmoid", "relu", "tanh")]
    sigmoid, relu = result["stats"]["sigmoid"], result["stats"]["relu"]
    assert min(sigmoid["std=1"]["near_ends"]) > 0.5      # std 1: saturated near 0 and 1
    assert max(sigmoid["Xavier"]["near_ends"]) < 0.1     # Xavier: spread out, not saturated
    assert max(sigmoid["std=0.01"]["std"]) < 0.05        # std 0.01: all units give nearly 0.5
    he = relu["He"]["std"]
    assert 0.5 < he[-1] / he[0] < 2                      # He keeps ReLU activations at the same scale
    assert relu["std=0.01"]["std"][-1] < 1e-4            # std 0.01 makes them vanish


def test_weight_init_compare(tmp_path):
    result = quick(weight_init_compare.main, tmp_path, "--dataset", "builtin")
    final = result["final_loss"]
    assert list(final) == ["std=0.01", "Xavier", "He"]
    assert final["std=0.01"] == pytest.approx(math.log(10), abs=0.01)  # the signal vanishes: loss stays ln 10
    assert final["He"] < final["std=0.01"] - 0.1


def test_batch_norm_test(tmp_path, capsys):
    result = quick(batch_norm_test.main, tmp_path, "--dataset", "builtin")
    np.testing.assert_allclose(result["weight_scales"], np.logspace(0, -4, 4))
    for label, curves in result["train_acc"].items():
        assert len(curves) == 4, label  # one panel per scale, each with both curves
        for curve, diverged_at in zip(curves, result["diverged"][label], strict=True):
            assert len(curve) == 2 or diverged_at is not None
            assert all(0 <= acc <= 1 for acc in curve)
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    assert len(rows) == 1 + 4  # the header and one row per scale


@pytest.mark.parametrize("script", [overfit_weight_decay, overfit_dropout])
def test_overfit_scripts(tmp_path, script):
    result = quick(script.main, tmp_path, "--dataset", "builtin")
    assert len(result["final"]) == 2
    for title, history in result["histories"].items():
        assert history.epoch_list == [1.0, 2.0, 3.0], title
        final = result["final"][title]
        assert final["gap"] == pytest.approx(final["train_acc"] - final["test_acc"])


def test_the_overfit_table_stays_aligned_when_the_gap_is_negative():
    from training import accuracy_table

    final = {"without weight decay": {"train_acc": 1.0, "test_acc": 0.75, "gap": 0.25},
             "weight decay lambda = 0.1": {"train_acc": 0.5, "test_acc": 0.501, "gap": 0.5 - 0.501},
             "dropout": {"train_acc": 0.0, "test_acc": 1.0, "gap": -1.0}}
    lines = accuracy_table(final).splitlines()
    columns = {tuple(i for i, char in enumerate(line) if char == "|") for line in lines}
    assert len(columns) == 1 and len(lines) == 2 + len(final)
    assert "-0.001 |" in lines[3] and "-1.000 |" in lines[4]


def test_hyperparameter_optimization(tmp_path, capsys):
    result = quick(hyperparameter_optimization.main, tmp_path, "--dataset", "builtin")
    assert len(result["results"]) == 3
    accuracies = [r["history"].test_acc_list[-1] for r in result["ranked"]]
    assert accuracies == sorted(accuracies, reverse=True)
    for r in result["results"]:
        assert 1e-6 <= r["lr"] <= 1e-2 and 1e-8 <= r["weight_decay"] <= 1e-4
        assert len(r["history"].test_acc_list) == 2
    assert result["best"]["lr"] == result["ranked"][0]["lr"]
    assert "best hyperparameters" in capsys.readouterr().out


def _small_data_set(n: int):
    """load_script_data's answer for a data set of n training samples (the built-in digits, cut)."""
    from cli import load_script_data as real

    def load(parser, requested, **options):
        ((x, t), test), info = real(parser, "builtin", **options)
        return ((x[:n], t[:n]), test), info

    return load


def test_hyperparameter_optimization_on_a_data_set_under_500_samples(tmp_path, capsys, monkeypatch):
    """Fewer training samples than the book's 500: it takes them all, 20% for validation."""
    monkeypatch.setattr(hyperparameter_optimization, "load_script_data", _small_data_set(120))
    result = quick(hyperparameter_optimization.main, tmp_path)
    assert len(result["results"]) == 3
    assert "96 training / 24 validation samples" in capsys.readouterr().out


def test_hyperparameter_optimization_refuses_a_data_set_too_small_to_split(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(hyperparameter_optimization, "load_script_data", _small_data_set(4))
    with pytest.raises(SystemExit) as stop:
        hyperparameter_optimization.main(["--quick", "--out", str(tmp_path)])
    assert stop.value.code == 2
    assert "4 training samples" in capsys.readouterr().err


@pytest.mark.parametrize("name", SCRIPTS)
def test_help_by_path(name):
    result = subprocess.run([sys.executable, f"scripts/{name}.py", "--help"], cwd=REPO_ROOT,
                            capture_output=True, text=True, check=True)
    assert "--out" in result.stdout and "--quick" in result.stdout
    assert ("--seed SEED" in result.stdout) == (name != "optimizer_compare_naive")  # its paths have nothing random


def test_optimizer_compare_naive_takes_no_seed(tmp_path, capsys):
    """A --seed that changed nothing only suggested the figure could differ from run to run."""
    with pytest.raises(SystemExit) as info:
        optimizer_compare_naive.main(["--quick", "--seed", "1", "--out", str(tmp_path)])
    assert info.value.code == 2 and "unrecognized arguments: --seed 1" in capsys.readouterr().err


def test_runs_as_a_module(tmp_path):
    result = subprocess.run([sys.executable, "-m", "scripts.optimizer_compare_naive", "--quick", "--out",
                             str(tmp_path)], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert "optimizer_compare_naive.png" in result.stdout
    assert (tmp_path / "optimizer_compare_naive" / "optimizer_compare_naive.png").is_file()
