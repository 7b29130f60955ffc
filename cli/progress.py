"""A script's word on what it is doing, for work that takes a while without a loop to draw a bar over."""

from __future__ import annotations

import sys
from types import TracebackType

from tqdm import tqdm

from training.progress import counting_bar

BAR_DELAY = 2.0  # seconds a stage runs before its bar is shown: the quick stages leave only their line


def show_progress(what: str) -> None:
    """Print ``what`` as one line on stderr, at once (the results go to stdout, so a pipe keeps them clean)."""
    print(f"... {what}", file=sys.stderr, flush=True)


class StageProgress:
    """Long work in stages, on stderr: a line as each stage starts (:func:`show_progress`), and within a stage
    that runs longer than ``BAR_DELAY`` seconds a bar of its entries, named after the stage (a gradient check
    spends half a minute on one large parameter). Use it as a ``with`` block, which ends the last bar::

        with StageProgress() as shown:
            check = check_network_gradients(network, x, t, progress=shown.stage, on_entries=shown.entries)
    """

    def __init__(self, unit: str = " entries") -> None:
        self.unit = unit
        self._what = ""
        self._bar: tqdm | None = None

    def stage(self, what: str) -> None:
        """A new stage: end the last one's bar, print ``... what``."""
        self.close()
        self._what = what
        show_progress(what)

    def entries(self, done: int, total: int) -> None:
        """``done`` of the stage's ``total`` entries are done; the bar ends when they all are."""
        if self._bar is None:
            self._bar = counting_bar(total, label=self._what, unit=self.unit, delay=BAR_DELAY)
        self._bar.update(done - self._bar.n)
        if done >= total:
            self.close()

    def close(self) -> None:
        """End the bar under way, if any (drawn in its last state, if it was shown at all)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> StageProgress:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()
