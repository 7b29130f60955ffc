"""Optimisers: ``update(params, grads)`` in place, state keyed by parameter name."""

from optimizers.adagrad import AdaGrad
from optimizers.adam import Adam
from optimizers.base import GradientError, MissingGradientError, Optimizer
from optimizers.momentum import Momentum
from optimizers.nesterov import Nesterov
from optimizers.rmsprop import RMSprop
from optimizers.sgd import SGD

__all__ = ["SGD", "AdaGrad", "Adam", "GradientError", "MissingGradientError", "Momentum", "Nesterov", "Optimizer",
           "RMSprop"]
