"""The chapter 7-8 ConvNet scripts in quick mode on the built-in digits (figures written, one property of each),
and half_float_network on the real MNIST test set with the book's DeepConvNet weights."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from datasets import load_dataset
from networks import SimpleConvNet
from networks.book_weights import load_book_network
from scripts import half_float_network, misclassified_mnist, train_convnet, train_deepnet, visualize_filter

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ["train_convnet", "train_deepnet", "visualize_filter", "misclassified_mnist", "half_float_network"]
BOOK_DEEP_ACCURACY = 0.9935  # the book's DeepConvNet on the 10,000 MNIST test images


def quick(main, tmp_path: Path, *extra: str) -> dict:
    """Run a script's main in quick mode on the built-in digits; check every figure it reports."""
    result = main(["--quick", "--dataset", "builtin", "--out", str(tmp_path), *extra])
    assert result["figures"]
    for figure in result["figures"]:
        figure = Path(figure)
        assert figure.suffix == ".png" and figure.is_file() and figure.stat().st_size > 0, figure
        assert figure.parent == tmp_path / main.__module__.rsplit(".", 1)[-1]
    return result


@pytest.mark.parametrize("script", [misclassified_mnist, half_float_network])
def test_the_help_explains_every_network(script, capsys):
    with pytest.raises(SystemExit):
        script.main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "deep: DeepConvNet" in text and "simple: SimpleConvNet" in text
    assert "sample: chapter 3's SampleNetwork (784-50-100-10, sigmoid)" in text and "sample_weight.pkl" in text


def test_train_convnet_then_visualize_its_filters(tmp_path, capsys):
    trained = quick(train_convnet.main, tmp_path)
    assert trained["history"].epoch_list == [1.0, 2.0]
    assert 0.0 <= trained["test_acc"] <= 1.0
    network = SimpleConvNet()
    network.load_params(trained["weights"])
    out = capsys.readouterr().out
    assert "simple_convnet.npz" in out and "loss_and_accuracy.png" in out

    shown = quick(visualize_filter.main, tmp_path, "--weights", str(trained["weights"]))
    assert shown["panels"] == {"before": 30, "after": 30}
    np.testing.assert_array_equal(shown["after"], network.params["W1"])
    np.testing.assert_array_equal(shown["before"], SimpleConvNet(seed=0).params["W1"])


def test_visualize_filter_trains_without_weights(tmp_path):
    result = quick(visualize_filter.main, tmp_path)
    assert [Path(f).name for f in result["figures"]] == ["filters_before.png", "filters_after.png"]
    assert result["panels"] == {"before": 30, "after": 30}
    assert not np.array_equal(result["before"], result["after"])  # the filters were trained from the init


def test_train_deepnet(tmp_path):
    result = quick(train_deepnet.main, tmp_path)
    assert result["history"].epoch_list == [1.0]
    assert Path(result["weights"]).name == "deep_convnet.npz" and Path(result["weights"]).is_file()


def test_misclassified_mnist(tmp_path, capsys):
    result = quick(misclassified_mnist.main, tmp_path)
    n = result["test_size"]
    assert result["misclassified"] == round((1 - result["accuracy"]) * n)
    assert len(result["titles"]) == min(20, result["misclassified"]) > 0
    _, (_, t_test) = load_dataset("builtin", flatten=False)[0]
    for title, index in zip(result["titles"], result["indices"], strict=True):
        true, pred = map(int, re.fullmatch(r"true (\d), pred (\d)", title).groups())
        assert true != pred and true == t_test[index] and pred == result["predicted"][index]
    assert f"{result['misclassified']} of {n} images misclassified" in capsys.readouterr().out


@pytest.mark.parametrize("extra", [(), ("--network", "simple", "--arithmetic", "float16", "--test-size", "100")])
def test_half_float_network(tmp_path, extra):
    result = quick(half_float_network.main, tmp_path, *extra)
    assert abs(result["accuracy"]["float32"] - result["accuracy"]["float16"]) <= 0.02


