"""Fixtures for the data set tests: small synthetic IDX data sets and a local HTTP mirror.

The real MNIST test set comes from the ``mnist_dir`` fixture of ``tests/conftest.py``.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from datasets import DatasetSpec, RemoteFile, load_builtin_digits
from tests.support.local_http import clear_proxies, serving

FILE_NAMES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}


def idx_bytes(array: np.ndarray) -> bytes:
    """A gzipped IDX file of a uint8 array, written by hand (independently of the reader)."""
    array = np.asarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return gzip.compress(header + array.tobytes(), mtime=0)


@pytest.fixture
def make_idx() -> Callable[[np.ndarray], bytes]:
    """:func:`idx_bytes`, for the test modules."""
    return idx_bytes


@dataclass
class TinyDataset:
    """A four-file IDX data set: the raw arrays, the gzipped bytes per file name, and a spec factory.

    ``names`` maps "train_images", "train_labels", "test_images", "test_labels" to file names.
    """

    arrays: dict[str, np.ndarray]
    blobs: dict[str, bytes]
    names: dict[str, str] = field(default_factory=lambda: dict(FILE_NAMES))

    def spec(self, mirrors: tuple[str, ...] = ()) -> DatasetSpec:
        remote = {
            key: RemoteFile(
                name,
                hashlib.md5(self.blobs[name]).hexdigest(),
                hashlib.sha256(self.blobs[name]).hexdigest(),
                len(self.blobs[name]),
            )
            for key, name in FILE_NAMES.items()
        }
        return DatasetSpec(name="tiny", title="Tiny", mirrors=mirrors, **remote)

    def write(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        for name, blob in self.blobs.items():
            (directory / name).write_bytes(blob)
        return directory


@pytest.fixture
def tiny_dataset() -> TinyDataset:
    """12 training and 5 test 28x28 images with labels 0-9; distinct bytes in every file."""
    rng = np.random.default_rng(1234)
    arrays = {
        "train_images": rng.integers(0, 256, size=(12, 28, 28), dtype=np.uint8),
        "train_labels": np.array([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8], dtype=np.uint8),
        "test_images": rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8),
        "test_labels": np.array([7, 0, 2, 9, 4], dtype=np.uint8),
    }
    blobs = {FILE_NAMES[key]: idx_bytes(value) for key, value in arrays.items()}
    return TinyDataset(arrays, blobs)


@dataclass
class LocalMirror:
    """An HTTP server on 127.0.0.1 serving ``files`` under ``/<mode>/<name>``.

    Modes: ``good`` (the file), ``corrupt`` (one byte flipped), ``short`` (a Content-Length of the
    full size but only half the body, then the connection closes), ``missing`` (404), ``badlength``
    (the file under a Content-Length of "\u00b2", superscript two, which ``str.isdigit`` accepts).
    ``refused`` is a base URL on a port where nothing listens.
    """

    port: int
    refused: str
    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def url(self, mode: str) -> str:
        return f"http://127.0.0.1:{self.port}/{mode}/"


def _handler_for(mirror: LocalMirror) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            mirror.requests.append(self.path)
            _, mode, name = self.path.split("/", 2)
            body = mirror.files.get(name)
            if body is None or mode == "missing":
                self.send_error(404, "Not Found")
                return
            if mode == "corrupt":
                body = body[:-20] + bytes([body[-20] ^ 0xFF]) + body[-19:]
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", "\u00b2" if mode == "badlength" else str(len(body)))
            self.end_headers()
            if mode == "short":
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (base class signature)
            pass

    return Handler


@pytest.fixture
def local_mirror(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalMirror]:
    """A running :class:`LocalMirror`; proxies are switched off so urllib talks to it directly."""
    clear_proxies(monkeypatch)
    closed = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    closed.bind(("127.0.0.1", 0))  # bound but never listening: connections are refused
    mirror = LocalMirror(port=0, refused=f"http://127.0.0.1:{closed.getsockname()[1]}/refused/")
    try:
        with serving(_handler_for(mirror)) as port:
            mirror.port = port
            yield mirror
    finally:
        closed.close()


@pytest.fixture(scope="session")
def builtin_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache root (for ``ZEROPROP_DATA_DIR``) holding the default built-in digits (seed 0, 60000/10000)."""
    root = tmp_path_factory.mktemp("zeroprop-root")
    load_builtin_digits(normalize=False, data_dir=root / "builtin-digits")
    return root


@pytest.fixture
def directory_listing() -> Callable[[Path], list[str]]:
    """Sorted names of everything in a directory (hidden temp files included); [] if it is absent."""

    def listing(directory: Path) -> list[str]:
        return sorted(p.name for p in directory.iterdir()) if directory.exists() else []

    return listing
