"""Bad input gets a clear error; extreme input gets no overflow, no NaN.

The error tests check the exception type and the facts a user needs to find the mistake
(the layer, the argument, the shapes and values, the position, the epoch), not the
wording of the sentence around them: see :func:`assert_mentions`.
"""

import re
import warnings

import numpy as np
import pytest

import bpcode
from bpcode import (
    SGD,
    BinaryCrossEntropy,
    Dense,
    Embedding,
    MSELoss,
    NonFiniteError,
    Sequential,
    Sigmoid,
    SoftmaxCrossEntropy,
    Tanh,
    TrainingDivergedError,
    fit,
)
from bpcode.functional import log_softmax, logsumexp, sigmoid, softmax


@pytest.fixture
def net():
    return Sequential([Dense(2, 3, rng=0), Tanh(), Dense(3, 1, rng=1), Sigmoid()])


def assert_mentions(info, *facts):
    """The message of the error caught in ``info`` contains every one of ``facts``.

    A fact is a name, shape, value or position as the user would write it
    (``"Dense(2 -> 4)"``, ``"grad_out"``, ``"(4, 3)"``, ``"epoch 5"``). It must stand on its
    own, so that ``"3"`` is not found inside ``"30"``, nor ``"X"`` inside ``"X_val"``.
    """
    message = str(info.value)
    missing = [
        fact
        for fact in facts
        if not re.search(rf"(?<![\w.]){re.escape(fact)}(?!\w)", message)
    ]
    assert not missing, f"{missing} not in the message {message!r}"


# -- shapes -----------------------------------------------------------------
def test_wrong_input_width_names_layer_and_shapes():
    with pytest.raises(ValueError, match=r"Dense\(2 -> 3\)") as info:
        Dense(2, 3, rng=0).forward(np.ones((4, 3)))
    assert_mentions(info, "(n_samples, 2)", "(4, 3)")


def test_wrong_input_width_in_a_network(net):
    with pytest.raises(ValueError, match=r"Dense\(2 -> 3\)") as info:
        net.forward(np.ones((5, 4)))
    assert_mentions(info, "layer 0", "(n_samples, 2)", "(5, 4)")


def test_one_dimensional_input_suggests_reshape():
    with pytest.raises(ValueError, match=r"Dense\(2 -> 3\)") as info:
        Dense(2, 3, rng=0).forward(np.ones(2))
    assert_mentions(info, "input", "2-D", "(2,)", "X.reshape(-1, 1)")


def test_mismatched_target_shape(net):
    out = net.forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"MSELoss\(\)") as info:
        MSELoss().forward(out, np.ones((4, 2)))
    assert_mentions(info, "target", "(n_samples, 1)", "(4, 2)")
    with pytest.raises(ValueError, match=r"MSELoss\(\)") as info:
        MSELoss().forward(out, np.ones((3, 1)))
    assert_mentions(info, "prediction", "target", "4", "3")  # the two sample counts


def test_grad_out_shape_checked():
    layer = Dense(2, 3, rng=0)
    layer.forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"Dense\(2 -> 3\)") as info:
        layer.backward(np.ones((4, 2)))
    assert_mentions(info, "grad_out", "(4, 3)", "(4, 2)")


# -- order of calls -----------------------------------------------------------
@pytest.mark.parametrize(
    "layer", [Dense(2, 2, rng=0), Tanh(), Sequential([Dense(2, 2, rng=0)])], ids=repr
)
def test_backward_before_forward(layer):
    with pytest.raises(RuntimeError, match=re.escape(repr(layer))) as info:
        layer.backward(np.ones((1, 2)))
    assert_mentions(info, "backward()", "forward()")


def test_backward_after_clear_cache(net):
    X = np.ones((4, 2))
    net.forward(X)
    net.clear_cache()
    with pytest.raises(RuntimeError, match=r"clear_cache\(\)"):
        net.backward(np.ones((4, 1)))
    net.forward(X)
    net.layers[2].clear_cache()  # one layer only
    with pytest.raises(RuntimeError, match=r"layer 2 \(Dense\(3 -> 1\)\)") as info:
        net.backward(np.ones((4, 1)))
    assert_mentions(info, "clear_cache()")
    net.forward(X)  # a new forward pass refills every cache
    assert net.backward(np.ones((4, 1))).shape == (4, 2)


def test_cached_arrays_are_what_backward_needs(net):
    assert net.cached_arrays() == []
    X = np.random.default_rng(0).standard_normal((5, 2))
    out = net.forward(X)
    dense0, tanh, dense1, sigmoid_layer = net.layers
    assert [a.shape for a in dense0.cached_arrays()] == [(5, 2)]
    assert tanh.cached_arrays()[0] is dense1.cached_arrays()[0]  # one array, two owners
    # the Sigmoid keeps its output: forward hands it out read-only (no copy)
    assert (
        np.shares_memory(out, sigmoid_layer.cached_arrays()[0])
        and not out.flags.writeable
    )
    distinct = {id(a): a for a in net.cached_arrays()}
    assert sum(a.nbytes for a in distinct.values()) == 8 * 5 * (2 + 3 + 1)
    params = {id(a) for _, value, grad in net.parameters() for a in (value, grad)}
    assert not params & set(distinct)
    net.clear_cache()
    assert net.cached_arrays() == [] and all(
        layer.cached_arrays() == [] for layer in net.layers
    )


@pytest.mark.parametrize(
    "loss", [MSELoss(), BinaryCrossEntropy(), SoftmaxCrossEntropy()], ids=repr
)
def test_loss_backward_before_forward(loss):
    with pytest.raises(RuntimeError, match=re.escape(repr(loss))) as info:
        loss.backward()
    assert_mentions(info, "backward()", "forward()")


