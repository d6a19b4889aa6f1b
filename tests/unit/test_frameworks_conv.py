"""Conv2D, MaxPool2D, AvgPool2D and Flatten compute what PyTorch computes, in float64.

bpcode's weights are copied into ``torch.nn.Conv2d`` (same layout: (out, in, k, k)); the
forward output, the input gradient and every parameter gradient must agree to 1e-10 (relative
to the largest entry when that is above 1), on chosen cases (stride 2 with padding 1,
non-square images, windows that do not tile the image) and on random shapes. Max pooling
also breaks ties as PyTorch does. PyTorch is optional: the tests are skipped without it
(``pip install -r requirements-frameworks.txt``).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpcode import Dense, ReLU, Sequential, SoftmaxCrossEntropy
from bpcode.conv import AvgPool2D, Conv2D, Flatten, MaxPool2D

TOL = 1e-10


def max_difference(actual, expected) -> float:
    """Largest absolute difference, relative to the largest entry of ``expected`` if > 1."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = expected.detach().numpy() if hasattr(expected, "detach") else expected
    assert actual.shape == expected.shape, f"shape {actual.shape} != {expected.shape}"
    scale = max(1.0, float(np.max(np.abs(expected))))
    return float(np.max(np.abs(actual - expected))) / scale


def run_both(torch, layer, torch_fn, X, seed=0):
    """Forward and backward of a bpcode layer and of its PyTorch twin on X."""
    dA = np.random.default_rng(seed).normal(size=layer.forward(X).shape)
    A = layer.forward(X)
    dX = layer.backward(dA)
    Xt = torch.tensor(X, requires_grad=True)
    At = torch_fn(Xt)
    At.backward(torch.tensor(dA))
    return A, dX, At, Xt.grad


CONV_CASES = [
    # in, out, k, stride, padding, (n, H, W)
    (3, 4, 3, 1, 0, (2, 7, 7)),
    (3, 4, 3, 1, 1, (2, 7, 7)),
    (2, 5, 3, 2, 1, (3, 9, 6)),  # stride 2, padding 1, non-square image
    (2, 5, 3, 2, 1, (2, 8, 8)),  # stride 2 with a last row and column no window uses
    (1, 3, 5, 1, 2, (2, 6, 11)),
    (4, 2, 2, 2, 0, (2, 5, 7)),  # the floor drops a row and a column
    (2, 3, 4, 3, 2, (1, 10, 9)),
    (3, 3, 1, 2, 0, (2, 5, 4)),  # 1 × 1 kernel, stride larger than the kernel
    (2, 2, 7, 1, 3, (2, 3, 4)),  # kernel larger than the image, padding makes it fit
]


@pytest.mark.parametrize(
    "C, C_out, k, stride, padding, shape",
    CONV_CASES,
    ids=[
        f"{c[0]}to{c[1]}-k{c[2]}-s{c[3]}-p{c[4]}-{c[5][1]}x{c[5][2]}"
        for c in CONV_CASES
    ],
)
def test_conv2d_equals_torch(torch, C, C_out, k, stride, padding, shape):
    compare_conv(torch, C, C_out, k, stride, padding, shape, seed=k * 10 + stride)


@settings(max_examples=30, deadline=None)
@given(
    k=st.integers(1, 5),
    stride=st.integers(1, 3),
    padding=st.integers(0, 2),
    extra=st.tuples(st.integers(0, 6), st.integers(0, 6)),
    channels=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    seed=st.integers(0, 2**16),
)
def test_conv2d_equals_torch_on_random_shapes(
    torch, k, stride, padding, extra, channels, seed
):
    low = max(1, k - 2 * padding)  # the smallest image the padded kernel fits
    shape = (2, low + extra[0], low + extra[1])
    compare_conv(torch, *channels, k, stride, padding, shape, seed)


