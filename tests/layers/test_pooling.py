"""Max pooling: values and first-maximum routing against loops, centred differences and torch, ties included."""

from __future__ import annotations

import numpy as np
import pytest

from engine import FastPooling
from layers import LayerStateError, Pooling, gradient_check

# (N, C, H, W, pool_h, pool_w, stride, pad)
CASES = [
    (2, 3, 4, 4, 2, 2, 2, 0),
    (2, 2, 6, 8, 2, 2, 2, 1),
    (1, 3, 7, 7, 3, 3, 2, 1),
    (2, 2, 5, 6, 2, 3, 1, 0),
    (2, 1, 7, 5, 3, 3, 1, 1),
    (1, 2, 9, 9, 3, 3, 3, 0),
    (2, 2, 5, 5, 1, 1, 2, 0),
    (1, 2, 10, 10, 2, 2, 5, 1),
    (2, 2, 5, 5, 2, 2, 2, 0),  # the stride leaves a row and a column over: dropped, zero gradient
    (1, 2, 7, 6, 3, 2, 2, 1),  # ... with padding
]


@pytest.fixture(params=[Pooling, FastPooling], ids=["book", "fast"])
def Pool(request):
    """Every test below runs on the book's layer and on its fast twin from the engine."""
    return request.param


def naive_pool(x, ph, pw, stride, pad, dout):
    """Forward by loops with -inf padding; backward sends each dout to the first maximum (row-major)."""
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), constant_values=-np.inf)
    oh, ow = (h + 2 * pad - ph) // stride + 1, (w + 2 * pad - pw) // stride + 1
    out = np.empty((n, c, oh, ow))
    dxp = np.zeros(xp.shape)
    for s in range(n):
        for ch in range(c):
            for y in range(oh):
                for z in range(ow):
                    best, where = -np.inf, None
                    for i in range(ph):
                        for j in range(pw):
                            value = xp[s, ch, y * stride + i, z * stride + j]
                            if where is None or value > best:
                                best, where = value, (y * stride + i, z * stride + j)
                    out[s, ch, y, z] = best
                    dxp[s, ch, where[0], where[1]] += dout[s, ch, y, z]
    return out, dxp[:, :, pad:pad + h, pad:pad + w]


def run(Pool, x, case, dout_seed=1):
    ph, pw, stride, pad = case[4:]
    layer = Pool(ph, pw, stride, pad)
    out = layer.forward(x)
    dout = np.random.default_rng(dout_seed).standard_normal(out.shape).astype(x.dtype)
    return layer, out, dout, layer.backward(dout)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("values", ["continuous", "ties", "constant"])
def test_matches_loops(Pool, case, values):
    rng = np.random.default_rng(0)
    shape = case[:4]
    if values == "continuous":
        x = rng.standard_normal(shape)
    elif values == "ties":
        x = rng.integers(-2, 2, shape).astype(np.float64)  # many windows with several equal maxima
    else:
        x = np.full(shape, -3.0)  # every window a tie; negative, so zero padding would win
    original = x.copy()
    _, out, dout, dx = run(Pool, x, case)
    expected_out, expected_dx = naive_pool(x, *case[4:], dout)
    np.testing.assert_array_equal(out, expected_out)
    np.testing.assert_allclose(dx, expected_dx, rtol=1e-14, atol=1e-14)
    np.testing.assert_array_equal(x, original)


def test_equal_maxima_give_the_whole_gradient_to_the_first(Pool):
    x = np.array([[[[1.0, 1.0, 0.0, 5.0],
                    [1.0, 1.0, 5.0, 5.0]]]])
    layer = Pool(2, 2, stride=2)
    np.testing.assert_array_equal(layer.forward(x), [[[[1.0, 5.0]]]])
    dx = layer.backward(np.array([[[[10.0, 20.0]]]]))
    np.testing.assert_array_equal(dx, [[[[10.0, 0.0, 0.0, 20.0],
                                         [0.0, 0.0, 0.0, 0.0]]]])


def test_padding_is_minus_infinity(Pool):
    x = -np.arange(1.0, 5.0).reshape(1, 1, 2, 2)  # all negative
    layer = Pool(2, 2, stride=2, pad=1)
    out = layer.forward(x)
    np.testing.assert_array_equal(out, [[[[-1.0, -2.0], [-3.0, -4.0]]]])
    np.testing.assert_array_equal(layer.backward(np.ones_like(out)), np.ones_like(x))


