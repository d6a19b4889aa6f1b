"""RNN and LSTM (bpcode.recurrent): gradients, truncated BPTT, checks, memory, networks.

Full backpropagation through time is gradient-checked against finite differences. Truncated
BPTT is not the gradient of the loss, so it is checked against its definition: the exact
gradient of a surrogate in which each output h_t is recomputed from the state ``truncate``
steps earlier, held constant (written out below with its own plain-NumPy steps and
differentiated by finite differences).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpcode import (
    Adam,
    Dense,
    Embedding,
    Layer,
    MSELoss,
    Sequential,
    Tanh,
    fit,
    gradient_check,
    numerical_gradient,
    relative_error,
)
from bpcode.recurrent import LSTM, RNN

TOL = 1e-7
LAYERS = {"RNN": RNN, "LSTM": LSTM}


# ----------------------------------------------------------------- a reference in NumPy
def rnn_step(x, h, c, Wx, Wh, b):
    """h_t = tanh(x_t Wx + h_{t−1} Wh + b); the RNN has no cell (c stays None)."""
    return np.tanh(x @ Wx + h @ Wh + b), c


def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))  # the tests' pre-activations are small


def lstm_step(x, h, c, Wx, Wh, b):
    """One LSTM step, gates i, f, g, o in PyTorch's order."""
    z = x @ Wx + h @ Wh + b
    z_i, z_f, z_g, z_o = np.split(z, 4, axis=1)
    i, f, g, o = sigmoid(z_i), sigmoid(z_f), np.tanh(z_g), sigmoid(z_o)
    c = f * c + i * g
    return o * np.tanh(c), c


STEPS = {"RNN": rnn_step, "LSTM": lstm_step}


def reference_states(kind, layer, X):
    """Every (h_t, c_t) of the forward pass, step by step."""
    n, T, _ = X.shape
    h = np.zeros((n, layer.n_hidden))
    c = np.zeros((n, layer.n_hidden)) if kind == "LSTM" else None
    states = []
    for t in range(T):
        h, c = STEPS[kind](X[:, t], h, c, layer.Wx, layer.Wh, layer.b)
        states.append((h, c))
    return states


def truncated_surrogate(kind, layer, X, R, k, frozen, E=None):
    """Σ_t R_t · h_t with each h_t recomputed from the state k steps earlier held fixed.

    ``frozen`` holds the states of the forward pass (constants); the recomputation uses the
    current weights and X, so the gradient of this function is truncated BPTT (k=None: full).
    With ``E``, E[:, s] is added to the recomputed h_s: ∂/∂E[:, s] is what reaches h_s.
    """
    n, T, _ = X.shape
    total = 0.0
    for t in range(T):
        start = (
            0 if k is None else max(0, t - k + 1)
        )  # the steps the gradient goes through
        if start == 0:
            h = np.zeros((n, layer.n_hidden))
            c = np.zeros((n, layer.n_hidden)) if kind == "LSTM" else None
        else:
            h, c = frozen[start - 1]
        for s in range(start, t + 1):
            h, c = STEPS[kind](X[:, s], h, c, layer.Wx, layer.Wh, layer.b)
            if E is not None:
                h = h + E[:, s]
        total += float(np.sum(R[:, t] * h))
    return total


def reference_gradients(kind, layer, X, R, k):
    """Finite-difference gradients of the truncated surrogate for Wx, Wh, b and X."""
    frozen = reference_states(kind, layer, X)
    X = X.copy()  # perturbed in place

    def f():
        return truncated_surrogate(kind, layer, X, R, k, frozen)

    grads = {name: numerical_gradient(f, getattr(layer, name)) for name in layer.params}
    grads["input"] = numerical_gradient(f, X)
    return grads


def make_layer(kind, n_in, n_hidden, *, seed=0, scale=1.0, truncate=None):
    """A layer whose weights are ``scale`` times PyTorch's initialisation."""
    layer = LAYERS[kind](n_in, n_hidden, rng=seed, truncate=truncate)
    for name in layer.params:
        setattr(layer, name, scale * getattr(layer, name))
    return layer


