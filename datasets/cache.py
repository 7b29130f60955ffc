"""Where data sets are cached.

Precedence, first match wins:

1. the ``data_dir`` argument of a loader: the directory holding that data set's files;
2. ``$ZEROPROP_DATA_DIR/<dataset>``: the environment variable names a root, one sub-folder per data set;
3. ``~/.cache/zeroprop/<dataset>``.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_DATA_DIR = "ZEROPROP_DATA_DIR"


def cache_root() -> Path:
    """``$ZEROPROP_DATA_DIR`` when set and non-empty, else ``~/.cache/zeroprop``."""
    from_env = os.environ.get(ENV_DATA_DIR, "").strip()
    if from_env:
        return Path(from_env).expanduser()
    return Path.home() / ".cache" / "zeroprop"


def dataset_dir(name: str, data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The directory holding data set ``name``: ``data_dir`` itself if given, else ``cache_root() / name``."""
    if data_dir is not None:
        return Path(data_dir).expanduser()
    return cache_root() / name


def display_path(path: Path) -> str:
    """``path`` with the home directory written as ``~``, for short messages."""
    try:
        return "~/" + str(Path(path).relative_to(Path.home()))
    except ValueError:
        return str(path)
