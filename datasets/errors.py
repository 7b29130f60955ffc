"""Errors raised by the data set loaders."""

from __future__ import annotations


class DatasetUnavailableError(RuntimeError):
    """A data set's files are neither in its cache directory nor downloadable right now.

    The message says which files are missing, where to put them, which mirrors failed and
    why, and how to use the built-in digits instead. ``short_reason`` is the one-clause version
    (e.g. ``"could not be downloaded (no network)"``) for callers that fall back. ``missing`` names
    every file it lacks; ``corrupt`` those of them that are there but fail verification;
    ``folder_unusable`` is True when the folder itself cannot be made or used (another folder is the remedy,
    not the network).
    """

    def __init__(self, message: str, *, missing: tuple[str, ...], directory: str, short_reason: str,
                 corrupt: tuple[str, ...] = (), folder_unusable: bool = False) -> None:
        super().__init__(message)
        self.missing = missing
        self.directory = directory
        self.short_reason = short_reason
        self.corrupt = corrupt
        self.folder_unusable = folder_unusable

    @property
    def lacking(self) -> str:
        """What is lacking, in one clause: ``"missing a.gz, b.gz; c.gz failing verification"``."""
        absent = [name for name in self.missing if name not in self.corrupt]
        return "; ".join(part for part in (f"missing {', '.join(absent)}" if absent else "",
                                           f"{', '.join(self.corrupt)} failing verification" if self.corrupt else "")
                         if part)


class ChecksumMismatchError(ValueError):
    """A file's checksum differs from the known one for that file."""


class IdxFormatError(ValueError):
    """An IDX file (or a pair of image and label files) does not have the expected layout."""


class BuiltinCacheError(ValueError):
    """A cached built-in digits file is unreadable or does not hold what its name promises."""


class DataDirError(ValueError):
    """The folder data sets are kept in cannot be worked out: ``ZEROPROP_DATA_DIR`` (or a ``data_dir``) starts with
    an unknown user's ``~``, or, with the variable unset, the home folder of ``~/.cache/zeroprop`` is unknown."""
