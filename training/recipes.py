"""The book's training recipes as one call each, and the train-plot-save run the chapter 7-8 scripts share.

Chapters 7 and 8 train their ConvNets the same way: Adam (lr 0.001), mini-batches of 100, train and test
accuracy measured at each epoch's end on ``evaluate_sample_num_per_epoch`` = 1000 samples.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from training.history import History
from training.plots import plot_history
from training.trainer import Trainer

BOOK_EVAL_SAMPLES = 1000  # the book's evaluate_sample_num_per_epoch for both ConvNets

Split = tuple[np.ndarray, np.ndarray]


def adam_trainer(network: Any, train: Split, test: Split, *, epochs: int, lr: float = 0.001,
                 batch_size: int = 100, seed: int = 0, eval_samples: int | None = BOOK_EVAL_SAMPLES,
                 checkpoint_dir: str | os.PathLike | None = None, verbose: bool = True,
                 progress: bool | str = True) -> Trainer:
    """A :class:`Trainer` set up with the book's chapter 7-8 recipe (Adam, lr 0.001, batch 100, accuracy on
    1000 samples per epoch by default); call ``train()`` or ``resume(...)`` on it."""
    return Trainer(network, *train, *test, epochs=epochs, mini_batch_size=batch_size, optimizer="Adam",
                   optimizer_param={"lr": lr}, evaluate_sample_num_per_epoch=eval_samples, seed=seed,
                   verbose=verbose, progress=progress, checkpoint_dir=checkpoint_dir)


@dataclass(frozen=True)
class TrainedRun:
    """What :func:`train_plot_save` produced: the history, accuracy on every test sample, the files written."""

    history: History
    test_acc: float
    figure: Path
    weights: Path


def train_plot_save(trainer: Trainer, test: Split, out_dir: str | os.PathLike, *, title: str,
                    weights_file: str, figure_file: str = "loss_and_accuracy.png") -> TrainedRun:
    """Run ``trainer`` to its end, measure accuracy on all of ``test``, and save under ``out_dir`` the loss and
    accuracy curves (``figure_file``) and the trained weights (``weights_file``, .npz).

    Errors of the run (``TrainingInterrupted``, ``TrainingDivergedError``) propagate before anything is saved.
    """
    history = trainer.train()
    network = trainer.network
    test_acc = float(network.accuracy(*test))
    out_dir = Path(out_dir)
    figure = plot_history(history, out_dir / figure_file, title=title)
    weights = network.save_params(out_dir / weights_file)
    return TrainedRun(history, test_acc, figure, weights)


def final_accuracies(histories: Mapping[str, History]) -> dict[str, dict[str, float]]:
    """Each run's last train and test accuracy and their gap (train - test): the book's overfitting measure."""
    final = {}
    for title, history in histories.items():
        train_acc, test_acc = history.train_acc_list[-1], history.test_acc_list[-1]
        final[title] = {"train_acc": train_acc, "test_acc": test_acc, "gap": train_acc - test_acc}
    return final


def accuracy_table(final: Mapping[str, Mapping[str, float]]) -> str:
    """:func:`final_accuracies` as a Markdown table, one row per run."""
    width = max(len(title) for title in final)
    lines = [f"| {'run':<{width}} | train acc | test acc | gap    |",  # a gap takes 6: -0.001 (test above train)
             f"|{'-' * (width + 2)}|-----------|----------|--------|"]
    for title, row in final.items():
        lines.append(f"| {title:<{width}} | {row['train_acc']:>9.4f} | {row['test_acc']:>8.4f} | {row['gap']:>6.3f} |")
    return "\n".join(lines)
