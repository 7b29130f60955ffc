"""Every script checks its arguments before any work: a bad value, an output path that cannot be written, a
checkpoint that cannot be resumed, a data set that cannot be had or a pickle that is not the book's end the
script with one line naming what is wrong and exit status 2, never a traceback, never after training."""

from __future__ import annotations

import importlib
import os
import pickle
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import cli.data

REPO_ROOT = Path(__file__).resolve().parents[2]
MNIST_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
               "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")

BAD_OPTIONS = [
    ("train_neuralnet", ["--iters", "-1"], "--iters"),
    ("train_neuralnet", ["--batch-size", "0"], "--batch-size"),
    ("train_neuralnet", ["--lr", "nan"], "--lr"),
    ("train_neuralnet", ["--lr", "-0.1"], "--lr"),
    ("train_neuralnet", ["--hidden", "-3"], "--hidden"),
    ("train_neuralnet", ["--hidden", "0"], "--hidden"),
    ("train_neuralnet", ["--hidden", "2.5"], "--hidden"),
    ("train_neuralnet", ["--eval-samples", "0"], "--eval-samples"),
    ("train_neuralnet", ["--seed", "-1"], "--seed"),
    ("train_convnet", ["--epochs", "0"], "--epochs"),
    ("train_convnet", ["--train-size", "-5"], "--train-size"),
    ("train_deepnet", ["--lr", "inf"], "--lr"),
    ("train_deepnet", ["--test-size", "0"], "--test-size"),
    ("optimizer_compare_mnist", ["--iters", "0"], "--iters"),
    ("weight_init_compare", ["--batch-size", "-1"], "--batch-size"),
    ("overfit_dropout", ["--dropout-ratio", "1.5"], "--dropout-ratio"),
    ("overfit_weight_decay", ["--weight-decay", "nan"], "--weight-decay"),
    ("batch_norm_test", ["--scales", "0"], "--scales"),
    ("hyperparameter_optimization", ["--trials", "0"], "--trials"),
    ("visualize_filter", ["--weights", "no-such-file.npz"], "--weights"),
    ("misclassified_mnist", ["--count", "0"], "--count"),
    ("half_float_network", ["--mnist-test-dir", "no-such-dir"], "--mnist-test-dir"),
    ("gradient_check", ["--samples", "0"], "--samples"),
    ("backprop_vs_numerical", ["--hidden", "5", "-1"], "--hidden"),
    ("graph_simple", ["-x", "nan"], "-x"),
    ("graph_logistic_regression", ["--lr", "0"], "--lr"),
    ("buy_apple", ["--tax", "inf"], "--tax"),
    ("optimizer_compare_naive", ["--steps", "0"], "--steps"),
    ("weight_init_activation_histogram", ["--layers", "0"], "--layers"),
    ("show_builtin_digits", ["--scale", "0"], "--scale"),
    ("convert_book_weights", ["--network", "deep", "no-such.pkl", "out.npz"], "INPUT.pkl"),
    ("graph_two_layer_net", ["--seed", "-1"], "--seed"),
    ("graph_two_layer_net", ["--batch-size", "0"], "--batch-size"),
    ("mnist_show", ["--index", "-1"], "--index"),
]

