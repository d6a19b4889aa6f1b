"""LayerNorm, BatchNorm and Dropout: gradient checks, the defining formulas, modes, memory, errors.

The equality with PyTorch is in ``test_frameworks_normalization.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import bpcode
from bpcode import (
    Adam,
    Dense,
    MSELoss,
    ReLU,
    Residual,
    Sequential,
    SoftmaxCrossEntropy,
    Tanh,
    fit,
    gradient_check,
)
from bpcode.normalization import BatchNorm, LayerNorm
from bpcode.regularization import Dropout

TOL = 1e-7  # relative error of a gradient check


def randomize(layer, rng, *, running=False):
    """Random γ and β (so that they are tested), and random running statistics."""
    n = layer.gamma.shape[0]
    layer.gamma = rng.normal(size=n)
    layer.beta = rng.normal(size=n)
    if running:
        layer.running_mean = rng.normal(size=n)
        layer.running_var = rng.uniform(0.5, 2.0, size=n)
    return layer


def assert_passes(report, atol=1e-9):
    """Every gradient agrees to TOL (relative), or both are zero up to rounding (absolute).

    Two values normalised together give x̂ = ±1 whatever they are, so their input gradient
    is only of the order of ε and its relative error compares rounding noise; a bias just
    before BatchNorm in training mode has the gradient 0 exactly (μ_B removes it).
    """
    bad = [
        k
        for k, e in report.errors.items()
        if e >= TOL and report.max_abs_errors[k] >= atol
    ]
    assert not bad, str(report)


def reference_norm(X, gamma, beta, axes, eps=1e-5):
    """γ ⊙ (X − μ)/√(σ² + ε) + β with NumPy's mean and (biased) var over ``axes``."""
    mu = X.mean(axis=axes, keepdims=True)
    var = X.var(axis=axes, keepdims=True)
    return gamma * (X - mu) / np.sqrt(var + eps) + beta


# ===================================================================== LayerNorm
@settings(max_examples=30, deadline=None)
@given(
    lead=st.lists(st.integers(1, 4), min_size=1, max_size=2),
    n_features=st.integers(1, 6),
    scale=st.floats(0.5, 10.0),
    seed=st.integers(0, 2**16),
)
def test_layernorm_gradient_check_property(lead, n_features, scale, seed):
    rng = np.random.default_rng(seed)
    layer = randomize(LayerNorm(n_features), rng)
    X = rng.normal(scale=scale, size=(*lead, n_features)) + rng.normal()
    # a row of nearly equal values has a tiny σ: x̂ changes fast, and a finite difference
    # of step 1e-5 is then inaccurate (its error grows like step²/σ³)
    assume(n_features == 1 or np.all(X.std(axis=-1) > 0.1))
    report = gradient_check(layer, None, X)
    assert set(report.errors) == {"gamma", "beta", "input"}
    assert_passes(report)


@pytest.mark.parametrize("shape", [(4, 5), (3, 2, 6), (2, 3, 2, 4)])
def test_layernorm_forward_is_the_definition(shape):
    rng = np.random.default_rng(1)
    layer = randomize(LayerNorm(shape[-1]), rng)
    X = rng.normal(scale=3.0, size=shape)
    Y = layer.forward(X)
    np.testing.assert_allclose(
        Y, reference_norm(X, layer.gamma, layer.beta, -1), rtol=1e-13, atol=1e-13
    )
    plain = LayerNorm(shape[-1]).forward(X)  # γ = 1, β = 0: each row standardised
    np.testing.assert_allclose(plain.mean(axis=-1), 0.0, atol=1e-13)
    np.testing.assert_allclose(plain.var(axis=-1), 1.0, rtol=1e-4)  # ε shrinks it a bit


