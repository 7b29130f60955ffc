"""Training progress through tqdm, the progress bar of the Python ecosystem (terminals, CI logs, notebooks).

    epoch 3/17:  23%|##3      | 1234/10000 [00:02<00:10, 812.41it/s, loss=0.2345]

On a terminal (and in Jupyter, through ``tqdm.auto``) the bar is redrawn in place at most every
``min_interval`` seconds. Elsewhere (a CI log, a file) each redraw would be kept, so it is redrawn at most
every ``plain_interval`` seconds there.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")

PLAIN_INTERVAL = 10.0  # seconds between redraws when stderr is not a terminal


def _is_tty(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class ProgressBar:
    """Shows the position in a run of ``total`` updates; ``update`` after every update, ``close`` at the end.

    ``start`` is the number of updates already done when this display begins (a resumed run); tqdm's
    speed and ETA count only the updates made since. ``label`` names the run (e.g. the optimiser being
    compared) in front of the epoch.
    """

    def __init__(
        self,
        total: int,
        *,
        start: int = 0,
        total_epochs: int | None = None,
        label: str | None = None,
        stream: TextIO | None = None,
        is_tty: bool | None = None,
        min_interval: float = 0.1,
        plain_interval: float = PLAIN_INTERVAL,
    ) -> None:
        self.total = int(total)
        self.total_epochs = total_epochs
        self.label = label
        self.stream = sys.stderr if stream is None else stream
        self.is_tty = _is_tty(self.stream) if is_tty is None else is_tty
        self._epoch: int | None = None
        self._bar = tqdm(total=self.total, initial=int(start), file=self.stream, unit="it", dynamic_ncols=True,
                         ascii=not self.is_tty, mininterval=min_interval if self.is_tty else plain_interval,
                         desc=self._description(1 if start == 0 else None))

    def _description(self, epoch: int | None) -> str:
        epochs = f"/{self.total_epochs}" if self.total_epochs else ""
        where = "training" if epoch is None else f"epoch {epoch}{epochs}"
        return f"{self.label} {where}" if self.label else where

    @property
    def n(self) -> int:
        """Updates counted so far."""
        return self._bar.n

    def update(self, iteration: int, epoch: int, loss: float) -> None:
        """Record update number ``iteration`` (of ``total``), in epoch ``epoch`` (1-based), of loss ``loss``."""
        if epoch != self._epoch:
            self._epoch = epoch
            self._bar.set_description_str(self._description(epoch), refresh=False)
        self._bar.set_postfix_str(f"loss={loss:.4f}", refresh=False)
        self._bar.update(iteration - self._bar.n)

    def clear(self) -> None:
        """Erase the bar so other output prints cleanly; the next update redraws it."""
        self._bar.clear()

    def close(self) -> None:
        """Draw the final state and end the bar's line."""
        self._bar.close()


def _redrawn(stream: TextIO) -> dict:
    """tqdm's options for a bar on ``stream``: redrawn in place every 0.1 s at most on a terminal, every
    ``PLAIN_INTERVAL`` seconds elsewhere (where each redraw is kept), in ASCII there."""
    tty = _is_tty(stream)
    return {"file": stream, "dynamic_ncols": True, "ascii": not tty, "mininterval": 0.1 if tty else PLAIN_INTERVAL}


def with_progress(items: Iterable[T], *, label: str, total: int | None = None, enabled: bool = True,
             stream: TextIO | None = None) -> Iterator[T]:
    """``items``, shown as a tqdm bar named ``label`` on stderr while they are consumed (nothing when not
    ``enabled``): for scripts that run several short trainings one after another."""
    stream = sys.stderr if stream is None else stream
    return iter(tqdm(items, desc=label, total=total, disable=not enabled, **_redrawn(stream)))


def counting_bar(total: int, *, label: str, unit: str = "it", delay: float = 0.0,
                 stream: TextIO | None = None) -> tqdm:
    """A tqdm bar of ``total`` steps named ``label`` on stderr, for work that is not a loop over items: move it
    with ``update(steps)``, end it with ``close()``. Redrawn as :func:`with_progress`'s bars are; shown only
    once ``delay`` seconds have passed, so work done sooner leaves nothing on the screen or in a log."""
    stream = sys.stderr if stream is None else stream
    return tqdm(total=total, desc=label, unit=unit, delay=delay, **_redrawn(stream))
