"""Making sure a data set's files are in its directory, verified, fetching what is missing.

Every present file is checked against its known checksums on every call. A file that fails is
never deleted (it may be the user's own): with downloading allowed it is renamed
``<name>.rejected`` beside the good copy fetched in its place (and renamed back whenever no verified
copy arrives, whether no mirror delivers or the download raises); without, the call fails saying
what is wrong with it. Mirrors are tried in order; a mirror that cannot be reached at all is not
asked again for the other files of the same call (so being offline costs one failed lookup per
mirror).
"""

from __future__ import annotations

import logging
from pathlib import Path

from datasets.cache import ENV_DATA_DIR, another_data_dir, data_dir_setting, display_path
from datasets.checksums import file_mismatch
from datasets.download import DEFAULT_TIMEOUT, DownloadError, check_timeout, download_file
from datasets.errors import DatasetUnavailableError
from datasets.specs import DatasetSpec, RemoteFile

_log = logging.getLogger(__name__)
BUILTIN_HINT = "load_builtin_digits() in code, --dataset builtin on the command line"


REJECTED_SUFFIX = ".rejected"


def _problem(path: Path, remote: RemoteFile) -> str | None:
    """Why the file at ``path`` is not ``remote`` (checksums, or unreadable); None if it is good or absent."""
    if not path.exists():
        return None
    try:
        return file_mismatch(path, remote)
    except OSError as error:
        return f"unreadable ({error.strerror or error})"


def _aside_name(path: Path) -> Path:
    """A free name beside ``path`` for a file that failed verification: ``<name>.rejected`` (or ``.rejected-2``...)."""
    candidate = path.with_name(path.name + REJECTED_SUFFIX)
    n = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.name}{REJECTED_SUFFIX}-{n}")
        n += 1
    return candidate


def ensure_dataset_files(
    spec: DatasetSpec,
    directory: Path,
    *,
    download: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    needed: tuple[RemoteFile, ...] | None = None,
) -> Path:
    """Return ``directory`` once it holds verified copies of ``needed`` (default: all of ``spec``'s files).

    Raises :class:`DatasetUnavailableError` listing every file that could not be had.
    """
    timeout = check_timeout(timeout)
    directory = Path(directory)
    needed = spec.files if needed is None else needed
    corrupt: dict[str, str] = {}
    missing: list[RemoteFile] = []
    try:
        for remote in needed:
            problem = _problem(directory / remote.name, remote)
            if problem is not None:
                corrupt[remote.name] = problem
            if problem is not None or not (directory / remote.name).is_file():
                missing.append(remote)
    except OSError as error:  # a name too long, say: no file there can even be looked for
        _raise_unusable(spec, directory, needed, error)
    if not missing:
        return directory
    if not download:
        _raise_unavailable(spec, directory, missing, corrupt, failures={}, download=False)
    created = not directory.exists()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:  # a file in the way, no permission, a read-only file system
        _raise_uncreatable(spec, directory, missing, corrupt, error)
    set_aside: dict[str, Path] = {}
    try:
        for name in corrupt:
            _set_aside(directory / name, corrupt[name], set_aside)
        still_missing, failures = _fetch(spec, directory, missing, timeout)
    finally:   # whatever happened, a file for which nothing better came goes back where it was
        _put_back(directory, set_aside)
    if still_missing:
        if created and not any(directory.iterdir()):
            directory.rmdir()  # leave no trace of a cache that never got a file
        _raise_unavailable(spec, directory, still_missing, corrupt, failures, download=True)
    return directory


def _set_aside(path: Path, problem: str, set_aside: dict[str, Path]) -> None:
    """Rename ``path`` to a free ``.rejected`` name, recorded in ``set_aside`` once the rename is done."""
    aside = _aside_name(path)
    _log.warning("%s fails verification (%s); trying to download a good copy to %s (yours is kept as %s "
                 "if one arrives, else put back)", path, problem, path, aside.name)
    path.rename(aside)
    set_aside[path.name] = aside


def _put_back(directory: Path, set_aside: dict[str, Path]) -> None:
    """Rename each set-aside file back to its name unless a verified download now holds that name."""
    for name, aside in set_aside.items():
        path = directory / name
        if path.exists():
            continue   # download_file only ever puts a verified file there
        try:
            aside.rename(path)
        except OSError as error:
            _log.error("could not rename %s back to %s: %s", aside, path.name, error)


def _fetch(
    spec: DatasetSpec, directory: Path, missing: list[RemoteFile], timeout: float
) -> tuple[list[RemoteFile], dict[str, list[tuple[str, str, bool]]]]:
    """Download each of ``missing`` from the first mirror that delivers it; what no mirror gave, and why."""
    failures: dict[str, list[tuple[str, str, bool]]] = {mirror: [] for mirror in spec.mirrors}
    unreachable: dict[str, str] = {}
    still_missing = []
    for remote in missing:
        for mirror in spec.mirrors:
            if mirror in unreachable:
                continue
            try:
                download_file(mirror + remote.name, remote, directory / remote.name, timeout=timeout)
                break
            except DownloadError as failure:
                failures[mirror].append((remote.name, failure.reason, failure.unreachable))
                if failure.unreachable:
                    unreachable[mirror] = failure.reason
        else:
            still_missing.append(remote)
    return still_missing, failures