def test_layernorm_backward_is_the_jacobian_of_the_derivation():
    """dx = dx̂ J with J_jk = (δ_jk − 1/F − x̂_j x̂_k/F)/σ̂, the comment's derivation, per row."""
    rng = np.random.default_rng(2)
    F = 5
    layer = randomize(LayerNorm(F), rng)
    X = rng.normal(size=(3, F))
    dY = rng.normal(size=(3, F))
    layer.forward(X)
    dX = layer.backward(dY)
    for i in range(3):  # row by row, as a plain matrix product
        x = X[i]
        sigma_hat = np.sqrt(x.var() + layer.eps)
        x_hat = (x - x.mean()) / sigma_hat
        J = (np.eye(F) - 1.0 / F - np.outer(x_hat, x_hat) / F) / sigma_hat
        np.testing.assert_allclose(dX[i], (dY[i] * layer.gamma) @ J, atol=1e-13)
    X_hat = (X - X.mean(axis=1, keepdims=True)) / np.sqrt(
        X.var(axis=1, keepdims=True) + layer.eps
    )
    np.testing.assert_allclose(layer.dgamma, (dY * X_hat).sum(axis=0), atol=1e-13)
    np.testing.assert_allclose(layer.dbeta, dY.sum(axis=0), atol=1e-13)


def test_layernorm_normalises_each_row_on_its_own():
    rng = np.random.default_rng(3)
    layer = randomize(LayerNorm(4), rng)
    X = rng.normal(size=(5, 4))
    Y = layer.forward(X).copy()
    X2 = X.copy()
    X2[0] += 100.0 * rng.normal(size=4)  # change one sample only
    np.testing.assert_array_equal(layer.forward(X2)[1:], Y[1:])
    dY = np.zeros((5, 4))
    dY[2] = rng.normal(size=4)
    dX = layer.backward(dY)
    assert np.all(dX[[0, 1, 3, 4]] == 0.0) and np.any(dX[2] != 0.0)


def test_two_values_normalised_together_have_an_input_gradient_of_order_eps():
    """x̂ = ±σ/√(σ² + ε) for F = 2: nearly ±1 whatever X, so dX is tiny (see assert_passes)."""
    rng = np.random.default_rng(21)
    X, dY = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    for layer, inputs in ((LayerNorm(2), X), (BatchNorm(3), X.T)):
        layer.forward(inputs)
        assert np.max(np.abs(layer.backward(dY if inputs is X else dY.T))) < 1e-3


def test_layernorm_of_one_feature_outputs_beta():
    layer = LayerNorm(1)
    layer.beta = np.array([0.7])
    X = np.array([[1.0], [-3.0], [5.0]])
    np.testing.assert_array_equal(layer.forward(X), 0.7)  # x̂ = 0 for a single value
    np.testing.assert_array_equal(layer.backward(np.ones((3, 1))), 0.0)
    assert gradient_check(layer, None, X).passed(TOL)


def test_layernorm_of_a_constant_row_is_finite():
    layer = LayerNorm(3)
    Y = layer.forward(np.full((2, 3), 4.0))
    np.testing.assert_array_equal(Y, 0.0)  # σ² = 0: ε keeps 1/σ̂ finite
    assert np.all(np.isfinite(layer.backward(np.ones((2, 3)))))


def test_layernorm_caches_x_hat_and_one_inverse_sigma_per_row():
    layer = LayerNorm(6)
    assert layer.cached_arrays() == []
    X = np.random.default_rng(4).normal(size=(4, 3, 6))
    layer.forward(X)
    shapes = [a.shape for a in layer.cached_arrays()]
    assert shapes == [(4, 3, 6), (4, 3, 1)]  # X̂ and 1/σ̂; not X
    assert not any(np.shares_memory(a, X) for a in layer.cached_arrays())
    layer.clear_cache()
    assert layer.cached_arrays() == []
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.ones((4, 3, 6)))


def test_layernorm_parameters_and_width():
    layer = LayerNorm(3)
    assert [name for name, _, _ in layer.parameters()] == ["gamma", "beta"]
    np.testing.assert_array_equal(layer.gamma, 1.0)
    np.testing.assert_array_equal(layer.beta, 0.0)
    assert layer.n_in == 3 and layer._out_width(3) == 3
    assert repr(layer) == "LayerNorm(3)" and repr(LayerNorm(2, eps=1e-3)) == (
        "LayerNorm(2, eps=0.001)"
    )


