"""Optimisers: ``update(params, grads)`` in place, state keyed by parameter name."""

from optimizers.base import Optimizer
from optimizers.sgd import SGD

__all__ = ["SGD", "Optimizer"]
