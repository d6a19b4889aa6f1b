"""Metrics that compare a network's output with the targets."""

from __future__ import annotations

import numpy as np

from ._checks import check_positive_int


def predict_labels(output: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Turn a network's output into class labels.

    Parameters
    ----------
    output : ndarray of shape (n_samples, n_outputs)
        With one column: a probability (or score) compared with ``threshold``.
        With several columns: class scores (logits or probabilities); the
        label is the column of the largest score.
    threshold : float, default=0.5
        Decision threshold for one-column outputs (use 0.0 for logits).

    Returns
    -------
    ndarray of int, shape (n_samples,)
    """
    output = np.asarray(output)
    if output.ndim != 2:
        raise ValueError(f"predict_labels: output must be 2-D (n_samples, n_outputs), "
                         f"got shape {output.shape}")
    if output.shape[1] == 1:
        return (output[:, 0] > threshold).astype(np.intp)
    return output.argmax(axis=1)


def accuracy(y_true: np.ndarray, output: np.ndarray, threshold: float = 0.5) -> float:
    """Fraction of samples whose predicted label equals the true label.

    Parameters
    ----------
    y_true : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        Integer labels, a 0/1 column, or one-hot rows.
    output : ndarray of shape (n_samples, n_outputs)
        The network's output (see :func:`predict_labels`).
    threshold : float, default=0.5
        Decision threshold for one-column outputs.

    Returns
    -------
    float in [0, 1]
    """
    y_true = np.asarray(y_true)
    if y_true.dtype.kind not in "biuf":
        raise TypeError(f"accuracy: y_true must hold numeric class labels (0, 1, ...), got "
                        f"dtype {y_true.dtype}")
    if y_true.ndim == 2:
        y_true = y_true[:, 0] if y_true.shape[1] == 1 else y_true.argmax(axis=1)
    pred = predict_labels(output, threshold)
    if pred.shape != y_true.shape:
        raise ValueError(f"accuracy: expected y_true of shape {pred.shape} (one label per "
                         f"row of the output), got shape {y_true.shape}")
    return float(np.mean(pred == np.rint(y_true).astype(np.intp)))


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
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
        raise ValueError(f"confusion_matrix: shapes differ, {y_true.shape} and {y_pred.shape}")
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


def _as_labels(labels: object, name: str, n_classes: int) -> np.ndarray:
    """``labels`` as an integer array with values in [0, n_classes), or raise."""
    a = np.asarray(labels)
    if a.dtype.kind == "f" and np.all(np.isfinite(a)) and np.all(a == np.round(a)):
        a = a.astype(np.intp)                      # whole-number floats, e.g. 2.0
    if a.dtype.kind not in "biu":
        raise TypeError(f"confusion_matrix: {name} must be integer class labels, "
                        f"got dtype {a.dtype}")
    a = a.astype(np.intp, copy=False)
    if a.size and (a.min() < 0 or a.max() >= n_classes):
        raise ValueError(f"confusion_matrix: {name} must lie in [0, {n_classes}), "
                         f"got values from {a.min()} to {a.max()}")
    return a
