"""A whole network's gradient check, as the book's gradient-check scripts (chapters 5 to 7) run it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from layers import GradientReport, check_gradients
from layers.gradient_check import ERROR_MEASURE, GRADIENT_THRESHOLD
from networks.base import Network


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


def check_network_gradients(network: Network, x: np.ndarray, t: np.ndarray,
                            progress: Callable[[str], None] | None = None) -> NetworkGradientCheck:
    """Backprop's gradients of the training loss against numerical ones, for every parameter of ``network``.

    The numerical side runs frozen (:meth:`Network.frozen`): the same dropout masks, no change to
    BatchNorm's running statistics, so it differentiates the function backprop did. ``progress(what)``,
    when given, hears each stage as it starts: the book's two-point pass, then each parameter's check.
    """
    grads = network.gradient(x, t)
    count = len(network.params)
    with network.frozen():
        if progress is not None:
            progress(f"two-point differences of all {count} parameters (the book's figure)")
        numerical = network.numerical_gradient(x, t)
        diffs = {key: float(np.mean(np.abs(grads[key] - numerical[key]))) for key in network.params}
        order = {key: i for i, key in enumerate(network.params, start=1)}
        reports = check_gradients(lambda: network.loss(x, t, train_flg=True), network.params, grads,
                                  on_parameter=None if progress is None else
                                  lambda name: progress(f"parameter {order[name]} of {count}, {name}"))
    return NetworkGradientCheck(diffs, reports)
