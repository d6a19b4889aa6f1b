"""Training: a step computed by hand, optimisers, the fit loop, XOR for fixed seeds."""

import math

import numpy as np
import pytest

import bpcode
from bpcode import (
    SGD,
    Adam,
    Dense,
    Identity,
    MSELoss,
    ReLU,
    Sequential,
    Sigmoid,
    SoftmaxCrossEntropy,
    Tanh,
    accuracy,
    fit,
)


def test_one_sgd_step_on_a_single_sigmoid_unit_by_hand():
    # x = 1, w = 0.5, b = 0, target 1, MSE (1/2n), lr = 1:
    #   z = 0.5, a = sigma(0.5) = 0.6224593312, L = (a - 1)^2 / 2 = 0.0712684783
    #   dL/da = a - 1, da/dz = a(1 - a) = 0.2350037122
    #   dL/dz = -0.0887234587 = dL/dw (x = 1) = dL/db
    layer, act = Dense(1, 1, rng=0), Sigmoid()
    model = Sequential([layer, act])
    layer.W[:] = 0.5
    layer.b[:] = 0.0
    loss = MSELoss()
    value = loss.forward(model.forward(np.array([[1.0]])), np.array([[1.0]]))
    model.backward(loss.backward())
    assert value == pytest.approx(0.0712684783, abs=1e-10)
    assert layer.dW[0, 0] == pytest.approx(-0.0887234587, abs=1e-10)
    assert layer.db[0] == pytest.approx(-0.0887234587, abs=1e-10)
    SGD(model, lr=1.0).step()
    assert layer.W[0, 0] == pytest.approx(0.5887234587, abs=1e-10)
    assert layer.b[0] == pytest.approx(0.0887234587, abs=1e-10)


def test_one_sgd_step_on_a_2_2_1_network_against_scalar_arithmetic():
    """The matrix code against the chain rule written out one scalar at a time."""
    W1 = [[0.15, 0.25], [0.20, 0.30]]
    b1 = [0.35, 0.35]
    W2 = [0.40, 0.45]
    b2 = 0.60
    x, target, lr = [0.05, 0.10], 0.01, 0.5
    s = lambda z: 1.0 / (1.0 + math.exp(-z))  # noqa: E731
    # forward, one unit at a time
    h = [s(x[0] * W1[0][j] + x[1] * W1[1][j] + b1[j]) for j in range(2)]
    o = s(h[0] * W2[0] + h[1] * W2[1] + b2)
    L = 0.5 * (o - target) ** 2
    # backward, one derivative at a time
    d_o = (o - target) * o * (1 - o)
    dW2 = [d_o * h[j] for j in range(2)]
    d_h = [d_o * W2[j] * h[j] * (1 - h[j]) for j in range(2)]
    dW1 = [[d_h[j] * x[i] for j in range(2)] for i in range(2)]

    l1, l2 = Dense(2, 2, rng=0), Dense(2, 1, rng=0)
    l1.W[:], l1.b[:], l2.W[:], l2.b[:] = W1, b1, np.array(W2).reshape(2, 1), b2
    model = Sequential([l1, Sigmoid(), l2, Sigmoid()])
    loss = MSELoss()
    value = loss.forward(model.forward(np.array([x])), np.array([[target]]))
    model.backward(loss.backward())
    assert value == pytest.approx(L, rel=1e-14)
    np.testing.assert_allclose(l2.dW[:, 0], dW2, rtol=1e-13)
    np.testing.assert_allclose(l2.db, [d_o], rtol=1e-13)
    np.testing.assert_allclose(l1.dW, dW1, rtol=1e-13)
    np.testing.assert_allclose(l1.db, d_h, rtol=1e-13)
    SGD(model, lr=lr).step()
    np.testing.assert_allclose(
        l2.W[:, 0], [W2[j] - lr * dW2[j] for j in range(2)], rtol=1e-14
    )
    np.testing.assert_allclose(l1.W, np.array(W1) - lr * np.array(dW1), rtol=1e-14)


XOR_SEEDS = range(10)


@pytest.mark.parametrize("seed", XOR_SEEDS)
def test_xor_is_learned_for_every_seed(seed):
    """2-4-1, tanh hidden, sigmoid output, MSE, full-batch SGD lr=2.0, 1000 epochs."""
    X, y = bpcode.datasets.xor()
    model = Sequential(
        [Dense(2, 4, rng=seed), Tanh(), Dense(4, 1, rng=1000 + seed), Sigmoid()]
    )
    history = fit(model, MSELoss(), SGD(model, lr=2.0), X, y, epochs=1000)
    assert accuracy(y, model.forward(X)) == 1.0
    assert history.loss[-1] < 0.01 < history.loss[0]