def _mirror_line(mirror: str, failures: list[tuple[str, str, bool]]) -> str:
    """One line per mirror; reasons of the same kind (the text before " (") are summarised together."""
    if len({reason for _, reason, _ in failures}) == 1:
        return f"  {mirror} - {failures[0][1]}"
    kinds: dict[str, list[tuple[str, str]]] = {}
    for name, reason, _ in failures:
        kinds.setdefault(reason.split(" (")[0], []).append((name, reason))
    parts = []
    for kind, entries in kinds.items():
        name, reason = entries[0]
        parts.append(
            f"{name}: {reason}"
            if len(entries) == 1
            else f"{kind} for {len(entries)} files, e.g. {name}: {reason}"
        )
    return f"  {mirror} - " + "; ".join(parts)


def _raise_unavailable(
    spec: DatasetSpec,
    directory: Path,
    missing: list[RemoteFile],
    corrupt: dict[str, str],
    failures: dict[str, list[tuple[str, str, bool]]],
    *,
    download: bool,
) -> None:
    names = [remote.name for remote in missing]
    where = display_path(directory)
    lines = [f"{spec.title} is not available: {len(names)} file(s) missing from {where}: {', '.join(names)}."
             if not corrupt else
             f"{spec.title} is not available: {len(names)} file(s) missing or failing verification in {where}: "
             f"{', '.join(names)}."]
    for name in names:
        if name in corrupt:
            lines.append(f"  {name} is there but fails verification ({corrupt[name]}); it was left as it is. "
                         f"A good copy would be saved as {name}, yours kept as {name}{REJECTED_SUFFIX}.")
    if not download:
        lines.append("Downloading is turned off (download=False).")
        short = "downloading is turned off"
    elif not spec.mirrors:
        lines.append("No download mirrors are known for it.")
        short = "no download mirrors are known"
    else:
        lines.append("Tried the mirrors in order:")
        lines.extend(_mirror_line(mirror, failures[mirror]) for mirror in spec.mirrors if failures[mirror])
        every = [entry for entries in failures.values() for entry in entries]
        if every and all(unreached for _, _, unreached in every):
            short = "no network" if all("no network" in r for _, r, _ in every) else "mirrors unreachable"
        else:
            short = ", ".join(sorted({reason.split(" (")[0] for _, reason, _ in every})) or "download failed"
    lines.append(
        f"To fix: connect to the network and retry; or copy the original gzipped files into {where} "
        f"(or set {ENV_DATA_DIR} to a folder with a '{spec.name}' sub-folder, or pass data_dir=); "
        f"or use the built-in digits instead: {BUILTIN_HINT}."
    )
    raise DatasetUnavailableError(
        "\n".join(lines),
        missing=tuple(names),
        directory=str(directory),
        short_reason=f"could not be downloaded ({short})",
        corrupt=tuple(name for name in names if name in corrupt),
    )


def _raise_uncreatable(spec: DatasetSpec, directory: Path, missing: list[RemoteFile], corrupt: dict[str, str],
                       error: OSError) -> None:
    """The data set's folder cannot be made, so nothing can be downloaded into it."""
    names = [remote.name for remote in missing]
    where = display_path(directory)
    why = "a file is in its place" if isinstance(error, FileExistsError) else error.strerror or str(error)
    raise DatasetUnavailableError(
        f"{spec.title} is not available: {len(names)} file(s) missing from {where}: {', '.join(names)}, "
        f"and that folder cannot be created to download them into ({why}).\n"
        f"To fix: {another_data_dir(spec.name)}, or pass data_dir=; or use the built-in digits instead: "
        f"{BUILTIN_HINT}.",
        missing=tuple(names),
        directory=str(directory),
        short_reason=f"its folder cannot be created ({why})",
        folder_unusable=True,
        corrupt=tuple(name for name in names if name in corrupt),
    )


def _raise_unusable(spec: DatasetSpec, directory: Path, needed: tuple[RemoteFile, ...], error: OSError) -> None:
    """The data set's folder cannot even be looked in (a name too long, say), so nothing can be found or fetched."""
    names = [remote.name for remote in needed]
    why = error.strerror or str(error)
    value = data_dir_setting()
    now = f" (now {value!r})" if value else " (not set now)"
    raise DatasetUnavailableError(
        f"{spec.title} is not available: its folder {display_path(directory)} cannot be used ({why}), so its "
        f"files can be neither found nor downloaded there.\n"
        f"To fix: {another_data_dir(spec.name, 'used', now)}, or pass data_dir=; or use the built-in digits "
        f"instead: {BUILTIN_HINT}.",
        missing=tuple(names),
        directory=str(directory),
        short_reason=f"its folder cannot be used ({why})",
        folder_unusable=True,
    )
