"""PyTorch and Keras compute exactly what bpcode computes (chapter 7).

Each framework is given bpcode's weights and the same data, everything in float64, and
must reproduce bpcode's loss and the gradient of every parameter to 1e-10, then the same
training trajectory. The networks and training loops are the ones the book prints:
``book/frameworks/xor_{bpcode,pytorch,keras}.py``. Further tests pin down the rows of
the chapter's translation table (loss scales, momentum, Adam's epsilon, gradient
accumulation).

The frameworks are optional: each test is skipped, with the reason, when its framework
is not installed. Install them with ``pip install -r requirements-frameworks.txt``.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

import bpcode
from bpcode import (
    SGD,
    Adam,
    BinaryCrossEntropy,
    Dense,
    MSELoss,
    SoftmaxCrossEntropy,
    datasets,
)

FRAMEWORKS = Path(__file__).resolve().parents[2] / "book" / "frameworks"
TOL = 1e-10  # float64 agreement required everywhere
INSTALL_HINT = "pip install -r requirements-frameworks.txt"


def load_script(name: str):
    """Import book/frameworks/<name>.py as a module (it is not a package)."""
    spec = importlib.util.spec_from_file_location(
        f"book_frameworks_{name}", FRAMEWORKS / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def assert_close(actual, expected, what: str) -> None:
    """|actual - expected| <= TOL * max(1, |expected|) entry by entry, with a readable message."""
    actual, expected = (
        np.asarray(actual, dtype=np.float64),
        np.asarray(expected, dtype=np.float64),
    )
    assert actual.shape == expected.shape, (
        f"{what}: shape {actual.shape} != {expected.shape}"
    )
    scale = max(1.0, float(np.max(np.abs(expected))))
    diff = float(np.max(np.abs(actual - expected)))
    assert diff <= TOL * scale, (
        f"{what}: max difference {diff:.2e} > {TOL:.0e} * {scale:.3g}"
    )


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip(
        "torch", reason=f"PyTorch is not installed ({INSTALL_HINT})"
    )


@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault(
        "TF_CPP_MIN_LOG_LEVEL", "2"
    )  # silence TensorFlow's start-up log
    keras = pytest.importorskip(
        "keras", minversion="3", reason=f"Keras 3 is not installed ({INSTALL_HINT})"
    )
    if keras.backend.backend() != "tensorflow":
        # Under KERAS_BACKEND=torch we measured differences of ~1e-8 in float64 losses
        # with Keras 3.15, so the 1e-10 comparison would not be meaningful there.
        pytest.skip(
            f"the Keras tests need the TensorFlow backend, not "
            f"{keras.backend.backend()!r} (unset KERAS_BACKEND)"
        )
    floatx = keras.config.floatx()
    yield keras
    keras.config.set_floatx(floatx)  # xor_keras.build_model sets float64


@pytest.fixture(scope="module")
def xor_bp():
    return load_script("xor_bpcode")


@pytest.fixture(scope="module")
def xor_torch(torch):
    return load_script("xor_pytorch")


@pytest.fixture(scope="module")
def xor_keras(keras):
    return load_script("xor_keras")


DATASETS = ["xor", "random"]


def make_data(name: str):
    """The four XOR points, or 16 random inputs with random targets in [0, 1]."""
    if name == "xor":
        return datasets.xor()
    rng = np.random.default_rng(7)
    return rng.standard_normal((16, 2)), rng.uniform(0.0, 1.0, size=(16, 1))


def reference_model(xor_bp, seed: int = 3):
    """bpcode's 2-4-1 network with random weights AND random biases (so biases are tested)."""
    model = xor_bp.build_model(seed=seed)
    rng = np.random.default_rng(seed + 100)
    for layer in model.layers:
        if isinstance(layer, Dense):
            layer.b[...] = rng.normal(0.0, 0.5, size=layer.b.shape)
    return model


