"""A script's word on what it is doing, for work that takes a while without a loop to draw a bar over."""

from __future__ import annotations

import sys


def show_progress(what: str) -> None:
    """Print ``what`` as one line on stderr, at once (the results go to stdout, so a pipe keeps them clean)."""
    print(f"... {what}", file=sys.stderr, flush=True)
