"""Training checkpoints: everything needed to continue a run exactly, in one ``.npz`` file.

Layout of the file (read with ``allow_pickle=False``):

* ``params/<name>``             the network's parameters;
* ``optimizer/<path>``          every array of ``optimizer.state_dict()``, e.g. ``optimizer/state/W1/v``;
* ``network/<layer>/<name>``    the network's running statistics (see :mod:`training.network_state`);
* ``position/permutation``      the current epoch's sample order, when the run stopped inside an epoch;
* ``meta``                      a 0-d unicode array holding JSON: format and version, the position
  (epochs done, updates done, batches done in the current epoch), the generator state
  (``rng.bit_generator.state``), the history, the Trainer's config, and the rest of the optimiser and
  network state with each array replaced by ``{"__array__": "<key in the file>"}`` (plus
  ``"scalar": true`` for a numpy scalar).

Python floats go through JSON unchanged (``repr`` round-trips exactly), and numpy scalars are stored
as 0-d arrays, so a checkpoint restores values bit for bit.
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fileio import write_atomically

FORMAT = "zeroprop-training-checkpoint"
VERSION = 1
_ARRAY = "__array__"


class CheckpointError(ValueError):
    """A checkpoint file is unreadable, incomplete, or does not fit the run it is loaded into."""


@dataclass
class Checkpoint:
    """The state of a run between two updates."""

    params: dict[str, np.ndarray]
    optimizer_state: dict[str, Any]
    network_state: dict[str, Any]   # layers' generators and running statistics
    rng_state: dict[str, Any]
    epoch: int                      # epochs completed
    iteration: int                  # updates done in all
    batch_in_epoch: int             # updates done in the current epoch
    permutation: np.ndarray | None  # the current epoch's order (None between epochs)
    history: dict[str, Any]
    config: dict[str, Any]


def _split(tree: Any, key: str, arrays: dict[str, np.ndarray]) -> Any:
    """Copy ``tree`` with every array moved into ``arrays`` under a '/'-joined key and replaced by a reference."""
    if isinstance(tree, np.ndarray | np.generic):
        array = np.asarray(tree)
        if array.dtype.hasobject:
            raise CheckpointError(f"checkpoint: {key!r} is an object array, which cannot be saved without pickle")
        arrays[key] = array
        return {_ARRAY: key, "scalar": True} if isinstance(tree, np.generic) else {_ARRAY: key}
    if isinstance(tree, dict):
        out = {}
        for name, value in tree.items():
            if not isinstance(name, str) or "/" in name or name == _ARRAY:
                raise CheckpointError(f"checkpoint: cannot store key {name!r} under {key!r} "
                                      "(keys must be strings without '/')")
            out[name] = _split(value, f"{key}/{name}", arrays)
        return out
    if isinstance(tree, list | tuple):
        return [_split(value, f"{key}/{i}", arrays) for i, value in enumerate(tree)]
    if tree is None or isinstance(tree, bool | int | float | str):
        return tree
    raise CheckpointError(f"checkpoint: cannot store {type(tree).__name__} at {key!r}")


def _join(tree: Any, arrays: dict[str, np.ndarray], path: str) -> Any:
    """Inverse of :func:`_split`: references become the arrays (or numpy scalars) again."""
    if isinstance(tree, dict):
        if _ARRAY in tree and set(tree) <= {_ARRAY, "scalar"}:
            key = tree[_ARRAY]
            if key not in arrays:
                raise CheckpointError(f"checkpoint {path!r}: metadata refers to array {key!r}, which the file lacks")
            return arrays[key][()] if tree.get("scalar") else arrays[key]
        return {name: _join(value, arrays, path) for name, value in tree.items()}
    if isinstance(tree, list):
        return [_join(value, arrays, path) for value in tree]
    return tree


def save_checkpoint(path: str | os.PathLike, checkpoint: Checkpoint) -> Path:
    """Write ``checkpoint`` to ``path`` (``.npz``) atomically: a complete old file or a complete new one."""
    arrays: dict[str, np.ndarray] = {}
    for name, value in checkpoint.params.items():
        _split(np.asarray(value), f"params/{name}", arrays)
    optimizer_tree = _split(checkpoint.optimizer_state, "optimizer", arrays)
    network_tree = _split(checkpoint.network_state, "network", arrays)
    if checkpoint.permutation is not None:
        arrays["position/permutation"] = np.asarray(checkpoint.permutation)
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "params": list(checkpoint.params),
        "position": {
            "epoch": int(checkpoint.epoch),
            "iteration": int(checkpoint.iteration),
            "batch_in_epoch": int(checkpoint.batch_in_epoch),
            "has_permutation": checkpoint.permutation is not None,
        },
        "rng_state": checkpoint.rng_state,
        "optimizer": optimizer_tree,
        "network": network_tree,
        "history": checkpoint.history,
        "config": checkpoint.config,
    }
    try:
        arrays["meta"] = np.array(json.dumps(meta, allow_nan=False))
    except (TypeError, ValueError) as err:
        raise CheckpointError(f"checkpoint: metadata for {os.fspath(path)!r} is not plain JSON ({err})") from err
    return write_atomically(path, lambda f: np.savez(f, **arrays))


def load_checkpoint(path: str | os.PathLike) -> Checkpoint:
    """Read a file written by :func:`save_checkpoint`; anything malformed raises :class:`CheckpointError`."""
    where = os.fspath(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, zlib.error, ValueError, OSError, EOFError, KeyError) as err:
        raise CheckpointError(
            f"checkpoint {where!r} is not a readable .npz file ({type(err).__name__}: {err})") from err
    if "meta" not in arrays:
        raise CheckpointError(f"checkpoint {where!r} has no 'meta' entry: not a training checkpoint")
    try:
        meta = json.loads(str(arrays.pop("meta")[()]))
        if meta.get("format") != FORMAT:
            raise CheckpointError(f"checkpoint {where!r}: format {meta.get('format')!r}, expected {FORMAT!r}")
        if meta.get("version") != VERSION:
            raise CheckpointError(f"checkpoint {where!r}: version {meta.get('version')!r}, this code reads {VERSION}")
        position = meta["position"]
        params = {}
        for name in meta["params"]:
            if f"params/{name}" not in arrays:
                raise CheckpointError(f"checkpoint {where!r}: parameter {name!r} is missing")
            params[name] = arrays[f"params/{name}"]
        permutation = None
        if position["has_permutation"]:
            if "position/permutation" not in arrays:
                raise CheckpointError(f"checkpoint {where!r}: the epoch's permutation is missing")
            permutation = arrays["position/permutation"]
        return Checkpoint(
            params=params,
            optimizer_state=_join(meta["optimizer"], arrays, where),
            network_state=_join(meta["network"], arrays, where),
            rng_state=meta["rng_state"],
            epoch=int(position["epoch"]),
            iteration=int(position["iteration"]),
            batch_in_epoch=int(position["batch_in_epoch"]),
            permutation=permutation,
            history=meta["history"],
            config=meta["config"],
        )
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as err:
        raise CheckpointError(f"checkpoint {where!r}: malformed metadata ({type(err).__name__}: {err})") from err
