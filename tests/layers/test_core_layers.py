"""The chapter-5 layers: values against independent formulas, gradients against centred differences."""

from __future__ import annotations

import numpy as np
import pytest

from engine import FastAffine
from layers import (
    AddLayer,
    Affine,
    LayerStateError,
    MulLayer,
    ReLU,
    Relu,
    Sigmoid,
    SoftmaxWithLoss,
    cross_entropy_error,
    gradient_check,
    numerical_gradient,
    sigmoid,
    softmax,
)
from layers.gradient_check import relative_error

RNG_SEED = 1234


def check_input_gradient(layer_forward, layer_backward, x: np.ndarray, dout: np.ndarray) -> float:
    """Relative error of dx from backward vs centred differences of <forward(x), dout>."""
    layer_forward(x)
    analytic = layer_backward(dout)
    numeric = numerical_gradient(lambda _: float(np.sum(layer_forward(x) * dout)), x)
    return relative_error(analytic, numeric)


# -- shopping example (book 5.4) --------------------------------------------------------------------
def test_buy_apple_matches_the_book():
    mul_apple, mul_tax = MulLayer(), MulLayer()
    price = mul_tax.forward(mul_apple.forward(100, 2), 1.1)
    dapple_price, dtax = mul_tax.backward(1)
    dapple, dnum = mul_apple.backward(dapple_price)
    assert price == pytest.approx(220)
    assert (dapple, dnum, dtax) == pytest.approx((2.2, 110, 200))


def test_buy_apple_orange_matches_the_book():
    mul_apple, mul_orange, add, mul_tax = MulLayer(), MulLayer(), AddLayer(), MulLayer()
    total = add.forward(mul_apple.forward(100, 2), mul_orange.forward(150, 3))
    price = mul_tax.forward(total, 1.1)
    dtotal, dtax = mul_tax.backward(1)
    dapple_price, dorange_price = add.backward(dtotal)
    dorange, dorange_num = mul_orange.backward(dorange_price)
    dapple, dapple_num = mul_apple.backward(dapple_price)
    assert price == pytest.approx(715)
    assert (dapple, dapple_num, dorange, dorange_num, dtax) == pytest.approx((2.2, 110, 3.3, 165, 650))


@pytest.mark.parametrize(
    ("shape_x", "shape_y"),
    [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 1)), ((5,), ())],
)
@pytest.mark.parametrize("layer_cls", [AddLayer, MulLayer])
def test_broadcasting_gradients_are_summed_back_to_each_input(layer_cls, shape_x, shape_y):
    rng = np.random.default_rng(RNG_SEED)
    x = rng.standard_normal(shape_x)
    y = rng.standard_normal(shape_y)
    layer = layer_cls()
    out = layer.forward(x, y)
    dout = rng.standard_normal(np.shape(out))
    dx, dy = layer.backward(dout)
    assert np.shape(dx) == shape_x and np.shape(dy) == shape_y
    f = lambda: float(np.sum(layer_cls().forward(x, y) * dout))  # noqa: E731
    assert relative_error(dx, numerical_gradient(lambda _: f(), x)) < 1e-7
    y_arr = np.array(y, dtype=np.float64)
    f_y = lambda _: float(np.sum(layer_cls().forward(x, y_arr) * dout))  # noqa: E731
    assert relative_error(dy, numerical_gradient(f_y, y_arr)) < 1e-7


