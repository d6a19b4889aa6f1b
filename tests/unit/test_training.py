"""Training: a step computed by hand, optimisers, the fit loop, XOR for fixed seeds."""

import math

import numpy as np
import pytest

import bpcode
from bpcode import (SGD, Adam, Dense, MSELoss, ReLU, Sequential, Sigmoid, SoftmaxCrossEntropy,
                    Tanh, accuracy, fit)


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
    np.testing.assert_allclose(l2.W[:, 0], [W2[j] - lr * dW2[j] for j in range(2)], rtol=1e-14)
    np.testing.assert_allclose(l1.W, np.array(W1) - lr * np.array(dW1), rtol=1e-14)


XOR_SEEDS = range(10)


@pytest.mark.parametrize("seed", XOR_SEEDS)
def test_xor_is_learned_for_every_seed(seed):
    """2-4-1, tanh hidden, sigmoid output, MSE, full-batch SGD lr=2.0, 1000 epochs."""
    X, y = bpcode.datasets.xor()
    model = Sequential([Dense(2, 4, rng=seed), Tanh(), Dense(4, 1, rng=1000 + seed), Sigmoid()])
    history = fit(model, MSELoss(), SGD(model, lr=2.0), X, y, epochs=1000)
    assert accuracy(y, model.forward(X)) == 1.0
    assert history.loss[-1] < 0.01 < history.loss[0]


def test_sgd_momentum_update_rule():
    layer = Dense(1, 1, rng=0)
    layer.W[:] = 1.0
    opt = SGD(layer, lr=0.1, momentum=0.9)
    layer.dW[:] = 2.0
    opt.step()                                   # v = -0.2, W = 0.8
    assert layer.W[0, 0] == pytest.approx(0.8)
    opt.step()                                   # v = 0.9 * -0.2 - 0.2 = -0.38, W = 0.42
    assert layer.W[0, 0] == pytest.approx(0.42)


@pytest.mark.parametrize("shape", [(3, 4), (300, 700), (1000, 140)])
@pytest.mark.parametrize("layout", ["C", "F"])
def test_add_scaled_is_bit_identical_to_the_one_line_update(shape, layout):
    """The chunked update (large contiguous arrays) and its fallback give exactly
    ``target += scale * x``, also when the array is not a multiple of the chunk."""
    from bpcode.optim import _CHUNK, add_scaled
    gen = np.random.default_rng(0)
    target = np.asarray(gen.standard_normal(shape), order=layout)
    x = np.asarray(gen.standard_normal(shape), order=layout)
    expected = target + (-0.37) * x
    before = target.copy()
    add_scaled(target, -0.37, x)
    np.testing.assert_array_equal(target, expected)
    assert not np.array_equal(target, before)
    if shape == (1000, 140) and layout == "C":
        assert target.size > 2 * _CHUNK and target.size % _CHUNK != 0   # several chunks + a tail


def test_sgd_on_a_large_layer_matches_the_textbook_rule():
    layer = Dense(512, 300, rng=0)                  # 153,600 weights: the chunked path
    layer.dW[:] = np.random.default_rng(1).standard_normal(layer.dW.shape)
    layer.db[:] = 1.0
    W0, b0 = layer.W.copy(), layer.b.copy()
    SGD(layer, lr=0.05).step()
    np.testing.assert_array_equal(layer.W, W0 - 0.05 * layer.dW)
    np.testing.assert_array_equal(layer.b, b0 - 0.05)
    opt = SGD(layer, lr=0.05, momentum=0.5)
    W1 = layer.W.copy()
    opt.step()
    opt.step()                                      # v2 = 0.5 * v1 - lr g = -1.5 lr g
    np.testing.assert_allclose(layer.W, W1 - 0.05 * layer.dW - 0.075 * layer.dW,
                               rtol=0, atol=1e-15)


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
        h = fit(model, SoftmaxCrossEntropy(), Adam(model, lr=0.01), X, y, epochs=5,
                batch_size=16, rng=3, validation_data=(X[:10], y[:10]), metric="accuracy")
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
    X, y = np.array([[1.0], [-1.0]]), np.array([[1.0], [0.0]])    # logits 0.2 and -0.2
    h = fit(layer, BinaryCrossEntropy(from_logits=True), SGD(layer, lr=1e-9), X, y,
            epochs=1, metric="accuracy")
    assert h.metric == [1.0]                   # at threshold 0.5 it would be 0.5