def test_half_float_network_book_weights_on_mnist(tmp_path, book_weights_dir, mnist_dir, capsys):
    weights = load_book_network(book_weights_dir / "deep_convnet_params.pkl", "deep").save_params(tmp_path / "deep.npz")
    result = half_float_network.main(["--weights", str(weights), "--mnist-test-dir", str(mnist_dir),
                                      "--out", str(tmp_path)])
    assert result["test_size"] == 10_000
    assert result["accuracy"]["float16"] == pytest.approx(BOOK_DEEP_ACCURACY, abs=0.003)
    assert result["accuracy"]["float32"] == pytest.approx(BOOK_DEEP_ACCURACY, abs=0.003)
    assert Path(result["figures"][0]).stat().st_size > 0
    assert "accuracy with float16: 0.99" in capsys.readouterr().out


@pytest.mark.parametrize("name", SCRIPTS)
def test_help_by_path(name):
    result = subprocess.run([sys.executable, f"scripts/{name}.py", "--help"], cwd=REPO_ROOT,
                            capture_output=True, text=True, check=True)
    for option in ("--out", "--quick", "--seed", "--dataset"):
        assert option in result.stdout, option


def test_runs_as_a_module(tmp_path):
    result = subprocess.run([sys.executable, "-m", "scripts.visualize_filter", "--quick", "--dataset", "builtin",
                             "--out", str(tmp_path)], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert "filters_after.png" in result.stdout
    assert (tmp_path / "visualize_filter" / "filters_after.png").is_file()


def test_half_float_networks_batches_under_the_progress_bar_change_no_label():
    from networks import SimpleConvNet

    network = SimpleConvNet(input_dim=(1, 10, 10), conv_param={"filter_num": 3, "filter_size": 3, "pad": 0,
                                                                "stride": 1}, hidden_size=8, seed=0)
    x = np.random.default_rng(0).random((1234, 1, 10, 10), dtype=np.float32)
    labels = half_float_network.labels_with_progress(network, x, "test", quiet=True)
    np.testing.assert_array_equal(labels, network.predict_labels(x))
    assert len(x) > half_float_network.PROGRESS_BATCH


class KnowsTheLabels:
    """A network that classifies every test image right: it answers with the labels it was given."""

    def __init__(self, labels: np.ndarray) -> None:
        self.labels = labels

    def predict_labels(self, x: np.ndarray) -> np.ndarray:
        assert len(x) == len(self.labels)
        return self.labels.copy()


def test_misclassified_mnist_with_nothing_misclassified_still_writes_its_figure(tmp_path, monkeypatch, capsys):
    """A figure left by an earlier run must never pass for this run's: it is replaced by one saying that no
    image was misclassified, and its path is printed as usual."""
    stale = tmp_path / "misclassified_mnist" / "misclassified.png"
    stale.parent.mkdir()
    stale.write_bytes(b"an earlier run's figure")
    monkeypatch.setattr(misclassified_mnist, "network_from_args",
                        lambda parser, kind, args, train, test: KnowsTheLabels(test[1]))
    drawn = []

    def save_figure(fig, path):
        drawn.extend(text.get_text() for ax in fig.axes for text in ax.texts)
        return real_save_figure(fig, path)

    real_save_figure = misclassified_mnist.save_figure
    monkeypatch.setattr(misclassified_mnist, "save_figure", save_figure)
    result = quick(misclassified_mnist.main, tmp_path, "--test-size", "30")
    assert result["misclassified"] == 0 and result["accuracy"] == 1.0 and result["titles"] == []
    assert result["figures"] == [stale] and stale.read_bytes()[:4] == b"\x89PNG"
    out = capsys.readouterr().out
    assert f"figure: {stale}" in out and "0 of 30 images misclassified" in out
    assert drawn == ["no image among the 30 test images was misclassified"]
