"""BatchNormalization: batch statistics against a naive reference, running statistics, inference, gradients."""

from __future__ import annotations

import math

import numpy as np
import pytest

from layers import BatchNormalization, LayerStateError, freeze, gradient_check

EPS = 1e-6


def naive_batch_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = EPS):
    """Per feature (2-D) or per channel (4-D), one at a time, with exactly summed plain floats.

    Returns the output and the per-channel mean and biased variance.
    """
    out = np.empty(x.shape, dtype=np.float64)
    means, variances = [], []
    for c in range(x.shape[1]):
        values = [float(v) for v in x[:, c].ravel()]
        mean = math.fsum(values) / len(values)
        var = math.fsum((v - mean) ** 2 for v in values) / len(values)
        out[:, c] = gamma[c] * (x[:, c] - mean) / math.sqrt(var + eps) + beta[c]
        means.append(mean)
        variances.append(var)
    return out, np.array(means), np.array(variances)


def make_layer(c: int, seed: int = 0, dtype=np.float64, **kwargs) -> BatchNormalization:
    rng = np.random.default_rng(seed)
    return BatchNormalization(rng.uniform(0.5, 2.0, c).astype(dtype), rng.standard_normal(c).astype(dtype), **kwargs)


# m (values per channel) >= 3 everywhere: with m = 2 the normalised values are +-1 whatever x is, so
# dL/dx is of the order of eps and the input check would compare round-off with round-off
SHAPES = [(3, 2), (5, 4), (16, 1), (2, 3, 2, 2), (3, 2, 3, 1), (1, 2, 3, 3), (4, 5, 2, 3)]


@pytest.mark.parametrize("shape", SHAPES)
def test_training_output_matches_naive_per_channel_reference(shape):
    rng = np.random.default_rng(1)
    x = 3 * rng.standard_normal(shape) + 2
    layer = make_layer(shape[1])
    expected, _, _ = naive_batch_norm(x, layer.gamma, layer.beta)
    np.testing.assert_allclose(layer.forward(x, train_flg=True), expected, rtol=1e-12, atol=1e-12)


def test_4d_statistics_are_per_channel_not_per_position():
    # every position has its own offset: per-channel statistics pool them, per-position ones would not
    rng = np.random.default_rng(2)
    offsets = 5 * rng.standard_normal((1, 1, 3, 3))
    x = rng.standard_normal((8, 2, 3, 3)) + offsets + np.array([1.0, -4.0]).reshape(1, 2, 1, 1)
    layer = BatchNormalization(np.ones(2), np.zeros(2), momentum=0.0)  # momentum 0: running = last batch
    out = layer.forward(x)
    _, means, variances = naive_batch_norm(x, np.ones(2), np.zeros(2))
    np.testing.assert_allclose(layer.running_mean, means, rtol=1e-12)
    np.testing.assert_allclose(layer.running_var, variances, rtol=1e-12)
    channel_means = out.mean(axis=(0, 2, 3))
    np.testing.assert_allclose(channel_means, 0, atol=1e-12)
    assert np.abs(out.mean(axis=0)).max() > 0.5  # positions are not normalised one by one


@pytest.mark.parametrize("shape", [(64, 3), (16, 3, 2, 2)])
def test_running_statistics_converge_to_the_data(shape):
    rng = np.random.default_rng(3)
    c = shape[1]
    mean = np.array([2.0, -1.0, 0.5])
    std = np.array([0.5, 3.0, 1.0])
    bshape = (1, c) + (1,) * (len(shape) - 2)
    layer = make_layer(c)
    for _ in range(300):
        layer.forward(mean.reshape(bshape) + std.reshape(bshape) * rng.standard_normal(shape), train_flg=True)
    m = math.prod(shape) // c
    np.testing.assert_allclose(layer.running_mean, mean, atol=0.15 * std.max())
    # the book tracks the biased batch variance, whose expectation is (m - 1) / m * sigma^2
    np.testing.assert_allclose(layer.running_var, (m - 1) / m * std**2, rtol=0.2)

    # inference uses them: a fresh batch comes out with mean ~beta and std ~gamma per channel
    x = mean.reshape(bshape) + std.reshape(bshape) * rng.standard_normal((2000,) + shape[1:])
    out = layer.forward(x, train_flg=False)
    axes = (0,) + tuple(range(2, len(shape)))
    np.testing.assert_allclose(out.mean(axis=axes), layer.beta, atol=0.2 * layer.gamma.max())
    np.testing.assert_allclose(out.std(axis=axes), layer.gamma, rtol=0.1)


