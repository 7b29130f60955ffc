"""Safe file writing shared by every package that saves something (data, weights, checkpoints, figures)."""

from fileio.atomic import atomic_write, write_atomically

__all__ = ["atomic_write", "write_atomically"]