# -- values and dtypes ----------------------------------------------------------
def test_nan_in_data_is_located():
    # bpcode 0.2: a layer's forward no longer scans its input for NaN (an O(n) pass on
    # every call). fit checks X once, before the first step; outside fit, the loss finds
    # the NaN the layers passed on, in the same row.
    X = np.ones((3, 2))
    X[1, 0] = np.nan
    model = Sequential([Dense(2, 1, rng=0)])
    W = model[0].W.copy()
    with pytest.raises(NonFiniteError, match=r"\bX\b") as info:
        fit(model, MSELoss(), SGD(model), X, np.ones((3, 1)), epochs=1)
    assert_mentions(info, "fit", "nan", "(1, 0)")
    np.testing.assert_array_equal(model[0].W, W)  # caught before any update
    with pytest.raises(NonFiniteError, match=r"MSELoss\(\)") as info:
        MSELoss().forward(Dense(2, 1, rng=0).forward(X), np.ones((3, 1)))
    assert_mentions(info, "prediction", "nan", "(1, 0)")


def test_nan_in_target():
    with pytest.raises(NonFiniteError, match=r"MSELoss\(\)") as info:
        MSELoss().forward(np.zeros((2, 1)), np.array([[0.0], [np.inf]]))
    assert_mentions(info, "target", "inf", "(1, 0)")


def test_empty_input():
    with pytest.raises(ValueError, match=r"Dense\(2 -> 1\)") as info:
        Dense(2, 1, rng=0).forward(np.ones((0, 2)))
    assert_mentions(info, "input", "empty", "(0, 2)")


def test_string_input():
    with pytest.raises(TypeError, match=r"Dense\(2 -> 1\)") as info:
        Dense(2, 1, rng=0).forward(np.array([["a", "b"]]))
    assert_mentions(info, "input", "<U1")


def test_integer_input_is_converted_not_rejected():
    X_int = np.array([[0, 1], [1, 0]])
    layer = Dense(2, 1, rng=0)
    np.testing.assert_array_equal(
        layer.forward(X_int), layer.forward(X_int.astype(float))
    )


def test_integer_prediction_rejected_by_loss():
    P = np.array([[1], [0]])
    with pytest.raises(ValueError, match=r"MSELoss\(\)") as info:
        MSELoss().forward(P, np.array([[1.0], [0.0]]))
    assert_mentions(info, "prediction", str(P.dtype), "(2, 1)")


def test_float_class_labels_must_be_whole_numbers():
    with pytest.raises(TypeError, match=r"SoftmaxCrossEntropy\(\)") as info:
        SoftmaxCrossEntropy().forward(np.zeros((2, 3)), np.array([0.5, 1.0]))
    assert_mentions(info, "class labels", "integers", "float64")
    # whole-number floats are accepted as labels
    SoftmaxCrossEntropy().forward(np.zeros((2, 3)), np.array([0.0, 2.0]))


def test_class_label_out_of_range():
    with pytest.raises(ValueError, match=r"SoftmaxCrossEntropy\(\)") as info:
        SoftmaxCrossEntropy().forward(np.zeros((2, 3)), np.array([0, 3]))
    assert_mentions(info, "[0, 3)", "0 to 3")


def test_one_hot_rows_must_sum_to_one():
    with pytest.raises(ValueError, match=r"SoftmaxCrossEntropy\(\)") as info:
        SoftmaxCrossEntropy().forward(np.zeros((2, 3)), np.ones((2, 3)))
    assert_mentions(info, "one-hot")


def test_binary_targets_in_unit_interval():
    with pytest.raises(
        ValueError, match=r"BinaryCrossEntropy\(from_logits=False\)"
    ) as info:
        BinaryCrossEntropy().forward(np.full((2, 1), 0.5), np.array([[0.0], [2.0]]))
    assert_mentions(info, "targets", "[0, 1]", "0 to 2")


def test_embedding_needs_integer_ids_in_range():
    emb = Embedding(4, 2, rng=0)
    with pytest.raises(TypeError, match=r"Embedding\(4 tokens -> 2\)") as info:
        emb.forward(np.array([[0.0, 1.0]]))
    assert_mentions(info, "token ids", "float64")
    with pytest.raises(ValueError, match=r"Embedding\(4 tokens -> 2\)") as info:
        emb.forward(np.array([[0, 4]]))
    assert_mentions(info, "token ids", "[0, 4)", "0 to 4")


# -- constructors -------------------------------------------------------------------
@pytest.mark.parametrize(
    "args, name, value",
    [
        ((0, 2), "n_in", "0"),
        ((2, -1), "n_out", "-1"),
        ((2.5, 2), "n_in", "2.5"),
        ((True, 2), "n_in", "True"),
    ],
)
def test_dense_sizes_must_be_positive_integers(args, name, value):
    with pytest.raises(ValueError, match=r"Dense") as info:
        Dense(*args)
    assert_mentions(info, name, value)


def test_unknown_initialiser():
    with pytest.raises(ValueError, match=r"'gaussian'") as info:
        Dense(2, 2, init="gaussian")
    assert_mentions(info, "'xavier'")  # and what is accepted


def test_bad_rng():
    with pytest.raises(TypeError, match=r"Dense\(2 -> 2\)") as info:
        Dense(2, 2, rng="seed")
    assert_mentions(info, "rng", "str")


@pytest.mark.parametrize("lr", [0.0, -0.1, float("nan")])
def test_learning_rate_must_be_positive(net, lr):
    with pytest.raises(ValueError, match=r"SGD") as info:
        SGD(net, lr=lr)
    assert_mentions(info, "lr", repr(lr))


