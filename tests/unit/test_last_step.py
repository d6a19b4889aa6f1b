"""Unit tests of bpcode.recurrent.LastStep: the layer that keeps the last state of a
sequence, (n, T, features) -> (n, features), so that a Dense layer can classify it."""

from __future__ import annotations

import numpy as np
import pytest

from bpcode import Dense, Flatten, Sequential, SoftmaxCrossEntropy, gradient_check
from bpcode.recurrent import LSTM, RNN, LastStep


def test_forward_keeps_the_last_step_and_backward_puts_the_gradient_there():
    H = np.random.default_rng(0).normal(size=(4, 5, 3))
    layer = LastStep()
    out = layer.forward(H)
    assert out.shape == (4, 3)
    assert np.array_equal(out, H[:, -1])
    grad = np.random.default_rng(1).normal(size=(4, 3))
    dH = layer.backward(grad)
    assert dH.shape == H.shape
    assert np.array_equal(dH[:, -1], grad)
    assert not dH[:, :-1].any()  # zero at every other step


def test_a_sequence_of_length_one():
    H = np.arange(6.0).reshape(2, 1, 3)
    layer = LastStep()
    assert np.array_equal(layer.forward(H), H[:, 0])
    assert np.array_equal(layer.backward(np.ones((2, 3))), np.ones((2, 1, 3)))


@pytest.mark.parametrize("T", [1, 2, 6])
def test_gradient_check_of_the_layer_alone(T):
    H = np.random.default_rng(T).normal(size=(3, T, 4))
    report = gradient_check(LastStep(), None, H)  # a random linear probe of the output
    assert report.passed(1e-8), report


@pytest.mark.parametrize("recurrent", [RNN, LSTM])
def test_gradient_check_of_a_sequence_classifier(recurrent):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(5, 4, 3))
    y = rng.integers(0, 3, size=5)
    model = Sequential([recurrent(3, 6, rng=0), LastStep(), Dense(6, 3, rng=1)])
    report = gradient_check(model, SoftmaxCrossEntropy(), X, y)
    assert report.passed(1e-6), report


def test_only_the_last_step_of_the_input_gets_a_gradient_through_a_dense_layer():
    X = np.random.default_rng(3).normal(size=(2, 4, 3))
    model = Sequential([LastStep(), Dense(3, 2, rng=0)])
    out = model.forward(X)
    dX = model.backward(np.ones_like(out))
    assert not dX[:, :-1].any() and dX[:, -1].any()


def test_the_output_does_not_change_when_the_input_is_changed_later():
    H = np.ones((2, 3, 2))
    layer = LastStep()
    out = layer.forward(H)
    H[...] = 5.0
    assert np.array_equal(out, np.ones((2, 2)))
    assert not out.flags.writeable


@pytest.mark.parametrize(
    "shape, fragment",
    [
        ((4, 3), "2-D"),
        ((3,), "1-D"),
        ((2, 3, 4, 5), "4-D"),
    ],
)
def test_shape_errors_name_the_layer_and_the_shapes(shape, fragment):
    with pytest.raises(ValueError) as info:
        LastStep().forward(np.zeros(shape))
    message = str(info.value)
    assert "LastStep()" in message and "(n_samples, T, features)" in message
    assert str(shape) in message and fragment in message


def test_an_empty_sequence_is_rejected():
    with pytest.raises(ValueError, match=r"LastStep\(\): input is empty"):
        LastStep().forward(np.zeros((2, 0, 3)))


def test_backward_errors():
    layer = LastStep()
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.ones((2, 3)))
    layer.forward(np.ones((2, 4, 3)))
    with pytest.raises(ValueError, match=r"shape of the last output \(2, 3\)"):
        layer.backward(np.ones((2, 4, 3)))


def test_sequential_checks_the_widths_through_the_layer():
    Sequential([RNN(3, 5, rng=0), LastStep(), Dense(5, 2, rng=1)])
    with pytest.raises(ValueError, match="Dense"):
        Sequential([RNN(3, 5, rng=0), LastStep(), Dense(4, 2, rng=1)])


def test_a_flat_input_is_rejected_inside_a_network():
    model = Sequential([Flatten(), LastStep()])
    with pytest.raises(ValueError, match="layer 1 LastStep"):
        model.forward(np.ones((2, 3, 4)))


def test_keeps_no_array_and_has_no_parameters():
    layer = LastStep()
    layer.forward(np.ones((2, 3, 4)))
    assert layer.cached_arrays() == [] and layer.parameters() == []
    assert repr(layer) == "LastStep()"
