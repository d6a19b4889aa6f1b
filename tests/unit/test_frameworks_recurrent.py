"""bpcode's RNN and LSTM compute what PyTorch's nn.RNN and nn.LSTM compute, in float64.

bpcode's weights are copied into the PyTorch module (PyTorch stores them transposed:
``weight_ih_l0`` = Wxᵀ, ``weight_hh_l0`` = Whᵀ; it has two biases, ``bias_ih_l0`` = b and
``bias_hh_l0`` = 0). The outputs, the input gradient and every parameter gradient must
agree to 1e-10. Truncated BPTT is compared with its PyTorch formulation: each output h_t
recomputed from the state ``truncate`` steps earlier, detached.

PyTorch is optional: the tests are skipped when it is not installed
(``pip install -r requirements-frameworks.txt``).
"""

from __future__ import annotations

import numpy as np
import pytest

from bpcode import Dense, Embedding, Sequential
from bpcode.recurrent import LSTM, RNN, LastStep

TOL = 1e-10
LAYERS = {"RNN": RNN, "LSTM": LSTM}


def assert_close(actual, expected, what: str) -> None:
    """|actual - expected| <= TOL * max(1, |expected|) entry by entry."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, f"{what}: {actual.shape} != {expected.shape}"
    scale = max(1.0, float(np.max(np.abs(expected))))
    diff = float(np.max(np.abs(actual - expected)))
    assert diff <= TOL * scale, f"{what}: max difference {diff:.2e}"


def torch_copy(torch, layer):
    """The PyTorch module (nn.RNN with tanh, or nn.LSTM) with the bpcode layer's weights."""
    if isinstance(layer, LSTM):
        module = torch.nn.LSTM(layer.n_in, layer.n_hidden, batch_first=True)
    else:
        module = torch.nn.RNN(
            layer.n_in, layer.n_hidden, batch_first=True, nonlinearity="tanh"
        )
    with torch.no_grad():
        module.weight_ih_l0.copy_(torch.from_numpy(layer.Wx.T))
        module.weight_hh_l0.copy_(torch.from_numpy(layer.Wh.T))
        module.bias_ih_l0.copy_(torch.from_numpy(layer.b))
        module.bias_hh_l0.zero_()
    return module


def torch_gradients(module):
    """PyTorch's gradients in bpcode's layout: Wx, Wh, b (bias_hh's gradient is b's too)."""
    return {
        "Wx": module.weight_ih_l0.grad.numpy().T,
        "Wh": module.weight_hh_l0.grad.numpy().T,
        "b": module.bias_ih_l0.grad.numpy(),
    }


def make_layer(kind, n_in, n_hidden, scale, truncate=None):
    layer = LAYERS[kind](n_in, n_hidden, rng=0, truncate=truncate)
    for name in layer.params:  # scale 3 saturates many units
        setattr(layer, name, scale * getattr(layer, name))
    return layer


@pytest.mark.parametrize("kind", ["RNN", "LSTM"])
@pytest.mark.parametrize(
    "n, T, n_in, n_hidden, scale",
    [(1, 1, 1, 1, 1.0), (3, 1, 2, 4, 3.0), (4, 7, 3, 5, 1.0), (5, 12, 4, 3, 3.0)],
)
def test_full_bptt_matches_pytorch(torch, kind, n, T, n_in, n_hidden, scale):
    layer = make_layer(kind, n_in, n_hidden, scale)
    module = torch_copy(torch, layer)
    rng = np.random.default_rng(T)
    X, R = rng.normal(size=(n, T, n_in)), rng.normal(size=(n, T, n_hidden))

    out = layer.forward(X)
    dX = layer.backward(R)
    X_t = torch.tensor(X, requires_grad=True)
    out_t, _ = module(X_t)
    out_t.backward(torch.from_numpy(R))  # the linear probe Σ R ⊙ out

    assert_close(out, out_t.detach().numpy(), f"{kind} output")
    assert_close(dX, X_t.grad.numpy(), f"{kind} ∂L/∂X")
    for name, grad in torch_gradients(module).items():
        assert_close(getattr(layer, "d" + name), grad, f"{kind} d{name}")
    assert_close(layer.db, module.bias_hh_l0.grad.numpy(), f"{kind} db (bias_hh)")


