"""engine.winograd_rows: F(4, 3) along rows against a direct convolution, centred differences and torch."""

from __future__ import annotations

import numpy as np
import pytest

from engine import winograd_rows
from engine.winograd import WinogradWorkspace, prefer_winograd
from engine.winograd_rows import prefer_rows, rows_backward, rows_forward
from layers import gradient_check
from tests.support.direct_convolution import CASES, direct, make, rel

REL_FLOAT64 = 1e-10
# float32: one F(4, 3) transform on each side (B^T's 5 and 4, A^T's 8, G's 1/6 and 1/24) where
# F(4x4, 3x3) has two; on DeepConvNet-like shapes (C up to 64, three seeds) the largest errors measured
# were 2.5e-6 (out), 0.9e-6 (dx), 1.0e-6 (dW) of the largest value (F(4x4, 3x3): 6.1e-6, 3.3e-6,
# 4.2e-6); 1e-5 leaves a margin of 4.
REL_FLOAT32 = 1e-5


def run(x, W, b, pad, dout, workspace=None, needs_input_grad=True, workers=1):
    out, cache = rows_forward(x, W, b, pad, workspace=workspace, workers=workers)
    out = out.copy()
    return (out, *rows_backward(dout, cache, needs_input_grad=needs_input_grad))


@pytest.mark.parametrize("chunk_rows", [None, 1, 2, 3])
@pytest.mark.parametrize("case", CASES)
def test_float64_matches_direct_convolution(case, chunk_rows, monkeypatch):
    """chunk_rows: output rows per chunk (None: the module's choice, all rows at these sizes); the
    chunks' seams are where the rows two chunks share are added (dV) or transformed once (V)."""
    if chunk_rows is not None:
        monkeypatch.setattr(winograd_rows, "_rows_per_chunk", lambda *_: chunk_rows)
    x, W, b, pad, dout = make(case)
    got = run(x, W, b, pad, dout)
    want = direct(x, W, b, pad, dout)
    for name, g, w in zip(("out", "dx", "dW", "db"), got, want, strict=True):
        assert g.shape == w.shape and g.dtype == np.float64, name
        assert rel(g, w) < REL_FLOAT64, (name, rel(g, w))


@pytest.mark.parametrize("workers", [2, 3])
def test_batch_split_between_worker_threads(workers, monkeypatch):
    """Each thread takes a slice of the batch, in chunks of two rows; dW and db are summed over the slices."""
    monkeypatch.setattr(winograd_rows, "_rows_per_chunk", lambda *_: 2)
    for case in [(5, 3, 4, 7, 9, 1), (1, 2, 3, 6, 6, 0)]:  # the second has fewer images than threads
        x, W, b, pad, dout = make(case, seed=9)
        got = run(x, W, b, pad, dout, WinogradWorkspace(), workers=workers)
        for name, g, w in zip(("out", "dx", "dW", "db"), got, direct(x, W, b, pad, dout), strict=True):
            assert rel(g, w) < REL_FLOAT64, (case, name)
    with pytest.raises(ValueError, match="workers"):
        rows_forward(x, W, b, pad, workers=0)


def test_float32_within_the_stated_bound():
    for case in [(4, 16, 16, 14, 14, 1), (2, 64, 32, 9, 7, 2), (3, 16, 16, 28, 28, 1)]:
        x, W, b, pad, dout = make(case, np.float32, seed=1)
        got = run(x, W, b, pad, dout)
        want = direct(x, W, b, pad, dout)
        for name, g, w in zip(("out", "dx", "dW", "db"), got, want, strict=True):
            assert g.dtype == np.float32, name
            assert rel(g, w) < REL_FLOAT32, (case, name, rel(g, w))


def test_gradient_check_through_a_scalar_loss():
    """loss = sum(out * R); dx, dW, db against fourth-order centred differences, float64."""
    x, W, b, pad, R = make((2, 2, 3, 5, 6, 1), seed=2)
    _, cache = rows_forward(x, W, b, pad)
    dx, dW, db = rows_backward(R, cache)

    def loss():
        return float(np.sum(rows_forward(x, W, b, pad)[0] * R))

    errors = gradient_check(loss, {"x": x, "W": W, "b": b}, {"x": np.ascontiguousarray(dx), "W": dW, "b": db})
    assert max(errors.values()) < 1e-7, errors


