"""Misuse that used to give a silently wrong answer: now the right answer or a clear error.

Each test here failed on bpcode 0.1 (checked by running this file against it): the
comment above each test says what 0.1 did.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import bpcode as bp
from bpcode import (
    SGD,
    BinaryCrossEntropy,
    Dense,
    GradCheckReport,
    Identity,
    MSELoss,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
    fit,
    gradient_check,
    numerical_gradient,
)

RNG = np.random.default_rng(0)


def _net(seed: int = 0) -> Sequential:
    return Sequential([Dense(3, 4, rng=seed), Tanh(), Dense(4, 2, rng=seed + 1)])


# -- one layer object at two places ---------------------------------------------------------
# 0.1: accepted; the gradient check of the network failed with relative errors of 0.2-0.75.
@pytest.mark.parametrize(
    "build",
    [
        lambda t, d: [Dense(3, 3, rng=0), t, Dense(3, 3, rng=1), t],  # a reused Tanh
        lambda t, d: [d, Tanh(), d],  # a tied Dense
        lambda t, d: [d, Tanh(), Sequential([d, Tanh()])],  # inside a sub-network
    ],
    ids=["reused-tanh", "tied-dense", "nested"],
)
def test_a_layer_used_twice_is_rejected_when_the_network_is_built(build):
    tanh, dense = Tanh(), Dense(3, 3, rng=2)
    with pytest.raises(ValueError, match="used twice") as info:
        Sequential(build(tanh, dense))
    message = str(info.value)
    assert "Tanh()" in message or "Dense(3 -> 3)" in message
    assert "position" in message


def test_the_positions_of_a_reused_layer_are_named():
    tanh = Tanh()
    with pytest.raises(ValueError, match=r"at position 1 and at position 3"):
        Sequential([Dense(3, 3, rng=0), tanh, Dense(3, 3, rng=1), tanh])


# -- a stale cache -------------------------------------------------------------------------
# 0.1: backward silently used the cache of the layer's last (other) forward pass.
@pytest.mark.parametrize(
    "other_rows", [5, 7], ids=["same-batch-size", "other-batch-size"]
)
def test_a_layer_run_on_other_data_before_the_networks_backward_is_detected(other_rows):
    model = _net()
    X = RNG.standard_normal((5, 3))
    out = model.forward(X)
    model[0].forward(RNG.standard_normal((other_rows, 3)))  # e.g. to look at a layer
    with pytest.raises(
        RuntimeError, match=r"layer 0 \(Dense\(3 -> 4\)\) was run on other data"
    ):
        model.backward(np.ones_like(out))
    model.forward(X)  # a new forward pass: fine again
    model.backward(np.ones_like(out))


def test_a_stale_layer_inside_a_nested_network_is_detected():
    inner = Sequential([Dense(4, 4, rng=3), Tanh()])
    model = Sequential([Dense(3, 4, rng=0), inner, Dense(4, 1, rng=1)])
    out = model.forward(RNG.standard_normal((5, 3)))
    inner[1].forward(RNG.standard_normal((5, 4)))
    with pytest.raises(RuntimeError, match=r"layer 1 .*layer 1 \(Tanh\(\)\)"):
        model.backward(np.ones_like(out))


def _gradients(model, X, G):
    model.forward(X)
    model.backward(G)
    return [g.copy() for _, _, g in model.parameters()]


# 0.1: the network kept a reference to the caller's X, so changing X changed dW.
def test_changing_the_input_in_place_after_forward_does_not_change_the_gradients():
    model = _net()
    X = RNG.standard_normal((5, 3))
    G = RNG.standard_normal((5, 2))
    expected = _gradients(model, X.copy(), G)
    model.forward(X)
    X *= 10.0  # the caller reuses its buffer
    model.backward(G)
    for (_, _, got), want in zip(model.parameters(), expected):
        np.testing.assert_array_equal(got, want)


# 0.1: the returned array was the cached one; `out -= y` changed what backward used.
@pytest.mark.parametrize(
    "make",
    [
        lambda: Sequential([Dense(3, 2, rng=0), Sigmoid()]),
        lambda: Sigmoid(),
        lambda: Tanh(),
        lambda: Identity(),
    ],
    ids=["network", "sigmoid", "tanh", "identity"],
)
def test_the_output_of_forward_cannot_be_changed_in_place(make):
    layer = make()
    out = layer.forward(RNG.standard_normal((4, 3)))
    with pytest.raises(ValueError, match="read-only"):
        out -= 1.0
    assert not out.flags.writeable


# 0.1: Identity().forward(X) returned the caller's own array.
def test_identity_does_not_hand_back_the_callers_array():
    X = RNG.standard_normal((4, 3))
    out = Identity().forward(X)
    assert out is not X and not np.shares_memory(out, X)
    X[0, 0] = 99.0
    assert out[0, 0] != 99.0


# -- fit -----------------------------------------------------------------------------------
# 0.1: predictions were checked only before training; once they left [0, 1] the loss
# clipped them and recorded about 1e-12 as if the model were perfect.
def test_fit_with_probability_bce_stops_when_an_output_leaves_0_1():
    model = Sequential([Dense(1, 1, rng=0), Identity()])
    model[0].W = np.array([[0.5]])
    X, y = np.array([[0.2], [0.9]]), np.array([[1.0], [1.0]])
    with pytest.raises(ValueError, match=r"epoch \d+.*probabilities in \[0, 1\]"):
        fit(model, BinaryCrossEntropy(), SGD(model, lr=1.0), X, y, epochs=50)


# 0.1: the update after the last loss was never checked; fit returned normally with W = inf.
def test_fit_reports_parameters_made_non_finite_by_the_last_update():
    model = Sequential([Dense(1, 1, rng=0)])
    model[0].W = np.array([[1.0]])
    X, y = np.array([[1e5]]), np.array([[0.0]])
    with (
        pytest.raises(
            bp.TrainingDivergedError, match=r"epoch 1.*parameter 0\.W"
        ) as info,
        np.errstate(over="ignore"),
    ):  # lr * dW overflows to inf
        fit(model, MSELoss(), SGD(model, lr=1e300), X, y, epochs=1)
    assert info.value.epoch == 1
    assert not np.isfinite(model[0].W).all()


# -- gradient checking ---------------------------------------------------------------------
# 0.1: Python's max() skipped a NaN that was not the first value: max_error 0.1, passed().
def test_a_nan_error_anywhere_makes_the_report_fail():
    errors = {"0.W": 1e-12, "0.b": float("nan"), "input": 1e-11}
    report = GradCheckReport(errors, dict(errors), {}, {}, 1e-5)
    assert np.isnan(report.max_error)
    assert not report.passed()


# 0.1: float32 finite differences were off by ~1e-3 without a word.
def test_numerical_gradient_warns_about_float32():
    x = np.ones(3, dtype=np.float32)
    with pytest.warns(bp.PrecisionWarning, match="float32"):
        numerical_gradient(lambda: float(np.sum(x**2)), x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # float64: no warning
        numerical_gradient(lambda: 1.0, np.ones(3))


# 0.1: on a fresh ReLU network (zero biases) the XOR input (0, 0) puts every first-layer
# unit exactly on the kink; the check "failed" with no hint why.
def test_gradient_check_counts_units_at_a_relu_kink():
    model = Sequential([Dense(2, 4, rng=0), ReLU(), Dense(4, 1, rng=1)])
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    report = gradient_check(model, MSELoss(), X, y)
    assert report.n_near_kinks >= 4  # the 4 units of sample (0, 0)
    assert f"{report.n_near_kinks} input(s)" in str(report) and "kink" in str(report)
    away = gradient_check(model, MSELoss(), X + 0.5, y)  # no unit at z = 0
    assert away.n_near_kinks == 0 and "kink" not in str(away)


# -- arguments that were accepted and failed later, or meant something else -------------
# 0.1: SGD(Sequential) (the class) was accepted and failed at the first step.
def test_an_optimizer_needs_a_model_instance():
    with pytest.raises(TypeError, match="the class Sequential itself"):
        SGD(Sequential, lr=0.1)
    with pytest.raises(TypeError, match="model must be a Layer"):
        SGD([Dense(2, 2)], lr=0.1)


# 0.1: bool("False") is True, so from_logits="False" meant from_logits=True.
@pytest.mark.parametrize("value", ["False", "True", 0, 1, None])
def test_from_logits_must_be_a_bool(value):
    with pytest.raises(TypeError, match=r"from_logits must be True or False"):
        BinaryCrossEntropy(from_logits=value)


# 0.1: an initialiser that returned NaN was accepted.
def test_an_initialiser_returning_nan_is_rejected():
    def bad(n_in, n_out, rng):
        return np.full((n_in, n_out), np.nan)

    with pytest.raises(ValueError, match=r"Dense\(2 -> 3\).*NaN"):
        Dense(2, 3, init=bad)


# 0.1: a W of another shape was accepted and gave a raw NumPy error at the next step.
def test_assigning_a_parameter_of_the_wrong_shape_fails_at_the_assignment():
    layer = Dense(2, 3, rng=0)
    with pytest.raises(
        ValueError,
        match=r"Dense\(2 -> 3\)\.W must have shape \(2, 3\), got "
        r"shape \(3, 2\)",
    ):
        layer.W = np.ones((3, 2))
    with pytest.raises(ValueError, match=r"\.b must have shape \(3,\)"):
        layer.b = np.zeros(4)
    with pytest.raises(ValueError, match="NaN"):
        layer.W = np.full((2, 3), np.nan)
    with pytest.raises(TypeError, match="numeric"):
        layer.W = np.full((2, 3), "a")


# 0.1: an integer W was accepted and the update W -= lr * dW raised a raw casting error.
def test_an_integer_parameter_becomes_float64_and_trains():
    model = Sequential([Dense(2, 1, rng=0)])
    model[0].W = np.array([[1], [-1]])
    assert model[0].W.dtype == np.float64
    X, y = np.array([[1.0, 2.0]]), np.array([[0.5]])
    fit(model, MSELoss(), SGD(model, lr=0.1), X, y, epochs=3)
    assert model[0].W.dtype == np.float64 and not np.array_equal(
        model[0].W, [[1], [-1]]
    )


# A negative class label would count from the end (-1: the last class) in NumPy indexing.
@pytest.mark.parametrize("labels", [[0, -1], np.array([0, -3], dtype=np.int8)])
def test_a_negative_class_label_is_rejected(labels):
    with pytest.raises(ValueError, match=r"\[0, 3\)") as info:
        bp.SoftmaxCrossEntropy().forward(np.zeros((2, 3)), np.asarray(labels))
    assert "-" in str(info.value)


def test_softmax_cross_entropy_on_sequences_averages_over_every_time_step():
    """Logits (n, T, K) with labels (n, T): the mean over all n*T rows, gradient (P - Y)/(nT)."""
    rng = np.random.default_rng(5)
    Z, labels = rng.standard_normal((3, 4, 5)), rng.integers(0, 5, size=(3, 4))
    loss = bp.SoftmaxCrossEntropy()
    value = loss.forward(Z, labels)
    flat = bp.SoftmaxCrossEntropy().forward(Z.reshape(12, 5), labels.reshape(12))
    assert value == pytest.approx(flat, rel=1e-14)
    loss.forward(Z, labels)
    analytic = loss.backward()
    numeric = numerical_gradient(lambda: loss.forward(Z, labels), Z)
    assert bp.relative_error(analytic, numeric) < 1e-8
    with pytest.raises(ValueError, match=r"\(3, 4\)") as info:
        loss.forward(Z, labels[:, :3])
    assert "(3, 3)" in str(info.value)


# 0.2 before review: where BinaryCrossEntropy clipped a probability, backward returned the
# slope of the unclipped loss, which is not the gradient of the loss it had returned.
def test_bce_gradient_is_the_gradient_of_the_clipped_loss_it_returns():
    dense = Dense(1, 1, rng=0)
    dense.W, dense.b = (
        np.array([[1.0]]),
        np.array([-30.0]),
    )  # sigmoid(-30) < 1e-12: clipped
    model = Sequential([dense, Sigmoid()])
    X = np.array([[0.0], [29.0]])  # sample 0 clipped (z = -30), sample 1 not (z = -1)
    report = gradient_check(model, BinaryCrossEntropy(), X, np.ones((2, 1)))
    assert report.passed(), str(report)
    assert abs(report.analytic["0.b"][0]) > 0.1  # the unclipped sample still pulls


# 0.2 before review: a loss kept the caller's target array; changing it between forward
# and backward changed the gradient.
@pytest.mark.parametrize(
    "loss", [MSELoss(), BinaryCrossEntropy(), bp.SoftmaxCrossEntropy()]
)
def test_a_loss_keeps_its_own_copy_of_the_target(loss):
    P = np.array([[0.3, 0.7], [0.6, 0.4]])
    T = np.array([[0.0, 1.0], [1.0, 0.0]])
    loss.forward(P, T)
    expected = loss.backward()
    T[:] = T[::-1]
    np.testing.assert_array_equal(loss.backward(), expected)


# Found by a hostile review of 0.2 before it was released; each gave a silent wrong answer
# or a raw error.
def test_a_gradient_of_the_wrong_shape_is_rejected_by_the_optimizer():
    layer = Dense(2, 3, rng=0)
    layer.dW = np.ones(3)  # would broadcast into W silently
    with pytest.raises(ValueError, match=r"gradient of W has shape \(3,\)") as info:
        SGD(layer, lr=1.0).step()
    assert "(2, 3)" in str(info.value)
    with pytest.raises(ValueError, match="clip_grad_norm"):
        bp.clip_grad_norm(layer, 1.0)


def test_residual_rejects_a_layer_that_takes_token_ids():
    with pytest.raises(ValueError, match=r"Residual.*Embedding\(10 tokens -> 1\)"):
        bp.Residual(bp.Embedding(10, 1, rng=0))


def test_train_step_names_a_class_given_instead_of_an_instance():
    model = Sequential([Dense(2, 1, rng=0)])
    with pytest.raises(TypeError, match="train_step: loss must be a Loss"):
        bp.train_step(model, MSELoss, SGD(model), np.ones((2, 2)), np.ones((2, 1)))
    with pytest.raises(TypeError, match="train_step: optimizer must be an Optimizer"):
        bp.train_step(model, MSELoss(), SGD, np.ones((2, 2)), np.ones((2, 1)))


@pytest.mark.parametrize(
    "kwargs, fact",
    [
        ({"shuffle": "False"}, "shuffle"),
        ({"verbose": "yes"}, "verbose"),
        ({"verbose": -1}, "verbose"),
    ],
)
def test_fit_checks_its_flags_before_training(kwargs, fact):
    model = Sequential([Dense(2, 1, rng=0)])
    W0 = model[0].W.copy()
    with pytest.raises((TypeError, ValueError), match=fact):
        fit(
            model,
            MSELoss(),
            SGD(model),
            np.ones((4, 2)),
            np.ones((4, 1)),
            epochs=1,
            **kwargs,
        )
    np.testing.assert_array_equal(model[0].W, W0)


def test_fit_rejects_nan_targets_before_training():
    model = Sequential([Dense(2, 1, rng=0)])
    y = np.ones((6, 1))
    y[5, 0] = np.nan
    with pytest.raises(bp.NonFiniteError, match=r"fit.*y") as info:
        fit(model, MSELoss(), SGD(model), np.ones((6, 2)), y, epochs=1, batch_size=2)
    assert "(5, 0)" in str(info.value)


@pytest.mark.parametrize("value", ["no", 0, None])
def test_boolean_switches_must_be_booleans(value):
    model = Sequential([Dense(2, 1, rng=0)])
    out = model.forward(np.ones((2, 2)))
    with pytest.raises(TypeError, match="input_grad"):
        model.backward(np.ones_like(out), input_grad=value)
    with pytest.raises(TypeError, match="check_input"):
        gradient_check(model, None, np.ones((2, 2)), check_input=value)


# Found by a hostile review of the structured layers.
def test_residual_needs_an_inner_output_of_the_inputs_shape():
    widen = bp.Residual(bp.Conv2D(1, 4, 3, padding=1, rng=0))  # would broadcast
    with pytest.raises(ValueError, match=r"Residual.*\(2, 1, 5, 5\).*\(2, 4, 5, 5\)"):
        widen.forward(np.ones((2, 1, 5, 5)))
    shrink = bp.Residual(bp.Conv2D(3, 3, 3, rng=0))  # no padding: 5x5 -> 3x3
    with pytest.raises(ValueError, match=r"\(2, 3, 3, 3\)"):
        shrink.forward(np.ones((2, 3, 5, 5)))


def test_a_nested_network_checks_its_first_layers_input():
    pe = bp.PositionalEmbedding(2, 4, rng=0)
    model = Sequential([Dense(4, 4, rng=0), Sequential([pe])])
    with pytest.raises(ValueError, match=r"layer 1 .*PositionalEmbedding") as info:
        model.forward(np.ones((2, 4)))
    assert "(2, 4)" in str(info.value)
    rnn = Sequential([Dense(4, 4, rng=0), Sequential([bp.RNN(4, 3, rng=0)])])
    with pytest.raises(ValueError, match=r"RNN"):
        rnn.forward(np.ones((2, 4)))


def test_gradient_check_refuses_a_layer_that_draws_random_numbers():
    model = Sequential([Dense(2, 1, rng=0), bp.Dropout(0.5, rng=4)])
    with pytest.raises(ValueError, match=r"Dropout\(p=0\.5\).*model\.eval\(\)"):
        gradient_check(model, None, np.array([[1.0, 2.0]]))
    assert gradient_check(model.eval(), None, np.array([[1.0, 2.0]])).passed()


def test_gradient_check_leaves_the_caches_of_an_unperturbed_pass():
    rng = np.random.default_rng(0)
    X, G = rng.standard_normal((3, 2)), np.ones((3, 1))
    model = Sequential([Dense(2, 2, rng=0), Tanh(), Dense(2, 1, rng=1)])
    model.forward(X)
    expected = model.backward(G).copy()
    gradient_check(model, None, X)
    np.testing.assert_array_equal(model.backward(G), expected)


def test_assigning_another_layers_weights_copies_them():
    a, b = Dense(3, 3, rng=0), Dense(3, 3, rng=1)
    b.W = a.W  # without a copy the two layers would be silently tied
    assert b.W is not a.W and np.array_equal(b.W, a.W)
    read_only = np.zeros((3, 3))
    read_only.flags.writeable = False
    b.W = read_only
    SGD(b, lr=0.1).step()  # the layer's own, writable copy


@pytest.mark.parametrize("mode", ["False", "eval", 0])
def test_train_mode_must_be_a_bool(mode):
    with pytest.raises(TypeError, match="mode"):
        bp.BatchNorm(2).train(mode)


# 0.2 before review: an optimizer step between forward and backward mixed the old pass
# (its cached activations) with the new weights in dL/dX, silently.
def test_backward_after_an_optimizer_step_needs_a_new_forward_pass():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((3, 2)), rng.standard_normal((3, 1))
    model = Sequential([Dense(2, 2, rng=0), Tanh(), Dense(2, 1, rng=1)])
    optimizer, loss = SGD(model, lr=1.0), MSELoss()
    loss.forward(model.forward(X), y)
    G = loss.backward()
    model.backward(G)
    optimizer.step()
    with pytest.raises(
        RuntimeError, match="optimizer changed the parameters after forward"
    ):
        model.backward(G)
    model.forward(X)
    model.backward(G)  # fine after a new forward pass