# Sequential lets Tanh and ReLU work in the arrays a neighbouring Dense layer hands them
# (its fresh output forwards, its fresh input gradient backwards) instead of allocating.

class PlainReLU(ReLU):
    """A subclass: Sequential must use its _forward/_backward, never the overwriting versions."""


class PlainTanh(Tanh):
    """As PlainReLU."""


def _two_nets(relu=ReLU, tanh=Tanh):
    return Sequential([Dense(4, 8, rng=0), relu(), Dense(8, 8, rng=1), tanh(), Dense(8, 3, rng=2)])


def _count_calls(monkeypatch, cls, name, counter):
    original = getattr(cls, name)

    def counted(self, *args):
        counter[name] = counter.get(name, 0) + 1
        return original(self, *args)
    monkeypatch.setattr(cls, name, counted)


@pytest.mark.parametrize("optimizer", [lambda m: SGD(m, lr=0.1, momentum=0.5),
                                       lambda m: Adam(m, lr=0.01)])
def test_overwriting_activations_train_bit_for_bit_like_the_allocating_ones(monkeypatch, optimizer):
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(40, 4)), rng.integers(0, 3, size=40)
    calls: dict[str, int] = {}
    for cls in (ReLU, Tanh):
        for name in ("_forward_overwrite", "_backward_overwrite"):
            _count_calls(monkeypatch, cls, name, calls)
    fast, plain = _two_nets(), _two_nets(PlainReLU, PlainTanh)
    h_fast = fit(fast, SoftmaxCrossEntropy(), optimizer(fast), X, y, epochs=3, batch_size=7, rng=0)
    n_fast = dict(calls)
    h_plain = fit(plain, SoftmaxCrossEntropy(), optimizer(plain), X, y, epochs=3, batch_size=7,
                  rng=0)
    # 3 epochs x 6 batches, 2 activations each (forwards: + 2 for fit's check of the data);
    # the subclasses never take the fast path
    assert n_fast == {"_forward_overwrite": 38, "_backward_overwrite": 36} == calls
    assert h_fast.loss == h_plain.loss
    for (_, a, _), (_, b, _) in zip(fast.parameters(), plain.parameters()):
        np.testing.assert_array_equal(a, b)


def test_overwriting_never_touches_the_callers_arrays():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(6, 5))
    for net in (Sequential([ReLU(), Dense(5, 4, rng=0), Tanh(), Dense(4, 4, rng=1), ReLU()]),
                Sequential([Tanh(), Dense(5, 4, rng=0), ReLU()])):
        reference = Sequential([PlainReLU() if type(layer) is ReLU else
                                PlainTanh() if type(layer) is Tanh else layer
                                for layer in net.layers])
        X_before = X.copy()
        out = net.forward(X)
        np.testing.assert_array_equal(X, X_before)          # a first activation copies
        G = rng.normal(size=out.shape)
        G_before = G.copy()
        grad_in = net.backward(G)
        np.testing.assert_array_equal(G, G_before)          # so does a last one
        np.testing.assert_array_equal(out, reference.forward(X))
        np.testing.assert_array_equal(grad_in, reference.backward(G))


def test_a_dense_subclass_keeps_its_output_untouched():
    class DenseKeepsOutput(Dense):
        def _forward(self, X):
            self.Z = super()._forward(X)
            return self.Z

    rng = np.random.default_rng(5)
    net = Sequential([DenseKeepsOutput(3, 6, rng=0), ReLU(), Dense(6, 2, rng=1)])
    net.forward(rng.normal(size=(10, 3)))
    assert net.layers[0].Z.min() < 0.0                      # still Z, not ReLU(Z)
    np.testing.assert_array_equal(net.layers[1]._A, np.maximum(net.layers[0].Z, 0.0))