def test_sequential_items_must_be_layers():
    with pytest.raises(TypeError, match=r"Sequential") as info:
        Sequential([Dense(2, 2), np.tanh])
    assert_mentions(info, "item 1", "ufunc")


# -- training ------------------------------------------------------------------------
def test_fit_stops_with_the_epoch_when_the_loss_diverges():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 3)) * 100.0
    y = X @ np.array([[1.0], [-2.0], [0.5]])
    model = Sequential([Dense(3, 8, rng=1), Dense(8, 1, rng=2)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # overflow on the way to inf
        with pytest.raises(TrainingDivergedError, match=r"epoch \d+") as info:
            fit(model, MSELoss(), SGD(model, lr=0.5), X, y, epochs=50)
    assert 1 <= info.value.epoch <= 50
    assert_mentions(
        info, "fit", f"epoch {info.value.epoch}", "0.5"
    )  # the epoch and the lr
    assert re.search(r"\b(nan|inf)\b", str(info.value))  # and the bad value
    assert len(info.value.history.loss) == info.value.epoch - 1


def test_fit_checks_sample_counts(net):
    with pytest.raises(ValueError, match=r"\bfit\b") as info:
        fit(net, MSELoss(), SGD(net), np.ones((4, 2)), np.ones((3, 1)), epochs=1)
    assert_mentions(
        info, "X", "y", "(4, 2)", "(3, 1)"
    )  # both shapes: 4 samples, 3 targets


def test_fit_checks_epochs(net):
    with pytest.raises(ValueError, match=r"\bfit\b") as info:
        fit(net, MSELoss(), SGD(net), np.ones((4, 2)), np.ones((4, 1)), epochs=0)
    assert_mentions(info, "epochs", "0")


# -- numerical stability ---------------------------------------------------------------
EXTREME = np.array([[-1000.0, -30.0, 0.0, 30.0, 1000.0]])


def test_sigmoid_extremes_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sigmoid(EXTREME)
        layer = Sigmoid()
        layer.forward(EXTREME)
        g = layer.backward(np.ones_like(EXTREME))
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(g))
    assert s[0, 0] == 0.0 and s[0, -1] == 1.0 and s[0, 2] == 0.5


def test_softmax_cross_entropy_extremes_without_warnings():
    Z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = softmax(Z)
        lp = log_softmax(Z)
        lse = logsumexp(Z)
        loss = SoftmaxCrossEntropy()
        value = loss.forward(Z, np.array([1, 0]))
        grad = loss.backward()
    assert (
        np.all(np.isfinite(p)) and np.all(np.isfinite(lp)) and np.all(np.isfinite(lse))
    )
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    # sample 0 puts all mass on class 0 but the label is 1: loss 2000; sample 1 is uniform: log 3
    assert value == pytest.approx((2000.0 + np.log(3.0)) / 2)
    assert np.all(np.isfinite(grad))


@pytest.mark.parametrize("from_logits", [False, True])
def test_binary_cross_entropy_never_takes_log_of_zero(from_logits):
    P = np.array([[0.0], [1.0]]) if not from_logits else np.array([[-1000.0], [1000.0]])
    y = np.array([[1.0], [0.0]])  # both confidently wrong
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = BinaryCrossEntropy(from_logits=from_logits)
        value = loss.forward(P, y)
        grad = loss.backward()
    assert np.isfinite(value) and value > 20.0
    assert np.all(np.isfinite(grad))


def test_float64_by_default():
    layer = Dense(2, 2, rng=0)
    assert layer.W.dtype == np.float64 and layer.b.dtype == np.float64
    assert layer.forward(np.ones((1, 2), dtype=np.float32)).dtype == np.float64
    X, y = bpcode.datasets.xor()
    assert X.dtype == np.float64 and y.dtype == np.float64


def test_one_dimensional_target_names_y_and_suggests_reshape():
    with pytest.raises(ValueError, match=r"MSELoss\(\)") as info:
        MSELoss().forward(np.zeros((3, 1)), np.zeros(3))
    assert_mentions(info, "target", "2-D", "(3,)", "y.reshape(-1, 1)")


# -- review E: errors name the object, the expected and the actual value --------------------
from bpcode import Adam, Identity, LeakyReLU, ReLU, gradient_check  # noqa: E402
from bpcode.metrics import accuracy, confusion_matrix  # noqa: E402


# E1: fit reports the user's own shapes, and says whether X or validation_data is at fault
def test_fit_wrong_width_reports_the_whole_X(net):
    with pytest.raises(ValueError, match=r"Dense\(2 -> 3\)") as info:
        fit(net, MSELoss(), SGD(net), np.ones((100, 3)), np.ones((100, 1)), epochs=1)
    assert_mentions(info, "fit", "X", "(100, 3)", "layer 0", "(n_samples, 2)")


def test_fit_wrong_width_of_validation_data(net):
    with pytest.raises(ValueError, match=r"validation_data") as info:
        fit(
            net,
            MSELoss(),
            SGD(net),
            np.ones((4, 2)),
            np.ones((4, 1)),
            epochs=1,
            validation_data=(np.ones((50, 3)), np.ones((50, 1))),
        )
    assert_mentions(info, "fit", "X_val", "(50, 3)", "Dense(2 -> 3)", "(n_samples, 2)")
    with pytest.raises(ValueError, match=r"validation_data") as info:
        fit(
            net,
            MSELoss(),
            SGD(net),
            np.ones((4, 2)),
            np.ones((4, 1)),
            epochs=1,
            validation_data=(np.ones((5, 2)), np.ones((4, 1))),
        )
    assert_mentions(
        info, "fit", "X_val", "y_val", "(5, 2)", "(4, 1)"
    )  # 5 samples, 4 targets


# E2: layers that do not fit together are reported when the network is built
@pytest.mark.parametrize(
    "layers, facts",
    [
        (
            [Dense(2, 3, rng=0), Dense(4, 1, rng=0)],
            (
                "Dense(4 -> 1)",
                "layer 1",
                "(n_samples, 4)",
                "(n_samples, 3)",
                "layer 0",
                "Dense(2 -> 3)",
            ),
        ),
        (
            [Dense(2, 3, rng=0), Tanh(), ReLU(), Dense(4, 1, rng=0)],
            (
                "Dense(4 -> 1)",
                "layer 3",
                "(n_samples, 4)",
                "(n_samples, 3)",
                "layer 2",
                "ReLU()",
            ),
        ),
        (
            [Sequential([Dense(2, 3, rng=0), Sigmoid()]), Dense(2, 1, rng=0)],
            (
                "Dense(2 -> 1)",
                "layer 1",
                "(n_samples, 2)",
                "(n_samples, 3)",
                "layer 0",
                "Sequential([Dense(2 -> 3), Sigmoid()])",
            ),
        ),
    ],
    ids=["dense-dense", "through-activations", "nested"],
)
def test_sequential_checks_widths_when_built(layers, facts):
    with pytest.raises(ValueError, match=re.escape(facts[0])) as info:
        Sequential(layers)
    assert_mentions(info, *facts)


@pytest.mark.parametrize(
    "second, shown",
    [
        (Embedding(3, 2, rng=0), "Embedding(3 tokens -> 2)"),
        (
            Sequential([Embedding(3, 2, rng=0), Dense(4, 1, rng=0)]),
            "Sequential([Embedding(3 tokens -> 2), Dense(4 -> 1)])",
        ),
    ],
    ids=["embedding", "nested-embedding"],
)
def test_embedding_only_as_first_layer(second, shown):
    with pytest.raises(ValueError, match=r"Embedding") as info:
        Sequential([Dense(2, 2, rng=0), second])
    assert_mentions(info, shown, "layer 1")


def test_network_that_starts_with_an_activation_knows_its_input_width():
    model = Sequential([Tanh(), LeakyReLU(), Dense(3, 1, rng=0)])
    assert model.n_in == 3
    assert model.forward(np.ones((4, 3))).shape == (4, 1)
    with pytest.raises(ValueError, match=r"Dense\(3 -> 1\)") as info:
        model.forward(np.ones((4, 2)))
    assert_mentions(info, "layer 2", "(n_samples, 3)", "(4, 2)")
    with pytest.raises(ValueError, match=r"Dense\(3 -> 1\)") as info:
        fit(model, MSELoss(), SGD(model), np.ones((4, 2)), np.ones((4, 1)), epochs=1)
    assert_mentions(info, "fit", "X", "layer 2", "(n_samples, 3)", "(4, 2)")
    assert Sequential([Identity()]).n_in is None  # any width is fine


def test_width_after_an_embedding_is_checked_in_the_forward_pass():
    model = Sequential(
        [Embedding(5, 2, rng=0), Tanh(), Dense(6, 1, rng=0)]
    )  # context 3
    ids = np.array([[0, 1], [2, 3]])  # context 2
    facts = ("layer 2", "(n_samples, 6)", "(2, 4)", "layer 1", "Tanh()")
    for call in (
        lambda: model.forward(ids),
        lambda: fit(model, MSELoss(), SGD(model), ids, np.ones((2, 1)), epochs=1),
        lambda: gradient_check(model, None, ids),
    ):
        with pytest.raises(ValueError, match=r"Dense\(6 -> 1\)") as info:
            call()
        assert_mentions(info, *facts)
    assert model.forward(np.array([[0, 1, 2], [3, 4, 0]])).shape == (2, 1)


def test_a_context_of_the_wrong_length_is_named_as_such():
    from bpcode.language import window_mlp

    model = window_mlp(5, 3, rng=0)  # contexts of 3 ids, 16 numbers each
    ids = np.zeros((2, 4), dtype=int)
    for call in (
        lambda: model.forward(ids),
        lambda: fit(model, SoftmaxCrossEntropy(), SGD(model), ids, [0, 1], epochs=1),
    ):
        with pytest.raises(ValueError, match=r"Dense\(48 -> 64\)") as info:
            call()
        assert_mentions(info, "contexts of 3 ids", "got 4 per row", "(2, 64)")


def test_a_concatenating_embedding_before_a_recurrent_layer_names_the_option():
    from bpcode.recurrent import RNN

    model = Sequential([Embedding(5, 3, rng=0), Tanh(), RNN(3, 4, rng=1)])
    with pytest.raises(ValueError, match=r"layer 2 RNN\(3 -> 4\)") as info:
        model.forward(np.zeros((2, 4), dtype=int))
    assert_mentions(info, "concatenate=False", "(2, 12)", "(n_samples, 4, 3)")
    assert "X[None]" not in str(
        info.value
    )  # the hint for a single sequence: wrong here
    fixed = Sequential([Embedding(5, 3, rng=0, concatenate=False), RNN(3, 4, rng=1)])
    assert fixed.forward(np.zeros((2, 4), dtype=int)).shape == (2, 4, 4)


def test_the_layers_of_a_network_cannot_be_changed_after_building(net):
    # Sequential checks widths and reused layers once, when it is built: its layers are a
    # tuple, so a layer cannot be swapped in (or appended) behind those checks' back
    with pytest.raises(TypeError):
        net.layers[2] = Dense(4, 1, rng=0)
    with pytest.raises(AttributeError):
        net.layers.append(Tanh())


def test_nested_network_that_starts_with_an_embedding():
    inner = Sequential([Embedding(5, 2, rng=0), Dense(4, 3, rng=0)])
    model = Sequential([inner, Tanh(), Dense(3, 1, rng=1)])
    ids = np.array([[0, 1], [2, 4]])
    assert model.forward(ids).shape == (2, 1)
    history = fit(model, MSELoss(), SGD(model), ids, np.ones((2, 1)), epochs=2)
    assert len(history) == 2
    assert gradient_check(model, None, ids).passed()
    with pytest.raises(TypeError, match=r"Embedding\(5 tokens -> 2\)") as info:
        model.forward(ids.astype(float))
    assert_mentions(info, "token ids", "float64")


# E3: BinaryCrossEntropy on probabilities refuses anything outside [0, 1]
def test_binary_cross_entropy_rejects_logits_as_probabilities():
    Z, T = np.array([[0.5], [2.0]]), np.array([[1.0], [1.0]])
    with pytest.raises(
        ValueError, match=r"BinaryCrossEntropy\(from_logits=False\)"
    ) as info:
        BinaryCrossEntropy().forward(Z, T)
    assert_mentions(
        info, "[0, 1]", "0.5 to 2", "from_logits=True"
    )  # the range, the remedy
    with pytest.raises(
        ValueError, match=r"BinaryCrossEntropy\(from_logits=False\)"
    ) as info:
        BinaryCrossEntropy()(np.array([[-0.25], [0.5]]), T)
    assert_mentions(info, "-0.25 to 0.5")
    assert BinaryCrossEntropy(from_logits=True).forward(Z, T) == pytest.approx(
        float(np.mean(np.log1p(np.exp(-Z))))
    )


def test_binary_cross_entropy_still_clips_exact_zero_and_one():
    loss = BinaryCrossEntropy(eps=1e-3)
    value = loss.forward(np.array([[0.0], [1.0]]), np.array([[1.0], [0.0]]))
    assert value == pytest.approx(-np.log(1e-3))
    # the clipped loss does not change when a clipped p moves a little: gradient 0 there,
    # (p - y) / (p(1-p) n) inside the range
    np.testing.assert_array_equal(loss.backward(), [[0.0], [0.0]])
    loss.forward(np.array([[0.0], [0.25]]), np.array([[1.0], [0.0]]))
    np.testing.assert_allclose(loss.backward(), [[0.0], [0.25 / (0.25 * 0.75) / 2]])


@pytest.mark.parametrize(
    "eps, error, facts",
    [
        (0.5, ValueError, ("(0, 0.5)", "0.5")),
        (0.7, ValueError, ("(0, 0.5)", "0.7")),
        (0.0, ValueError, ("> 0", "0.0")),
        (-1e-12, ValueError, ("> 0", "-1e-12")),
        (float("nan"), ValueError, ("nan",)),
        ("1e-12", TypeError, ("'1e-12'",)),
    ],
)
def test_binary_cross_entropy_eps_is_checked(eps, error, facts):
    with pytest.raises(error, match=r"BinaryCrossEntropy") as info:
        BinaryCrossEntropy(eps=eps)
    assert_mentions(info, "eps", *facts)


def test_fit_with_probability_bce_needs_a_sigmoid_at_the_end():
    X, y = bpcode.datasets.xor()
    no_sigmoid = Sequential([Dense(2, 4, rng=0), Tanh(), Dense(4, 1, rng=1)])
    with pytest.raises(
        ValueError, match=r"BinaryCrossEntropy\(from_logits=False\)"
    ) as info:
        fit(no_sigmoid, BinaryCrossEntropy(), SGD(no_sigmoid), X, y, epochs=1)
    assert_mentions(info, "fit", "[0, 1]", "from_logits=True")
    with pytest.raises(
        ValueError, match=r"BinaryCrossEntropy\(from_logits=False\)"
    ) as info:
        gradient_check(no_sigmoid, BinaryCrossEntropy(), X, y)
    assert_mentions(info, "[0, 1]", "from_logits=True")
    # the same network trains on logits, and with a Sigmoid on probabilities
    fit(
        no_sigmoid,
        BinaryCrossEntropy(from_logits=True),
        SGD(no_sigmoid),
        X,
        y,
        epochs=1,
    )
    with_sigmoid = Sequential(
        [Dense(2, 4, rng=0), Tanh(), Dense(4, 1, rng=1), Sigmoid()]
    )
    fit(
        with_sigmoid,
        BinaryCrossEntropy(),
        SGD(with_sigmoid),
        X,
        y,
        epochs=1,
        validation_data=(X, y),
    )


# E4: confusion_matrix takes integer labels in [0, n_classes) only
def test_confusion_matrix_counts():
    C = confusion_matrix([0, 1, 1, 2], np.array([0, 2, 1, 2]), 3)
    np.testing.assert_array_equal(C, [[1, 0, 0], [0, 1, 1], [0, 0, 1]])
    np.testing.assert_array_equal(
        confusion_matrix(np.array([0.0, 1.0]), [1, 1], 2), [[0, 1], [0, 1]]
    )  # whole-number floats are labels
    assert confusion_matrix([], [], 2).sum() == 0


@pytest.mark.parametrize(
    "y_true, y_pred, n_classes, error, facts",
    [
        ([-1, 0], [0, 0], 2, ValueError, ("y_true", "[0, 2)", "-1 to 0")),
        ([0, 0], [2, 0], 2, ValueError, ("y_pred", "[0, 2)", "0 to 2")),
        ([1.7, 0], [0, 0], 2, TypeError, ("y_true", "float64")),
        ([0, 1], ["a", "b"], 2, TypeError, ("y_pred", "<U1")),
        ([0, 1], [0, 1], 0, ValueError, ("n_classes", "0")),
        ([0, 1], [0, 1], 2.0, ValueError, ("n_classes", "2.0")),
        ([0, 1], [0, 1, 1], 2, ValueError, ("(2,)", "(3,)")),
    ],
    ids=[
        "negative",
        "too-large",
        "fraction",
        "strings",
        "n_classes-0",
        "n_classes-float",
        "shapes",
    ],
)
def test_confusion_matrix_rejects_bad_labels(y_true, y_pred, n_classes, error, facts):
    with pytest.raises(error, match=r"confusion_matrix") as info:
        confusion_matrix(y_true, y_pred, n_classes)
    assert_mentions(info, *facts)


# E5: gradient_check validates X and refuses to check nothing
def test_gradient_check_needs_something_to_check():
    with pytest.raises(ValueError, match=r"gradient_check") as info:
        gradient_check(Tanh(), None, np.ones((2, 2)), check_input=False)
    assert_mentions(info, "Tanh()", "check_input=False")
    report = gradient_check(Tanh(), None, np.ones((2, 2)))
    assert (
        list(report.errors) == ["input"] and report.passed() and "input" in str(report)
    )


# bpcode 0.2: X is checked by the model's own forward(), so the model is named, not
# gradient_check.
@pytest.mark.parametrize(
    "X, error, facts",
    [
        ([["a", "b"]], TypeError, ("Dense(2 -> 1)", "input", "<U1")),
        (np.ones((2, 2)) + 1j, TypeError, ("Dense(2 -> 1)", "input", "complex128")),
        (np.ones(2), ValueError, ("Dense(2 -> 1)", "2-D", "(2,)", "X.reshape(-1, 1)")),
        (np.ones((3, 4)), ValueError, ("Dense(2 -> 1)", "(n_samples, 2)", "(3, 4)")),
        ([[np.nan, 1.0]], ValueError, ("gradient_check", "X", "nan", "(0, 0)")),
    ],
    ids=["strings", "complex", "1-D", "width", "nan"],
)
def test_gradient_check_validates_X(X, error, facts):
    with pytest.raises(error) as info:
        gradient_check(Dense(2, 1, rng=0), None, X)
    assert_mentions(info, *facts)


def test_gradient_check_with_a_loss_rejects_nan_in_X_before_checking():
    X = np.array([[1.0, 1.0], [np.nan, 1.0]])
    with pytest.raises(NonFiniteError, match=r"gradient_check") as info:
        gradient_check(Dense(2, 1, rng=0), MSELoss(), X, np.ones((2, 1)))
    assert_mentions(info, "X", "nan", "(1, 0)")


def test_gradient_check_does_not_modify_X():
    X = np.random.default_rng(0).standard_normal((3, 2))
    before = X.copy()
    assert gradient_check(Dense(2, 1, rng=0), None, X).passed()
    np.testing.assert_array_equal(X, before)


# E7: a 1-D grad_out is named as such
def test_one_dimensional_grad_out_names_grad_out():
    layer = Dense(2, 1, rng=0)
    layer.forward(np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"Dense\(2 -> 1\)") as info:
        layer.backward(np.ones(3))
    assert_mentions(
        info, "grad_out", "(3, 1)", "(3,)"
    )  # the shape expected, the one given


# E8: the derivatives reach exactly 0 in float64, as their docstrings now say
def test_activation_derivatives_reach_zero():
    from bpcode.functional import sigmoid_derivative, tanh_derivative

    d = sigmoid_derivative(np.array([40.0, -1000.0, 0.0]))
    np.testing.assert_array_equal(d, [0.0, 0.0, 0.25])
    assert tanh_derivative(np.array([20.0]))[0] == 0.0
    assert "values in [0, 1/4]" in sigmoid_derivative.__doc__
    assert "values in [0, 1]" in tanh_derivative.__doc__


# E9, E10: the plotting style is what its documentation says
def test_book_style_matches_its_documentation():
    mpl = pytest.importorskip("matplotlib")
    from bpcode.plotting import PALETTE, use_book_style

    with mpl.rc_context():
        use_book_style()
        sizes = [
            mpl.rcParams[k]
            for k in (
                "font.size",
                "axes.titlesize",
                "axes.labelsize",
                "legend.fontsize",
                "xtick.labelsize",
                "ytick.labelsize",
            )
        ]
        assert min(sizes) == 10 and max(sizes) == 12
        assert "10 pt" in use_book_style.__doc__ and "12 pt" in use_book_style.__doc__
        colours = mpl.rcParams["axes.prop_cycle"].by_key()["color"]
    assert tuple(colours) == PALETTE and PALETTE[-1] == "#000000" and len(PALETTE) == 8


# E11: bad arguments get a message that names them
@pytest.mark.parametrize(
    "kwargs, error, facts",
    [
        ({"beta1": "0.9"}, TypeError, ("beta1", "'0.9'")),
        ({"beta2": None}, TypeError, ("beta2", "None")),
        ({"beta1": True}, TypeError, ("beta1", "True")),
        ({"beta2": 1.0}, ValueError, ("beta2", "[0, 1)", "1.0")),
        ({"beta1": float("nan")}, ValueError, ("beta1", "[0, 1)", "nan")),
    ],
)
def test_adam_betas_are_checked(net, kwargs, error, facts):
    with pytest.raises(error, match=r"Adam") as info:
        Adam(net, **kwargs)
    assert_mentions(info, *facts)
    Adam(net, beta1=np.float64(0.5), beta2=0)  # NumPy numbers and 0 are fine


@pytest.mark.parametrize(
    "validation_data, got",
    [
        (np.ones((4, 2)), ("ndarray",)),
        ((np.ones((4, 2)),), ("tuple", "length 1")),
        ([np.ones((4, 2)), np.ones((4, 1)), None], ("list", "length 3")),
    ],
)
def test_validation_data_must_be_a_pair(net, validation_data, got):
    with pytest.raises(TypeError, match=r"validation_data") as info:
        fit(
            net,
            MSELoss(),
            SGD(net),
            np.ones((4, 2)),
            np.ones((4, 1)),
            epochs=1,
            validation_data=validation_data,
        )
    assert_mentions(info, "fit", "(X_val, y_val)", *got)


def test_accuracy_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"accuracy") as info:
        accuracy(np.array(1), np.ones((1, 1)))
    assert_mentions(info, "y_true", "(1,)", "()")
    with pytest.raises(ValueError, match=r"accuracy") as info:
        accuracy(np.array([0, 1, 1]), np.ones((2, 1)))
    assert_mentions(info, "y_true", "(2,)", "(3,)")