shapes = st.fixed_dictionaries(
    {
        "n": st.integers(1, 3),
        "T": st.integers(1, 5),
        "n_in": st.integers(1, 3),
        "n_hidden": st.integers(1, 3),
        "scale": st.sampled_from([0.5, 1.5, 3.0]),  # 3: many tanh units saturate
        "seed": st.integers(0, 2**16),
    }
)


# --------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("kind", ["RNN", "LSTM"])
@settings(max_examples=15, deadline=None)
@given(s=shapes, truncate=st.sampled_from([None, 5, 7]))
def test_full_bptt_passes_gradient_check(kind, s, truncate):
    # truncate >= T is full BPTT; T runs up to 5
    layer = make_layer(
        kind,
        s["n_in"],
        s["n_hidden"],
        seed=s["seed"],
        scale=s["scale"],
        truncate=truncate,
    )
    X = np.random.default_rng(s["seed"]).normal(size=(s["n"], s["T"], s["n_in"]))
    report = gradient_check(layer, None, X, seed=s["seed"])
    assert set(report.errors) == {"Wx", "Wh", "b", "input"}
    # saturated units (large scale, one hidden unit) can leave gradients of ~1e-8, where
    # finite differences carry ~1e-12 of rounding noise: agreement to 1e-9 is all there is
    assert report.passed(TOL, atol=1e-9), str(report)


@pytest.mark.parametrize("kind", ["RNN", "LSTM"])
@settings(max_examples=10, deadline=None)
@given(s=shapes, truncate=st.sampled_from([None, 1, 2, 3]))
def test_truncated_bptt_is_the_gradient_of_the_surrogate(kind, s, truncate):
    layer = make_layer(
        kind,
        s["n_in"],
        s["n_hidden"],
        seed=s["seed"],
        scale=s["scale"],
        truncate=truncate,
    )
    rng = np.random.default_rng(s["seed"] + 1)
    X = rng.normal(size=(s["n"], s["T"], s["n_in"]))
    R = rng.normal(size=(s["n"], s["T"], s["n_hidden"]))
    layer.forward(X)
    analytic = {"input": layer.backward(R)}
    analytic.update({name: grad for name, _, grad in layer.parameters()})
    numeric = reference_gradients(kind, layer, X, R, truncate)
    for name in numeric:
        err = relative_error(analytic[name], numeric[name])
        # as in the gradient check above: a saturated unit can leave a gradient of ~1e-5,
        # where the finite differences carry ~1e-11 of rounding noise
        close = np.allclose(analytic[name], numeric[name], rtol=0.0, atol=1e-9)
        assert err < TOL or close, f"{layer!r}, {name}: relative error {err:.1e}"


@pytest.mark.parametrize("kind", ["RNN", "LSTM"])
def test_truncation_on_a_small_case(kind):
    """T = 4, k = 2: the surrogate's gradient, which differs from the full one."""
    rng = np.random.default_rng(7)
    X, R = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 4, 2))
    grads = {}
    for k in (None, 1, 2, 4, 9):
        layer = make_layer(kind, 3, 2, seed=3, scale=2.0, truncate=k)
        assert np.array_equal(
            layer.forward(X), make_layer(kind, 3, 2, seed=3, scale=2.0)(X)
        )
        dX = layer.backward(R)
        grads[k] = (dX, layer.dWx, layer.dWh, layer.db)
        numeric = reference_gradients(kind, layer, X, R, k)
        for name, analytic in zip(("input", "Wx", "Wh", "b"), grads[k]):
            err = relative_error(analytic, numeric[name])
            assert err < TOL, f"truncate={k}, {name}: relative error {err:.1e}"
    for full, same in zip(grads[None], grads[4]):  # k >= T: full BPTT
        np.testing.assert_allclose(same, full, rtol=1e-12, atol=1e-14)
    for full, same in zip(grads[None], grads[9]):
        np.testing.assert_allclose(same, full, rtol=1e-12, atol=1e-14)
    for full, truncated in zip(grads[None], grads[2]):  # k < T: a different gradient
        assert relative_error(truncated, full) > 1e-3
    # k = 1: nothing goes back through the recurrence; the input of the last step gets
    # only its own output's gradient, the same as under full BPTT
    np.testing.assert_allclose(grads[1][0][:, -1], grads[None][0][:, -1], rtol=1e-12)


