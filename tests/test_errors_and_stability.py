"""Bad input gets a clear error; extreme input gets no overflow, no NaN."""

import warnings

import numpy as np
import pytest

import bpcode
from bpcode import (SGD, BinaryCrossEntropy, Dense, Embedding, MSELoss, Sequential, Sigmoid,
                    SoftmaxCrossEntropy, Tanh, TrainingDivergedError, fit)
from bpcode.functional import log_softmax, logsumexp, sigmoid, softmax


@pytest.fixture
def net():
    return Sequential([Dense(2, 3, rng=0), Tanh(), Dense(3, 1, rng=1), Sigmoid()])


# -- shapes -----------------------------------------------------------------
def test_wrong_input_width_names_layer_and_shapes():
    with pytest.raises(ValueError, match=r"Dense\(2 -> 3\): expected input of shape "
                                         r"\(n_samples, 2\), got shape \(4, 3\)"):
        Dense(2, 3, rng=0).forward(np.ones((4, 3)))


def test_wrong_input_width_in_a_network(net):
    with pytest.raises(ValueError, match=r"first layer Dense\(2 -> 3\).*\(n_samples, 2\).*\(5, 4\)"):
        net.forward(np.ones((5, 4)))


def test_one_dimensional_input_suggests_reshape():
    with pytest.raises(ValueError, match=r"must be 2-D.*got 1-D array of shape \(2,\).*reshape"):
        Dense(2, 3, rng=0).forward(np.ones(2))


def test_mismatched_target_shape(net):
    out = net.forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"MSELoss\(\): target must have 1 column.*\(4, 2\)"):
        MSELoss().forward(out, np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"prediction has 4 samples but target has 3"):
        MSELoss().forward(out, np.ones((3, 1)))


def test_grad_out_shape_checked():
    layer = Dense(2, 3, rng=0)
    layer.forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"grad_out must have the shape of the last output \(4, 3\), got \(4, 2\)"):
        layer.backward(np.ones((4, 2)))


# -- order of calls -----------------------------------------------------------
@pytest.mark.parametrize("layer", [Dense(2, 2, rng=0), Tanh(), Sequential([Dense(2, 2, rng=0)])],
                         ids=repr)
def test_backward_before_forward(layer):
    with pytest.raises(RuntimeError, match=r"backward\(\) called before forward\(\)"):
        layer.backward(np.ones((1, 2)))


def test_backward_after_clear_cache(net):
    X = np.ones((4, 2))
    net.forward(X)
    net.clear_cache()
    with pytest.raises(RuntimeError, match=r"after clear_cache\(\)"):
        net.backward(np.ones((4, 1)))
    net.forward(X)
    net.layers[2].clear_cache()                     # one layer only
    with pytest.raises(RuntimeError, match=r"layer 2 \(Dense\(3 -> 1\)\) has nothing cached"):
        net.backward(np.ones((4, 1)))
    net.forward(X)                                  # a new forward pass refills every cache
    assert net.backward(np.ones((4, 1))).shape == (4, 2)


def test_cached_arrays_are_what_backward_needs(net):
    assert net.cached_arrays() == []
    X = np.random.default_rng(0).standard_normal((5, 2))
    out = net.forward(X)
    dense0, tanh, dense1, sigmoid_layer = net.layers
    assert [a.shape for a in dense0.cached_arrays()] == [(5, 2)]
    assert tanh.cached_arrays()[0] is dense1.cached_arrays()[0]      # one array, two owners
    assert sigmoid_layer.cached_arrays()[0] is out
    distinct = {id(a): a for a in net.cached_arrays()}
    assert sum(a.nbytes for a in distinct.values()) == 8 * 5 * (2 + 3 + 1)
    params = {id(a) for _, value, grad in net.parameters() for a in (value, grad)}
    assert not params & set(distinct)
    net.clear_cache()
    assert net.cached_arrays() == [] and all(layer.cached_arrays() == [] for layer in net.layers)


@pytest.mark.parametrize("loss", [MSELoss(), BinaryCrossEntropy(), SoftmaxCrossEntropy()], ids=repr)
def test_loss_backward_before_forward(loss):
    with pytest.raises(RuntimeError, match=r"backward\(\) called before forward\(\)"):
        loss.backward()


# -- values and dtypes ----------------------------------------------------------
def test_nan_in_data_is_located():
    X = np.ones((3, 2))
    X[1, 0] = np.nan
    with pytest.raises(ValueError, match=r"contains NaN or infinity \(first at row 1, column 0\)"):
        Dense(2, 1, rng=0).forward(X)


def test_nan_in_target():
    with pytest.raises(ValueError, match=r"MSELoss\(\): target contains NaN"):
        MSELoss().forward(np.zeros((2, 1)), np.array([[0.0], [np.inf]]))


def test_empty_input():
    with pytest.raises(ValueError, match=r"input is empty"):
        Dense(2, 1, rng=0).forward(np.ones((0, 2)))


def test_string_input():
    with pytest.raises(TypeError, match=r"must be a real numeric array, got dtype <U1"):
        Dense(2, 1, rng=0).forward(np.array([["a", "b"]]))


