"""Every fast layer of the engine against its book twin in layers/: the same outputs and the same
gradients (float64 within 1e-12, float32 within a stated tolerance), over random shapes, strides,
paddings, memory layouts and pooling ties, with inputs never written to.

float32 tolerance: both twins round every product and sum to float32 (unit roundoff 6e-8), but in a
different order (batch-last products, ones @ dout for db). Each output is a sum of at most a few
hundred products here, so the two may differ by a few hundred roundoffs of the largest term:
we allow 2e-5 relative to the largest value of each array.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine import FAST_TWINS, FastAffine, FastConvolution, FastPooling, FastRelu, winograd_rows
from engine.pooling import SMALLEST_SPLIT_POOL
from engine.winograd import WinogradCache
from engine.winograd_rows import RowsCache
from layers import Affine, Convolution, Pooling, Relu, gradient_check, numerical_gradient
from layers.gradient_check import relative_error
from networks import DeepConvNet, MultiLayerNet, MultiLayerNetExtend, SimpleConvNet, TwoLayerNet

FLOAT32_TOLERANCE = 2e-5
N_RANDOM_CASES = 12


def assert_close(fast, book, dtype, what):
    fast, book = np.asarray(fast), np.asarray(book)
    assert fast.shape == book.shape, what
    scale = max(1.0, float(np.max(np.abs(book)))) if book.size else 1.0
    tolerance = 1e-12 if dtype == np.float64 else FLOAT32_TOLERANCE
    assert np.max(np.abs(fast - book), initial=0.0) <= tolerance * scale, what


def layouts(x):
    """x in the memory layouts a layer meets: C order, batch-last (a conv output), channel-major, strided."""
    yield "C order", x
    if x.ndim == 4:
        yield "batch-last", np.ascontiguousarray(x.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
        yield "channel-major", np.ascontiguousarray(x.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    yield "strided", np.repeat(x, 2, axis=-1)[..., ::2]


def run_pair(book, fast, x, dout, dtype):
    """Forward and backward through both twins for every layout of x and dout; compare everything."""
    for name, given in layouts(x):
        before = given.copy()
        out_book, out_fast = book.forward(given), fast.forward(given)
        assert_close(out_fast, out_book, dtype, f"{type(book).__name__} output, {name}")
        assert out_fast.dtype == out_book.dtype
        for dout_name, d in layouts(dout):
            d_before = d.copy()
            fast.forward(given)
            book.forward(given)
            dx_book, dx_fast = book.backward(d), fast.backward(d)
            assert_close(dx_fast, dx_book, dtype, f"{type(book).__name__} dx, x {name}, dout {dout_name}")
            for key in book.params:
                assert_close(fast.grads[key], book.grads[key], dtype, f"{type(book).__name__} d{key}, {name}")
            np.testing.assert_array_equal(d, d_before)
        np.testing.assert_array_equal(given, before)


def random_conv_case(rng):
    n, c, fn = rng.integers(1, 4), rng.integers(1, 5), rng.integers(1, 5)
    fh, fw = rng.integers(1, 6), rng.integers(1, 6)
    stride, pad = int(rng.integers(1, 4)), int(rng.integers(0, 3))
    h, w = fh + rng.integers(0, 7), fw + rng.integers(0, 7)
    return (int(n), int(c), int(h), int(w)), (int(fn), int(c), int(fh), int(fw)), stride, pad


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", range(N_RANDOM_CASES))
def test_convolution_twins_agree(seed, dtype):
    rng = np.random.default_rng(seed)
    x_shape, w_shape, stride, pad = random_conv_case(rng)
    x = rng.standard_normal(x_shape).astype(dtype)
    W, b = rng.standard_normal(w_shape).astype(dtype), rng.standard_normal(w_shape[0]).astype(dtype)
    book, fast = Convolution(W, b, stride, pad), FastConvolution(W, b, stride, pad)
    dout = rng.standard_normal(book.forward(x).shape).astype(dtype)
    run_pair(book, fast, x, dout, dtype)


@pytest.mark.parametrize("values", ["continuous", "ties", "constant"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", range(N_RANDOM_CASES))
def test_pooling_twins_agree(seed, dtype, values):
    """Ties (0/1 images, constant images) check that both send the gradient to the first maximum."""
    rng = np.random.default_rng(100 + seed)
    ph, pw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    stride, pad = int(rng.integers(1, 4)), int(rng.integers(0, min(ph, pw)))
    n, c = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    shape = (n, c, ph + int(rng.integers(0, 6)), pw + int(rng.integers(0, 6)))
    if values == "continuous":
        x = rng.standard_normal(shape)
    elif values == "ties":
        x = rng.integers(0, 2, shape).astype(float)
    else:
        x = np.full(shape, 0.5)
    x = x.astype(dtype)
    book, fast = Pooling(ph, pw, stride, pad), FastPooling(ph, pw, stride, pad)
    dout = rng.standard_normal(book.forward(x).shape).astype(dtype)
    run_pair(book, fast, x, dout, dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(3, 5), (2, 3, 4, 5), (4, 8, 40, 40), (8, 16, 96, 96)])  # larger: split passes
def test_relu_twins_agree(shape, dtype):
    rng = np.random.default_rng(7)
    x = rng.standard_normal(shape).astype(dtype)
    x.flat[::7] = 0.0  # x = 0 exactly: both must switch it off
    run_pair(Relu(), FastRelu(), x, rng.standard_normal(shape).astype(dtype), dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(3, 5), (4, 8, 40, 40), (3, 5, 71, 73), (8, 16, 96, 96)])  # plain, whole, split
def test_relu_twins_agree_on_nan_infinities_and_signed_zeros(shape, dtype):
    """The book masks x <= 0, which NaN is not: its gradient passes, in both twins; -inf, -0 and 0 are
    switched off, inf passes. Sizes not a multiple of the fast path's zero row check its tail."""
    x = np.random.default_rng(8).standard_normal(shape).astype(dtype)
    for start, value in enumerate([np.nan, -np.inf, np.inf, -0.0, 0.0]):
        x.flat[start::11] = value
    dout = np.random.default_rng(9).standard_normal(shape).astype(dtype)
    for _, given in layouts(x):
        book, fast = Relu(), FastRelu()
        np.testing.assert_array_equal(fast.forward(given), book.forward(given))
        np.testing.assert_array_equal(fast.backward(dout), book.backward(dout))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(5, 12), (3, 2, 3, 2), (1, 4, 2, 2)])
