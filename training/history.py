"""What a training run measured: the loss of every update and the accuracies at every evaluation."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np


@dataclass
class History:
    """The book's three lists, plus where each evaluation happened.

    ``train_loss_list[i]`` is the mini-batch loss of update ``i + 1`` (computed before that update).
    The other lists hold one entry per evaluation (at the end of every epoch, and once more when a run
    stops in the middle of an epoch): the accuracies, the position in epochs (``2.0`` after two full
    epochs, ``16.67`` two thirds into the seventeenth), the number of updates done, and the learning
    rate of the last update before it.
    """

    train_loss_list: list[float] = field(default_factory=list)
    train_acc_list: list[float] = field(default_factory=list)
    test_acc_list: list[float] = field(default_factory=list)
    epoch_list: list[float] = field(default_factory=list)
    iteration_list: list[int] = field(default_factory=list)
    lr_list: list[float] = field(default_factory=list)

    _PER_EVALUATION = ("train_acc_list", "test_acc_list", "epoch_list", "iteration_list", "lr_list")

    def record_loss(self, loss: float) -> None:
        self.train_loss_list.append(float(loss))

    def record_evaluation(self, epoch: float, iteration: int, train_acc: float, test_acc: float, lr: float) -> None:
        self.epoch_list.append(float(epoch))
        self.iteration_list.append(int(iteration))
        self.train_acc_list.append(float(train_acc))
        self.test_acc_list.append(float(test_acc))
        self.lr_list.append(float(lr))

    @property
    def iterations(self) -> int:
        """Number of updates recorded."""
        return len(self.train_loss_list)

    def truncate(self, iterations: int) -> None:
        """Forget everything after update ``iterations``: later losses and later evaluations."""
        del self.train_loss_list[iterations:]
        keep = sum(1 for it in self.iteration_list if it <= iterations)
        for name in self._PER_EVALUATION:
            del getattr(self, name)[keep:]

    def to_dict(self) -> dict[str, list]:
        """Plain lists of Python numbers, ready for ``json.dumps``."""
        return {f.name: list(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> History:
        """Inverse of :meth:`to_dict`. ValueError for missing or unknown keys, a list that is not a list of
        numbers (a string is not), lists of unequal length, a non-finite loss, or evaluations that are not
        at strictly rising update counts within the losses recorded."""
        names = [f.name for f in fields(cls)]
        missing = [n for n in names if n not in data]
        unknown = [k for k in data if k not in names]
        if missing or unknown:
            raise ValueError(f"History.from_dict: missing keys {missing}, unknown keys {unknown}")
        history = cls(**{n: _numbers(n, data[n], integers=n == "iteration_list") for n in names})
        lengths = {n: len(getattr(history, n)) for n in cls._PER_EVALUATION}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"History.from_dict: per-evaluation lists differ in length: {lengths}")
        if not all(math.isfinite(v) for v in history.train_loss_list):
            raise ValueError("History.from_dict: train_loss_list holds a non-finite loss")
        _check_evaluations(history.iteration_list, history.iterations)
        return history


def _numbers(name: str, values: Any, integers: bool = False) -> list:
    """``values`` (a list, tuple or 1-d array) as a list of floats, or of ints; ValueError naming ``name``
    for anything else: a string, a boolean, a number in text, a float where an update count belongs."""
    if not isinstance(values, list | tuple | np.ndarray) or np.ndim(values) != 1:
        raise ValueError(f"History.from_dict: {name} must be a list of numbers, got {type(values).__name__} "
                         f"{values!r:.60}")
    kinds = (int, np.integer) if integers else (int, float, np.integer, np.floating)
    for i, value in enumerate(values):
        if isinstance(value, bool | np.bool_) or not isinstance(value, kinds):
            raise ValueError(f"History.from_dict: {name}[{i}] must be {'an integer' if integers else 'a real number'}, "
                             f"got {type(value).__name__} {value!r:.60}")
    return [int(v) for v in values] if integers else [float(v) for v in values]


def _check_evaluations(iterations: list[int], losses: int) -> None:
    """ValueError unless the evaluations' update counts rise strictly from >= 0 to at most ``losses``."""
    rising = all(a < b for a, b in zip(iterations, iterations[1:], strict=False))
    if not rising or (iterations and (iterations[0] < 0 or iterations[-1] > losses)):
        raise ValueError(f"History.from_dict: iteration_list must rise strictly from 0 to at most {losses} "
                         f"(the number of losses recorded), got {iterations!r:.80}")