# Values of the right type that no run could take (tracebacks once: MemoryError, OverflowError, a batch norm of
# one sample): refused while parsing, naming the limit. "{out}" stands for a fresh --out, which must stay empty.
BEYOND_LIMITS = [
    ("activation_functions", ["--grid-step", "1e-9", "--out", "{out}"], "--grid-step/--step", "at most 1000000 points"),
    ("activation_functions", ["--step", "1e-9", "--out", "{out}"], "--grid-step/--step", "at most 1000000 points"),
    ("gradient_2d", ["--grid-step", "1e-6", "--out", "{out}"], "--grid-step", "at most 1000 x 1000 arrows"),
    ("show_builtin_digits", ["--scale", "1000000", "--out", "{out}"], "--scale", "at most 25000000 pixels"),
    ("show_builtin_digits", ["--per-class", "100000000", "--out", "{out}"], "--per-class", "expected at most 3188"),
    ("gradient_1d", ["--at", "1e308", "--out", "{out}"], "--at", "[-1e+10, 1e+10]"),
    ("gradient_1d", ["--at=-1e151", "--out", "{out}"], "--at", "[-1e+10, 1e+10]"),
    ("gradient_1d", ["--at", "1e20", "--out", "{out}"], "--at", "h = 1e-4 still resolves"),
    ("gradient_method", ["--steps", "1000000000000", "--out", "{out}"], "--steps", "[0, 1000000]"),
    ("gradient_method", ["--init", "1e300", "1", "--out", "{out}"], "--init", "h = 1e-4 still resolves"),
    ("gradient_method", ["--init", "1", "-20000000000", "--out", "{out}"], "--init", "[-1e+10, 1e+10]"),
    ("graph_simple", ["-x", "1e308", "-y", "1e308", "--out", "{out}"], "-x", "[-1e+100, 1e+100]"),
    ("graph_simple", ["-z=-1e101", "--out", "{out}"], "-z", "stays a finite number"),
    ("graph_max_gate", ["-x", "1e200", "-y", "1e200", "--out", "{out}"], "-x", "[-1e+100, 1e+100]"),
    ("graph_buy_apple_orange", ["--tax", "1e300", "--out", "{out}"], "--tax", "[-1e+100, 1e+100]"),
    ("graph_logistic_regression", ["-m", "1000000000000", "--out", "{out}"], "-m", "[1, 1000000]"),
    ("graph_two_layer_net", ["--quick", "--batch-size", "100000", "--out", "{out}"], "--batch-size",
     "expected at most 60000"),
    ("graph_two_layer_net", ["--quick", "--hidden", "1000000000", "--out", "{out}"], "--hidden", "[1, 10000]"),
    ("batch_norm_gradient_check", ["--samples", "1"], "--samples", "needs two samples"),
    ("batch_norm_gradient_check", ["--hidden", "100", "1000000000"], "--hidden", "[1, 100]"),
    ("batch_norm_gradient_check", ["--hidden", "101"], "--hidden", "[1, 100]"),
    ("batch_norm_gradient_check", ["--hidden", "100", "100", "1"], "--hidden", "expected at most 200"),
    ("train_neuralnet", ["--hidden", "1000000000", "--out", "{out}"], "--hidden", "[1, 10000]"),
    ("train_neuralnet_numerical", ["--hidden", "100000000", "--out", "{out}"], "--hidden", "[1, 100]"),
    ("train_neuralnet_numerical", ["--hidden", "101", "--out", "{out}"], "--hidden", "[1, 100]"),
    ("gradient_check", ["--hidden", "100000000"], "--hidden", "[1, 100]"),
    ("gradient_check", ["--hidden", "101"], "--hidden", "[1, 100]"),
    ("gradient_check", ["--samples", "101"], "--samples", "[1, 100]"),
    ("batch_norm_gradient_check", ["--samples", "101"], "--samples", "[2, 100]"),
    ("backprop_vs_numerical", ["--input-size", "10000000000", "--out", "{out}"], "--input-size", "[1, 1000]"),
    ("backprop_vs_numerical", ["--batch", "10000000000", "--out", "{out}"], "--batch", "[1, 100]"),
    # each of these alone would be measured in seconds: the limits, not the time, must refuse them
    *[("backprop_vs_numerical", [*argv, "--hidden", "2", "--repeats", "1", "--out", "{out}"], option, limit)
      for argv, option, limit in [(["--input-size", "1001"], "--input-size", "[1, 1000]"),
                                  (["--output-size", "101"], "--output-size", "[1, 100]"),
                                  (["--batch", "101"], "--batch", "[1, 100]")]],
    ("backprop_vs_numerical", ["--hidden", "1001", "--input-size", "1", "--output-size", "1", "--repeats", "1",
                               "--out", "{out}"], "--hidden", "[1, 1000]"),
    ("backprop_vs_numerical", ["--hidden", "2", "1000", "--input-size", "49", "--output-size", "1", "--repeats", "1",
                               "--out", "{out}"], "--hidden", "expected at most 980 (at most 50000 parameters"),
    ("backprop_vs_numerical", ["--repeats", "21", "--out", "{out}"], "--repeats", "[1, 20]"),
    ("backprop_vs_numerical", ["--hidden", *["2"] * 21, "--out", "{out}"], "--hidden",
     "expected at most 20 sizes (each is timed in full), got 21"),
    ("gradient_check_convnet", ["--size", "100000"], "--size", "[4, 64]"),
    ("gradient_check_convnet", ["--samples", "1000000000"], "--samples", "[1, 100]"),
    ("weight_init_activation_histogram", ["--samples", "1000000000", "--out", "{out}"], "--samples", "[1, 10000]"),
    ("weight_init_activation_histogram", ["--layers", "21", "--out", "{out}"], "--layers", "[1, 20]"),
    ("batch_norm_test", ["--scales", "1000000000", "--out", "{out}"], "--scales", "[1, 100]"),
    ("overfit_weight_decay", ["--weight-decay", "1e308", "--out", "{out}"], "--weight-decay", "< 2 / lr = 200"),
    ("overfit_weight_decay", ["--lr", "1e308", "--out", "{out}"], "--weight-decay", "with --lr 1e+308"),
]

# Limits that depend on the data: checked once it is loaded (the stand-in has 150 training samples), before
# any training.
BEYOND_THE_DATA = [
    ("graph_two_layer_net", ["--batch-size", "151", "--out", "{out}"], "--batch-size",
     "expected at most 150 (the training samples of a small stand-in), got 151"),
    ("train_neuralnet_numerical", ["--batch-size", "151", "--out", "{out}"], "--batch-size",
     "expected at most 150 (the training samples of a small stand-in), got 151"),
    ("batch_norm_test", ["--train-size", "101", "--out", "{out}"], "--train-size", "no mini-batch of one sample"),
    ("mnist_show", ["--index", "150", "--out", "{out}"], "--index",
     "expected at most 149 (the last of the 150 training images), got 150"),
    *[(script, ["--batch-size", "151", "--out", "{out}"], "--batch-size",
       "expected at most 150 (the training samples of a small stand-in), got 151")
      for script in ("train_neuralnet", "optimizer_compare_mnist", "weight_init_compare")],
    *[(script, ["--batch-size", "151", "--out", "{out}"], "--batch-size",
       "expected at most 150 (the 150 training images), got 151")
      for script in ("train_convnet", "train_deepnet", "misclassified_mnist", "visualize_filter")],
    # Sizes written out above the data are refused as --batch-size is; --quick's and the defaults are cut (below).
    ("train_neuralnet", ["--eval-samples", "151", "--out", "{out}"], "--eval-samples",
     "expected at most 150 (the larger of the 150 training and 20 test samples of a small stand-in), got 151"),
    *[(script, ["--train-size", "151", "--out", "{out}"], "--train-size",
       "expected at most 150 (the 150 training samples of a small stand-in), got 151")
      for script in ("overfit_dropout", "overfit_weight_decay", "batch_norm_test")],
    *[(script, ["--test-size", "21", "--out", "{out}"], "--test-size",
       "expected at most 20 (the 20 test images), got 21")
      for script in ("train_convnet", "train_deepnet", "misclassified_mnist", "half_float_network")],
    *[(script, ["--train-size", "151", "--out", "{out}"], "--train-size",
       "expected at most 150 (the 150 training images), got 151")
      for script in ("train_convnet", "train_deepnet", "misclassified_mnist", "visualize_filter",
                     "half_float_network")],
    ("train_convnet", ["--eval-samples", "151", "--out", "{out}"], "--eval-samples",
     "expected at most 150 (the larger of the 150 training and 20 test images), got 151"),
]