@pytest.mark.parametrize(
    "test_size, error, facts",
    [
        ("0.2", TypeError, ("'0.2'",)),
        (0.0, ValueError, ("> 0", "0.0")),
        (1.0, ValueError, ("(0, 1)", "1.0")),
    ],
)
def test_digits_test_size_is_checked(test_size, error, facts):
    with pytest.raises(error, match=r"digits") as info:
        bpcode.datasets.digits(test_size=test_size)
    assert_mentions(info, "test_size", *facts)


# E12: every public function and method is fully annotated.
def test_public_api_has_type_hints():
    import inspect

    missing = []
    for module in (
        bpcode.activations,
        bpcode.autograd,
        bpcode.datasets,
        bpcode.functional,
        bpcode.gradcheck,
        bpcode.init,
        bpcode.layers,
        bpcode.losses,
        bpcode.metrics,
        bpcode.optim,
        bpcode.plotting,
        bpcode.training,
    ):
        for name, obj in vars(module).items():
            if (
                name.startswith("_")
                or getattr(obj, "__module__", None) != module.__name__
            ):
                continue
            functions = [(name, obj)] if inspect.isfunction(obj) else []
            if inspect.isclass(obj):
                functions += [
                    (f"{name}.{m}", f)
                    for m, f in vars(obj).items()
                    if inspect.isfunction(f)
                    and f.__module__ == module.__name__
                    and (not m.startswith("_") or m in ("__init__", "__call__"))
                ]
            for qualname, f in functions:
                sig = inspect.signature(f)
                params = [
                    p
                    for p in sig.parameters.values()
                    if p.name not in ("self", "cls")
                    and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
                ]
                full_name = f"{module.__name__}.{qualname}"
                if (
                    any(p.annotation is inspect.Parameter.empty for p in params)
                    or sig.return_annotation is inspect.Signature.empty
                ):
                    missing.append(full_name)
    assert not missing, f"public functions without complete type hints: {missing}"