def test_affine_twins_agree(shape, dtype):
    rng = np.random.default_rng(8)
    x = rng.standard_normal(shape).astype(dtype)
    D = int(np.prod(shape[1:]))
    W, b = rng.standard_normal((D, 6)).astype(dtype), rng.standard_normal(6).astype(dtype)
    run_pair(Affine(W, b), FastAffine(W, b), x, rng.standard_normal((shape[0], 6)).astype(dtype), dtype)


def test_affine_twins_agree_when_the_batch_size_changes():
    """One layer fed batches of several sizes, as the last, smaller batch of an epoch is: every backward
    sums over its own batch."""
    rng = np.random.default_rng(10)
    W, b = rng.standard_normal((7, 4)), rng.standard_normal(4)
    book, fast = Affine(W, b), FastAffine(W, b)
    for n in (5, 3, 5, 1):
        x, dout = rng.standard_normal((n, 7)), rng.standard_normal((n, 4))
        run_pair(book, fast, x, dout, np.float64)


def test_without_input_gradient_both_twins_return_none_and_the_same_parameter_gradients():
    rng = np.random.default_rng(9)
    x = rng.standard_normal((2, 3, 6, 6))
    W, b = rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    dout = rng.standard_normal((2, 4, 6, 6))
    full = Convolution(W, b, 1, 1)
    full.forward(x)
    assert full.backward(dout) is not None
    for cls in (Convolution, FastConvolution):
        layer = cls(W, b, 1, 1)
        layer.needs_input_grad = False
        layer.forward(x)
        assert layer.backward(dout) is None
        assert_close(layer.dW, full.dW, np.float64, f"{cls.__name__} dW")
        assert_close(layer.db, full.db, np.float64, f"{cls.__name__} db")


def test_every_fast_layer_has_a_book_twin_with_the_same_constructor():
    import inspect

    for book, fast in FAST_TWINS.items():
        assert list(inspect.signature(book).parameters) == list(inspect.signature(fast).parameters)
        for name, parameter in inspect.signature(book).parameters.items():
            assert inspect.signature(fast).parameters[name].default == parameter.default, (book, name)