def test_add_layer_hands_back_two_new_arrays():
    """As the book's dout * 1: editing one gradient in place changes neither the other nor dout."""
    layer = AddLayer()
    layer.forward(np.zeros(3), np.zeros(3))
    dout = np.array([1.0, 2.0, 3.0])
    dx, dy = layer.backward(dout)
    dx[0] = 100.0
    np.testing.assert_array_equal(dy, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(dout, [1.0, 2.0, 3.0])


def test_mul_layer_scalars_stay_python_numbers():
    layer = MulLayer()
    assert layer.forward(3.0, 4.0) == 12.0
    dx, dy = layer.backward(2.0)
    assert (dx, dy) == (8.0, 6.0) and isinstance(dx, float)


# -- activations ------------------------------------------------------------------------------------
def test_relu_is_exported_under_the_book_name():
    assert Relu is ReLU


@pytest.mark.parametrize("shape", [(7,), (4, 5), (2, 3, 4, 5)])
@pytest.mark.parametrize("layer_cls", [ReLU, Sigmoid])
def test_activation_input_gradient(layer_cls, shape):
    rng = np.random.default_rng(RNG_SEED)
    x = rng.standard_normal(shape)
    x[np.abs(x) < 1e-3] = 0.5  # keep ReLU's kink away from the finite-difference step
    dout = rng.standard_normal(shape)
    layer = layer_cls()
    assert check_input_gradient(layer.forward, layer.backward, x, dout) < 1e-7


def test_relu_values_and_no_mutation():
    x = np.array([[-1.0, 0.0, 2.0]], dtype=np.float32)
    dout = np.ones_like(x)
    x_before, dout_before = x.copy(), dout.copy()
    layer = ReLU()
    out = layer.forward(x)
    dx = layer.backward(dout)
    np.testing.assert_array_equal(out, [[0.0, 0.0, 2.0]])
    np.testing.assert_array_equal(dx, [[0.0, 0.0, 1.0]])
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(dout, dout_before)
    assert out.dtype == np.float32 and dx.dtype == np.float32


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int64, bool])
def test_the_sigmoid_function_takes_integers_as_numbers(dtype):
    x = np.array([0, 1, 5], dtype=dtype)
    np.testing.assert_allclose(sigmoid(x), 1 / (1 + np.exp(-x.astype(np.float64))), rtol=1e-15)
    assert sigmoid(x).dtype == np.float64


def test_sigmoid_is_finite_and_silent_for_extreme_inputs():
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        y = sigmoid(x)
        y32 = sigmoid(x.astype(np.float32))
        scalar = sigmoid(-1000)
    assert np.all(np.isfinite(y)) and np.isfinite(scalar)
    np.testing.assert_allclose(y, [0.0, 1.9287498479639178e-22, 0.5, 1.0, 1.0], rtol=1e-12, atol=0)
    assert y32.dtype == np.float32
    moderate = np.linspace(-20, 20, 41)
    np.testing.assert_allclose(sigmoid(moderate), 1 / (1 + np.exp(-moderate)), rtol=1e-14)


