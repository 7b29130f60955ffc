"""The optimiser contract: ``update(params, grads)`` changes ``params`` in place.

Checked once per call, at the boundary (never per element): ``grads`` has exactly the keys of
``params``, and every gradient is an array of its parameter's shape and dtype (real floating point),
so nothing is broadcast or cast silently. Hyper-parameters are checked whenever they are set (in the
constructor or later: :class:`HyperParameter`), and ``load_state_dict`` accepts only a state this kind
of optimiser wrote, finite, its sums of squares not negative.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np


class GradientError(ValueError):
    """A gradient does not fit its parameter (shape, dtype), or ``grads`` has other keys than ``params``."""


class MissingGradientError(GradientError, KeyError):
    """``grads`` lacks a parameter's gradient (a KeyError too, as it was before it was a ValueError)."""

    def __str__(self) -> str:
        return str(self.args[0])


class StateByKey:
    """The book's name for one kind of per-parameter state, read-only: ``Momentum().v`` is the book's
    ``self.v``, {parameter name: its velocity}, the very arrays in ``state[key]["v"]``; None before the
    first update, as the book's starts."""

    def __init__(self, entry: str) -> None:
        self.entry = entry

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, optimizer: Any, owner: type | None = None) -> Any:
        if optimizer is None:
            return self
        return {key: entries[self.entry] for key, entries in optimizer.state.items()} or None

    def __set__(self, optimizer: Any, value: Any) -> None:
        raise AttributeError(f"{type(optimizer).__name__}.{self.name} is read-only: the state lives in "
                             f"state[key][{self.entry!r}] (load_state_dict restores it)")


def real_number(owner: str, name: str, value: Any) -> float:
    """``value`` as a float; TypeError naming ``name`` unless it is a real number (bool and str refused)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{owner}: {name} must be a real number, got {type(value).__name__} {value!r}")
    return float(value)


def positive(owner: str, name: str, value: Any) -> float:
    """A finite number > 0, else ValueError (TypeError for a non-number)."""
    number = real_number(owner, name, value)
    if not (math.isfinite(number) and number > 0):
        raise ValueError(f"{owner}: {name} must be positive and finite, got {value!r}")
    return number


def fraction(owner: str, name: str, value: Any) -> float:
    """A number in [0, 1), else ValueError (TypeError for a non-number)."""
    number = real_number(owner, name, value)
    if not 0 <= number < 1:
        raise ValueError(f"{owner}: {name} must lie in [0, 1), got {value!r}")
    return number


def learning_rate(owner: str, name: str, value: Any) -> float:
    """A finite number >= 0, else ValueError (TypeError for a non-number): what may be set as ``lr`` at any
    time (a schedule's warm-up may set 0; the constructor asks for more, a positive one)."""
    number = real_number(owner, name, value)
    if not (math.isfinite(number) and number >= 0):
        raise ValueError(f"{owner}: {name} must be finite and >= 0, got {value!r}")
    return number


class HyperParameter:
    """A hyper-parameter checked whenever it is set, in ``__init__`` (the book's ``self.momentum = momentum``)
    and at any time after (``opt.lr = float("nan")`` raises at once instead of filling the parameters with
    NaN on the next update). ``check(owner, name, value)`` returns the value to keep, a float."""

    def __init__(self, check: Any) -> None:
        self.check = check

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, optimizer: Any, owner: type | None = None) -> Any:
        if optimizer is None:
            return self
        try:
            return optimizer.__dict__[self.name]
        except KeyError:
            raise AttributeError(f"{type(optimizer).__name__} has no {self.name} yet") from None

    def __set__(self, optimizer: Any, value: Any) -> None:
        optimizer.__dict__[self.name] = self.check(type(optimizer).__name__, self.name, value)


def state_misfit(state: Mapping[str, Any], params: Mapping[str, np.ndarray]) -> tuple[str, str, np.ndarray,
                                                                                     np.ndarray] | None:
    """The first per-parameter state array that does not fit its parameter, as (key, entry, the array, the
    parameter); None when all fit. A floating-point state array (a velocity, a moment; 0-d included) and
    any other array but a 0-d integer (Adam's step count) must have its parameter's shape and dtype.
    State of a name ``params`` lacks, and entries that are no dict, are left alone."""
    for key, entries in state.items():
        p = params.get(key)
        if p is None or not isinstance(entries, Mapping):
            continue
        for entry, value in entries.items():
            array = value if isinstance(value, np.ndarray) else np.asarray(value)
            if (array.dtype.kind == "f" or array.ndim) and (array.shape != p.shape or array.dtype != p.dtype):
                return key, entry, array, p
    return None