# -- slips found by a review of every public entry point ---------------------
def test_binary_cross_entropy_computes_in_float64_whatever_the_prediction_dtype():
    y = np.array([[0.0], [1.0]])
    for dtype in (np.float16, np.float32):
        P = np.array([[1.0], [1.0]], dtype=dtype)  # in float32, 1 - 1e-12 rounds to 1
        bce = BinaryCrossEntropy()
        assert bce.forward(P, y) == BinaryCrossEntropy().forward(
            P.astype(np.float64), y
        )
        assert np.isfinite(bce.backward()).all()


# A loss rejects a non-finite prediction (a diverged network's output) before computing
# with it: it names the first bad entry, without a NumPy warning on the way.
@pytest.mark.parametrize(
    "loss, P, y",
    [
        (MSELoss(), [[0.5], [np.nan]], [[1.0], [0.0]]),
        (BinaryCrossEntropy(), [[0.5], [np.nan]], [[1.0], [0.0]]),
        (SoftmaxCrossEntropy(), [[0.0, 1.0], [np.nan, 1.0]], [0, 1]),
        (SoftmaxCrossEntropy(), [[0.0, 1.0], [np.inf, 1.0]], [0, 1]),
        (BinaryCrossEntropy(from_logits=True), [[0.5], [np.nan]], [[1.0], [0.0]]),
    ],
    ids=["mse-nan", "bce-nan", "softmax-nan", "softmax-inf", "bce-logits-nan"],
)
def test_losses_reject_a_prediction_with_nan_or_infinity(loss, P, y):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(NonFiniteError, match=re.escape(repr(loss))) as info:
            loss.forward(np.array(P), np.array(y))
    assert_mentions(info, "prediction", "(1, 0)")