@pytest.mark.parametrize("kind", ["RNN", "LSTM"])
@pytest.mark.parametrize("truncate", [1, 2, 3, 8])
def test_truncated_bptt_matches_pytorch_with_detached_states(torch, kind, truncate):
    """Each h_t recomputed by PyTorch from the state k steps earlier, detached."""
    n, T, n_in, n_hidden = 3, 6, 2, 4
    layer = make_layer(kind, n_in, n_hidden, 2.0, truncate)
    module = torch_copy(torch, layer)
    rng = np.random.default_rng(truncate)
    X, R = rng.normal(size=(n, T, n_in)), rng.normal(size=(n, T, n_hidden))
    layer.forward(X)
    dX = layer.backward(R)

    X_t = torch.tensor(X, requires_grad=True)
    with torch.no_grad():  # the states of the forward pass, as constants
        if kind == "LSTM":
            H, (_, _) = module(X_t)
            C = [module(X_t[:, : t + 1])[1][1] for t in range(T)]  # c_t, (1, n, h)
        else:
            H, _ = module(X_t)
    total = 0.0
    for t in range(T):
        start = max(0, t - truncate + 1)
        steps = X_t[:, start : t + 1]
        if start == 0:
            out, _ = module(steps)  # h_0 = c_0 = 0
        elif kind == "LSTM":
            out, _ = module(steps, (H[:, start - 1][None], C[start - 1]))
        else:
            out, _ = module(steps, H[:, start - 1][None])
        total = total + (out[:, -1] * torch.from_numpy(R[:, t])).sum()
    total.backward()

    assert_close(dX, X_t.grad.numpy(), f"{kind}, truncate={truncate}: ∂L/∂X")
    for name, grad in torch_gradients(module).items():
        assert_close(getattr(layer, "d" + name), grad, f"{kind} d{name}")


@pytest.mark.parametrize("kind", ["RNN", "LSTM"])
def test_language_model_network_matches_pytorch(torch, kind):
    """Embedding -> RNN/LSTM -> Dense at every step, as PyTorch's three modules."""
    vocab, d, n_hidden, n_out = 7, 3, 5, 4
    model = Sequential(
        [
            Embedding(vocab, d, rng=0, concatenate=False),
            make_layer(kind, d, n_hidden, 1.5),
            Dense(n_hidden, n_out, rng=2),
        ]
    )
    model[2].b[:] = np.random.default_rng(3).normal(size=n_out)
    embedding = torch.nn.Embedding(vocab, d)
    recurrent = torch_copy(torch, model[1])
    linear = torch.nn.Linear(n_hidden, n_out)
    with torch.no_grad():
        embedding.weight.copy_(torch.from_numpy(model[0].E))
        linear.weight.copy_(torch.from_numpy(model[2].W.T))
        linear.bias.copy_(torch.from_numpy(model[2].b))
    rng = np.random.default_rng(4)
    ids = rng.integers(0, vocab, size=(3, 8))
    R = rng.normal(size=(3, 8, n_out))

    out = model.forward(ids)
    model.backward(R)
    out_t = linear(recurrent(embedding(torch.from_numpy(ids)))[0])
    out_t.backward(torch.from_numpy(R))

    assert_close(out, out_t.detach().numpy(), "output")
    assert_close(model[0].dE, embedding.weight.grad.numpy(), "dE")
    for name, grad in torch_gradients(recurrent).items():
        assert_close(getattr(model[1], "d" + name), grad, f"d{name}")
    assert_close(model[2].dW, linear.weight.grad.numpy().T, "dW")
    assert_close(model[2].db, linear.bias.grad.numpy(), "db")


@pytest.mark.parametrize("kind", ["RNN", "LSTM"])
def test_last_step_equals_pytorch_last_output(torch, kind):
    """bpcode's LastStep after a recurrent layer is PyTorch's idiom ``h[:, -1]``."""
    rng = np.random.default_rng(4)
    X = rng.normal(size=(3, 5, 2))
    layer = LAYERS[kind](2, 4, rng=0)
    model = Sequential([layer, LastStep()])
    out = model.forward(X)
    grad = rng.normal(size=out.shape)
    dX = model.backward(grad)

    module = torch_copy(torch, layer)
    x = torch.from_numpy(X.copy()).requires_grad_(True)
    h, _ = module(x)
    last = h[:, -1]
    last.backward(torch.from_numpy(grad))
    assert np.allclose(out, last.detach().numpy(), rtol=0, atol=1e-12)
    assert np.allclose(dX, x.grad.numpy(), rtol=0, atol=1e-12)
    for name, expected in torch_gradients(module).items():
        assert np.allclose(getattr(layer, "d" + name), expected, rtol=0, atol=1e-12), (
            name
        )
