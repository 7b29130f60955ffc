"""The training loop: the book's chapter-6 ``Trainer``, made exact, resumable and safe.

One update (an *iteration*) takes the next mini-batch of the current epoch's permutation::

    loss, grads = network.loss_and_gradient(x_batch, t_batch)   # one forward and one backward pass
    optimizer.update(network.params, grads)                     # params <- params - lr * grads (SGD)

* **Exact epochs.** Each epoch is one pass over all N samples in a fresh random order (without
  replacement), ``ceil(N / mini_batch_size)`` updates, the last batch possibly smaller. Train and test
  accuracy are measured at the end of every epoch, and once more if ``max_iterations`` stops a run
  inside an epoch.
* **Reproducible.** The order comes from the Trainer's own ``numpy.random.Generator``, seeded by
  ``seed``; the evaluation sample (``evaluate_sample_num_per_epoch``) from a second generator spawned
  from the same seed, drawn once, so every epoch is measured on the same samples.
* **Resumable.** With ``checkpoint_dir`` set, ``<checkpoint_dir>/latest.npz`` is rewritten atomically
  after every epoch; it holds the parameters, the optimiser's state, the layers' own generators and
  running statistics (Dropout, BatchNormalization), the Trainer's generator, position and history.
  :meth:`Trainer.resume` (or :meth:`Trainer.from_checkpoint`) continues a run so that it ends with
  bit-for-bit the parameters of a run never stopped (on the same machine and BLAS thread count).
  Ctrl-C stops at the next batch boundary, however many arrive (a step is never saved half done:
  Dropout's generator and BatchNorm's statistics move in the forward pass), saves a checkpoint there
  (when ``checkpoint_dir`` is set) and raises :class:`TrainingInterrupted`, whose ``checkpoint_path``
  says where. A Ctrl-C during a checkpoint write takes effect once the file is complete. Temporary
  files left by a process killed while saving (``.latest.npz.*.part``) are removed when training
  starts and after every save.
* **Divergence guard.** A NaN or infinite loss stops training with :class:`TrainingDivergedError`,
  naming the iteration, epoch and learning rate. The loss of update k is computed *before* update k,
  from the parameters left by update k-1; so the parameters that gave the last finite loss are those
  from before update k-1. Rather than copying every parameter at every update, the Trainer keeps one
  copy per epoch (taken just before the epoch's first update, kept if that update's loss is finite);
  on divergence it restores that copy and replays the epoch's updates up to k-2, which gives exactly
  those parameters. With ``checkpoint_dir`` set they are saved to ``diverged.npz`` beside
  ``latest.npz``, which keeps the last epoch's end as it was: a loss can grow for many updates before
  it stops being finite, so the last finite one may already be far gone, and the epoch's checkpoint is
  the one to resume with a smaller learning rate.
"""

from __future__ import annotations

import copy
import math
import numbers
import os
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import optimizers
from engine import FAST_TWINS
from engine import threads as thread_policy
from fileio import remove_stale_temp_files
from layers import BatchNormalization
from layers.checks import check_labels, seed_value
from optimizers import Optimizer
from optimizers.base import state_misfit
from training.checkpoint import Checkpoint, CheckpointError, load_checkpoint, save_checkpoint
from training.history import History
from training.network_state import check_generator_state, check_network_state, load_network_state, network_state
from training.progress import ProgressBar
from training.schedules import Schedule, schedule_from_config

CHECKPOINT_NAME = "latest.npz"
DIVERGED_NAME = "diverged.npz"   # the state rolled back to after a divergence; latest.npz is left alone
_EVAL_CHUNK = 1000           # samples copied at a time when evaluating on a subset (one predict batch)
_STRICT_CONFIG = ("mini_batch_size", "seed", "n_train", "optimizer")   # what fixes the order of updates
_BOOK_TWIN = {fast: book for book, fast in FAST_TWINS.items()}


def layer_kinds(network: Any) -> list[list[str]]:
    """[name, class] of each of the network's layers, a fast twin under its book class's name (the two
    builds compute the same function): what makes a checkpoint's parameters mean the same network.
    Parameters alone cannot tell TwoLayerNet's Relu1 from its chapter-4 Sigmoid1."""
    layers = dict(getattr(network, "layers", None) or {})
    return [[name, _BOOK_TWIN.get(type(layer), type(layer)).__name__] for name, layer in layers.items()]


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped ``train()``. ``checkpoint_path``: the checkpoint holding the run at ``iteration``
    updates (None if nothing was saved); ``last_checkpoint``: the newest complete checkpoint file, which
    is ``checkpoint_path`` when one was saved, an earlier one when saving was impossible, else None."""

    def __init__(self, message: str, checkpoint_path: Path | None, iteration: int,
                 last_checkpoint: Path | None = None) -> None:
        super().__init__(message)
        self.checkpoint_path = checkpoint_path
        self.iteration = iteration
        self.last_checkpoint = checkpoint_path if checkpoint_path is not None else last_checkpoint


class TrainingDivergedError(RuntimeError):
    """The loss became NaN or infinite. The network holds the parameters that gave the last finite loss;
    ``checkpoint_path``: where that state was saved (``diverged.npz``; None without a checkpoint_dir);
    ``last_checkpoint``: the run's regular checkpoint (``latest.npz``, left as it was), None if none."""

    def __init__(self, message: str, *, iteration: int, epoch: int, lr: float, loss: float,
                 restored_iteration: int, checkpoint_path: Path | None,
                 last_checkpoint: Path | None = None) -> None:
        super().__init__(message)
        self.iteration = iteration                    # the update whose loss was not finite (1-based)
        self.epoch = epoch                            # the epoch it belonged to (1-based)
        self.lr = lr                                  # the learning rate at that update
        self.loss = loss
        self.restored_iteration = restored_iteration  # the network now holds the params after this many updates
        self.checkpoint_path = checkpoint_path
        self.last_checkpoint = last_checkpoint


def available_optimizers() -> dict[str, type[Optimizer]]:
    """The optimiser classes of the ``optimizers`` package, by lower-case name ("sgd", "adam", ...)."""
    return {
        name.lower(): obj for name, obj in vars(optimizers).items()
        if isinstance(obj, type) and issubclass(obj, Optimizer) and obj is not Optimizer
    }


