"""Convolution: values against the definition as loops, gradients against centred differences and torch."""

from __future__ import annotations

import numpy as np
import pytest

from engine import FastConvolution
from layers import Convolution, LayerStateError, gradient_check
from tests.support.conv_cases import make

# (N, C, H, W, FN, FH, FW, stride, pad)
CASES = [
    (2, 3, 5, 5, 4, 3, 3, 1, 0),
    (2, 2, 7, 6, 3, 3, 2, 1, 1),
    (1, 3, 7, 7, 2, 3, 3, 2, 1),
    (2, 1, 9, 8, 3, 5, 4, 1, 2),
    (3, 2, 8, 8, 2, 2, 2, 2, 0),
    (2, 2, 6, 9, 3, 3, 3, 3, 0),
    (1, 2, 5, 5, 2, 5, 5, 1, 0),
    (2, 4, 6, 5, 3, 3, 3, 1, 1),  # stride 1, FN <= C: dx as a convolution of dout with W flipped
    (2, 3, 5, 6, 3, 3, 2, 1, 1),  # ... with different paddings of dout along the two axes
    (1, 2, 4, 4, 2, 3, 3, 1, 2),  # ... and none (pad = FH - 1)
    (2, 3, 6, 7, 2, 3, 3, 2, 0),  # the stride leaves a row and a column over: dropped, zero gradient
    (1, 2, 8, 8, 3, 3, 2, 3, 1),  # ... two rows over
]


@pytest.fixture(params=[Convolution, FastConvolution], ids=["book", "fast"])
def Conv(request):
    """Every test below runs on the book's layer and on its fast twin from the engine."""
    return request.param


def naive_conv(x, W, b, stride, pad):
    """out[n, f, y, z] = sum_{c,i,j} W[f, c, i, j] x_pad[n, c, y*stride + i, z*stride + j] + b[f], by loops."""
    n, c, h, w = x.shape
    fn, _, fh, fw = W.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = (h + 2 * pad - fh) // stride + 1, (w + 2 * pad - fw) // stride + 1
    out = np.zeros((n, fn, oh, ow))
    for s in range(n):
        for f in range(fn):
            for y in range(oh):
                for z in range(ow):
                    window = xp[s, :, y * stride:y * stride + fh, z * stride:z * stride + fw]
                    out[s, f, y, z] = np.sum(window * W[f]) + b[f]
    return out


