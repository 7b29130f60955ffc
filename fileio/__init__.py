"""Safe file writing and reading shared by every package that saves something (data, weights, checkpoints,
figures, images): whole-or-nothing writes, and ``.npz`` archives checked before their data is read."""

from fileio.atomic import atomic_write, remove_stale_temp_files, sigint_deferred, write_atomically
from fileio.figures import FIGURE_FORMATS, figure_path, save_figure
from fileio.images import grey_png, save_grey_png
from fileio.npz import ArchiveError, ArrayInfo, describe, is_real_float, read_npz, read_npz_directory, write_npz

__all__ = [
    "FIGURE_FORMATS",
    "ArchiveError",
    "ArrayInfo",
    "atomic_write",
    "describe",
    "figure_path",
    "grey_png",
    "is_real_float",
    "read_npz",
    "read_npz_directory",
    "remove_stale_temp_files",
    "save_figure",
    "save_grey_png",
    "sigint_deferred",
    "write_atomically",
    "write_npz",
]
