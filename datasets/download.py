"""Fetching one file over HTTP(S) with checksum verification and an all-or-nothing write.

A file is streamed into a hidden temp file next to its target while its MD5/SHA-256 are
computed; only a complete transfer with the right checksums is renamed into place.
Any failure deletes the temp file and is reported as a :class:`DownloadError` with a short
reason. Uses only ``urllib``.

Bounds, so that no mirror can hold a download for ever or fill the disk: every read waits at most
``timeout`` seconds; the whole file, headers included, must arrive within ``timeout + size_limit /
MIN_RATE`` seconds (a watchdog shuts the connection down then, so a mirror trickling a byte at a time
is cut off even inside one read); and no more than the file's ``size_limit`` bytes are accepted
(refused up front when the Content-Length says more).
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import math
import socket
import threading
import urllib.error
import urllib.request
from pathlib import Path

from datasets.checksums import Digests
from datasets.specs import RemoteFile
from fileio import atomic_write

DEFAULT_TIMEOUT = 30.0
MIN_RATE = 16 * 1024           # bytes per second: the slowest mean rate a file may arrive at
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


def check_timeout(timeout: object) -> float:
    """``timeout`` as a float; TypeError unless a real number, ValueError unless finite and > 0."""
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise TypeError(f"timeout must be a number of seconds, got {type(timeout).__name__} {timeout!r}")
    if not (math.isfinite(timeout) and timeout > 0):
        raise ValueError(f"timeout must be a positive, finite number of seconds, got {timeout!r}")
    return float(timeout)


def deadline_for(remote: RemoteFile, timeout: float) -> float:
    """Seconds the whole of ``remote`` may take: ``timeout`` plus its size limit at :data:`MIN_RATE`."""
    return timeout + remote.size_limit / MIN_RATE


class _Watchdog:
    """Shuts down every connection it watches once ``seconds`` have passed, so that a blocked read returns."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                self._shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):   # already closed
            sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()


def _watched(handler: type[urllib.request.AbstractHTTPHandler]) -> type:
    """``handler`` whose connections report their sockets to a :class:`_Watchdog` as they connect."""

    class Watched(handler):  # type: ignore[misc, valid-type]
        def __init__(self, watchdog: _Watchdog) -> None:
            super().__init__()
            self._watchdog = watchdog

        def do_open(self, http_class: type, req: urllib.request.Request, **kwargs: object) -> object:
            watchdog = self._watchdog

            class Connection(http_class):  # type: ignore[misc, valid-type]
                def connect(self) -> None:
                    super().connect()
                    watchdog.watch(self.sock)

            return super().do_open(Connection, req, **kwargs)

    return Watched


def _open(url: str, timeout: float, watchdog: _Watchdog) -> http.client.HTTPResponse:
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    handlers = [_watched(urllib.request.HTTPHandler)(watchdog)]
    if hasattr(urllib.request, "HTTPSHandler"):
        handlers.append(_watched(urllib.request.HTTPSHandler)(watchdog))
    try:
        return urllib.request.build_opener(*handlers).open(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        error.close()
        raise DownloadError(url, f"HTTP {error.code} {error.reason}") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        if watchdog.expired:
            raise DownloadError(url, "too slow (no complete response within the time allowed)") from None
        if isinstance(error, http.client.HTTPException):
            raise DownloadError(url, f"bad HTTP response ({type(error).__name__})") from None
        raise DownloadError(url, _connection_reason(error, timeout), unreachable=True) from None


def _declared_length(url: str, response: http.client.HTTPResponse) -> int | None:
    """The response's Content-Length; None when absent, :class:`DownloadError` unless ASCII digits."""
    declared = response.headers.get("Content-Length")
    if declared is None:
        return None
    declared = declared.strip()
    if not (declared.isascii() and declared.isdigit()):
        raise DownloadError(url, f"bad HTTP response (Content-Length {declared!r})")
    return int(declared)


def download_file(url: str, remote: RemoteFile, target: Path, *, timeout: float = DEFAULT_TIMEOUT,
                  deadline: float | None = None) -> Path:
    """Download ``url`` to ``target`` only if its content matches ``remote``'s checksums.

    ``timeout`` bounds each wait for data, ``deadline`` (default :func:`deadline_for`) the whole file,
    in seconds. Raises :class:`DownloadError` (and leaves no file behind) on any network error, an
    HTTP error status, a malformed Content-Length, a transfer shorter than its Content-Length, more
    than ``remote.size_limit`` bytes, a missed deadline, or a checksum mismatch. Errors writing the
    local file propagate unchanged.
    """
    timeout = check_timeout(timeout)
    limit = remote.size_limit
    allowed = deadline_for(remote, timeout) if deadline is None else check_timeout(deadline)
    target = Path(target)
    _log.info("downloading %s", url)
    with _Watchdog(allowed) as watchdog, _open(url, timeout, watchdog) as response:
        expected = _declared_length(url, response)
        if expected is not None and expected > limit:
            raise DownloadError(url, f"too large ({expected} bytes declared, at most {limit} expected)")
        with atomic_write(target) as out:
            digests = Digests()
            while True:
                try:
                    block = response.read1(_BLOCK)   # whatever has arrived, as soon as it has
                except (OSError, http.client.HTTPException) as error:
                    if watchdog.expired:
                        block = b""
                    else:
                        raise DownloadError(url, f"transfer broke after {digests.size} bytes ({error!r})") from None
                if watchdog.expired:
                    raise DownloadError(url, f"too slow ({digests.size} bytes in {allowed:g} s, the time allowed "
                                             "for the whole file)")
                if not block:
                    break
                digests.update(block)
                if digests.size > limit:
                    raise DownloadError(url, f"too large (more than the {limit} bytes expected)")
                out.write(block)
            if expected is not None and digests.size != expected:
                raise DownloadError(url, f"transfer cut short ({digests.size} of {expected} bytes)")
            problem = digests.mismatch(remote)
            if problem is not None:
                raise DownloadError(url, f"checksum mismatch ({problem})")
    return target
