"""The chapter 3-4 scripts: printed numbers against values worked out independently (the book's), figures
written under --out/<script>/, --help from both ways of running, and bad arguments refused with status 2."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from networks import SampleNetwork
from scripts import (
    activation_functions,
    gradient_1d,
    gradient_2d,
    gradient_method,
    gradient_simplenet,
    mnist_show,
    neuralnet_mnist,
    train_neuralnet,
    train_neuralnet_numerical,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
NEW_SCRIPTS = ["activation_functions", "neuralnet_mnist", "gradient_1d", "gradient_2d", "gradient_method",
               "gradient_simplenet", "train_neuralnet_numerical", "batch_norm_gradient_check", "apply_filter",
               "gradient_check_convnet", "mnist_show"]


def numbers(text: str) -> list[float]:
    return [float(s) for s in re.findall(r"-?\d+\.?\d*(?:e[-+]?\d+)?", text)]


def check_figures(result: dict, tmp_path: Path, name: str, out: str) -> None:
    assert result["figures"]
    for figure in result["figures"]:
        figure = Path(figure)
        assert figure.parent == tmp_path / name and figure.suffix == ".png" and figure.stat().st_size > 0
        assert str(figure) in out  # the path is printed


@pytest.mark.parametrize("name", NEW_SCRIPTS)
def test_help_runs_as_module_and_as_file(name):
    for command in (["-m", f"scripts.{name}"], [f"scripts/{name}.py"]):
        result = subprocess.run([sys.executable, *command, "--help"], cwd=REPO_ROOT, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert "usage:" in result.stdout


@pytest.mark.parametrize(("main", "argv"), [
    (gradient_method.main, ["--lr", "-1"]),
    (gradient_method.main, ["--lr", "nan"]),
    (gradient_method.main, ["--steps", "ten"]),
    (gradient_1d.main, ["--at", "inf"]),
    (gradient_2d.main, ["--grid-step", "0"]),
    (train_neuralnet_numerical.main, ["--batch-size", "0"]),
    (neuralnet_mnist.main, ["--batch-size", "-5"]),
])
def test_bad_arguments_exit_with_status_2(main, argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "expected" in capsys.readouterr().err


def test_activation_functions(tmp_path, capsys):
    result = activation_functions.main(["--out", str(tmp_path)])
    out = capsys.readouterr().out
    check_figures(result, tmp_path, "activation_functions", out)
    np.testing.assert_array_equal(result["values"]["step function"], [0, 1, 1])
    sig = [1 / (1 + math.exp(1)), 1 / (1 + math.exp(-1)), 1 / (1 + math.exp(-2))]
    np.testing.assert_allclose(result["values"]["sigmoid"], sig, rtol=1e-12)
    np.testing.assert_array_equal(result["values"]["ReLU"], [0.0, 1.0, 2.0])
    assert "0.26894142 0.73105858 0.88079708" in out  # the book's printout
    assert "step function([-1.0, 1.0, 2.0]) = [0 1 1]" in out  # integers, as the book's step_function gives
    assert result["values"]["step function"].dtype.kind == "i"


def test_activation_functions_grid_step_is_not_the_step_function(tmp_path, capsys, monkeypatch):
    """--grid-step spaces the x values drawn; --step, its earlier name, still works."""
    drawn = []
    original = activation_functions.activations_figure
    monkeypatch.setattr(activation_functions, "activations_figure", lambda x: drawn.append(x) or original(x))
    for option in ("--grid-step", "--step"):
        activation_functions.main(["--out", str(tmp_path), option, "0.5"])
    assert len(drawn) == 2 and np.array_equal(drawn[0], drawn[1]) and np.array_equal(drawn[0], np.arange(-5, 5, 0.5))
    with pytest.raises(SystemExit):
        activation_functions.main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--grid-step GRID_STEP, --step GRID_STEP" in text and "nothing to do with the step function" in text


def test_gradient_1d_slopes_are_the_derivative(tmp_path, capsys):
    result = gradient_1d.main(["--out", str(tmp_path)])
    out = capsys.readouterr().out
    check_figures(result, tmp_path, "gradient_1d", out)
    slopes = [float(m) for m in re.findall(r"numerical_diff\(f, \d+\) = (\S+)", out)]
    assert slopes == pytest.approx([0.2, 0.3], abs=1e-9)  # d/dx (0.01 x^2 + 0.1 x) = 0.02 x + 0.1


def test_gradient_2d_gradients_are_twice_the_point(tmp_path, capsys):
    result = gradient_2d.main(["--out", str(tmp_path), "--grid-step", "0.5"])
    out = capsys.readouterr().out
    check_figures(result, tmp_path, "gradient_2d", out)
    printed = [numbers(line.split("=")[1]) for line in out.splitlines() if line.startswith("numerical_gradient")]
    expected = [[6, 8], [0, 4], [6, 0]]  # grad (x0^2 + x1^2) = (2 x0, 2 x1) at (3, 4), (0, 2), (3, 0)
    assert printed == [pytest.approx(g, abs=1e-6) for g in expected]
    np.testing.assert_allclose(result["grid_gradients"], 2 * result["grid"], atol=1e-6)


def test_gradient_method_reaches_the_minimum(tmp_path, capsys):
    result = gradient_method.main(["--out", str(tmp_path)])
    out = capsys.readouterr().out
    check_figures(result, tmp_path, "gradient_method", out)
    # x <- x - 0.1 * 2x = 0.8 x: after 100 steps (-3, 4) * 0.8^100 = (-6.11e-10, 8.15e-10)
    expected = np.array([-3.0, 4.0]) * 0.8**100
    np.testing.assert_allclose(result["final"], expected, rtol=1e-4)
    assert np.abs(result["final"]).max() < 1e-9
    first = out.splitlines()[0]
    assert numbers(first.split("x = ")[1])[:2] == pytest.approx(expected, rel=1e-3)
    assert np.abs(result["others"][10.0]).max() > 1e10  # lr 10 diverges
    np.testing.assert_allclose(result["others"][1e-10], np.array([-3.0, 4.0]) * (1 - 2e-10) ** 100, rtol=1e-9)
    assert result["history"].shape == (100, 2)



@pytest.mark.parametrize(("argv", "widened"), [([], False), (["--init", "10", "-8"], True), (["--lr", "10"], True)])
def test_gradient_method_draws_every_point_of_its_path(argv, widened):
    """The book's axes ([-3.5, 3.5] x [-4.5, 4.5]) where the path fits them, wider where it leaves them
    (a start at (10, -8) was drawn without its first steps, a diverging lr as one dot)."""
    init = np.array([float(v) for v in argv[1:]] if argv[:1] == ["--init"] else [-3.0, 4.0])
    lr = 10.0 if argv[:1] == ["--lr"] else 0.1
    final, history = gradient_method.gradient_descent(gradient_method.function_2, init, lr=lr, step_num=100)
    ax = gradient_method.path_figure(history, final, lr).axes[0]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    points = history[:gradient_method.FIGURE_STEPS]
    assert ((x0, x1, y0, y1) != (-3.5, 3.5, -4.5, 4.5)) == widened
    assert (x0 <= points[:, 0]).all() and (points[:, 0] <= x1).all()
    assert (y0 <= points[:, 1]).all() and (points[:, 1] <= y1).all()


def test_gradient_method_prints_x_as_the_books_text_shows_it(tmp_path, capsys):
    """NumPy's default array printing, as the book's session shows gradient_descent's results (4.4.1)."""
    gradient_method.main(["--out", str(tmp_path)])
    lines = capsys.readouterr().out.splitlines()
    assert "lr 0.1, 100 steps: x = [-6.11110793e-10  8.14814391e-10]," in lines[0]
    assert lines[1].endswith("lr 10, 100 steps: x = [-2.58983747e+13 -1.29524862e+12]")
    assert lines[2].endswith("lr 1e-10, 100 steps: x = [-2.99999994  3.99999992]")