@pytest.fixture
def no_data_loading(monkeypatch):
    """Make any attempt to load data fail the test: the refusals must come first."""
    def refuse(*args, **kwargs):
        raise AssertionError("data was loaded before the arguments were checked")
    monkeypatch.setattr(cli.data, "load_dataset", refuse)
    monkeypatch.setattr(cli.data, "load_dataset_split", refuse)


def run_main(script: str, argv: list[str]) -> SystemExit:
    main = importlib.import_module(f"scripts.{script}").main
    with pytest.raises(SystemExit) as info:
        main(argv)
    return info.value


def one_error_line(capsys, script: str) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if not line.startswith("warning: a pickle")]
    assert len(lines) == 1, err
    assert lines[0].startswith(f"{script}: error: ")
    return lines[0]


@pytest.mark.parametrize(("script", "argv", "option"), BAD_OPTIONS,
                         ids=lambda v: " ".join(v) if isinstance(v, list) else v)
def test_a_bad_option_is_one_line_and_status_2(script, argv, option, capsys, no_data_loading):
    assert run_main(script, argv).code == 2
    assert f"argument {option}" in one_error_line(capsys, script)


@pytest.fixture
def small_dataset(monkeypatch):
    """150 training and 20 test samples (random pixels) stand in for every --dataset."""
    from datasets import DatasetInfo

    def load(name, normalize=True, flatten=True, one_hot_label=False, **options):
        rng = np.random.default_rng(0)

        def split(n):
            x, t = rng.random((n, 784), dtype=np.float32), np.arange(n) % 10
            return x if flatten else x.reshape(n, 1, 28, 28), np.eye(10)[t] if one_hot_label else t

        return (split(150), split(20)), DatasetInfo(name, name, "a small stand-in")

    monkeypatch.setattr(cli.data, "load_dataset", load)


def with_out(argv: list[str], out: Path) -> list[str]:
    return [str(out) if arg == "{out}" else arg for arg in argv]


@pytest.mark.parametrize(("script", "argv", "option", "limit"), BEYOND_LIMITS,
                         ids=lambda v: " ".join(a for a in v if a not in ("--out", "{out}"))
                         if isinstance(v, list) else v)
def test_a_value_beyond_the_scripts_limits_is_refused_before_any_work(script, argv, option, limit, tmp_path,
                                                                      capsys, no_data_loading):
    out = tmp_path / "out"
    assert run_main(script, with_out(argv, out)).code == 2
    line = one_error_line(capsys, script)
    assert f"argument {option}: expected" in line and limit in line
    assert not out.exists()


@pytest.mark.parametrize(("script", "argv", "option", "limit"), BEYOND_THE_DATA,
                         ids=lambda v: " ".join(a for a in v if a not in ("--out", "{out}"))
                         if isinstance(v, list) else v)
def test_a_value_beyond_the_data_is_refused_before_training(script, argv, option, limit, tmp_path, capsys,
                                                            small_dataset):
    out = tmp_path / "out"
    assert run_main(script, with_out(argv, out)).code == 2
    line = one_error_line(capsys, script)
    assert f"argument {option}: expected" in line and limit in line
    assert not out.exists()


@pytest.mark.parametrize(("script", "argv", "said"), [
    ("overfit_dropout", ["--quick", "--epochs", "1"], "first 150 training samples, 20 test samples"),
    ("overfit_weight_decay", ["--quick", "--epochs", "1"], "first 150 training samples, 20 test samples"),
    ("misclassified_mnist", ["--quick"], "0 of 20 images misclassified"),
    ("train_convnet", ["--quick", "--epochs", "1"], "150 training and 20 test images"),
    ("train_neuralnet", ["--quick", "--iters", "3"], "150 training and 20 test images"),
])
def test_a_default_or_quick_size_above_the_data_is_cut_to_it(script, argv, said, tmp_path, capsys, small_dataset,
                                                            monkeypatch):
    """Sizes the user did not write (--quick's 200 test images, the overfitting runs' 300 training samples) take
    what a small data set has, so that --quick runs on any data set."""
    if script == "misclassified_mnist":             # no training: a network that knows the labels will do
        class KnowsTheLabels:
            def __init__(self, labels):
                self.labels = labels

            def predict_labels(self, x):
                return self.labels[:len(x)]

        module = importlib.import_module("scripts.misclassified_mnist")
        monkeypatch.setattr(module, "network_from_args",
                            lambda parser, kind, args, train, test: KnowsTheLabels(test[1]))
    importlib.import_module(f"scripts.{script}").main([*argv, "--out", str(tmp_path)])
    assert said in capsys.readouterr().out


@pytest.mark.parametrize("lr", ["10", "1e308"])
def test_a_learning_rate_that_saturates_the_logistic_regression_is_one_line(lr, tmp_path, capsys):
    out = tmp_path / "out"
    assert run_main("graph_logistic_regression", ["--lr", lr, "--out", str(out)]).code == 2
    line = one_error_line(capsys, "graph_logistic_regression")
    assert line.startswith(f"graph_logistic_regression: error: argument --lr: gradient descent with lr {float(lr):g} "
                           "went too far: after 1 update(s) sigma(z) rounds to 0 or 1")
    assert not out.exists()                                                  # no figure drawn


@pytest.mark.parametrize("lr", ["1e300", "1e200"])
def test_a_learning_rate_that_overflows_the_gradient_method_is_one_line(lr, tmp_path, capsys):
    out = tmp_path / "out"
    with warnings.catch_warnings():
        warnings.simplefilter("error")                                  # no RuntimeWarning of NumPy's either
        assert run_main("gradient_method", ["--lr", lr, "--out", str(out)]).code == 2
    captured = capsys.readouterr()
    assert captured.out == "" and not out.exists()                       # nothing printed, no figure drawn
    (line,) = captured.err.splitlines()
    assert line.startswith(f"gradient_method: error: argument --lr: gradient descent with lr {float(lr):g} "
                           "went too far: after ")
    assert "x0² + x1² is no longer a finite number" in line