# -- softmax and cross-entropy ----------------------------------------------------------------------
def test_softmax_is_shift_invariant_and_does_not_overflow():
    x = np.array([[1000.0, 1001.0, 1002.0], [-5.0, 0.0, 5.0]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        y = softmax(x)
    ref = np.exp([[0.0, 1.0, 2.0], [-5.0, 0.0, 5.0]])
    ref /= ref.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(y, ref, rtol=1e-14)
    np.testing.assert_allclose(softmax(np.array([0.3, 2.9, 4.0])), [0.01821127, 0.24519181, 0.73659691], rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_cross_entropy_never_takes_log_zero(dtype):
    y = np.array([[0.0, 1.0], [1.0, 0.0]], dtype=dtype)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        loss = cross_entropy_error(y, np.array([0, 0]))
    # a correct class at probability 0 costs -log(delta) = 16.118, the book's cap, in every dtype
    assert loss == pytest.approx((-np.log(1e-7) - np.log(1 + 1e-7)) / 2, rel=1e-3 if dtype == np.float16 else 1e-6)


def test_cross_entropy_gives_the_books_printed_numbers():
    """Chapter 4.2.2 prints 0.510825457099338 (the correct class at 0.6) and 2.302584092994546 (at 0.1): to
    the last bit with NumPy 2, whose log is the book's there; NumPy 1.26's log lands one unit of the last
    place away from the second (2.3025840929945454), hence the one-ulp allowance."""
    def book(value: float, printed: float) -> bool:
        return abs(value - printed) <= np.spacing(printed)

    t = np.array([0, 0, 1, 0, 0, 0, 0, 0, 0, 0])
    y = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
    assert book(cross_entropy_error(y, t), 0.510825457099338)
    assert book(cross_entropy_error(y, np.array([2])), 0.510825457099338)
    y = np.array([0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0])
    assert book(cross_entropy_error(y, t), 2.302584092994546)
    if np.lib.NumpyVersion(np.__version__) >= "2.0.0":
        assert cross_entropy_error(y, t) == 2.302584092994546


@pytest.mark.parametrize("one_hot", [False, True])
@pytest.mark.parametrize(("n", "c"), [(1, 3), (5, 4), (16, 10)])
def test_softmax_with_loss_value_and_gradient(n, c, one_hot):
    rng = np.random.default_rng(RNG_SEED + n)
    x = 3 * rng.standard_normal((n, c))
    labels = rng.integers(0, c, n)
    t = np.eye(c)[labels] if one_hot else labels
    layer = SoftmaxWithLoss()
    loss = layer.forward(x, t)
    # independent reference: log-sum-exp written out per row
    ref = np.mean([np.log(np.sum(np.exp(row))) - row[k] for row, k in zip(x, labels, strict=True)])
    assert loss == pytest.approx(ref, rel=1e-12)
    dx = layer.backward(2.5)
    numeric = numerical_gradient(lambda _: 2.5 * SoftmaxWithLoss().forward(x, t), x)
    assert relative_error(dx, numeric) < 1e-7


def test_softmax_with_loss_extreme_scores_are_finite():
    x = np.array([[1e4, -1e4, 0.0]], dtype=np.float32)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        loss = SoftmaxWithLoss().forward(x, np.array([1]))
    assert np.isfinite(loss) and loss == pytest.approx(2e4, rel=1e-6)


def test_softmax_with_loss_backward_scales_with_dout():
    x = np.random.default_rng(0).standard_normal((4, 3))
    layer = SoftmaxWithLoss()
    layer.forward(x, np.array([0, 1, 2, 0]))
    np.testing.assert_allclose(layer.backward(3.0), 3.0 * layer.backward(1.0), rtol=1e-15)


@pytest.mark.parametrize("dout", [np.ones(3), np.ones((4, 1)), np.ones((4, 3))])
def test_softmax_with_loss_backward_takes_one_number_as_dout(dout):
    """The loss is one number, so is dL/dloss: an array would silently broadcast into dx."""
    layer = SoftmaxWithLoss()
    layer.forward(np.zeros((4, 3)), np.array([0, 1, 2, 0]))
    with pytest.raises(ValueError, match="SoftmaxWithLoss.backward: expected a number as dout"):
        layer.backward(dout)
    with pytest.raises(TypeError, match="SoftmaxWithLoss.backward"):
        layer.backward(None)


@pytest.mark.parametrize(
    ("t", "message"),
    [
        (np.array([0, 1, 3]), r"labels must lie in \[0, 2\], got values from 0 to 3"),
        (np.array([-1, 1, 2]), r"labels must lie in \[0, 2\]"),
        (np.array([0, 1]), r"expected labels of shape \(3,\) or \(3, 1\), or one-hot rows of shape \(3, 3\), "
                           r"got shape \(2,\)"),
        (np.array([[0], [1]]), r"expected labels .* got shape \(2, 1\)"),
        (np.array([[0], [1], [3]]), r"labels must lie in \[0, 2\]"),
        (np.array([0.5, 1.0, 2.0]), r"expected integer class labels, got dtype float64"),
        (np.array([0.0, np.inf, 1.0]), r"expected integer class labels in \[0, 2\], got non-finite values"),
        (np.zeros((3, 4)), r"expected labels .* got shape \(3, 4\)"),
    ],
)
def test_softmax_with_loss_rejects_bad_labels(t, message):
    with pytest.raises(ValueError, match="SoftmaxWithLoss: " + message):
        SoftmaxWithLoss().forward(np.zeros((3, 3)), t)


def test_softmax_with_loss_takes_a_column_of_labels_as_the_labels():
    """The book's chapter-7 gradient check passes t = np.array([1]).reshape((1, 1))."""
    x = np.random.default_rng(0).standard_normal((3, 4))
    by_column, by_row = SoftmaxWithLoss(), SoftmaxWithLoss()
    assert by_column.forward(x, np.array([[0], [3], [1]])) == by_row.forward(x, np.array([0, 3, 1]))
    np.testing.assert_array_equal(by_column.backward(), by_row.backward())
    one = SoftmaxWithLoss()
    assert one.forward(x[:1], np.array([1]).reshape((1, 1))) == SoftmaxWithLoss().forward(x[:1], np.array([1]))


def test_softmax_with_loss_accepts_integral_float_labels():
    x = np.random.default_rng(0).standard_normal((3, 3))
    assert SoftmaxWithLoss().forward(x, np.array([0.0, 2.0, 1.0])) == SoftmaxWithLoss().forward(x, np.array([0, 2, 1]))


# -- Affine -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("x_shape", [(1, 6), (4, 6), (3, 2, 3), (2, 1, 2, 3)])
@pytest.mark.parametrize("out_features", [1, 5])
def test_affine_gradients(x_shape, out_features):
    rng = np.random.default_rng(RNG_SEED)
    x = rng.standard_normal(x_shape)
    layer = Affine(rng.standard_normal((6, out_features)), rng.standard_normal(out_features))
    out = layer.forward(x)
    np.testing.assert_allclose(out, x.reshape(x_shape[0], -1) @ layer.W + layer.b, rtol=1e-14)
    dout = rng.standard_normal(out.shape)
    dx = layer.backward(dout)
    assert dx.shape == x_shape
    loss = lambda: float(np.sum(layer.forward(x) * dout))  # noqa: E731
    errors = gradient_check(loss, layer.params, layer.grads)
    assert set(errors) == {"W", "b"} and max(errors.values()) < 1e-7
    assert relative_error(dx, numerical_gradient(lambda _: loss(), x)) < 1e-7


@pytest.mark.parametrize("n", [1, 4])
@pytest.mark.parametrize("cls", [Affine, FastAffine], ids=["book", "fast"])
def test_affine_reads_every_memory_layout_and_gives_dx_back_laid_out_alike(n, cls):
    """A pooled conv output is an (N, C, H, W) view of batch-last memory (C, H, W, N): the fast Affine
    multiplies it where it lies, and dx comes back laid out the same way, so the pooling layer reads it
    in order. Both give the same numbers for every layout."""
    rng = np.random.default_rng(RNG_SEED)
    x = rng.standard_normal((n, 2, 3, 4))
    W, b = rng.standard_normal((24, 5)), rng.standard_normal(5)
    dout = rng.standard_normal((n, 5))
    layouts = {
        "C order": x,
        "batch-last": np.ascontiguousarray(x.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2),
        "channel-major": np.ascontiguousarray(x.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3),
        "strided": np.repeat(x, 2, axis=3)[:, :, :, ::2],
    }
    for name, given in layouts.items():
        layer = cls(W, b)
        np.testing.assert_allclose(layer.forward(given), x.reshape(n, -1) @ W + b, rtol=1e-13, err_msg=name)
        dx = layer.backward(dout)
        np.testing.assert_allclose(dx, (dout @ W.T).reshape(x.shape), rtol=1e-13, err_msg=name)
        np.testing.assert_allclose(layer.dW, x.reshape(n, -1).T @ dout, rtol=1e-13, err_msg=name)
        np.testing.assert_array_equal(given, x, err_msg=name)  # not written to
        if name == "batch-last" and cls is FastAffine:
            assert dx.transpose(1, 2, 3, 0).flags.c_contiguous, "dx should lie batch-last, as x did"
            assert np.shares_memory(layer._x, given), "batch-last input should be read in place"


def test_affine_book_attributes_alias_the_dicts():
    W, b = np.ones((3, 2)), np.zeros(2)
    layer = Affine(W, b)
    assert layer.W is W and layer.params["b"] is b and layer.dW is None
    layer.forward(np.ones((4, 3)))
    layer.backward(np.ones((4, 2)))
    assert layer.dW is layer.grads["W"] and layer.db is layer.grads["b"]
    np.testing.assert_array_equal(layer.db, [4.0, 4.0])


def test_affine_rejects_wrong_feature_count():
    layer = Affine(np.zeros((784, 50)), np.zeros(50))
    expected = r"Affine: expected 784 values per sample .* got input of shape \(100, 783\)"
    with pytest.raises(ValueError, match=expected):
        layer.forward(np.zeros((100, 783)))


def test_affine_keeps_float32_and_does_not_mutate():
    rng = np.random.default_rng(0)
    layer = Affine(rng.standard_normal((5, 3)).astype(np.float32), np.zeros(3, np.float32))
    x = rng.standard_normal((4, 5)).astype(np.float32)
    dout = rng.standard_normal((4, 3)).astype(np.float32)
    x0, d0 = x.copy(), dout.copy()
    out = layer.forward(x)
    dx = layer.backward(dout)
    assert out.dtype == dx.dtype == layer.dW.dtype == layer.db.dtype == np.float32
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(dout, d0)


@pytest.mark.parametrize(
    "layer", [AddLayer(), MulLayer(), ReLU(), Sigmoid(), Affine(np.zeros((2, 2)), np.zeros(2)), SoftmaxWithLoss()]
)
def test_backward_before_forward_is_a_clear_error(layer):
    with pytest.raises(LayerStateError, match=rf"{type(layer).__name__}\.backward\(\) called before forward\(\)"):
        layer.backward(np.ones((2, 2)))


# -- numerical helpers ------------------------------------------------------------------------------
def test_numerical_gradient_matches_known_derivatives_and_restores_input():
    x = np.array([[3.0, 4.0], [-1.0, 0.5]])
    original = x.copy()
    grad = numerical_gradient(lambda v: float(np.sum(v**2) + v[0, 0] * v[1, 1]), x)
    np.testing.assert_allclose(grad, [[6.5, 8.0], [-2.0, 4.0]], rtol=1e-9)
    np.testing.assert_array_equal(x, original)


def test_numerical_gradient_book_example():
    # The book's function_2(x) = x0^2 + x1^2 at (3, 4): gradient (6, 8)
    np.testing.assert_allclose(numerical_gradient(lambda v: float(np.sum(v**2)), np.array([3.0, 4.0])), [6, 8])


def test_gradient_check_detects_a_wrong_gradient():
    W = np.array([1.0, 2.0])
    errors = gradient_check(lambda: float(np.sum(W**3)), {"W": W}, {"W": 3 * W**2 * 1.001})
    assert 1e-4 < errors["W"] < 1e-2
    with pytest.raises(KeyError, match="no analytic gradient"):
        gradient_check(lambda: 0.0, {"W": W}, {})


def test_numerical_gradient_says_what_is_wrong_with_f_or_x():
    x = np.array([1.0, 2.0])
    with pytest.raises(TypeError, match=r"numerical_gradient: f must return one number \(a loss\), got an array "
                                        r"of shape \(2,\)"):
        numerical_gradient(lambda v: v ** 2, x)
    with pytest.raises(TypeError, match="numerical_gradient: f must return one number"):
        numerical_gradient(lambda v: "loss", x)
    np.testing.assert_array_equal(x, [1.0, 2.0])  # restored after the refusal
    np.testing.assert_allclose(numerical_gradient(lambda v: np.array([[np.sum(v ** 2)]]), x), [2.0, 4.0])
    frozen = x.copy()
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="numerical_gradient: x must be writeable"):
        numerical_gradient(lambda v: float(np.sum(v)), frozen)


def test_one_sample_without_its_batch_axis_is_told_how_to_pass_it():
    layer = Affine(np.ones((4, 3)), np.zeros(3))
    with pytest.raises(ValueError, match=r"Affine: expected a batch \(N, 4\), got one sample of shape \(4,\).*"
                                         r"reshape\(1, -1\)"):
        layer.forward(np.ones(4))
    assert layer.forward(np.ones(4).reshape(1, -1)).shape == (1, 3)
    one_feature = Affine(np.ones((1, 3)), np.zeros(3))
    assert one_feature.forward(np.ones(1)).shape == one_feature.forward(np.ones((1, 1))).shape == (1, 3)


@pytest.mark.parametrize(("rows", "message"), [
    (np.zeros((2, 3)), "row 0 sums to 0"),
    (np.array([[1.0, 0, 0], [0.5, 0.2, 0.2]]), "row 1 sums to 0.9"),
    (np.array([[1.5, -0.5, 0], [0, 1.0, 0]]), "row 0 does"),
])
def test_target_rows_must_be_distributions(rows, message):
    """A row of zeros gave a loss of -0.0 and counted as class 0 in accuracy."""
    from networks import TwoLayerNet

    with pytest.raises(ValueError, match=message):
        SoftmaxWithLoss().forward(np.zeros((2, 3)), rows)
    with pytest.raises(ValueError, match=message):
        TwoLayerNet(4, 3, 3, seed=0).accuracy(np.ones((2, 4)), rows)
    SoftmaxWithLoss().forward(np.zeros((2, 3)), np.array([[0.1, 0.8, 0.1], [0, 0, 1.0]], dtype=np.float16))
