"""Plots: a PNG on disk, written atomically, holding the lines it should."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from training import (
    History,
    accuracy_panels_figure,
    image_grid_figure,
    image_panel_titles,
    plot_accuracy_panels,
    plot_history,
    plot_image_grid,
    plot_loss_curves,
)
from training.plots import history_figure, loss_curves_figure, smooth

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def naive_moving_average(values, window):
    return [sum(values[i - window + 1:i + 1]) / window for i in range(window - 1, len(values))]


def history(n=300):
    rng = np.random.default_rng(0)
    h = History()
    for i in range(n):
        h.record_loss(float(2.0 * np.exp(-i / 80) + 0.1 * rng.random()))
    for e in range(1, 4):
        h.record_evaluation(e, e * 100, 0.6 + 0.1 * e, 0.55 + 0.1 * e, 0.1)
    return h


@pytest.mark.parametrize("window", [1, 4, 7])
def test_smooth_matches_a_naive_moving_average(window):
    values = list(np.random.default_rng(1).random(25))
    np.testing.assert_allclose(smooth(values, window), naive_moving_average(values, window), rtol=1e-12)
    assert smooth(values[:3], 5).size == 0


def test_history_figure_holds_the_curves():
    h = history()
    fig = history_figure(h, smoothing_window=10)
    ax_loss, ax_acc = fig.axes
    raw, smoothed = ax_loss.get_lines()
    np.testing.assert_array_equal(raw.get_xdata(), np.arange(1, 301))
    np.testing.assert_array_equal(raw.get_ydata(), h.train_loss_list)
    np.testing.assert_array_equal(smoothed.get_xdata(), np.arange(10, 301))
    np.testing.assert_allclose(smoothed.get_ydata(), naive_moving_average(h.train_loss_list, 10), rtol=1e-12)
    train, test = ax_acc.get_lines()
    assert (train.get_label(), test.get_label()) == ("train acc", "test acc")
    np.testing.assert_array_equal(train.get_xdata(), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(train.get_ydata(), h.train_acc_list)
    np.testing.assert_array_equal(test.get_ydata(), h.test_acc_list)
    assert ax_acc.get_xlabel() == "epochs" and ax_loss.get_xlabel() == "iterations"


def test_plot_history_writes_a_png_and_nothing_else(tmp_path):
    path = plot_history(history(), tmp_path / "figs" / "curves.png")
    assert path == tmp_path / "figs" / "curves.png"
    assert path.read_bytes()[:8] == PNG_MAGIC
    assert [p.name for p in path.parent.iterdir()] == ["curves.png"]
    assert plot_history(History(), tmp_path / "empty").name == "empty.png"     # suffix added, empty history ok


def test_loss_curves_one_line_per_label(tmp_path):
    curves = {"SGD": [2.0 / (i + 1) for i in range(100)], "Adam": [1.0 / (i + 1) for i in range(100)]}
    fig = loss_curves_figure(curves, smoothing_window=5, ylim=(0, 1))
    ax = fig.axes[0]
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["SGD", "Adam"]
    np.testing.assert_allclose(lines[1].get_ydata(), naive_moving_average(curves["Adam"], 5), rtol=1e-12)
    assert ax.get_ylim() == (0, 1)
    with_raw = loss_curves_figure(curves, show_raw=True)
    assert len(with_raw.axes[0].get_lines()) == 4
    path = plot_loss_curves(curves, tmp_path / "compare.png", log_y=True)
    assert path.read_bytes()[:8] == PNG_MAGIC


def test_importing_training_does_not_load_matplotlib():
    code = "import sys, training; assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])


def test_accuracy_panels_one_panel_per_history(tmp_path):
    plain, decayed = History(), History()
    for e, (train, test) in enumerate([(0.5, 0.4), (0.8, 0.6), (1.0, 0.7)], 1):
        plain.record_evaluation(e, e * 3, train, test, 0.01)
    for e, (train, test) in enumerate([(0.3, 0.3), (0.6, 0.55)], 1):
        decayed.record_evaluation(e, e * 3, train, test, 0.01)
    histories = {"plain": plain, "decayed": decayed}
    fig = accuracy_panels_figure(histories, eval_label="validation")
    assert len(fig.axes) == 2
    for ax, (name, h) in zip(fig.axes, histories.items(), strict=True):
        assert ax.get_title() == name
        train, evaluation = ax.get_lines()
        assert (train.get_label(), train.get_linestyle()) == ("train", "--")
        assert (evaluation.get_label(), evaluation.get_linestyle()) == ("validation", "-")
        for line, accuracies in [(train, h.train_acc_list), (evaluation, h.test_acc_list)]:
            np.testing.assert_array_equal(line.get_xdata(), h.epoch_list)
            np.testing.assert_array_equal(line.get_ydata(), accuracies)
        assert ax.get_ylim() == (0, 1) and ax.get_xlabel() == "epochs"
    grid = accuracy_panels_figure({f"run {i}": plain for i in range(3)}, cols=2)
    assert len(grid.axes) == 4 and not grid.axes[3].axison    # 2 x 2 grid, the spare panel hidden
    path = plot_accuracy_panels(histories, tmp_path / "panels", title="accuracy")
    assert path.name == "panels.png" and path.read_bytes()[:8] == PNG_MAGIC


def test_image_grid_draws_each_image_in_grid_order(tmp_path):
    images = np.random.default_rng(2).random((7, 5, 4))
    titles = [f"image {i}" for i in range(7)]
    fig = image_grid_figure(images, 2, 4, titles=titles, title="grid")
    assert len(fig.axes) == 8
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == 7 and not fig.axes[7].images and not fig.axes[7].axison   # the spare panel hidden
    for ax, image in zip(shown, images, strict=True):
        (drawn,) = ax.images
        np.testing.assert_array_equal(drawn.get_array(), image)
        assert ax.get_xticks().size == 0 and ax.get_yticks().size == 0
    assert image_panel_titles(fig) == titles
    assert fig.get_suptitle() == "grid"
    assert image_panel_titles(image_grid_figure(list(images[:3]), 1, 3)) == ["", "", ""]
    with pytest.raises(ValueError, match="7 images do not fit a 2x3 grid"):
        image_grid_figure(images, 2, 3)
    with pytest.raises(ValueError, match="2 titles for 7 images"):
        image_grid_figure(images, 2, 4, titles=titles[:2])
    path = plot_image_grid(images, 2, 4, tmp_path / "grid", titles=titles)
    assert path.name == "grid.png" and path.read_bytes()[:8] == PNG_MAGIC
    assert [p.name for p in tmp_path.iterdir()] == ["grid.png"]


def test_smooth_curve_keeps_the_length_constants_and_straight_lines():
    """A symmetric window that sums to one keeps a constant and, away from the mirrored ends, a straight line."""
    from training import smooth_curve

    assert np.allclose(smooth_curve(np.full(30, 0.7)), 0.7, rtol=1e-14)
    ramp = np.arange(40.0)
    out = smooth_curve(ramp)
    assert out.shape == ramp.shape
    np.testing.assert_allclose(out[5:-5], ramp[5:-5], rtol=1e-12)
    assert out[0] > ramp[0] and out[-1] < ramp[-1]          # mirrored ends pull the ends inwards
    bumpy = np.array([0.0, 1.0] * 20)
    assert smooth_curve(bumpy)[5:-5].std() < 0.2 * bumpy.std()
    assert smooth_curve([3.0]).tolist() == [pytest.approx(3.0, rel=1e-14)]   # the window's sum, rounded (NumPy 1)


def test_smooth_refuses_a_window_that_is_not_a_whole_number():
    with pytest.raises(TypeError, match="smooth: window must be a whole number"):
        smooth([1.0, 2.0, 3.0], 1.5)
