"""Safe file writing shared by every package that saves something (data, weights, checkpoints, figures)."""

from fileio.atomic import atomic_write, write_atomically
from fileio.figures import FIGURE_FORMATS, figure_path, save_figure

__all__ = ["FIGURE_FORMATS", "atomic_write", "figure_path", "save_figure", "write_atomically"]