def bpcode_loss_and_grads(model, X, y):
    """One forward and backward pass in bpcode: the loss and every (W, b) gradient."""
    loss_fn = MSELoss()
    value = loss_fn.forward(model.forward(X), y)
    model.backward(loss_fn.backward())
    return value, [grad.copy() for _, _, grad in model.parameters()]


def dense_layers(model):
    return [layer for layer in model.layers if isinstance(layer, Dense)]


# ------------------------------------------------------------------ weights across
def copy_weights_to_torch(bp_model, torch_model):
    """nn.Linear keeps its weight as (n_out, n_in): bpcode's W transposed."""
    import torch

    linears = [m for m in torch_model if isinstance(m, torch.nn.Linear)]
    pairs = zip(dense_layers(bp_model), linears, strict=True)
    with torch.no_grad():
        for dense, linear in pairs:
            linear.weight.copy_(torch.from_numpy(dense.W.T))  # (n_out, n_in)
            linear.bias.copy_(torch.from_numpy(dense.b))


def torch_params(torch_model):
    """The parameters as bpcode lays them out: weights transposed back to (n_in, n_out)."""
    import torch

    out = []
    for m in torch_model:
        if isinstance(m, torch.nn.Linear):
            out += [m.weight.detach().numpy().T, m.bias.detach().numpy()]
    return out


def copy_weights_to_keras(bp_model, keras_model):
    """keras.layers.Dense keeps its kernel as (n_in, n_out), exactly like bpcode's W."""
    for dense, layer in zip(dense_layers(bp_model), keras_model.layers, strict=True):
        layer.set_weights([dense.W, dense.b])


def keras_params(keras_model):
    return [np.asarray(v) for layer in keras_model.layers for v in layer.get_weights()]


def keras_loss_and_grads(keras_model, loss_fn, X, y):
    """Loss and the gradient of every trainable variable, read with tf.GradientTape."""
    import tensorflow as tf

    with tf.GradientTape() as tape:
        value = tf.reduce_mean(loss_fn(y, keras_model(X, training=True)))
    grads = tape.gradient(value, keras_model.trainable_variables)
    return float(value), [g.numpy() for g in grads]


# ------------------------------------------------- the XOR network: loss and gradients
@pytest.mark.parametrize("data", DATASETS)
def test_pytorch_loss_and_gradients_match_bpcode(xor_bp, xor_torch, torch, data):
    X, y = make_data(data)
    bp_model = reference_model(xor_bp)
    bp_loss, bp_grads = bpcode_loss_and_grads(bp_model, X, y)

    model = xor_torch.build_model(seed=0)
    copy_weights_to_torch(bp_model, model)
    loss = xor_torch.half_mse(model(torch.from_numpy(X)), torch.from_numpy(y))
    loss.backward()
    assert loss.dtype == torch.float64
    assert_close(loss.item(), bp_loss, "loss")
    torch_grads = []  # in bpcode's order and layout
    for m in model:
        if isinstance(m, torch.nn.Linear):
            torch_grads += [m.weight.grad.numpy().T, m.bias.grad.numpy()]
    names = [name for name, _, _ in bp_model.parameters()]
    for name, g_torch, g_bp in zip(names, torch_grads, bp_grads, strict=True):
        assert_close(g_torch, g_bp, f"dL/d{name}")


@pytest.mark.parametrize("data", DATASETS)
def test_keras_loss_and_gradients_match_bpcode(xor_bp, xor_keras, keras, data):
    X, y = make_data(data)
    bp_model = reference_model(xor_bp)
    bp_loss, bp_grads = bpcode_loss_and_grads(bp_model, X, y)

    model = xor_keras.build_model(seed=0)
    copy_weights_to_keras(bp_model, model)
    value, grads = keras_loss_and_grads(model, xor_keras.half_mse, X, y)
    assert all(str(v.dtype) == "float64" for v in model.trainable_variables)
    assert_close(value, bp_loss, "loss")
    for (name, _, _), g_keras, g_bp in zip(
        bp_model.parameters(), grads, bp_grads, strict=True
    ):
        assert_close(g_keras, g_bp, f"dL/d{name}")


