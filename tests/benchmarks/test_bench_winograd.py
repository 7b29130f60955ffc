"""bench_winograd: its im2col reference computes the book layer's convolution, and the benchmark runs."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import bench_winograd
from layers import Convolution


@pytest.mark.parametrize("pad", [0, 1, 2])
def test_im2col_reference_matches_the_book_layer(pad):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4, 7, 6))
    W = rng.standard_normal((5, 4, 3, 3))
    b = rng.standard_normal(5)
    layer = Convolution(W.copy(), b.copy(), stride=1, pad=pad)
    ref = bench_winograd.Im2colConvolution(W, b, pad)
    out = ref.forward(x)
    np.testing.assert_allclose(out, layer.forward(x), rtol=1e-12, atol=1e-12)
    dout = rng.standard_normal(out.shape)
    np.testing.assert_allclose(ref.backward(dout), layer.backward(dout), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ref.dW, layer.dW, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ref.db, layer.db, rtol=1e-12, atol=1e-12)
    assert ref.backward(dout, needs_input_grad=False) is None


def test_every_case_runs_and_the_winograd_cases_agree():
    cases = bench_winograd.layer_cases(C=4, FN=3, H=6, pad=1, batch=3, torch=None)
    assert set(cases) == {"winograd", "winograd 1 thread", "winograd 2 workers", "im2col", "layers.Convolution"}
    results = {name: case() for name, case in cases.items()}
    dx, dW, db = results["winograd"]
    dx2, dW2, db2 = results["winograd 2 workers"]
    np.testing.assert_allclose(dx2, dx, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(dW2, dW, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(results["im2col"], dx, rtol=1e-4, atol=1e-4)


def test_main_prints_a_table(capsys):
    assert bench_winograd.main(["--batch", "2", "--rounds", "1", "--calls-per-round", "1", "--no-torch",
                                "--layers", "conv5", "--threads", "1"]) == 0
    printed = capsys.readouterr().out
    assert "conv5" in printed and "winograd 2 workers" in printed


@pytest.mark.parametrize("argv", [["--rounds", "0"], ["--layers", "conv7"], ["--threads", "0"]])
def test_bad_options_are_rejected(argv, capsys):
    with pytest.raises(SystemExit):
        bench_winograd.parse_args(argv)
    assert "error" in capsys.readouterr().err
