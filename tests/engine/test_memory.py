"""Explicit ownership of the engine's scratch memory: a workspace refills its own arrays, and nothing a
fast layer returns (an output, an input gradient, a parameter gradient) ever lies in a workspace, so a
result a caller keeps is never overwritten, on any interpreter."""

from __future__ import annotations

import numpy as np
import pytest

from engine import FastAffine, FastConvolution, FastPooling, FastRelu
from engine.memory import Workspace

BIG = (4, 8, 40, 40)  # 51,200 values: large enough for every fast path


def test_a_workspace_hands_back_the_same_memory_until_the_shape_changes():
    memory = Workspace()
    first = memory.empty("a", (256, 256), np.float32)
    assert memory.empty("a", (256, 256), np.float32) is first
    assert memory.empty("b", (256, 256), np.float32) is not first  # another name: another array
    assert memory.empty("a", (256, 255), np.float32) is not first  # another shape: new memory
    like = np.empty((256, 256, 2), np.float32).transpose(2, 0, 1)
    laid_out = memory.empty_like("c", like)
    assert laid_out.strides == like.strides and memory.empty_like("c", like) is laid_out
    assert memory.owns(laid_out) and not memory.owns(like)
    memory.clear()
    assert not memory.owns(first)


def _run_twice(layer, x1, x2, douts):
    """Forward and backward twice; returns everything the first pass handed out, and copies of it."""
    out1 = layer.forward(x1)
    dx1 = layer.backward(douts[0])
    grads1 = dict(layer.grads)
    kept = [a for a in (out1, dx1, *grads1.values()) if a is not None]
    saved = [a.copy() for a in kept]
    layer.forward(x2)
    layer.backward(douts[1])
    return kept, saved


@pytest.mark.parametrize("make", ["relu", "pool", "conv", "affine"])
def test_results_a_caller_kept_are_never_overwritten(make):
    rng = np.random.default_rng(0)
    x1, x2 = rng.standard_normal(BIG), rng.standard_normal(BIG)
    if make == "relu":
        layer, out_shape = FastRelu(), BIG
    elif make == "pool":
        layer, out_shape = FastPooling(2, 2, stride=2), (4, 8, 20, 20)
    elif make == "conv":
        layer, out_shape = FastConvolution(rng.standard_normal((5, 8, 3, 3)), np.zeros(5), 1, 1), (4, 5, 40, 40)
    else:
        layer, out_shape = FastAffine(rng.standard_normal((8 * 40 * 40, 5)), np.zeros(5)), (4, 5)
        x1, x2 = (np.ascontiguousarray(a.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3) for a in (x1, x2))  # strided
    douts = [rng.standard_normal(out_shape), rng.standard_normal(out_shape)]
    kept, saved = _run_twice(layer, x1, x2, douts)
    for array, copy in zip(kept, saved, strict=True):
        np.testing.assert_array_equal(array, copy)
        if hasattr(layer, "_memory"):
            assert not layer._memory.owns(array)


def test_affine_keeps_its_own_copy_of_a_strided_input():
    rng = np.random.default_rng(3)
    W, b = rng.standard_normal((8 * 40 * 40, 5)), np.zeros(5)
    affine = FastAffine(W, b)
    x1 = rng.standard_normal((8, 4, 40, 40)).transpose(1, 0, 2, 3)  # not C-contiguous: reshape would copy
    x2 = rng.standard_normal((8, 4, 40, 40)).transpose(1, 0, 2, 3)
    affine.forward(x1)
    affine.forward(x2)
    affine.backward(np.ones((4, 5)))
    np.testing.assert_allclose(affine.dW, x2.reshape(4, -1).T @ np.ones((4, 5)))


def test_relu_twins_agree_on_a_non_finite_dout():
    """Both multiply dout by the 0/1 mask: an infinite dout where x <= 0 gives NaN in both (inf * 0)."""
    from layers import Relu

    x = np.random.default_rng(5).standard_normal(BIG)
    dout = np.full(BIG, np.inf)
    fast, book = FastRelu(), Relu()
    fast.forward(x)
    book.forward(x)
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(fast.backward(dout), book.backward(dout))
        np.testing.assert_array_equal(np.isnan(book.backward(dout)), x <= 0)