# ----------------------------------------------- the XOR network: training trajectories
EPOCHS = 50


# each framework: the fixture with its XOR script, how to load bpcode's weights into its
# model, and how to read its parameters back in bpcode's order and layout
TRAINING = {
    "pytorch": ("xor_torch", copy_weights_to_torch, torch_params),
    "keras": ("xor_keras", copy_weights_to_keras, keras_params),
}


@pytest.mark.parametrize("framework", sorted(TRAINING))
def test_training_matches_bpcode(request, xor_bp, framework):
    fixture, copy_weights, read_params = TRAINING[framework]
    script = request.getfixturevalue(fixture)  # skips when not installed
    X, y = datasets.xor()
    bp_model = reference_model(xor_bp)
    model = script.build_model(seed=0)
    copy_weights(bp_model, model)
    fw_losses = script.train(model, X, y, epochs=EPOCHS, lr=xor_bp.LEARNING_RATE)
    bp_losses = xor_bp.train(bp_model, X, y, epochs=EPOCHS, lr=xor_bp.LEARNING_RATE)
    assert script.LEARNING_RATE == xor_bp.LEARNING_RATE
    assert_close(fw_losses, bp_losses, "loss per epoch")
    assert bp_losses[-1] < 0.9 * bp_losses[0], "training should reduce the loss"
    for (name, value, _), p in zip(
        bp_model.parameters(), read_params(model), strict=True
    ):
        assert_close(p, value, f"{name} after {EPOCHS} epochs")


# ------------------------------------------------------- rows of the translation table
def loss_inputs(seed: int, n: int = 8, k: int = 3):
    """k, logits Z (n, k), class labels, targets T in [0, 1], predicted probabilities P away
    from 0 and 1, and probability rows (targets for the softmax cross-entropy)."""
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, k))
    labels = rng.integers(0, k, size=n)
    T = rng.uniform(0.0, 1.0, size=(n, k))
    P = rng.uniform(0.05, 0.95, size=(n, k))
    soft = rng.dirichlet(np.ones(k), size=n)
    return k, Z, labels, T, P, soft


def test_pytorch_losses_and_their_scales(torch):
    """CrossEntropyLoss = SoftmaxCrossEntropy, for labels, one-hot and probability rows;
    BCEWithLogitsLoss, BCELoss and MSELoss average over all n*k entries, bpcode over the
    n samples only (and MSELoss has the 1/2). BCELoss is compared on probabilities away
    from 0 and 1, where the clipping of the two makes no difference."""
    F = torch.nn.functional
    k, Z, labels, T, P, soft = loss_inputs(seed=1)

    def value_and_grad(fn, *args, at=Z):
        z = torch.from_numpy(at.copy()).requires_grad_(True)
        out = fn(z, *args)
        out.backward()
        return out.item(), z.grad.numpy()

    for name, target in [
        ("labels", labels),
        ("one-hot", np.eye(k)[labels]),
        ("probability rows", soft),
    ]:
        bp = SoftmaxCrossEntropy()
        l_bp, g_bp = bp.forward(Z, target), bp.backward()
        l_t, g_t = value_and_grad(F.cross_entropy, torch.from_numpy(target))
        assert_close(l_t, l_bp, f"cross-entropy, {name}")
        assert_close(g_t, g_bp, f"cross-entropy gradient, {name}")

    bp = BinaryCrossEntropy(from_logits=True)
    l_bp, g_bp = bp.forward(Z, T), bp.backward()
    l_t, g_t = value_and_grad(F.binary_cross_entropy_with_logits, torch.from_numpy(T))
    assert_close(k * l_t, l_bp, "binary cross-entropy (k x torch)")
    assert_close(k * g_t, g_bp, "binary cross-entropy gradient")

    bp = BinaryCrossEntropy()
    l_bp, g_bp = bp.forward(P, T), bp.backward()
    l_t, g_t = value_and_grad(F.binary_cross_entropy, torch.from_numpy(T), at=P)
    assert_close(k * l_t, l_bp, "binary cross-entropy on probabilities (k x torch)")
    assert_close(k * g_t, g_bp, "binary cross-entropy gradient on probabilities")

    bp = MSELoss()
    l_bp, g_bp = bp.forward(Z, T), bp.backward()
    l_t, g_t = value_and_grad(F.mse_loss, torch.from_numpy(T))
    assert_close(k / 2 * l_t, l_bp, "MSE (k/2 x torch)")
    assert_close(k / 2 * g_t, g_bp, "MSE gradient")


