r"""Loss functions: a scalar :math:`L` from predictions and targets, and :math:`\partial L/\partial \text{prediction}`.

All losses average over the ``n`` samples of a batch (rows), so the learning
rate does not depend on the batch size. Every loss has

* ``forward(prediction, target) -> float``, which checks its arguments and
  remembers what the gradient needs;
* ``backward() -> ndarray``, the gradient with respect to ``prediction``,
  of the same shape as ``prediction``.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from ._checks import as_float_matrix, check_positive_float
from .functional import sigmoid


class Loss:
    """Base class of the losses.

    Subclasses implement ``_check_target(target, n_outputs)`` (validate and
    convert the targets), ``_forward(P, T)`` and ``_backward()``.
    """

    _grad_ready = False
    _checks_values = False    # True if _check_prediction checks the values, not only the shape

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
        P = self._check_prediction(prediction)
        T = self._check_target(target, P.shape[1])
        if len(T) != len(P):
            raise ValueError(f"{self!r}: prediction has {len(P)} samples but target has {len(T)}")
        return self._forward(P, T)

    def backward(self) -> np.ndarray:
        """Gradient of the last computed loss with respect to the prediction.

        Returns
        -------
        ndarray of shape (n_samples, n_outputs)
        """
        if not self._grad_ready:
            raise RuntimeError(f"{self!r}: backward() called before forward()")
        return self._backward()

    def __call__(self, prediction: np.ndarray, target: np.ndarray) -> float:
        return self.forward(prediction, target)

    def _check_prediction(self, prediction: np.ndarray) -> np.ndarray:
        P = np.asarray(prediction)
        if P.dtype.kind != "f" or P.ndim != 2 or P.size == 0:
            raise ValueError(
                f"{self!r}: prediction must be a non-empty 2-D float array of shape "
                f"(n_samples, n_outputs), got {P.ndim}-D array of dtype {P.dtype} and shape {P.shape}")
        P = P.astype(np.float64, copy=False)    # in float32, 1 - 1e-12 rounds to 1: log(0)
        if not np.isfinite(P).all():
            bad = np.argwhere(~np.isfinite(P))[0]
            raise ValueError(f"{self!r}: prediction contains NaN or infinity "
                             f"(first at row {bad[0]}, column {bad[1]})")
        return P

    def _check_target(self, target: np.ndarray, n_outputs: int) -> np.ndarray:
        T = as_float_matrix(target, repr(self), "target")
        if T.shape[1] != n_outputs:
            raise ValueError(f"{self!r}: target must have {n_outputs} column(s) like the "
                             f"prediction, got shape {T.shape}")
        return T

    def _forward(self, P: np.ndarray, T: np.ndarray) -> float:
        raise NotImplementedError

    def _backward(self) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MSELoss(Loss):
    r"""Mean squared error with the article's factor one half.

    .. math:: L = \frac{1}{2n} \sum_{i=1}^{n} \sum_{k} (\hat y_{ik} - y_{ik})^2,
              \qquad \frac{\partial L}{\partial \hat y_{ik}} = \frac{\hat y_{ik} - y_{ik}}{n}

    Target: ndarray of shape (n_samples, n_outputs), like the prediction.
    """

    def _forward(self, P: np.ndarray, T: np.ndarray) -> float:
        self._diff = P - T
        self._n = P.shape[0]
        self._grad_ready = True
        return 0.5 * float(np.vdot(self._diff, self._diff)) / self._n

    def _backward(self) -> np.ndarray:
        return self._diff / self._n


class BinaryCrossEntropy(Loss):
    r"""Binary cross-entropy for independent yes/no outputs.

    .. math:: L = -\frac{1}{n} \sum_{i,k} \big[ y_{ik} \log p_{ik} + (1-y_{ik}) \log(1-p_{ik}) \big]

    Parameters
    ----------
    from_logits : bool, default=False
        If False, the prediction is a probability :math:`p` (the output of a
        :class:`~bpcode.activations.Sigmoid`) and must lie in [0, 1]; other
        values (e.g. logits) raise a ValueError. It is clipped to
        ``[eps, 1 - eps]`` so that ``log(0)`` never happens, and the gradient
        is :math:`(p - y) / (p(1-p)\,n)`.
        If True, the prediction is the logit :math:`z` and :math:`p = \sigma(z)`
        is applied inside, stably; the gradient is then :math:`(\sigma(z) - y)/n`
        — the sigmoid's derivative cancels.
    eps : float, default=1e-12
        Clipping bound for probabilities (ignored when ``from_logits``); must be
        in (0, 0.5).

    Notes
    -----
    Target: ndarray of shape (n_samples, n_outputs), values in [0, 1].
    """

    def __init__(self, *, from_logits: bool = False, eps: float = 1e-12) -> None:
        self.from_logits = bool(from_logits)
        self.eps = check_positive_float(eps, "eps", "BinaryCrossEntropy")
        if self.eps >= 0.5:
            raise ValueError(f"BinaryCrossEntropy: eps must be in (0, 0.5), got {eps!r}")

    @property
    def _checks_values(self) -> bool:
        return not self.from_logits

    def _check_prediction(self, prediction: np.ndarray) -> np.ndarray:
        P = super()._check_prediction(prediction)
        if not self.from_logits:
            lo, hi = P.min(), P.max()
            if lo < 0.0 or hi > 1.0:
                raise ValueError(
                    f"{self!r}: expected probabilities in [0, 1] as the prediction (e.g. the "
                    f"output of a Sigmoid), got values from {lo:g} to {hi:g}; for logits "
                    "(raw scores) use BinaryCrossEntropy(from_logits=True)")
        return P

    def _check_target(self, target: np.ndarray, n_outputs: int) -> np.ndarray:
        T = super()._check_target(target, n_outputs)
        if T.min() < 0.0 or T.max() > 1.0:
            raise ValueError(f"{self!r}: targets must lie in [0, 1], got values from "
                             f"{T.min():g} to {T.max():g}")
        return T

    def _forward(self, P: np.ndarray, T: np.ndarray) -> float:
        n = P.shape[0]
        self._T, self._n = T, n
        self._grad_ready = True
        if self.from_logits:
            self._Z = P
            # log(1 + e^z) - y z, computed without overflow
            return float(np.sum(np.logaddexp(0.0, P) - T * P)) / n
        Pc = np.clip(P, self.eps, 1.0 - self.eps)
        self._P = Pc
        return -float(np.sum(T * np.log(Pc) + (1.0 - T) * np.log1p(-Pc))) / n

    def _backward(self) -> np.ndarray:
        if self.from_logits:
            return (sigmoid(self._Z) - self._T) / self._n
        P = self._P
        return (P - self._T) / (P * (1.0 - P)) / self._n

    def __repr__(self) -> str:
        return f"BinaryCrossEntropy(from_logits={self.from_logits})"


class SoftmaxCrossEntropy(Loss):
    r"""Softmax followed by cross-entropy, fused and numerically stable.

    Takes **logits** :math:`z` (no softmax layer before it):

    .. math:: p_{ik} = \frac{e^{z_{ik}}}{\sum_j e^{z_{ij}}}, \qquad
              L = -\frac{1}{n}\sum_{i}\sum_{k} y_{ik} \log p_{ik}, \qquad
              \frac{\partial L}{\partial z_{ik}} = \frac{p_{ik} - y_{ik}}{n}

    Notes
    -----
    Target: either integer class labels, ndarray of shape (n_samples,) with
    values in ``[0, n_classes)``, or one-hot (or other probability) rows,
    ndarray of shape (n_samples, n_classes) whose rows sum to 1.
    """

    def _check_target(self, target: np.ndarray, n_outputs: int) -> np.ndarray:
        T = np.asarray(target)
        if T.ndim == 1:
            if T.size == 0:
                raise ValueError(f"{self!r}: target is empty")
            if T.dtype.kind == "f" and np.all(np.isfinite(T)) and np.all(T == np.round(T)):
                T = T.astype(np.int64)
            if T.dtype.kind not in "iu":
                raise TypeError(f"{self!r}: 1-D targets must be integer class labels, "
                                f"got dtype {T.dtype}")
            if T.min() < 0 or T.max() >= n_outputs:
                raise ValueError(f"{self!r}: class labels must lie in [0, {n_outputs}) for "
                                 f"{n_outputs} logits, got values from {T.min()} to {T.max()}")
            return T.astype(np.intp, copy=False)
        T = super()._check_target(target, n_outputs)
        if T.min() < 0.0 or not np.allclose(T.sum(axis=1), 1.0, atol=1e-6):
            raise ValueError(f"{self!r}: 2-D targets must be one-hot or probability rows "
                             "(non-negative, each row summing to 1)")
        return T

    def _forward(self, P: np.ndarray, T: np.ndarray) -> float:
        n = P.shape[0]
        shifted = P - P.max(axis=1, keepdims=True)          # largest logit -> 0: no overflow
        exp = np.exp(shifted)
        sums = exp.sum(axis=1, keepdims=True)
        self._probs = exp / sums                            # softmax, rows sum to 1
        self._T, self._n = T, n
        self._grad_ready = True
        log_sums = np.log(sums)                             # >= 0, so log never sees 0
        if T.ndim == 1:
            rows = np.arange(n)
            return float((log_sums[:, 0] - shifted[rows, T]).sum()) / n
        return float(np.sum(T * (log_sums - shifted))) / n

    def _backward(self) -> np.ndarray:
        grad = self._probs.copy()
        if self._T.ndim == 1:
            grad[np.arange(self._n), self._T] -= 1.0
        else:
            grad -= self._T
        grad /= self._n
        return grad
