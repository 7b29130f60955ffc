"""A threaded HTTP server on 127.0.0.1 for the download tests, and proxies switched off so that
urllib talks to it directly. Shared by tests/datasets and tests/faults."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager

PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")


def clear_proxies(monkeypatch) -> None:
    """Remove every proxy variable for the test, so requests to 127.0.0.1 are not sent elsewhere."""
    for variable in PROXY_VARIABLES:
        monkeypatch.delenv(variable, raising=False)


@contextmanager
def serving(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[int]:
    """Serve ``handler`` on a free port of 127.0.0.1 in a daemon thread; yield the port, then shut down."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
