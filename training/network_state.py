"""A network's state beyond its parameters, which an exact resume must restore as well.

Two kinds, found on the layers of ``network.layers`` and on ``network.last_layer``:

* buffers, the saved but untrained arrays of ``layer.buffers`` (BatchNormalization's running
  statistics);
* the random generators a layer draws from (Dropout's masks): every ``numpy.random.Generator``
  attribute, saved as ``rng.bit_generator.state``.

Without them a resumed run would start from other statistics, or draw other dropout masks, than the
run it continues. Parameters are not included: they are saved on their own.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

LayerState = dict[str, dict[str, Any]]   # {"buffers": {name: array}, "generators": {attribute: state}}


def _layers(network: Any) -> dict[str, Any]:
    layers = dict(getattr(network, "layers", None) or {})
    last = getattr(network, "last_layer", None)
    if last is not None:
        layers["last_layer"] = last
    return layers


def _generators(layer: Any) -> dict[str, np.random.Generator]:
    return {attr: value for attr, value in vars(layer).items() if isinstance(value, np.random.Generator)}


def network_state(network: Any) -> dict[str, LayerState]:
    """``{layer name: {"buffers": {name: copy}, "generators": {attribute: state}}}`` for layers having either."""
    state: dict[str, LayerState] = {}
    for name, layer in _layers(network).items():
        buffers = {key: np.array(value) for key, value in (getattr(layer, "buffers", None) or {}).items()}
        generators = {attr: copy.deepcopy(rng.bit_generator.state) for attr, rng in _generators(layer).items()}
        if buffers or generators:
            state[name] = {"buffers": buffers, "generators": generators}
    return state


def check_generator_state(kind: type[np.random.BitGenerator], state: Any, what: str) -> None:
    """ValueError naming ``what`` unless ``state`` is a state a ``kind`` bit generator takes and gives back
    unchanged (NumPy raises OverflowError for a negative or oversized integer, and truncates a float)."""
    probe = kind()
    try:
        probe.state = state
    except (TypeError, ValueError, KeyError, OverflowError) as err:
        raise ValueError(f"{what} is not a valid {kind.__name__} generator state "
                         f"({type(err).__name__}: {err})") from err
    if probe.state != state:
        raise ValueError(f"{what} is not a valid {kind.__name__} generator state (it does not read back "
                         f"as written: {state!r:.120})")


def _check_layout(state: Any, where: str) -> None:
    """ValueError unless ``state`` is ``{layer: {"buffers": dict, "generators": dict}}``, as written."""
    if not isinstance(state, dict):
        raise ValueError(f"{where}: the layer state must be a dict keyed by layer name, got {type(state).__name__}")
    for name, entries in state.items():
        if not isinstance(entries, dict) or set(entries) != {"buffers", "generators"}:
            raise ValueError(f"{where}: layer state {name!r} must be a dict with the keys 'buffers' and "
                             f"'generators', got {type(entries).__name__} {entries!r:.60}")
        for part in ("buffers", "generators"):
            if not isinstance(entries[part], dict):
                raise ValueError(f"{where}: layer state {name}.{part} must be a dict, "
                                 f"got {type(entries[part]).__name__} {entries[part]!r:.60}")


def check_network_state(network: Any, state: dict[str, LayerState], where: str = "network state") -> None:
    """Raise ValueError, naming layer and entry, unless ``state`` fits ``network`` exactly."""
    def names(s: dict[str, LayerState]) -> dict[str, list[str]]:
        return {layer: sorted(s[layer]["buffers"]) + sorted(s[layer]["generators"]) for layer in s}

    _check_layout(state, where)
    expected = network_state(network)
    if names(expected) != names(state):
        raise ValueError(f"{where}: the network's layer state {names(expected)} "
                         f"does not match the saved {names(state)}")
    layers = _layers(network)
    for name, entries in state.items():
        for key, value in entries["buffers"].items():
            current = layers[name].buffers[key]
            value = np.asarray(value)
            if value.shape != current.shape or value.dtype != current.dtype:
                raise ValueError(f"{where}: {name}.buffers[{key!r}] is {value.dtype}{list(value.shape)}, "
                                 f"the network's is {current.dtype}{list(current.shape)}")
            layers[name].check_buffer(key, value, f"{where}: {name}")
        for attr, value in entries["generators"].items():
            kind = type(getattr(layers[name], attr).bit_generator)
            check_generator_state(kind, value, f"{where}: {name}.{attr}")


def load_network_state(network: Any, state: dict[str, LayerState], where: str = "network state") -> None:
    """Put ``state`` (from :func:`network_state`) back into ``network`` in place, after checking all of it fits."""
    check_network_state(network, state, where)
    layers = _layers(network)
    for name, entries in state.items():
        for key, value in entries["buffers"].items():
            np.copyto(layers[name].buffers[key], value)
        for attr, value in entries["generators"].items():
            getattr(layers[name], attr).bit_generator.state = value