def test_integer_input_is_converted_not_rejected():
    X_int = np.array([[0, 1], [1, 0]])
    layer = Dense(2, 1, rng=0)
    np.testing.assert_array_equal(layer.forward(X_int), layer.forward(X_int.astype(float)))


def test_integer_prediction_rejected_by_loss():
    with pytest.raises(ValueError, match=r"prediction must be a non-empty 2-D float array"):
        MSELoss().forward(np.array([[1], [0]]), np.array([[1.0], [0.0]]))


def test_float_class_labels_must_be_whole_numbers():
    with pytest.raises(TypeError, match=r"1-D targets must be integer class labels"):
        SoftmaxCrossEntropy().forward(np.zeros((2, 3)), np.array([0.5, 1.0]))
    # whole-number floats are accepted as labels
    SoftmaxCrossEntropy().forward(np.zeros((2, 3)), np.array([0.0, 2.0]))


def test_class_label_out_of_range():
    with pytest.raises(ValueError, match=r"class labels must lie in \[0, 3\).*from 0 to 3"):
        SoftmaxCrossEntropy().forward(np.zeros((2, 3)), np.array([0, 3]))


def test_one_hot_rows_must_sum_to_one():
    with pytest.raises(ValueError, match=r"one-hot or probability rows"):
        SoftmaxCrossEntropy().forward(np.zeros((2, 3)), np.ones((2, 3)))


def test_binary_targets_in_unit_interval():
    with pytest.raises(ValueError, match=r"targets must lie in \[0, 1\], got values from 0 to 2"):
        BinaryCrossEntropy().forward(np.full((2, 1), 0.5), np.array([[0.0], [2.0]]))


def test_embedding_needs_integer_ids_in_range():
    emb = Embedding(4, 2, rng=0)
    with pytest.raises(TypeError, match=r"token ids must be an integer array, got dtype float64"):
        emb.forward(np.array([[0.0, 1.0]]))
    with pytest.raises(ValueError, match=r"token ids must lie in \[0, 4\), got values from 0 to 4"):
        emb.forward(np.array([[0, 4]]))


# -- constructors -------------------------------------------------------------------
@pytest.mark.parametrize("args", [(0, 2), (2, -1), (2.5, 2), (True, 2)])
def test_dense_sizes_must_be_positive_integers(args):
    with pytest.raises(ValueError, match=r"Dense: n_(in|out) must be a positive integer"):
        Dense(*args)


def test_unknown_initialiser():
    with pytest.raises(ValueError, match=r"unknown initialiser 'gaussian'"):
        Dense(2, 2, init="gaussian")


def test_bad_rng():
    with pytest.raises(TypeError, match=r"rng must be None, an int seed or a numpy.random.Generator"):
        Dense(2, 2, rng="seed")


@pytest.mark.parametrize("lr", [0.0, -0.1, float("nan")])
def test_learning_rate_must_be_positive(net, lr):
    with pytest.raises(ValueError, match=r"SGD: lr must be finite and > 0"):
        SGD(net, lr=lr)


def test_sequential_items_must_be_layers():
    with pytest.raises(TypeError, match=r"Sequential: item 1 is ufunc, not a Layer"):
        Sequential([Dense(2, 2), np.tanh])


# -- training ------------------------------------------------------------------------
def test_fit_stops_with_the_epoch_when_the_loss_diverges():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 3)) * 100.0
    y = X @ np.array([[1.0], [-2.0], [0.5]])
    model = Sequential([Dense(3, 8, rng=1), Dense(8, 1, rng=2)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # overflow on the way to inf
        with pytest.raises(TrainingDivergedError, match=r"the loss became (nan|inf) in epoch \d+") as info:
            fit(model, MSELoss(), SGD(model, lr=0.5), X, y, epochs=50)
    assert 1 <= info.value.epoch <= 50
    assert len(info.value.history.loss) == info.value.epoch - 1


def test_fit_checks_sample_counts(net):
    with pytest.raises(ValueError, match=r"fit: X has 4 samples but y has 3"):
        fit(net, MSELoss(), SGD(net), np.ones((4, 2)), np.ones((3, 1)), epochs=1)


def test_fit_checks_epochs(net):
    with pytest.raises(ValueError, match=r"fit: epochs must be a positive integer, got 0"):
        fit(net, MSELoss(), SGD(net), np.ones((4, 2)), np.ones((4, 1)), epochs=0)


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
    assert np.all(np.isfinite(p)) and np.all(np.isfinite(lp)) and np.all(np.isfinite(lse))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    # sample 0 puts all mass on class 0 but the label is 1: loss 2000; sample 1 is uniform: log 3
    assert value == pytest.approx((2000.0 + np.log(3.0)) / 2)
    assert np.all(np.isfinite(grad))


@pytest.mark.parametrize("from_logits", [False, True])
def test_binary_cross_entropy_never_takes_log_of_zero(from_logits):
    P = np.array([[0.0], [1.0]]) if not from_logits else np.array([[-1000.0], [1000.0]])
    y = np.array([[1.0], [0.0]])                     # both confidently wrong
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


def test_one_dimensional_target_names_y_and_outputs():
    with pytest.raises(ValueError, match=r"target must be 2-D of shape \(n_samples, n_outputs\).*y\.reshape"):
        MSELoss().forward(np.zeros((3, 1)), np.zeros(3))