def test_fit_rejects_an_optimizer_built_for_another_model(net):
    X, y = np.ones((4, 2)), np.ones((4, 1))
    other = Sequential([Dense(2, 3, rng=0), Tanh(), Dense(3, 1, rng=1), Sigmoid()])
    with pytest.raises(ValueError, match=r"optimizer") as info:
        fit(net, MSELoss(), SGD(other, lr=1.0), X, y, epochs=1)
    assert_mentions(info, "fit", repr(net))
    first, last = (
        net[0].W.copy(),
        net[2].W.copy(),
    )  # an optimizer for part of it is fine
    fit(net, MSELoss(), SGD(net[2], lr=1.0), X, y, epochs=3)
    assert np.array_equal(net[0].W, first) and not np.array_equal(net[2].W, last)


@pytest.mark.parametrize("swap", ["loss class", "optimizer class", "swapped"])
def test_fit_names_a_class_or_a_swapped_argument(net, swap):
    X, y = np.ones((4, 2)), np.ones((4, 1))
    loss, opt = {
        "loss class": (MSELoss, SGD(net)),
        "optimizer class": (MSELoss(), SGD),
        "swapped": (SGD(net), MSELoss()),
    }[swap]
    # the argument, what it should be (an example) and what it got
    facts = {
        "loss class": ("loss", "MSELoss()", "class MSELoss"),
        "optimizer class": ("optimizer", "SGD(model, lr=0.1)", "class SGD"),
        "swapped": ("loss", "MSELoss()", "SGD"),
    }[swap]
    with pytest.raises(TypeError, match=r"\bfit\b") as info:
        fit(net, loss, opt, X, y, epochs=1)
    assert_mentions(info, *facts)