def test_torch_oracle_float64():
    torch = pytest.importorskip("torch")
    x, W, b, pad, dout = make((3, 4, 5, 9, 10, 1), seed=3)
    xt, Wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, W, b))
    out_t = torch.nn.functional.conv2d(xt, Wt, bt, padding=pad)
    out_t.backward(torch.tensor(dout))
    got = run(x, W, b, pad, dout)
    for name, g, t in zip(("out", "dx", "dW", "db"), got, (out_t, xt.grad, Wt.grad, bt.grad), strict=True):
        assert rel(g, t.detach().numpy()) < REL_FLOAT64, name


def test_inputs_never_modified_and_returned_arrays_never_overwritten():
    x, W, b, pad, dout = make((2, 3, 4, 7, 7, 1), seed=4)
    originals = [a.copy() for a in (x, W, b, dout)]
    ws = WinogradWorkspace()
    out, cache = rows_forward(x, W, b, pad, workspace=ws)
    first = [out, *rows_backward(dout, cache)]
    kept = [a.copy() for a in first]
    x2, W2, b2, _, dout2 = make((2, 3, 4, 7, 7, 1), seed=5)  # another call on the same workspace
    out2, cache2 = rows_forward(x2, W2, b2, pad, workspace=ws)
    rows_backward(dout2, cache2)
    for a, o in zip((x, W, b, dout), originals, strict=True):
        np.testing.assert_array_equal(a, o)
    for a, k in zip(first, kept, strict=True):
        np.testing.assert_array_equal(a, k)
    assert not np.allclose(out2, out)


