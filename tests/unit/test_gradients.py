"""Every layer, activation, loss and whole networks, gradient-checked in float64.

The analytic gradients from the backward passes are compared with central
finite differences; the relative error must be below 1e-7 (inputs are kept
away from ReLU's kink, where no derivative exists).
"""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import bpcode
from bpcode import (
    BinaryCrossEntropy,
    Dense,
    Embedding,
    Identity,
    LeakyReLU,
    MSELoss,
    ReLU,
    Sequential,
    Sigmoid,
    SoftmaxCrossEntropy,
    Tanh,
    gradient_check,
)

TOL = 1e-7


def away_from_kink(X, margin=1e-3):
    """Move entries that are within `margin` of 0 away from it (ReLU kink)."""
    X = X.copy()
    near = np.abs(X) < margin
    X[near] = np.where(X[near] >= 0, margin, -margin) * 10
    return X


@pytest.mark.parametrize(
    "layer",
    [Sigmoid(), Tanh(), ReLU(), LeakyReLU(0.1), Identity()],
    ids=lambda layer: repr(layer),
)
@pytest.mark.parametrize("shape", [(1, 1), (3, 4), (7, 2)])
def test_activation_layers(layer, shape):
    X = away_from_kink(np.random.default_rng(1).normal(scale=2.0, size=shape))
    report = gradient_check(layer, None, X)
    assert report.passed(TOL), str(report)


@pytest.mark.parametrize("n_in,n_out", [(1, 1), (3, 2), (5, 7)])
def test_dense_layer(n_in, n_out):
    layer = Dense(n_in, n_out, rng=3)
    layer.b[:] = np.random.default_rng(4).normal(size=n_out)
    X = np.random.default_rng(5).normal(size=(6, n_in))
    report = gradient_check(layer, None, X)
    assert set(report.errors) == {"W", "b", "input"}
    assert report.passed(TOL), str(report)


def test_embedding_layer_with_repeated_ids():
    # id 2 appears three times: its gradient rows must accumulate
    model = Sequential([Embedding(5, 3, rng=0), Dense(6, 4, rng=1)])
    ids = np.array([[2, 2], [0, 4], [2, 1]])
    report = gradient_check(model, SoftmaxCrossEntropy(), ids, np.array([0, 3, 1]))
    assert report.passed(TOL), str(report)
    assert np.abs(report.analytic["0.E"][3]).max() == 0.0  # unused id gets no gradient


@pytest.mark.parametrize("n_out", [1, 2, 5])
def test_mse_loss(n_out):
    rng = np.random.default_rng(n_out)
    P, Y = rng.normal(size=(4, n_out)), rng.normal(size=(4, n_out))
    check_loss(MSELoss(), P, Y)


@pytest.mark.parametrize("n_out", [1, 3])
def test_binary_cross_entropy_on_probabilities(n_out):
    rng = np.random.default_rng(10 + n_out)
    P = rng.uniform(0.05, 0.95, size=(5, n_out))
    Y = rng.integers(0, 2, size=(5, n_out)).astype(float)
    check_loss(BinaryCrossEntropy(), P, Y)


@pytest.mark.parametrize("n_out", [1, 3])
def test_binary_cross_entropy_on_logits(n_out):
    rng = np.random.default_rng(20 + n_out)
    Z = rng.normal(scale=3.0, size=(5, n_out))
    Y = rng.uniform(size=(5, n_out))  # soft targets are allowed
    check_loss(BinaryCrossEntropy(from_logits=True), Z, Y)


@pytest.mark.parametrize("n_classes", [2, 3, 10])
@pytest.mark.parametrize("one_hot", [False, True])
def test_softmax_cross_entropy(n_classes, one_hot):
    rng = np.random.default_rng(n_classes)
    Z = rng.normal(scale=2.0, size=(6, n_classes))
    labels = rng.integers(0, n_classes, size=6)
    T = bpcode.datasets.one_hot(labels, n_classes) if one_hot else labels
    check_loss(SoftmaxCrossEntropy(), Z, T)


def check_loss(loss, P, T):
    """dL/dP from loss.backward() against central differences."""
    P = P.copy()
    loss.forward(P, T)
    analytic = loss.backward()
    numeric = bpcode.numerical_gradient(lambda: loss.forward(P, T), P)
    assert bpcode.relative_error(analytic, numeric) < TOL


def test_softmax_cross_entropy_gradient_is_p_minus_y_over_n():
    Z = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    labels = np.array([1, 2])
    loss = SoftmaxCrossEntropy()
    loss.forward(Z, labels)
    expected = (bpcode.functional.softmax(Z) - bpcode.datasets.one_hot(labels, 3)) / 2
    np.testing.assert_allclose(loss.backward(), expected, rtol=1e-14)


