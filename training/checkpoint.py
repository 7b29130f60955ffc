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
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fileio import (
    ArchiveError,
    ArrayInfo,
    describe,
    read_npz,
    remove_stale_temp_files,
    sigint_deferred,
    write_atomically,
    write_npz,
)

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


def _join(tree: Any, arrays: dict[str, np.ndarray], path: str, at: str) -> Any:
    """Inverse of :func:`_split`: references become the arrays (or numpy scalars) again; ``at`` names
    the place in the metadata, for messages."""
    if isinstance(tree, dict):
        if _ARRAY in tree and set(tree) <= {_ARRAY, "scalar"}:
            key = tree[_ARRAY]
            if not isinstance(key, str) or key not in arrays or key == "meta":
                raise CheckpointError(f"checkpoint {path!r}: metadata {at!r} refers to array {key!r}, "
                                      "which the file lacks")
            return arrays[key][()] if tree.get("scalar") else arrays[key]
        return {name: _join(value, arrays, path, f"{at}.{name}") for name, value in tree.items()}
    if isinstance(tree, list):
        return [_join(value, arrays, path, f"{at}[{i}]") for i, value in enumerate(tree)]
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
    with sigint_deferred():   # a Ctrl-C during the write takes effect once the file is complete
        written = write_atomically(path, lambda f: write_npz(f, arrays))
    remove_stale_temp_files(written)
    return written


MAX_META_CHARS = 64 << 20      # the JSON metadata; a history of a million losses is about 20 MB
MAX_DEPTH = 32                 # nesting of the metadata; ours is at most 6 deep
_ARRAY_KINDS = {"params": "f", "optimizer": "fiub", "network": "fiub", "position": "iu"}
_KIND_NAMES = {"f": "real floating point", "fiub": "real numbers or booleans", "iu": "integers"}
_POSITION = {"epoch": int, "iteration": int, "batch_in_epoch": int, "has_permutation": bool}
_TOP = {"format": str, "version": int, "params": list, "position": dict, "rng_state": dict, "optimizer": dict,
        "network": dict, "history": dict, "config": dict}


def _check_directory(where: str, directory: Mapping[str, ArrayInfo], file_size: int,
                     expected_params: Mapping[str, np.ndarray] | None) -> None:
    """Refuse, from the archive's directory alone, anything :func:`save_checkpoint` would not have written."""
    if "meta" not in directory:
        raise CheckpointError(f"checkpoint {where!r} has no 'meta' entry: not a training checkpoint")
    declared = 0
    for key, info in directory.items():
        if info.compressed:
            raise CheckpointError(f"checkpoint {where!r}: key {key!r} is compressed; save_checkpoint writes "
                                  "uncompressed arrays, so this file was not written by it")
        declared += info.nbytes
        if key == "meta":
            if info.dtype.kind != "U" or info.shape != () or info.dtype.itemsize // 4 > MAX_META_CHARS:
                raise CheckpointError(f"checkpoint {where!r}: 'meta' is {describe(info)}, expected a 0-d unicode "
                                      f"string of at most {MAX_META_CHARS} characters")
            continue
        group = key.split("/", 1)[0]
        kinds = _ARRAY_KINDS.get(group)
        if kinds is None or "/" not in key or (group == "position" and key != "position/permutation"):
            raise CheckpointError(f"checkpoint {where!r}: unexpected key {key!r}")
        if info.dtype.kind not in kinds:
            raise CheckpointError(f"checkpoint {where!r}: key {key!r} is {describe(info)}; "
                                  f"expected {_KIND_NAMES[kinds]}")
    if declared > file_size:
        raise CheckpointError(f"checkpoint {where!r} declares {declared} bytes of arrays in a file of {file_size}")
    if expected_params is not None:
        saved = {key.split("/", 1)[1]: info for key, info in directory.items() if key.startswith("params/")}
        missing = [k for k in expected_params if k not in saved]
        unexpected = [k for k in saved if k not in expected_params]
        if missing or unexpected:
            raise CheckpointError(f"checkpoint {where!r} does not fit the network: "
                                  f"missing parameters {missing}, unexpected parameters {unexpected}")
        for key, info in saved.items():
            want = expected_params[key]
            if info.shape != want.shape or info.dtype != want.dtype:
                raise CheckpointError(f"checkpoint {where!r}: parameter {key!r} is {describe(info)}, "
                                      f"the network's is {want.dtype}{list(want.shape)}")