def test_sgd_momentum_update_rule():
    layer = Dense(1, 1, rng=0)
    layer.W[:] = 1.0
    opt = SGD(layer, lr=0.1, momentum=0.9)
    layer.dW[:] = 2.0
    opt.step()  # v = -0.2, W = 0.8
    assert layer.W[0, 0] == pytest.approx(0.8)
    opt.step()  # v = 0.9 * -0.2 - 0.2 = -0.38, W = 0.42
    assert layer.W[0, 0] == pytest.approx(0.42)


def test_sgd_on_a_large_layer_matches_the_textbook_rule():
    layer = Dense(512, 300, rng=0)  # 153,600 weights
    layer.dW[:] = np.random.default_rng(1).standard_normal(layer.dW.shape)
    layer.db[:] = 1.0
    W0, b0 = layer.W.copy(), layer.b.copy()
    SGD(layer, lr=0.05).step()
    np.testing.assert_array_equal(layer.W, W0 - 0.05 * layer.dW)
    np.testing.assert_array_equal(layer.b, b0 - 0.05)
    opt = SGD(layer, lr=0.05, momentum=0.5)
    W1 = layer.W.copy()
    opt.step()
    opt.step()  # v2 = 0.5 * v1 - lr g = -1.5 lr g
    np.testing.assert_allclose(
        layer.W, W1 - 0.05 * layer.dW - 0.075 * layer.dW, rtol=0, atol=1e-15
    )


def test_adam_first_step_has_size_lr():
    layer = Dense(3, 2, rng=0)
    before = layer.W.copy()
    layer.dW[:] = np.array([[1e-3, -5.0], [2.0, 7e2], [-0.3, 1.0]])
    layer.db[:] = 0.0
    Adam(layer, lr=0.01).step()
    # after bias correction m_hat = g and v_hat = g^2, so the step is lr * sign(g)
    np.testing.assert_allclose(before - layer.W, 0.01 * np.sign(layer.dW), rtol=1e-4)


def test_fit_records_history_and_is_reproducible():
    X, y = bpcode.datasets.spirals(40, rng=0)
    runs = []
    for _ in range(2):
        model = Sequential([Dense(2, 16, rng=1), ReLU(), Dense(16, 2, rng=2)])
        h = fit(
            model,
            SoftmaxCrossEntropy(),
            Adam(model, lr=0.01),
            X,
            y,
            epochs=5,
            batch_size=16,
            rng=3,
            validation_data=(X[:10], y[:10]),
            metric="accuracy",
        )
        runs.append(h)
    assert len(runs[0]) == 5 and len(runs[0].val_loss) == 5
    assert len(runs[0].metric) == 5 and len(runs[0].val_metric) == 5
    assert runs[0].loss == runs[1].loss
    assert all(0.0 <= a <= 1.0 for a in runs[0].metric)


def test_fit_uses_every_sample_once_per_epoch():
    """With lr tiny, the epoch loss is the mean over all samples of the initial loss."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(10, 3)), rng.normal(size=(10, 1))
    model = Sequential([Dense(3, 1, rng=0)])
    expected = MSELoss().forward(model.forward(X), y)
    h = fit(model, MSELoss(), SGD(model, lr=1e-12), X, y, epochs=1, batch_size=3, rng=0)
    assert h.loss[0] == pytest.approx(expected, rel=1e-9)


def test_backward_without_input_gradient_gives_same_parameter_gradients():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(5, 3))
    model = Sequential([Dense(3, 4, rng=0), Tanh(), Dense(4, 2, rng=1)])
    out = model.forward(X)
    assert model.backward(np.ones_like(out), input_grad=False) is None
    first = [g.copy() for _, _, g in model.parameters()]
    grad_in = model.backward(np.ones_like(out))
    assert grad_in.shape == X.shape
    for a, (_, _, b) in zip(first, model.parameters()):
        np.testing.assert_array_equal(a, b)


def test_fit_accuracy_on_logits_uses_threshold_zero():
    """With BinaryCrossEntropy(from_logits=True) the model outputs logits: class 1 means z > 0."""
    from bpcode import BinaryCrossEntropy

    layer = Dense(1, 1, rng=0)
    layer.W[:], layer.b[:] = 0.2, 0.0
    X, y = np.array([[1.0], [-1.0]]), np.array([[1.0], [0.0]])  # logits 0.2 and -0.2
    h = fit(
        layer,
        BinaryCrossEntropy(from_logits=True),
        SGD(layer, lr=1e-9),
        X,
        y,
        epochs=1,
        metric="accuracy",
    )
    assert h.metric == [1.0]  # at threshold 0.5 it would be 0.5


def test_train_step_is_one_step_of_fit():
    """fit repeats train_step: one full-batch epoch of fit is one train_step, bit for bit."""
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(12, 3)), rng.integers(0, 2, size=12)
    by_fit, by_step = (
        Sequential([Dense(3, 5, rng=0), Tanh(), Dense(5, 2, rng=1)]) for _ in range(2)
    )
    h = fit(by_fit, SoftmaxCrossEntropy(), SGD(by_fit, lr=0.3), X, y, epochs=1)
    value = bpcode.train_step(
        by_step, SoftmaxCrossEntropy(), SGD(by_step, lr=0.3), X, y
    )
    assert h.loss == [value]
    for (_, a, _), (_, b, _) in zip(by_fit.parameters(), by_step.parameters()):
        np.testing.assert_array_equal(a, b)


def test_train_step_uses_public_calls_only():
    """train_step goes through the public methods of the model, the loss and the optimizer,
    in the article's order: subclasses that override only those see every call."""
    calls = []

    class CountingMSE(MSELoss):
        def forward(self, prediction, target):
            calls.append("loss.forward")
            return super().forward(prediction, target)

        def backward(self):
            calls.append("loss.backward")
            return super().backward()

    class CountingNet(Sequential):
        def forward(self, X):
            calls.append("model.forward")
            return super().forward(X)

        def backward(self, grad_out, *, input_grad=True):
            calls.append(f"model.backward(input_grad={input_grad})")
            return super().backward(grad_out, input_grad=input_grad)

    class CountingSGD(SGD):
        def step(self):
            calls.append("optimizer.step")
            super().step()

    model = CountingNet([Dense(2, 1, rng=0)])
    X, Y = np.ones((3, 2)), np.ones((3, 1))
    bpcode.train_step(model, CountingMSE(), CountingSGD(model, lr=0.1), X, Y)
    assert calls == [
        "model.forward",
        "loss.forward",
        "loss.backward",
        "model.backward(input_grad=False)",
        "optimizer.step",
    ]