def test_keras_losses_and_their_scales(keras):
    """As for PyTorch; BinaryCrossentropy() is compared on probabilities away from 0 and 1,
    where Keras's clipping at 1e-7 makes no difference."""
    keras.config.set_floatx(
        "float64"
    )  # the losses compute in floatx (the fixture restores it)
    k, Z, labels, T, P, _ = loss_inputs(seed=2)
    L = keras.losses

    def value(loss, target, prediction=Z):
        return float(loss(target, prediction))

    assert_close(
        value(L.SparseCategoricalCrossentropy(from_logits=True), labels),
        SoftmaxCrossEntropy().forward(Z, labels),
        "sparse categorical cross-entropy",
    )
    assert_close(
        value(L.CategoricalCrossentropy(from_logits=True), np.eye(k)[labels]),
        SoftmaxCrossEntropy().forward(Z, np.eye(k)[labels]),
        "categorical cross-entropy",
    )
    assert_close(
        k * value(L.BinaryCrossentropy(from_logits=True), T),
        BinaryCrossEntropy(from_logits=True).forward(Z, T),
        "binary cross-entropy",
    )
    assert_close(
        k * value(L.BinaryCrossentropy(), T, P),
        BinaryCrossEntropy().forward(P, T),
        "binary cross-entropy on probabilities",
    )
    assert_close(k / 2 * value(L.MeanSquaredError(), T), MSELoss().forward(Z, T), "MSE")


def bpcode_steps(model, optimizer, X, y, steps):
    loss_fn = MSELoss()
    for _ in range(steps):
        loss_fn.forward(model.forward(X), y)
        model.backward(loss_fn.backward())
        optimizer.step()


def test_pytorch_sgd_momentum_and_adam_match_bpcode(xor_bp, xor_torch, torch):
    """torch's momentum form (v = mu v + g; w -= lr v) equals bpcode's heavy ball
    (v = mu v - lr g; w += v) for a constant lr; torch's Adam adds eps to sqrt(v_hat)."""
    X, y = make_data("random")
    cases = [
        (
            lambda m: SGD(m, lr=0.3, momentum=0.9),
            lambda p: torch.optim.SGD(p, lr=0.3, momentum=0.9),
        ),
        (
            lambda m: Adam(m, lr=0.05, eps=1e-8),
            lambda p: torch.optim.Adam(p, lr=0.05, eps=1e-8),
        ),
    ]
    for make_bp, make_torch in cases:
        bp_model = reference_model(xor_bp)
        model = xor_torch.build_model(seed=0)
        copy_weights_to_torch(bp_model, model)
        optimizer = make_torch(model.parameters())
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
        for _ in range(5):
            optimizer.zero_grad()
            xor_torch.half_mse(model(Xt), yt).backward()
            optimizer.step()
        bpcode_steps(bp_model, make_bp(bp_model), X, y, 5)
        for (name, value, _), p in zip(
            bp_model.parameters(), torch_params(model), strict=True
        ):
            assert_close(p, value, f"{type(optimizer).__name__}: {name} after 5 steps")


