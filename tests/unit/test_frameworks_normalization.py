"""LayerNorm, BatchNorm and Dropout compute what PyTorch's layers compute, in float64.

PyTorch gets bpcode's γ and β (its ``weight`` and ``bias``) and the same data; the output,
the input gradient, ∂𝓛/∂γ and ∂𝓛/∂β must agree to 1e-10, and so must BatchNorm's running
statistics after one and after three training passes. Dropout's masks come from two
different random generators, so the rule is compared instead: PyTorch's output and
gradient are X ⊙ M / (1 − p) and dY ⊙ M / (1 − p) for its own mask M, and bpcode's mask
run through a torch computation gives bpcode's numbers.
"""

from __future__ import annotations

import numpy as np
import pytest

from bpcode import Dense, ReLU, Sequential
from bpcode.normalization import BatchNorm, LayerNorm
from bpcode.regularization import Dropout

TOL = 1e-10
INSTALL_HINT = "pip install -r requirements-frameworks.txt"


def assert_close(actual, expected, what: str) -> None:
    """max |actual − expected| <= TOL · max(1, max |expected|), with a readable message."""
    if hasattr(expected, "detach"):
        expected = expected.detach().numpy()
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: {actual.shape} != {expected.shape}"
    scale = max(1.0, float(np.max(np.abs(expected))))
    diff = float(np.max(np.abs(actual - expected)))
    assert diff <= TOL * scale, (
        f"{what}: max difference {diff:.2e} > {TOL:.0e} * {scale:.3g}"
    )


def random_affine(layer, rng):
    layer.gamma = rng.normal(size=layer.gamma.shape)
    layer.beta = rng.normal(size=layer.beta.shape)
    return layer


def copy_affine(torch, layer, module):
    with torch.no_grad():
        module.weight.copy_(torch.from_numpy(layer.gamma))
        module.bias.copy_(torch.from_numpy(layer.beta))


def compare_pass(torch, layer, module, X, dY, what):
    """One forward and backward pass of both: output, ∂𝓛/∂X, ∂𝓛/∂γ, ∂𝓛/∂β."""
    module.zero_grad()
    X_t = torch.tensor(X, requires_grad=True)
    Y_t = module(X_t)
    Y_t.backward(torch.from_numpy(dY))
    assert_close(layer.forward(X), Y_t, f"{what}: output")
    assert_close(layer.backward(dY), X_t.grad, f"{what}: dX")
    assert_close(layer.dgamma, module.weight.grad, f"{what}: dgamma")
    assert_close(layer.dbeta, module.bias.grad, f"{what}: dbeta")


@pytest.mark.parametrize("shape", [(4, 5), (3, 2, 6), (2, 1), (2, 3, 2, 4)])
def test_layernorm_equals_pytorch(torch, shape):
    rng = np.random.default_rng(0)
    layer = random_affine(LayerNorm(shape[-1]), rng)
    module = torch.nn.LayerNorm(shape[-1], eps=1e-5)
    copy_affine(torch, layer, module)
    X = rng.normal(scale=3.0, size=shape) + 1.0
    compare_pass(torch, layer, module, X, rng.normal(size=shape), f"LayerNorm {shape}")


@pytest.mark.parametrize(
    "shape, momentum",
    [((8, 3), 0.1), ((5, 4), 0.3), ((4, 3, 5, 2), 0.1), ((1, 2, 3, 3), 0.25)],
)
def test_batchnorm_equals_pytorch_in_training_then_evaluation_mode(
    torch, shape, momentum
):
    rng = np.random.default_rng(1)
    C = shape[1]
    layer = random_affine(BatchNorm(C, momentum=momentum), rng)
    cls = torch.nn.BatchNorm1d if len(shape) == 2 else torch.nn.BatchNorm2d
    module = cls(C, momentum=momentum, eps=1e-5)
    copy_affine(torch, layer, module)
    module.train()
    for step in range(1, 4):  # three training passes, new data each time
        X = rng.normal(scale=2.0, size=shape) + rng.normal(size=C).reshape(
            (1, C) + (1,) * (len(shape) - 2)
        )
        compare_pass(torch, layer, module, X, rng.normal(size=shape), f"train {step}")
        assert_close(layer.running_mean, module.running_mean, f"running_mean {step}")
        assert_close(layer.running_var, module.running_var, f"running_var {step}")
    layer.eval(), module.eval()
    X = rng.normal(scale=2.0, size=shape)
    compare_pass(torch, layer, module, X, rng.normal(size=shape), "eval")
    assert_close(layer.running_mean, module.running_mean, "running_mean after eval")


