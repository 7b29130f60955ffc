"""Fetching one file over HTTP(S) with checksum verification and an all-or-nothing write.

A file is streamed into a hidden temp file next to its target while its MD5/SHA-256 are
computed; only a complete transfer with the right checksums is renamed into place.
Any failure deletes the temp file and is reported as a :class:`DownloadError` with a short
reason. Uses only ``urllib``.
"""

from __future__ import annotations

import http.client
import logging
import socket
import urllib.error
import urllib.request
from pathlib import Path

from datasets.checksums import Digests
from datasets.specs import RemoteFile
from fileio import atomic_write

DEFAULT_TIMEOUT = 30.0
_BLOCK = 1 << 16
_USER_AGENT = "zeroprop-datasets/1.0"
_log = logging.getLogger(__name__)


class DownloadError(Exception):
    """One URL did not yield the file. ``unreachable`` is true when no connection was made at all."""

    def __init__(self, url: str, reason: str, *, unreachable: bool = False) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.unreachable = unreachable


def _connection_reason(error: BaseException, timeout: float) -> str:
    """A few words on why a connection could not be made."""
    cause = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(cause, socket.gaierror):
        return "no network (host name lookup failed)"
    if isinstance(cause, ConnectionRefusedError):
        return "connection refused"
    if isinstance(cause, TimeoutError):
        return f"timed out after {timeout:g} s"
    return f"cannot connect ({cause})"


def _open(url: str, timeout: float) -> http.client.HTTPResponse:
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    try:
        return urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        error.close()
        raise DownloadError(url, f"HTTP {error.code} {error.reason}") from None
    except (urllib.error.URLError, OSError) as error:
        raise DownloadError(url, _connection_reason(error, timeout), unreachable=True) from None
    except http.client.HTTPException as error:
        raise DownloadError(url, f"bad HTTP response ({type(error).__name__})") from None


def download_file(url: str, remote: RemoteFile, target: Path, *, timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Download ``url`` to ``target`` only if its content matches ``remote``'s checksums.

    Raises :class:`DownloadError` (and leaves no file behind) on any network error, an
    HTTP error status, a transfer shorter than its Content-Length, or a checksum mismatch.
    Errors writing the local file propagate unchanged.
    """
    target = Path(target)
    _log.info("downloading %s", url)
    with _open(url, timeout) as response, atomic_write(target) as out:
        declared = response.headers.get("Content-Length")
        expected = int(declared) if declared and declared.isdigit() else None
        digests = Digests()
        while True:
            try:
                block = response.read(_BLOCK)
            except (OSError, http.client.HTTPException) as error:
                raise DownloadError(url, f"transfer broke after {digests.size} bytes ({error!r})") from None
            if not block:
                break
            digests.update(block)
            out.write(block)
            if remote.size is not None and digests.size > remote.size:
                raise DownloadError(url, f"more than the expected {remote.size} bytes")
        if expected is not None and digests.size != expected:
            raise DownloadError(url, f"transfer cut short ({digests.size} of {expected} bytes)")
        problem = digests.mismatch(remote)
        if problem is not None:
            raise DownloadError(url, f"checksum mismatch ({problem})")
    return target