@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 2, 2)])
def test_inference_uses_the_running_statistics_and_changes_nothing(shape):
    rng = np.random.default_rng(4)
    c = shape[1]
    running_mean, running_var = rng.standard_normal(c), rng.uniform(0.5, 2.0, c)
    layer = make_layer(c, running_mean=running_mean, running_var=running_var)
    x = rng.standard_normal(shape)
    b = (1, c) + (1,) * (len(shape) - 2)
    expected = layer.gamma.reshape(b) * (x - running_mean.reshape(b)) / np.sqrt(running_var.reshape(b) + EPS)
    expected += layer.beta.reshape(b)
    np.testing.assert_allclose(layer.forward(x, train_flg=False), expected, rtol=1e-12, atol=1e-13)
    np.testing.assert_array_equal(layer.running_mean, running_mean)
    np.testing.assert_array_equal(layer.running_var, running_var)
    # each sample's output is independent of the rest of the batch
    np.testing.assert_allclose(layer.forward(x[:1], train_flg=False), expected[:1], rtol=1e-12, atol=1e-13)


def test_training_output_depends_on_the_batch_but_inference_does_not():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 3))
    layer = make_layer(3)
    a = layer.forward(x, train_flg=True)[:3]
    b = layer.forward(x[:3], train_flg=True)
    assert not np.allclose(a, b)
    np.testing.assert_array_equal(layer.forward(x, train_flg=False)[:3], layer.forward(x[:3], train_flg=False))


def test_batch_size_is_the_count_each_statistic_is_over_and_survives_inference():
    rng = np.random.default_rng(6)
    layer = make_layer(3)
    layer.forward(rng.standard_normal((4, 3, 5, 5)))
    assert layer.batch_size == 4 * 5 * 5 and layer.xc.shape == (100, 3)
    layer.forward(rng.standard_normal((2, 3, 5, 5)), train_flg=False)
    assert layer.batch_size == 100  # as in the book, only a training forward sets it


def test_backward_after_an_inference_forward_treats_the_statistics_as_constants():
    rng = np.random.default_rng(7)
    layer = make_layer(3, running_mean=rng.standard_normal(3), running_var=rng.uniform(0.5, 2.0, 3))
    layer.forward(rng.standard_normal((5, 3)))  # a training forward first, which sets batch_size
    x, dout = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    layer.forward(x, train_flg=False)
    dx = layer.backward(dout)
    np.testing.assert_allclose(dx, layer.gamma * dout / np.sqrt(layer.running_var + EPS), rtol=1e-12)


def test_running_statistics_update_by_the_momentum_rule():
    x = np.array([[1.0, 10.0], [3.0, 14.0]])  # batch means (2, 12), biased variances (1, 4)
    layer = BatchNormalization(np.ones(2), np.zeros(2), momentum=0.9, running_mean=np.array([0.0, 2.0]))
    layer.forward(x)
    np.testing.assert_allclose(layer.running_mean, [0.9 * 0 + 0.1 * 2, 0.9 * 2 + 0.1 * 12])
    np.testing.assert_allclose(layer.running_var, [0.9 * 1 + 0.1 * 1, 0.9 * 1 + 0.1 * 4])


@pytest.mark.parametrize("shape", [(8, 3), (2, 3, 2, 2)])
def test_frozen_keeps_batch_statistics_but_leaves_running_ones_alone(shape):
    rng = np.random.default_rng(6)
    x = rng.standard_normal(shape) + 3
    layer = make_layer(shape[1])
    expected = layer.forward(x, train_flg=True)
    running = (layer.running_mean.copy(), layer.running_var.copy())
    with freeze(layer):
        np.testing.assert_array_equal(layer.forward(x, train_flg=True), expected)
        layer.forward(2 * x, train_flg=True)
    np.testing.assert_array_equal(layer.running_mean, running[0])
    np.testing.assert_array_equal(layer.running_var, running[1])
    layer.forward(x, train_flg=True)
    assert not np.array_equal(layer.running_mean, running[0])