def test_layernorm_in_networks_on_sequences_and_in_a_residual():
    rng = np.random.default_rng(5)
    model = Sequential(
        [
            Dense(4, 5, rng=0),
            randomize(LayerNorm(5), rng),
            Tanh(),
            Residual(Sequential([randomize(LayerNorm(5), rng), Dense(5, 5, rng=1)])),
            Dense(5, 2, rng=2),
        ]
    )
    X = rng.normal(size=(3, 4, 4))  # (n_samples, T, features)
    report = gradient_check(model, None, X)
    assert report.passed(TOL), str(report)
    assert {"1.gamma", "1.beta", "3.0.gamma", "3.1.W"} <= set(report.errors)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n_features": 0}, ValueError, r"LayerNorm: n_features .* got 0"),
        ({"n_features": 2.0}, ValueError, r"n_features .* got 2\.0"),
        ({"n_features": True}, ValueError, r"n_features .* got True"),
        ({"n_features": 3, "eps": 0.0}, ValueError, r"LayerNorm: eps .* got 0\.0"),
        ({"n_features": 3, "eps": -1e-5}, ValueError, r"eps .* > 0"),
        ({"n_features": 3, "eps": "1e-5"}, TypeError, r"eps must be a number"),
    ],
)
def test_layernorm_rejects_bad_arguments(kwargs, error, match):
    n = kwargs.pop("n_features")
    with pytest.raises(error, match=match):
        LayerNorm(n, **kwargs)


def test_layernorm_rejects_wrong_width_and_rank():
    layer = LayerNorm(5)
    with pytest.raises(ValueError, match=r"LayerNorm\(5\).*\(n_samples, 5\).*\(4, 3\)"):
        layer.forward(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"got shape \(5,\)"):
        layer.forward(np.ones(5))
    with pytest.raises(ValueError, match=r"gamma must have shape \(5,\), got shape"):
        layer.gamma = np.ones(4)
    with pytest.raises(ValueError, match=r"layer 1 LayerNorm\(4\).*\(n_samples, 3\)"):
        Sequential([Dense(2, 3), LayerNorm(4)])  # caught when the network is built


# ===================================================================== BatchNorm
@settings(max_examples=40, deadline=None)
@given(
    rank=st.sampled_from([2, 4]),
    n=st.integers(1, 5),
    C=st.integers(1, 4),
    H=st.integers(1, 3),
    W=st.integers(1, 3),
    training=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_batchnorm_gradient_check_property(rank, n, C, H, W, training, seed):
    shape = (n, C) if rank == 2 else (n, C, H, W)
    if training and np.prod(shape) == C:
        n += 1  # training needs more than one value per channel
        shape = (n, *shape[1:])
    rng = np.random.default_rng(seed)
    layer = randomize(BatchNorm(C), rng, running=True).train(training)
    X = rng.normal(scale=2.0, size=shape) + rng.normal()
    assume(not training or np.all(X.std(axis=(0,) if rank == 2 else (0, 2, 3)) > 0.1))
    report = gradient_check(layer, None, X)
    assert set(report.errors) == {"gamma", "beta", "input"}
    assert_passes(report)


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 2, 5), (1, 3, 2, 2)])
def test_batchnorm_training_forward_is_the_definition(shape):
    rng = np.random.default_rng(6)
    layer = randomize(BatchNorm(3), rng)
    axes = (0,) if len(shape) == 2 else (0, 2, 3)
    per_feature = (1, 3) if len(shape) == 2 else (1, 3, 1, 1)
    X = rng.normal(scale=2.0, size=shape) + 1.0
    Y = layer.forward(X)
    expected = reference_norm(
        X, layer.gamma.reshape(per_feature), layer.beta.reshape(per_feature), axes
    )
    np.testing.assert_allclose(Y, expected, rtol=1e-13, atol=1e-13)
    plain = BatchNorm(3).forward(X)
    np.testing.assert_allclose(plain.mean(axis=axes), 0.0, atol=1e-13)


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 2, 5)])
def test_batchnorm_running_statistics_follow_pytorchs_update(shape):
    rng = np.random.default_rng(7)
    layer = BatchNorm(3, momentum=0.3)
    axes = (0,) if len(shape) == 2 else (0, 2, 3)
    m = np.prod(shape) // 3  # values per channel
    mean, var = np.zeros(3), np.ones(3)
    for _ in range(3):
        X = rng.normal(scale=2.0, size=shape) + 1.0
        layer.forward(X)
        mean = 0.7 * mean + 0.3 * X.mean(axis=axes)
        var = 0.7 * var + 0.3 * X.var(axis=axes, ddof=1)  # unbiased: m − 1
        np.testing.assert_allclose(layer.running_mean, mean, rtol=1e-14)
        np.testing.assert_allclose(layer.running_var, var, rtol=1e-14)
    assert m > 1


