"""PyTorch computes what bpcode.attention computes, in float64, to 1e-10.

The reference is written with torch operations and differentiated by autograd: the Q, K, V
products, the scaled scores, the causal mask (``torch.triu(..., diagonal=1)`` -> −inf) and
``torch.softmax``; and once more with ``scaled_dot_product_attention``, which uses the same
1/√d_model scale. Forward output, input gradient and the four weight gradients must agree.
Skipped when PyTorch is not installed (``pip install -r requirements-frameworks.txt``).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpcode import Dense, Embedding, MSELoss, Residual, Sequential
from bpcode.attention import PositionalEmbedding, SelfAttention, sinusoidal_positions

TOL = 1e-10
NAMES = ("Wq", "Wk", "Wv", "Wo")
MAX_DIFF: dict[
    str, float
] = {}  # largest difference seen per quantity (printed with -s)


@pytest.fixture(scope="module", autouse=True)
def report_largest_differences():
    """After the module (shown with -s): the largest difference from PyTorch per quantity.
    PyTorch itself, in float64, comes from the ``torch`` fixture of tests/unit/conftest.py."""
    yield
    print(
        "\nlargest differences from PyTorch:",
        {k: f"{v:.1e}" for k, v in MAX_DIFF.items()},
    )


def assert_close(actual, expected, what: str) -> None:
    """|actual − expected| <= TOL · max(1, max |expected|), entry by entry."""
    expected = expected.detach().numpy() if hasattr(expected, "detach") else expected
    assert actual.shape == expected.shape, f"{what}: {actual.shape} != {expected.shape}"
    diff = float(np.max(np.abs(actual - expected)))
    MAX_DIFF[what] = max(MAX_DIFF.get(what, 0.0), diff)
    assert diff <= TOL * max(1.0, float(np.max(np.abs(expected)))), (
        f"{what}: {diff:.2e}"
    )


def torch_attention(torch, X, Wq, Wk, Wv, Wo, causal, *, sdpa=False):
    """Y = softmax(Q Kᵀ / √d, masked) V Wo, written with torch operations."""
    Q, K, V = X @ Wq, X @ Wk, X @ Wv
    if sdpa:
        AV = torch.nn.functional.scaled_dot_product_attention(Q, K, V, is_causal=causal)
    else:
        S = Q @ K.transpose(1, 2) / Q.shape[-1] ** 0.5
        if causal:
            T = S.shape[-1]
            above = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
            S = S.masked_fill(above, float("-inf"))
        AV = torch.softmax(S, dim=-1) @ V
    return AV @ Wo  # Y = O Wo with O = A V


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    n=st.integers(1, 4),
    T=st.integers(1, 9),
    d=st.integers(1, 8),
    causal=st.booleans(),
    sharpness=st.sampled_from([0.3, 1.0, 3.0]),
    sdpa=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_self_attention_equals_pytorch(torch, n, T, d, causal, sharpness, sdpa, seed):
    layer = SelfAttention(d, causal=causal, rng=seed)
    layer.Wq, layer.Wk = sharpness * layer.Wq, sharpness * layer.Wk
    rng = np.random.default_rng(seed + 1)
    X, dY = rng.standard_normal((n, T, d)), rng.standard_normal((n, T, d))
    Y = layer.forward(X)
    dX = layer.backward(dY)

    Xt = torch.tensor(X, requires_grad=True)
    W = {name: torch.tensor(getattr(layer, name), requires_grad=True) for name in NAMES}
    Yt = torch_attention(torch, Xt, *W.values(), causal, sdpa=sdpa)
    Yt.backward(torch.tensor(dY))

    assert_close(Y, Yt, "output")
    assert_close(dX, Xt.grad, "input gradient")
    for name in NAMES:
        assert_close(getattr(layer, "d" + name), W[name].grad, "d" + name)


@pytest.mark.parametrize("causal", [False, True])
def test_self_attention_equals_nn_multihead_attention(torch, causal):
    """One head, no biases: nn.MultiheadAttention with in_proj_weight = [Wqᵀ; Wkᵀ; Wvᵀ]
    and out_proj.weight = Woᵀ (PyTorch stores (out, in) weights)."""
    n, T, d = 3, 6, 5
    layer = SelfAttention(d, causal=causal, rng=4)
    rng = np.random.default_rng(5)
    X, dY = rng.standard_normal((n, T, d)), rng.standard_normal((n, T, d))
    Y = layer.forward(X)
    dX = layer.backward(dY)

    mha = torch.nn.MultiheadAttention(d, 1, bias=False, batch_first=True)
    with torch.no_grad():
        mha.in_proj_weight.copy_(
            torch.tensor(np.concatenate([layer.Wq.T, layer.Wk.T, layer.Wv.T]))
        )
        mha.out_proj.weight.copy_(torch.tensor(layer.Wo.T))
    Xt = torch.tensor(X, requires_grad=True)
    mask = (
        torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1) if causal else None
    )
    Yt, _ = mha(Xt, Xt, Xt, attn_mask=mask, need_weights=False)
    Yt.backward(torch.tensor(dY))

    assert_close(Y, Yt, "output")
    assert_close(dX, Xt.grad, "input gradient")
    dW_in = mha.in_proj_weight.grad.detach().numpy()
    for k, name in enumerate(("Wq", "Wk", "Wv")):
        assert_close(
            getattr(layer, "d" + name), dW_in[k * d : (k + 1) * d].T, "d" + name
        )
    assert_close(layer.dWo, mha.out_proj.weight.grad.detach().numpy().T, "dWo")


def test_attention_weights_equal_pytorch(torch):
    layer = SelfAttention(6, causal=True, rng=0)
    X = np.random.default_rng(1).standard_normal((3, 7, 6))
    layer.forward(X)
    Q, K = torch.tensor(X @ layer.Wq), torch.tensor(X @ layer.Wk)
    S = (Q @ K.transpose(1, 2) / 6**0.5).masked_fill(
        torch.triu(torch.ones(7, 7, dtype=torch.bool), diagonal=1), float("-inf")
    )
    assert_close(layer.weights, torch.softmax(S, dim=-1), "weights")


def test_network_with_positions_equals_pytorch(torch):
    """Embedding -> PositionalEmbedding -> Residual(causal SelfAttention) -> Dense, MSE loss."""
    vocab, d, T, n = 7, 5, 6, 4
    model = Sequential(
        [
            Embedding(vocab, d, concatenate=False, rng=0),
            PositionalEmbedding(8, d, rng=1),
            Residual(SelfAttention(d, causal=True, rng=2)),
            Dense(d, 1, rng=3),
        ]
    )
    rng = np.random.default_rng(4)
    model[3].b = rng.standard_normal(1)
    ids, y = rng.integers(0, vocab, size=(n, T)), rng.standard_normal((n, T))
    out = model.forward(ids)
    loss = MSELoss()
    value = loss.forward(out[..., 0], y)  # the loss takes (n, T)
    model.backward(loss.backward()[..., None])

    p = {name: torch.tensor(v, requires_grad=True) for name, v, _ in model.parameters()}
    H = p["0.E"][torch.tensor(ids)] + p["1.P"][:T]
    H = H + torch_attention(torch, H, p["2.Wq"], p["2.Wk"], p["2.Wv"], p["2.Wo"], True)
    out_t = H @ p["3.W"] + p["3.b"]
    loss_t = torch.nn.functional.mse_loss(
        out_t[..., 0], torch.tensor(y), reduction="sum"
    ) / (2 * n)
    loss_t.backward()

    assert_close(out, out_t, "network output")
    assert_close(np.array(value), loss_t, "loss")
    for name, _, grad in model.parameters():
        assert_close(grad, p[name].grad, "network d" + name)


def test_sinusoidal_positions_equal_a_torch_formula(torch):
    T, d = 20, 8
    position = torch.arange(T)[:, None]
    frequency = 1.0 / 10000.0 ** (torch.arange(0, d, 2) / d)
    P = torch.zeros(T, d)
    P[:, 0::2] = torch.sin(position * frequency)
    P[:, 1::2] = torch.cos(position * frequency)
    assert_close(sinusoidal_positions(T, d), P, "sinusoidal positions")
