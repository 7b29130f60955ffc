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


def check_network_state(network: Any, state: dict[str, LayerState], where: str = "network state") -> None:
    """Raise ValueError, naming layer and entry, unless ``state`` fits ``network`` exactly."""
    def names(s: dict[str, LayerState]) -> dict[str, list[str]]:
        return {layer: sorted(s[layer].get("buffers", {})) + sorted(s[layer].get("generators", {})) for layer in s}

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
            probe = type(getattr(layers[name], attr).bit_generator)()
            try:
                probe.state = value
            except (TypeError, ValueError, KeyError) as err:
                raise ValueError(f"{where}: {name}.{attr} is not a valid generator state ({err})") from err


def load_network_state(network: Any, state: dict[str, LayerState], where: str = "network state") -> None:
    """Put ``state`` (from :func:`network_state`) back into ``network`` in place, after checking all of it fits."""
    check_network_state(network, state, where)
    layers = _layers(network)
    for name, entries in state.items():
        for key, value in entries["buffers"].items():
            np.copyto(layers[name].buffers[key], value)
        for attr, value in entries["generators"].items():
            getattr(layers[name], attr).bit_generator.state = value