def make_optimizer(optimizer: str | Optimizer, optimizer_param: Mapping[str, Any] | None = None) -> Optimizer:
    """An optimiser from a name looked up case-insensitively (``"sgd"``, ``"Adam"``), or the instance given.

    ``optimizer_param`` holds the constructor's arguments (default: the book's ``{"lr": 0.01}``); with
    an instance, give them to the instance instead.
    """
    if isinstance(optimizer, Optimizer):
        if optimizer_param is not None:
            raise ValueError("Trainer: optimizer_param applies to an optimiser given by name; "
                             f"the {type(optimizer).__name__} instance given already has its settings")
        return optimizer
    known = available_optimizers()
    if not isinstance(optimizer, str) or optimizer.lower() not in known:
        names = ", ".join(sorted(known))
        raise ValueError(f"Trainer: unknown optimizer {optimizer!r}; known names (any case): {names}")
    settings = {"lr": 0.01} if optimizer_param is None else dict(optimizer_param)
    cls = known[optimizer.lower()]
    try:
        return cls(**settings)
    except TypeError as err:
        raise ValueError(f"Trainer: {cls.__name__} does not accept optimizer_param {settings} ({err})") from err


def _positive_int(name: str, value: Any, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"Trainer: {name} must be a positive integer{' or None' if allow_none else ''}, got {value!r}")
    return int(value)


def _epochs_or_iterations(epochs: int | None, max_iterations: int | None) -> None:
    if epochs is None and max_iterations is None:
        raise ValueError("Trainer: give epochs or max_iterations (or both); both are None")


_SAVED_CONFIG: dict[str, tuple[type, ...]] = {
    "epochs": (int, type(None)), "mini_batch_size": (int,), "optimizer": (str,), "optimizer_param": (dict,),
    "evaluate_sample_num_per_epoch": (int, type(None)), "seed": (int,), "max_iterations": (int, type(None)),
    "schedule": (dict, type(None)), "n_train": (int,),
}


def _check_saved_config(config: Mapping[str, Any], where: str) -> None:
    """CheckpointError naming the key unless a checkpoint's config has the keys and types a Trainer writes."""
    for key, kinds in _SAVED_CONFIG.items():
        if key not in config:
            raise CheckpointError(f"checkpoint {where!r}: metadata lacks the key 'config.{key}'")
        value = config[key]
        if not isinstance(value, kinds) or isinstance(value, bool):
            names = " or ".join("null" if k is type(None) else k.__name__ for k in kinds)
            raise CheckpointError(f"checkpoint {where!r}: metadata key 'config.{key}' must be {names}, "
                                  f"got {type(value).__name__} {value!r:.60}")
    if not isinstance(config.get("optimizer_given_as_instance", False), bool):
        raise CheckpointError(f"checkpoint {where!r}: metadata key 'config.optimizer_given_as_instance' "
                              "must be a boolean")


def _check_optimizer_state_fits(state: Any, params: Mapping[str, np.ndarray], where: str) -> None:
    """CheckpointError naming the key unless every per-parameter optimiser state array fits its parameter
    by the optimisers' own rule (:func:`optimizers.base.state_misfit`), which ``load_state_dict`` leaves
    to the next update, after a forward pass. Other malformations are left to ``load_state_dict``."""
    per_parameter = state.get("state") if isinstance(state, Mapping) else None
    if not isinstance(per_parameter, Mapping):
        return
    try:
        misfit = state_misfit(per_parameter, params)
    except (TypeError, ValueError) as err:  # a value NumPy cannot take as an array
        raise CheckpointError(f"checkpoint {where!r}: optimizer/state holds a value that is not an array "
                              f"({err})") from err
    if misfit is not None:
        key, name, array, param = misfit
        raise CheckpointError(f"checkpoint {where!r}: optimizer/state/{key}/{name} is "
                              f"{array.dtype}{list(array.shape)}, expected {param.dtype}{list(param.shape)} "
                              f"(the shape and dtype of parameter {key!r})")


def _schedule_name(schedule: Callable[[float], Any]) -> str:
    """A schedule as messages name it: its repr for a :class:`Schedule`, else its function or class name."""
    if isinstance(schedule, Schedule):
        return repr(schedule)
    return getattr(schedule, "__qualname__", None) or type(schedule).__name__


def _check_stored_settings(settings: Mapping[str, Any], overrides: Mapping[str, Any], where: str) -> None:
    """CheckpointError naming the file and the key when a setting stored in it (one not overridden) is one
    the Trainer refuses, with the Trainer's own message; a bad override stays a plain ValueError."""
    stored = {key: value for key, value in settings.items() if key not in overrides}
    checks: list[tuple[str, Callable[[], Any]]] = [
        (key, lambda key=key: _positive_int(key, stored[key], allow_none=key != "mini_batch_size"))
        for key in ("epochs", "mini_batch_size", "max_iterations", "evaluate_sample_num_per_epoch") if key in stored
    ]
    if "seed" in stored:
        checks.append(("seed", lambda: seed_value(stored["seed"], "Trainer")))
    if "optimizer" in stored:
        checks.append(("optimizer", lambda: make_optimizer(stored["optimizer"])))
        if "optimizer_param" in stored:
            checks.append(("optimizer_param", lambda: make_optimizer(stored["optimizer"], stored["optimizer_param"])))
    if {"epochs", "max_iterations"} <= stored.keys():
        checks.append(("epochs", lambda: _epochs_or_iterations(stored["epochs"], stored["max_iterations"])))
    for key, check in checks:
        try:
            check()
        except (ValueError, TypeError) as err:
            raise CheckpointError(f"checkpoint {where!r}: metadata key 'config.{key}' holds a setting the Trainer "
                                  f"refuses ({err})") from err


def _plain(value: Any) -> Any:
    """Numbers of a settings dict as plain Python numbers, so that it can go into JSON."""
    return value.item() if isinstance(value, np.generic) else value


