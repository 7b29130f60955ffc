"""MultiLayerNet: the book's structure, backprop against numerical gradients with batch norm, dropout and
weight decay, a numerical gradient that leaves the network as it found it, and a short training run."""

from __future__ import annotations

import numpy as np
import pytest

from layers import BatchNormalization, Dropout, ReLU, Sigmoid, Tanh, gradient_check, numerical_gradient
from layers.gradient_check import relative_error
from networks import MultiLayerNet, MultiLayerNetExtend, weight_std
from optimizers import Adam


def make_batch(n: int, d: int, c: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.integers(0, c, n)


def randomise_offsets(net: MultiLayerNet, seed: int = 1) -> None:
    """Small random biases, gammas near 1 and betas: zeros would put ReLU inputs exactly on the kink
    (a sample whose hidden units are all off gives the next layer exactly b = 0) and hide mistakes."""
    rng = np.random.default_rng(seed)
    for key, p in net.params.items():
        if key.startswith(("b", "beta")):
            p[...] = 0.2 * rng.standard_normal(p.shape)
        elif key.startswith("gamma"):
            p[...] = rng.uniform(0.5, 1.5, p.shape)


def test_plain_structure_is_the_books_multi_layer_net():
    net = MultiLayerNet(784, [100, 50], 10, seed=0)
    assert list(net.layers) == ["Affine1", "Activation_function1", "Affine2", "Activation_function2", "Affine3"]
    assert list(net.params) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert [net.params[f"W{i}"].shape for i in (1, 2, 3)] == [(784, 100), (100, 50), (50, 10)]
    assert all(isinstance(net.layers[f"Activation_function{i}"], ReLU) for i in (1, 2))
    assert all(p.dtype == np.float32 for p in net.params.values())
    assert net.hidden_layer_num == 2 and net.hidden_size_list == [100, 50]
    for i in (1, 2, 3):
        assert net.params[f"W{i}"] is net.layers[f"Affine{i}"].W
        assert not net.params[f"b{i}"].any()


def test_extended_structure_is_the_books_multi_layer_net_extend():
    net = MultiLayerNet(20, [8, 6], 4, activation="tanh", use_dropout=True, dropout_ratio=0.3,
                        use_batchnorm=True, seed=0)
    assert list(net.layers) == [
        "Affine1", "BatchNorm1", "Activation_function1", "Dropout1",
        "Affine2", "BatchNorm2", "Activation_function2", "Dropout2",
        "Affine3",
    ]
    assert list(net.params) == ["W1", "b1", "gamma1", "beta1", "W2", "b2", "gamma2", "beta2", "W3", "b3"]
    assert isinstance(net.layers["Activation_function1"], Tanh)
    assert isinstance(net.layers["BatchNorm2"], BatchNormalization)
    assert isinstance(net.layers["Dropout1"], Dropout) and net.layers["Dropout1"].dropout_ratio == 0.3
    assert net.params["gamma2"] is net.layers["BatchNorm2"].gamma
    np.testing.assert_array_equal(net.params["gamma1"], np.ones(8))
    np.testing.assert_array_equal(net.params["beta2"], np.zeros(6))
    assert isinstance(MultiLayerNet(3, [2], 2, activation="sigmoid").layers["Activation_function1"], Sigmoid)


def test_dropout_and_batch_norm_defaults_are_the_books():
    """Without dropout_ratio, the book's MultiLayerNetExtend drops half the units; its batch norm layers keep
    running statistics with momentum 0.9: after one training pass from mean 0 and variance 1, they hold
    0.1 of the batch's statistics of the Affine1 output (plus 0.9 for the variance)."""
    net = MultiLayerNet(6, [5], 3, use_dropout=True, use_batchnorm=True, seed=0, dtype=np.float64)
    assert net.layers["Dropout1"].dropout_ratio == 0.5
    x, t = make_batch(8, 6, 3)
    net.loss(x, t, train_flg=True)
    h = x @ net.params["W1"] + net.params["b1"]
    bn = net.layers["BatchNorm1"]
    np.testing.assert_allclose(bn.running_mean, 0.1 * h.mean(axis=0), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * h.var(axis=0), rtol=1e-12)


@pytest.mark.parametrize(("init", "gain"), [("relu", 2.0), ("he", 2.0), ("sigmoid", 1.0), ("xavier", 1.0)])
def test_weight_scales_use_the_previous_layer_size(init, gain):
    net = MultiLayerNet(400, [300, 200], 100, weight_init_std=init, seed=1)
    for i, fan_in in zip((1, 2, 3), (400, 300, 200), strict=True):
        assert net.params[f"W{i}"].std() == pytest.approx(np.sqrt(gain / fan_in), rel=0.02)
        assert weight_std(init, fan_in) == pytest.approx(np.sqrt(gain / fan_in))
    assert MultiLayerNet(50, [40], 10, weight_init_std=0.01, seed=1).params["W1"].std() == pytest.approx(0.01, rel=0.05)


def test_seed_makes_weights_and_dropout_masks_reproducible():
    x, t = make_batch(6, 5, 3)
    nets = [MultiLayerNet(5, [7, 7], 3, use_dropout=True, seed=s) for s in (4, 4, 5)]
    grads = [net.gradient(x, t) for net in nets]
    for key in nets[0].params:
        np.testing.assert_array_equal(grads[0][key], grads[1][key])
    np.testing.assert_array_equal(nets[0].layers["Dropout2"].mask, nets[1].layers["Dropout2"].mask)
    assert not np.array_equal(nets[0].params["W1"], nets[2].params["W1"])
    # each dropout layer has its own stream
    assert not np.array_equal(nets[0].layers["Dropout1"].mask, nets[0].layers["Dropout2"].mask)


CONFIGS = [
    # (hidden sizes, activation, init, batchnorm, dropout, weight decay)
    ([6, 5], "relu", "he", False, False, 0.0),
    ([6, 5], "relu", "he", True, True, 0.1),
    ([4], "sigmoid", "xavier", False, True, 0.3),
    ([5, 4, 6], "sigmoid", "xavier", True, False, 0.05),
    ([6, 5], "tanh", "xavier", True, True, 0.2),
    ([3, 8], "tanh", 0.5, False, False, 0.1),
    ([7, 6, 5], "relu", "relu", True, True, 0.0),
]


@pytest.mark.parametrize(("hidden", "activation", "init", "use_batchnorm", "use_dropout", "decay"), CONFIGS)
@pytest.mark.parametrize("fast", [False, True], ids=["book", "engine"])
def test_backprop_matches_numerical_gradient(hidden, activation, init, use_batchnorm, use_dropout, decay, fast):
    net = MultiLayerNet(5, hidden, 3, activation=activation, weight_init_std=init, weight_decay_lambda=decay,
                        use_dropout=use_dropout, dropout_ratio=0.3, use_batchnorm=use_batchnorm,
                        seed=len(hidden), dtype=np.float64, fast=fast)
    randomise_offsets(net)
    x, t = make_batch(7, 5, 3, seed=len(hidden))
    grads = net.gradient(x, t)  # a training pass: draws the dropout masks the check then keeps
    # a bias feeding batch norm shifts a whole feature, which normalisation removes: its gradient is 0
    before_bn = {f"b{i}" for i in range(1, len(hidden) + 1)} if use_batchnorm else set()
    checked = {k: p for k, p in net.params.items() if k not in before_bn}
    with net.frozen():
        errors = gradient_check(lambda: net.loss(x, t, train_flg=True), checked, grads)
        numeric_zero = {k: numerical_gradient(lambda _: net.loss(x, t, train_flg=True), net.params[k])
                        for k in before_bn}
    assert max(errors.values()) < 1e-7, errors
    for key in before_bn:  # compared absolutely: round-off of the loss over 2h is ~1e-12
        assert np.abs(grads[key]).max() < 1e-12 and np.abs(numeric_zero[key]).max() < 1e-9
    if use_dropout:
        assert not net.layers["Dropout1"].mask.all()  # some units really were dropped


@pytest.mark.parametrize(("use_batchnorm", "use_dropout"), [(False, False), (True, True)])
def test_numerical_gradient_method_agrees_with_backprop(use_batchnorm, use_dropout):
    net = MultiLayerNet(4, [5, 5], 3, use_batchnorm=use_batchnorm, use_dropout=use_dropout, dropout_ratio=0.2,
                        weight_decay_lambda=0.1, seed=2, dtype=np.float64)
    randomise_offsets(net)
    x, t = make_batch(6, 4, 3, seed=3)
    grads = net.gradient(x, t)
    numeric = net.numerical_gradient(x, t)
    for key in net.params:
        assert relative_error(grads[key], numeric[key]) < 1e-6 or np.abs(grads[key]).max() < 1e-12, key


def test_numerical_gradient_leaves_running_stats_and_masks_unchanged():
    net = MultiLayerNet(4, [6, 5], 3, use_batchnorm=True, use_dropout=True, seed=3, dtype=np.float64)
    x, t = make_batch(5, 4, 3, seed=4)
    net.gradient(x, t)
    bns = [net.layers["BatchNorm1"], net.layers["BatchNorm2"]]
    drops = [net.layers["Dropout1"], net.layers["Dropout2"]]
    stats = [(bn.running_mean.copy(), bn.running_var.copy()) for bn in bns]
    masks = [d.mask.copy() for d in drops]
    rng_states = [d.rng.bit_generator.state for d in drops]
    params = {k: p.copy() for k, p in net.params.items()}
    net.numerical_gradient(x, t)
    for bn, (mean, var) in zip(bns, stats, strict=True):
        np.testing.assert_array_equal(bn.running_mean, mean)
        np.testing.assert_array_equal(bn.running_var, var)
    for d, mask, state in zip(drops, masks, rng_states, strict=True):
        np.testing.assert_array_equal(d.mask, mask)
        assert d.rng.bit_generator.state == state
    for key, p in net.params.items():
        np.testing.assert_array_equal(p, params[key])
    assert not any(layer.frozen for layer in net.layers.values())
    # ...whereas an ordinary training pass changes both, so the checks above can fail
    net.loss(x, t, train_flg=True)
    assert not np.array_equal(bns[0].running_mean, stats[0][0])
    assert not np.array_equal(drops[0].mask, masks[0])


def test_frozen_restores_even_after_an_error():
    net = MultiLayerNet(4, [5], 3, use_dropout=True, seed=0)
    with pytest.raises(RuntimeError), net.frozen():
        assert all(layer.frozen for layer in net.layers.values())
        raise RuntimeError
    assert not any(layer.frozen for layer in net.layers.values())


def test_weight_decay_adds_half_lambda_w_squared_and_lambda_w():
    lam = 0.3
    x, t = make_batch(6, 5, 3, seed=5)
    kwargs = {"use_batchnorm": True, "seed": 7, "dtype": np.float64}
    plain = MultiLayerNet(5, [4, 4], 3, **kwargs)
    decayed = MultiLayerNet(5, [4, 4], 3, weight_decay_lambda=lam, **kwargs)
    randomise_offsets(plain)
    randomise_offsets(decayed)
    penalty = 0.0
    for i in (1, 2, 3):
        W = plain.params[f"W{i}"]
        penalty += 0.5 * lam * float(np.sum(W * W))
    assert decayed.loss(x, t) == pytest.approx(plain.loss(x, t) + penalty, rel=1e-12)
    g_plain, g_decayed = plain.gradient(x, t), decayed.gradient(x, t)
    for key in plain.params:
        extra = lam * plain.params[key] if key.startswith("W") else 0.0  # not b, gamma or beta
        np.testing.assert_allclose(g_decayed[key], g_plain[key] + extra, rtol=1e-12, atol=1e-15)


def test_inference_is_deterministic_and_differs_from_training_with_dropout():
    net = MultiLayerNet(6, [20], 3, use_dropout=True, dropout_ratio=0.5, use_batchnorm=True, seed=1)
    x, _ = make_batch(8, 6, 3)
    np.testing.assert_array_equal(net.predict(x, train_flg=False), net.predict(x, train_flg=False))
    assert not np.allclose(net.predict(x, train_flg=True), net.predict(x, train_flg=False))
    assert net.predict(x).dtype == np.float32


def test_save_and_load_round_trip_includes_gamma_and_beta(tmp_path):
    net = MultiLayerNet(5, [4], 3, use_batchnorm=True, seed=0)
    randomise_offsets(net)
    path = net.save_params(tmp_path / "net.npz")
    other = MultiLayerNet(5, [4], 3, use_batchnorm=True, seed=1)
    other.load_params(path)
    for key in net.params:
        np.testing.assert_array_equal(other.params[key], net.params[key])
    assert other.params["gamma1"] is other.layers["BatchNorm1"].gamma


def test_save_and_load_carries_batchnorm_running_statistics(tmp_path):
    rng = np.random.default_rng(3)
    x = (3 + 2 * rng.standard_normal((64, 5))).astype(np.float32)
    net = MultiLayerNet(5, [4, 4], 3, use_batchnorm=True, seed=0)
    for _ in range(5):  # training passes move the running statistics away from (0, 1)
        net.loss(x, rng.integers(0, 3, 64), train_flg=True)
    assert sorted(net.buffers) == [f"BatchNorm{i}.running_{s}" for i in (1, 2) for s in ("mean", "var")]
    path = net.save_params(tmp_path / "bn.npz")
    other = MultiLayerNet(5, [4, 4], 3, use_batchnorm=True, seed=1)
    running_mean = other.layers["BatchNorm1"].running_mean
    other.load_params(path)
    assert other.layers["BatchNorm1"].running_mean is running_mean  # loaded in place
    np.testing.assert_array_equal(running_mean, net.layers["BatchNorm1"].running_mean)
    np.testing.assert_array_equal(other.predict(x, train_flg=False), net.predict(x, train_flg=False))
    np.savez(tmp_path / "params_only.npz", **net.params)
    with pytest.raises(ValueError, match=r"this network: missing keys \['BatchNorm1.running_mean', [^;]*\]$"):
        other.load_params(tmp_path / "params_only.npz")


def test_load_params_refuses_a_negative_running_variance_and_changes_nothing(tmp_path):
    net = MultiLayerNet(5, [4], 3, use_batchnorm=True, seed=0)
    values = {**net.params, **net.buffers}
    values["BatchNorm1.running_var"] = np.array([1.0, -0.5, 1.0, 1.0], np.float32)  # inference would give NaN
    np.savez(tmp_path / "bad.npz", **values)
    other = MultiLayerNet(5, [4], 3, use_batchnorm=True, seed=1)
    before = {key: value.copy() for key, value in {**other.params, **other.buffers}.items()}
    with pytest.raises(ValueError, match=r"load_params: .*bad.npz' BatchNorm1: expected running_var >= 0"):
        other.load_params(tmp_path / "bad.npz")
    for key, value in {**other.params, **other.buffers}.items():
        np.testing.assert_array_equal(value, before[key])


def test_invalid_arguments_raise():
    with pytest.raises(ValueError, match="MultiLayerNet: activation"):
        MultiLayerNet(4, [3], 2, activation="softplus")
    with pytest.raises(ValueError, match="MultiLayerNet: layer sizes"):
        MultiLayerNet(4, [3, 0], 2)
    with pytest.raises(ValueError, match="MultiLayerNet: weight_init"):
        MultiLayerNet(4, [3], 2, weight_init_std="lecun")
    with pytest.raises(ValueError, match="Dropout: dropout_ratio"):
        MultiLayerNet(4, [3], 2, use_dropout=True, dropout_ratio=1.0)


@pytest.mark.parametrize(("activation", "use_batchnorm", "use_dropout"),
                         [("relu", False, False), ("sigmoid", True, False), ("tanh", True, True)])
def test_learns_separable_blobs_with_adam(activation, use_batchnorm, use_dropout):
    rng = np.random.default_rng(0)
    centres = 3 * rng.standard_normal((4, 10))
    t = rng.integers(0, 4, 400)
    x = (centres[t] + rng.standard_normal((400, 10))).astype(np.float32)
    net = MultiLayerNet(10, [32, 32], 4, activation=activation, weight_init_std="xavier",
                        use_batchnorm=use_batchnorm, use_dropout=use_dropout, dropout_ratio=0.1, seed=0)
    optimizer = Adam(lr=0.01)
    start = net.loss(x, t)
    for step in range(150):
        batch = np.random.default_rng(step).choice(400, 32, replace=False)
        optimizer.update(net.params, net.gradient(x[batch], t[batch]))
    assert all(p.dtype == np.float32 for p in net.params.values())
    assert net.loss(x, t) < 0.2 * start
    assert net.accuracy(x, t) > 0.95


def test_the_books_multi_layer_net_extend_is_multi_layer_net_with_the_books_arguments():
    book_style = MultiLayerNetExtend(input_size=20, hidden_size_list=[6, 5], output_size=3, use_dropout=True,
                                     dropout_ration=0.3, use_batchnorm=True, seed=4)
    ours = MultiLayerNet(20, [6, 5], 3, use_dropout=True, dropout_ratio=0.3, use_batchnorm=True, seed=4)
    assert isinstance(book_style, MultiLayerNet)
    assert list(book_style.layers) == list(ours.layers) and book_style.layers["Dropout1"].dropout_ratio == 0.3
    for key, value in ours.params.items():
        np.testing.assert_array_equal(book_style.params[key], value)


def test_multi_layer_net_extend_also_takes_this_projects_spelling_and_any_iterable_of_sizes():
    net = MultiLayerNetExtend(20, (n for n in [6, 5]), 3, use_dropout=True, dropout_ratio=0.2, seed=0)
    assert net.hidden_size_list == [6, 5] and net.layers["Dropout1"].dropout_ratio == 0.2


def test_load_params_refuses_a_variance_that_overflows_the_networks_dtype(tmp_path):
    net = MultiLayerNet(5, [4], 3, use_batchnorm=True, seed=0)  # float32
    values = {key: value.astype(np.float64) for key, value in {**net.params, **net.buffers}.items()}
    values["BatchNorm1.running_var"] = np.array([1.0, 1e40, 1.0, 1.0])  # inf in float32
    np.savez(tmp_path / "big.npz", **values)
    with pytest.raises(ValueError, match="expected finite values in running_var"):
        net.load_params(tmp_path / "big.npz")


@pytest.mark.parametrize("hidden", [None, 5, "100"])
def test_hidden_size_list_that_is_not_a_list_is_refused_by_name(hidden):
    with pytest.raises(TypeError, match="MultiLayerNet: hidden_size_list must be a list"):
        MultiLayerNet(4, hidden, 3)


@pytest.mark.parametrize("make", [
    lambda **kw: MultiLayerNet(4, [3], 2, **kw),
    lambda **kw: __import__("networks").TwoLayerNet(4, 3, 2, **kw),
    lambda **kw: __import__("networks").SimpleConvNet((1, 8, 8), {"filter_num": 2, "filter_size": 3, "pad": 0,
                                                                    "stride": 1}, 4, 2, **kw),
], ids=["MultiLayerNet", "TwoLayerNet", "SimpleConvNet"])
def test_a_weight_std_beyond_the_dtypes_range_is_refused_naming_the_network(make):
    """1e300 overflows float32 (its weights were inf, with only NumPy's overflow warning); float64 holds it."""
    name = make(seed=0).__class__.__name__
    with pytest.raises(ValueError, match=rf"{name}: weight_init_std=1e\+?300 gives weights beyond float32's range"):
        make(weight_init_std=1e300, seed=0)
    assert all(np.isfinite(v).all() for v in make(weight_init_std=1e300, seed=0, dtype=np.float64).params.values())