@pytest.mark.parametrize(("script", "argv"), [
    ("overfit_dropout", ["--quick", "--lr", "1e308"]),
    ("weight_init_compare", ["--quick", "--lr", "1e308"]),
    ("train_neuralnet_numerical", ["--quick", "--lr", "1e308"]),
])
def test_a_diverged_run_ends_with_its_one_line_message(script, argv, tmp_path, small_dataset):
    out = tmp_path / "out"
    code = run_main(script, [*argv, "--out", str(out)]).code              # exit status 1, the message on stderr
    assert isinstance(code, str) and "\n" not in code
    assert code.startswith(f"{script}: ") and "training diverged" in code and "1e+308" in code
    assert not out.exists()


@pytest.mark.parametrize(("script", "option"), [
    ("train_neuralnet", "--out"), ("train_neuralnet", "--checkpoint-dir"), ("train_convnet", "--out"),
    ("train_convnet", "--checkpoint-dir"), ("train_deepnet", "--checkpoint-dir"), ("optimizer_compare_mnist", "--out"),
    ("overfit_dropout", "--out"), ("visualize_filter", "--out"), ("graph_simple", "--out"),
])
def test_an_output_path_that_is_a_file_is_refused_before_any_work(script, option, tmp_path, capsys,
                                                                   no_data_loading):
    a_file = tmp_path / "taken"
    a_file.write_text("not a directory")
    argv = [option, str(a_file)] + (["--out", str(tmp_path)] if option != "--out" else [])
    assert run_main(script, argv).code == 2
    line = one_error_line(capsys, script)
    assert f"argument {option}" in line and "exists and is not a directory" in line
    assert a_file.read_text() == "not a directory"


@pytest.mark.parametrize("script", ["train_neuralnet", "train_convnet", "misclassified_mnist"])
def test_the_script_folder_under_out_is_checked_too(script, tmp_path, capsys, no_data_loading):
    (tmp_path / script).write_text("a file where the script's folder goes")
    assert run_main(script, ["--out", str(tmp_path)]).code == 2
    assert "argument --out" in one_error_line(capsys, script)


@pytest.mark.parametrize("script", ["activation_functions", "gradient_1d", "gradient_2d", "gradient_method",
                                    "apply_filter", "train_neuralnet_numerical", "mnist_show"])
def test_a_file_where_the_figure_folder_goes_is_refused_before_any_work(script, tmp_path, capsys,
                                                                      no_data_loading):
    (tmp_path / script).write_text("a file where the script's folder goes")
    assert run_main(script, ["--out", str(tmp_path)]).code == 2
    line = one_error_line(capsys, script)
    assert "argument --out" in line and "exists and is not a directory" in line
    assert capsys.readouterr().out == ""                                # refused before any work was printed
    assert (tmp_path / script).read_text() == "a file where the script's folder goes"


# Every file a script writes under --out (one per script at least; the last of several, so that all are checked).
WRITTEN_FILES = [
    ("activation_functions", "activation_functions/activation_functions.png"),
    ("apply_filter", "apply_filter/apply_filter.png"),
    ("backprop_vs_numerical", "backprop_vs_numerical/backprop_vs_numerical.png"),
    ("batch_norm_test", "batch_norm_test/batch_norm_test.png"),
    ("gradient_1d", "gradient_1d/gradient_1d.png"),
    ("gradient_2d", "gradient_2d/gradient_2d.png"),
    ("gradient_method", "gradient_method/gradient_method.png"),
    ("graph_buy_apple_orange", "graph_buy_apple_orange/graph_buy_apple_orange.png"),
    ("graph_logistic_regression", "graph_logistic_regression/graph_logistic_regression_batch.png"),
    ("graph_max_gate", "graph_max_gate/graph_max_gate.png"),
    ("graph_sigmoid_neuron", "graph_sigmoid_neuron/graph_sigmoid_neuron.png"),
    ("graph_simple", "graph_simple/graph_simple.png"),
    ("graph_two_layer_net", "graph_two_layer_net/graph_two_layer_net.png"),
    ("half_float_network", "half_float_network/accuracy.png"),
    ("hyperparameter_optimization", "hyperparameter_optimization/hyperparameter_optimization.png"),
    ("misclassified_mnist", "misclassified_mnist/misclassified.png"),
    ("mnist_show", "mnist_show/train_0.png"),
    ("optimizer_compare_mnist", "optimizer_compare_mnist/optimizer_compare_mnist.png"),
    ("optimizer_compare_naive", "optimizer_compare_naive/optimizer_compare_naive.png"),
    ("overfit_dropout", "overfit_dropout/overfit_dropout.png"),
    ("overfit_weight_decay", "overfit_weight_decay/overfit_weight_decay.png"),
    ("show_builtin_digits", "show_builtin_digits/builtin_digits_seed0.png"),
    ("train_convnet", "train_convnet/loss_and_accuracy.png"),
    ("train_convnet", "train_convnet/simple_convnet.npz"),
    ("train_deepnet", "train_deepnet/deep_convnet.npz"),
    ("train_neuralnet", "train_neuralnet/loss_and_accuracy.png"),
    ("train_neuralnet", "train_neuralnet/two_layer_net.npz"),
    ("train_neuralnet_numerical", "train_neuralnet_numerical/loss.png"),
    ("visualize_filter", "visualize_filter/filters_after.png"),
    ("weight_init_activation_histogram", "weight_init_activation_histogram/weight_init_activation_histogram_tanh.png"),
    ("weight_init_compare", "weight_init_compare/weight_init_compare.png"),
]