def test_gradient_simplenet_prints_the_books_numbers(capsys):
    gradient_simplenet.main([])
    out = capsys.readouterr().out
    loss = float(re.search(r"loss = (\S+)", out).group(1))
    assert loss == pytest.approx(0.92806853663411326, abs=1e-8)  # the book's net.loss(x, t)
    block = out.split("dL/dW (numerical) =")[1].split("dL/dW (backprop)")[0]
    book_dw = [0.21924763, 0.14356247, -0.36281009, 0.32887144, 0.2153437, -0.54421514]
    assert numbers(block) == pytest.approx(book_dw, abs=1e-8)


def test_gradient_simplenet_with_a_random_w(capsys):
    result = gradient_simplenet.main(["--seed", "4"])
    x, t, W = np.array([0.6, 0.9]), np.array([0.0, 0.0, 1.0]), result["W"]
    z = x @ W
    np.testing.assert_allclose(result["numerical"], np.outer(x, np.exp(z) / np.exp(z).sum() - t), atol=1e-8)


def test_train_neuralnet_numerical_matches_backprop(tmp_path, capsys):
    result = train_neuralnet_numerical.main(["--quick", "--dataset", "builtin", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    check_figures(result, tmp_path, "train_neuralnet_numerical", out)
    assert len(result["losses"]["numerical"]) == len(result["losses"]["backprop"]) == 5
    assert result["gap"] < 1e-6  # same steps up to the two-point differences' error
    assert result["losses"]["numerical"][0] == pytest.approx(result["losses"]["backprop"][0], abs=1e-12)
    assert all(np.isfinite(result["losses"]["numerical"]))
    assert "time per gradient" in out


def test_mnist_show_prints_the_label_and_shapes_and_saves_the_image(tmp_path, capsys):
    from matplotlib.image import imread

    from datasets import load_builtin_digits

    result = mnist_show.main(["--dataset", "builtin", "--out", str(tmp_path)])
    (x_train, t_train), _ = load_builtin_digits(normalize=False)
    path = tmp_path / "mnist_show" / "train_0.png"
    # the book's three lines (label, (784,), (28, 28)), then where the image went
    assert capsys.readouterr().out == f"{t_train[0]}\n(784,)\n(28, 28)\nimage: {path}\n"
    assert result["label"] == t_train[0] and result["path"] == path
    np.testing.assert_array_equal(result["image"], x_train[0].reshape(28, 28))
    grey = imread(path)[..., 0]  # 28 x 28, R = G = B
    np.testing.assert_array_equal(np.round(grey * 255), x_train[0].reshape(28, 28))


def test_mnist_show_index_picks_the_image(tmp_path, capsys):
    from datasets import load_builtin_digits

    result = mnist_show.main(["--dataset", "builtin", "--index", "7", "--out", str(tmp_path)])
    (x_train, t_train), _ = load_builtin_digits(normalize=False)
    assert result["label"] == t_train[7] and result["path"] == tmp_path / "mnist_show" / "train_7.png"
    np.testing.assert_array_equal(result["image"].ravel(), x_train[7])


def test_mnist_show_falls_back_to_the_builtin_digits_with_a_notice(tmp_path, monkeypatch, capsys):
    import datasets.download

    def offline(url, *args, **kwargs):
        raise datasets.download.DownloadError(url, "no network (test)", unreachable=True)

    def small_builtin_digits(**options):
        assert options.get("normalize") is False  # the book's load_mnist(normalize=False): pixels 0-255
        images = np.arange(3 * 784).reshape(3, 784) % 256
        return (images.astype(np.uint8), np.array([4, 1, 9])), (images[:1].astype(np.uint8), np.array([4]))

    monkeypatch.setenv("ZEROPROP_DATA_DIR", str(tmp_path / "no-data"))
    monkeypatch.setattr(datasets.download, "_open", offline)
    monkeypatch.setattr("datasets.registry.load_builtin_digits", small_builtin_digits)
    result = mnist_show.main(["--index", "2", "--out", str(tmp_path)])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("notice: MNIST is not complete") and "using the built-in digits" in lines[0]
    assert lines[1:4] == ["9", "(784,)", "(28, 28)"] and result["label"] == 9


def test_neuralnet_mnist_without_weights_says_how_to_convert(capsys):
    with pytest.raises(SystemExit) as exit_info:
        neuralnet_mnist.main([])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "convert_book_weights --network sample" in err and "sample_weight.pkl" in err


@pytest.mark.parametrize(("weights", "problem"), [("a" * 300, "cannot be used: File name too long"),
                                                 ("no-such-weights.npz", "does not exist")])
def test_neuralnet_mnist_refuses_weights_it_cannot_read_in_one_line(weights, problem, capsys):
    with pytest.raises(SystemExit) as exit_info:
        neuralnet_mnist.main(["--weights", weights])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.splitlines()) == 1
    assert err.startswith(f"neuralnet_mnist: error: argument --weights: {weights!r} {problem}")


def test_neuralnet_mnist_names_a_missing_test_set(tmp_path, capsys):
    weights = SampleNetwork(seed=0).save_params(tmp_path / "w.npz")
    with pytest.raises(SystemExit) as exit_info:
        neuralnet_mnist.main(["--weights", str(weights), "--mnist-test-dir", str(tmp_path)])
    assert exit_info.value.code == 2
    assert "t10k-images-idx3-ubyte.gz" in capsys.readouterr().err


@pytest.mark.parametrize("from_variable", [True, False])
def test_neuralnet_mnist_without_mnist_test_dir_names_the_cache_it_read(from_variable, tmp_path, monkeypatch, capsys):
    """No --mnist-test-dir given: the error is about the cache folder read (ZEROPROP_DATA_DIR's or the default
    one under the home folder), and --mnist-test-dir comes only as the way to read another folder."""
    weights = SampleNetwork(seed=0).save_params(tmp_path / "w.npz")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    if from_variable:
        monkeypatch.setenv("ZEROPROP_DATA_DIR", str(tmp_path / "data"))
        folder = f"the MNIST cache folder under ZEROPROP_DATA_DIR, {tmp_path / 'data' / 'mnist'}"
    else:
        monkeypatch.delenv("ZEROPROP_DATA_DIR", raising=False)
        folder = "the default MNIST cache folder ~/.cache/zeroprop/mnist"
    with pytest.raises(SystemExit) as exit_info:
        neuralnet_mnist.main(["--weights", str(weights)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.splitlines()) == 1
    assert err.startswith(f"neuralnet_mnist: error: no MNIST test set in {folder}: ")
    assert "argument --mnist-test-dir" not in err and "pass --mnist-test-dir" in err


@pytest.mark.parametrize("kind", ["a file", "corrupt files"])
def test_neuralnet_mnist_refuses_an_unreadable_test_dir_in_one_line(kind, tmp_path, capsys):
    weights = SampleNetwork(seed=0).save_params(tmp_path / "w.npz")
    if kind == "a file":
        test_dir = tmp_path / "not-a-dir"
        test_dir.write_text("a file")
    else:
        test_dir = tmp_path / "corrupt"
        test_dir.mkdir()
        for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
            (test_dir / name).write_bytes(b"\x1f\x8b not really gzip")
    with pytest.raises(SystemExit) as exit_info:
        neuralnet_mnist.main(["--weights", str(weights), "--mnist-test-dir", str(test_dir)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.splitlines()) == 1
    assert err.startswith("neuralnet_mnist: error: argument --mnist-test-dir")


def test_neuralnet_mnist_accuracy_against_numpy(tmp_path, mnist_dir, capsys):
    from datasets import load_mnist_split

    net = SampleNetwork(seed=3)
    weights = net.save_params(tmp_path / "w.npz")
    neuralnet_mnist.main(["--weights", str(weights), "--mnist-test-dir", str(mnist_dir)])
    printed = float(re.search(r"Accuracy: (0\.\d{4})$", capsys.readouterr().out, re.M).group(1))
    x, t = load_mnist_split("test", mnist_dir)
    p = {k: v.astype(np.float64) for k, v in net.params.items()}
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    scores = sig(sig(x @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]) @ p["W3"] + p["b3"]
    assert printed == pytest.approx(np.mean(scores.argmax(axis=1) == t), abs=1.5e-4)


def test_neuralnet_mnist_with_the_books_sample_weights(tmp_path, mnist_dir, book_code_dir, capsys):
    from scripts import convert_book_weights

    target = tmp_path / "sample.npz"
    assert convert_book_weights.main(["--network", "sample", "--trust-pickle",
                                      str(book_code_dir / "ch03" / "sample_weight.pkl"), str(target)]) == 0
    neuralnet_mnist.main(["--weights", str(target), "--mnist-test-dir", str(mnist_dir)])
    assert "Accuracy: 0.9352" in capsys.readouterr().out  # the book's figure (3.6.2)


def test_the_main_jobs_quick_run_draws_no_progress_bar(tmp_path, capsys):
    """--quick is for CI and tests: like every script's, it trains without drawing progress."""
    result = train_neuralnet.main(["--quick", "--dataset", "builtin", "--out", str(tmp_path)])
    captured = capsys.readouterr()
    assert "it/s" not in captured.err and "%|" not in captured.err, captured.err
    assert Path(result["figure"]).parent == tmp_path / "train_neuralnet" and str(result["figure"]) in captured.out


def test_the_main_job_trains_the_engine_build_with_fast(tmp_path, capsys):
    from engine import FastAffine
    from layers import Affine

    book = train_neuralnet.main(["--quick", "--dataset", "builtin", "--out", str(tmp_path / "book")])
    fast = train_neuralnet.main(["--quick", "--dataset", "builtin", "--out", str(tmp_path / "fast"), "--fast"])
    assert type(book["network"].layers["Affine1"]) is Affine
    assert isinstance(fast["network"].layers["Affine1"], FastAffine)
    # the same network and batches: accuracies agree but for float32 rounding's effect on a few samples
    assert abs(fast["history"].test_acc_list[-1] - book["history"].test_acc_list[-1]) < 0.01
    assert fast["history"].test_acc_list[-1] > 0.8


def test_the_main_job_trains_chapter_4s_sigmoid_net_with_activation_sigmoid(tmp_path, capsys):
    """--activation sigmoid is ch04/train_neuralnet.py: the same recipe, a sigmoid hidden layer, which
    learns more slowly from the book's 0.01-std weights than ReLU (the book's Figures 4-11, 4-12 against 5.7.4)."""
    relu = train_neuralnet.main(["--quick", "--dataset", "builtin", "--out", str(tmp_path)])
    relu_weights = relu["weights"].read_bytes()
    sigmoid = train_neuralnet.main(["--quick", "--dataset", "builtin", "--out", str(tmp_path),
                                    "--activation", "sigmoid"])
    # its own files, beside the ReLU run's, which it leaves as they were
    assert sigmoid["weights"].name == "two_layer_net_sigmoid.npz" and sigmoid["figure"].name.endswith("_sigmoid.png")
    assert sigmoid["weights"].parent == relu["weights"].parent and relu["weights"].read_bytes() == relu_weights
    assert list(sigmoid["network"].layers) == ["Affine1", "Sigmoid1", "Affine2"]
    losses = sigmoid["history"].train_loss_list
    assert np.mean(losses[-30:]) < np.mean(losses[:30])  # it learns
    assert sigmoid["history"].test_acc_list[-1] < relu["history"].test_acc_list[-1]


def test_gradient_method_draws_the_first_20_steps_as_the_books_figure(tmp_path, monkeypatch):
    """Figure 4-10 comes from the book's script with step_num 20: x before each of those steps."""
    drawn = {}
    original = gradient_method.path_figure

    def spy(history, final, lr):
        figure = original(history, final, lr)
        (line,) = [line for line in figure.axes[0].lines if line.get_marker() == "o"]
        drawn["points"], drawn["title"] = line.get_xydata(), figure.axes[0].get_title()
        return figure

    monkeypatch.setattr(gradient_method, "path_figure", spy)
    gradient_method.main(["--out", str(tmp_path)])
    expected = np.array([-3.0, 4.0]) * 0.8 ** np.arange(20)[:, None]
    np.testing.assert_allclose(drawn["points"], expected, rtol=1e-6)
    assert "the first 20 of 100 steps" in drawn["title"]