def _check_depth(tree: Any, where: str, path: str = "meta", depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise CheckpointError(f"checkpoint {where!r}: metadata nested deeper than {MAX_DEPTH} levels at {path}")
    if isinstance(tree, dict):
        for key, value in tree.items():
            _check_depth(value, where, f"{path}.{key}", depth + 1)
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            _check_depth(value, where, f"{path}[{i}]", depth + 1)


def _check_type(where: str, name: str, value: Any, expected: type) -> None:
    ok = isinstance(value, expected) and not (expected is int and isinstance(value, bool))
    if not ok:
        raise CheckpointError(f"checkpoint {where!r}: metadata key {name!r} must be {expected.__name__}, "
                              f"got {type(value).__name__} {value!r:.60}")


def _parse_meta(where: str, text: str) -> dict[str, Any]:
    """The metadata JSON, checked against the layout :func:`save_checkpoint` writes."""
    try:
        meta = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as err:
        raise CheckpointError(f"checkpoint {where!r}: metadata is not valid JSON ({type(err).__name__}: "
                              f"{str(err)[:200]})") from None
    if not isinstance(meta, dict):
        raise CheckpointError(f"checkpoint {where!r}: metadata must be a JSON object, got {type(meta).__name__}")
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"checkpoint {where!r}: format {meta.get('format')!r:.60}, expected {FORMAT!r}")
    if meta.get("version") != VERSION:
        raise CheckpointError(f"checkpoint {where!r}: version {meta.get('version')!r:.60}, this code reads {VERSION}")
    _check_depth(meta, where)
    for key, kind in _TOP.items():
        if key not in meta:
            raise CheckpointError(f"checkpoint {where!r}: metadata lacks the key {key!r}")
        _check_type(where, key, meta[key], kind)
    for key, kind in _POSITION.items():
        if key not in meta["position"]:
            raise CheckpointError(f"checkpoint {where!r}: metadata lacks the key 'position.{key}'")
        _check_type(where, f"position.{key}", meta["position"][key], kind)
        if kind is int and meta["position"][key] < 0:
            raise CheckpointError(f"checkpoint {where!r}: metadata key 'position.{key}' is negative")
    for i, name in enumerate(meta["params"]):
        _check_type(where, f"params[{i}]", name, str)
    return meta


def load_checkpoint(path: str | os.PathLike, params: Mapping[str, np.ndarray] | None = None) -> Checkpoint:
    """Read a file written by :func:`save_checkpoint`; anything malformed raises :class:`CheckpointError`.

    Keys, dtypes and sizes are checked from the archive's directory before any array is read; with
    ``params`` (a network's), the saved parameters' names, shapes and dtypes must match them too. The
    JSON metadata is checked against the layout written (types, required keys, nesting depth).
    """
    where = os.fspath(path)
    try:
        file_size = os.stat(path).st_size
        arrays = read_npz(path, lambda directory: _check_directory(where, directory, file_size, params))
    except FileNotFoundError:
        raise
    except ArchiveError as err:  # its message names the file and what is wrong
        raise CheckpointError(f"checkpoint {err}") from err
    except OSError as err:
        raise CheckpointError(f"checkpoint {where!r} is not a readable .npz file ({err})") from err
    meta = _parse_meta(where, str(arrays.pop("meta")[()]))
    position = meta["position"]
    names = meta["params"]
    stored = [key[len("params/"):] for key in arrays if key.startswith("params/")]
    if sorted(names) != sorted(stored):
        raise CheckpointError(f"checkpoint {where!r}: metadata lists parameters {names}, the file holds {stored}")
    permutation = arrays.get("position/permutation")
    if position["has_permutation"] != (permutation is not None) or (
            permutation is not None and permutation.ndim != 1):
        raise CheckpointError(f"checkpoint {where!r}: the epoch's permutation is missing or malformed")
    return Checkpoint(
        params={name: arrays[f"params/{name}"] for name in names},
        optimizer_state=_join(meta["optimizer"], arrays, where, "optimizer"),
        network_state=_join(meta["network"], arrays, where, "network"),
        rng_state=meta["rng_state"],
        epoch=position["epoch"],
        iteration=position["iteration"],
        batch_in_epoch=position["batch_in_epoch"],
        permutation=permutation,
        history=meta["history"],
        config=meta["config"],
    )