@pytest.mark.parametrize("cls", [SimpleConvNet, DeepConvNet])
def test_book_and_fast_networks_compute_the_same_function_and_gradients(cls):
    kwargs = {"input_dim": (1, 10, 10), "seed": 3, "dtype": np.float64}
    if cls is SimpleConvNet:
        kwargs.update(conv_param={"filter_num": 3, "filter_size": 3, "pad": 1, "stride": 1}, hidden_size=6)
    else:
        kwargs.update(hidden_size=6)
    fast, book = cls(**kwargs), cls(**kwargs, fast=False)
    rng = np.random.default_rng(4)
    x, t = rng.random((3, 1, 10, 10)), rng.integers(0, 10, 3)
    loss_fast, grads_fast = fast.loss_and_gradient(x, t)
    loss_book, grads_book = book.loss_and_gradient(x, t)
    assert loss_fast == pytest.approx(loss_book, rel=1e-12)
    for key in grads_book:
        assert_close(grads_fast[key], grads_book[key], np.float64, key)
    np.testing.assert_array_equal(fast.predict_labels(x), book.predict_labels(x))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("cls", [TwoLayerNet, MultiLayerNet])
def test_book_and_fast_mlps_compute_the_same_function_and_gradients(cls, dtype):
    # 120 x 784 x 100 = 9.4M multiply-adds: the fast build splits these products over the workers
    hidden = 100 if cls is TwoLayerNet else [100, 30]
    kwargs = {"input_size": 784, "output_size": 10, "weight_init_std": 0.05, "seed": 5, "dtype": dtype}
    kwargs["hidden_size" if cls is TwoLayerNet else "hidden_size_list"] = hidden
    fast, book = cls(**kwargs, fast=True), cls(**kwargs)
    assert isinstance(fast.layers["Affine1"], FastAffine) and type(book.layers["Affine1"]) is Affine
    assert isinstance(fast.layers["Affine2"], FastAffine)
    assert not fast.layers["Affine1"].needs_input_grad and not book.layers["Affine1"].needs_input_grad
    rng = np.random.default_rng(6)
    x, t = rng.random((120, 784)).astype(dtype), rng.integers(0, 10, 120)
    loss_fast, grads_fast = fast.loss_and_gradient(x, t)
    loss_book, grads_book = book.loss_and_gradient(x, t)
    assert loss_fast == pytest.approx(loss_book, rel=1e-12 if dtype == np.float64 else 1e-6)
    assert list(grads_fast) == list(grads_book)
    for key in grads_book:
        assert grads_fast[key].dtype == grads_book[key].dtype == dtype
        assert_close(grads_fast[key], grads_book[key], dtype, key)


