"""predict_labels and accuracy on misused inputs: a clear error, never a silently wrong number."""

import numpy as np
import pytest

from bpcode.metrics import accuracy, predict_labels

NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize(
    "output, where",
    [
        (np.array([[0.7], [NAN], [0.2]]), r"row 1, column 0"),  # one column
        (
            np.array([[0.1, 0.9], [0.3, 0.2], [0.5, NAN]]),
            r"row 2, column 1",
        ),  # class scores
        (np.array([[NAN, NAN], [NAN, NAN]]), r"row 0, column 0"),  # the first bad entry
    ],
)
def test_predict_labels_rejects_nan_outputs(output, where):
    # before: NaN became a label: class 0 with one column (NaN > 0.5 is False), else the
    # NaN's column (argmax returns the first NaN)
    with pytest.raises(
        ValueError, match=r"predict_labels: output contains NaN"
    ) as info:
        predict_labels(output)
    assert info.match(rf"first at {where}, value nan")


@pytest.mark.parametrize("bad", [INF, -INF])
def test_predict_labels_rejects_infinite_outputs(bad):
    output = np.array([[0.2, 0.8], [bad, 0.0]])
    with pytest.raises(
        ValueError,
        match=r"predict_labels: output contains NaN or infinity "
        rf"\(first at row 1, column 0, value {bad}",
    ):
        predict_labels(output)


def test_predict_labels_rejects_a_nan_threshold():
    # before: every comparison with NaN is False, so every row became class 0
    with pytest.raises(ValueError, match=r"predict_labels: threshold .*got nan"):
        predict_labels(np.array([[0.9], [0.1]]), threshold=NAN)


def test_predict_labels_rejects_a_threshold_that_is_not_a_number():
    # before: NumPy's own "ufunc 'greater' did not contain a loop" error
    with pytest.raises(
        TypeError, match=r"predict_labels: threshold must be a number, got str"
    ):
        predict_labels(np.array([[0.9], [0.1]]), threshold="0.5")


def test_accuracy_of_nan_outputs_is_an_error_not_a_number():
    # before: accuracy([0, 1], [[nan], [nan]]) returned 0.5
    with pytest.raises(
        ValueError, match=r"accuracy: output .*row 0, column 0, value nan"
    ):
        accuracy(np.array([0, 1]), np.array([[NAN], [NAN]]))
    with pytest.raises(
        ValueError, match=r"accuracy: output .*row 1, column 1, value inf"
    ):
        accuracy(np.array([0, 1]), np.array([[0.1, 0.9], [0.2, INF]]))


def test_accuracy_rejects_nan_labels():
    # before: a NaN label was cast to a huge negative integer and counted as a miss
    with pytest.raises(ValueError, match=r"accuracy: y_true .*row 1, value nan"):
        accuracy(np.array([0.0, NAN, 1.0]), np.array([[0.1], [0.9], [0.8]]))
    with pytest.raises(
        ValueError, match=r"accuracy: y_true .*row 1, column 0, value nan"
    ):
        accuracy(np.array([[1.0, 0.0], [NAN, 1.0]]), np.array([[0.9, 0.1], [0.2, 0.8]]))
    with pytest.raises(
        ValueError, match=r"accuracy: y_true .*row 0, column 0, value inf"
    ):
        accuracy(np.array([[INF], [0.0]]), np.array([[0.9], [0.2]]))


def test_finite_inputs_still_give_the_right_answer():
    assert predict_labels(np.array([[0.7], [0.2]])).tolist() == [1, 0]
    assert predict_labels(np.array([[1, 3], [4, 2]])).tolist() == [
        1,
        0,
    ]  # integer scores
    assert predict_labels(np.array([[0.3], [-0.1]]), threshold=0.0).tolist() == [1, 0]
    assert accuracy(np.array([0.0, 1.0]), np.array([[0.1], [0.9]])) == 1.0
    assert (
        accuracy(np.array([[0, 1], [1, 0]]), np.array([[0.2, 0.8], [0.3, 0.7]])) == 0.5
    )
    assert accuracy(np.array([True, False]), np.array([[0.9], [0.4]])) == 1.0


def test_accuracy_of_sequence_outputs_counts_every_time_step():
    output = np.zeros((2, 3, 4))
    output[..., 1] = 1.0  # class 1 everywhere
    labels = np.array([[1, 1, 0], [1, 2, 1]])
    assert accuracy(labels, output) == pytest.approx(4 / 6)
    assert accuracy(np.eye(4)[labels], output) == pytest.approx(4 / 6)
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        accuracy(labels[:, :2], output)
