"""The one way a figure is saved in this project: format from the file name, written whole-or-nothing.

matplotlib is never imported here: a figure arrives as an object with ``savefig``, so importing
``fileio`` stays free for code that draws nothing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from fileio.atomic import write_atomically

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FIGURE_FORMATS: tuple[str, ...] = ("png", "svg", "pdf")
DEFAULT_FORMAT = "png"


def figure_path(path: str | os.PathLike) -> Path:
    """``path`` with a figure suffix: ``.png`` appended when it has none; any suffix but .png, .svg, .pdf
    raises ValueError naming the path, and so does a name that is only a suffix (``.png``, which pathlib
    reads as a name without suffix: it would become ``.png.png``)."""
    path = Path(path)
    if path.name.startswith(".") and path.name[1:].lower() in FIGURE_FORMATS:
        raise ValueError(f"save_figure: the file name {path.name!r} is a suffix without a name, in {os.fspath(path)!r}")
    suffix = path.suffix.lstrip(".").lower()
    if not suffix:
        return path.with_name(path.name + "." + DEFAULT_FORMAT)
    if suffix not in FIGURE_FORMATS:
        raise ValueError(f"save_figure: expected a .png, .svg or .pdf path (or none, for .png), "
                         f"got {os.fspath(path)!r}")
    return path


def save_figure(fig: Figure, path: str | os.PathLike, dpi: float | None = None) -> Path:
    """Write ``fig`` to ``path`` atomically (a temporary file renamed over it) and return the path written.

    The format comes from the suffix (see :func:`figure_path`); ``dpi`` defaults to the figure's own
    (``Figure(dpi=...)``), so each kind of figure keeps its resolution wherever it is saved from.
    """
    path = figure_path(path)
    fmt = path.suffix.lstrip(".").lower()
    resolution = "figure" if dpi is None else dpi
    return write_atomically(path, lambda f: fig.savefig(f, format=fmt, dpi=resolution))
