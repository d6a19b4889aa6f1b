"""The training loop: one step of the article's four, mini-batches, and a history."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from ._checks import (
    NonFiniteError,
    as_generator,
    check_bool,
    check_finite,
    check_instance,
    check_positive_int,
)
from .layers import Layer
from .losses import Loss
from .metrics import accuracy
from .optim import Optimizer

Metric = Callable[[np.ndarray, np.ndarray], float]


def train_step(
    model: Layer, loss: Loss, optimizer: Optimizer, X: np.ndarray, Y: np.ndarray
) -> float:
    """One step of gradient descent on a mini-batch; return the loss before the step.

    Parameters
    ----------
    model : Layer
        The network.
    loss : Loss
        The loss to minimise.
    optimizer : Optimizer
        Built for this model: it updates the model's parameters.
    X, Y : ndarray
        The mini-batch: the inputs, and the targets in a form the loss accepts.

    Returns
    -------
    float
    """
    if not isinstance(loss, Loss) or not isinstance(optimizer, Optimizer):
        _check_parts("train_step", model, loss, optimizer)
    out = model.forward(X)  # 1. forward pass
    value = loss.forward(out, Y)  # 2. error
    model.backward(loss.backward(), input_grad=False)  # 3. backward pass
    optimizer.step()  # 4. update
    return value


class TrainingDivergedError(FloatingPointError):
    """Raised by :func:`fit` when the output, the loss or a parameter becomes NaN or infinite.

    Attributes
    ----------
    epoch : int
        The epoch (counted from 1) in which it happened.
    history : History
        Everything recorded before that epoch.
    """

    def __init__(self, message: str, epoch: int, history: History) -> None:
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


def fit(
    model: Layer,
    loss: Loss,
    optimizer: Optimizer,
    X: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int,
    batch_size: int | None = None,
    shuffle: bool = True,
    rng: None | int | np.random.Generator = None,
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    metric: None | str | Metric = None,
    verbose: int = 0,
) -> History:
    """Train ``model`` with mini-batch gradient descent and return its history.

    Checks everything once, puts the model in training mode (``model.train()``), then
    repeats :func:`train_step` over mini-batches. If the
    network's output, the loss or a parameter becomes NaN or infinite, training stops
    with :class:`TrainingDivergedError`, saying in which epoch.

    Parameters
    ----------
    model : Layer
        Usually a :class:`~bpcode.layers.Sequential`.
    loss : Loss
        An instance, e.g. ``MSELoss()``.
    optimizer : Optimizer
        Built for the same model, e.g. ``SGD(model, lr=0.1)`` (or for part of it:
        it updates only the parameters it was given).
    X : ndarray of shape (n_samples, ...)
        The inputs, as the model takes them: (n_samples, n_features), images
        (n, C, H, W), sequences (n, T, features), or integer token ids of shape
        (n_samples, context) for a model that starts with an
        :class:`~bpcode.layers.Embedding`.
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
        ``metric(y_true, output) -> float``, recorded after every epoch (like the
        validation loss, in evaluation mode: no dropout, batch norm's running
        statistics; the model's modes are restored afterwards). With
        ``"accuracy"``, one-column outputs are thresholded at 0.5, or at 0 when the
        loss takes logits (``BinaryCrossEntropy(from_logits=True)``).
    verbose : int, default=0
        Print the loss every ``verbose`` epochs (0: never).

    Returns
    -------
    History
    """
    check_bool(shuffle, "shuffle", "fit")
    if isinstance(verbose, bool) or not isinstance(verbose, int) or verbose < 0:
        raise ValueError(f"fit: verbose must be an int >= 0, got {verbose!r}")
    X, y, n_samples, batch_size, metric_fn, validation = _check_fit_arguments(
        model, loss, optimizer, X, y, epochs, batch_size, metric, validation_data
    )
    gen = as_generator(rng, "fit")
    model.train()  # dropout and batch statistics on while training
    history = History()
    order = np.arange(n_samples)
    try:
        for epoch in range(1, epochs + 1):
            if shuffle and batch_size < n_samples:
                gen.shuffle(order)  # a new random order every epoch
            loss_sum = 0.0
            for start in range(0, n_samples, batch_size):
                batch = order[start : start + batch_size]
                loss_sum += len(batch) * train_step(
                    model, loss, optimizer, X[batch], y[batch]
                )
            history.loss.append(loss_sum / n_samples)
            _check_parameters(model, epoch)  # the epoch's last update included
            with _evaluation_mode(model):  # no dropout; batch norm's running statistics
                _record_evaluation(history, model, loss, metric_fn, X, y, validation)
            if verbose and (epoch % verbose == 0 or epoch == epochs):
                extra = (
                    f", val_loss {history.val_loss[-1]:.4f}" if history.val_loss else ""
                )
                print(f"epoch {epoch:5d}: loss {history.loss[-1]:.4f}{extra}")
    except NonFiniteError as error:
        raise TrainingDivergedError(
            f"fit: training diverged in epoch {epoch} ({error}); the learning rate "
            f"({optimizer.lr:g}) is probably too large, or the inputs are badly scaled",
            epoch,
            history,
        ) from None
    except ValueError as error:  # e.g. an output left what the loss needs
        raise ValueError(f"fit, epoch {epoch}: {error}") from None
    return history


def _check_fit_arguments(
    model, loss, optimizer, X, y, epochs, batch_size, metric, validation_data
):
    """Everything ``fit`` checks once, before the first step; returns what the loop needs."""
    where = "fit"
    _check_parts(where, model, loss, optimizer)
    trained = {id(value) for _, value, _ in model.parameters()}
    if trained and trained.isdisjoint(
        id(value) for _, value, _ in optimizer.model.parameters()
    ):
        raise ValueError(
            f"{where}: the optimizer was built for another model: it updates none "
            f"of the parameters of {model!r} (a new model needs a new optimizer, "
            "e.g. SGD(model, lr=0.1))"
        )
    epochs = check_positive_int(epochs, "epochs", where)
    X, y = _check_data(model, loss, X, y, where, "X", "y")
    n = len(X)
    batch_size = (
        n
        if batch_size is None
        else min(check_positive_int(batch_size, "batch_size", where), n)
    )
    if metric == "accuracy":
        # a model trained on logits (BinaryCrossEntropy(from_logits=True)) says "class 1"
        # when its output is above 0, not above 0.5
        threshold = 0.0 if getattr(loss, "from_logits", False) else 0.5

        def metric_fn(t: np.ndarray, out: np.ndarray) -> float:
            return accuracy(t, out, threshold=threshold)
    else:
        metric_fn = metric
    if metric_fn is not None and not callable(metric_fn):
        raise ValueError(
            f"{where}: metric must be 'accuracy' or a callable, got {metric!r}"
        )
    validation = None
    if validation_data is not None:
        if not (
            isinstance(validation_data, (tuple, list)) and len(validation_data) == 2
        ):
            got = (
                f"a {type(validation_data).__name__} of length {len(validation_data)}"
                if isinstance(validation_data, (tuple, list))
                else type(validation_data).__name__
            )
            raise TypeError(
                f"{where}: validation_data must be a pair (X_val, y_val), got {got}"
            )
        validation = _check_data(
            model,
            loss,
            *validation_data,
            f"{where} (validation_data)",
            "X_val",
            "y_val",
        )
    return X, y, n, batch_size, metric_fn, validation


def _check_parts(where: str, model: object, loss: object, optimizer: object) -> None:
    """Raise a clear TypeError if an argument is not an instance of its bpcode class."""
    check_instance(model, Layer, "model", where, "Sequential([...])")
    check_instance(loss, Loss, "loss", where, "MSELoss()")
    check_instance(optimizer, Optimizer, "optimizer", where, "SGD(model, lr=0.1)")


def _check_data(
    model: Layer, loss: Loss, X: object, y: object, where: str, x_name: str, y_name: str
) -> tuple[np.ndarray, np.ndarray]:
    """Check all the data once: X as the model takes it, y as the loss takes it.

    The model runs on two samples only (in evaluation mode, so that no dropout mask is
    drawn and no running statistic moves), which is enough to learn its output's shape.
    """
    try:
        X = model.check_input(X)
        if X.dtype.kind == "f":
            check_finite(X, where, x_name)
        with _evaluation_mode(model):
            out = model.forward(X[:2])
    except (TypeError, ValueError) as error:
        raise type(error)(
            f"{where}: {x_name} (shape {np.shape(X)}) does not fit the model: {error}"
        ) from None
    try:
        Y = loss.check_target(y, (len(np.asarray(y)), *out.shape[1:]))
        check_finite(Y, where, y_name)
        loss.forward(out, np.asarray(y)[:2])
    except (TypeError, ValueError) as error:
        raise type(error)(
            f"{where}: the loss cannot take {y_name} (shape {np.shape(y)}) with the "
            f"model's output (shape (n_samples, {', '.join(map(str, out.shape[1:]))})) "
            f"for {x_name}: {error}"
        ) from None
    if len(Y) != len(X):
        raise ValueError(
            f"{where}: {x_name} (shape {X.shape}) has {len(X)} samples but {y_name} "
            f"(shape {np.shape(y)}) has {len(Y)}"
        )
    return X, np.asarray(y)


@contextmanager
def _evaluation_mode(model: Layer) -> Iterator[None]:
    """Run ``model`` in evaluation mode, then give every layer its own mode back."""
    modes, stack = [], [model]
    while stack:
        layer = stack.pop()
        modes.append((layer, layer.training))
        stack.extend(layer.layers_inside())
    model.eval()
    try:
        yield
    finally:
        for layer, training in modes:
            layer.training = training


def _record_evaluation(
    history: History,
    model: Layer,
    loss: Loss,
    metric_fn: Metric | None,
    X: np.ndarray,
    y: np.ndarray,
    validation: tuple[np.ndarray, np.ndarray] | None,
) -> None:
    """Append the end-of-epoch metric and validation loss/metric to ``history``."""
    if metric_fn is not None:
        history.metric.append(float(metric_fn(y, model.forward(X))))
    if validation is not None:
        X_val, y_val = validation
        out_val = model.forward(X_val)
        history.val_loss.append(loss.forward(out_val, y_val))
        if metric_fn is not None:
            history.val_metric.append(float(metric_fn(y_val, out_val)))


def _check_parameters(model: Layer, epoch: int) -> None:
    for name, value, _ in model.parameters():
        if not np.isfinite(value).all():
            raise NonFiniteError(f"parameter {name} became NaN or infinite")
