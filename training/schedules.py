"""Learning-rate schedules: the learning rate as a function of how far training has gone.

The position is measured in epochs, as a float: 0.0 is the start, 2.5 is halfway through the third
epoch (after batch j of an epoch of n batches, the position is ``epoch + j / n``). The Trainer calls
``schedule(position)`` before *every* update and sets ``optimizer.lr`` to the result, so

* a step decay changes exactly at an epoch boundary, as in the usual "divide by 10 every 30 epochs";
* a cosine decay moves a little with every mini-batch, without a jump at each epoch.

Any callable ``float -> float`` works as a schedule; the classes here also describe themselves with
:meth:`Schedule.config`, a JSON-able dict that :func:`schedule_from_config` turns back into a schedule
(this is what checkpoints store).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


class Schedule:
    """Base class: ``schedule(epoch) -> lr`` for a position ``epoch >= 0`` measured in epochs."""

    name: str = ""

    def __call__(self, epoch: float) -> float:
        if not epoch >= 0:
            raise ValueError(f"{type(self).__name__}: position must be a number of epochs >= 0, got {epoch}")
        return self.lr_at(float(epoch))

    def lr_at(self, epoch: float) -> float:
        raise NotImplementedError

    def config(self) -> dict[str, Any]:
        """The schedule as a JSON-able dict: ``{"name": ..., <constructor arguments>}``."""
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items() if k != "name")
        return f"{type(self).__name__}({args})"


def _positive(owner: str, name: str, value: float) -> float:
    value = float(value)
    if not value > 0 or not math.isfinite(value):
        raise ValueError(f"{owner}: {name} must be a positive finite number, got {value}")
    return value


class ConstantLR(Schedule):
    """lr(epoch) = lr."""

    name = "constant"

    def __init__(self, lr: float) -> None:
        self.lr = _positive("ConstantLR", "lr", lr)

    def lr_at(self, epoch: float) -> float:
        return self.lr

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "lr": self.lr}


class StepDecay(Schedule):
    """lr(epoch) = lr * gamma ** floor(epoch / step_size): multiplied by ``gamma`` every ``step_size`` epochs."""

    name = "step"

    def __init__(self, lr: float, step_size: float, gamma: float = 0.1) -> None:
        self.lr = _positive("StepDecay", "lr", lr)
        self.step_size = _positive("StepDecay", "step_size", step_size)
        self.gamma = _positive("StepDecay", "gamma", gamma)

    def lr_at(self, epoch: float) -> float:
        return self.lr * self.gamma ** math.floor(epoch / self.step_size)

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "lr": self.lr, "step_size": self.step_size, "gamma": self.gamma}


class CosineDecay(Schedule):
    """lr(epoch) = lr_min + (lr - lr_min) * (1 + cos(pi * epoch / total_epochs)) / 2, then lr_min for good.

    Starts at ``lr``, falls slowly, then fast, then slowly again to ``lr_min`` at ``total_epochs``.
    """

    name = "cosine"

    def __init__(self, lr: float, total_epochs: float, lr_min: float = 0.0) -> None:
        self.lr = _positive("CosineDecay", "lr", lr)
        self.total_epochs = _positive("CosineDecay", "total_epochs", total_epochs)
        self.lr_min = float(lr_min)
        if not 0 <= self.lr_min <= self.lr:
            raise ValueError(f"CosineDecay: lr_min must lie in [0, lr={self.lr}], got {lr_min}")

    def lr_at(self, epoch: float) -> float:
        if epoch >= self.total_epochs:
            return self.lr_min
        return self.lr_min + (self.lr - self.lr_min) * 0.5 * (1.0 + math.cos(math.pi * epoch / self.total_epochs))

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "lr": self.lr, "total_epochs": self.total_epochs, "lr_min": self.lr_min}


SCHEDULES: dict[str, type[Schedule]] = {cls.name: cls for cls in (ConstantLR, StepDecay, CosineDecay)}


def schedule_from_config(config: Mapping[str, Any]) -> Schedule:
    """Rebuild a schedule from :meth:`Schedule.config`; unknown names or arguments raise ValueError."""
    settings = dict(config)
    name = settings.pop("name", None)
    if name not in SCHEDULES:
        raise ValueError(f"schedule_from_config: unknown schedule {name!r}; known: {sorted(SCHEDULES)}")
    try:
        return SCHEDULES[name](**settings)
    except TypeError as err:
        raise ValueError(f"schedule_from_config: bad arguments {settings} for schedule {name!r} ({err})") from err
