"""Checksums of files on disk against the known digests of a :class:`RemoteFile`."""

from __future__ import annotations

import hashlib
from pathlib import Path

from datasets.specs import RemoteFile

_BLOCK = 1 << 20


class Digests:
    """Running MD5 and SHA-256 (and byte count) of a byte stream."""

    def __init__(self) -> None:
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._sha256 = hashlib.sha256()
        self.size = 0

    def update(self, block: bytes) -> None:
        self._md5.update(block)
        self._sha256.update(block)
        self.size += len(block)

    def mismatch(self, remote: RemoteFile) -> str | None:
        """``None`` if the stream is ``remote``, else a short reason (``"md5 <got> != expected <md5>"``)."""
        if remote.size is not None and self.size != remote.size:
            return f"size {self.size} bytes != expected {remote.size}"
        md5 = self._md5.hexdigest()
        if md5 != remote.md5:
            return f"md5 {md5} != expected {remote.md5}"
        if remote.sha256 is not None:
            sha256 = self._sha256.hexdigest()
            if sha256 != remote.sha256:
                return f"sha256 {sha256} != expected {remote.sha256}"
        return None


def file_mismatch(path: Path, remote: RemoteFile) -> str | None:
    """``None`` when the file at ``path`` has ``remote``'s checksums, else a short reason ("not a regular
    file" for a folder in its place). A missing file raises FileNotFoundError."""
    if path.exists() and not path.is_file():
        return "not a regular file"
    digests = Digests()
    with open(path, "rb") as handle:
        while block := handle.read(_BLOCK):
            digests.update(block)
    return digests.mismatch(remote)