@pytest.mark.parametrize(("script", "written"), WRITTEN_FILES)
def test_a_folder_where_a_file_goes_is_refused_before_any_work(script, written, tmp_path, capsys, no_data_loading):
    (tmp_path / written).mkdir(parents=True)
    assert run_main(script, ["--out", str(tmp_path)]).code == 2
    line = one_error_line(capsys, script)
    assert "argument --out" in line and "is a folder" in line and written.split("/")[-1] in line
    assert capsys.readouterr().out == ""                                # refused before any work was printed
    assert not any((tmp_path / written).iterdir())


def test_every_script_that_writes_under_out_is_in_the_table(capsys):
    writers = set()
    for path in sorted((REPO_ROOT / "scripts").glob("[a-z]*.py")):
        assert run_main(path.stem, ["--help"]).code == 0
        if "--out" in capsys.readouterr().out:
            writers.add(path.stem)
    assert writers == {script for script, _ in WRITTEN_FILES}
    assert all(written.startswith(f"{script}/") for script, written in WRITTEN_FILES)  # OUT/<script>/ for every one


class DataAskedError(Exception):
    pass


@pytest.mark.parametrize("script", ["train_neuralnet", "graph_two_layer_net", "train_convnet", "train_deepnet",
                                    "half_float_network", "visualize_filter", "misclassified_mnist"])
def test_seed_does_not_choose_the_data(script, tmp_path, monkeypatch):
    """--seed seeds the weights and batches; the built-in digits are always the default draw."""
    asked = []

    def record(name, **options):
        asked.append(options)
        raise DataAskedError

    monkeypatch.setattr(cli.data, "load_dataset", record)
    main = importlib.import_module(f"scripts.{script}").main
    with pytest.raises(DataAskedError):
        quick = [] if script in ("visualize_filter", "graph_two_layer_net") else ["--quick"]
        main(["--seed", "7", "--out", str(tmp_path), *quick])
    assert len(asked) == 1 and asked[0].get("seed", 0) == 0


@pytest.mark.parametrize("argv", [["--w2=-1000"], ["--w2", "1000"], ["--w0", "1e308", "--x0", "1e308"]])
def test_the_sigmoid_neuron_refuses_a_z_where_the_two_graphs_differ(argv, tmp_path, capsys):
    out = tmp_path / "out"
    assert run_main("graph_sigmoid_neuron", [*argv, "--out", str(out)]).code == 2
    line = one_error_line(capsys, "graph_sigmoid_neuron")
    assert "--w2" in line and "z = w0 x0 + w1 x1 + w2" in line and "[-20, 20]" in line
    assert not out.exists()


def test_resume_without_a_checkpoint_or_from_a_corrupt_one(tmp_path, capsys):
    argv = ["--quick", "--dataset", "builtin", "--out", str(tmp_path), "--checkpoint-dir", str(tmp_path / "ck"),
            "--resume"]
    assert run_main("train_convnet", argv).code == 2
    assert "--resume needs a checkpoint" in one_error_line(capsys, "train_convnet")

    (tmp_path / "ck").mkdir()
    (tmp_path / "ck" / "latest.npz").write_bytes(b"PK\x03\x04 this is not a checkpoint")
    assert run_main("train_convnet", argv).code == 2
    line = one_error_line(capsys, "train_convnet")
    assert "--resume: cannot continue from" in line and "latest.npz" in line
    assert not (tmp_path / "train_convnet").exists()                     # nothing trained, nothing written


@pytest.mark.parametrize("script", ["train_neuralnet", "train_convnet", "train_deepnet"])
def test_resume_from_a_folder_without_a_checkpoint_is_refused_while_parsing(script, tmp_path, capsys,
                                                                            no_data_loading):
    (tmp_path / "ck").mkdir()
    argv = ["--quick", "--out", str(tmp_path / "out"), "--checkpoint-dir", str(tmp_path / "ck"), "--resume"]
    assert run_main(script, argv).code == 2
    line = one_error_line(capsys, script)
    assert f"--resume needs a checkpoint, and {tmp_path / 'ck' / 'latest.npz'} does not exist (nor diverged.npz" in line
    assert not (tmp_path / "out").exists()


def test_a_run_that_diverged_in_its_first_epoch_is_resumed_from_what_it_left(tmp_path, small_dataset, capsys):
    """No epoch ended, so there is no latest.npz: --resume continues diverged.npz, the state before the loss
    stopped being finite, and the run goes on from there with the smaller learning rate given."""
    ck = tmp_path / "ck"
    argv = ["--quick", "--batch-size", "10", "--out", str(tmp_path / "out"), "--checkpoint-dir", str(ck)]
    code = run_main("train_neuralnet", [*argv, "--lr", "1e30"]).code
    assert isinstance(code, str) and "training diverged" in code and "resume from them" in code
    assert (ck / "diverged.npz").is_file() and not (ck / "latest.npz").exists()
    capsys.readouterr()
    from networks import TwoLayerNet
    from training.checkpoint import load_checkpoint

    left_at = load_checkpoint(ck / "diverged.npz", TwoLayerNet(784, 50, 10).params).iteration
    result = importlib.import_module("scripts.train_neuralnet").main([*argv, "--lr", "0.1", "--resume"])
    err = capsys.readouterr().err
    assert f"resuming from {ck / 'diverged.npz'}" in err and f"iteration {left_at}" in err
    assert (ck / "latest.npz").is_file()
    assert load_checkpoint(ck / "latest.npz", TwoLayerNet(784, 50, 10).params).iteration > left_at
    assert result is not None


@pytest.mark.parametrize("script", ["train_neuralnet", "train_convnet"])
@pytest.mark.parametrize("resume", [False, True])
@pytest.mark.parametrize("name", ["latest.npz", "diverged.npz"])  # diverged.npz: the divergence message was lost
def test_a_folder_where_the_checkpoint_goes_is_refused_while_parsing(script, resume, name, tmp_path, capsys,
                                                                     no_data_loading):
    (tmp_path / "ck" / name).mkdir(parents=True)
    argv = ["--quick", "--out", str(tmp_path / "out"), "--checkpoint-dir", str(tmp_path / "ck")]
    assert run_main(script, argv + ["--resume"] * resume).code == 2
    line = one_error_line(capsys, script)
    assert "--checkpoint-dir" in line and f"{name} is a folder, where the checkpoint file goes" in line