def test_rnn_truncate_1_by_hand():
    """truncate=1: δ_t = g_t ⊙ (1 − h_t²), nothing carried; the sums over t as usual."""
    rng = np.random.default_rng(2)
    X, R = rng.normal(size=(3, 5, 2)), rng.normal(size=(3, 5, 4))
    layer = RNN(2, 4, rng=1, truncate=1)
    H = np.array(layer.forward(X))
    dX = layer.backward(R)
    D = R * (1.0 - H**2)
    H_prev = np.concatenate([np.zeros((3, 1, 4)), H[:, :-1]], axis=1)
    np.testing.assert_allclose(dX, D @ layer.Wx.T, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(layer.dWx, np.einsum("nti,ntj->ij", X, D), rtol=1e-13)
    np.testing.assert_allclose(
        layer.dWh, np.einsum("nti,ntj->ij", H_prev, D), rtol=1e-13
    )
    np.testing.assert_allclose(layer.db, D.sum(axis=(0, 1)), rtol=1e-13)


@pytest.mark.parametrize("kind", ["RNN", "LSTM"])
def test_forward_matches_the_step_by_step_reference(kind):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(4, 6, 3))
    layer = make_layer(kind, 3, 5, seed=4, scale=2.0)
    expected = np.stack([h for h, _ in reference_states(kind, layer, X)], axis=1)
    np.testing.assert_allclose(layer.forward(X), expected, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("kind", ["RNN", "LSTM"])
def test_parameter_gradients_without_the_input_gradient(kind):
    rng = np.random.default_rng(5)
    X, R = rng.normal(size=(3, 4, 2)), rng.normal(size=(3, 4, 3))
    layer = make_layer(kind, 2, 3, truncate=2)
    layer.forward(X)
    layer.backward(R)
    expected = [grad.copy() for _, _, grad in layer.parameters()]
    assert layer.backward(R, input_grad=False) is None
    for (name, _, grad), want in zip(layer.parameters(), expected):
        np.testing.assert_array_equal(grad, want, err_msg=name)


# ------------------------------------------------------------------------ grad_norms
@pytest.mark.parametrize("kind", ["RNN", "LSTM"])
@pytest.mark.parametrize("truncate", [None, 2])
def test_grad_norms_are_the_norms_of_dL_dh(kind, truncate):
    rng = np.random.default_rng(6)
    X, R = rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 5, 4))
    layer = make_layer(kind, 3, 4, seed=8, scale=1.5, truncate=truncate)
    layer.forward(X)
    layer.backward(R)
    assert layer.grad_norms is None  # off by default
    layer.track_grad_norms = True
    layer.forward(X)
    layer.backward(R)
    # ∂𝓛/∂h_t: the derivative with respect to a term E_t added to h_t
    frozen = reference_states(kind, layer, X)
    E = np.zeros((2, 5, 4))
    dE = numerical_gradient(
        lambda: truncated_surrogate(kind, layer, X, R, truncate, frozen, E), E
    )
    expected = np.linalg.norm(dE, axis=(0, 2))
    assert layer.grad_norms.shape == (5,)
    np.testing.assert_allclose(layer.grad_norms, expected, rtol=1e-7)
    # the last step gets only its own output's gradient
    assert layer.grad_norms[-1] == pytest.approx(np.linalg.norm(R[:, -1]), rel=1e-12)