def test_keras_sgd_momentum_and_adam_epsilon(xor_bp, xor_keras, keras):
    """Keras's SGD momentum is bpcode's heavy ball. Keras's Adam adds its epsilon to sqrt(v)
    before the bias correction (the paper's epsilon-hat): after one step it equals bpcode's
    Adam with eps = epsilon / sqrt(1 - beta2).

    The coefficients are exact in float32 on purpose: Keras 3 (TensorFlow backend) turns a
    Python float such as momentum=0.9 into a float32 constant before casting it to the
    variables' float64, so with 0.9 the two trajectories drift apart by about 1e-9 in five
    steps, although every variable is float64.
    """
    X, y = make_data("random")
    beta1, beta2 = 0.875, 0.9921875  # = 1 - 1/8 and 1 - 1/128, exact in float32
    eps_hat = 1e-3  # a large epsilon, so that its placement matters
    cases = [
        (
            5,
            lambda m: SGD(m, lr=0.3, momentum=0.875),
            keras.optimizers.SGD(learning_rate=0.3, momentum=0.875),
        ),
        (
            1,
            lambda m: Adam(
                m,
                lr=0.05,
                beta1=beta1,
                beta2=beta2,
                eps=eps_hat / float(np.sqrt(1 - beta2)),
            ),
            keras.optimizers.Adam(
                learning_rate=0.05, beta_1=beta1, beta_2=beta2, epsilon=eps_hat
            ),
        ),
    ]
    for steps, make_bp, keras_optimizer in cases:
        bp_model = reference_model(xor_bp)
        model = xor_keras.build_model(seed=0)
        copy_weights_to_keras(bp_model, model)
        model.compile(optimizer=keras_optimizer, loss=xor_keras.half_mse)
        for _ in range(steps):
            model.train_on_batch(X, y)
        bpcode_steps(bp_model, make_bp(bp_model), X, y, steps)
        for (name, value, _), p in zip(
            bp_model.parameters(), keras_params(model), strict=True
        ):
            assert_close(
                p,
                value,
                f"{type(keras_optimizer).__name__}: {name} after {steps} steps",
            )

    # with the same epsilon in both, the placement makes a visible difference
    bp_model = reference_model(xor_bp)
    model = xor_keras.build_model(seed=0)
    copy_weights_to_keras(bp_model, model)
    model.compile(
        optimizer=keras.optimizers.Adam(
            learning_rate=0.05, beta_1=beta1, beta_2=beta2, epsilon=eps_hat
        ),
        loss=xor_keras.half_mse,
    )
    model.train_on_batch(X, y)
    bpcode_steps(
        bp_model,
        Adam(bp_model, lr=0.05, beta1=beta1, beta2=beta2, eps=eps_hat),
        X,
        y,
        1,
    )
    gap = max(
        float(np.max(np.abs(p - v)))
        for (_, v, _), p in zip(bp_model.parameters(), keras_params(model))
    )
    assert gap > 1e-3, f"epsilon placement should matter, gap {gap:.1e}"


def test_pytorch_accumulates_gradients_bpcode_layers_replace(xor_bp, xor_torch, torch):
    """Two backward passes: torch's .grad doubles, a bpcode layer's dW is the same,
    bpcode's Value.backward(zero_grad=False) accumulates like torch."""
    X, y = make_data("xor")
    bp_model = reference_model(xor_bp)
    model = xor_torch.build_model(seed=0)
    copy_weights_to_torch(bp_model, model)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    xor_torch.half_mse(model(Xt), yt).backward()
    once = model[0].weight.grad.clone()
    xor_torch.half_mse(model(Xt), yt).backward()
    assert_close(
        model[0].weight.grad.numpy(),
        2 * once.numpy(),
        "torch .grad after two backward()",
    )

    _, first = bpcode_loss_and_grads(bp_model, X, y)
    _, second = bpcode_loss_and_grads(bp_model, X, y)
    assert_close(second[0], first[0], "bpcode dW after two backward()")
    assert_close(first[0], once.numpy().T, "the gradient itself")

    a = bpcode.Value(0.7)
    out = (a * a).tanh()
    out.backward()
    g = a.grad
    out.backward(zero_grad=False)
    assert_close(a.grad, 2 * g, "Value.grad after backward(zero_grad=False)")
    ta = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    (ta * ta).tanh().backward()
    assert_close(ta.grad.item(), g, "Value.backward() = torch backward()")