def test_batchnorm_eval_uses_the_running_statistics_sample_by_sample():
    rng = np.random.default_rng(8)
    layer = randomize(BatchNorm(3), rng, running=True).eval()
    mean, var = layer.running_mean.copy(), layer.running_var.copy()
    X = rng.normal(size=(5, 3))
    Y = layer.forward(X).copy()
    expected = layer.gamma * (X - mean) / np.sqrt(var + 1e-5) + layer.beta
    np.testing.assert_allclose(Y, expected, rtol=1e-13, atol=1e-13)
    np.testing.assert_array_equal(layer.forward(X[:1]), Y[:1])  # one sample is fine
    np.testing.assert_array_equal(layer.running_mean, mean)  # eval moves nothing
    np.testing.assert_array_equal(layer.running_var, var)
    dY = rng.normal(size=(1, 3))
    np.testing.assert_allclose(  # a fixed affine map: dX = dY ⊙ γ/σ̂
        layer.backward(dY), dY * layer.gamma / np.sqrt(var + 1e-5), rtol=1e-14
    )


@pytest.mark.parametrize("shape", [(5, 3), (3, 3, 2, 2)])
def test_batchnorm_couples_the_samples_in_training_mode_only(shape):
    rng = np.random.default_rng(9)
    X = rng.normal(size=shape)
    dY = np.zeros(shape)
    dY[0] = rng.normal(size=shape[1:])  # the loss depends on sample 0 only
    layer = randomize(BatchNorm(3), rng, running=True)
    layer.forward(X)
    dX = layer.backward(dY)
    assert np.all(np.abs(dX[1:]).sum(axis=tuple(range(1, len(shape)))) > 0)
    layer.eval().forward(X)
    dX = layer.backward(dY)
    assert np.all(dX[1:] == 0.0) and np.any(dX[0] != 0.0)


def test_batchnorm_backward_follows_the_mode_of_its_forward_pass():
    rng = np.random.default_rng(10)
    X, dY = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    layer = randomize(BatchNorm(2), rng, running=True)
    layer.forward(X)
    dX_train = layer.backward(dY)
    layer.forward(X)
    layer.eval()  # switched between forward and backward
    np.testing.assert_array_equal(layer.backward(dY), dX_train)
    layer.forward(X)
    dX_eval = layer.backward(dY)
    layer.train()
    np.testing.assert_array_equal(layer.backward(dY), dX_eval)
    assert not np.allclose(dX_eval, dX_train)


def test_batchnorm_gradient_check_in_training_mode_moves_the_running_statistics():
    """gradient_check runs forward many times: the running statistics move, the check passes."""
    rng = np.random.default_rng(11)
    layer = randomize(BatchNorm(3), rng)
    X = rng.normal(size=(4, 3)) + 5.0
    Y = layer.forward(X).copy()
    after_one = layer.running_mean.copy()
    report = gradient_check(layer, None, X)
    assert report.passed(TOL), str(report)
    # dozens of passes, not one: the running mean has moved much closer to the batch mean
    distance = np.abs(layer.running_mean - X.mean(axis=0))
    assert np.all(distance < 0.1 * np.abs(after_one - X.mean(axis=0)))
    np.testing.assert_array_equal(
        layer.forward(X), Y
    )  # training output: batch stats only


@pytest.mark.parametrize("momentum, expected_mean", [(0.0, 0.0), (1.0, None)])
def test_batchnorm_momentum_limits(momentum, expected_mean):
    X = np.random.default_rng(12).normal(size=(6, 2))
    layer = BatchNorm(2, momentum=momentum)
    layer.forward(X)
    if expected_mean is None:  # momentum 1: the last batch's statistics
        np.testing.assert_allclose(layer.running_mean, X.mean(axis=0), rtol=1e-14)
        np.testing.assert_allclose(layer.running_var, X.var(axis=0, ddof=1), rtol=1e-14)
    else:  # momentum 0: frozen
        np.testing.assert_array_equal(layer.running_mean, 0.0)
        np.testing.assert_array_equal(layer.running_var, 1.0)


