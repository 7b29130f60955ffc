"""A one-line progress display for training, on stderr.

On a terminal the line is redrawn in place (``\\r``), at most every ``min_interval`` seconds::

    epoch 3/17 | iter 1234/10000 | loss 0.2345 | 812.4 it/s | ETA 0:00:10

Elsewhere (a CI log, a file) redrawing would pile up, so a plain line is written each time another
tenth of the run is done, and at the end.
"""

from __future__ import annotations

import bisect
import sys
import time
from typing import TextIO


def format_duration(seconds: float) -> str:
    """``H:MM:SS`` for a number of seconds (``?`` when unknown)."""
    if not seconds >= 0 or seconds == float("inf"):
        return "?"
    s = round(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


class ProgressBar:
    """Shows the position in a run of ``total`` updates; ``update`` after every update, ``close`` at the end.

    ``start`` is the number of updates already done when this display begins (a resumed run);
    speed and ETA count only the updates made since.
    """

    def __init__(
        self,
        total: int,
        *,
        start: int = 0,
        total_epochs: int | None = None,
        stream: TextIO | None = None,
        is_tty: bool | None = None,
        min_interval: float = 0.1,
        plain_steps: int = 10,
    ) -> None:
        self.total = int(total)
        self.total_epochs = total_epochs
        self.stream = sys.stderr if stream is None else stream
        if is_tty is None:
            isatty = getattr(self.stream, "isatty", None)
            is_tty = bool(isatty and isatty())
        self.is_tty = is_tty
        self.min_interval = min_interval
        self._start_iteration = int(start)
        self._start_time = time.perf_counter()
        self._last_draw = -float("inf")
        self._drawn_width = 0
        steps = max(1, plain_steps)
        self._milestones = sorted({-(-self.total * i // steps) for i in range(1, steps + 1)})
        self._next_plain = self._milestone_after(self._start_iteration)
        self._last = (self._start_iteration, 0, float("nan"))

    def _milestone_after(self, iteration: int) -> int:
        """The update count at which the next plain line is due: the next multiple of total/10 above ``iteration``."""
        i = bisect.bisect_right(self._milestones, iteration)
        return self._milestones[i] if i < len(self._milestones) else self.total + 1

    def line(self, iteration: int, epoch: int, loss: float) -> str:
        """The text shown for update ``iteration`` (of ``total``) in epoch ``epoch`` (1-based), loss ``loss``."""
        elapsed = time.perf_counter() - self._start_time
        done = iteration - self._start_iteration
        rate = done / elapsed if elapsed > 0 and done > 0 else 0.0
        eta = (self.total - iteration) / rate if rate > 0 else float("inf")
        epochs = f"/{self.total_epochs}" if self.total_epochs else ""
        width = len(str(self.total))
        return (f"epoch {epoch}{epochs} | iter {iteration:{width}d}/{self.total} | loss {loss:.4f} | "
                f"{rate:.1f} it/s | ETA {format_duration(eta)}")

    def update(self, iteration: int, epoch: int, loss: float) -> None:
        """Record update number ``iteration``; redraw when due."""
        self._last = (iteration, epoch, loss)
        if self.is_tty:
            now = time.perf_counter()
            if now - self._last_draw >= self.min_interval or iteration >= self.total:
                self._last_draw = now
                self._draw(self.line(iteration, epoch, loss))
        elif iteration >= self._next_plain:
            self._next_plain = self._milestone_after(iteration)
            self.stream.write(self.line(iteration, epoch, loss) + "\n")
            self.stream.flush()

    def _draw(self, text: str) -> None:
        pad = max(0, self._drawn_width - len(text))
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()
        self._drawn_width = len(text)

    def clear(self) -> None:
        """Erase the line on a terminal so other output prints cleanly; the next update redraws it."""
        if self.is_tty and self._drawn_width:
            self.stream.write("\r" + " " * self._drawn_width + "\r")
            self.stream.flush()
            self._drawn_width = 0
            self._last_draw = -float("inf")

    def close(self) -> None:
        """Draw the final state and end the line (on a terminal)."""
        if self.is_tty:
            iteration, epoch, loss = self._last
            if iteration > self._start_iteration:
                self._draw(self.line(iteration, epoch, loss))
            if self._drawn_width:
                self.stream.write("\n")
                self.stream.flush()
                self._drawn_width = 0