@pytest.mark.parametrize("script", ["train_neuralnet", "train_convnet", "train_deepnet"])
@pytest.mark.parametrize("name", ["latest.npz", "diverged.npz"])  # --resume continues either
def test_a_checkpoint_left_in_the_folder_is_not_replaced_by_a_new_run(script, name, tmp_path, capsys,
                                                                      no_data_loading):
    """Forgetting --resume would start afresh and overwrite the earlier run at the first epoch's end (or, for
    a run that diverged in its first epoch, leave its diverged.npz beside the new run's checkpoints)."""
    (tmp_path / "ck").mkdir()
    (tmp_path / "ck" / name).write_bytes(b"an earlier run")
    argv = ["--quick", "--out", str(tmp_path / "out"), "--checkpoint-dir", str(tmp_path / "ck")]
    assert run_main(script, argv).code == 2
    line = one_error_line(capsys, script)
    assert f"--checkpoint-dir: {tmp_path / 'ck' / name} holds an earlier run" in line and "--resume" in line
    assert (tmp_path / "ck" / name).read_bytes() == b"an earlier run"


def test_resuming_a_run_already_past_its_end_is_refused(tmp_path, capsys, small_dataset):
    argv = ["--iters", "30", "--batch-size", "10", "--out", str(tmp_path / "out"), "--checkpoint-dir",
            str(tmp_path / "ck"), "--quick"]
    importlib.import_module("scripts.train_neuralnet").main(argv)
    capsys.readouterr()
    assert run_main("train_neuralnet", [*argv, "--resume"]).code == 2
    line = one_error_line(capsys, "train_neuralnet")
    assert "--resume" in line and "already at iteration" in line


def test_resume_without_checkpoint_dir(capsys, no_data_loading):
    assert run_main("train_deepnet", ["--resume"]).code == 2
    assert "--resume needs --checkpoint-dir" in one_error_line(capsys, "train_deepnet")


@pytest.fixture
def partial_mnist_cache(tmp_path, monkeypatch, mnist_dir):
    """A data root whose mnist/ folder holds the two test files only (links to the real ones), no network."""
    root = tmp_path / "data"
    (root / "mnist").mkdir(parents=True)
    for name in MNIST_FILES[2:]:
        (root / "mnist" / name).symlink_to(mnist_dir / name)
    monkeypatch.setenv("ZEROPROP_DATA_DIR", str(root))
    import datasets.download

    def offline(url, *args, **kwargs):
        raise datasets.download.DownloadError(url, "no network (test)", unreachable=True)

    monkeypatch.setattr(datasets.download, "_open", offline)
    return root


@pytest.fixture
def no_builtin_digits(monkeypatch):
    """Make any fallback to the built-in digits fail the test at once."""
    def refuse(*args, **kwargs):
        raise AssertionError("the built-in digits replaced the data set asked for")
    monkeypatch.setattr("datasets.registry.load_builtin_digits", refuse)


EXPLICIT_DATASET_RUNS = {
    "train_neuralnet": ["--quick", "--out", "{out}"],
    "train_convnet": ["--quick", "--out", "{out}"],
    "optimizer_compare_mnist": ["--quick", "--out", "{out}"],
    "train_neuralnet_numerical": ["--quick", "--out", "{out}"],
    "batch_norm_gradient_check": [],
    "graph_two_layer_net": ["--out", "{out}"],
    "mnist_show": ["--out", "{out}"],
}


@pytest.mark.parametrize("script", EXPLICIT_DATASET_RUNS)
def test_an_explicit_dataset_is_never_replaced(script, partial_mnist_cache, no_builtin_digits, tmp_path, capsys):
    out = tmp_path / "out"
    assert run_main(script, ["--dataset", "mnist", *with_out(EXPLICIT_DATASET_RUNS[script], out)]).code == 2
    captured = capsys.readouterr()
    err = captured.err
    assert "Traceback" not in err and "notice:" not in captured.out and "built-in" not in captured.out
    first = err.splitlines()[0]
    assert first.startswith(f"{script}: error: --dataset mnist: MNIST is not available in "
                            f"{partial_mnist_cache / 'mnist'} (missing train-images-idx3-ubyte.gz, "
                            "train-labels-idx1-ubyte.gz) and could not be downloaded")
    assert "t10k" not in first
    assert not out.exists()


def test_an_explicit_fashion_mnist_is_never_replaced(partial_mnist_cache, no_builtin_digits, tmp_path, capsys):
    out = tmp_path / "out"
    assert run_main("apply_filter", ["--dataset", "fashion-mnist", "--out", str(out)]).code == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "notice:" not in captured.out
    assert captured.err.startswith("apply_filter: error: --dataset fashion-mnist: Fashion-MNIST is not available in "
                                   f"{partial_mnist_cache / 'fashion-mnist'} (missing t10k-images-idx3-ubyte.gz, "
                                   "t10k-labels-idx1-ubyte.gz) and could not be downloaded")
    assert "train-" not in captured.err                                  # apply_filter needs the test files alone
    assert not out.exists()


@pytest.mark.parametrize("argv", [[], ["--dataset", "mnist"]])
def test_apply_filter_needs_only_the_test_files(argv, partial_mnist_cache, no_builtin_digits, mnist_dir, tmp_path,
                                                capsys):
    """One test image is all it draws: a folder holding MNIST's two test files is MNIST enough, by default and
    when asked for, and nothing is downloaded (partial_mnist_cache is offline)."""
    from datasets import load_mnist_split

    result = importlib.import_module("scripts.apply_filter").main([*argv, "--index", "4", "--out", str(tmp_path)])
    x_test, t_test = load_mnist_split("test", mnist_dir, flatten=False)
    np.testing.assert_array_equal(result["image"], x_test[4, 0])
    out = capsys.readouterr().out
    assert out.startswith(f"test image 4 of MNIST (label {t_test[4]})") and "notice" not in out
    assert sorted(path.name for path in (partial_mnist_cache / "mnist").iterdir()) == list(MNIST_FILES[2:])