@pytest.mark.parametrize("algorithm", ["winograd", "winograd_rows"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("x_shape", "fn", "pad"), [
    ((2, 3, 6, 6), 4, 1), ((1, 2, 7, 9), 3, 0), ((3, 4, 5, 5), 2, 2), ((2, 16, 8, 8), 5, 1), ((1, 1, 3, 3), 2, 0),
])
def test_winograd_convolution_agrees_with_the_book_layer(x_shape, fn, pad, dtype, algorithm):
    """FastConvolution through Winograd F(4x4, 3x3) or F(4, 3) along rows (stride 1, 3x3), forced
    whatever the chooser says. float64 within 1e-10 of the largest value: the transforms' 1/24 and 8
    are not exact in binary, so Winograd differs from im2col by more rounding than two orderings of
    one sum. float32 within 2e-5 (measured worst 6e-6 on DeepConvNet's shapes, engine/winograd.py)."""
    rng = np.random.default_rng(sum(x_shape) + fn + pad)
    x = rng.standard_normal(x_shape).astype(dtype)
    W, b = rng.standard_normal((fn, x_shape[1], 3, 3)).astype(dtype), rng.standard_normal(fn).astype(dtype)
    book, fast = Convolution(W, b, 1, pad), FastConvolution(W, b, 1, pad)
    fast.algorithm = algorithm
    tolerance = 1e-10 if dtype == np.float64 else FLOAT32_TOLERANCE
    for name, given in layouts(x):
        before = given.copy()
        out_book, out_fast = book.forward(given), fast.forward(given)
        assert fast._winograd is not None, "the Winograd path should have been taken"
        assert isinstance(fast._winograd, RowsCache) == (algorithm == "winograd_rows")
        dout = rng.standard_normal(out_book.shape).astype(dtype)
        dx_book, dx_fast = book.backward(dout), fast.backward(dout)
        for what, ours, theirs in (("out", out_fast, out_book), ("dx", dx_fast, dx_book),
                                   ("dW", fast.dW, book.dW), ("db", fast.db, book.db)):
            scale = max(1.0, float(np.max(np.abs(theirs))))
            assert np.max(np.abs(ours - theirs)) <= tolerance * scale, (what, name)
        np.testing.assert_array_equal(given, before)


@pytest.mark.parametrize("kernels", ["Haswell", "SkylakeX"])
def test_the_chooser_sends_deep_convnets_wide_layers_to_winograd_and_the_first_to_im2col(kernels, monkeypatch):
    """On the AVX2 kernels Conv2 and Conv3 (few channels; Conv3's 14 rows) to F(4, 3) along rows, the
    rest of Conv2 to Conv6 to F(4x4, 3x3)."""
    monkeypatch.setattr(winograd_rows, "blas_architecture", lambda: kernels)
    rows = "rows" if kernels == "Haswell" else "winograd"
    net = DeepConvNet(seed=0)
    x = np.random.default_rng(0).random((2, 1, 28, 28), dtype=np.float32)
    net.predict(x)
    kinds = {None: "im2col", RowsCache: "rows", WinogradCache: "winograd"}
    used = {name: kinds[type(layer._winograd) if layer._winograd is not None else None]
            for name, layer in net.layers.items() if name.startswith("Conv")}
    assert used == {"Conv1": "im2col", "Conv2": rows, "Conv3": rows, "Conv4": "winograd", "Conv5": "winograd",
                    "Conv6": "winograd"}
    for layer in net.layers.values():
        if isinstance(layer, FastConvolution):
            layer.algorithm = "im2col"
    net.predict(x)
    assert not any(layer._winograd is not None for layer in net.layers.values() if isinstance(layer, FastConvolution))


@pytest.mark.parametrize(("pool", "stride"), [(2, 2), (3, 2)])
def test_pooling_twins_agree_on_arrays_large_enough_to_split_over_the_workers(pool, stride):
    """Outputs of 131,072 values and more run in two ranges of channels on the engine's workers."""
    rng = np.random.default_rng(11)
    x = rng.integers(0, 3, (16, 16, 65, 65)).astype(np.float64)  # small integers: many tied maxima
    book, fast = Pooling(pool, pool, stride), FastPooling(pool, pool, stride)
    out = book.forward(x)
    assert out.size >= SMALLEST_SPLIT_POOL
    dout = rng.standard_normal(out.shape)
    run_pair(book, fast, x, dout, np.float64)


MIXED = [(np.float32, np.float32, np.float64), (np.float64, np.float32, np.float32),
         (np.float32, np.float64, np.float32), (np.float32, np.float32, np.int64),
         (np.float16, np.float16, np.float16)]


@pytest.mark.parametrize(("x_dtype", "w_dtype", "dout_dtype"), MIXED)
@pytest.mark.parametrize("algorithm", ["im2col", "winograd", "winograd_rows"])
def test_convolution_twins_hand_back_gradients_in_the_book_layers_dtypes(x_dtype, w_dtype, dout_dtype, algorithm):
    """Mixed dtypes: the output and each gradient in the dtype the book layer gives, values alike."""
    rng = np.random.default_rng(9)
    x = rng.standard_normal((4, 16, 8, 8)).astype(x_dtype)
    W, b = rng.standard_normal((8, 16, 3, 3)).astype(w_dtype), np.zeros(8, w_dtype)
    dout = (3 * rng.standard_normal((4, 8, 8, 8))).astype(dout_dtype)
    book, fast = Convolution(W, b, 1, 1), FastConvolution(W, b, 1, 1)
    fast.algorithm = algorithm
    assert book.forward(x).dtype == fast.forward(x).dtype
    dx_book, dx_fast = book.backward(dout), fast.backward(dout)
    assert dx_fast.dtype == dx_book.dtype
    # float16 keeps 3 digits; Winograd computes it in float32 (in float16 it was 25 times further off)
    tolerance = 2e-3 if np.float16 in (x_dtype, w_dtype) else 1e-4
    np.testing.assert_allclose(dx_fast, dx_book, rtol=tolerance, atol=tolerance * np.abs(dx_book).max())
    for key in ("W", "b"):
        assert fast.grads[key].dtype == book.grads[key].dtype, key
        scale = np.abs(book.grads[key]).max()
        np.testing.assert_allclose(fast.grads[key], book.grads[key], rtol=tolerance, atol=tolerance * scale)


@pytest.mark.parametrize(("x_dtype", "dout_dtype"), [(np.float64, np.float32), (np.float32, np.float64),
                                                     (np.float32, np.int64)])
def test_pooling_twins_hand_back_dx_in_the_book_layers_dtype(x_dtype, dout_dtype):
    rng = np.random.default_rng(10)
    x = rng.standard_normal((4, 3, 8, 8)).astype(x_dtype)
    dout = (3 * rng.standard_normal((4, 3, 4, 4))).astype(dout_dtype)
    book, fast = Pooling(2, 2), FastPooling(2, 2)
    book.forward(x)
    fast.forward(x)
    dx_book, dx_fast = book.backward(dout), fast.backward(dout)
    assert dx_fast.dtype == dx_book.dtype
    np.testing.assert_array_equal(dx_fast, dx_book)


@pytest.mark.parametrize("cls", [TwoLayerNet, MultiLayerNet])
def test_weights_saved_by_either_mlp_build_load_into_the_other(cls, tmp_path):
    sizes = (30, 12, 5) if cls is TwoLayerNet else (30, [12, 8], 5)
    x = np.random.default_rng(11).random((7, 30)).astype(np.float32)
    for source_fast in (False, True):
        source = cls(*sizes, weight_init_std=0.3, seed=1, fast=source_fast)
        path = source.save_params(tmp_path / f"from_{source_fast}.npz")
        target = cls(*sizes, seed=2, fast=not source_fast)
        target.load_params(path)
        for key in source.params:
            np.testing.assert_array_equal(target.params[key], source.params[key])
        np.testing.assert_allclose(target.predict(x), source.predict(x), rtol=1e-5, atol=1e-6)



def test_float16_stays_on_im2col_unless_winograd_is_asked_for_and_then_is_computed_in_float32():
    """In float16 the transforms' rounding cost two of its three digits and overflowed at outputs of 1e4."""
    rng = np.random.default_rng(12)
    x = (1000 * rng.standard_normal((2, 16, 8, 8))).astype(np.float16)
    W, b = (0.3 * rng.standard_normal((8, 16, 3, 3))).astype(np.float16), np.zeros(8, np.float16)
    exact = Convolution(W.astype(np.float64), b.astype(np.float64), 1, 1).forward(x.astype(np.float64))
    assert 1e4 < np.abs(exact).max() < np.finfo(np.float16).max
    for algorithm in ("auto", "winograd", "winograd_rows"):
        fast = FastConvolution(W, b, 1, 1)
        fast.algorithm = algorithm
        out = fast.forward(x)
        assert (fast._winograd is not None) == (algorithm != "auto") and out.dtype == np.float16
        assert np.abs(out.astype(np.float64) - exact).max() <= 2e-3 * np.abs(exact).max(), algorithm


def _gradient_errors(layer, x, dout):
    """Max relative errors of dx and of each parameter's gradient against centred differences (float64)."""
    layer.forward(x)
    dx = layer.backward(dout)
    grads = {"x": dx, **{key: layer.grads[key] for key in layer.params}}
    arrays = {"x": x, **layer.params}

    def loss():
        return float(np.sum(layer.forward(x) * dout))

    return gradient_check(loss, arrays, grads)


@pytest.mark.parametrize("shape", [(4, 7), (3, 2, 3, 4)])
def test_fast_affine_gradients_match_centred_differences(shape):
    rng = np.random.default_rng(13)
    x = rng.standard_normal(shape)
    D = int(np.prod(shape[1:]))
    layer = FastAffine(rng.standard_normal((D, 5)), rng.standard_normal(5))
    errors = _gradient_errors(layer, x, rng.standard_normal((shape[0], 5)))
    assert set(errors) == {"x", "W", "b"} and max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("shape", [(5, 6), (2, 3, 70, 160)])  # the plain pass and the vector one
def test_fast_relu_gradient_matches_centred_differences(shape):
    rng = np.random.default_rng(14)
    x = rng.standard_normal(shape)
    x[np.abs(x) < 1e-3] = 0.5  # no input within a step of the kink
    dout = rng.standard_normal(shape)
    if x.size < 10_000:
        errors = _gradient_errors(FastRelu(), x, dout)
        assert max(errors.values()) < 1e-7, errors
        return
    layer = FastRelu()  # every entry would take too long: the first two rows, through the whole layer
    layer.forward(x)
    dx = layer.backward(dout)
    rows = x[0, 0, :2]  # a view: nudged in place, so the layer sees it
    numeric = numerical_gradient(lambda _: float(np.sum(layer.forward(x) * dout)), rows)
    assert relative_error(dx[0, 0, :2], numeric) < 1e-7


@pytest.mark.parametrize("algorithm", ["winograd", "winograd_rows"])
def test_the_winograd_path_of_fast_convolution_matches_centred_differences(algorithm):
    """Through FastConvolution itself, with 32 images so that the batch is split in two parts."""
    rng = np.random.default_rng(15)
    x = rng.standard_normal((32, 2, 5, 5))
    layer = FastConvolution(rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(3), 1, 1)
    layer.algorithm = algorithm
    layer.forward(x)
    assert layer._winograd is not None and len(layer._winograd.parts) == 2
    errors = _gradient_errors(layer, x, rng.standard_normal((32, 3, 5, 5)))
    assert max(errors.values()) < 1e-7, errors



@pytest.mark.parametrize(("use_batchnorm", "use_dropout"), [(True, False), (False, True), (True, True)])
def test_book_and_fast_extended_mlps_compute_the_same_function_and_gradients(use_batchnorm, use_dropout):
    """MultiLayerNetExtend with BatchNorm and Dropout: the same masks (one seed) and statistics in both."""
    kwargs = {"input_size": 20, "hidden_size_list": [12, 9], "output_size": 4, "use_batchnorm": use_batchnorm,
              "use_dropout": use_dropout, "dropout_ration": 0.3, "seed": 7, "dtype": np.float64}
    fast, book = MultiLayerNetExtend(**kwargs, fast=True), MultiLayerNetExtend(**kwargs)
    assert isinstance(fast.layers["Affine1"], FastAffine) and type(book.layers["Affine1"]) is Affine
    rng = np.random.default_rng(16)
    x, t = rng.standard_normal((11, 20)), rng.integers(0, 4, 11)
    for _ in range(2):  # the second pass meets updated running statistics and new masks
        loss_fast, grads_fast = fast.loss_and_gradient(x, t)
        loss_book, grads_book = book.loss_and_gradient(x, t)
        assert loss_fast == pytest.approx(loss_book, rel=1e-12)
        for key in grads_book:
            assert_close(grads_fast[key], grads_book[key], np.float64, key)
    np.testing.assert_allclose(fast.predict(x), book.predict(x), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("make", [
    lambda fast: SimpleConvNet(input_dim=(1, 12, 12), hidden_size=8, seed=1, fast=fast),
    lambda fast: DeepConvNet(input_dim=(1, 12, 12), hidden_size=8, seed=1, fast=fast),
    lambda fast: MultiLayerNetExtend(20, [12, 9], 4, use_batchnorm=True, seed=1, fast=fast),
], ids=["SimpleConvNet", "DeepConvNet", "MultiLayerNetExtend with BatchNorm"])
def test_weights_saved_by_either_build_load_into_the_other(make, tmp_path):
    """Parameters and buffers (BatchNorm's running statistics) cross between the builds."""
    shape = (5, 20) if isinstance(make(False), MultiLayerNetExtend) else (5, 1, 12, 12)
    x = np.random.default_rng(17).random(shape).astype(np.float32)
    for source_fast in (False, True):
        source = make(source_fast)
        source.loss_and_gradient(x, np.arange(5) % 4)  # moves BatchNorm's running statistics off their start
        path = source.save_params(tmp_path / f"from_{source_fast}.npz")
        target = make(not source_fast)
        target.load_params(path)
        for key in source.params:
            np.testing.assert_array_equal(target.params[key], source.params[key])
        np.testing.assert_allclose(target.predict(x), source.predict(x), rtol=1e-4, atol=1e-5)
