"""Fixtures for the fault-injection tests: a child training process to signal, and a hostile HTTP mirror.

Everything is bounded in time: every wait on a child or a socket has a timeout, and a child still
running when its test ends is killed.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from tests.support.local_http import clear_proxies, serving

REPO_ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("child_training.py")
CHILD_TIMEOUT = 30.0


class Child:
    """A running ``child_training.py``; its stdout lines arrive in a queue read by a thread."""

    def __init__(self, args: list[str], prefix: list[str] | None = None, **popen: object) -> None:
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        self.process = subprocess.Popen([*(prefix or []), sys.executable, str(CHILD), *args], cwd=REPO_ROOT,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                        **popen)
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self._queue.put(line.strip())
        self._queue.put(None)

    def wait_for(self, prefix: str, timeout: float = CHILD_TIMEOUT) -> str:
        """The first line from now on starting with ``prefix``; fails the test if the child ends first."""
        stop = time.monotonic() + timeout
        while True:
            try:
                line = self._queue.get(timeout=max(stop - time.monotonic(), 0.01))
            except queue.Empty:
                pytest.fail(f"child printed no {prefix!r} line within {timeout} s; so far: {self.lines[-5:]}")
            if line is None:
                pytest.fail(f"child ended before printing {prefix!r}: {self.lines[-5:]}, stderr: {self.stderr()}")
            self.lines.append(line)
            if line.startswith(prefix):
                return line

    def send(self, signum: int) -> None:
        self.process.send_signal(signum)

    def finish(self, timeout: float = CHILD_TIMEOUT) -> int:
        """Wait for the exit status, collecting the remaining lines."""
        rc = self.process.wait(timeout=timeout)
        while (line := self._queue.get(timeout=5)) is not None:
            self.lines.append(line)
        return rc

    def stderr(self) -> str:
        if self.process.poll() is None:
            return "(still running)"
        return self.process.stderr.read()[-2000:]

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def start_child() -> Iterator[Callable[..., Child]]:
    """``start_child(checkpoint_dir, out, *extra_args)`` starts a child training; all are killed at the end."""
    children: list[Child] = []

    def start(checkpoint_dir: Path, out: Path, *extra: str, prefix: list[str] | None = None, **popen) -> Child:
        child = Child(["--checkpoint-dir", str(checkpoint_dir), "--out", str(out), *extra], prefix, **popen)
        children.append(child)
        return child

    yield start
    for child in children:
        child.kill()


def read_params(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}


@pytest.fixture(scope="session")
def reference_params(tmp_path_factory: pytest.TempPathFactory) -> dict[str, np.ndarray]:
    """The final parameters and running statistics of the child's run when nothing goes wrong."""
    root = tmp_path_factory.mktemp("reference")
    child = Child(["--checkpoint-dir", str(root / "ckpt"), "--out", str(root / "final.npz")])
    try:
        child.wait_for("DONE")
        assert child.finish() == 0
    finally:
        child.kill()
    return read_params(root / "final.npz")


def part_files(directory: Path, target: str = "latest.npz") -> list[str]:
    """Temporary files that atomic writes of ``target`` left in ``directory`` (``.latest.npz.<8 chars>.part``)."""
    pattern = re.compile(re.escape(f".{target}.") + r"[a-z0-9_]{8}\.part")
    return sorted(p.name for p in directory.iterdir() if pattern.fullmatch(p.name)) if directory.exists() else []


# -- a hostile mirror -------------------------------------------------------------------------------------
@dataclass
class HostileMirror:
    """An HTTP server on 127.0.0.1 serving ``files`` under ``/<mode>/<name>``.

    Modes: ``good``; ``trickle`` (one byte every ``trickle_interval`` s); ``endless`` (no Content-Length,
    bytes until the client hangs up); ``huge`` (a Content-Length of 10 GB, then the file); ``stall``
    (headers, then nothing); ``slowheaders`` (the status line and headers a byte at a time); ``missing``
    (404); ``wrong`` (the right size, one byte changed).
    ``sent`` counts body bytes written per request path.
    """

    port: int = 0
    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    sent: dict[str, int] = field(default_factory=dict)
    trickle_interval: float = 0.3

    def url(self, mode: str) -> str:
        return f"http://127.0.0.1:{self.port}/{mode}/"


def _handler_for(mirror: HostileMirror) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            mirror.requests.append(self.path)
            _, mode, name = self.path.split("/", 2)
            body = mirror.files.get(name)
            if body is None or mode == "missing":
                self.send_error(404, "Not Found")
                return
            if mode == "wrong":
                body = body[:10] + bytes([body[10] ^ 0x01]) + body[11:]
            if mode == "slowheaders":
                head = f"HTTP/1.0 200 OK\r\nContent-Length: {len(body)}\r\nX-Padding: {'x' * 200}\r\n\r\n"
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    for char in head.encode():
                        self.wfile.write(bytes([char]))
                        self.wfile.flush()
                        time.sleep(mirror.trickle_interval)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            if mode == "huge":
                self.send_header("Content-Length", str(10**10))
            elif mode != "endless":
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError, TimeoutError):
                self._body(mode, body)   # the client may hang up, as it should on a bad mirror

        def _body(self, mode: str, body: bytes) -> None:
            sent = 0
            if mode == "trickle":
                for i in range(len(body)):
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                    sent += 1
                    mirror.sent[self.path] = sent
                    time.sleep(mirror.trickle_interval)
            elif mode == "endless":
                block = b"\0" * 65536
                stop = time.monotonic() + 20
                while time.monotonic() < stop:
                    self.wfile.write(block)
                    sent += len(block)
                    mirror.sent[self.path] = sent
            elif mode == "stall":
                self.wfile.flush()
                time.sleep(5)
            else:
                self.wfile.write(body)
                mirror.sent[self.path] = len(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (base class signature)
            pass

    return Handler


@pytest.fixture
def hostile_mirror(monkeypatch: pytest.MonkeyPatch) -> Iterator[HostileMirror]:
    """A running :class:`HostileMirror` on 127.0.0.1; proxies switched off so urllib talks to it directly."""
    clear_proxies(monkeypatch)
    mirror = HostileMirror()
    with serving(_handler_for(mirror)) as port:
        mirror.port = port
        yield mirror


@pytest.fixture
def helpers() -> type[Helpers]:
    """:func:`read_params` and :func:`part_files` for the test modules (which cannot import this file)."""
    return Helpers


class Helpers:
    read_params = staticmethod(read_params)
    part_files = staticmethod(part_files)
