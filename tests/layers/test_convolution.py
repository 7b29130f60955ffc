"""Convolution: values against the definition as loops, gradients against centred differences and torch."""

from __future__ import annotations

import numpy as np
import pytest

from layers import Convolution, LayerStateError, gradient_check
from layers.convolution import SMALL_FILTER_ROWS, product_over_chunks

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
]


def make(case, dtype=np.float64, seed=0):
    n, c, h, w, fn, fh, fw, stride, pad = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    W = rng.standard_normal((fn, c, fh, fw)).astype(dtype)
    b = rng.standard_normal(fn).astype(dtype)
    return x, W, b, stride, pad


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
def test_forward_matches_loops(case):
    x, W, b, stride, pad = make(case)
    original = x.copy()
    out = Convolution(W, b, stride, pad).forward(x)
    np.testing.assert_allclose(out, naive_conv(x, W, b, stride, pad), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(x, original)


@pytest.mark.parametrize("case", [CASES[0], CASES[2], CASES[3], CASES[7]])
def test_every_memory_layout_of_the_input_gives_the_same_results(case):
    """Batch-last input without padding is read in place (a view); other layouts are copied first."""
    x, W, b, stride, pad = make(case)
    dout = np.random.default_rng(5).standard_normal(Convolution(W, b, stride, pad).output_shape(x.shape))
    layouts = {
        "C order": x,
        "batch-last": np.ascontiguousarray(x.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2),
        "channel-major": np.ascontiguousarray(x.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3),
        "strided": np.repeat(x, 2, axis=3)[:, :, :, ::2],
    }
    expected = naive_conv(x, W, b, stride, pad)
    results = {}
    for name, given in layouts.items():
        layer = Convolution(W, b, stride, pad)
        out = layer.forward(given)
        np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12, err_msg=name)
        results[name] = (layer.backward(dout), layer.dW, layer.db)
    for name, (dx, dW, db) in results.items():
        reference = results["C order"]
        np.testing.assert_allclose(dx, reference[0], rtol=1e-12, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(dW, reference[1], rtol=1e-12, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(db, reference[2], rtol=1e-12, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("case", CASES)
def test_gradients_match_centred_differences(case):
    x, W, b, stride, pad = make(case, seed=1)
    layer = Convolution(W, b, stride, pad)
    dout = np.random.default_rng(2).standard_normal(layer.output_shape(x.shape))
    layer.forward(x)
    dx = layer.backward(dout)
    errors = gradient_check(lambda: float(np.sum(layer.forward(x) * dout)),
                            {"W": W, "b": b, "x": x}, {"W": layer.dW, "b": layer.db, "x": dx})
    assert max(errors.values()) < 1e-7, errors


def test_both_ways_of_computing_dx_and_dw_are_covered():
    fits, small = [], []
    for case in CASES:
        x, W, b, stride, pad = make(case)
        layer = Convolution(W, b, stride, pad)
        layer.forward(x)
        fits.append(layer._fits_transposed_convolution(layer.output_shape(x.shape)))
        small.append(W[0].size < SMALL_FILTER_ROWS)
    assert any(fits) and not all(fits)
    assert any(small) and not all(small)


def test_weights_shared_with_the_layer_are_read_at_every_forward():
    x, W, b, stride, pad = make(CASES[0])
    layer = Convolution(W, b, stride, pad)
    W *= 2
    np.testing.assert_allclose(layer.forward(x), naive_conv(x, W, b, stride, pad), atol=1e-12)


def test_float32_stays_float32():
    x, W, b, stride, pad = make(CASES[1], dtype=np.float32)
    layer = Convolution(W, b, stride, pad)
    out = layer.forward(x)
    dx = layer.backward(np.ones_like(out))
    assert out.dtype == dx.dtype == layer.dW.dtype == layer.db.dtype == np.float32
    np.testing.assert_allclose(out, naive_conv(x, W, b, stride, pad), rtol=1e-4, atol=1e-4)


def test_layer_without_input_gradient_still_gives_parameter_gradients():
    x, W, b, stride, pad = make(CASES[2])
    full, lean = Convolution(W, b, stride, pad), Convolution(W, b, stride, pad)
    lean.needs_input_grad = False
    dout = np.random.default_rng(3).standard_normal(full.output_shape(x.shape))
    full.forward(x)
    lean.forward(x)
    assert full.backward(dout) is not None
    assert lean.backward(dout) is None
    np.testing.assert_array_equal(lean.dW, full.dW)
    np.testing.assert_array_equal(lean.db, full.db)


def test_repeated_passes_with_new_batch_sizes_stay_correct():
    rng = np.random.default_rng(4)
    W, b = rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(3)
    layer = Convolution(W, b, 1, 1)
    for n in (2, 5, 2):
        x = rng.standard_normal((n, 2, 6, 6))
        np.testing.assert_allclose(layer.forward(x), naive_conv(x, W, b, 1, 1), atol=1e-12)
        layer.backward(np.ones((n, 3, 6, 6)))


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_torch_conv2d(case, dtype):
    torch = pytest.importorskip("torch")
    x, W, b, stride, pad = make(case, dtype=dtype, seed=5)
    layer = Convolution(W, b, stride, pad)
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
        ((2, 3, 6, 6), (3, 3, 3, 3), 2, 0, "Convolution: stride 2 does not fit the padded input height 6"),
    ],
)
def test_inputs_that_do_not_fit_are_rejected(x_shape, w_shape, stride, pad, message):
    layer = Convolution(np.zeros(w_shape), np.zeros(w_shape[0]), stride, pad)
    with pytest.raises(ValueError, match=message):
        layer.forward(np.zeros(x_shape))


def test_bad_parameters_are_rejected():
    with pytest.raises(ValueError, match=r"Convolution: expected W of shape \(FN, C, FH, FW\)"):
        Convolution(np.zeros((3, 3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match=r"b of shape \(FN,\)"):
        Convolution(np.zeros((3, 1, 3, 3)), np.zeros(4))
    with pytest.raises(ValueError, match="stride >= 1"):
        Convolution(np.zeros((3, 1, 3, 3)), np.zeros(3), stride=0)
    with pytest.raises(ValueError, match="pad >= 0"):
        Convolution(np.zeros((3, 1, 3, 3)), np.zeros(3), pad=-1)


def test_backward_needs_a_forward_and_the_right_shape():
    x, W, b, stride, pad = make(CASES[0])
    layer = Convolution(W, b, stride, pad)
    with pytest.raises(LayerStateError, match="Convolution.backward"):
        layer.backward(np.zeros((2, 4, 3, 3)))
    layer.forward(x)
    with pytest.raises(ValueError, match=r"Convolution.backward: expected dout of shape \(2, 4, 3, 3\)"):
        layer.backward(np.zeros((2, 4, 3, 4)))
    layer.backward(np.zeros((2, 4, 3, 3)))
    with pytest.raises(LayerStateError, match="called twice"):
        layer.backward(np.zeros((2, 4, 3, 3)))


@pytest.mark.parametrize("chunk", [1, 3, 5, 7, 35, 36, 100])
def test_product_over_chunks_is_the_product(chunk):
    """Whole chunks, a remainder, a chunk longer than the rows: each is a b^T."""
    rng = np.random.default_rng(chunk)
    a, b = rng.standard_normal((4, 35)), rng.standard_normal((6, 35))
    np.testing.assert_allclose(product_over_chunks(a, b, chunk), a @ b.T, rtol=1e-12, atol=1e-12)


def test_weight_gradient_of_a_small_filter_sums_chunks(monkeypatch):
    """With chunks of a few pixels forced, the layer's dW still matches the one long product."""
    import layers.convolution as convolution

    x, W, b, stride, pad = make(CASES[0])
    assert W[0].size < SMALL_FILTER_ROWS
    layer = Convolution(W, b, stride, pad)
    dout = np.random.default_rng(1).standard_normal(layer.forward(x).shape)
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = dout.shape[2:]
    expected = np.empty_like(W)  # dW[f, c, i, j] = sum over (n, y, z) of dout[n, f, y, z] x_pad[n, c, y*s + i, z*s + j]
    for i in range(W.shape[2]):
        for j in range(W.shape[3]):
            window = xp[:, :, i:i + stride * (oh - 1) + 1:stride, j:j + stride * (ow - 1) + 1:stride]
            expected[:, :, i, j] = np.einsum("nfyz,ncyz->fc", dout, window)
    monkeypatch.setattr(convolution, "ONE_THREAD_PRODUCT", 7 * W.shape[0] * W[0].size)  # chunks of 7 pixels
    layer.backward(dout)
    np.testing.assert_allclose(layer.dW, expected, rtol=1e-10, atol=1e-10)