@pytest.mark.parametrize("train_flg", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
def test_backward_matches_numerical_gradient(shape, train_flg):
    rng = np.random.default_rng(sum(shape))
    c = shape[1]
    x = 2 * rng.standard_normal(shape) + 1
    dout = rng.standard_normal(shape)
    layer = make_layer(c, seed=len(shape), running_mean=rng.standard_normal(c), running_var=rng.uniform(0.5, 2, c))
    layer.forward(x, train_flg=train_flg)
    dx = layer.backward(dout)
    params = {"x": x, "gamma": layer.gamma, "beta": layer.beta}
    grads = {"x": dx, "gamma": layer.dgamma, "beta": layer.dbeta}
    with freeze(layer):
        errors = gradient_check(lambda: float(np.sum(layer.forward(x, train_flg=train_flg) * dout)), params, grads)
    assert max(errors.values()) < 1e-7, errors


def test_input_gradient_sums_to_zero_per_channel_in_training():
    # shifting a channel by a constant does not change the training output
    rng = np.random.default_rng(7)
    layer = make_layer(3)
    layer.forward(rng.standard_normal((4, 3, 2, 2)))
    dx = layer.backward(rng.standard_normal((4, 3, 2, 2)))
    np.testing.assert_allclose(dx.sum(axis=(0, 2, 3)), 0, atol=1e-12)


def test_float32_in_float32_out_and_input_untouched():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((5, 3, 4, 4)).astype(np.float32)
    dout = rng.standard_normal((5, 3, 4, 4)).astype(np.float32)
    kept_x, kept_dout = x.copy(), dout.copy()
    layer = make_layer(3, dtype=np.float32)
    for train_flg in (True, False):
        out = layer.forward(x, train_flg=train_flg)
        dx = layer.backward(dout)
        assert out.dtype == dx.dtype == layer.dgamma.dtype == layer.dbeta.dtype == np.float32
    assert layer.running_mean.dtype == layer.running_var.dtype == np.float32
    np.testing.assert_array_equal(x, kept_x)
    np.testing.assert_array_equal(dout, kept_dout)


def test_given_running_statistics_are_copied_not_modified():
    running_mean, running_var = np.zeros(2), np.ones(2)
    layer = BatchNormalization(np.ones(2), np.zeros(2), running_mean=running_mean, running_var=running_var)
    layer.forward(np.array([[1.0, 2.0], [3.0, 5.0]]))
    np.testing.assert_array_equal(running_mean, [0, 0])
    np.testing.assert_array_equal(running_var, [1, 1])


def test_book_defaults_and_attribute_names():
    layer = BatchNormalization(np.ones(3), np.zeros(3))
    assert layer.momentum == 0.9 and layer.eps == 1e-6  # the book writes 10e-7
    assert layer.params["gamma"] is layer.gamma and layer.params["beta"] is layer.beta
    assert layer.dgamma is None
    layer.forward(np.arange(6.0).reshape(2, 3))
    layer.backward(np.ones((2, 3)))
    assert layer.dgamma is layer.grads["gamma"] and layer.dbeta is layer.grads["beta"]


def test_errors_name_the_layer_and_the_shapes():
    with pytest.raises(ValueError, match=r"BatchNormalization: expected gamma and beta"):
        BatchNormalization(np.ones(3), np.zeros(4))
    with pytest.raises(ValueError, match=r"running_var of shape \(3,\)"):
        BatchNormalization(np.ones(3), np.zeros(3), running_var=np.ones(2))
    layer = BatchNormalization(np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match=r"\(N, 3\) or \(N, 3, H, W\).*\(2, 4\)"):
        layer.forward(np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"more than one value"):
        layer.forward(np.ones((1, 3)), train_flg=True)
    assert layer.forward(np.ones((1, 3)), train_flg=False).shape == (1, 3)  # fine at inference
    with pytest.raises(LayerStateError, match="BatchNormalization"):
        BatchNormalization(np.ones(3), np.zeros(3)).backward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"dout of shape \(1, 3\)"):
        layer.backward(np.ones((2, 3)))


