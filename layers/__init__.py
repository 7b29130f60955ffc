"""Layers: one small class per computation, each with ``forward`` and ``backward``."""

from layers.activations import ReLU, Relu, Sigmoid
from layers.affine import Affine
from layers.arithmetic import AddLayer, MulLayer
from layers.base import Layer, LayerStateError, buffer, freeze, grad, param
from layers.batch_normalization import BatchNormalization
from layers.convolution import Convolution
from layers.dropout import Dropout
from layers.elementwise import AddConstant, Exp, Log, Max, Negate, Reciprocal, Scale
from layers.functions import (
    cross_entropy_error,
    identity_function,
    log_softmax,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    softmax,
    softmax_loss,
    step_function,
    sum_squared_error,
    sum_to,
)
from layers.gradient_check import (
    GradientReport,
    check_gradients,
    compare_gradients,
    gradient_check,
    numerical_diff,
    numerical_gradient,
)
from layers.gradient_descent import gradient_descent
from layers.im2col import col2im, conv_output_size, im2col
from layers.pooling import Pooling
from layers.power import Pow
from layers.reductions import Mean, Sum
from layers.softmax_with_loss import SoftmaxWithLoss
from layers.tanh import Tanh

__all__ = [
    "buffer",
    "AddConstant",
    "AddLayer",
    "Affine",
    "BatchNormalization",
    "Convolution",
    "Dropout",
    "Exp",
    "Layer",
    "LayerStateError",
    "Log",
    "Max",
    "Mean",
    "MulLayer",
    "Negate",
    "Pooling",
    "Pow",
    "Reciprocal",
    "ReLU",
    "Relu",
    "Scale",
    "Sigmoid",
    "SoftmaxWithLoss",
    "Sum",
    "Tanh",
    "col2im",
    "conv_output_size",
    "cross_entropy_error",
    "check_gradients",
    "compare_gradients",
    "freeze",
    "grad",
    "gradient_check",
    "gradient_descent",
    "GradientReport",
    "identity_function",
    "im2col",
    "log_softmax",
    "numerical_diff",
    "numerical_gradient",
    "param",
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "softmax",
    "softmax_loss",
    "step_function",
    "sum_squared_error",
    "sum_to",
]