def test_gradient_check_names_a_loss_class_and_a_bad_step(net):
    X, y = np.ones((4, 2)), np.ones((4, 1))
    with pytest.raises(TypeError, match=r"gradient_check") as info:
        bpcode.gradient_check(net, MSELoss, X, y)
    assert_mentions(info, "loss", "class MSELoss")
    with pytest.raises(ValueError, match=r"gradient_check") as info:
        bpcode.gradient_check(net, None, X, eps=0)
    assert_mentions(info, "eps", "0")


def test_numerical_gradient_restores_x_when_f_raises_and_takes_fortran_order():
    P = np.array([[0.5], [1.0 - 1e-6]])
    before = P.copy()
    with pytest.raises(
        ValueError, match=r"BinaryCrossEntropy\(from_logits=False\)"
    ) as info:
        bpcode.numerical_gradient(
            lambda: BinaryCrossEntropy().forward(P, np.ones((2, 1))), P
        )
    assert_mentions(info, "[0, 1]")  # P + eps left the probabilities
    np.testing.assert_array_equal(P, before)
    F = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    np.testing.assert_allclose(
        bpcode.numerical_gradient(lambda: float(np.sum(F**2)), F), 2 * F, rtol=1e-8
    )
    with pytest.raises(ValueError, match=r"numerical_gradient") as info:
        bpcode.numerical_gradient(lambda: 0.0, np.ones((4, 5))[:, :2])
    assert_mentions(info, "x", "contiguous", "(4, 2)")