@pytest.mark.parametrize("shape", [(10, 4), (4, 3, 5, 2)])
def test_matches_torch_batch_norm(shape):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(9)
    c = shape[1]
    x = 2 * rng.standard_normal(shape) - 1
    dout = rng.standard_normal(shape)
    layer = make_layer(c, seed=3)
    tx = torch.tensor(x, requires_grad=True)
    tg = torch.tensor(layer.gamma.copy(), requires_grad=True)
    tb = torch.tensor(layer.beta.copy(), requires_grad=True)
    rm, rv = torch.zeros(c, dtype=torch.float64), torch.ones(c, dtype=torch.float64)
    # torch's momentum is the weight of the new batch: ours 0.9 is torch's 0.1
    tout = F.batch_norm(tx, rm, rv, tg, tb, training=True, momentum=0.1, eps=EPS)
    tout.backward(torch.tensor(dout))
    out = layer.forward(x, train_flg=True)
    dx = layer.backward(dout)
    np.testing.assert_allclose(out, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(layer.dgamma, tg.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.dbeta, tb.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.running_mean, rm.numpy(), rtol=1e-12)
    # torch's running variance is unbiased: 0.9 + 0.1 * var * m / (m - 1), ours 0.9 + 0.1 * var
    m = x.size // c
    np.testing.assert_allclose(layer.running_var, 0.9 + (rv.numpy() - 0.9) * (m - 1) / m, rtol=1e-12)
    # inference with the same running statistics
    rv_ours = torch.tensor(layer.running_var.copy())
    tinf = F.batch_norm(torch.tensor(x), rm, rv_ours, tg.detach(), tb.detach(), training=False, eps=EPS)
    np.testing.assert_allclose(layer.forward(x, train_flg=False), tinf.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("name", "value", "message"), [
    ("running_var", np.array([-1.0, -1.0]), r"BatchNormalization: expected running_var >= 0 \(a variance\), got "
                                            r"minimum -1\.0"),
    ("running_var", np.array([1.0, np.nan]), r"expected finite values in running_var \(float64\), got nan"),
    ("running_var", np.array([np.inf, 1.0]), "expected finite values in running_var"),
    ("running_mean", np.array([0.0, -np.inf]), r"expected finite values in running_mean \(float64\), got -inf"),
    ("running_mean", np.array(["a", "b"]), "BatchNormalization: expected a real-valued array as running_mean"),
])
def test_running_statistics_that_make_inference_nan_are_refused(name, value, message):
    error = TypeError if value.dtype.kind == "U" else ValueError
    with pytest.raises(error, match=message):
        BatchNormalization(np.ones(2), np.zeros(2), **{name: value})


def test_a_running_variance_too_large_for_float32_is_refused_without_a_warning():
    with pytest.raises(ValueError, match=r"running_var \(float32\), got inf"):
        BatchNormalization(np.ones(2, np.float32), np.zeros(2, np.float32), running_var=np.array([1e300, 1.0]))


def test_check_buffer_is_what_a_loader_calls_before_writing():
    layer = BatchNormalization(np.ones(2), np.zeros(2))
    layer.check_buffer("running_var", np.array([0.0, 2.0]))  # zero variance is allowed
    with pytest.raises(ValueError, match="checkpoint 'x': BN1: expected running_var >= 0"):
        layer.check_buffer("running_var", np.array([0.5, -2.0]), "checkpoint 'x': BN1")
    with pytest.raises(ValueError, match="no buffer 'gamma'"):
        layer.check_buffer("gamma", np.ones(2))


def test_a_refused_training_forward_leaves_the_last_forward_for_backward():
    rng = np.random.default_rng(8)
    layer = make_layer(3, running_var=rng.uniform(0.5, 2.0, 3))
    layer.forward(rng.standard_normal((4, 3)))
    one = rng.standard_normal((1, 3))
    layer.forward(one, train_flg=False)
    with pytest.raises(ValueError, match="training needs more than one value per feature"):
        layer.forward(one, train_flg=True)
    dout = np.ones((1, 3))
    np.testing.assert_allclose(layer.backward(dout), layer.gamma * dout / np.sqrt(layer.running_var + EPS),
                               rtol=1e-12)


def test_momentum_and_eps_may_be_0d_arrays():
    layer = BatchNormalization(np.ones(2), np.zeros(2), momentum=np.array(0.8), eps=np.array(1e-5))
    assert layer.momentum == 0.8 and layer.eps == 1e-5
