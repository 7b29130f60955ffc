"""Where data sets are cached.

Precedence, first match wins:

1. the ``data_dir`` argument of a loader: the directory holding that data set's files;
2. ``$ZEROPROP_DATA_DIR/<dataset>``: the environment variable names a root, one sub-folder per data set;
3. ``~/.cache/zeroprop/<dataset>``.
"""

from __future__ import annotations

import os
from pathlib import Path

from datasets.errors import DataDirError

ENV_DATA_DIR = "ZEROPROP_DATA_DIR"
DEFAULT_ROOT = "~/.cache/zeroprop"


def _expanded(text: str, what: str) -> Path:
    """``text`` with a leading ``~`` or ``~user`` expanded; :class:`DataDirError` naming ``what`` if it cannot be."""
    try:
        return Path(text).expanduser()
    except RuntimeError:  # an unknown user, or no HOME and no password entry for this one
        head = Path(text).parts[0]
        whose = "this user's home folder" if head == "~" else f"the home folder of a user {head[1:]!r}"
        raise DataDirError(f"{what}, but {whose} cannot be found on this system ({head} cannot be expanded); "
                           "give a folder path without it") from None


def data_dir_setting() -> str:
    """``$ZEROPROP_DATA_DIR`` as set, blanks stripped; empty when unset or blank (then the default folder is used)."""
    return os.environ.get(ENV_DATA_DIR, "").strip()


def another_data_dir(name: str, able: str = "written", now: str = "") -> str:
    """How to point data set ``name`` at another folder, for the messages of a folder that cannot be used:
    "set ZEROPROP_DATA_DIR to a folder that can be written (it gets a 'mnist' sub-folder)"; ``now`` is put
    after the variable's name (" (now '/x')")."""
    return f"set {ENV_DATA_DIR}{now} to a folder that can be {able} (it gets a '{name}' sub-folder)"


def cache_root() -> Path:
    """``$ZEROPROP_DATA_DIR`` when set and non-empty, else ``~/.cache/zeroprop``; :class:`DataDirError` when the
    chosen one starts with a ``~`` that cannot be expanded."""
    from_env = data_dir_setting()
    if from_env:
        return _expanded(from_env, f"{ENV_DATA_DIR} is {from_env!r}")
    try:
        return Path.home() / ".cache" / "zeroprop"
    except (RuntimeError, KeyError):  # no HOME, and no password entry for this user
        raise DataDirError(f"the default data folder {DEFAULT_ROOT} cannot be found: this user's home folder is "
                           f"unknown (HOME is not set); set {ENV_DATA_DIR} to a folder for the data sets") from None


def dataset_dir(name: str, data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The directory holding data set ``name``: ``data_dir`` itself if given, else ``cache_root() / name``."""
    if data_dir is not None:
        return _expanded(os.fspath(data_dir), f"data_dir {os.fspath(data_dir)!r} was given")
    return cache_root() / name


def display_path(path: Path) -> str:
    """``path`` with the home directory written as ``~``, for short messages (as it is when there is no home)."""
    try:
        return "~/" + str(Path(path).relative_to(Path.home()))
    except (ValueError, RuntimeError, KeyError):
        return str(path)
