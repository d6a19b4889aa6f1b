"""The training loop: mini-batches, the four steps of backpropagation, and a history."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Optional, Union

import numpy as np

from ._checks import (as_float_matrix, as_generator, check_parts, check_positive_int,
                      check_width)
from .layers import Layer, _takes_token_ids
from .losses import Loss
from .metrics import accuracy
from .optim import Optimizer

Metric = Callable[[np.ndarray, np.ndarray], float]


class TrainingDivergedError(FloatingPointError):
    """Raised by :func:`fit` when the loss becomes NaN or infinite.

    Attributes
    ----------
    epoch : int
        The epoch (counted from 1) in which it happened.
    history : History
        Everything recorded before that epoch.
    """

    def __init__(self, message: str, epoch: int, history: "History") -> None:
        super().__init__(message)
        self.epoch = epoch
        self.history = history


@dataclass
class History:
    """What :func:`fit` recorded, one entry per epoch.

    Attributes
    ----------
    loss : list of float
        Mean training loss over the epoch's mini-batches (weighted by batch size), each
        batch's loss computed before its update: with one batch per epoch, entry 0 is
        the loss of the untrained network.
    val_loss : list of float
        Loss on the validation data after each epoch (empty without it).
    metric : list of float
        The metric on the training data after each epoch (empty without a metric).
    val_metric : list of float
        The metric on the validation data after each epoch.
    """

    loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    metric: list[float] = field(default_factory=list)
    val_metric: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.loss)


def _prepare(model: Layer, loss: Loss, X: np.ndarray, y: np.ndarray, where: str,
             x_name: str = "X", y_name: str = "y") -> tuple[np.ndarray, np.ndarray]:
    """Check the data once, so that the loop can use the unchecked fast path."""
    if _takes_token_ids(model):
        X = np.asarray(X)
        out = model.forward(X)                         # checks every token id
    else:
        X = as_float_matrix(X, where, x_name)
        if model.n_in is not None:
            check_width(X, model.n_in, where, x_name)
        # One row runs every layer once; a loss that checks the values of the
        # prediction (BinaryCrossEntropy on probabilities) sees all of them, once.
        out = model.forward(X if loss._checks_values else X[:1])
    T = loss._check_target(y, out.shape[1])
    if len(T) != len(X):
        raise ValueError(f"{where}: {x_name} has {len(X)} samples but {y_name} has {len(T)}")
    loss._check_prediction(out)
    return X, T


def _prepare_validation(model: Layer, loss: Loss, validation_data: object,
                        where: str) -> tuple[np.ndarray, np.ndarray]:
    """Check ``validation_data`` (a pair ``(X_val, y_val)``) like the training data."""
    if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
        got = (f"a {type(validation_data).__name__} of length {len(validation_data)}"
               if isinstance(validation_data, (tuple, list)) else type(validation_data).__name__)
        raise TypeError(f"{where}: validation_data must be a pair (X_val, y_val), got {got}")
    X_val, y_val = validation_data
    return _prepare(model, loss, X_val, y_val, f"{where} (validation_data)", "X_val", "y_val")


def fit(model: Layer, loss: Loss, optimizer: Optimizer, X: np.ndarray, y: np.ndarray, *,
        epochs: int, batch_size: Optional[int] = None, shuffle: bool = True,
        rng: Union[None, int, np.random.Generator] = None,
        validation_data: Optional[tuple[np.ndarray, np.ndarray]] = None,
        metric: Union[None, str, Metric] = None, verbose: int = 0) -> History:
    """Train ``model`` with mini-batch gradient descent and return its history.

    Each step is the article's four: forward pass, error (the loss), backward
    pass, update. The loss is checked after every batch; if it becomes NaN or
    infinite, training stops with :class:`TrainingDivergedError`, saying at
    which epoch.

    Parameters
    ----------
    model : Layer
        Usually a :class:`~bpcode.layers.Sequential`.
    loss : Loss
        An instance, e.g. ``MSELoss()``.
    optimizer : Optimizer
        Built for the same model, e.g. ``SGD(model, lr=0.1)`` (or for part of it:
        it updates only the parameters it was given).
    X : ndarray of shape (n_samples, n_features)
        Integer token ids of shape (n_samples, context) for a model that starts with
        an :class:`~bpcode.layers.Embedding`.
    y : ndarray of shape (n_samples, n_outputs), or (n_samples,) of int labels
        Targets in a form ``loss`` accepts (class labels for
        :class:`~bpcode.losses.SoftmaxCrossEntropy`).
    epochs : int
        Number of passes over the data.
    batch_size : int, optional
        Samples per update; default: the whole data set (full-batch descent,
        as in the article's program).
    shuffle : bool, default=True
        Visit the samples in a new random order each epoch.
    rng : None, int or numpy.random.Generator, default=None
        Randomness for shuffling.
    validation_data : tuple (X_val, y_val), optional
        Evaluated after every epoch.
    metric : "accuracy" or callable, optional
        ``metric(y_true, output) -> float``, recorded after every epoch. With
        ``"accuracy"``, one-column outputs are thresholded at 0.5, or at 0 when the
        loss takes logits (``BinaryCrossEntropy(from_logits=True)``).
    verbose : int, default=0
        Print the loss every ``verbose`` epochs (0: never).

    Returns
    -------
    History
    """
    where = "fit"
    check_parts(where, model=model, loss=loss, optimizer=optimizer)
    trained = {id(value) for _, value, _ in model.parameters()}
    if trained and trained.isdisjoint(id(value) for _, value, _ in optimizer.model.parameters()):
        raise ValueError(f"{where}: the optimizer was built for another model: it updates none "
                         f"of the parameters of {model!r} (a new model needs a new optimizer, "
                         "e.g. SGD(model, lr=0.1))")
    epochs = check_positive_int(epochs, "epochs", where)
    X, T = _prepare(model, loss, X, y, where)
    n = len(X)
    batch_size = n if batch_size is None else min(check_positive_int(batch_size, "batch_size", where), n)
    gen = as_generator(rng, where)
    if metric == "accuracy":
        # a model trained on logits (BinaryCrossEntropy(from_logits=True)) says "class 1"
        # when its output is above 0, not above 0.5
        logits = getattr(loss, "from_logits", False)
        metric_fn: Optional[Metric] = (
            (lambda t, out: accuracy(t, out, threshold=0.0)) if logits else accuracy)
    else:
        metric_fn = metric
    if metric_fn is not None and not callable(metric_fn):
        raise ValueError(f"{where}: metric must be 'accuracy' or a callable, got {metric!r}")
    if validation_data is not None:
        X_val, T_val = _prepare_validation(model, loss, validation_data, where)

    history = History()
    order = np.arange(n)
    for epoch in range(1, epochs + 1):
        if shuffle and batch_size < n:
            gen.shuffle(order)
        total = 0.0
        for start in range(0, n, batch_size):
            if batch_size == n:
                Xb, Tb = X, T
            else:
                idx = order[start:start + batch_size]
                Xb, Tb = X[idx], T[idx]
            out = model._forward(Xb)                         # 1. forward pass
            value = loss._forward(out, Tb)                    # 2. error
            if not math.isfinite(value):
                raise TrainingDivergedError(
                    f"{where}: the loss became {value} in epoch {epoch} (batch starting at "
                    f"sample {start}); the learning rate ({optimizer.lr:g}) is probably too "
                    "large, or the inputs are badly scaled", epoch, history)
            model._backward(loss._backward(), False)          # 3. backward pass
            optimizer.step()                                  # 4. update
            total += value * len(Xb)
        history.loss.append(total / n)
        if metric_fn is not None:
            history.metric.append(float(metric_fn(T, model._forward(X))))
        if validation_data is not None:
            out_val = model._forward(X_val)
            history.val_loss.append(loss._forward(out_val, T_val))
            if metric_fn is not None:
                history.val_metric.append(float(metric_fn(T_val, out_val)))
        if verbose and (epoch % verbose == 0 or epoch == epochs):
            extra = f", val_loss {history.val_loss[-1]:.4f}" if history.val_loss else ""
            print(f"epoch {epoch:5d}: loss {history.loss[-1]:.4f}{extra}")
    return history