def test_grad_norms_show_the_vanishing_gradient():
    """Loss on the last output only, small recurrent weights: the norms fall going back."""
    rng = np.random.default_rng(9)
    X = rng.normal(size=(8, 12, 3))
    layer = RNN(3, 6, rng=0, track_grad_norms=True)
    layer.Wh = 0.3 * layer.Wh
    R = np.zeros((8, 12, 6))
    R[:, -1] = 1.0
    layer.forward(X)
    layer.backward(R)
    assert np.all(np.diff(layer.grad_norms) > 0)  # grows toward the end = decays back
    assert layer.grad_norms[0] < 1e-3 * layer.grad_norms[-1]


# ------------------------------------------------------------------------------ memory
@pytest.mark.parametrize("kind", ["RNN", "LSTM"])
def test_cached_arrays(kind):
    layer = LAYERS[kind](3, 5, rng=0)
    assert layer.cached_arrays() == []
    out = layer.forward(np.ones((2, 7, 3)))
    cached = layer.cached_arrays()
    shapes = [a.shape for a in cached]
    if kind == "RNN":
        assert shapes == [(2, 7, 3), (2, 7, 5)]  # X and every h_t
    else:
        assert shapes == [(2, 7, 3), (2, 7, 5), (2, 7, 5), (2, 7, 20)]  # X, H, C, gates
    assert cached[1] is out  # the output is the cached H, not a copy
    assert not out.flags.writeable
    layer.clear_cache()
    assert layer.cached_arrays() == []
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.ones((2, 7, 5)))


def test_the_input_is_copied():
    X = np.ones((2, 3, 2))
    layer = RNN(2, 3, rng=0)
    layer.forward(X)
    X[:] = 5.0
    assert np.all(layer.cached_arrays()[0] == 1.0)


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("kind", ["RNN", "LSTM"])
def test_input_shape_errors(kind):
    layer = LAYERS[kind](3, 4, rng=0)
    with pytest.raises(ValueError, match=r"\(n_samples, T, 3\).*shape \(2, 3\).*2-D"):
        layer.forward(np.ones((2, 3)))
    with pytest.raises(
        ValueError, match=r"shape \(2, 5, 4\).*4 features.*instead of 3"
    ):
        layer.forward(np.ones((2, 5, 4)))
    with pytest.raises(ValueError, match=r"shape \(1, 2, 5, 3\).*4-D"):
        layer.forward(np.ones((1, 2, 5, 3)))
    with pytest.raises(ValueError, match=rf"{kind}\(3 -> 4\).*empty.*\(2, 0, 3\)"):
        layer.forward(np.ones((2, 0, 3)))  # T = 0
    # the layer's own check of the shape says what is wrong with T = 0
    assert "T = 0" in layer._input_error((2, 0, 3))
    with pytest.raises(TypeError, match="dtype"):
        layer.forward(np.array([[["a"] * 3]]))
    layer.forward(np.ones((2, 5, 3)))
    with pytest.raises(ValueError, match=r"grad_out.*\(2, 5, 4\).*\(2, 5, 3\)"):
        layer.backward(np.ones((2, 5, 3)))


@pytest.mark.parametrize("kind", ["RNN", "LSTM"])
@pytest.mark.parametrize(
    "kwargs, error, fragment",
    [
        ({"n_in": 0}, ValueError, "n_in.*positive integer.*0"),
        ({"n_hidden": 2.5}, ValueError, "n_hidden.*positive integer.*2.5"),
        ({"truncate": 0}, ValueError, r"\(3 -> 4\).*truncate.*positive integer.*0"),
        ({"truncate": True}, ValueError, "truncate.*True"),
        ({"truncate": 2.0}, ValueError, "truncate.*2.0"),
        ({"track_grad_norms": "yes"}, TypeError, "track_grad_norms.*'yes'"),
        ({"rng": -1}, ValueError, "rng.*-1"),
    ],
)
def test_argument_errors(kind, kwargs, error, fragment):
    args = {"n_in": 3, "n_hidden": 4, **kwargs}
    n_in, n_hidden = args.pop("n_in"), args.pop("n_hidden")
    with pytest.raises(error, match=f"{kind}.*{fragment}"):
        LAYERS[kind](n_in, n_hidden, **args)


