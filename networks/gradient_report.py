"""A whole network's gradient check, as the book's gradient-check scripts (chapters 5 to 7) run it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from layers import GradientReport, check_gradients, numerical_gradient
from layers.gradient_check import ERROR_MEASURE, GRADIENT_THRESHOLD, STENCILS
from networks.base import Network

CHECK_ORDER = 4  # each parameter is checked against fourth-order centred differences


@dataclass(frozen=True)
class NetworkGradientCheck:
    """``diffs``: the book's figure per parameter, mean |backprop - numerical| with its two-point
    differences; ``reports``: per parameter the error, threshold and verdict of :func:`check_gradients`."""

    diffs: dict[str, float]
    reports: list[GradientReport]

    @property
    def ok(self) -> bool:
        return all(report.ok for report in self.reports)

    def describe(self, what: str) -> str:
        """The lines a script prints: the book's figure, what was compared and how, each parameter, the verdict."""
        failed = [report.name for report in self.reports if not report.ok]
        return "\n".join([
            "the book's figure, mean |backprop - numerical| (two-point differences, h = 1e-4): "
            + ", ".join(f"{key} {value:.2g}" for key, value in self.diffs.items()),
            f"compared: {what}, in float64",
            ERROR_MEASURE,
            *(str(report) for report in self.reports),
            f"verdict: {'FAIL for ' + ', '.join(failed) if failed else 'OK'} "
            f"(every parameter must reach error < {GRADIENT_THRESHOLD:.0e})",
        ])


class _EntryCount:
    """Counts a stage's loss evaluations into entries differentiated (``points`` evaluations each, the
    stencil's) and tells ``on_entries(done, total)`` after each entry; evaluations outside a stage, and the
    re-measured entries after one, are not counted."""

    def __init__(self, on_entries: Callable[[int, int], None] | None) -> None:
        self.on_entries = on_entries
        self.total = self.points = self.calls = 0

    def start(self, total: int, points: int) -> None:
        self.total, self.points, self.calls = total, points, 0

    def stop(self) -> None:
        self.start(0, 0)

    def evaluated(self, loss: float) -> float:
        """``loss``, after counting its evaluation."""
        if self.on_entries is not None and self.total:
            self.calls += 1
            done, partial = divmod(self.calls, self.points)
            if partial == 0 and done <= self.total:
                self.on_entries(done, self.total)
        return loss


def check_network_gradients(network: Network, x: np.ndarray, t: np.ndarray,
                            progress: Callable[[str], None] | None = None,
                            on_entries: Callable[[int, int], None] | None = None) -> NetworkGradientCheck:
    """Backprop's gradients of the training loss against numerical ones, for every parameter of ``network``.

    The numerical side runs frozen (:meth:`Network.frozen`): the same dropout masks, no change to
    BatchNorm's running statistics, so it differentiates the function backprop did. ``progress(what)``,
    when given, hears each stage as it starts: the book's two-point pass, then each parameter's check.
    ``on_entries(done, total)``, when given, hears after every entry how far the stage under way has got:
    ``done`` of its ``total`` entries differentiated (one parameter of a large network takes half a minute).
    """
    grads = network.gradient(x, t)
    count = len(network.params)
    order = {key: i for i, key in enumerate(network.params, start=1)}
    entries = _EntryCount(on_entries)

    def loss() -> float:
        return entries.evaluated(network.loss(x, t, train_flg=True))

    def parameter_starts(name: str) -> None:
        if progress is not None:
            progress(f"parameter {order[name]} of {count}, {name}")
        entries.start(network.params[name].size, len(STENCILS[CHECK_ORDER]))

    with network.frozen():
        if progress is not None:
            progress(f"two-point differences of all {count} parameters (the book's figure)")
        entries.start(sum(p.size for p in network.params.values()), len(STENCILS[2]))
        numerical = {key: numerical_gradient(lambda _: loss(), p, order=2) for key, p in network.params.items()}
        entries.stop()
        diffs = {key: float(np.mean(np.abs(grads[key] - numerical[key]))) for key in network.params}
        reports = check_gradients(loss, network.params, grads, order=CHECK_ORDER, on_parameter=parameter_starts)
    return NetworkGradientCheck(diffs, reports)


def relative_difference(a: Mapping[str, np.ndarray], b: Mapping[str, np.ndarray]) -> float:
    """||a - b|| / (||a|| + ||b||), each norm over all parameters together (the square root of the sum of
    every entry's square): 0 when the gradients agree, 1 when one is 0 or they point in opposite directions;
    0 for two zero gradients.

    One figure for a whole network's two gradients. Unlike :func:`layers.compare_gradients`' maximum over
    entries, it is not moved much by the few entries a centred difference with step 1e-4 gets wrong where
    it straddles a ReLU kink (there single entries may differ completely).
    """
    if set(a) != set(b):
        raise ValueError(f"relative_difference: the gradients name different parameters, {sorted(a)} and {sorted(b)}")
    x = {key: np.asarray(a[key], dtype=np.float64) for key in a}
    y = {key: np.asarray(b[key], dtype=np.float64) for key in a}
    wrong = {key: (x[key].shape, y[key].shape) for key in a if x[key].shape != y[key].shape}
    if wrong:
        raise ValueError(f"relative_difference: shapes differ: {wrong}")

    def norm(arrays: Iterable[np.ndarray]) -> float:
        return float(np.sqrt(sum(float(np.sum(np.square(array))) for array in arrays)))

    size = norm(x.values()) + norm(y.values())
    return 0.0 if size == 0.0 else norm(x[key] - y[key] for key in a) / size