@pytest.mark.parametrize("case", CASES)
def test_gradient_matches_centred_differences(Pool, case):
    x = np.random.default_rng(2).standard_normal(case[:4])
    layer, _, dout, dx = run(Pool, x, case)
    errors = gradient_check(lambda: float(np.sum(layer.forward(x) * dout)), {"x": x}, {"x": dx})
    assert errors["x"] < 1e-7, errors


def test_float32_stays_float32_and_any_memory_layout_works(Pool):
    x = np.random.default_rng(3).standard_normal((3, 2, 6, 6)).astype(np.float32)
    channel_major = np.ascontiguousarray(x.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    batch_last = np.ascontiguousarray(x.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)  # read without a copy
    for given in (x, channel_major, batch_last, x[:, :, :, ::-1].copy()[:, :, :, ::-1]):
        layer, out, dout, dx = run(Pool, given, (3, 2, 6, 6, 2, 2, 2, 0))
        expected_out, expected_dx = naive_pool(x, 2, 2, 2, 0, dout)
        assert out.dtype == dx.dtype == np.float32
        np.testing.assert_array_equal(out, expected_out)
        np.testing.assert_allclose(dx, expected_dx, rtol=1e-6)


@pytest.mark.parametrize("case", [c for c in CASES if 2 * c[7] <= min(c[4], c[5])])
@pytest.mark.parametrize("values", ["continuous", "ties"])
def test_matches_torch_max_pool2d(Pool, case, values):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x = rng.standard_normal(case[:4]) if values == "continuous" else rng.integers(0, 2, case[:4]).astype(np.float64)
    _, out, dout, dx = run(Pool, x, case)
    xt = torch.tensor(x, requires_grad=True)
    ph, pw, stride, pad = case[4:]
    ot = torch.nn.functional.max_pool2d(xt, (ph, pw), stride=stride, padding=pad)
    ot.backward(torch.from_numpy(dout))
    np.testing.assert_array_equal(out, ot.detach().numpy())
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize(
    ("x_shape", "args", "message"),
    [
        ((1, 1, 2, 5), (3, 3, 1, 0), "Pooling: window height 3 is larger than the padded input height 2"),
        ((1, 5, 5), (2, 2, 1, 0), r"Pooling: expected input of shape \(N, C, H, W\)"),
    ],
)
def test_inputs_that_do_not_fit_are_rejected(Pool, x_shape, args, message):
    with pytest.raises(ValueError, match=message):
        Pool(*args).forward(np.zeros(x_shape))


def test_bad_arguments_are_rejected(Pool):
    with pytest.raises(ValueError, match="Pooling: expected an integer stride >= 1"):
        Pool(2, 2, stride=0)
    with pytest.raises(ValueError, match="Pooling: expected an integer pool_w >= 1"):
        Pool(2, 0)
    with pytest.raises(ValueError, match="Pooling: pad must be smaller than the window"):
        Pool(2, 2, stride=2, pad=2)
    with pytest.raises(TypeError, match="Pooling: expected a real-valued array"):
        Pool(2, 2, 2).forward(np.zeros((1, 1, 4, 4), dtype=np.complex128))
    assert Pool(2, 2, 2).forward(np.arange(16).reshape(1, 1, 4, 4)).dtype == np.float64  # integers: as float64


def test_backward_needs_a_forward_and_the_right_shape(Pool):
    layer = Pool(2, 2, stride=2)
    with pytest.raises(LayerStateError, match="Pooling.backward"):
        layer.backward(np.zeros((1, 1, 2, 2)))
    layer.forward(np.zeros((1, 1, 4, 4)))
    with pytest.raises(ValueError, match=r"Pooling.backward: expected dout of shape \(1, 1, 2, 2\)"):
        layer.backward(np.zeros((1, 1, 2, 3)))


@pytest.mark.parametrize("case", CASES)
def test_dout_in_any_memory_layout_gives_the_same_dx(Pool, case):
    """dout from Affine comes batch-last (N, C, OH, OW over C, OH, OW, N) and is read in place; any other
    layout is copied first. Either way dx is the same, and dout is not written to."""
    x = np.random.default_rng(6).standard_normal(case[:4])
    _, out, dout, dx = run(Pool, x, case)
    _, expected_dx = naive_pool(x, *case[4:], dout)
    for given in (np.ascontiguousarray(dout.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2),
                  np.ascontiguousarray(dout.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)):
        before = given.copy()
        layer = Pool(*case[4:])
        layer.forward(x)
        np.testing.assert_allclose(layer.backward(given), expected_dx, rtol=1e-14, atol=1e-14)
        np.testing.assert_array_equal(given, before)
