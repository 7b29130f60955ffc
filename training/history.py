"""What a training run measured: the loss of every update and the accuracies at every evaluation."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any


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
        """Inverse of :meth:`to_dict`; missing or unknown keys and lists of unequal length raise ValueError."""
        names = [f.name for f in fields(cls)]
        missing = [n for n in names if n not in data]
        unknown = [k for k in data if k not in names]
        if missing or unknown:
            raise ValueError(f"History.from_dict: missing keys {missing}, unknown keys {unknown}")
        lengths = {n: len(data[n]) for n in cls._PER_EVALUATION}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"History.from_dict: per-evaluation lists differ in length: {lengths}")
        history = cls(
            train_loss_list=[float(v) for v in data["train_loss_list"]],
            train_acc_list=[float(v) for v in data["train_acc_list"]],
            test_acc_list=[float(v) for v in data["test_acc_list"]],
            epoch_list=[float(v) for v in data["epoch_list"]],
            iteration_list=[int(v) for v in data["iteration_list"]],
            lr_list=[float(v) for v in data["lr_list"]],
        )
        if not all(math.isfinite(v) for v in history.train_loss_list):
            raise ValueError("History.from_dict: train_loss_list holds a non-finite loss")
        return history