@dataclass
class _Snapshot:
    """The state before one update of an epoch, kept so that a divergence can be rolled back."""

    epoch: int
    iteration: int
    batch: int
    permutation: np.ndarray
    rng_state: dict[str, Any]
    params: dict[str, np.ndarray]
    optimizer_state: dict[str, Any]
    network_state: dict[str, Any]


class Trainer:
    """Trains ``network`` by mini-batch gradient descent; see the module docstring.

    ``network`` needs ``params`` (a dict of arrays updated in place), ``loss_and_gradient(x, t)`` and
    ``accuracy(x, t)``, as every :class:`networks.Network` has. ``epochs`` may be None when
    ``max_iterations`` is given; training stops at whichever limit comes first.
    ``evaluate_sample_num_per_epoch``: None evaluates on all the data; a number evaluates on a fixed
    random subset of that many training and test samples (the same subset every epoch).
    ``schedule(epoch_position) -> lr`` sets the learning rate before every update
    (see :mod:`training.schedules`). ``log`` receives the per-epoch lines (when ``verbose``);
    ``progress`` draws a tqdm progress bar on stderr (a string: the bar's label, e.g. the run being compared).
    """

    def __init__(
        self,
        network: Any,
        x_train: np.ndarray,
        t_train: np.ndarray,
        x_test: np.ndarray,
        t_test: np.ndarray,
        epochs: int | None = 20,
        mini_batch_size: int = 100,
        optimizer: str | Optimizer = "SGD",
        optimizer_param: Mapping[str, Any] | None = None,
        evaluate_sample_num_per_epoch: int | None = None,
        verbose: bool = True,
        *,
        seed: int | None = 0,
        max_iterations: int | None = None,
        schedule: Callable[[float], float] | None = None,
        checkpoint_dir: str | os.PathLike | None = None,
        progress: bool | str = True,
        log: Callable[[str], None] = print,
    ) -> None:
        for method in ("loss_and_gradient", "accuracy"):
            if not callable(getattr(network, method, None)):
                raise TypeError(f"Trainer: the network ({type(network).__name__}) has no {method}() method")
        if not isinstance(getattr(network, "params", None), Mapping):
            raise TypeError(f"Trainer: the network ({type(network).__name__}) has no params dict")
        self.network = network
        self.x_train, self.t_train = self._check_data("train", x_train, t_train)
        self.x_test, self.t_test = self._check_data("test", x_test, t_test)
        self.epochs = _positive_int("epochs", epochs, allow_none=True)
        self.batch_size = _positive_int("mini_batch_size", mini_batch_size)
        self.max_iterations = _positive_int("max_iterations", max_iterations, allow_none=True)
        _epochs_or_iterations(self.epochs, self.max_iterations)
        self.evaluate_sample_num_per_epoch = _positive_int(
            "evaluate_sample_num_per_epoch", evaluate_sample_num_per_epoch, allow_none=True)
        self.optimizer = make_optimizer(optimizer, optimizer_param)
        self._optimizer_param = (
            {"lr": self.optimizer.lr} if isinstance(optimizer, Optimizer)
            else {k: _plain(v) for k, v in ({"lr": 0.01} if optimizer_param is None else optimizer_param).items()}
        )
        self._optimizer_is_instance = isinstance(optimizer, Optimizer)
        self._configured_lr = self.optimizer.lr
        if schedule is not None and not callable(schedule):
            raise TypeError(f"Trainer: schedule must be callable (epoch -> lr), got {type(schedule).__name__}")
        self.schedule = schedule
        self.verbose = verbose
        self.progress = progress
        self.log = log
        self.checkpoint_dir = None if checkpoint_dir is None else Path(checkpoint_dir)
        self._check_checkpoint_place(create=False)
        self._checkpoint_is_ours = False   # latest.npz was written by this Trainer or resumed from (train() checks)
        self._just_resumed = False          # resumed and not trained since: train() must have updates to do

        self.train_size = self.x_train.shape[0]
        self.iter_per_epoch = math.ceil(self.train_size / self.batch_size)
        limits = [n for n in (self.max_iterations,
                              None if self.epochs is None else self.epochs * self.iter_per_epoch) if n is not None]
        self.max_iter = min(limits)
        self._check_network_fits()

        sequence = np.random.SeedSequence(seed_value(seed, "Trainer"))
        self.seed = int(sequence.entropy)
        order_seed, sample_seed = sequence.spawn(2)
        self.rng = np.random.default_rng(order_seed)
        sampler = np.random.default_rng(sample_seed)
        self._train_sample = self._draw_sample(sampler, self.train_size)
        self._test_sample = self._draw_sample(sampler, self.x_test.shape[0])

        self.history = History()
        self.current_epoch = 0       # epochs completed
        self.current_iter = 0        # updates done
        self._batch = 0              # updates done in the current epoch
        self._perm: np.ndarray | None = None
        self._snapshot: _Snapshot | None = None
        self._step_start: _Snapshot | None = None   # the snapshot taken before the running step, if any
        self._stop_requested = False
        self._in_step = False                       # between a step's forward pass and its update's end

    # -- set-up helpers ---------------------------------------------------------------------------
    @staticmethod
    def _check_data(kind: str, x: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, t = np.asarray(x), np.asarray(t)
        if x.ndim < 1 or t.ndim < 1 or x.shape[0] != t.shape[0]:
            raise ValueError(f"Trainer: x_{kind} has shape {x.shape} but t_{kind} has shape {t.shape}; "
                             "expected the same number of samples along axis 0")
        if x.shape[0] == 0:
            raise ValueError(f"Trainer: x_{kind} holds no samples")
        for name, a in ((f"x_{kind}", x), (f"t_{kind}", t)):  # labels too: float one-hot rows may hold NaN
            # One float64 sum finds a NaN or an infinity (it makes the sum non-finite); only then is a searched.
            with np.errstate(invalid="ignore", over="ignore"):  # inf + -inf, or a float64 overflow: searched below
                total = np.add.reduce(a, axis=None, dtype=np.float64) if a.dtype.kind == "f" else 0.0
            if not np.isfinite(total):
                bad = np.flatnonzero(~np.isfinite(a.reshape(a.shape[0], -1)).all(axis=1))
                if bad.size:
                    raise ValueError(f"Trainer: {name} holds NaN or infinite values, in {bad.size} sample(s) "
                                     f"(the first: index {bad[0]}); drop or repair them")
        return x, t

    def _check_network_fits(self) -> None:
        """ValueError now for what would otherwise stop the run later, after an epoch's work: a BatchNorm
        network given a batch of one sample (the last of every epoch when N % mini_batch_size == 1), and
        data or labels that do not fit the network (checked on one sample of each set through ``predict``,
        which changes no state)."""
        for kind, x, t in (("train", self.x_train, self.t_train), ("test", self.x_test, self.t_test)):
            if not callable(getattr(self.network, "predict", None)):
                break
            try:
                scores = np.asarray(self.network.predict(x[:1]))
            except (ValueError, TypeError) as error:
                raise ValueError(f"Trainer: x_{kind} does not fit the network: {error}") from None
            if scores.ndim != 2:
                continue
            classes = scores.shape[1]
            if t.ndim == 2 and t.shape[1] not in (1, classes):
                raise ValueError(f"Trainer: t_{kind} has rows of {t.shape[1]} values, the network {classes} "
                                 "outputs; expected one-hot rows of that width or integer labels")
            if t.dtype.kind in "iu" and (t.ndim == 1 or t.shape[1] == 1) and t.size:
                low, high = int(t.min()), int(t.max())
                if low < 0 or high >= classes:
                    raise ValueError(f"Trainer: t_{kind} holds labels from {low} to {high}, the network has "
                                     f"{classes} classes (0 to {classes - 1})")
            check_labels(t, t.shape[0], classes, f"Trainer: t_{kind}")  # the rule loss and accuracy apply
        # BatchNorm after an Affine layer normalises each feature over the batch: one sample cannot be
        # (per channel after a convolution it normalises over N*H*W values, and one image is enough unless
        # its H*W is 1). The one-sample predict above left each layer's input shape. A batch of one comes
        # last in every epoch when N % mini_batch_size == 1, first at the end of epoch 1.
        layers = getattr(self.network, "layers", None)
        reaches_one = self.batch_size == 1 or (self.train_size % self.batch_size == 1
                                               and self.max_iter >= self.iter_per_epoch)
        if reaches_one and isinstance(layers, Mapping) and any(
                isinstance(layer, BatchNormalization) and math.prod((layer.input_shape or (0, 0))[2:]) < 2
                for layer in layers.values()):
            raise ValueError(f"Trainer: {type(self.network).__name__} has BatchNormalization, which needs batches "
                             f"of at least 2 samples, but with {self.train_size} training samples and "
                             f"mini_batch_size={self.batch_size} the last batch of every epoch holds 1; choose "
                             "a mini_batch_size that leaves 0 or at least 2 samples over")

    def _check_checkpoint_place(self, create: bool) -> None:
        """ValueError, naming the path, unless checkpoints can be written: ``checkpoint_dir`` a folder (made
        when ``create``) and its latest.npz no folder, and every parameter and layer name one a checkpoint can
        hold (no '/', which separates its keys). Checked when the Trainer is made and again when training
        starts, so that a bad place is found before an epoch's work, not at its end."""
        folder = self.checkpoint_dir
        if folder is None:
            return
        for name in (*self.network.params, *getattr(self.network, "layers", {})):
            if not isinstance(name, str) or "/" in name:
                raise ValueError(f"Trainer: checkpoint_dir is set, and the network's name {name!r} cannot be a key "
                                 "of a checkpoint (a string without '/'): rename it, or train without checkpoints")
        if folder.exists() and not folder.is_dir():
            raise ValueError(f"Trainer: checkpoint_dir {folder} is not a folder")
        if create:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise ValueError(f"Trainer: cannot create checkpoint_dir {folder}: "
                                 f"{error.strerror or error}") from None
        target = folder / CHECKPOINT_NAME
        if target.exists() and not target.is_file():
            raise ValueError(f"Trainer: the checkpoint {target} cannot be written: a folder is in its place")
        if create and not os.access(folder, os.W_OK | os.X_OK):  # not before: a read-only one can be resumed from
            raise ValueError(f"Trainer: checkpoint_dir {folder} is not writable")

    @property
    def finished(self) -> bool:
        """Whether the run has done all its updates (``max_iter``) and measured the accuracy after the last:
        ``train()`` then has nothing left to do. (A run stopped during that last evaluation has it to do.)"""
        evaluated = self.history.iteration_list
        return self.current_iter >= self.max_iter and bool(evaluated) and evaluated[-1] == self.current_iter

    def _check_checkpoint_is_ours(self) -> None:
        """ValueError unless ``checkpoint_path`` is free or holds this run (written by this Trainer, or the
        file it resumed from): a new run would replace another's checkpoint at its first epoch's end."""
        path = self.checkpoint_path
        if path is not None and path.is_file() and not self._checkpoint_is_ours:
            raise ValueError(f"Trainer: {path} holds an earlier run's checkpoint, which this run would replace: "
                             f"continue it (trainer.resume({os.fspath(path)!r}) or Trainer.from_checkpoint), or "
                             "delete it or choose another checkpoint_dir to start afresh")

    def _draw_sample(self, sampler: np.random.Generator, n: int) -> np.ndarray | None:
        k = self.evaluate_sample_num_per_epoch
        if k is None or k >= n:
            return None
        return np.sort(sampler.choice(n, size=k, replace=False))

    @property
    def config(self) -> dict[str, Any]:
        """The settings of this run, as JSON-able values (stored in every checkpoint)."""
        schedule = None
        if self.schedule is not None:
            schedule = self.schedule.config() if isinstance(self.schedule, Schedule) else {"name": "custom"}
        return {
            "epochs": self.epochs,
            "mini_batch_size": self.batch_size,
            "optimizer": type(self.optimizer).__name__,
            "optimizer_param": dict(self._optimizer_param),
            "optimizer_given_as_instance": self._optimizer_is_instance,
            "evaluate_sample_num_per_epoch": self.evaluate_sample_num_per_epoch,
            "seed": self.seed,
            "max_iterations": self.max_iterations,
            "schedule": schedule,
            "n_train": self.train_size,
            "n_test": int(self.x_test.shape[0]),
            "layers": layer_kinds(self.network),
        }

    # the book's attribute names
    @property
    def train_loss_list(self) -> list[float]:
        return self.history.train_loss_list

    @property
    def train_acc_list(self) -> list[float]:
        return self.history.train_acc_list

    @property
    def test_acc_list(self) -> list[float]:
        return self.history.test_acc_list

    @property
    def checkpoint_path(self) -> Path | None:
        """Where the run's checkpoint is written (None without ``checkpoint_dir``)."""
        return None if self.checkpoint_dir is None else self.checkpoint_dir / CHECKPOINT_NAME

    # -- the loop ---------------------------------------------------------------------------------
    def train(self) -> History:
        """Run until ``max_iter`` updates are done (continuing from the current position); return the history."""
        self._snapshot = None
        self._step_start = None
        self._stop_requested = False
        self._in_step = False
        self._check_checkpoint_place(create=True)
        self._check_checkpoint_is_ours()
        if self._just_resumed and self.finished:
            raise ValueError(f"Trainer: nothing to train: the run was resumed at iteration {self.current_iter}, and "
                             f"this Trainer stops at iteration {self.max_iter} (epochs={self.epochs}, "
                             f"max_iterations={self.max_iterations}); pass larger ones to train further "
                             "(max_iterations=None drops a stored cap)")
        self._just_resumed = False
        if self.checkpoint_path is not None:
            remove_stale_temp_files(self.checkpoint_path)
        bar = None
        if self.progress:
            bar = ProgressBar(self.max_iter, start=self.current_iter,
                              total_epochs=math.ceil(self.max_iter / self.iter_per_epoch),
                              label=self.progress if isinstance(self.progress, str) else None)
        try:
            with self._ctrl_c_deferred(), thread_policy.in_force():   # engine/threads.py: BLAS at 1 thread
                self._run(bar)
                if self._stop_requested:    # Ctrl-C during the last update or the final evaluation
                    raise self._interrupted()
        except TrainingInterrupted:
            raise
        except KeyboardInterrupt:
            raise self._interrupted() from None
        finally:
            if bar is not None:
                bar.close()
        return self.history

    def _run(self, bar: ProgressBar | None) -> None:
        while True:
            if self._perm is not None and self._batch == self.iter_per_epoch:
                self._end_epoch(bar)
            if self.current_iter >= self.max_iter:
                break
            if self._stop_requested:
                raise self._interrupted()
            if self._perm is None:
                self._perm = self.rng.permutation(self.train_size)
                self._batch = 0
            loss = self._train_step()
            if bar is not None:
                bar.update(self.current_iter, self.current_epoch + 1, loss)
        if not self.finished:   # all updates done, the accuracy after the last not yet measured
            self._evaluate_and_record(bar, end_of_epoch=False)
            if self.checkpoint_dir is not None:
                self.save_checkpoint()

    def _forward_backward(self) -> tuple[float, Mapping[str, np.ndarray]]:
        """Loss and gradients on the current batch (``x[idx]`` copies the batch only), after setting the lr."""
        idx = self._perm[self._batch * self.batch_size:(self._batch + 1) * self.batch_size]
        if self.schedule is not None:
            self.optimizer.lr = self._scheduled_lr()
        loss, grads = self.network.loss_and_gradient(self.x_train[idx], self.t_train[idx])
        return float(loss), grads

    def _scheduled_lr(self) -> float:
        """The schedule's learning rate for the next update; ValueError naming the schedule, the position
        and the value unless it is a finite real number >= 0 (checked before anything changes; 0 is a
        schedule's own choice: a warm-up's first step, a cosine decay's end)."""
        position = self.current_epoch + self._batch / self.iter_per_epoch
        lr = self.schedule(position)
        if isinstance(lr, numbers.Real) and not isinstance(lr, bool) and math.isfinite(lr) and lr >= 0:
            return float(lr)
        raise ValueError(f"Trainer: the schedule {_schedule_name(self.schedule)} returned {lr!r:.60} at position "
                         f"{position:g} (epoch {self.current_epoch + 1}, batch {self._batch + 1} of "
                         f"{self.iter_per_epoch}); expected a learning rate, a finite real number >= 0")

    def _apply(self, grads: Mapping[str, np.ndarray]) -> None:
        self.optimizer.update(self.network.params, grads)
        self.current_iter += 1
        self._batch += 1

    def _train_step(self) -> float:
        # A new snapshot is due at the first update of each epoch (and of each train() call). It is taken
        # before the forward pass, which may draw dropout masks and move running statistics, and kept only
        # if that pass gives a finite loss.
        candidate = None
        if self._snapshot is None or self._snapshot.epoch != self.current_epoch:
            candidate = self._take_snapshot()
        self._step_start = candidate
        self._in_step = True
        loss, grads = self._forward_backward()
        if not math.isfinite(loss):
            self._in_step = False
            self._diverged(loss, candidate)
        if candidate is not None:
            self._snapshot = candidate
        self._apply(grads)
        self.history.record_loss(loss)
        self._in_step = False
        return loss

    def _end_epoch(self, bar: ProgressBar | None) -> None:
        self._evaluate_and_record(bar, end_of_epoch=True)
        if self.checkpoint_dir is not None:
            self.save_checkpoint()

    # -- evaluation -------------------------------------------------------------------------------
    def _accuracy(self, x: np.ndarray, t: np.ndarray, sample: np.ndarray | None) -> float:
        if sample is None:
            return float(self.network.accuracy(x, t))
        correct = 0
        for start in range(0, sample.size, _EVAL_CHUNK):
            idx = sample[start:start + _EVAL_CHUNK]
            correct += round(self.network.accuracy(x[idx], t[idx]) * idx.size)
        return correct / sample.size

    def _evaluate_and_record(self, bar: ProgressBar | None, end_of_epoch: bool) -> None:
        train_acc = self._accuracy(self.x_train, self.t_train, self._train_sample)
        test_acc = self._accuracy(self.x_test, self.t_test, self._test_sample)
        if end_of_epoch:
            self.current_epoch += 1
            self._perm = None
            self._batch = 0
        position = self.current_epoch + self._batch / self.iter_per_epoch
        self.history.record_evaluation(position, self.current_iter, train_acc, test_acc, self.optimizer.lr)
        if self.verbose:
            if bar is not None:
                bar.clear()
            where = (f"epoch:{self.current_epoch}" if end_of_epoch
                     else f"iteration:{self.current_iter} (epoch {position:.2f})")
            self.log(f"=== {where}, train acc:{train_acc:.4f}, test acc:{test_acc:.4f} ===")

    # -- divergence -------------------------------------------------------------------------------
    def _take_snapshot(self) -> _Snapshot:
        return _Snapshot(
            epoch=self.current_epoch, iteration=self.current_iter, batch=self._batch, permutation=self._perm,
            rng_state=copy.deepcopy(self.rng.bit_generator.state),
            params={name: p.copy() for name, p in self.network.params.items()},
            optimizer_state=self.optimizer.state_dict(),
            network_state=network_state(self.network),
        )

    def _roll_back(self, target: int) -> bool:
        """Put the network back to its parameters after ``target`` updates, by replay from the snapshot."""
        snap = self._snapshot
        if snap is None or not snap.iteration <= target < self.current_iter:
            return False
        return self._replay_to(target, snap)

    def _replay_to(self, target: int, snap: _Snapshot | None = None) -> bool:
        """Restore ``snap`` (default: the snapshot before the interrupted step, else the epoch's), then
        redo its updates up to ``target``: the exact state after ``target`` updates. False if no
        snapshot lies at or before ``target`` in the current epoch."""
        snap = snap or self._step_start or self._snapshot
        if snap is None or not snap.iteration <= target <= self.current_iter:
            return False
        for name, value in snap.params.items():
            np.copyto(self.network.params[name], value)
        self.optimizer.load_state_dict(snap.optimizer_state)
        load_network_state(self.network, snap.network_state)
        self.rng.bit_generator.state = snap.rng_state
        self.current_epoch, self.current_iter, self._batch, self._perm = (
            snap.epoch, snap.iteration, snap.batch, snap.permutation)
        with thread_policy.in_force():  # as the first time: after a KeyboardInterrupt train() has left its block
            while self.current_iter < target:
                loss, grads = self._forward_backward()
                if not math.isfinite(loss):
                    raise RuntimeError(f"Trainer: replaying update {self.current_iter + 1} gave a loss of {loss}, "
                                       "unlike the first time: the training step is not deterministic")
                self._apply(grads)
                if self.history.iterations < self.current_iter:  # interrupted between its update and its record
                    self.history.record_loss(loss)
        if self.history.iterations > target:
            self.history.truncate(target)
        return True

    def _diverged(self, loss: float, before_this_step: _Snapshot | None) -> None:
        failed = self.current_iter + 1
        epoch, batch, lr = self.current_epoch + 1, self._batch + 1, self.optimizer.lr
        losses = self.history.train_loss_list
        last_finite = losses[-1] if losses else None
        if self._roll_back(self.current_iter - 1):
            kept = (f"The parameters were rolled back to those after update {self.current_iter}, which gave the "
                    f"last finite loss ({last_finite:.6g}, at update {failed - 1}).")
        else:
            if before_this_step is not None:   # undo what the failed forward pass did to dropout and statistics
                load_network_state(self.network, before_this_step.network_state)
            kept = (f"The parameters are those after update {self.current_iter}, where this call to train() "
                    "started; there is no earlier state to go back to.")
        path = last = None
        saved = ""
        if self.checkpoint_dir is not None:
            last = self.checkpoint_path if self.checkpoint_path.is_file() else None
            try:
                path = self.save_checkpoint(self.checkpoint_dir / DIVERGED_NAME)
            except (OSError, CheckpointError) as error:   # the divergence is still what the caller must hear
                saved = f" Saving them to {self.checkpoint_dir / DIVERGED_NAME} failed ({error})"
            else:
                saved = f" They are saved to {path}"
            saved += (f"; the last epoch's checkpoint, {last}, is kept as it was (resume it with a smaller "
                      "learning rate)." if last is not None else
                      " (resume from them with a smaller learning rate)." if path is not None else ".")
        raise TrainingDivergedError(
            f"Trainer: training diverged: the loss became {loss} at iteration {failed} "
            f"(epoch {epoch}, batch {batch} of {self.iter_per_epoch}) with learning rate {lr:g}. {kept}{saved} "
            "Try a smaller learning rate.",
            iteration=failed, epoch=epoch, lr=lr, loss=loss, restored_iteration=self.current_iter,
            checkpoint_path=path, last_checkpoint=last,
        )

    # -- Ctrl-C -----------------------------------------------------------------------------------
    @contextmanager
    def _ctrl_c_deferred(self) -> Iterator[None]:
        """While training, every Ctrl-C only asks the loop to stop at the next batch boundary.

        However many arrive, none interrupts a forward pass, an update or a checkpoint write: a step
        cut short would leave Dropout's generator and BatchNorm's running statistics advanced by a
        step that never happened. Outside the main thread, or when someone else handles SIGINT, nothing
        is changed; a KeyboardInterrupt raised inside a step is then undone by replay (see
        :meth:`_interrupted`).
        """
        if (threading.current_thread() is not threading.main_thread()
                or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
            yield
            return

        def request_stop(signum: int, frame: Any) -> None:
            self._stop_requested = True

        previous = signal.signal(signal.SIGINT, request_stop)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)

    def _interrupted(self) -> TrainingInterrupted:
        """The exception to raise after Ctrl-C, once the run is back at a batch boundary (saved if it can be).

        A KeyboardInterrupt that was not deferred (see :meth:`_ctrl_c_deferred`) may land inside a step,
        after its forward pass moved the layers' generators and statistics or halfway through the
        update. The run is then put back to the state after its last complete update by replaying the
        epoch from its snapshot, exactly as after a divergence, before anything is saved.
        """
        self._stop_requested = False
        last = self.checkpoint_path if self.checkpoint_path is not None and self.checkpoint_path.is_file() else None
        if self._in_step:
            self._in_step = False
            snap = self._step_start or self._snapshot
            try:
                consistent = snap is not None and snap.epoch == self.current_epoch and self._replay_to(
                    self.current_iter, snap)
            except KeyboardInterrupt:
                consistent = False
            if not consistent:
                return self._unsaved(f"training interrupted in the middle of update {self.current_iter + 1}; "
                                     "the state could not be restored to a batch boundary, so it was not saved.",
                                     last)
        where = f"epoch {self.current_epoch + 1}, iteration {self.current_iter}/{self.max_iter}"
        if self.checkpoint_dir is None:
            return TrainingInterrupted(f"training interrupted at {where}; nothing was saved "
                                       "(no checkpoint_dir was given).", None, self.current_iter)
        try:
            path = self.save_checkpoint()
        except BaseException as err:  # noqa: BLE001 (another Ctrl-C, a full disk: the old file is intact)
            return self._unsaved(f"training interrupted at {where}; saving the checkpoint failed "
                                 f"({type(err).__name__}: {err}).", last)
        return TrainingInterrupted(
            f"training interrupted at {where}; checkpoint saved to {path}. To continue in code: "
            f"Trainer.from_checkpoint({str(path)!r}, network, x_train, t_train, x_test, t_test).train(), "
            "or trainer.resume(path) on a Trainer set up as this one.", path, self.current_iter)

    def _unsaved(self, what: str, last: Path | None) -> TrainingInterrupted:
        kept = f" The last complete checkpoint, {last}, is intact." if last else " There is no earlier checkpoint."
        return TrainingInterrupted(what + kept, None, self.current_iter, last)

    # -- checkpoints ------------------------------------------------------------------------------
    def save_checkpoint(self, path: str | os.PathLike | None = None) -> Path:
        """Save the run at its current position (default: ``checkpoint_path``); return the file written."""
        if path is None:
            if self.checkpoint_dir is None:
                raise ValueError("Trainer.save_checkpoint: no path given and no checkpoint_dir set")
            path = self.checkpoint_path
            self._checkpoint_is_ours = True
        return save_checkpoint(path, Checkpoint(
            params=dict(self.network.params),
            optimizer_state=self.optimizer.state_dict(),
            network_state=network_state(self.network),
            rng_state=self.rng.bit_generator.state,
            epoch=self.current_epoch,
            iteration=self.current_iter,
            batch_in_epoch=self._batch if self._perm is not None else 0,
            permutation=self._perm,
            history=self.history.to_dict(),
            config=self.config,
        ))

    def resume(self, path: str | os.PathLike) -> None:
        """Load the run saved in ``path`` into this Trainer, which must be set up as the saved one was.

        Parameters, optimiser state, the layers' generators and running statistics
        (:mod:`training.network_state`), the Trainer's generator, position and history are restored;
        ``train()`` then continues. Batch size, seed, number of training samples and optimiser type must match (else
        :class:`CheckpointError`); ``epochs``/``max_iterations`` may differ (to train longer), and a
        different learning rate or schedule takes effect from here on. So do the optimiser's other
        hyper-parameters (momentum, Adam's betas) and the network's settings beyond its shapes, layer kinds and
        dtype (a dropout ratio, a weight decay), which a checkpoint does not record: give the saved run's to
        continue it unchanged.
        """
        checkpoint = load_checkpoint(path, self.network.params)
        self._restore(checkpoint, os.fspath(path))
        self._resumed_from(path, checkpoint)

    def _resumed_from(self, path: str | os.PathLike, checkpoint: Checkpoint) -> None:
        """After a resume: ``checkpoint_path`` holds this run when it is the file resumed from, or when that
        was its folder's diverged.npz and latest.npz is absent or the same run's earlier state (its losses
        the first of the diverged run's: a later run's latest.npz is never taken for it)."""
        mine = self.checkpoint_path
        resumed = Path(path).resolve()
        ours = mine is not None and resumed == mine.resolve()
        if mine is not None and resumed == (mine.parent / DIVERGED_NAME).resolve():
            ours = not mine.is_file() or self._earlier_state_of(mine, checkpoint)
        self._checkpoint_is_ours = ours
        self._just_resumed = True

    def _earlier_state_of(self, path: Path, later: Checkpoint) -> bool:
        """Whether the checkpoint in ``path`` is ``later``'s run at an earlier position: the same settings
        and, update for update, the same losses."""
        try:
            earlier = load_checkpoint(path, self.network.params)
        except (CheckpointError, OSError, ValueError):
            return False
        same = all(earlier.config.get(key) == later.config.get(key) for key in (*_STRICT_CONFIG, "layers"))
        losses, later_losses = (list(c.history.get("train_loss_list", [])) for c in (earlier, later))
        return same and earlier.iteration <= later.iteration and losses == later_losses[:len(losses)]

    @classmethod
    def from_checkpoint(cls, path: str | os.PathLike, network: Any, x_train: np.ndarray, t_train: np.ndarray,
                        x_test: np.ndarray, t_test: np.ndarray, **overrides: Any) -> Trainer:
        """A Trainer with the settings stored in ``path`` (``overrides`` win), resumed from it.

        Checkpoints keep writing to the checkpoint's directory unless ``checkpoint_dir`` is overridden.
        """
        where = os.fspath(path)
        checkpoint = load_checkpoint(path, getattr(network, "params", None))
        config = checkpoint.config
        _check_saved_config(config, where)
        settings: dict[str, Any] = {key: config[key] for key in (
            "epochs", "mini_batch_size", "optimizer", "evaluate_sample_num_per_epoch", "seed", "max_iterations")}
        settings["optimizer_param"] = config["optimizer_param"]
        if config.get("optimizer_given_as_instance") and not isinstance(overrides.get("optimizer"), Optimizer):
            raise CheckpointError(f"Trainer.from_checkpoint: {where!r} was trained with a {config['optimizer']} "
                                  "instance whose settings are not all stored; pass optimizer=<the same instance> "
                                  "(a name would take its class's defaults)")
        if "optimizer" in overrides and isinstance(overrides["optimizer"], Optimizer):
            settings.pop("optimizer_param")
        schedule = config.get("schedule")
        if schedule is not None and "schedule" not in overrides:
            if schedule.get("name") == "custom":
                raise CheckpointError(f"Trainer.from_checkpoint: {where!r} used a custom schedule; pass schedule=...")
            try:
                settings["schedule"] = schedule_from_config(schedule)
            except (ValueError, TypeError) as err:
                raise CheckpointError(f"checkpoint {where!r}: the stored schedule is malformed ({err})") from err
        _check_stored_settings(settings, overrides, where)
        settings["checkpoint_dir"] = Path(path).parent
        settings.update(overrides)
        trainer = cls(network, x_train, t_train, x_test, t_test, **settings)
        trainer._restore(checkpoint, where)
        trainer._resumed_from(path, checkpoint)
        return trainer

    def _check_position(self, checkpoint: Checkpoint, where: str) -> None:
        """CheckpointError unless the position is one this Trainer writes: ``iteration == epoch * batches
        per epoch + batch``, with batch 0 between epochs (no permutation stored) and 0..batches per epoch
        inside one (batches per epoch: the epoch's updates are done, its evaluation is not)."""
        n, batch = self.iter_per_epoch, checkpoint.batch_in_epoch
        inside = checkpoint.permutation is not None
        if not 0 <= batch <= (n if inside else 0):
            expected = f"0 to {n}, the epoch's permutation being stored" if inside else "0, no permutation being stored"
            raise CheckpointError(f"checkpoint {where!r}: position.batch_in_epoch is {batch}, expected {expected} "
                                  f"(an epoch has {n} batches)")
        if checkpoint.iteration != checkpoint.epoch * n + batch:
            raise CheckpointError(f"checkpoint {where!r}: position.iteration is {checkpoint.iteration}, but epoch "
                                  f"{checkpoint.epoch} and batch {batch} of an epoch of {n} batches make "
                                  f"{checkpoint.epoch * n + batch} updates")

    def _restore(self, checkpoint: Checkpoint, where: str) -> None:
        saved, mine = checkpoint.config, self.config
        reused_instance = self._optimizer_is_instance and self.optimizer.iterations > 0  # its lr: where it was left
        _check_saved_config(saved, where)
        differ = [f"{key} {saved.get(key)!r} (checkpoint) vs {mine[key]!r} (this trainer)"
                  for key in _STRICT_CONFIG if saved.get(key) != mine[key]]
        if differ:
            raise CheckpointError(f"checkpoint {where!r} comes from a different run: " + "; ".join(differ))
        if "layers" in saved and saved["layers"] != mine["layers"]:  # checkpoints before it was stored: not checked
            raise CheckpointError(f"checkpoint {where!r} comes from a different network: its [layer, class] are "
                                  f"{saved['layers']!r:.600}, this {type(self.network).__name__}'s {mine['layers']}")
        params = self.network.params
        missing = [k for k in params if k not in checkpoint.params]
        unexpected = [k for k in checkpoint.params if k not in params]
        if missing or unexpected:
            raise CheckpointError(f"checkpoint {where!r} does not fit {type(self.network).__name__}: "
                                  f"missing parameters {missing}, unexpected parameters {unexpected}")
        for key, value in checkpoint.params.items():
            if value.shape != params[key].shape or value.dtype != params[key].dtype:
                raise CheckpointError(f"checkpoint {where!r}: parameter {key!r} is {value.dtype}{list(value.shape)}, "
                                      f"the network's is {params[key].dtype}{list(params[key].shape)}")
        perm = checkpoint.permutation
        if perm is not None and not np.array_equal(np.sort(perm), np.arange(self.train_size)):
            raise CheckpointError(f"checkpoint {where!r}: the stored sample order is not a permutation of "
                                  f"{self.train_size} samples")
        self._check_position(checkpoint, where)
        try:
            history = History.from_dict(checkpoint.history)
            check_generator_state(type(self.rng.bit_generator), checkpoint.rng_state, "rng_state")
            check_network_state(self.network, checkpoint.network_state, f"checkpoint {where!r}")
        except (ValueError, TypeError, KeyError, OverflowError) as err:
            raise CheckpointError(f"checkpoint {where!r}: malformed history, generator or layer state ({err})") from err
        if history.iterations != checkpoint.iteration:
            raise CheckpointError(f"checkpoint {where!r}: {history.iterations} losses recorded for "
                                  f"{checkpoint.iteration} updates")
        _check_optimizer_state_fits(checkpoint.optimizer_state, params, where)
        try:
            self.optimizer.load_state_dict(checkpoint.optimizer_state)
        except (KeyError, TypeError, ValueError) as err:
            raise CheckpointError(f"checkpoint {where!r}: the optimiser state does not fit "
                                  f"{type(self.optimizer).__name__} ({err})") from err
        saved_lr = saved.get("optimizer_param", {}).get("lr")
        if self.schedule is None and saved.get("schedule") is not None:   # not the schedule's last lr, but the run's
            left_by_schedule = checkpoint.optimizer_state.get("lr") if isinstance(checkpoint.optimizer_state,
                                                                                  Mapping) else None
            reuse_saved = (reused_instance and isinstance(saved_lr, int | float)
                           and self._configured_lr == left_by_schedule)   # not an lr the user set since
            self.optimizer.lr = saved_lr if reuse_saved else self._configured_lr
        elif saved_lr != self._optimizer_param.get("lr"):
            self.optimizer.lr = self._configured_lr
        for key, value in checkpoint.params.items():
            np.copyto(params[key], value)
        load_network_state(self.network, checkpoint.network_state)
        self.rng.bit_generator.state = checkpoint.rng_state
        self.current_epoch = checkpoint.epoch
        self.current_iter = checkpoint.iteration
        self._batch = checkpoint.batch_in_epoch
        self._perm = perm
        self.history = history
        self._snapshot = None
        if self.verbose:
            self.log(f"resumed from {where} at epoch {self.current_epoch + 1}, iteration {self.current_iter}")
