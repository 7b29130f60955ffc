"""bench_winograd: its im2col and FFT references compute the book layer's convolution, and the benchmark runs."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import bench_winograd
from benchmarks.fft_convolution import FftConvolution
from layers import Convolution


@pytest.mark.parametrize(("reference", "tolerance"), [(bench_winograd.Im2colConvolution, 1e-12),
                                                       (FftConvolution, 1e-10)])  # the FFT's round-off is larger
@pytest.mark.parametrize("pad", [0, 1, 2])
def test_the_references_match_the_book_layer_in_float64(reference, tolerance, pad):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4, 7, 6))
    W = rng.standard_normal((5, 4, 3, 3))
    b = rng.standard_normal(5)
    layer = Convolution(W.copy(), b.copy(), stride=1, pad=pad)
    ref = reference(W, b, pad)
    out = ref.forward(x)
    np.testing.assert_allclose(out, layer.forward(x), rtol=tolerance, atol=tolerance)
    dout = rng.standard_normal(out.shape)
    np.testing.assert_allclose(ref.backward(dout), layer.backward(dout), rtol=tolerance, atol=tolerance)
    np.testing.assert_allclose(ref.dW, layer.dW, rtol=tolerance, atol=tolerance)
    np.testing.assert_allclose(ref.db, layer.db, rtol=tolerance, atol=tolerance)
    assert ref.backward(dout, needs_input_grad=False) is None


def test_fft_reference_in_float32_stays_float32_and_near_the_float64_result():
    """Its error, ~1e-7 of the largest value, is float32 rounding through transforms of ~16 points."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 16, 14, 14))
    W = rng.standard_normal((8, 16, 3, 3))
    b = rng.standard_normal(8)
    dout = rng.standard_normal((4, 8, 14, 14))
    exact = FftConvolution(W, b, 1)
    fast = FftConvolution(W.astype(np.float32), b.astype(np.float32), 1)
    results = [(ref.forward(xx), ref.backward(dd)) for ref, xx, dd in
               ((exact, x, dout), (fast, x.astype(np.float32), dout.astype(np.float32)))]
    for wide, narrow in zip((*results[0], exact.dW), (*results[1], fast.dW), strict=True):
        assert narrow.dtype == np.float32
        assert np.abs(narrow - wide).max() <= 2e-6 * np.abs(wide).max()


def test_every_case_runs_and_the_winograd_cases_agree():
    batch = 32  # enough images for the engine's path to split them into two parts
    assert bench_winograd.batch_parts(batch) == 2
    cases = bench_winograd.layer_cases(C=4, FN=3, H=6, pad=1, batch=batch, torch=None)
    assert set(cases) == {"winograd", "winograd 1 thread", "winograd, BLAS threads", "im2col", "fft 1 thread",
                          "rows", "rows 1 thread", "layers.Convolution"}
    results = {name: case() for name, case in cases.items()}
    dx, dW, db = results["winograd 1 thread"]
    dx2, dW2, db2 = results["winograd"]
    np.testing.assert_allclose(dx2, dx, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(dW2, dW, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(results["im2col"], dx, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(results["fft 1 thread"], dx, rtol=1e-4, atol=1e-4)
    for rows_case in ("rows", "rows 1 thread"):
        for got, want in zip(results[rows_case], (dx, dW, db), strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_main_prints_a_table(capsys):
    assert bench_winograd.main(["--batch", "2", "--rounds", "1", "--calls-per-round", "1", "--no-torch",
                                "--layers", "conv5", "--threads", "1"]) == 0
    printed = capsys.readouterr().out
    assert "conv5" in printed and "winograd, BLAS threads" in printed


def test_the_cases_on_openblas_threads_take_their_turns_apart_from_the_engine_threads():
    pools = {case: bench_winograd.thread_pool(case) for case in
             bench_winograd.layer_cases(C=2, FN=2, H=4, pad=1, batch=2, torch=None)}
    assert pools["winograd"] == pools["winograd 1 thread"] == pools["fft 1 thread"] == pools["rows"]
    assert pools["rows"] == pools["rows 1 thread"]
    assert len({pools["winograd"], pools["winograd, BLAS threads"], bench_winograd.thread_pool("torch")}) == 3
    assert pools["im2col"] == pools["layers.Convolution"] == pools["winograd, BLAS threads"]


@pytest.mark.parametrize("argv", [["--rounds", "0"], ["--layers", "conv7"], ["--threads", "0"]])
def test_bad_options_are_rejected(argv, capsys):
    with pytest.raises(SystemExit):
        bench_winograd.parse_args(argv)
    assert "error" in capsys.readouterr().err