def test_forward_and_backward_never_change_the_callers_arrays():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(6, 5))
    for net in (
        Sequential([ReLU(), Dense(5, 4, rng=0), Tanh(), Dense(4, 4, rng=1), ReLU()]),
        Sequential([Tanh(), Dense(5, 4, rng=0), Identity()]),
    ):
        X_before = X.copy()
        out = net.forward(X)
        np.testing.assert_array_equal(X, X_before)
        G = rng.normal(size=out.shape)
        G_before = G.copy()
        net.backward(G)
        np.testing.assert_array_equal(G, G_before)


def test_fit_trains_in_training_mode_and_evaluates_in_evaluation_mode():
    """A model left in evaluation mode is trained in training mode; the end-of-epoch
    metric runs in evaluation mode (no dropout), and fit leaves the model training."""
    from bpcode.regularization import Dropout

    rng = np.random.default_rng(6)
    X, y = rng.normal(size=(40, 3)), rng.integers(0, 2, size=40)
    modes = []

    class ModeSpy(Dense):
        def _forward(self, X):
            modes.append(self.training)
            return super()._forward(X)

    model = Sequential([ModeSpy(3, 8, rng=0), Dropout(0.5, rng=1), Dense(8, 2, rng=2)])
    model.eval()
    h = fit(
        model,
        SoftmaxCrossEntropy(),
        SGD(model, lr=0.1),
        X,
        y,
        epochs=2,
        batch_size=10,
        metric="accuracy",
    )
    # the check of the data (eval), 4 training steps (train), the metric (eval), per epoch
    assert modes == [False] + ([True] * 4 + [False]) * 2
    assert model.training and model[1].training
    out = model.eval().forward(X)
    assert h.metric[-1] == accuracy(y, out)


def test_a_gradient_report_can_accept_gradients_that_are_zero_up_to_rounding():
    errors = {"W": 1e-11, "b": 1.0}  # b: exactly 0, finite differences ~1e-12
    report = bpcode.GradCheckReport(errors, {"W": 1e-12, "b": 3e-12}, {}, {}, 1e-5)
    assert not report.passed()
    assert report.passed(atol=1e-9)
    assert not report.passed(atol=1e-13)


def test_training_skips_every_input_gradient_nobody_needs():
    """fit (through train_step) never computes the lowest trained layer's dL/dX, nor any
    backward pass below it; a user's backward() computes all of them."""
    calls = []

    class Counting(Dense):
        def _backward(self, delta):
            calls.append(("input", self.n_in))
            return super()._backward(delta)

        def _parameter_gradients(self, delta):
            calls.append(("params", self.n_in))
            super()._parameter_gradients(delta)

    class CountingTanh(Tanh):
        def _backward(self, dA):
            calls.append(("tanh", None))
            return super()._backward(dA)

    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(8, 2)), rng.normal(size=(8, 1))
    model = Sequential(
        [CountingTanh(), Counting(2, 4, rng=0), Tanh(), Counting(4, 1, rng=1)]
    )
    fit(model, MSELoss(), SGD(model, lr=0.1), X, y, epochs=1)
    # layer 3: dW, db and dL/dX for layer 2; layer 1: dW, db only; layer 0 never runs
    assert calls == [("input", 4), ("params", 4), ("params", 2)]
    calls.clear()
    model.forward(X)  # a new pass: the one fit made is older than its last update
    model.backward(np.ones((8, 1)))
    assert calls == [
        ("input", 4),
        ("params", 4),
        ("input", 2),
        ("params", 2),
        ("tanh", None),
    ]