@pytest.mark.parametrize(
    "shape, cached",
    [((6, 3), [(6, 3), (1, 3)]), ((2, 3, 4, 5), [(2, 3, 4, 5), (1, 3, 1, 1)])],
)
@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_caches_x_hat_and_one_inverse_sigma_per_feature(
    shape, cached, training
):
    layer = BatchNorm(3).train(training)
    layer.forward(np.random.default_rng(13).normal(size=shape))
    assert [a.shape for a in layer.cached_arrays()] == cached  # X̂ and 1/σ̂
    assert [name for name, _, _ in layer.parameters()] == ["gamma", "beta"]
    state = {id(layer.running_mean), id(layer.running_var)}
    assert state.isdisjoint(id(a) for a in layer.cached_arrays())
    layer.clear_cache()
    assert layer.cached_arrays() == []


def test_batchnorm_repr_and_width():
    assert repr(BatchNorm(4)) == "BatchNorm(4)"
    assert repr(BatchNorm(4, momentum=0.2, eps=1e-3)) == (
        "BatchNorm(4, momentum=0.2, eps=0.001)"
    )
    layer = BatchNorm(4)
    assert (
        layer.n_in is None
        and layer._out_width(4) == 4
        and layer._out_width(None) is None
    )


@pytest.mark.parametrize(
    "args, kwargs, error, match",
    [
        ((0,), {}, ValueError, r"BatchNorm: n_features .* got 0"),
        (
            (2,),
            {"momentum": 1.5},
            ValueError,
            r"momentum must be in \[0, 1\], got 1\.5",
        ),
        ((2,), {"momentum": -0.1}, ValueError, r"momentum .* got -0\.1"),
        ((2,), {"momentum": None}, TypeError, r"momentum must be a number, got None"),
        ((2,), {"eps": 0.0}, ValueError, r"BatchNorm: eps .* got 0\.0"),
    ],
)
def test_batchnorm_rejects_bad_arguments(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        BatchNorm(*args, **kwargs)


@pytest.mark.parametrize(
    "shape, match",
    [
        (
            (4, 2),
            r"BatchNorm\(3\): expected input of shape \(n_samples, 3\), got shape \(4, 2\)",
        ),
        ((2, 4, 5, 5), r"\(n_samples, channels=3, H, W\), got shape \(2, 4, 5, 5\)"),
        ((2, 5, 3), r"\(n_samples, 3\) or .*got shape \(2, 5, 3\).*use LayerNorm"),
        ((3,), r"got shape \(3,\)"),
        ((1, 3, 2, 2, 1), r"got shape \(1, 3, 2, 2, 1\)"),
        ((1, 3), r"more than one value per feature.*\(1, 3\).*eval\(\)"),
        ((1, 3, 1, 1), r"more than one value per feature.*\(1, 3, 1, 1\)"),
    ],
)
def test_batchnorm_rejects_inputs_it_cannot_normalise(shape, match):
    with pytest.raises(ValueError, match=match):
        BatchNorm(3).forward(np.ones(shape))


def test_batchnorm_takes_one_sample_in_eval_mode_and_one_image_in_training():
    BatchNorm(3).eval().forward(np.ones((1, 3)))
    BatchNorm(3).forward(np.random.default_rng(14).normal(size=(1, 3, 2, 1)))  # m = 2


def test_batchnorm_running_statistics_are_checked_when_replaced():
    layer = BatchNorm(3)
    with pytest.raises(
        ValueError, match=r"running_var must have shape \(3,\), got shape"
    ):
        layer.running_var = np.ones(4)
    with pytest.raises(ValueError, match=r"running_mean.*NaN"):
        layer.running_mean = np.array([0.0, np.nan, 0.0])
    layer.running_mean = [1, 2, 3]  # integers become float64
    assert layer.running_mean.dtype == np.float64


def test_batchnorm_error_inside_a_network_names_the_layer():
    model = Sequential([Dense(2, 3, rng=0), BatchNorm(3)])
    with pytest.raises(
        ValueError, match=r"layer 1 BatchNorm\(3\).*more than one value"
    ):
        model.forward(np.ones((1, 2)))
    model.eval().forward(np.ones((1, 2)))  # fine in evaluation mode
    with pytest.raises(ValueError, match=r"layer 1 BatchNorm\(4\).*\(n_samples, 4\)"):
        Sequential([Dense(2, 3, rng=0), BatchNorm(4)]).forward(np.ones((5, 2)))


# ===================================================================== Dropout
@pytest.mark.parametrize(
    "p, error, match",
    [
        (1.0, ValueError, r"p .* must be in \[0, 1\), got 1\.0"),
        (-0.1, ValueError, r"must be in \[0, 1\), got -0\.1"),
        (float("nan"), ValueError, r"got nan"),
        ("0.5", TypeError, r"Dropout: p must be a number .* got '0\.5'"),
        (True, TypeError, r"got True"),
    ],
)
def test_dropout_rejects_bad_p(p, error, match):
    with pytest.raises(error, match=match):
        Dropout(p)


def test_dropout_rejects_a_bad_rng():
    with pytest.raises(TypeError, match=r"Dropout\(p=0\.5\): rng must be"):
        Dropout(0.5, rng="seed")


@pytest.mark.parametrize("shape", [(6, 5), (2, 3, 4), (2, 3, 4, 5)])
def test_dropout_forward_and_backward_use_the_same_cached_mask(shape):
    rng = np.random.default_rng(15)
    layer = Dropout(0.3, rng=0)
    X, dY = rng.normal(size=shape), rng.normal(size=shape)
    Y = layer.forward(X)
    (mask,) = layer.cached_arrays()
    assert mask.dtype == np.bool_ and mask.shape == shape and mask.nbytes == X.size
    np.testing.assert_array_equal(Y, X * mask / 0.7)  # Y = X ⊙ M / (1 − p)
    np.testing.assert_array_equal(layer.backward(dY), dY * mask / 0.7)  # dX, same M
    layer.forward(X)
    (new_mask,) = layer.cached_arrays()
    assert not np.array_equal(new_mask, mask)  # a new mask every forward pass
    np.testing.assert_array_equal(layer.backward(dY), dY * new_mask / 0.7)
    layer.forward(X)
    layer.eval()  # backward still goes back through the training-mode pass
    np.testing.assert_array_equal(layer.backward(dY), dY * layer._mask / 0.7)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_dropout_keeps_the_mean_within_the_binomial_spread(p):
    """E[Y] = X: the mean of Y over N entries is within 5 standard deviations of X's."""
    layer = Dropout(p, rng=16)
    N = 400 * 250
    X = np.ones((400, 250))
    Y = layer.forward(X)
    kept = np.count_nonzero(layer._mask)  # K ~ Binomial(N, 1 − p)
    assert abs(kept - N * (1 - p)) < 5 * np.sqrt(N * p * (1 - p))
    sd_of_mean = np.sqrt(p / ((1 - p) * N))  # Var(Y_ij) = p/(1 − p) for X_ij = 1
    assert abs(Y.mean() - 1.0) < 5 * sd_of_mean
    assert set(np.unique(Y)) <= {0.0, 1.0 / (1.0 - p)}
    Z = np.random.default_rng(17).normal(loc=2.0, size=(400, 250))  # any X, many draws
    means = [layer.forward(Z).mean() for _ in range(20)]
    sd = np.sqrt(p / ((1 - p) * N) * np.mean(Z**2) / 20)
    assert abs(np.mean(means) - Z.mean()) < 5 * sd


def test_dropout_with_p_zero_or_in_eval_mode_is_the_identity():
    rng = np.random.default_rng(18)
    X, dY = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    for layer in (Dropout(0.0, rng=0), Dropout(0.5, rng=0).eval()):
        np.testing.assert_array_equal(layer.forward(X), X)
        assert layer.cached_arrays() == []  # nothing to remember
        np.testing.assert_array_equal(layer.backward(dY), dY)
        report = gradient_check(layer, None, X)
        assert report.passed(TOL) and set(report.errors) == {"input"}


def test_dropout_in_training_mode_defeats_finite_differences():
    """Why dropout is gradient-checked in eval mode: each forward pass is another function."""
    layer = Dropout(0.5, rng=0)
    X = np.ones((4, 3))
    R = np.random.default_rng(22).normal(size=X.shape)
    numeric = bpcode.numerical_gradient(lambda: float(np.sum(R * layer.forward(X))), X)
    layer.forward(X)
    analytic = layer.backward(R)  # right for the last mask, but every f() drew another
    assert bpcode.relative_error(analytic, numeric) > 0.1


def test_dropout_masks_are_reproducible_from_a_seed_or_a_generator():
    X = np.ones((5, 7))
    a, b = Dropout(0.4, rng=3), Dropout(0.4, rng=3)
    np.testing.assert_array_equal(a.forward(X), b.forward(X))
    gen = np.random.default_rng(3)
    c = Dropout(0.4, rng=gen)
    np.testing.assert_array_equal(c.forward(X), Dropout(0.4, rng=3).forward(X))
    assert gen.bit_generator.state != np.random.default_rng(3).bit_generator.state


def test_dropout_is_shape_keeping_and_transparent_for_the_input_width():
    assert repr(Dropout(0.25)) == "Dropout(p=0.25)"
    assert isinstance(Dropout(0.1), bpcode.Activation)
    assert Dropout(0.1).n_in is None and Dropout(0.1)._out_width(7) == 7
    assert Sequential([Dropout(0.2), Dense(3, 2)]).n_in == 3
    with pytest.raises(ValueError, match=r"layer 2 Dense\(4 -> 1\)"):
        Sequential([Dense(2, 3), Dropout(0.5), Dense(4, 1)])


# ============================================================ all three in networks
def make_network(seed: int = 0, p: float = 0.2) -> Sequential:
    return Sequential(
        [
            Dense(2, 16, rng=seed),
            BatchNorm(16),
            ReLU(),
            Dropout(p, rng=seed + 1),
            Dense(16, 2, rng=seed + 2),
        ]
    )


def test_network_with_batchnorm_and_dropout_trains_and_is_deterministic_in_eval():
    X, y = bpcode.datasets.moons(200, noise=0.1, rng=0)
    model = make_network()
    loss = SoftmaxCrossEntropy()
    history = fit(
        model, loss, Adam(model, lr=0.01), X, y, epochs=30, batch_size=32, rng=0
    )
    assert history.loss[-1] < 0.5 * history.loss[0]
    assert model[1].running_var.shape == (16,) and np.all(model[1].running_var > 0)
    out_train = model.forward(X).copy()
    assert not np.array_equal(model.forward(X), out_train)  # dropout and batch stats
    model.eval()
    out = model.forward(X).copy()
    np.testing.assert_array_equal(model.forward(X), out)  # deterministic
    # sample by sample, to rounding (BLAS may sum a batch of one in another order)
    np.testing.assert_allclose(model.forward(X[:1]), out[:1], rtol=1e-12, atol=1e-15)
    assert bpcode.accuracy(y, out) > 0.85
    assert all(not layer.training for layer in model)


def test_network_with_batchnorm_and_dropout_passes_the_gradient_check():
    X, y = bpcode.datasets.moons(12, noise=0.2, rng=1)
    model = make_network(seed=3)
    model[3].eval()  # dropout fixed (identity); BatchNorm in training mode
    report = gradient_check(model, SoftmaxCrossEntropy(), X, y)
    assert report.n_near_kinks == 0
    assert_passes(report)
    # Dense's bias is removed by the batch mean: ∂𝓛/∂b = 0 exactly (up to rounding)
    assert np.max(np.abs(report.analytic["0.b"])) < 1e-15
    model.eval()  # everything in evaluation mode
    report = gradient_check(model, SoftmaxCrossEntropy(), X, y)
    assert report.passed(TOL), str(report)


def test_network_on_images_with_batchnorm_passes_the_gradient_check():
    rng = np.random.default_rng(19)
    model = Sequential([randomize(BatchNorm(3), rng), Tanh(), Dropout(0.0)])
    X = rng.normal(size=(2, 3, 3, 2))
    assert gradient_check(model, None, X).passed(TOL)
    assert len(model.cached_arrays()) == 3  # X̂, 1/σ̂ and Tanh's output


def test_fit_reports_a_last_batch_of_one_sample_for_batchnorm():
    X = np.random.default_rng(20).normal(size=(9, 2))
    model = Sequential([Dense(2, 3, rng=0), BatchNorm(3), Dense(3, 1, rng=1)])
    with pytest.raises(
        ValueError, match=r"epoch 1.*BatchNorm\(3\).*more than one value"
    ):
        fit(model, MSELoss(), Adam(model, lr=0.01), X, X[:, :1], epochs=1, batch_size=4)
