"""engine.winograd: F(4x4, 3x3) against a direct convolution across chunks and the shapes
it is chosen for (what it shares with F(4, 3) along rows: test_winograd_contract.py)."""

from __future__ import annotations

import numpy as np
import pytest

from engine import winograd
from engine.winograd import (
    prefer_winograd,
    winograd_backward,
    winograd_forward,
    winograd_supported,
)
from tests.support.direct_convolution import CASES, direct, make, rel

REL_FLOAT64 = 1e-10


def run(x, W, b, pad, dout, workspace=None, needs_input_grad=True):
    out, cache = winograd_forward(x, W, b, pad, workspace=workspace)
    out = out.copy()
    return (out, *winograd_backward(dout, cache, needs_input_grad=needs_input_grad))


@pytest.mark.parametrize("chunk", [None, 1, 2])
@pytest.mark.parametrize("case", CASES)
def test_float64_matches_direct_convolution(case, chunk, monkeypatch):
    """chunk: tile columns per chunk (None: the module's choice, a whole tile row at these sizes)."""
    if chunk is not None:
        monkeypatch.setattr(winograd, "tile_columns_per_chunk", lambda TW, *_: min(TW, chunk))
    x, W, b, pad, dout = make(case)
    got = run(x, W, b, pad, dout)
    want = direct(x, W, b, pad, dout)
    for name, g, w in zip(("out", "dx", "dW", "db"), got, want, strict=True):
        assert g.shape == w.shape and g.dtype == np.float64, name
        assert rel(g, w) < REL_FLOAT64, (name, rel(g, w))


def test_supported_and_preferred_shapes():
    assert winograd_supported((100, 16, 28, 28), (16, 16, 3, 3), 1, 1)
    assert winograd_supported((1, 1, 3, 3), (1, 1, 3, 3), 1, 0)
    assert not winograd_supported((100, 16, 28, 28), (16, 16, 3, 3), 2, 1)   # stride 2
    assert not winograd_supported((100, 16, 28, 28), (16, 16, 5, 5), 1, 2)   # 5x5
    assert not winograd_supported((100, 16, 28, 28), (16, 8, 3, 3), 1, 1)    # channels differ
    assert not winograd_supported((1, 1, 2, 2), (1, 1, 3, 3), 1, 0)          # nothing to output
    # DeepConvNet at batch 100: every convolution but the first (one input channel)
    deep = [(1, 16, 28, 1), (16, 16, 28, 1), (16, 32, 14, 1), (32, 32, 14, 2), (32, 64, 8, 1), (64, 64, 8, 1)]
    chosen = [prefer_winograd((100, C, H, H), (FN, C, 3, 3), 1, pad) for C, FN, H, pad in deep]
    assert chosen == [False, True, True, True, True, True]
    assert not prefer_winograd((100, 16, 28, 28), (16, 16, 3, 3), 2, 1)
    # eight channels: only with many output pixels
    assert prefer_winograd((100, 8, 20, 20), (32, 8, 3, 3), 1, 1)
    assert not prefer_winograd((100, 8, 14, 14), (32, 8, 3, 3), 1, 1)
    assert not prefer_winograd((100, 3, 28, 28), (32, 3, 3, 3), 1, 1)
