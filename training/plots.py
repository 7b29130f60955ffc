"""Figures of a training run, saved as PNG (written atomically). matplotlib is imported only in here,
inside the functions, and only its object-oriented ``Figure`` is used: no pyplot, no global state."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from fileio import save_figure as save_figure  # the project's one, re-exported for training's users
from training.history import History

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def default_window(n: int) -> int:
    """Smoothing window for a curve of ``n`` points: about 2% of it, at least 1."""
    return max(1, round(n / 50))


def smooth(values: Sequence[float], window: int) -> np.ndarray:
    """Trailing moving average: out[i] = mean(values[i : i + window]), for the n - window + 1 full windows."""
    if isinstance(window, bool) or not isinstance(window, int | np.integer):
        raise TypeError(f"smooth: window must be a whole number of points, got {type(window).__name__} {window!r}")
    if window < 1:
        raise ValueError(f"smooth: window must be >= 1, got {window}")
    v = np.asarray(values, dtype=np.float64)
    if v.size < window:
        return np.empty(0)
    c = np.concatenate(([0.0], np.cumsum(v)))
    return (c[window:] - c[:-window]) / window


SMOOTH_CURVE_TAPS = 11  # the book's smooth_curve: an 11-point Kaiser window with beta 2


def smooth_curve(x: Sequence[float]) -> np.ndarray:
    """The book's smoothing of a loss curve (``common/util.py``'s ``smooth_curve``, chapter 6):
    y[i] = sum_j w[j] x[i + j - 5], with w a Kaiser window of 11 points (beta 2) scaled to sum to 1, and
    the curve mirrored at its ends as the book's mirrors it (before the start without repeating x[0],
    after the end repeating x[n-1]), so y has as many points as x."""
    v = np.asarray(x, dtype=np.float64)
    if v.ndim != 1 or v.size == 0:
        raise ValueError(f"smooth_curve: expected a non-empty 1-D curve, got shape {v.shape}")
    w = np.kaiser(SMOOTH_CURVE_TAPS, 2.0)
    half = SMOOTH_CURVE_TAPS // 2
    padded = np.pad(np.pad(v, (half, 0), mode="reflect"), (0, half), mode="symmetric")
    return np.convolve(padded, w / w.sum(), mode="valid")


def history_figure(history: History, *, smoothing_window: int | None = None, title: str | None = None) -> Figure:
    """Two panels: the loss of every iteration with its moving average, and train/test accuracy per epoch."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4.2), layout="constrained")
    ax_loss, ax_acc = fig.subplots(1, 2)
    losses = history.train_loss_list
    window = default_window(len(losses)) if smoothing_window is None else smoothing_window
    iterations = np.arange(1, len(losses) + 1)
    ax_loss.plot(iterations, losses, color="tab:blue", alpha=0.3, linewidth=0.8, label="loss")
    ax_loss.plot(iterations[window - 1:], smooth(losses, window), color="tab:blue", linewidth=1.8,
                 label=f"mean of {window} iterations")
    ax_loss.set_xlabel("iterations")
    ax_loss.set_ylabel("loss")
    ax_loss.legend(loc="upper right")
    ax_acc.plot(history.epoch_list, history.train_acc_list, "o-", color="tab:orange", label="train acc")
    ax_acc.plot(history.epoch_list, history.test_acc_list, "s--", color="tab:green", label="test acc")
    ax_acc.set_xlabel("epochs")
    ax_acc.set_ylabel("accuracy")
    ax_acc.set_ylim(0, 1.0)
    ax_acc.legend(loc="lower right")
    if title:
        fig.suptitle(title)
    return fig


def plot_history(history: History, path: str | os.PathLike, *, smoothing_window: int | None = None,
                 title: str | None = None, dpi: int = 100) -> Path:
    """Save :func:`history_figure` at ``path``, as PNG, SVG or PDF by its suffix (none: ``.png`` is
    appended; see :func:`fileio.figure_path`); return the path written."""
    return save_figure(history_figure(history, smoothing_window=smoothing_window, title=title), path, dpi)


def loss_curves_figure(
    curves: Mapping[str, Sequence[float]],
    *,
    smoothing_window: int | None = None,
    show_raw: bool = False,
    ylim: tuple[float, float] | None = None,
    log_y: bool = False,
    title: str | None = None,
    xlabel: str = "iterations",
    ylabel: str = "loss",
) -> Figure:
    """One smoothed line per label (``show_raw`` adds each raw curve, faint, behind it), for comparisons."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4.5), layout="constrained")
    ax = fig.subplots()
    for i, (label, values) in enumerate(curves.items()):
        color = f"C{i % 10}"
        x = np.arange(1, len(values) + 1)
        window = default_window(len(values)) if smoothing_window is None else smoothing_window
        if show_raw:
            ax.plot(x, values, color=color, alpha=0.25, linewidth=0.8, label="_nolegend_")
        ax.plot(x[window - 1:], smooth(values, window), color=color, linewidth=1.6, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if log_y:
        ax.set_yscale("log")
    if ylim is not None:
        ax.set_ylim(*ylim)
    if curves:
        ax.legend()
    if title:
        ax.set_title(title)
    return fig


def plot_loss_curves(curves: Mapping[str, Sequence[float]], path: str | os.PathLike, *,
                     dpi: int = 100, **options: object) -> Path:
    """Save :func:`loss_curves_figure` (same keyword options) as a PNG at ``path``; return the path written."""
    return save_figure(loss_curves_figure(curves, **options), path, dpi)


def accuracy_panels_figure(
    histories: Mapping[str, History],
    *,
    cols: int | None = None,
    eval_label: str = "test",
    title: str | None = None,
) -> Figure:
    """One panel per history, titled by its key, in a grid of ``cols`` columns (default: one row): training
    accuracy (dashed) and evaluation accuracy (solid, labelled ``eval_label``) per epoch, y from 0 to 1."""
    from matplotlib.figure import Figure

    if not histories:
        raise ValueError("accuracy_panels_figure: no histories to draw")
    cols = len(histories) if cols is None else cols
    if cols < 1:
        raise ValueError(f"accuracy_panels_figure: cols must be >= 1, got {cols}")
    rows = math.ceil(len(histories) / cols)
    width = min(5.5 * cols, 12.0)  # panels of 5.5 x 4.2 in, shrunk to fit 12 in across
    fig = Figure(figsize=(width, 4.2 / 5.5 * width / cols * rows), layout="constrained")
    axes = fig.subplots(rows, cols, sharey=True, squeeze=False).ravel()
    for ax, (name, history) in zip(axes, histories.items(), strict=False):
        ax.plot(history.epoch_list, history.train_acc_list, "--", color="tab:orange", label="train")
        ax.plot(history.epoch_list, history.test_acc_list, color="tab:blue", label=eval_label)
        ax.set_title(name)
        ax.set_xlabel("epochs")
        ax.set_ylim(0, 1.0)
    for ax in axes[::cols]:
        ax.set_ylabel("accuracy")
    for ax in axes[len(histories):]:
        ax.set_axis_off()
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2)
    if title:
        fig.suptitle(title)
    return fig


def plot_accuracy_panels(histories: Mapping[str, History], path: str | os.PathLike, *,
                         dpi: int = 100, **options: object) -> Path:
    """Save :func:`accuracy_panels_figure` (same keyword options) as a PNG at ``path``; return the path written."""
    return save_figure(accuracy_panels_figure(histories, **options), path, dpi)


def image_grid_figure(
    images: Sequence[np.ndarray] | np.ndarray,
    rows: int,
    cols: int,
    *,
    titles: Sequence[str] | None = None,
    title: str | None = None,
    cmap: str = "gray_r",
    panel_inches: float = 1.1,
) -> Figure:
    """``images`` (2-D arrays) drawn row by row in a ``rows`` x ``cols`` grid without ticks; extra panels stay
    blank. ``titles`` (one per image) label the panels, ``title`` the figure: the book's filter and digit
    figures (7-24, 8-3).

    Each image is scaled to its own range, as the book's ``filter_show`` does (``imshow`` defaults);
    ``gray_r`` draws high values dark, as in the book's figures.
    """
    from matplotlib.figure import Figure

    if len(images) > rows * cols:
        raise ValueError(f"image_grid_figure: {len(images)} images do not fit a {rows}x{cols} grid")
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"image_grid_figure: {len(titles)} titles for {len(images)} images")
    title_inches = 0.25 if titles else 0.0
    height = rows * (panel_inches + title_inches) + (0.4 if title else 0.0)
    fig = Figure(figsize=(cols * panel_inches, height), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for i, ax in enumerate(axes):
        ax.set_xticks([])
        ax.set_yticks([])
        if i >= len(images):
            ax.set_axis_off()
            continue
        ax.imshow(images[i], cmap=cmap, interpolation="nearest")
        if titles is not None:
            ax.set_title(titles[i], fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


def text_figure(text: str, *, title: str | None = None, inches: tuple[float, float] = (5.5, 1.6)) -> Figure:
    """A figure holding only ``text``, centred, under ``title``: what a script draws where its figure has
    nothing to show (no misclassified image), so that the file it writes always belongs to the run."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=inches, layout="constrained")
    ax = fig.subplots()
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True, transform=ax.transAxes)
    if title:
        fig.suptitle(title)
    return fig


def image_panel_titles(fig: Figure) -> list[str]:
    """The titles of the panels of ``fig`` that show an image, in grid order."""
    return [ax.get_title() for ax in fig.axes if ax.images]


def plot_image_grid(images: Sequence[np.ndarray] | np.ndarray, rows: int, cols: int, path: str | os.PathLike, *,
                    dpi: int = 100, **options: object) -> Path:
    """Save :func:`image_grid_figure` (same keyword options) as a PNG at ``path``; return the path written."""
    return save_figure(image_grid_figure(images, rows, cols, **options), path, dpi)
