"""Self-attention and positional embeddings (bpcode.attention): gradients, masking, memory, errors.

Gradients are checked in float64 against central differences on random shapes, with the
attention weights both nearly flat and peaked. A relative error is only meaningful for a
gradient well above the finite differences' rounding noise (about 1e-10 per entry): with a
flat or a saturated softmax the gradients of Wq and Wk can be tiny (exactly 0 for T = 1),
so those are held to an absolute error instead.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bpcode
from bpcode import (
    Adam,
    Dense,
    Embedding,
    Layer,
    MSELoss,
    Residual,
    Sequential,
    SoftmaxCrossEntropy,
    gradient_check,
)
from bpcode.attention import PositionalEmbedding, SelfAttention, sinusoidal_positions

TOL = 1e-7
FLAT, PEAKED = 0.3, 2.5  # factors for Wq and Wk: the scores S scale with their square


def attention(d_model, *, causal=False, sharpness=1.0, seed=0):
    """A SelfAttention layer whose scores are ``sharpness``² times the usual ones."""
    layer = SelfAttention(d_model, causal=causal, rng=seed)
    layer.Wq = sharpness * layer.Wq
    layer.Wk = sharpness * layer.Wk
    return layer


def assert_gradients_agree(report):
    """Relative error < TOL for every gradient that finite differences can resolve."""
    for name, error in report.errors.items():
        if np.linalg.norm(report.analytic[name]) >= 1e-2:
            assert error < TOL, f"{name}\n{report}"
        else:  # below the resolution of a relative check: absolute agreement
            assert report.max_abs_errors[name] < 1e-9, f"{name}\n{report}"


class Flatten(Layer):
    """(n, T, k) -> (n, T * k): lets a per-position output meet a loss (test helper)."""

    _cache = ()

    def _forward(self, X):
        self._shape = X.shape
        return X.reshape(len(X), -1)

    def _backward(self, grad_out):
        return grad_out.reshape(self._shape)


# ------------------------------------------------------------------------- gradients
@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    n=st.integers(1, 3),
    T=st.integers(1, 6),
    d=st.integers(1, 6),
    causal=st.booleans(),
    sharpness=st.sampled_from([FLAT, 1.0, PEAKED]),
    seed=st.integers(0, 2**16),
)
def test_self_attention_gradients(n, T, d, causal, sharpness, seed):
    layer = attention(d, causal=causal, sharpness=sharpness, seed=seed)
    X = np.random.default_rng(seed + 1).standard_normal((n, T, d))
    report = gradient_check(layer, None, X)
    assert set(report.errors) == {"Wq", "Wk", "Wv", "Wo", "input"}
    assert_gradients_agree(report)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("sharpness", [FLAT, PEAKED])
def test_self_attention_gradients_flat_and_peaked(causal, sharpness):
    """Fixed cases, every gradient to 1e-7, and the weights are as flat/peaked as claimed."""
    layer = attention(4, causal=causal, sharpness=sharpness, seed=3)
    X = np.random.default_rng(4).standard_normal((3, 6, 4))
    report = gradient_check(layer, None, X)
    assert report.passed(TOL), str(report)
    layer.forward(X)
    rows = layer.weights[:, 2:]  # rows t >= 2: at least three positions to choose from
    if sharpness == FLAT:  # close to uniform over the positions each row may see
        allowed = np.tril(np.ones((6, 6)))[2:] if causal else np.ones((4, 6))
        uniform = allowed / allowed.sum(axis=1, keepdims=True)
        assert np.abs(rows - uniform).max() < 0.1
    else:  # most rows put most of their weight on one position, some nearly all
        assert np.median(rows.max(axis=-1)) > 0.6 and rows.max() > 0.99


# ------------------------------------------------------------------ forward: meaning
def test_single_position_is_a_linear_map():
    """With T = 1 the only weight is 1: Y = X Wv Wo, and Q, K have no influence."""
    layer = SelfAttention(3, rng=0)
    X = np.random.default_rng(1).standard_normal((4, 1, 3))
    np.testing.assert_allclose(layer.forward(X), X @ layer.Wv @ layer.Wo, rtol=1e-13)
    assert np.array_equal(layer.weights, np.ones((4, 1, 1)))


def test_forward_matches_the_equations_sample_by_sample():
    layer = SelfAttention(5, causal=True, rng=2)
    X = np.random.default_rng(3).standard_normal((3, 4, 5))
    Y = layer.forward(X)
    for i in range(3):  # the plain per-sample equations, with a loop, as a reference
        Q, K, V = X[i] @ layer.Wq, X[i] @ layer.Wk, X[i] @ layer.Wv
        S = Q @ K.T / np.sqrt(5)
        S[np.triu_indices(4, k=1)] = -np.inf
        A = np.exp(S - S.max(axis=1, keepdims=True))
        A /= A.sum(axis=1, keepdims=True)
        np.testing.assert_allclose(layer.weights[i], A, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(Y[i], A @ V @ layer.Wo, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("causal", [False, True])
def test_weights_are_read_only_rows_summing_to_one(causal):
    layer = SelfAttention(4, causal=causal, rng=0)
    layer.forward(np.random.default_rng(1).standard_normal((2, 5, 4)))
    A = layer.weights
    assert A.shape == (2, 5, 5)
    np.testing.assert_allclose(A.sum(axis=-1), 1.0, rtol=1e-14)
    assert (A >= 0).all()
    above = np.triu(np.ones((5, 5), dtype=bool), k=1)
    if causal:  # exactly 0 above the diagonal; the first position sees only itself
        assert np.array_equal(A[:, above], np.zeros((2, 10)))
        assert np.array_equal(A[:, 0, 0], np.ones(2))
    else:
        assert (A[:, above] > 0).all()
    with pytest.raises(ValueError, match="read-only"):
        A[0, 0, 0] = 0.5


def test_causal_output_ignores_later_inputs_exactly():
    layer = SelfAttention(4, causal=True, rng=0)
    rng = np.random.default_rng(1)
    X = rng.standard_normal((3, 6, 4))
    Y = layer.forward(X).copy()
    for t in range(5):
        changed = X.copy()
        changed[:, t + 1 :] = 100.0 * rng.standard_normal((3, 5 - t, 4))
        Y2 = layer.forward(changed)
        assert np.array_equal(Y2[:, : t + 1], Y[:, : t + 1])  # bit for bit
        assert not np.allclose(Y2[:, t + 1 :], Y[:, t + 1 :])


def test_non_causal_output_depends_on_later_inputs():
    layer = SelfAttention(4, causal=False, rng=0)
    X = np.random.default_rng(1).standard_normal((2, 3, 4))
    Y = layer.forward(X).copy()
    X[:, 2] += 1.0
    assert not np.allclose(layer.forward(X)[:, 0], Y[:, 0])


def test_causal_gradient_flows_only_backwards_in_time():
    """∂Y[t]/∂X[s] = 0 for s > t: a gradient at position 0 only reaches input 0."""
    layer = SelfAttention(3, causal=True, rng=0)
    X = np.random.default_rng(1).standard_normal((2, 4, 3))
    layer.forward(X)
    dY = np.zeros((2, 4, 3))
    dY[:, 0] = 1.0
    dX = layer.backward(dY)
    assert np.array_equal(dX[:, 1:], np.zeros((2, 3, 3)))
    assert np.abs(dX[:, 0]).min() > 0


def test_permuting_positions_permutes_the_output():
    """Without positional information, (non-causal) attention ignores order."""
    layer = SelfAttention(4, rng=0)
    X = np.random.default_rng(1).standard_normal((2, 5, 4))
    order = np.array([3, 0, 4, 1, 2])
    Y = layer.forward(X).copy()
    np.testing.assert_allclose(layer.forward(X[:, order]), Y[:, order], rtol=1e-12)


def test_huge_scores_stay_finite():
    """Scores of about 1e6: the row max is subtracted, so no overflow and no NaN."""
    layer = attention(3, sharpness=1e3, seed=0)
    X = np.random.default_rng(1).standard_normal((2, 4, 3))
    Y = layer.forward(X)  # RuntimeWarnings from bpcode are errors in the test suite
    assert np.isfinite(Y).all()
    assert set(np.unique(layer.weights.round(12))) <= {0.0, 1.0}
    assert np.isfinite(layer.backward(np.ones_like(Y))).all()


def test_sequence_length_may_change_between_calls():
    layer = SelfAttention(2, rng=0)
    for T in (1, 7, 3):
        assert layer.forward(np.ones((2, T, 2))).shape == (2, T, 2)
        assert layer.weights.shape == (2, T, T)


def test_parameter_gradients_only_match_backward():
    layer = SelfAttention(3, causal=True, rng=0)
    X = np.random.default_rng(1).standard_normal((2, 4, 3))
    dY = np.random.default_rng(2).standard_normal((2, 4, 3))
    layer.forward(X)
    layer.backward(dY)
    full = [g.copy() for _, _, g in layer.parameters()]
    assert layer.backward(dY, input_grad=False) is None
    for g, (name, _, g2) in zip(full, layer.parameters()):
        assert np.array_equal(g, g2), name


# ------------------------------------------------------------------------- memory
def test_cached_arrays_and_weights():
    n, T, d = 3, 5, 4
    layer = SelfAttention(d, rng=0)
    assert layer.cached_arrays() == [] and layer.weights is None
    X = np.random.default_rng(1).standard_normal((n, T, d))
    layer.forward(X)
    cached = layer.cached_arrays()
    assert [a.shape for a in cached] == [(n, T, d)] * 4 + [(n, T, T)]  # X, Q, K, V, P
    np.testing.assert_array_equal(cached[0], X)
    assert cached[0] is not X  # a private copy
    np.testing.assert_allclose(cached[1], X @ layer.Wq, rtol=1e-14)
    assert cached[4] is layer.weights
    assert sum(a.nbytes for a in cached) == 8 * n * (4 * T * d + T * T)
    layer.clear_cache()
    assert layer.cached_arrays() == [] and layer.weights is None
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.zeros((n, T, d)))


def test_attention_memory_grows_with_the_square_of_T():
    layer = SelfAttention(2, rng=0)
    layer.forward(np.ones((1, 100, 2)))
    sizes = {a.shape: a.nbytes for a in layer.cached_arrays()}
    assert sizes[(1, 100, 100)] == 8 * 100 * 100  # 25 times the input's 8 * 100 * 2


# ---------------------------------------------------------------- positional embedding
@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    n=st.integers(1, 3),
    T=st.integers(1, 5),
    d=st.integers(1, 4),
    seed=st.integers(0, 2**16),
)
def test_positional_embedding_gradients(n, T, d, seed):
    layer = PositionalEmbedding(5, d, rng=seed)
    X = np.random.default_rng(seed + 1).standard_normal((n, T, d))
    report = gradient_check(layer, None, X)
    assert set(report.errors) == {"P", "input"}
    assert report.passed(TOL), str(report)


def test_positional_embedding_forward_and_backward():
    layer = PositionalEmbedding(6, 3, rng=0)
    X = np.random.default_rng(1).standard_normal((2, 4, 3))
    np.testing.assert_array_equal(layer.forward(X), X + layer.P[:4])
    dY = np.random.default_rng(2).standard_normal((2, 4, 3))
    assert np.array_equal(layer.backward(dY), dY)  # dX = dY
    np.testing.assert_array_equal(layer.dP[:4], dY[0] + dY[1])  # Σ over samples
    assert np.array_equal(layer.dP[4:], np.zeros((2, 3)))  # unused rows get no gradient
    assert layer.cached_arrays() == []  # nothing to keep


def test_sinusoidal_layer_has_no_parameters():
    layer = PositionalEmbedding(10, 4, kind="sinusoidal")
    assert layer.parameters() == []
    np.testing.assert_array_equal(layer.P, sinusoidal_positions(10, 4))
    X = np.random.default_rng(0).standard_normal((2, 7, 4))
    np.testing.assert_array_equal(layer.forward(X), X + layer.P[:7])
    report = gradient_check(layer, None, X)
    assert set(report.errors) == {"input"} and report.passed(TOL)
    learned = PositionalEmbedding(10, 4)
    assert [name for name, _, _ in learned.parameters()] == ["P"]


def test_sinusoidal_positions_values():
    P = sinusoidal_positions(50, 6)
    assert P.shape == (50, 6)
    np.testing.assert_array_equal(P[0], [0, 1, 0, 1, 0, 1])  # sin 0, cos 0
    t, i = 7, 2  # columns 4 and 5 turn at frequency 1 / 10000^(4/6)
    np.testing.assert_allclose(P[t, 2 * i], np.sin(t / 10000 ** (2 * i / 6)))
    np.testing.assert_allclose(P[t, 2 * i + 1], np.cos(t / 10000 ** (2 * i / 6)))
    np.testing.assert_allclose(P[:, ::2] ** 2 + P[:, 1::2] ** 2, 1.0)  # sin² + cos² = 1
    assert sinusoidal_positions(3, 5).shape == (3, 5)  # odd width ends with a sine
    np.testing.assert_array_equal(
        sinusoidal_positions(3, 5)[:, 4], np.sin(np.arange(3) / 10000**0.8)
    )


# ------------------------------------------------------------------- in a network
def attention_model(vocab=5, d=4, T=6, seed=0):
    return Sequential(
        [
            Embedding(vocab, d, concatenate=False, rng=seed),
            PositionalEmbedding(T, d, rng=seed + 1),
            Residual(SelfAttention(d, causal=True, rng=seed + 2)),
            Dense(d, 1, rng=seed + 3),  # per position
            Flatten(),
        ]
    )


def test_gradient_check_of_a_network_on_token_ids():
    model = attention_model()
    ids = np.random.default_rng(0).integers(0, 5, size=(3, 6))
    report = gradient_check(model, None, ids)  # no input gradient for token ids
    attention_names = {f"2.{name}" for name in ("Wq", "Wk", "Wv", "Wo")}
    assert set(report.errors) == {"0.E", "1.P", *attention_names, "3.W", "3.b"}
    assert report.passed(TOL), str(report)
    y = np.random.default_rng(1).standard_normal((3, 6))
    report = gradient_check(model, MSELoss(), ids, y)
    assert report.passed(TOL), str(report)


def test_network_learns_a_running_mean():
    """Target at position t: the mean of a value per token over positions 0..t (causal)."""
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 5, size=(64, 6))
    value = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    y = np.cumsum(value[ids], axis=1) / np.arange(1, 7)
    model = attention_model()
    history = bpcode.fit(
        model, MSELoss(), Adam(model, lr=0.02), ids, y, epochs=60, batch_size=16, rng=0
    )
    assert history.loss[-1] < 0.1 * history.loss[0]


def language_model(vocab=6, d=8, T=5, seed=0):
    """Token ids (n, T) -> logits (n, T, vocab) for the next token at every position."""
    return Sequential(
        [
            Embedding(vocab, d, concatenate=False, rng=seed),
            PositionalEmbedding(T, d, rng=seed + 1),
            Residual(SelfAttention(d, causal=True, rng=seed + 2)),
            Dense(d, vocab, rng=seed + 3),
        ]
    )


def test_language_model_copies_the_first_token():
    """Every position must output the first token: attention to position 0 (found through
    the positional embedding) solves it; a position alone would guess (1 in 6)."""
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 6, size=(128, 5))
    y = np.repeat(ids[:, :1], 5, axis=1)  # labels (n, T)
    model, loss = language_model(), SoftmaxCrossEntropy()
    report = gradient_check(model, loss, ids[:3], y[:3])
    assert report.passed(TOL), str(report)
    adam = Adam(model, lr=0.02)
    history = bpcode.fit(model, loss, adam, ids, y, epochs=40, batch_size=32, rng=0)
    assert history.loss[-1] < 0.01 * history.loss[0]
    assert np.array_equal(model.forward(ids).argmax(axis=-1), y)
    A = model[2].layer.weights  # of that last pass
    assert np.median(A[:, 1:, 0]) > 0.9  # every position looks at position 0


# ------------------------------------------------------------------- clear errors
@pytest.mark.parametrize(
    "shape, fragments",
    [
        ((3, 4), ["SelfAttention(d_model=4)", "(n_samples, T, d_model=4)", "(3, 4)"]),
        ((2, 3, 5), ["d_model=4", "(2, 3, 5)"]),
        ((2, 0, 4), ["empty", "(2, 0, 4)"]),
        ((1, 2, 3, 4), ["(1, 2, 3, 4)"]),
    ],
)
def test_self_attention_rejects_wrong_shapes(shape, fragments):
    with pytest.raises(ValueError) as info:
        SelfAttention(4, rng=0).forward(np.ones(shape))
    for fragment in fragments:
        assert fragment in str(info.value)
    # an empty sequence between layers of a network is named as such
    assert "T = 0" in SelfAttention(4)._input_error((2, 0, 4))


def test_positional_embedding_rejects_too_long_and_wrong_inputs():
    layer = PositionalEmbedding(4, 3, rng=0)
    with pytest.raises(ValueError, match=r"max_len=4.*\(2, 5, 3\).*T = 5"):
        layer.forward(np.ones((2, 5, 3)))
    with pytest.raises(ValueError, match=r"d_model=3.*\(2, 3\)"):
        layer.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"empty.*\(2, 0, 3\)"):
        layer.forward(np.ones((2, 0, 3)))
    model = Sequential([Embedding(5, 3, concatenate=False, rng=0), layer])
    with pytest.raises(ValueError, match=r"layer 1 PositionalEmbedding.*T = 6"):
        model.forward(np.zeros((1, 6), dtype=int))


@pytest.mark.parametrize(
    "make, error, fragments",
    [
        (lambda: SelfAttention(0), ValueError, ["SelfAttention", "d_model", "0"]),
        (lambda: SelfAttention(2.5), ValueError, ["d_model", "2.5"]),
        (lambda: SelfAttention(4, causal="yes"), TypeError, ["causal", "'yes'"]),
        (
            lambda: SelfAttention(4, rng="seed"),
            TypeError,
            ["SelfAttention", "rng", "str"],
        ),
        (lambda: PositionalEmbedding(0, 4), ValueError, ["max_len", "0"]),
        (lambda: PositionalEmbedding(4, -1), ValueError, ["d_model", "-1"]),
        (
            lambda: PositionalEmbedding(4, 2, kind="rope"),
            ValueError,
            ["kind", "sinusoidal", "'rope'"],
        ),
        (
            lambda: sinusoidal_positions(0, 4),
            ValueError,
            ["sinusoidal_positions", "T", "0"],
        ),
    ],
)
def test_constructor_errors(make, error, fragments):
    with pytest.raises(error) as info:
        make()
    for fragment in fragments:
        assert fragment in str(info.value)


def test_misuse_in_networks_and_of_parameters():
    with pytest.raises(
        ValueError, match=r"SelfAttention\(d_model=4\).*\(n_samples, 3\)"
    ):
        Sequential([Dense(2, 3), SelfAttention(4)])  # widths checked when built
    with pytest.raises(ValueError, match=r"Dense\(5 -> 1\).*\(n_samples, 4\)"):
        Sequential([SelfAttention(4), Dense(5, 1)])
    layer = SelfAttention(4, rng=0)
    with pytest.raises(ValueError, match=r"Wq must have shape \(4, 4\)"):
        layer.Wq = np.ones((4, 3))
    layer.forward(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match=r"grad_out.*\(2, 3, 4\).*\(2, 4, 4\)"):
        layer.backward(np.ones((2, 4, 4)))


def test_reprs():
    assert repr(SelfAttention(8)) == "SelfAttention(d_model=8)"
    assert repr(SelfAttention(8, causal=True)) == "SelfAttention(d_model=8, causal)"
    assert (
        repr(PositionalEmbedding(16, 8)) == "PositionalEmbedding(max_len=16, d_model=8)"
    )
    assert (
        repr(PositionalEmbedding(16, 8, kind="sinusoidal"))
        == "PositionalEmbedding(max_len=16, d_model=8, sinusoidal)"
    )
