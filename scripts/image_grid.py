"""A grid of small grey images, one per panel, optionally titled: the book's filter and digit figures
(figures 7-24 and 8-3). Uses matplotlib's object-oriented ``Figure`` only, as training/plots.py does."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure


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
    """``images`` (2-D arrays) drawn row by row in a ``rows`` x ``cols`` grid without ticks; extra panels stay blank.

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


def image_panel_titles(fig: Figure) -> list[str]:
    """The titles of the panels of ``fig`` that show an image, in grid order."""
    return [ax.get_title() for ax in fig.axes if ax.images]
