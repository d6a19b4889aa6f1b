"""Metrics that compare a network's output with the targets."""

from __future__ import annotations

import numpy as np


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
    if y_true.ndim == 2:
        y_true = y_true[:, 0] if y_true.shape[1] == 1 else y_true.argmax(axis=1)
    pred = predict_labels(output, threshold)
    if pred.shape != y_true.shape:
        raise ValueError(f"accuracy: {len(y_true)} labels for {len(pred)} predictions")
    return float(np.mean(pred == np.rint(y_true).astype(np.intp)))


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Count how often class ``i`` (row) was predicted as class ``j`` (column).

    Parameters
    ----------
    y_true, y_pred : ndarray of int, shape (n_samples,)
    n_classes : int

    Returns
    -------
    ndarray of int, shape (n_classes, n_classes)
    """
    y_true = np.asarray(y_true, dtype=np.intp)
    y_pred = np.asarray(y_pred, dtype=np.intp)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"confusion_matrix: shapes differ, {y_true.shape} and {y_pred.shape}")
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts
