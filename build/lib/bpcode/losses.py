"""Loss functions: a scalar L from predictions and targets, and ∂L/∂(prediction).

All losses average over the n samples of a batch (rows; for sequences, over every
time step of every sample), so the learning rate does not depend on the batch size. Every loss has

* ``forward(prediction, target) -> float``, which checks its arguments and
  remembers what the gradient needs;
* ``backward() -> ndarray``, the gradient with respect to ``prediction``,
  of the same shape as ``prediction``.

Names follow the book's notation: predictions Ŷ (``Y_hat``), logits Z,
probabilities P, targets Y.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import (
    NonFiniteError,
    as_float_array,
    check_bool,
    check_finite,
    check_positive_float,
)
from .functional import sigmoid


class Loss:
    """Base class of the losses.

    A loss implements ``_forward(prediction, Y) -> float`` and ``_backward()``; it may
    say what predictions and targets it accepts in ``_check_prediction`` and
    ``check_target``.
    """

    _has_forward = False

    def forward(self, prediction: np.ndarray, target: np.ndarray) -> float:
        """Compute the loss for a batch and remember what :meth:`backward` needs.

        Parameters
        ----------
        prediction : ndarray of shape (n_samples, n_outputs)
            The network's output.
        target : ndarray of shape (n_samples, n_outputs), or (n_samples,) of int labels
            The desired output; the shapes a loss accepts are in its Notes
            (class labels only for :class:`SoftmaxCrossEntropy`).

        Returns
        -------
        float
        """
        prediction = self._check_prediction(prediction)
        Y = self.check_target(target, prediction.shape)
        if len(Y) != len(prediction):
            raise ValueError(
                f"{self!r}: prediction has {len(prediction)} samples but target "
                f"has {len(Y)}"
            )
        value = self._forward(prediction, Y)
        if not math.isfinite(value):  # finite inputs, too large a loss
            check_finite(Y, self, "target")
            raise NonFiniteError(
                f"{self!r}: the loss is {value} (the prediction is finite, "
                f"from {prediction.min():g} to {prediction.max():g})"
            )
        self._has_forward = True
        return value

    def backward(self) -> np.ndarray:
        """Gradient of the last computed loss with respect to the prediction.

        Returns
        -------
        ndarray, the shape of the prediction
        """
        if not self._has_forward:
            raise RuntimeError(f"{self!r}: backward() called before forward()")
        return self._backward()

    def __call__(self, prediction: np.ndarray, target: np.ndarray) -> float:
        return self.forward(prediction, target)

    _prediction_shapes = {2: "(n_samples, n_outputs)"}  # by number of dimensions

    def _check_prediction(self, prediction: object) -> np.ndarray:
        """The prediction as a float64 array of shape (n_samples, n_outputs)."""
        P = np.asarray(prediction)
        if P.dtype.kind != "f" or P.ndim not in self._prediction_shapes or P.size == 0:
            raise ValueError(
                f"{self!r}: prediction must be a non-empty float array of shape "
                f"{' or '.join(self._prediction_shapes.values())}, got {P.ndim}-D array "
                f"of dtype {P.dtype} and shape {P.shape}"
            )
        P = P if P.dtype == np.float64 else P.astype(np.float64)
        check_finite(P, self, "prediction")  # a diverged network's output
        return P

    def check_target(self, target: object, shape: tuple[int, ...]) -> np.ndarray:
        """Check ``target`` as :meth:`~bpcode.losses.Loss.forward` does (prediction ``shape``).

        Parameters
        ----------
        target : array-like
            The targets, in a form this loss accepts (see its Notes).
        shape : tuple of int
            The shape of the prediction they go with.

        Returns
        -------
        ndarray
            The targets as float64 rows of the prediction's shape (class labels become
            one-hot rows).
        """
        # a copy: the caller changing its target cannot change the next backward()
        Y = as_float_array(target, self, "target", ndim=len(shape), finite=False)
        if Y.shape[1:] != shape[1:]:
            raise ValueError(
                f"{self!r}: target must have shape (n_samples, {', '.join(map(str, shape[1:]))})"
                f" like the prediction, got shape {Y.shape}"
            )
        return Y

    def _forward(self, prediction: np.ndarray, Y: np.ndarray) -> float:
        raise NotImplementedError

    def _backward(self) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MSELoss(Loss):
    """Mean squared error with the article's factor one half.

    L = 1/(2n) Σᵢ ‖ŷᵢ − yᵢ‖² and ∂L/∂Ŷ = (Ŷ − Y)/n, for a prediction Ŷ and a target Y
    of the same shape (n_samples, n_outputs).
    """

    def _forward(self, Y_hat: np.ndarray, Y: np.ndarray) -> float:
        self._n = len(Y)
        self._residual = Y_hat - Y
        squares = np.vdot(
            self._residual, self._residual
        )  # Σᵢ ‖ŷᵢ − yᵢ‖², a dot product
        return float(squares) / (2 * self._n)

    def _backward(self) -> np.ndarray:
        return self._residual / self._n  # ∂L/∂Ŷ = (Ŷ − Y)/n


class BinaryCrossEntropy(Loss):
    r"""Binary cross-entropy for independent yes/no outputs.

    L = −(1/n) Σᵢₖ [yᵢₖ log pᵢₖ + (1 − yᵢₖ) log(1 − pᵢₖ)].

    Parameters
    ----------
    from_logits : bool, default=False
        If False, the prediction is a probability P (the output of a ``Sigmoid``) and
        must lie in [0, 1] (checked on every call); it is clipped to ``[eps, 1 − eps]``
        so that log(0) never happens, and ∂L/∂P = (P − Y) / (P (1 − P) n), or 0 where
        the clipping changed P (the clipped loss is flat there: a sigmoid output that
        is confidently wrong beyond abs(z) ≈ 27.6 gets no gradient). For training, prefer
        a linear output and ``from_logits=True``, whose gradient never vanishes.
        If True, the prediction is the logit Z and P = σ(Z) is applied inside, stably;
        then ∂L/∂Z = (σ(Z) − Y)/n: the sigmoid's derivative cancels.
    eps : float, default=1e-12
        Clipping bound for probabilities (ignored when ``from_logits``); in (0, 0.5).

    Notes
    -----
    Target: ndarray of shape (n_samples, n_outputs), values in [0, 1].
    """

    def __init__(self, *, from_logits: bool = False, eps: float = 1e-12) -> None:
        self.from_logits = check_bool(from_logits, "from_logits", "BinaryCrossEntropy")
        self.eps = check_positive_float(eps, "eps", "BinaryCrossEntropy")
        if self.eps >= 0.5:
            raise ValueError(
                f"BinaryCrossEntropy: eps must be in (0, 0.5), got {eps!r}"
            )

    def _check_prediction(self, prediction: object) -> np.ndarray:
        P = super()._check_prediction(prediction)
        if not self.from_logits and (P.min() < 0.0 or P.max() > 1.0):
            raise ValueError(
                f"{self!r}: expected probabilities in [0, 1] as the prediction (e.g. the "
                f"output of a Sigmoid), got values from {P.min():g} to {P.max():g}; for "
                "logits (raw scores) use BinaryCrossEntropy(from_logits=True)"
            )
        return P

    def check_target(self, target: object, shape: tuple[int, ...]) -> np.ndarray:
        Y = super().check_target(target, shape)
        if Y.min() < 0.0 or Y.max() > 1.0:
            raise ValueError(
                f"{self!r}: targets must lie in [0, 1], got values from "
                f"{Y.min():g} to {Y.max():g}"
            )
        return Y

    def _forward(self, prediction: np.ndarray, Y: np.ndarray) -> float:
        self._n, self._Y = len(Y), Y
        if self.from_logits:
            Z = prediction
            self._P = sigmoid(Z)
            losses = np.logaddexp(0.0, Z) - Y * Z  # log(1 + e^z) − y z, stably
            return float(np.sum(losses)) / self._n
        P = self._P = np.clip(prediction, self.eps, 1.0 - self.eps)
        self._inside = P == prediction  # where the clipping changed nothing
        return -float(np.sum(Y * np.log(P) + (1.0 - Y) * np.log1p(-P))) / self._n

    def _backward(self) -> np.ndarray:
        P, Y, n = self._P, self._Y, self._n
        if self.from_logits:
            return (P - Y) / n  # ∂L/∂Z = (σ(Z) − Y)/n
        # ∂L/∂P; 0 where P was clipped: the clipped loss does not change there
        return (P - Y) / (P * (1.0 - P)) / n * self._inside

    def __repr__(self) -> str:
        return f"BinaryCrossEntropy(from_logits={self.from_logits})"


class SoftmaxCrossEntropy(Loss):
    r"""Softmax followed by cross-entropy, fused and numerically stable.

    Takes **logits** Z (no softmax layer before it): P = softmax(Z) row by row,
    L = −(1/n) Σᵢ Σₖ yᵢₖ log pᵢₖ and ∂L/∂Z = (P − Y)/n. For a batch of sequences,
    logits of shape (n_samples, T, n_classes), every time step is a row: the mean is
    over all n·T of them.

    Notes
    -----
    Target: either integer class labels, ndarray of shape (n_samples,) with values
    in ``[0, n_classes)`` (turned into one-hot rows Y), or one-hot (or other
    probability) rows, ndarray of shape (n_samples, n_classes) whose rows sum to 1;
    for sequences, labels of shape (n_samples, T) or rows of shape (n_samples, T,
    n_classes).
    """

    _prediction_shapes = {2: "(n_samples, n_classes)", 3: "(n_samples, T, n_classes)"}
    _identity = np.eye(0)

    def check_target(self, target: object, shape: tuple[int, ...]) -> np.ndarray:
        labels = np.asarray(target)
        if labels.ndim == len(shape):  # one-hot or probability rows
            Y = super().check_target(target, shape)
            bad = (Y < 0.0).any(axis=-1) | (np.abs(Y.sum(axis=-1) - 1.0) > 1e-6)
            if bad.any():
                row = tuple(int(i) for i in np.argwhere(bad)[0])
                raise ValueError(
                    f"{self!r}: targets of the logits' shape must be one-hot or "
                    f"probability rows (non-negative, each summing to 1), got row {row} "
                    f"= {Y[row]} (sum {Y[row].sum():g})"
                )
            return Y
        if labels.shape != shape[:-1]:
            raise ValueError(
                f"{self!r}: class labels must have shape {shape[:-1]} for logits of "
                f"shape {shape} (or give one-hot rows of the logits' shape), got shape "
                f"{labels.shape}"
            )
        if (
            labels.dtype.kind == "f"
            and np.isfinite(labels).all()
            and (labels % 1 == 0).all()
        ):
            labels = labels.astype(np.intp)  # whole-number floats: 2.0 -> 2
        if labels.dtype.kind not in "iu":
            raise TypeError(
                f"{self!r}: class labels must be integers, got dtype {labels.dtype}"
            )
        n_classes = shape[-1]
        if len(self._identity) != n_classes:
            self._identity = np.eye(n_classes)
        if labels.dtype.kind == "i" and labels.min() < 0:  # would count from the end
            raise self._label_error(labels, n_classes)
        try:
            return self._identity[labels]  # one-hot rows
        except IndexError:  # a label >= n_classes
            raise self._label_error(labels, n_classes) from None

    def _label_error(self, labels: np.ndarray, n_classes: int) -> ValueError:
        return ValueError(
            f"{self!r}: class labels must lie in [0, {n_classes}) for "
            f"{n_classes} logits, got values from {labels.min()} to "
            f"{labels.max()}"
        )

    def _forward(self, Z: np.ndarray, Y: np.ndarray) -> float:
        self._n = Z.size // Z.shape[-1]  # rows: samples, or samples × time steps
        Z = Z - Z.max(
            axis=-1, keepdims=True
        )  # the largest logit 0: exp cannot overflow
        exp = np.exp(Z)
        sums = exp.sum(axis=-1, keepdims=True)
        self._P, self._Y = exp / sums, Y  # P = softmax(Z), row by row
        # L = (1/n) Σᵢ [log Σₖ exp(zᵢₖ) − Σₖ yᵢₖ zᵢₖ]: −Σₖ yᵢₖ log pᵢₖ, as rows of Y sum to 1
        return float(np.log(sums).sum() - np.vdot(Y, Z)) / self._n

    def _backward(self) -> np.ndarray:
        return (self._P - self._Y) / self._n  # ∂L/∂Z = (P − Y)/n