@pytest.mark.parametrize("script", ["train_neuralnet", "mnist_show"])
def test_an_explicit_dataset_that_cannot_be_had_is_one_line_saying_how_to_get_it(script, tmp_path, monkeypatch,
                                                                                 no_builtin_digits, capsys):
    import datasets.download

    def offline(url, *args, **kwargs):
        raise datasets.download.DownloadError(url, "no network (test)", unreachable=True)

    monkeypatch.setenv("ZEROPROP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(datasets.download, "_open", offline)
    argv = ["--dataset", "mnist", "--out", str(tmp_path / "out")] + (["--quick"] if script == "train_neuralnet" else [])
    assert run_main(script, argv).code == 2
    line = one_error_line(capsys, script)
    assert line.startswith(f"{script}: error: --dataset mnist: MNIST is not available in {tmp_path / 'data' / 'mnist'} "
                           f"(missing {', '.join(MNIST_FILES)}) and could not be downloaded (no network)")
    assert "ZEROPROP_DATA_DIR" in line and line.endswith("or use --dataset builtin")


def test_the_default_falls_back_naming_the_missing_files(partial_mnist_cache, capsys, monkeypatch):
    def small_builtin_digits(**options):                # stands in for generating 70,000 digits in a fresh cache
        labels = np.arange(20) % 10
        return (np.full((20, 784), 0.5, np.float32), np.eye(10)[labels]), (np.zeros((10, 784), np.float32), labels)

    monkeypatch.setattr("datasets.registry.load_builtin_digits", small_builtin_digits)
    result = importlib.import_module("scripts.gradient_check").main(["--samples", "2", "--hidden", "3"])
    assert set(result["reports"]) == {"W1", "b1", "W2", "b2"}
    notice = capsys.readouterr().out.splitlines()[0]
    assert notice.startswith(f"notice: MNIST is not complete in {partial_mnist_cache / 'mnist'} "
                             "(missing train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz)")
    assert notice.endswith("using the built-in digits instead")


@pytest.mark.parametrize(("script", "argv"), [
    ("train_neuralnet", ["--quick"]), ("train_neuralnet", ["--quick", "--dataset", "mnist"]),
    ("train_convnet", ["--quick", "--dataset", "builtin"]), ("show_builtin_digits", []), ("neuralnet_mnist", []),
])
def test_a_data_folder_under_an_unknown_users_home_is_one_line(script, argv, tmp_path, monkeypatch, capsys):
    value = "~zeroprop-no-such-user-7f3a/data"
    monkeypatch.setenv("ZEROPROP_DATA_DIR", value)
    if script == "neuralnet_mnist":
        from networks import SampleNetwork

        argv = ["--weights", str(SampleNetwork(seed=0).save_params(tmp_path / "w.npz"))]
    else:
        argv = [*argv, "--out", str(tmp_path / "out")]
    assert run_main(script, argv).code == 2
    line = one_error_line(capsys, script)
    assert f"ZEROPROP_DATA_DIR is {value!r}" in line
    assert not (tmp_path / "out").exists()


def test_the_converter_refuses_pickles_that_are_not_the_books_network(tmp_path, capsys):
    wrong = tmp_path / "wrong.pkl"
    with open(wrong, "wb") as f:
        pickle.dump({"W1": np.ones((3, 3))}, f)
    garbage = tmp_path / "garbage.pkl"
    garbage.write_bytes(b"\x80\x04\x95 not a pickle at all")
    for pkl, expected in ((wrong, "do not match the book's deep network"), (garbage, "cannot convert")):
        code = run_main("convert_book_weights", ["--network", "deep", "--trust-pickle", str(pkl),
                                                 str(tmp_path / "out.npz")]).code
        assert code == 2
        assert expected in one_error_line(capsys, "convert_book_weights")
    assert not (tmp_path / "out.npz").exists()


def book_sample_pickle(path: Path, **overrides: float) -> Path:
    """A pickle shaped like the book's sample_weight.pkl (float64), with ``overrides`` put in W*[0, 0] / b*[0]."""
    from networks import SampleNetwork

    params = {k: v.astype(np.float64) for k, v in SampleNetwork(seed=0).params.items()}
    for key, value in overrides.items():
        params[key].flat[0] = value
    with open(path, "wb") as f:
        pickle.dump(params, f)
    return path


def test_the_converter_without_trust_pickle_is_the_usual_one_line_error(tmp_path, capsys):
    pkl = book_sample_pickle(tmp_path / "sample.pkl")
    out = tmp_path / "sample.npz"
    assert run_main("convert_book_weights", ["--network", "sample", str(pkl), str(out)]).code == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    warning, line = captured.err.splitlines()                            # the warning, then the usual error line
    assert warning.startswith("warning: a pickle can run code")
    assert line.startswith("convert_book_weights: error: ") and "--trust-pickle" in line and str(pkl) in line
    assert not out.exists()


def test_the_converter_checks_the_npz_path_it_will_write(tmp_path, capsys):
    pkl = book_sample_pickle(tmp_path / "sample.pkl")
    (tmp_path / "out.npz").mkdir()                                      # OUTPUT "out" is written as out.npz
    assert run_main("convert_book_weights", ["--network", "sample", "--trust-pickle", str(pkl),
                                             str(tmp_path / "out")]).code == 2
    line = one_error_line(capsys, "convert_book_weights")
    assert "argument OUTPUT.npz" in line and "out.npz" in line and "is a folder" in line


@pytest.mark.parametrize("output", ["o" * 300 + ".npz", "o" * 300 + "/out.npz"])
def test_the_converter_refuses_an_output_name_too_long_in_one_line(output, tmp_path, capsys):
    pkl = book_sample_pickle(tmp_path / "sample.pkl")
    assert run_main("convert_book_weights", ["--network", "sample", "--trust-pickle", str(pkl),
                                             str(tmp_path / output)]).code == 2
    line = one_error_line(capsys, "convert_book_weights")
    assert "argument OUTPUT.npz" in line and "File name too long" in line


@pytest.mark.parametrize("value", [1e300, float("nan"), float("inf")])
def test_the_converter_refuses_weights_that_are_not_finite_once_converted(value, tmp_path, capsys):
    pkl = book_sample_pickle(tmp_path / "sample.pkl", W2=value)
    out = tmp_path / "sample.npz"
    assert run_main("convert_book_weights", ["--network", "sample", "--trust-pickle", str(pkl),
                                             str(out)]).code == 2
    line = one_error_line(capsys, "convert_book_weights")
    assert "W2" in line and "not finite" in line and "float32" in line
    assert not out.exists()


@pytest.mark.parametrize("argv", [["-m", "scripts.train_neuralnet", "--iters", "-1"],
                                  ["scripts/train_convnet.py", "--out", "README.md"]])
def test_from_a_shell(argv):
    result = subprocess.run([sys.executable, *argv], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert "error: argument" in result.stderr


@pytest.mark.parametrize(("script", "max_updates"), [("train_convnet", 1500), ("train_deepnet", 600)])
def test_convnet_defaults_are_short_runs_with_a_curve_and_book_is_the_books(script, max_updates, monkeypatch):
    """By default a few minutes at most on a CPU (SimpleConvNet ~0.02-0.05 s and DeepConvNet ~0.13-0.3 s per
    update of 100 images) with several evaluation points; --book is the book's 20 epochs on every image."""
    module = importlib.import_module(f"scripts.{script}")
    seen = {}
    monkeypatch.setattr(module, "train_and_report", lambda parser, cls, args, **kw: seen.setdefault("args", args))
    module.main([])
    args = seen["args"]
    updates = args.epochs * -(-args.train_size // args.batch_size)
    assert args.epochs >= 5 and updates <= max_updates and args.eval_samples == 1000
    seen.clear()
    module.main(["--book"])
    assert (seen["args"].epochs, seen["args"].train_size) == (20, None)
    seen.clear()
    module.main(["--book", "--epochs", "3"])
    assert (seen["args"].epochs, seen["args"].train_size) == (3, None)


@pytest.mark.parametrize("script", ["train_convnet", "optimizer_compare_mnist", "train_neuralnet"])
@pytest.mark.parametrize("value", ["abc", "0", "300"])
def test_a_bad_thread_variable_ends_any_script_with_one_line_before_the_work(script, value, tmp_path):
    """ZEROPROP_NUM_THREADS is read by every script's training; a bad value is refused while parsing."""
    env = {**os.environ, "ZEROPROP_NUM_THREADS": value, "MPLBACKEND": "Agg"}
    result = subprocess.run([sys.executable, "-m", f"scripts.{script}", "--quick", "--out", str(tmp_path)],
                            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == (f"{script}: error: ZEROPROP_NUM_THREADS must be a thread count from 1 to 256, "
                                     f"got {value!r}")
    assert not (tmp_path / script).exists() or not any((tmp_path / script).iterdir())


@pytest.mark.parametrize("script", ["misclassified_mnist", "half_float_network"])
def test_a_script_given_weights_needs_only_the_test_files(script, partial_mnist_cache, no_builtin_digits, tmp_path,
                                                           capsys):
    """With --weights nothing is trained: MNIST's two test files are MNIST enough (before, both splits were
    loaded, so the default fell back to the built-in digits over train-images-idx3-ubyte.gz)."""
    from networks import SimpleConvNet

    weights = SimpleConvNet(seed=0).save_params(tmp_path / "simple.npz")
    argv = ["--network", "simple", "--weights", str(weights), "--test-size", "50", "--out", str(tmp_path / "out")]
    importlib.import_module(f"scripts.{script}").main(argv)
    out = capsys.readouterr().out
    assert "notice" not in out and "MNIST" in out and "built-in" not in out
    assert sorted(path.name for path in (partial_mnist_cache / "mnist").iterdir()) == list(MNIST_FILES[2:])


@pytest.mark.parametrize(("script", "network"), [("neuralnet_mnist", "SampleNetwork"),
                                                 ("apply_filter", "SimpleConvNet")])
def test_a_weights_file_that_may_not_be_read_is_one_line(script, network, tmp_path, monkeypatch, capsys):
    """A permission denied (which root never meets, hence the stand-in) ended both in a traceback."""
    import networks

    weights = tmp_path / "w.npz"
    weights.write_bytes(b"")

    def refuse(self, path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(getattr(networks, network), "load_params", refuse)
    assert run_main(script, ["--weights", str(weights)]).code == 2
    assert "--weights: [Errno 13] Permission denied" in one_error_line(capsys, script)


def test_an_explicit_dataset_whose_folder_cannot_be_used_names_another_folder_as_the_way(tmp_path, monkeypatch,
                                                                                        no_builtin_digits, capsys):
    """The network is no remedy when the folder itself cannot be used: the line says to choose another."""
    monkeypatch.setenv("ZEROPROP_DATA_DIR", str(tmp_path / ("d" * 300)))
    assert run_main("apply_filter", ["--dataset", "mnist", "--out", str(tmp_path / "out")]).code == 2
    line = one_error_line(capsys, "apply_filter")
    assert "its folder cannot be used (File name too long)" in line
    assert "to get it, set ZEROPROP_DATA_DIR to a folder that can be written" in line and "network" not in line