def compare_conv(torch, C, C_out, k, stride, padding, shape, seed) -> None:
    """A Conv2D and a torch.nn.Conv2d with the same weights: the same numbers."""
    n, H, W = shape
    rng = np.random.default_rng(seed)
    conv = Conv2D(C, C_out, k, stride=stride, padding=padding, rng=seed)
    conv.b = rng.normal(size=C_out)
    twin = torch.nn.Conv2d(C, C_out, k, stride=stride, padding=padding)
    with torch.no_grad():
        twin.weight.copy_(torch.tensor(conv.W))  # the same layout (out, in, k, k)
        twin.bias.copy_(torch.tensor(conv.b))
    A, dX, At, dXt = run_both(torch, conv, twin, rng.normal(size=(n, C, H, W)))
    assert max_difference(A, At) <= TOL
    assert max_difference(dX, dXt) <= TOL
    assert max_difference(conv.dW, twin.weight.grad) <= TOL
    assert max_difference(conv.db, twin.bias.grad) <= TOL


POOL_CASES = [
    (2, None, (6, 6)),
    (2, None, (7, 5)),
    (3, 1, (5, 6)),
    (3, 2, (7, 8)),
    (2, 3, (8, 7)),
]


@pytest.mark.parametrize("k, stride, hw", POOL_CASES)
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pooling_equals_torch(torch, kind, k, stride, hw):
    rng = np.random.default_rng(k + 10 * (stride or 0))
    X = rng.normal(size=(2, 3, *hw))  # continuous values: no ties
    Pool = MaxPool2D if kind == "max" else AvgPool2D
    torch_fn = getattr(torch.nn.functional, f"{kind}_pool2d")
    A, dX, At, dXt = run_both(
        torch, Pool(k, stride=stride), lambda T: torch_fn(T, k, stride), X
    )
    assert max_difference(A, At) <= TOL
    assert max_difference(dX, dXt) <= TOL


def test_max_pool_breaks_ties_as_torch_does(torch):
    # integer values in 0..2 give many ties, in overlapping windows too
    X = np.random.default_rng(0).integers(0, 3, size=(2, 2, 6, 6)).astype(float)
    for k, stride in [(2, 2), (3, 1), (3, 2)]:
        A, dX, At, dXt = run_both(
            torch,
            MaxPool2D(k, stride=stride),
            lambda T, k=k, s=stride: torch.nn.functional.max_pool2d(T, k, s),
            X,
        )
        assert max_difference(A, At) == 0.0
        assert max_difference(dX, dXt) <= TOL


def test_flatten_equals_torch_flatten(torch):
    X = np.random.default_rng(0).normal(size=(3, 2, 4, 5))
    A, dX, At, dXt = run_both(torch, Flatten(), lambda T: torch.flatten(T, 1), X)
    assert max_difference(A, At) == 0.0 and max_difference(dX, dXt) == 0.0


def test_a_small_cnn_equals_torch(torch):
    nn = torch.nn
    model = Sequential(
        [
            Conv2D(2, 4, 3, stride=2, padding=1, rng=0),
            ReLU(),
            MaxPool2D(2),
            Flatten(),
            Dense(4 * 2 * 2, 3, rng=1),
        ]
    )
    twin = nn.Sequential(
        nn.Conv2d(2, 4, 3, stride=2, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16, 3),
    )
    rng = np.random.default_rng(2)
    model[0].b = rng.normal(size=4)
    model[4].b = rng.normal(size=3)
    with torch.no_grad():
        twin[0].weight.copy_(torch.tensor(model[0].W))
        twin[0].bias.copy_(torch.tensor(model[0].b))
        twin[4].weight.copy_(torch.tensor(model[4].W.T))  # Linear stores W transposed
        twin[4].bias.copy_(torch.tensor(model[4].b))
    X, y = rng.normal(size=(5, 2, 8, 7)), rng.integers(0, 3, size=5)
    loss = SoftmaxCrossEntropy()
    value = loss.forward(model.forward(X), y)
    dX = model.backward(loss.backward())
    Xt = torch.tensor(X, requires_grad=True)
    value_t = nn.functional.cross_entropy(twin(Xt), torch.tensor(y))
    value_t.backward()
    assert abs(value - value_t.item()) <= TOL
    assert max_difference(dX, Xt.grad) <= TOL
    assert max_difference(model[0].dW, twin[0].weight.grad) <= TOL
    assert max_difference(model[0].db, twin[0].bias.grad) <= TOL
    assert max_difference(model[4].dW, twin[4].weight.grad.T) <= TOL
    assert max_difference(model[4].db, twin[4].bias.grad) <= TOL