def test_plot_decision_boundary_rejects_labels_and_predictions_it_cannot_draw():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from bpcode.plotting import plot_decision_boundary

    X = np.random.default_rng(0).standard_normal((10, 2))
    labels = lambda P: (P[:, 0] > 0).astype(int)  # noqa: E731
    fig, ax = plt.subplots()
    try:
        with pytest.raises(ValueError, match=r"plot_decision_boundary") as info:
            plot_decision_boundary(labels, X, np.where(X[:, 0] > 0, 1, -1), ax=ax)
        assert_mentions(info, "y", "[-1  1]")  # the labels it got
        with pytest.raises(ValueError, match=r"plot_decision_boundary") as info:
            plot_decision_boundary(
                labels, X, np.eye(2)[(X[:, 0] > 0).astype(int)], ax=ax
            )
        assert_mentions(info, "y", "(10,)", "(10, 2)", "argmax(axis=1)")
        with pytest.raises(ValueError, match=r"plot_decision_boundary") as info:
            plot_decision_boundary(
                lambda P: np.column_stack([P[:, 0], -P[:, 0]]),
                X,
                (X[:, 0] > 0).astype(int),
                ax=ax,
                resolution=20,
            )
        assert_mentions(info, "predict", "(400,)", "(400, 2)")
        plot_decision_boundary(
            labels, X, (X[:, 0] > 0).astype(float)[:, None], ax=ax, resolution=20
        )  # a 0./1. column is fine
    finally:
        plt.close(fig)


def test_backward_names_a_cleared_layer_inside_a_nested_network():
    inner = Sequential([Dense(3, 3, rng=1), Tanh()])
    outer = Sequential([Dense(2, 3, rng=0), inner, Dense(3, 1, rng=2)])
    out = outer.forward(np.ones((4, 2)))
    inner[1].clear_cache()
    with pytest.raises(RuntimeError, match=r"layer 1 \(Tanh\(\)\)") as info:
        outer.backward(np.ones_like(out))
    # the path to the layer: layer 1 of the outer network, then layer 1 inside it
    assert_mentions(
        info,
        "layer 1 (Sequential([Dense(3 -> 3), Tanh()])): layer 1 (Tanh())",
        "clear_cache()",
    )


@pytest.mark.parametrize(
    "call, error, facts",
    [
        (
            lambda: Sequential(Dense(2, 3)),
            TypeError,
            ("Sequential", "Dense(2 -> 3)", "Sequential([Dense(2 -> 3)])"),
        ),
        (
            lambda: bpcode.datasets.one_hot(np.array([0, 1]), 2.0),
            ValueError,
            ("one_hot", "n_classes", "2.0"),
        ),
        (
            lambda: bpcode.datasets.synthetic_vowels(1, pitch_range=100.0),
            ValueError,
            ("synthetic_vowels", "pitch_range", "100.0"),
        ),
        (lambda: Dense(2, 3, rng=-1), ValueError, ("Dense(2 -> 3)", "rng", "-1")),
        (
            lambda: bpcode.accuracy(np.array(["a", "b"]), np.ones((2, 1))),
            TypeError,
            ("accuracy", "y_true", "<U1"),
        ),
        (
            lambda: bpcode.Value(1.0) / bpcode.Value(0.0),
            ZeroDivisionError,
            ("Value ** -1", "0", "division"),
        ),
        (lambda: bpcode.Value(-8.0) ** 0.5, ValueError, ("Value ** 0.5", "-8")),
        (lambda: bpcode.Value(1000.0).exp(), OverflowError, ("Value.exp", "e^1000")),
    ],
)
def test_small_slips_get_messages_that_say_what_was_expected(call, error, facts):
    with pytest.raises(error) as info:
        call()
    assert_mentions(info, *facts)
