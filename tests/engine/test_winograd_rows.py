"""engine.winograd_rows: F(4, 3) along rows against a direct convolution across chunk seams and batch parts,
and the shapes it is chosen for (what it shares with F(4x4, 3x3): test_winograd_contract.py)."""

from __future__ import annotations

import numpy as np
import pytest

from engine import winograd_rows
from engine.winograd import prefer_winograd
from engine.winograd_rows import prefer_rows, rows_backward, rows_forward
from tests.support.direct_convolution import CASES, direct, make, rel

REL_FLOAT64 = 1e-10


def run(x, W, b, pad, dout, workspace=None, needs_input_grad=True, workers=1):
    out, cache = rows_forward(x, W, b, pad, workspace=workspace, workers=workers)
    out = out.copy()
    return (out, *rows_backward(dout, cache, needs_input_grad=needs_input_grad))


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("chunk_rows", [None, 1, 2, 3])
@pytest.mark.parametrize("case", CASES)
def test_float64_matches_direct_convolution(case, chunk_rows, workers, monkeypatch):
    """chunk_rows: output rows per chunk (None: the module's choice, all rows at these sizes); the
    chunks' seams are where the rows two chunks share are added (dV) or transformed once (V)."""
    if chunk_rows is not None:
        monkeypatch.setattr(winograd_rows, "_rows_per_chunk", lambda *_: chunk_rows)
    x, W, b, pad, dout = make(case)
    got = run(x, W, b, pad, dout, workers=workers)
    want = direct(x, W, b, pad, dout)
    for name, g, w in zip(("out", "dx", "dW", "db"), got, want, strict=True):
        assert g.shape == w.shape and g.dtype == np.float64, name
        assert rel(g, w) < REL_FLOAT64, (name, rel(g, w))


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