# ------------------------------------------------ the layer and initialisation rows
def _activation_pairs(torch):
    from bpcode import Identity, LeakyReLU, ReLU, Sigmoid, Tanh

    nn = torch.nn
    return [
        (Tanh(), nn.Tanh()),
        (Sigmoid(), nn.Sigmoid()),
        (ReLU(), nn.ReLU()),
        (LeakyReLU(), nn.LeakyReLU()),
        (Identity(), nn.Identity()),
    ]  # default slopes


def test_pytorch_activations_match_bpcode_forward_and_backward(torch):
    """Table tab-ch7-layers: Tanh, Sigmoid, ReLU, LeakyReLU (default slopes) and Identity."""
    rng = np.random.default_rng(7)
    Z = rng.normal(scale=3.0, size=(6, 5))
    G = rng.normal(size=(6, 5))
    for ours, theirs in _activation_pairs(torch):
        Zt = torch.tensor(Z, requires_grad=True)
        out = theirs(Zt)
        out.backward(torch.from_numpy(G))
        assert_close(ours.forward(Z), out.detach().numpy(), f"{ours!r} forward")
        assert_close(ours.backward(G), Zt.grad.numpy(), f"{ours!r} backward")


def test_keras_activations_and_dense_defaults(keras):
    """Keras's activation strings, its LeakyReLU slope 0.3, and Dense's defaults
    (no activation, Glorot uniform kernel, zero bias), against bpcode."""
    from bpcode import Identity, LeakyReLU, ReLU, Sigmoid, Tanh

    rng = np.random.default_rng(8)
    Z = rng.normal(scale=3.0, size=(6, 5))
    for ours, name in [(Tanh(), "tanh"), (Sigmoid(), "sigmoid"), (ReLU(), "relu")]:
        theirs = keras.activations.get(name)(keras.ops.convert_to_tensor(Z))
        assert_close(
            ours.forward(Z), keras.ops.convert_to_numpy(theirs), f"{name} forward"
        )
    leaky = keras.layers.LeakyReLU(dtype="float64")
    assert leaky.negative_slope == 0.3  # the default
    # Keras multiplies by the slope as a float32 constant (0.3 + 1.2e-8): agreement to 1e-7
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(leaky(keras.ops.convert_to_tensor(Z))),
        LeakyReLU(alpha=0.3).forward(Z),
        rtol=1e-7,
        atol=0,
    )
    dense = keras.layers.Dense(4)
    assert dense.activation is keras.activations.linear
    assert_close(
        keras.ops.convert_to_numpy(dense.activation(keras.ops.convert_to_tensor(Z))),
        Identity().forward(Z),
        "activation=None = Identity()",
    )
    assert isinstance(dense.kernel_initializer, keras.initializers.GlorotUniform)
    assert isinstance(dense.bias_initializer, keras.initializers.Zeros)


def test_default_initial_weights_bpcode_glorot_uniform_pytorch_uniform(torch):
    """Table tab-ch7-practical: bpcode's Dense starts from Glorot uniform weights
    (|w| <= sqrt(6 / (n_in + n_out)), variance 2 / (n_in + n_out)) and zero biases;
    PyTorch's nn.Linear from weights and biases uniform in +-1/sqrt(n_in)."""
    n_in, n_out = 300, 200
    layer = Dense(n_in, n_out, rng=0)
    limit = np.sqrt(6.0 / (n_in + n_out))
    assert np.abs(layer.W).max() <= limit and np.abs(layer.W).max() > 0.99 * limit
    assert abs(layer.W.var() / (2.0 / (n_in + n_out)) - 1.0) < 0.03
    assert not layer.b.any()
    torch.manual_seed(0)
    linear = torch.nn.Linear(n_in, n_out, dtype=torch.float64)
    bound = 1.0 / np.sqrt(n_in)
    for p in (linear.weight.detach().numpy(), linear.bias.detach().numpy()):
        assert np.abs(p).max() <= bound and np.abs(p).max() > 0.95 * bound
    assert abs(linear.weight.detach().numpy().var() / (bound**2 / 3.0) - 1.0) < 0.03
