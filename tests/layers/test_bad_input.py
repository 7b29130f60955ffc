"""Bad input to a layer ends in a clear error naming the layer, never a raw error from inside NumPy,
and never a silently wrong result: lists are read as arrays, complex/string/object arrays are refused,
a dout of the wrong shape and an empty batch are named."""

from __future__ import annotations

import numpy as np
import pytest

from engine import FastAffine, FastConvolution, FastPooling, FastRelu
from layers import (
    Affine,
    BatchNormalization,
    Convolution,
    Dropout,
    LayerStateError,
    Pooling,
    Relu,
    Sigmoid,
    SoftmaxWithLoss,
)


def _rng():
    return np.random.default_rng(0)


def _image():
    return _rng().standard_normal((2, 1, 4, 4))


def _rows():
    return _rng().standard_normal((4, 3))


FACTORIES = {  # a fresh layer and an input it accepts
    "Relu": lambda: (Relu(), _rows()),
    "Sigmoid": lambda: (Sigmoid(), _rows()),
    "Affine": lambda: (Affine(_rng().standard_normal((3, 2)), np.zeros(2)), _rows()),
    "Convolution": lambda: (Convolution(_rng().standard_normal((2, 1, 3, 3)), np.zeros(2)), _image()),
    "Pooling": lambda: (Pooling(2, 2), _image()),
    "BatchNormalization": lambda: (BatchNormalization(np.ones(3), np.zeros(3)), _rows()),
    "Dropout": lambda: (Dropout(0.5, seed=0), _rows()),
    "FastRelu": lambda: (FastRelu(), _rows()),
    "FastAffine": lambda: (FastAffine(_rng().standard_normal((3, 2)), np.zeros(2)), _rows()),
    "FastConvolution": lambda: (FastConvolution(_rng().standard_normal((2, 1, 3, 3)), np.zeros(2)), _image()),
    "FastPooling": lambda: (FastPooling(2, 2), _image()),
}
NAMES = list(FACTORIES)
BATCHED = [name for name in NAMES if name not in ("Relu", "Sigmoid", "Dropout", "FastRelu")]


@pytest.mark.parametrize("name", NAMES)
def test_a_nested_list_is_read_as_an_array(name):
    layer, x = FACTORIES[name]()
    other, _ = FACTORIES[name]()
    np.testing.assert_array_equal(layer.forward(x.tolist()), other.forward(x))


@pytest.mark.parametrize("dtype", [bool, np.uint8, np.int8])
@pytest.mark.parametrize("name", NAMES)
def test_boolean_and_integer_input_is_read_as_numbers(name, dtype):
    """True is 1 and an unsigned 200 is 200, as in the same values given as floats (Sigmoid once failed
    on booleans, which NumPy cannot negate, and wrapped unsigned integers round)."""
    layer, x = FACTORIES[name]()
    other, _ = FACTORIES[name]()
    whole = np.clip(np.round(x * 100), -120, 120)
    given = {bool: x > 0, np.uint8: np.abs(whole) + 100, np.int8: whole}[dtype].astype(dtype)
    np.testing.assert_allclose(layer.forward(given), other.forward(given.astype(np.float64)), rtol=1e-12)


@pytest.mark.parametrize("bad", ["complex", "string", "object"])
@pytest.mark.parametrize("name", NAMES)
def test_complex_string_and_object_input_is_refused_naming_the_layer(name, bad):
    layer, x = FACTORIES[name]()
    given = {"complex": x + 1j, "string": x.astype(str), "object": x.astype(object)}[bad]
    with pytest.raises(TypeError, match=type(layer).__name__ + ".*real-valued"):
        layer.forward(given)


@pytest.mark.parametrize("name", NAMES)
def test_dout_of_the_wrong_shape_is_refused_naming_the_layer(name):
    layer, x = FACTORIES[name]()
    out = layer.forward(x)
    with pytest.raises(ValueError, match=type(layer).__name__ + r".*expected dout of shape"):
        layer.backward(np.ones((*np.shape(out), 2)))


@pytest.mark.parametrize("name", BATCHED)
def test_an_empty_batch_is_refused_naming_the_layer(name):
    layer, x = FACTORIES[name]()
    with pytest.raises(ValueError, match=type(layer).__name__ + r".*(empty batch|more than one value)"):
        layer.forward(x[:0])


@pytest.mark.parametrize("name", NAMES)
def test_backward_before_forward_is_a_layer_state_error(name):
    layer, x = FACTORIES[name]()
    with pytest.raises(LayerStateError, match=type(layer).__name__):
        layer.backward(np.ones_like(x))


def test_softmax_with_loss_refuses_empty_complex_and_string_scores():
    layer = SoftmaxWithLoss()
    with pytest.raises(ValueError, match="SoftmaxWithLoss.*empty batch"):
        layer.forward(np.zeros((0, 3)), np.zeros(0, int))
    with pytest.raises(TypeError, match="SoftmaxWithLoss.*real-valued"):
        layer.forward(np.zeros((2, 3)) + 1j, [0, 1])
    with pytest.raises(TypeError, match="SoftmaxWithLoss.*real-valued array as labels"):
        layer.forward(np.zeros((2, 3)), np.array(["a", "b"]))


def test_sigmoid_of_a_complex_number_is_refused_not_made_real():
    with pytest.raises(TypeError, match="Sigmoid"):
        Sigmoid().forward(1 + 2j)


@pytest.mark.parametrize(("make", "error", "message"), [
    (lambda: Affine(np.ones((3, 2)).tolist(), np.zeros(2)), TypeError, "Affine: expected W as a NumPy array"),
    (lambda: Affine(np.ones((3, 2), int), np.zeros(2)), TypeError, "Affine: expected a floating-point W"),
    (lambda: Affine(np.ones((3, 2)), np.zeros(3)), ValueError, r"Affine: expected b of shape \(2,\)"),
    (lambda: Convolution(np.ones((2, 1, 3)), np.zeros(2)), ValueError, r"Convolution: expected W of shape"),
    (lambda: Convolution(np.ones((2, 1, 3, 3)), np.zeros(2), stride=1.5), ValueError, "integer stride"),
    (lambda: Pooling(2, 2, stride="2"), TypeError, "Pooling: expected an integer stride"),
    (lambda: Dropout(1.0), ValueError, r"Dropout: dropout_ratio must be a number in \[0, 1\)"),
    (lambda: BatchNormalization(np.ones(3), np.zeros(2)), ValueError, "gamma and beta of the same shape"),
    (lambda: BatchNormalization(np.ones(2), np.zeros(2), momentum="0.9"), TypeError,
     "BatchNormalization: expected a real number as momentum, got str '0.9'"),
    (lambda: BatchNormalization(np.ones(2), np.zeros(2), momentum=True), TypeError, "momentum, got bool"),
    (lambda: BatchNormalization(np.ones(2), np.zeros(2), eps="1e-5"), TypeError,
     "BatchNormalization: expected a real number as eps, got str"),
    (lambda: BatchNormalization(np.ones(2), np.zeros(2), eps=None), TypeError, "eps, got NoneType"),
    (lambda: BatchNormalization(np.ones(2), np.zeros(2), eps=np.inf), ValueError, "eps must be positive and finite"),
])
def test_bad_constructor_arguments_are_named(make, error, message):
    with pytest.raises(error, match=message):
        make()
