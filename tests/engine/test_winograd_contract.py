"""What engine.winograd (F(4x4, 3x3)) and engine.winograd_rows (F(4, 3) along rows) both promise: the
same results as a direct convolution however the batch is split, the input laid out or the workspace
reused; inputs and returned arrays left alone; stale caches and bad input refused."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pytest

from engine.winograd import WinogradWorkspace, winograd_backward, winograd_forward
from engine.winograd_rows import rows_backward, rows_forward
from layers import gradient_check
from tests.support.direct_convolution import direct, make, rel

REL_FLOAT64 = 1e-10


class Algorithm(NamedTuple):
    forward: object
    backward: object
    float32_bound: float  # float32 results within this much of the largest value


# float32: the transforms multiply and add values up to 8x (A^T) and 5x (B^T) the inputs and divide by 6
# and 24 (G), so rounding grows with them. On DeepConvNet-like shapes (C up to 64, He or unit-variance
# weights) the largest errors measured were, of the largest value: F(4x4, 3x3) 5.6e-6 (out), 4.0e-6
# (dx), 5.2e-6 (dW), and 2e-5 leaves a margin of 3.5; F(4, 3) along rows, one transform on each side
# instead of two, 2.5e-6, 0.9e-6, 1.0e-6 (three seeds), and 1e-5 leaves a margin of 4; a direct
# float32 convolution ~2e-7.
ALGORITHMS = [pytest.param(Algorithm(winograd_forward, winograd_backward, 2e-5), id="F(4x4,3x3)"),
              pytest.param(Algorithm(rows_forward, rows_backward, 1e-5), id="F(4,3) rows")]


@pytest.fixture(params=ALGORITHMS)
def algorithm(request):
    return request.param


def run(algorithm, x, W, b, pad, dout, workspace=None, needs_input_grad=True):
    out, cache = algorithm.forward(x, W, b, pad, workspace=workspace)
    out = out.copy()
    return (out, *algorithm.backward(dout, cache, needs_input_grad=needs_input_grad))


def test_float32_within_the_stated_bound(algorithm):
    for case in [(4, 16, 16, 14, 14, 1), (2, 64, 32, 9, 7, 2), (3, 16, 16, 28, 28, 1)]:
        x, W, b, pad, dout = make(case, np.float32, seed=1)
        got = run(algorithm, x, W, b, pad, dout)
        want = direct(x, W, b, pad, dout)
        for name, g, w in zip(("out", "dx", "dW", "db"), got, want, strict=True):
            assert g.dtype == np.float32, name
            assert rel(g, w) < algorithm.float32_bound, (case, name, rel(g, w))


@pytest.mark.parametrize("workers", [2, 3])
def test_batch_split_between_worker_threads(algorithm, workers):
    """Each thread takes a slice of the batch; dW and db are summed over the slices."""
    for case in [(5, 3, 4, 7, 9, 1), (1, 2, 3, 6, 6, 0)]:  # the second has fewer images than threads
        x, W, b, pad, dout = make(case, seed=9)
        ws = WinogradWorkspace()
        out, cache = algorithm.forward(x, W, b, pad, workspace=ws, workers=workers)
        got = (out, *algorithm.backward(dout, cache))
        for name, g, w in zip(("out", "dx", "dW", "db"), got, direct(x, W, b, pad, dout), strict=True):
            assert rel(g, w) < REL_FLOAT64, (case, name)
    with pytest.raises(ValueError, match="workers"):
        algorithm.forward(x, W, b, pad, workers=0)


def test_gradient_check_through_a_scalar_loss(algorithm):
    """loss = sum(out * R); dx, dW, db against fourth-order centred differences, float64."""
    x, W, b, pad, R = make((2, 2, 3, 5, 6, 1), seed=2)
    _, cache = algorithm.forward(x, W, b, pad)
    dx, dW, db = algorithm.backward(R, cache)

    def loss():
        return float(np.sum(algorithm.forward(x, W, b, pad)[0] * R))

    errors = gradient_check(loss, {"x": x, "W": W, "b": b}, {"x": np.ascontiguousarray(dx), "W": dW, "b": db})
    assert max(errors.values()) < 1e-7, errors


def test_torch_oracle_float64(algorithm):
    torch = pytest.importorskip("torch")
    x, W, b, pad, dout = make((3, 4, 5, 9, 10, 1), seed=3)
    xt, Wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, W, b))
    out_t = torch.nn.functional.conv2d(xt, Wt, bt, padding=pad)
    out_t.backward(torch.tensor(dout))
    got = run(algorithm, x, W, b, pad, dout)
    for name, g, t in zip(("out", "dx", "dW", "db"), got, (out_t, xt.grad, Wt.grad, bt.grad), strict=True):
        assert rel(g, t.detach().numpy()) < REL_FLOAT64, name


def test_inputs_never_modified_and_returned_arrays_never_overwritten(algorithm):
    x, W, b, pad, dout = make((2, 3, 4, 7, 7, 1), seed=4)
    originals = [a.copy() for a in (x, W, b, dout)]
    ws = WinogradWorkspace()
    out, cache = algorithm.forward(x, W, b, pad, workspace=ws)
    first = [out, *algorithm.backward(dout, cache)]
    kept = [a.copy() for a in first]
    x2, W2, b2, _, dout2 = make((2, 3, 4, 7, 7, 1), seed=5)  # another call on the same workspace
    out2, cache2 = algorithm.forward(x2, W2, b2, pad, workspace=ws)
    algorithm.backward(dout2, cache2)
    for a, o in zip((x, W, b, dout), originals, strict=True):
        np.testing.assert_array_equal(a, o)
    for a, k in zip(first, kept, strict=True):
        np.testing.assert_array_equal(a, k)
    assert not np.allclose(out2, out)


def test_any_input_layout_and_workspace_across_shapes(algorithm):
    x, W, b, pad, dout = make((3, 4, 5, 10, 9, 1), seed=6)
    want = direct(x, W, b, pad, dout)
    batch_last = np.ascontiguousarray(x.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
    strided = np.zeros((3, 8, 10, 18))[:, ::2, :, ::2]
    strided[...] = x
    dout_batch_last = np.ascontiguousarray(dout.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
    ws = WinogradWorkspace()
    for xi, di in [(x, dout), (batch_last, dout_batch_last), (strided, dout)]:
        for g, w in zip(run(algorithm, xi, W, b, pad, di, ws), want, strict=True):
            assert rel(g, w) < REL_FLOAT64
    # other shapes on the same workspace, among them one whose padded input has the same shape but
    # the image in another place (pad 0 after pad 1), and one with as many padded elements
    for case in [(3, 4, 5, 10, 7, 1), (3, 4, 5, 8, 8, 0), (3, 4, 5, 6, 6, 1), (6, 2, 5, 6, 6, 1)]:
        x2, W2, b2, pad2, dout2 = make(case, seed=7)
        for g, w in zip(run(algorithm, x2, W2, b2, pad2, dout2, ws), direct(x2, W2, b2, pad2, dout2), strict=True):
            assert rel(g, w) < REL_FLOAT64, case


def test_skipping_the_input_gradient(algorithm):
    x, W, b, pad, dout = make((2, 3, 4, 6, 6, 0), seed=7)
    out, dx, dW, db = run(algorithm, x, W, b, pad, dout, needs_input_grad=False)
    want = direct(x, W, b, pad, dout)
    assert dx is None
    assert rel(dW, want[2]) < REL_FLOAT64 and rel(db, want[3]) < REL_FLOAT64


def test_stale_cache_and_bad_input_are_refused(algorithm):
    x, W, b, pad, dout = make((1, 2, 3, 6, 6, 1), seed=8)
    ws = WinogradWorkspace()
    _, cache = algorithm.forward(x, W, b, pad, workspace=ws)
    algorithm.forward(x, W, b, pad, workspace=ws)
    with pytest.raises(ValueError, match="stale"):
        algorithm.backward(dout, cache)
    _, cache = algorithm.forward(x, W, b, pad, workspace=ws)
    first = algorithm.backward(dout, cache)
    for a, b_ in zip(first, algorithm.backward(dout, cache), strict=True):  # a cache serves several backwards
        np.testing.assert_array_equal(a, b_)
    _, cache = algorithm.forward(x, W, b, pad)
    with pytest.raises(ValueError, match=r"dout of shape \(1, 3, 6, 6\)"):
        algorithm.backward(dout[:, :, :5], cache)
    with pytest.raises(ValueError, match="W \\(FN, C, 3, 3\\)"):
        algorithm.forward(x, W[:, :, :2], b, pad)
    with pytest.raises(ValueError, match="engine.winograd"):
        algorithm.forward(x, W, b[:2], pad)
    with pytest.raises(ValueError, match="engine.winograd"):
        algorithm.forward(x[:, :1], W, b, pad)


def test_output_and_dx_are_batch_last_views(algorithm):
    """The layout the next fast layer reads in memory order: (FN, OH, OW, N) and (C, H', W', N) underneath."""
    x, W, b, pad, dout = make((3, 2, 4, 6, 7, 1), seed=10)
    out, cache = algorithm.forward(x, W, b, pad)
    dx, _, _ = algorithm.backward(dout, cache)
    assert out.transpose(1, 2, 3, 0).flags.c_contiguous
    assert dx.strides[0] == dx.itemsize and dx.strides[3] == 3 * dx.itemsize  # n fastest, then w


def test_a_float64_dout_after_a_float32_forward_is_computed_in_float32(algorithm):
    x, W, b, pad, dout = make((2, 3, 4, 6, 6, 1), np.float32, seed=11)
    _, cache = algorithm.forward(x, W, b, pad)
    dx, dW, db = algorithm.backward(dout.astype(np.float64), cache)
    want = direct(x, W, b, pad, dout)
    for name, g, w in zip(("dx", "dW", "db"), (dx, dW, db), want[1:], strict=True):
        assert g.dtype == np.float32 and rel(g, w) < algorithm.float32_bound, name


def test_one_workspace_serves_both_algorithms_in_turn():
    """C = 10, an 8x8 output: F(4x4)'s padded input (C, 10, 10, N) and rows' (10, C, 10, N) have one shape
    but hold the image in different places, so neither may take over the other's zero border."""
    x, W, b, pad, dout = make((2, 10, 3, 8, 8, 1), seed=12)
    want = direct(x, W, b, pad, dout)
    ws = WinogradWorkspace()
    for forward, backward in [(winograd_forward, winograd_backward), (rows_forward, rows_backward),
                              (winograd_forward, winograd_backward)]:
        out, cache = forward(x, W, b, pad, workspace=ws)
        got = (out, *backward(dout, cache))
        for name, g, w in zip(("out", "dx", "dW", "db"), got, want, strict=True):
            assert rel(g, w) < REL_FLOAT64, (forward.__name__, name)