class Optimizer:
    """Base class. Per-parameter state (velocities, moments) is keyed by parameter name and created
    lazily on the first ``update``; ``state_dict``/``load_state_dict`` save and restore it exactly."""

    #: names of the per-parameter state arrays and their dtype kinds ("f" float, "i" integer); None: any
    state_kinds: ClassVar[dict[str, str] | None] = None
    nonnegative_state: ClassVar[frozenset[str]] = frozenset()  # sums of squares: a negative one makes sqrt NaN
    lr = HyperParameter(learning_rate)

    def __init__(self, lr: float) -> None:
        name = type(self).__name__
        if isinstance(lr, bool) or not isinstance(lr, int | float | np.integer | np.floating):
            raise TypeError(f"{name}: learning rate lr must be a real number, got {type(lr).__name__} {lr!r}")
        if not (math.isfinite(lr) and lr > 0):
            raise ValueError(f"{name}: learning rate must be positive and finite, got {lr!r}")
        self.lr = float(lr)
        self.state: dict[str, dict[str, np.ndarray]] = {}
        self.iterations = 0
        self._workspaces: dict[tuple[str, np.dtype], np.ndarray] = {}  # working memory, not state
        self._state_unchecked = False   # set by load_state_dict: shapes are checked on the next update

    def update(self, params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray]) -> None:
        """One step for every parameter; ``grads`` must match ``params`` key for key, shape and dtype."""
        two_dicts_alike = type(params) is dict and type(grads) is dict and params.keys() == grads.keys()
        if not two_dicts_alike and (not isinstance(params, Mapping) or not isinstance(grads, Mapping)
                                    or params.keys() != grads.keys()):
            self._key_mismatch(params, grads)
        for key, p in params.items():
            g = grads[key]
            if not isinstance(p, np.ndarray) or not isinstance(g, np.ndarray) or g.shape != p.shape \
                    or g.dtype != p.dtype or p.dtype.kind != "f" or not p.flags.writeable:
                self._gradient_mismatch(key, p, g)
        if self.state:
            self._check_state_fits(params)
        self.iterations += 1
        for key, p in params.items():
            self._update_one(key, p, grads[key])

    def _key_mismatch(self, params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray]) -> None:
        name = type(self).__name__
        for what, given in (("params", params), ("grads", grads)):
            if not isinstance(given, Mapping):
                raise TypeError(f"{name}.update: {what} must be a dict of arrays, got {type(given).__name__}")
        missing = [k for k in params if k not in grads]
        if missing:
            raise MissingGradientError(f"{name}.update: no gradient for parameter(s) {missing}")
        unknown = [k for k in grads if k not in params]
        raise GradientError(f"{name}.update: gradient(s) {unknown} for no parameter (parameters: {list(params)})")

    def _gradient_mismatch(self, key: str, param: Any, grad: Any) -> None:
        name = type(self).__name__
        if not isinstance(param, np.ndarray) or param.dtype.kind != "f":
            raise GradientError(f"{name}.update: parameter {key!r} must be a real floating-point array, got "
                                f"{getattr(param, 'dtype', type(param).__name__)}")
        if not param.flags.writeable:
            raise GradientError(f"{name}.update: parameter {key!r} is a read-only array; expected a writeable one "
                                "(the update is in place)")
        if not isinstance(grad, np.ndarray):
            raise GradientError(f"{name}.update: the gradient of {key!r} must be a numpy array, "
                                f"got {type(grad).__name__}")
        raise GradientError(f"{name}.update: the gradient of {key!r} is {grad.dtype}{list(grad.shape)}, its "
                            f"parameter is {param.dtype}{list(param.shape)} (no broadcasting or casting)")

    def _check_state_fits(self, params: Mapping[str, np.ndarray]) -> None:
        """ValueError, before anything changes, unless every floating-point state array (a velocity, a
        moment; 0-d included) and every other state array but a 0-d integer (Adam's step count) has its
        parameter's shape and dtype: NumPy would broadcast a smaller one silently or fail half-way through.

        Run on every update, not only after ``load_state_dict``: a parameter whose shape changes under
        the same name would otherwise meet its old state half-way through an update.
        """
        misfit = state_misfit(self.state, params)
        if misfit is not None:
            key, entry, value, p = misfit
            what = "loaded state" if self._state_unchecked else "state"
            raise ValueError(f"{type(self).__name__}.update: {what} {key}.{entry} is "
                             f"{value.dtype}{list(value.shape)}, the parameter is {p.dtype}{list(p.shape)}")
        self._state_unchecked = False

    def _update_one(self, key: str, param: np.ndarray, grad: np.ndarray) -> None:
        raise NotImplementedError

    def _workspace(self, key: str, like: np.ndarray) -> np.ndarray:
        """Uninitialised memory of ``like``'s shape and dtype, kept for parameter ``key`` between updates.

        An update's temporaries (lr * g, say) are as large as the parameter. Made afresh on every
        update, one above the allocator's threshold (128 KiB) comes straight from the operating system
        on some runs and not on others, and the page faults of its first write cost more than the
        arithmetic: measured on TwoLayerNet 784-50-10, SGD's update took 40 or 130 us from run to run.
        """
        workspace = self._workspaces.get((key, like.dtype))
        if workspace is None or workspace.shape != like.shape:
            workspace = self._workspaces[key, like.dtype] = np.empty(like.shape, like.dtype)
        return workspace

    def state_dict(self) -> dict[str, Any]:
        """Learning rate, step count and per-parameter state, as plain arrays (savable with np.savez)."""
        return {
            "type": type(self).__name__,
            "lr": self.lr,
            "iterations": self.iterations,
            "state": {k: {n: v.copy() for n, v in s.items()} for k, s in self.state.items()},
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned, after checking all of it (nothing changes on error).

        Refused with ValueError: another optimiser's state (its recorded ``type``, or state arrays of
        other names), a missing key, a negative or non-finite lr, a negative step count (``iterations``
        or a per-parameter one such as Adam's ``t``), arrays of the wrong kind, a NaN or infinity in them, a
        negative sum of squares (AdaGrad's and RMSprop's ``h``, Adam's ``v``). A state saved before
        ``type`` was recorded is accepted by its array names. Whether the arrays have their parameters'
        shapes is checked at the next :meth:`update`, before anything changes.
        """
        name = type(self).__name__
        where = f"{name}.load_state_dict"
        if not isinstance(state, Mapping):
            raise TypeError(f"{where}: expected a dict from state_dict(), got {type(state).__name__}")
        missing = [k for k in ("lr", "iterations", "state") if k not in state]
        if missing:
            raise ValueError(f"{where}: the state lacks key(s) {missing}; expected the dict state_dict() returns")
        saved_type = state.get("type", name)
        if saved_type != name:
            raise ValueError(f"{where}: this is the state of {saved_type!r}, not of {name!r}")
        lr = learning_rate(where, "lr", state["lr"])
        iterations = state["iterations"]
        if isinstance(iterations, bool) or not isinstance(iterations, int | np.integer) or iterations < 0:
            raise ValueError(f"{where}: iterations must be an integer >= 0, got {iterations!r}")
        if not isinstance(state["state"], Mapping):
            raise ValueError(f"{where}: 'state' must be a dict keyed by parameter name")
        restored = {}
        for key, entries in state["state"].items():
            if not isinstance(entries, Mapping):
                raise ValueError(f"{where}: state[{key!r}] must be a dict of arrays")
            arrays = {n: np.array(v) for n, v in entries.items()}
            kinds = self.state_kinds
            if kinds is not None:
                if set(arrays) != set(kinds):
                    raise ValueError(f"{where}: state[{key!r}] holds {sorted(arrays)}, a {name} keeps "
                                     f"{sorted(kinds)}: the state of another optimiser?")
                for n, array in arrays.items():
                    if array.dtype.kind not in kinds[n] or (kinds[n] == "i" and array.ndim):
                        expected = "a 0-d integer step count" if kinds[n] == "i" else "a floating-point array"
                        raise ValueError(f"{where}: state[{key!r}][{n!r}] is {array.dtype}{list(array.shape)}, "
                                         f"expected {expected}")
                    if kinds[n] == "f" and not np.isfinite(array).all():
                        raise ValueError(f"{where}: state[{key!r}][{n!r}] holds NaN or an infinity: the run it was "
                                         "saved from had diverged, and the next update would spread it to the "
                                         "parameters; expected finite numbers")
                    if n in self.nonnegative_state and (array < 0).any():
                        raise ValueError(f"{where}: state[{key!r}][{n!r}] is a sum of squares, expected values >= 0, "
                                         f"got {array.min()}: the next update would take its square root")
                    if kinds[n] == "i":  # a step count
                        if array < 0:
                            raise ValueError(f"{where}: state[{key!r}][{n!r}] is a step count, expected an integer "
                                             f">= 0, got {int(array)}")
                        arrays[n] = array.astype(np.int64)
                shapes = {a.shape for n, a in arrays.items() if kinds[n] == "f"}
                if len(shapes) > 1:
                    raise ValueError(f"{where}: state[{key!r}] arrays differ in shape: {sorted(shapes)}")
            restored[key] = arrays
        self.lr = lr
        self.iterations = int(iterations)
        self.state = restored
        self._state_unchecked = True
