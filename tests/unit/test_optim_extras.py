"""Weight decay, AdamW and gradient clipping, each against PyTorch's definition."""

from __future__ import annotations

import numpy as np
import pytest

import bpcode as bp
from bpcode import SGD, Adam, AdamW, Dense, Sequential, Tanh, clip_grad_norm


def _model() -> Sequential:
    return Sequential([Dense(3, 4, rng=0), Tanh(), Dense(4, 2, rng=1)])


def _gradient_sequence(steps: int) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(7)
    shapes = [v.shape for _, v, _ in _model().parameters()]
    return [[rng.standard_normal(s) for s in shapes] for _ in range(steps)]


def _run_bpcode(make_optimizer, grads):
    model = _model()
    opt = make_optimizer(model)
    for step in grads:
        for (name, _, _), g in zip(model.parameters(), step):
            layer, attr = model[int(name[0])], name[2:]
            setattr(layer, "d" + attr, g.copy())
        opt.step()
    return [v.copy() for _, v, _ in model.parameters()]


def _run_torch(torch, make_optimizer, grads):
    params = [
        torch.tensor(v.copy(), requires_grad=True) for _, v, _ in _model().parameters()
    ]
    opt = make_optimizer(params)
    for step in grads:
        for p, g in zip(params, step):
            p.grad = torch.tensor(g.copy())
        opt.step()
    return [p.detach().numpy() for p in params]


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (
            lambda m: SGD(m, lr=0.1, weight_decay=0.01),
            lambda t, p: t.optim.SGD(p, lr=0.1, weight_decay=0.01),
        ),
        (
            lambda m: SGD(m, lr=0.1, momentum=0.9, weight_decay=0.05),
            lambda t, p: t.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.05),
        ),
        (
            lambda m: Adam(m, lr=0.01, weight_decay=0.1),
            lambda t, p: t.optim.Adam(p, lr=0.01, weight_decay=0.1),
        ),
        (
            lambda m: AdamW(m, lr=0.01, weight_decay=0.1),
            lambda t, p: t.optim.AdamW(p, lr=0.01, weight_decay=0.1),
        ),
        (
            lambda m: AdamW(m, lr=0.01),
            lambda t, p: t.optim.AdamW(p, lr=0.01),
        ),  # both default to weight_decay=0.01
    ],
    ids=["sgd", "sgd-momentum", "adam", "adamw", "adamw-default"],
)
def test_weight_decay_matches_pytorch_over_several_steps(ours, theirs):
    torch = pytest.importorskip("torch")
    grads = _gradient_sequence(6)
    got = _run_bpcode(ours, grads)
    expected = _run_torch(torch, lambda p: theirs(torch, p), grads)
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    assert not np.allclose(got[0], _model()[0].W)  # the steps moved the weights


def test_weight_decay_is_the_gradient_of_the_l2_penalty():
    """One SGD step with weight decay = one step on L + (λ/2)‖θ‖², whose gradient is g + λθ
    (written out here, independently of bpcode's code)."""
    model = _model()
    grads = _gradient_sequence(1)[0]
    before = [v.copy() for _, v, _ in model.parameters()]
    for (name, _, _), g in zip(model.parameters(), grads):
        setattr(model[int(name[0])], "d" + name[2:], g.copy())
    SGD(model, lr=0.5, weight_decay=0.2).step()
    for (_, after, _), v, g in zip(model.parameters(), before, grads):
        np.testing.assert_allclose(after, v - 0.5 * (g + 0.2 * v), rtol=1e-14)


@pytest.mark.parametrize("max_norm", [0.1, 1.0, 1e6])
def test_clip_grad_norm_matches_pytorch(max_norm):
    torch = pytest.importorskip("torch")
    model = _model()
    grads = _gradient_sequence(1)[0]
    for (name, _, _), g in zip(model.parameters(), grads):
        setattr(model[int(name[0])], "d" + name[2:], g.copy())
    params = [
        torch.tensor(v.copy(), requires_grad=True) for _, v, _ in model.parameters()
    ]
    for p, g in zip(params, grads):
        p.grad = torch.tensor(g.copy())
    expected_norm = float(torch.nn.utils.clip_grad_norm_(params, max_norm))
    total = clip_grad_norm(model, max_norm)
    assert total == pytest.approx(expected_norm, rel=1e-14)
    for (_, _, g), p in zip(model.parameters(), params):
        np.testing.assert_allclose(g, p.grad.numpy(), rtol=1e-13, atol=1e-16)
    clipped = np.sqrt(sum(float(np.sum(g * g)) for _, _, g in model.parameters()))
    assert clipped <= max_norm * (1 + 1e-12) or total <= max_norm


def test_clip_grad_norm_rejects_non_finite_gradients_and_bad_arguments():
    model = _model()
    model[0].dW = np.full_like(model[0].W, np.nan)
    with pytest.raises(bp.NonFiniteError, match="clip_grad_norm") as info:
        clip_grad_norm(model, 1.0)
    assert "nan" in str(info.value)
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm(model, 0.0)
    with pytest.raises(TypeError, match="the class Sequential itself"):
        clip_grad_norm(Sequential, 1.0)


@pytest.mark.parametrize(
    "make",
    [
        lambda m: SGD(m, weight_decay=-0.1),
        lambda m: Adam(m, weight_decay=float("nan")),
        lambda m: AdamW(m, weight_decay=-1.0),
    ],
)
def test_weight_decay_must_be_a_finite_non_negative_number(make):
    with pytest.raises(ValueError, match="weight_decay"):
        make(_model())


def _adam_reference(theta, grads, lr, beta1, beta2, eps, coupled, decoupled):
    """Adam and AdamW written out in NumPy from their papers' update rules."""
    theta = theta.copy()
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    for t, g in enumerate(grads, start=1):
        g = g + coupled * theta  # L2 penalty in the gradient (Adam)
        theta = theta - lr * decoupled * theta  # decay outside the moments (AdamW)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    return theta


@pytest.mark.parametrize("decoupled", [False, True], ids=["adam-l2", "adamw"])
def test_adam_weight_decay_matches_a_numpy_reference(decoupled):
    grads = _gradient_sequence(5)
    make = (
        (lambda m: AdamW(m, lr=0.01, weight_decay=0.1))
        if decoupled
        else (lambda m: Adam(m, lr=0.01, weight_decay=0.1))
    )
    got = _run_bpcode(make, grads)
    for k, (_, theta0, _) in enumerate(_model().parameters()):
        expected = _adam_reference(
            theta0,
            [step[k] for step in grads],
            0.01,
            0.9,
            0.999,
            1e-8,
            coupled=0.0 if decoupled else 0.1,
            decoupled=0.1 if decoupled else 0.0,
        )
        np.testing.assert_allclose(got[k], expected, rtol=1e-12, atol=1e-15)