def test_any_input_layout_and_workspace_across_shapes():
    x, W, b, pad, dout = make((3, 4, 5, 10, 9, 1), seed=6)
    want = direct(x, W, b, pad, dout)
    batch_last = np.ascontiguousarray(x.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
    strided = np.zeros((3, 8, 10, 18))[:, ::2, :, ::2]
    strided[...] = x
    dout_batch_last = np.ascontiguousarray(dout.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
    ws = WinogradWorkspace()
    for xi, di in [(x, dout), (batch_last, dout_batch_last), (strided, dout)]:
        for g, w in zip(run(xi, W, b, pad, di, ws), want, strict=True):
            assert rel(g, w) < REL_FLOAT64
    # other shapes on the same workspace, among them one whose padded input has the same shape but
    # the image in another place (pad 0 after pad 1), and one with as many padded elements
    for case in [(3, 4, 5, 10, 7, 1), (3, 4, 5, 8, 8, 0), (3, 4, 5, 6, 6, 1), (6, 2, 5, 6, 6, 1)]:
        x2, W2, b2, pad2, dout2 = make(case, seed=7)
        for g, w in zip(run(x2, W2, b2, pad2, dout2, ws), direct(x2, W2, b2, pad2, dout2), strict=True):
            assert rel(g, w) < REL_FLOAT64, case


def test_output_and_dx_are_batch_last_views():
    """The layout the next fast layer reads in memory order: (FN, OH, OW, N) and (C, H', W', N) underneath."""
    x, W, b, pad, dout = make((3, 2, 4, 6, 7, 1), seed=10)
    out, cache = rows_forward(x, W, b, pad)
    dx, _, _ = rows_backward(dout, cache)
    assert out.transpose(1, 2, 3, 0).flags.c_contiguous
    assert dx.strides[0] == dx.itemsize and dx.strides[3] == 3 * dx.itemsize  # n fastest, then w


def test_skipping_the_input_gradient():
    x, W, b, pad, dout = make((2, 3, 4, 6, 6, 0), seed=7)
    out, dx, dW, db = run(x, W, b, pad, dout, needs_input_grad=False)
    want = direct(x, W, b, pad, dout)
    assert dx is None
    assert rel(dW, want[2]) < REL_FLOAT64 and rel(db, want[3]) < REL_FLOAT64


def test_a_float64_dout_after_a_float32_forward_is_computed_in_float32():
    x, W, b, pad, dout = make((2, 3, 4, 6, 6, 1), np.float32, seed=11)
    _, cache = rows_forward(x, W, b, pad)
    dx, dW, db = rows_backward(dout.astype(np.float64), cache)
    want = direct(x, W, b, pad, dout)
    for name, g, w in zip(("dx", "dW", "db"), (dx, dW, db), want[1:], strict=True):
        assert g.dtype == np.float32 and rel(g, w) < REL_FLOAT32, name


def test_stale_cache_and_bad_input_are_refused():
    x, W, b, pad, dout = make((1, 2, 3, 6, 6, 1), seed=8)
    ws = WinogradWorkspace()
    _, cache = rows_forward(x, W, b, pad, workspace=ws)
    rows_forward(x, W, b, pad, workspace=ws)
    with pytest.raises(ValueError, match="stale"):
        rows_backward(dout, cache)
    _, cache = rows_forward(x, W, b, pad, workspace=ws)
    first = rows_backward(dout, cache)
    for a, b_ in zip(first, rows_backward(dout, cache), strict=True):  # a cache serves several backwards
        np.testing.assert_array_equal(a, b_)
    _, cache = rows_forward(x, W, b, pad)
    with pytest.raises(ValueError, match=r"dout of shape \(1, 3, 6, 6\)"):
        rows_backward(dout[:, :, :5], cache)
    with pytest.raises(ValueError, match="W \\(FN, C, 3, 3\\)"):
        rows_forward(x, W[:, :, :2], b, pad)
    with pytest.raises(ValueError, match=r"b of shape \(3,\)"):
        rows_forward(x, W, b[:2], pad)


def test_preferred_shapes():
    """On the AVX2 kernels, among the shapes Winograd takes: rows where the channels are few or the
    height wastes F(4x4)'s rows. On other kernels never."""
    deep = [(1, 16, 28, 1), (16, 16, 28, 1), (16, 32, 14, 1), (32, 32, 14, 2), (32, 64, 8, 1), (64, 64, 8, 1)]
    for kernels, expected in [("Haswell", [False, True, True, False, False, False]),
                              ("Zen", [False, True, True, False, False, False]),
                              ("SkylakeX", [False] * 6), ("", [False] * 6)]:
        chosen = [prefer_rows((100, C, H, H), (FN, C, 3, 3), 1, pad, kernels) for C, FN, H, pad in deep]
        assert chosen == expected, kernels
    assert prefer_rows((100, 32, 14, 14), (32, 32, 3, 3), 1, 1, "Haswell")  # 14 rows: F(4x4) computes 16
    assert not prefer_rows((100, 32, 16, 16), (32, 32, 3, 3), 1, 1, "Haswell")
    assert not prefer_rows((100, 64, 14, 14), (64, 64, 3, 3), 1, 1, "Haswell")  # F(4x4)'s fewer products win
    for shape in [((100, 3, 28, 28), (32, 3, 3, 3), 1, 1), ((100, 16, 28, 28), (16, 16, 3, 3), 2, 1)]:
        assert not prefer_winograd(*shape) and not prefer_rows(*shape, "Haswell")  # never where Winograd is not


def test_the_kernels_default_to_those_numpy_runs(monkeypatch):
    monkeypatch.setattr(winograd_rows, "blas_architecture", lambda: "Haswell")
    assert prefer_rows((100, 16, 28, 28), (16, 16, 3, 3), 1, 1)
    monkeypatch.setattr(winograd_rows, "blas_architecture", lambda: None)
    assert not prefer_rows((100, 16, 28, 28), (16, 16, 3, 3), 1, 1)


def test_one_workspace_serves_both_winograd_layouts_of_the_same_padded_shape():
    """C = 10, an 8x8 output: F(4x4)'s padded input (C, 10, 10, N) and rows' (10, C, 10, N) have one shape
    but hold the image in different places, so neither may take over the other's zero border."""
    from engine.winograd import winograd_backward, winograd_forward

    x, W, b, pad, dout = make((2, 10, 3, 8, 8, 1), seed=12)
    want = direct(x, W, b, pad, dout)
    ws = WinogradWorkspace()
    for forward, backward in [(winograd_forward, winograd_backward), (rows_forward, rows_backward),
                              (winograd_forward, winograd_backward)]:
        out, cache = forward(x, W, b, pad, workspace=ws)
        got = (out, *backward(dout, cache))
        for name, g, w in zip(("out", "dx", "dW", "db"), got, want, strict=True):
            assert rel(g, w) < REL_FLOAT64, (forward.__name__, name)
