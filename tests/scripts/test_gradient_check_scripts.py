"""The gradient-check scripts (chapters 5, 6, 7) and apply_filter: per-parameter verdicts, errors under 1e-7
in float64, a FAIL when a gradient is wrong, and the convolution against a hand-written correlation."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from layers import compare_gradients
from networks import TwoLayerNet
from scripts import apply_filter, batch_norm_gradient_check, gradient_check, gradient_check_convnet

LINE = re.compile(r"^(\w+) \([\dx]+\): .* error = (\S+) (<|>=) 1e-07: (OK|FAIL)", re.M)


def verdicts(out: str) -> dict[str, tuple[float, str]]:
    return {name: (float(error), verdict) for name, error, _, verdict in LINE.findall(out)}


def test_gradient_check_reports_ok_for_every_parameter_of_two_layer_net(capsys):
    """The book's setting (seed 0, 784-50-10, 3 samples): one hidden unit's input lies within 2h of 0, so
    the fourth-order stencil crossed its ReLU kink and a per-entry ratio read 0.786 for W1."""
    result = gradient_check.main(["--dataset", "builtin"])
    out = capsys.readouterr().out
    found = verdicts(out)
    assert list(found) == ["W1", "b1", "W2", "b2"]
    for name, (error, verdict) in found.items():
        assert verdict == "OK" and error < 1e-7, (name, error)
    assert "max |backprop - numerical| / max(|backprop| + |numerical|)" in out
    assert "verdict: OK" in out and result["ok"]


def test_a_failing_parameter_is_named_in_the_verdict(capsys):
    good = compare_gradients("W1", np.array([1.0, 2.0]), np.array([1.0, 2.0]))
    bad = compare_gradients("b1", np.array([1.0, 2.0]), np.array([1.0, 2.01]))
    from networks.gradient_report import NetworkGradientCheck

    out = NetworkGradientCheck({"W1": 0.0, "b1": 0.005}, [good, bad]).describe("two arrays")
    assert verdicts(out)["W1"][1] == "OK" and verdicts(out)["b1"][1] == "FAIL"
    assert "verdict: FAIL for b1" in out


def test_gradient_check_fails_a_broken_backprop(monkeypatch, capsys):
    from networks import TwoLayerNet

    original = TwoLayerNet.gradient

    def broken(self, x, t):
        grads = dict(original(self, x, t))
        grads["W2"] = grads["W2"] * 1.001
        return grads

    monkeypatch.setattr(TwoLayerNet, "gradient", broken)
    result = gradient_check.main(["--dataset", "builtin", "--hidden", "4", "--samples", "2"])
    found = verdicts(capsys.readouterr().out)
    assert found["W2"][1] == "FAIL" and found["W1"][1] == "OK"
    assert not result["ok"]


def test_batch_norm_gradient_check(capsys):
    result = batch_norm_gradient_check.main(["--dataset", "builtin", "--hidden", "8", "6"])
    out = capsys.readouterr().out
    found = verdicts(out)
    assert list(found) == ["W1", "b1", "gamma1", "beta1", "W2", "b2", "gamma2", "beta2", "W3", "b3"]
    assert all(verdict == "OK" and error < 1e-7 for error, verdict in found.values()), found
    # b1, b2 feed batch norm: their gradient is 0 and is compared against the round-off floor
    assert result["reports"]["b1"].scale < 1e-9 and "round-off floor" in out
    assert result["ok"]


def test_gradient_check_convnet(capsys):
    result = gradient_check_convnet.main([])
    found = verdicts(capsys.readouterr().out)
    assert list(found) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert all(verdict == "OK" and error < 1e-7 for error, verdict in found.values()), found
    assert result["ok"]


def correlate_same(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Cross-correlation with zero padding, written out: out[i, j] = sum_uv pad(image)[i + u, j + v] k[u, v]."""
    k = kernel.shape[0]
    padded = np.pad(image, k // 2)
    out = np.zeros_like(image)
    for i in range(image.shape[0]):
        for j in range(image.shape[1]):
            out[i, j] = np.sum(padded[i:i + k, j:j + k] * kernel)
    return out


def test_apply_filter_outputs_are_the_correlations(tmp_path, capsys):
    result = apply_filter.main(["--dataset", "builtin", "--index", "3", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    (figure,) = result["figures"]
    assert Path(figure).parent == tmp_path / "apply_filter" and Path(figure).is_file() and str(figure) in out
    for kernel, output in zip(result["filters"].values(), result["outputs"], strict=True):
        np.testing.assert_allclose(output, correlate_same(result["image"], kernel), atol=1e-12)
    vertical = result["outputs"][0]
    assert vertical.max() > 1 and vertical.min() < -1  # a stroke has a rising and a falling edge


def test_apply_filter_names_the_data_set_by_its_title(tmp_path, capsys):
    from datasets import load_dataset

    result = apply_filter.main(["--dataset", "builtin", "--index", "3", "--out", str(tmp_path)])
    (_, (_, t_test)), info = load_dataset("builtin", flatten=False)
    first = capsys.readouterr().out.splitlines()[0]
    assert first == f"test image 3 of {info.title} (label {t_test[3]}), shape {(1, *result['image'].shape)}"


def test_apply_filter_refuses_an_index_out_of_range(capsys):
    with pytest.raises(SystemExit) as exit_info:
        apply_filter.main(["--dataset", "builtin", "--index", "100000000"])
    assert exit_info.value.code == 2 and "--index" in capsys.readouterr().err


def test_the_checks_say_what_they_are_doing_on_stderr(capsys):
    """A check of a large network takes a minute: each stage is announced as it starts, off stdout."""
    gradient_check.main(["--hidden", "5"])
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.startswith("... ")]
    assert lines == ["... two-point differences of all 4 parameters (the book's figure)",
                     *(f"... parameter {i} of 4, {name}" for i, name in enumerate(["W1", "b1", "W2", "b2"], 1))]
    assert "... " not in captured.out


def test_a_long_stage_shows_how_far_it_has_got_on_stderr(capsys, monkeypatch):
    """batch_norm_gradient_check's W1 takes half a minute: a stage running longer than BAR_DELAY draws a bar of
    its entries (here every stage does); stdout and the stage lines are as without it."""
    import cli.progress

    batch_norm_gradient_check.main(["--dataset", "builtin", "--hidden", "3", "2"])
    quiet = capsys.readouterr()
    monkeypatch.setattr(cli.progress, "BAR_DELAY", 0.0)
    batch_norm_gradient_check.main(["--dataset", "builtin", "--hidden", "3", "2"])
    shown = capsys.readouterr()
    assert shown.out == quiet.out
    stages = [line for line in quiet.err.splitlines() if line.startswith("... ")]
    assert [line for line in shown.err.splitlines() if line.startswith("... ")] == stages
    assert len(stages) == 11  # the two-point pass, then W, b, gamma, beta of two layers and W3, b3
    sizes = {"W1": 784 * 3, "b1": 3, "gamma1": 3, "beta1": 3, "W2": 3 * 2, "b2": 2, "gamma2": 2, "beta2": 2,
             "W3": 2 * 10, "b3": 10}
    for stage, total in zip(stages, [sum(sizes.values()), *sizes.values()], strict=True):
        bar = f"{stage.removeprefix('... ')}: 100%|##########| {total}/{total} ["
        assert shown.err.count(bar) == 1, (bar, shown.err)


@pytest.mark.parametrize("weights, problem", [("no-such.npz", "does not exist"),
                                              ("w" * 300 + ".npz", "cannot be used: File name too long")])
def test_apply_filter_refuses_weights_it_cannot_read_while_parsing(weights, problem, monkeypatch, capsys):
    monkeypatch.setattr(apply_filter, "load_script_split", _must_not_load_data)
    with pytest.raises(SystemExit) as exit_info:
        apply_filter.main(["--weights", weights])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.splitlines()) == 1
    assert f"argument --weights: {weights!r} {problem}" in err


def test_apply_filter_refuses_another_networks_weights_before_loading_data(tmp_path, monkeypatch, capsys):
    weights = TwoLayerNet(4, 3, 2, seed=0).save_params(tmp_path / "two_layer.npz")
    monkeypatch.setattr(apply_filter, "load_script_split", _must_not_load_data)
    with pytest.raises(SystemExit) as exit_info:
        apply_filter.main(["--weights", str(weights)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "--weights: SimpleConvNet.load_params" in err and "does not match this network" in err


def _must_not_load_data(*args, **kwargs):
    raise AssertionError("the data set was loaded before --weights was checked")