@pytest.mark.parametrize("case", CASES)
def test_forward_matches_loops(Conv, case):
    x, W, b, stride, pad = make(case)
    original = x.copy()
    out = Conv(W, b, stride, pad).forward(x)
    np.testing.assert_allclose(out, naive_conv(x, W, b, stride, pad), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(x, original)


@pytest.mark.parametrize("case", [CASES[0], CASES[2], CASES[3], CASES[7]])
def test_every_memory_layout_of_the_input_gives_the_same_results(Conv, case):
    """Batch-last input without padding is read in place (a view); other layouts are copied first."""
    x, W, b, stride, pad = make(case)
    dout = np.random.default_rng(5).standard_normal(naive_conv(x, W, b, stride, pad).shape)
    layouts = {
        "C order": x,
        "batch-last": np.ascontiguousarray(x.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2),
        "channel-major": np.ascontiguousarray(x.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3),
        "strided": np.repeat(x, 2, axis=3)[:, :, :, ::2],
    }
    expected = naive_conv(x, W, b, stride, pad)
    results = {}
    for name, given in layouts.items():
        layer = Conv(W, b, stride, pad)
        out = layer.forward(given)
        np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12, err_msg=name)
        results[name] = (layer.backward(dout), layer.dW, layer.db)
    for name, (dx, dW, db) in results.items():
        reference = results["C order"]
        np.testing.assert_allclose(dx, reference[0], rtol=1e-12, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(dW, reference[1], rtol=1e-12, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(db, reference[2], rtol=1e-12, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("case", CASES)
def test_gradients_match_centred_differences(Conv, case):
    x, W, b, stride, pad = make(case, seed=1)
    layer = Conv(W, b, stride, pad)
    dout = np.random.default_rng(2).standard_normal(naive_conv(x, W, b, stride, pad).shape)
    layer.forward(x)
    dx = layer.backward(dout)
    errors = gradient_check(lambda: float(np.sum(layer.forward(x) * dout)),
                            {"W": W, "b": b, "x": x}, {"W": layer.dW, "b": layer.db, "x": dx})
    assert max(errors.values()) < 1e-7, errors


def test_weights_shared_with_the_layer_are_read_at_every_forward(Conv):
    x, W, b, stride, pad = make(CASES[0])
    layer = Conv(W, b, stride, pad)
    W *= 2
    np.testing.assert_allclose(layer.forward(x), naive_conv(x, W, b, stride, pad), atol=1e-12)


def test_float32_stays_float32(Conv):
    x, W, b, stride, pad = make(CASES[1], dtype=np.float32)
    layer = Conv(W, b, stride, pad)
    out = layer.forward(x)
    dx = layer.backward(np.ones_like(out))
    assert out.dtype == dx.dtype == layer.dW.dtype == layer.db.dtype == np.float32
    np.testing.assert_allclose(out, naive_conv(x, W, b, stride, pad), rtol=1e-4, atol=1e-4)


def test_layer_without_input_gradient_still_gives_parameter_gradients(Conv):
    x, W, b, stride, pad = make(CASES[2])
    full, lean = Conv(W, b, stride, pad), Conv(W, b, stride, pad)
    lean.needs_input_grad = False
    dout = np.random.default_rng(3).standard_normal(naive_conv(x, W, b, stride, pad).shape)
    full.forward(x)
    lean.forward(x)
    assert full.backward(dout) is not None
    assert lean.backward(dout) is None
    np.testing.assert_array_equal(lean.dW, full.dW)
    np.testing.assert_array_equal(lean.db, full.db)


def test_repeated_passes_with_new_batch_sizes_stay_correct(Conv):
    rng = np.random.default_rng(4)
    W, b = rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(3)
    layer = Conv(W, b, 1, 1)
    for n in (2, 5, 2):
        x = rng.standard_normal((n, 2, 6, 6))
        np.testing.assert_allclose(layer.forward(x), naive_conv(x, W, b, 1, 1), atol=1e-12)
        layer.backward(np.ones((n, 3, 6, 6)))


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_torch_conv2d(Conv, case, dtype):
    torch = pytest.importorskip("torch")
    x, W, b, stride, pad = make(case, dtype=dtype, seed=5)
    layer = Conv(W, b, stride, pad)
    out = layer.forward(x)
    dout = np.random.default_rng(6).standard_normal(out.shape).astype(dtype)
    dx = layer.backward(dout)
    xt, Wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, W, b))
    ot = torch.nn.functional.conv2d(xt, Wt, bt, stride=stride, padding=pad)
    ot.backward(torch.from_numpy(dout))
    tol = 1e-4 if dtype == np.float32 else 1e-11
    for ours, theirs in ((out, ot.detach()), (dx, xt.grad), (layer.dW, Wt.grad), (layer.db, bt.grad)):
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "stride", "pad", "message"),
    [
        ((2, 2, 6, 6), (3, 3, 3, 3), 1, 0, r"Convolution: expected input of shape \(N, 3, H, W\)"),
        ((2, 3, 6), (3, 3, 3, 3), 1, 0, r"Convolution: expected input of shape \(N, 3, H, W\)"),
        ((2, 3, 2, 6), (3, 3, 3, 3), 1, 0, "Convolution: window height 3 is larger than the padded input height 2"),
        ((2, 3, 6, 6), (3, 3, 3, 9), 1, 1, "Convolution: window width 9 is larger than the padded input width 8"),
    ],
)
def test_inputs_that_do_not_fit_are_rejected(Conv, x_shape, w_shape, stride, pad, message):
    layer = Conv(np.zeros(w_shape), np.zeros(w_shape[0]), stride, pad)
    with pytest.raises(ValueError, match=message):
        layer.forward(np.zeros(x_shape))


def test_bad_parameters_are_rejected(Conv):
    with pytest.raises(ValueError, match=r"Convolution: expected W of shape \(FN, C, FH, FW\)"):
        Conv(np.zeros((3, 3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match=r"b of shape \(FN,\)"):
        Conv(np.zeros((3, 1, 3, 3)), np.zeros(4))
    with pytest.raises(ValueError, match="stride >= 1"):
        Conv(np.zeros((3, 1, 3, 3)), np.zeros(3), stride=0)
    with pytest.raises(ValueError, match="pad >= 0"):
        Conv(np.zeros((3, 1, 3, 3)), np.zeros(3), pad=-1)


@pytest.mark.parametrize("b", [0, 0.5, np.float32(-1.0), np.array(2.0)])
def test_one_number_as_b_is_every_filters_bias(Conv, b):
    """The book's chapter-7 apply_filter builds ``Convolution(w, 0)``."""
    rng = np.random.default_rng(3)
    W, x = rng.standard_normal((2, 1, 3, 3)).astype(np.float32), rng.standard_normal((2, 1, 5, 5)).astype(np.float32)
    given, full = Conv(W, b), Conv(W, np.full(2, float(b), np.float32))
    assert given.b.shape == (2,) and given.b.dtype == np.float32
    np.testing.assert_array_equal(given.forward(x), full.forward(x))
    with pytest.raises(TypeError, match="Convolution: expected a floating-point b"):
        Conv(W, np.array("0"))
    with pytest.raises(TypeError, match="Convolution: expected b as a NumPy array"):
        Conv(W, True)


def test_backward_needs_a_forward_and_the_right_shape(Conv):
    x, W, b, stride, pad = make(CASES[0])
    layer = Conv(W, b, stride, pad)
    with pytest.raises(LayerStateError, match="Convolution.backward"):
        layer.backward(np.zeros((2, 4, 3, 3)))
    layer.forward(x)
    with pytest.raises(ValueError, match=r"Convolution.backward: expected dout of shape \(2, 4, 3, 3\)"):
        layer.backward(np.zeros((2, 4, 3, 4)))
    layer.backward(np.zeros((2, 4, 3, 3)))


