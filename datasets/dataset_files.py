"""Making sure a data set's files are in its directory, verified, fetching what is missing.

Every present file is checked against its known checksums on every call; a corrupt one is
deleted and fetched again. Mirrors are tried in order; a mirror that cannot be reached at all
is not asked again for the other files of the same call (so being offline costs one failed
lookup per mirror).
"""

from __future__ import annotations

import logging
from pathlib import Path

from datasets.cache import ENV_DATA_DIR, display_path
from datasets.checksums import file_mismatch
from datasets.download import DEFAULT_TIMEOUT, DownloadError, download_file
from datasets.errors import DatasetUnavailableError
from datasets.specs import DatasetSpec, RemoteFile

_log = logging.getLogger(__name__)
BUILTIN_HINT = "load_builtin_digits() in code, --dataset builtin on the command line"


def _drop_if_corrupt(path: Path, remote: RemoteFile) -> str | None:
    """Delete ``path`` if its checksums are wrong; return why, or ``None`` if it is good or absent."""
    if not path.is_file():
        return None
    problem = file_mismatch(path, remote)
    if problem is not None:
        _log.warning("%s is corrupt (%s); deleting it", path, problem)
        path.unlink()
    return problem


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
    directory = Path(directory)
    needed = spec.files if needed is None else needed
    corrupt: dict[str, str] = {}
    missing: list[RemoteFile] = []
    for remote in needed:
        problem = _drop_if_corrupt(directory / remote.name, remote)
        if problem is not None:
            corrupt[remote.name] = problem
        if not (directory / remote.name).is_file():
            missing.append(remote)
    if not missing:
        return directory
    if not download:
        _raise_unavailable(spec, directory, missing, corrupt, failures={}, download=False)
    created = not directory.exists()
    directory.mkdir(parents=True, exist_ok=True)

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
    if still_missing:
        if created and not any(directory.iterdir()):
            directory.rmdir()  # leave no trace of a cache that never got a file
        _raise_unavailable(spec, directory, still_missing, corrupt, failures, download=True)
    return directory


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
    lines = [f"{spec.title} is not available: {len(names)} file(s) missing from {where}: {', '.join(names)}."]
    for name in names:
        if name in corrupt:
            lines.append(f"  {name} was there but corrupt ({corrupt[name]}) and was deleted.")
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
    )