def test_a_network_with_batchnorm_equals_pytorch(torch):
    """Dense → BatchNorm → ReLU → Dense, with bpcode's MSE (1/2n Σ ‖ŷ − y‖²) written out."""
    rng = np.random.default_rng(2)
    model = Sequential(
        [
            Dense(3, 5, rng=0),
            random_affine(BatchNorm(5), rng),
            ReLU(),
            Dense(5, 2, rng=1),
        ]
    )
    model[0].b = rng.normal(size=5)
    model[3].b = rng.normal(size=2)
    net = torch.nn.Sequential(
        torch.nn.Linear(3, 5),
        torch.nn.BatchNorm1d(5),
        torch.nn.ReLU(),
        torch.nn.Linear(5, 2),
    )
    with torch.no_grad():
        for i in (0, 3):  # PyTorch stores W transposed
            net[i].weight.copy_(torch.from_numpy(model[i].W.T))
            net[i].bias.copy_(torch.from_numpy(model[i].b))
    copy_affine(torch, model[1], net[1])
    X, Y = rng.normal(size=(7, 3)), rng.normal(size=(7, 2))
    out = model.forward(X)
    dX = model.backward((out - Y) / len(X))  # ∂𝓛/∂Ŷ of MSELoss
    X_t = torch.tensor(X, requires_grad=True)
    out_t = net(X_t)
    loss = ((out_t - torch.from_numpy(Y)) ** 2).sum() / (2 * len(X))
    loss.backward()
    assert_close(out, out_t, "output")
    assert_close(dX, X_t.grad, "dX")
    pairs = {"0.W": net[0].weight.grad.T, "0.b": net[0].bias.grad}
    pairs |= {"1.gamma": net[1].weight.grad, "1.beta": net[1].bias.grad}
    pairs |= {"3.W": net[3].weight.grad.T, "3.b": net[3].bias.grad}
    grads = {name: grad for name, _, grad in model.parameters()}
    for name, expected in pairs.items():
        assert_close(grads[name], expected, name)
    # one training pass each: the running statistics agree
    assert_close(model[1].running_mean, net[1].running_mean, "running_mean")
    assert_close(model[1].running_var, net[1].running_var, "running_var")


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_pytorch_dropout_follows_the_rule_bpcode_implements(torch, p):
    """PyTorch's output and gradient are X ⊙ M/(1 − p) and dY ⊙ M/(1 − p) for its mask M."""
    rng = np.random.default_rng(3)
    X = rng.uniform(1.0, 2.0, size=(50, 40))  # no zeros: M is where the output is not 0
    dY = rng.normal(size=X.shape)
    torch.manual_seed(0)
    X_t = torch.tensor(X, requires_grad=True)
    Y_t = torch.nn.Dropout(p).train()(X_t)
    Y_t.backward(torch.from_numpy(dY))
    M = Y_t.detach().numpy() != 0.0
    assert_close(X * M / (1 - p), Y_t, "PyTorch's output")
    assert_close(dY * M / (1 - p), X_t.grad, "PyTorch's dX")
    assert abs(M.mean() - (1 - p)) < 5 * np.sqrt(
        p * (1 - p) / M.size
    )  # both keep 1 − p


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_bpcode_dropout_mask_in_a_torch_computation_gives_bpcodes_numbers(torch, p):
    rng = np.random.default_rng(4)
    X, dY = rng.normal(size=(6, 4, 3)), rng.normal(size=(6, 4, 3))
    layer = Dropout(p, rng=5)
    Y = layer.forward(X)
    dX = layer.backward(dY)
    mask = torch.from_numpy(layer._mask)  # the cached bool mask
    X_t = torch.tensor(X, requires_grad=True)
    Y_t = X_t * mask / (1 - p)  # PyTorch's documented scaling, with bpcode's mask
    Y_t.backward(torch.from_numpy(dY))
    assert_close(Y, Y_t, "output")
    assert_close(dX, X_t.grad, "dX")


def test_dropout_in_evaluation_mode_is_the_identity_in_both(torch):
    X = np.random.default_rng(6).normal(size=(5, 3))
    assert_close(Dropout(0.5, rng=0).eval().forward(X), X, "bpcode")
    assert_close(torch.nn.Dropout(0.5).eval()(torch.from_numpy(X)), X, "PyTorch")
