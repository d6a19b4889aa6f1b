"""Metrics that compare a network's output with the targets."""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._checks import NonFiniteError, check_positive_int


def predict_labels(output: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Turn a network's output into class labels.

    Parameters
    ----------
    output : ndarray of shape (n_samples, n_outputs), or (n_samples, T, n_outputs)
        With one column: a probability (or score) compared with ``threshold``.
        With several columns: class scores (logits or probabilities); the
        label is the column of the largest score. For a batch of sequences,
        every time step gets a label.
    threshold : float, default=0.5
        Decision threshold for one-column outputs (use 0.0 for logits); it
        must be finite.

    Returns
    -------
    ndarray of int, shape (n_samples,) or (n_samples, T)

    Raises
    ------
    ValueError
        If ``output`` is not 2-D or 3-D, or holds nan or inf (a diverged network:
        its labels would be meaningless), or ``threshold`` is not finite.
    TypeError
        If ``threshold`` is not a number.
    """
    return _predict(output, threshold, "predict_labels")


def _predict(output: object, threshold: float, where: str) -> np.ndarray:
    """:func:`predict_labels`, with errors that name the function ``where``."""
    output = np.asarray(output)
    if output.ndim not in (2, 3):
        raise ValueError(
            f"{where}: output must be 2-D (n_samples, n_outputs) or 3-D "
            f"(n_samples, T, n_outputs), got shape {output.shape}"
        )
    _check_finite(output, "output", where)
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real):
        raise TypeError(
            f"{where}: threshold must be a number, got {type(threshold).__name__}"
        )
    if not math.isfinite(threshold):
        raise ValueError(
            f"{where}: threshold must be a finite number, got {threshold!r}"
        )
    if output.shape[-1] == 1:
        return (output[..., 0] > threshold).astype(np.intp)
    return output.argmax(axis=-1)


def _check_finite(a: np.ndarray, name: str, where: str) -> None:
    """Raise NonFiniteError naming the first nan or inf entry of ``a`` (row, column)."""
    if a.dtype.kind not in "fc":  # integers and booleans are finite
        return
    bad = np.argwhere(~np.isfinite(a))
    if len(bad):
        index = tuple(int(i) for i in bad[0])
        at = "".join(f" {axis} {i}," for axis, i in zip(("at row", "column"), index))
        raise NonFiniteError(
            f"{where}: {name} contains NaN or infinity (first{at} value "
            f"{a[index]}; {len(bad)} of {a.size} entries); it must be finite"
        )


def accuracy(y_true: np.ndarray, output: np.ndarray, threshold: float = 0.5) -> float:
    """Fraction of samples whose predicted label equals the true label.

    Parameters
    ----------
    y_true : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        Integer labels, a 0/1 column, or one-hot rows; for sequences, labels of
        shape (n_samples, T) or rows of shape (n_samples, T, n_outputs).
    output : ndarray of shape (n_samples, n_outputs) or (n_samples, T, n_outputs)
        The network's output (see :func:`predict_labels`); every row (every time
        step of a sequence) counts once.
    threshold : float, default=0.5
        Decision threshold for one-column outputs.

    Returns
    -------
    float in [0, 1]

    Raises
    ------
    TypeError
        If ``y_true`` is not numeric.
    ValueError
        If ``y_true`` or ``output`` holds nan or inf, or the shapes do not fit
        (see also :func:`predict_labels`).
    """
    y_true = np.asarray(y_true)
    if y_true.dtype.kind not in "biuf":
        raise TypeError(
            f"accuracy: y_true must hold numeric class labels (0, 1, ...), got "
            f"dtype {y_true.dtype}"
        )
    _check_finite(y_true, "y_true", "accuracy")
    pred = _predict(output, threshold, "accuracy")
    if y_true.ndim == pred.ndim + 1:  # a 0/1 column or one-hot rows
        y_true = y_true[..., 0] if y_true.shape[-1] == 1 else y_true.argmax(axis=-1)
    if pred.shape != y_true.shape:
        raise ValueError(
            f"accuracy: expected y_true of shape {pred.shape} (one label per "
            f"row of the output), got shape {y_true.shape}"
        )
    return float(np.mean(pred == np.rint(y_true).astype(np.intp)))


def confusion_matrix(
    y_true: np.ndarray, y_pred: np.ndarray, n_classes: int
) -> np.ndarray:
    """Count how often class ``i`` (row) was predicted as class ``j`` (column).

    Parameters
    ----------
    y_true, y_pred : ndarray of int, shape (n_samples,)
        Class labels in ``[0, n_classes)``. Floats are accepted if they are
        whole numbers.
    n_classes : int

    Returns
    -------
    ndarray of int, shape (n_classes, n_classes)

    Raises
    ------
    TypeError
        If the labels are not integers (or whole-number floats).
    ValueError
        If a label lies outside ``[0, n_classes)`` or the shapes differ.
    """
    n_classes = check_positive_int(n_classes, "n_classes", "confusion_matrix")
    y_true = _as_labels(y_true, "y_true", n_classes)
    y_pred = _as_labels(y_pred, "y_pred", n_classes)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"confusion_matrix: shapes differ, {y_true.shape} and {y_pred.shape}"
        )
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


def _as_labels(labels: object, name: str, n_classes: int) -> np.ndarray:
    """``labels`` as an integer array with values in [0, n_classes), or raise."""
    a = np.asarray(labels)
    if a.dtype.kind == "f" and np.all(np.isfinite(a)) and np.all(a == np.round(a)):
        a = a.astype(np.intp)  # whole-number floats, e.g. 2.0
    if a.dtype.kind not in "biu":
        raise TypeError(
            f"confusion_matrix: {name} must be integer class labels, "
            f"got dtype {a.dtype}"
        )
    a = a.astype(np.intp, copy=False)
    if a.size and (a.min() < 0 or a.max() >= n_classes):
        raise ValueError(
            f"confusion_matrix: {name} must lie in [0, {n_classes}), "
            f"got values from {a.min()} to {a.max()}"
        )
    return a