ACTIVATIONS = {
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky": lambda: LeakyReLU(0.05),
}


def make_network(widths, activation, seed):
    layers = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(Dense(a, b, rng=seed + i))
        if i < len(widths) - 2:
            layers.append(ACTIVATIONS[activation]())
    return Sequential(layers)


@pytest.mark.parametrize("depth", [1, 2, 3, 5])
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky"])
@pytest.mark.parametrize("n_out", [1, 3])
def test_whole_networks_with_mse(depth, activation, n_out):
    widths = [4] + [5] * (depth - 1) + [n_out]
    model = make_network(widths, activation, seed=depth)
    rng = np.random.default_rng(depth * 10 + n_out)
    X, Y = rng.normal(size=(6, 4)), rng.normal(size=(6, n_out))
    report = gradient_check(model, MSELoss(), X, Y)
    assert report.passed(TOL), str(report)


@pytest.mark.parametrize("depth", [2, 4])
def test_classifier_networks_with_cross_entropy(depth):
    widths = [3] + [6] * (depth - 1) + [4]
    model = make_network(widths, "tanh", seed=7)
    rng = np.random.default_rng(depth)
    X, labels = rng.normal(size=(8, 3)), rng.integers(0, 4, size=8)
    report = gradient_check(model, SoftmaxCrossEntropy(), X, labels)
    assert report.passed(TOL), str(report)


def test_sigmoid_output_with_binary_cross_entropy():
    model = Sequential([Dense(2, 3, rng=0), Tanh(), Dense(3, 1, rng=1), Sigmoid()])
    X, y = bpcode.datasets.xor()
    report = gradient_check(model, BinaryCrossEntropy(), X, y)
    assert report.passed(TOL), str(report)


@settings(max_examples=25, deadline=None)
@given(
    n_samples=st.integers(1, 6),
    widths=st.lists(st.integers(1, 5), min_size=2, max_size=4),
    activation=st.sampled_from(sorted(ACTIVATIONS)),
    seed=st.integers(0, 2**16),
)
def test_random_networks_property(n_samples, widths, activation, seed):
    model = make_network(widths, activation, seed)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, widths[0]))
    Y = rng.normal(size=(n_samples, widths[-1]))
    if activation in ("relu", "leaky"):
        # a pre-activation within 1e-4 of the kink makes finite differences
        # straddle it; such draws say nothing about the backward pass
        out = X
        for layer in model.layers:
            if not isinstance(layer, Dense):
                assume(np.all(np.abs(out) > 1e-4))
            out = layer.forward(out)
    report = gradient_check(model, MSELoss(), X, Y)
    assert report.passed(TOL), str(report)


@settings(max_examples=25, deadline=None)
@given(
    n_samples=st.integers(1, 6),
    n_classes=st.integers(2, 6),
    seed=st.integers(0, 2**16),
    scale=st.floats(0.1, 20.0),
)
def test_softmax_cross_entropy_property(n_samples, n_classes, seed, scale):
    rng = np.random.default_rng(seed)
    Z = rng.normal(scale=scale, size=(n_samples, n_classes))
    labels = rng.integers(0, n_classes, size=n_samples)
    loss = SoftmaxCrossEntropy()
    value = loss.forward(Z, labels)
    assert value >= 0.0
    grad = loss.backward()
    np.testing.assert_allclose(
        grad.sum(axis=1), 0.0, atol=1e-15
    )  # softmax rows sum to 1
    numeric = bpcode.numerical_gradient(lambda: loss.forward(Z, labels), Z)
    # large logits give a large loss, and the rounding error of a finite
    # difference grows with |L|: allow an absolute error proportional to it
    assert np.allclose(grad, numeric, rtol=1e-6, atol=1e-9 * max(1.0, value))


def test_gradient_check_detects_a_wrong_backward_pass():
    """The check can fail: a Dense layer whose bias gradient is off by a factor."""

    class BuggyDense(Dense):
        def _parameter_gradients(self, delta):
            super()._parameter_gradients(delta)
            self.db *= 0.5  # the bug

    model = Sequential([BuggyDense(2, 3, rng=0), Tanh(), Dense(3, 1, rng=1)])
    X, y = bpcode.datasets.xor()
    report = gradient_check(model, MSELoss(), X, y)
    assert not report.passed(1e-3)
    assert report.errors["0.b"] > 0.1
    assert report.errors["0.W"] < TOL  # the other gradients are still right