def test_parameter_assignment_is_checked():
    layer = LSTM(3, 4, rng=0)
    with pytest.raises(ValueError, match=r"LSTM\(3 -> 4\)\.Wh.*\(4, 16\).*\(4, 4\)"):
        layer.Wh = np.zeros((4, 4))


def test_repr():
    assert repr(RNN(3, 4)) == "RNN(3 -> 4)"
    assert repr(LSTM(3, 4, truncate=5)) == "LSTM(3 -> 4, truncate=5)"


def test_pytorch_like_initialisation():
    layer = LSTM(50, 25, rng=0)
    assert layer.Wx.shape == (50, 100) and layer.Wh.shape == (25, 100)
    assert layer.b.shape == (100,)
    for W in (layer.Wx, layer.Wh, layer.b):
        assert np.abs(W).max() <= 0.2 and np.abs(W).max() > 0.19  # 1/√25
    np.testing.assert_array_equal(LSTM(50, 25, rng=0).Wh, layer.Wh)  # seeded


# ------------------------------------------------------------------ inside a network
@pytest.mark.parametrize("kind", ["RNN", "LSTM"])
def test_embedding_recurrent_dense_network(kind):
    model = Sequential(
        [
            Embedding(7, 3, rng=0, concatenate=False),
            LAYERS[kind](3, 4, rng=1),
            Dense(4, 5, rng=2),  # applied at every step
        ]
    )
    ids = np.random.default_rng(3).integers(0, 7, size=(3, 6))
    assert model.forward(ids).shape == (3, 6, 5)
    report = gradient_check(model, None, ids)
    assert set(report.errors) == {"0.E", "1.Wx", "1.Wh", "1.b", "2.W", "2.b"}
    assert report.passed(TOL), str(report)


def test_stacked_recurrent_layers():
    model = Sequential([RNN(2, 3, rng=0), LSTM(3, 4, rng=1, truncate=9), Tanh()])
    X = np.random.default_rng(1).normal(size=(2, 5, 2))
    report = gradient_check(model, None, X)
    assert report.passed(TOL), str(report)


def test_sequential_checks_widths():
    with pytest.raises(ValueError, match=r"layer 1 RNN\(4 -> 2\).*4.*got.*3"):
        Sequential([Embedding(7, 3, concatenate=False), RNN(4, 2)])
    with pytest.raises(ValueError, match=r"layer 1 Dense\(5 -> 1\).*5.*got.*2"):
        Sequential([LSTM(3, 2), Dense(5, 1)])
    model = Sequential([Embedding(7, 3), RNN(6, 2)])  # concatenated: 2-D
    with pytest.raises(ValueError, match=r"layer 1 RNN\(6 -> 2\).*2-D"):
        model.forward(np.zeros((4, 2), dtype=int))


class LastStep(Layer):
    """The output of the last time step, (n, T, d) -> (n, d) (for a many-to-one test)."""

    _cache = ("_shape",)

    def _forward(self, X):
        self._shape = X.shape
        return X[:, -1]

    def _backward(self, grad_out):
        grad = np.zeros(self._shape)
        grad[:, -1] = grad_out
        return grad


@pytest.mark.parametrize("kind", ["RNN", "LSTM"])
def test_fit_learns_to_remember_the_first_input(kind):
    """Many-to-one: y = the first of T = 5 inputs; the gradient must reach step 1."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 5, 1))
    y = X[:, 0]
    model = Sequential([LAYERS[kind](1, 8, rng=1), LastStep(), Dense(8, 1, rng=2)])
    optimizer = Adam(model, lr=0.02)
    history = fit(model, MSELoss(), optimizer, X, y, epochs=100, batch_size=16, rng=0)
    assert history.loss[-1] < 0.1 * history.loss[0]
