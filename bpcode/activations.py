"""Activation layers: element-wise non-linearities with their backward passes.

Each layer caches what its derivative needs. Sigmoid and tanh cache their
**output** ``A`` because their derivatives are cheap functions of it:
``σ'(z) = A(1 - A)`` and ``tanh'(z) = 1 - A²``.

Tanh and ReLU also have ``_forward_overwrite`` and ``_backward_overwrite``: the
same arithmetic, written into the array they are given instead of a new one.
:class:`~bpcode.layers.Sequential` uses them only where that array is a fresh
result nobody else holds (the output, or the input gradient, of a ``Dense``
layer next to the activation); results are identical to the last bit.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from ._checks import check_positive_float
from .functional import sigmoid
from .layers import Layer


class Sigmoid(Layer):
    r"""Logistic sigmoid :math:`A = \sigma(Z) = 1/(1+e^{-Z})`, element-wise.

    Backward: :math:`\partial L/\partial Z = \partial L/\partial A \odot A(1-A)`.
    Stable for inputs of any size (see :func:`bpcode.functional.sigmoid`).
    """

    _cache = ("_A",)
    _keeps_width = True               # element-wise: output width = input width

    def _forward(self, X: np.ndarray) -> np.ndarray:
        self._A = sigmoid(X)
        return self._A

    def _backward(self, grad_out: np.ndarray, input_grad: bool) -> Optional[np.ndarray]:
        A = self._A
        return grad_out * A * (1.0 - A)


class Tanh(Layer):
    r"""Hyperbolic tangent :math:`A = \tanh(Z)`, element-wise.

    Backward: :math:`\partial L/\partial Z = \partial L/\partial A \odot (1 - A^2)`.
    """

    _cache = ("_A",)
    _keeps_width = True               # element-wise: output width = input width

    def _forward(self, X: np.ndarray) -> np.ndarray:
        self._A = np.tanh(X)
        return self._A

    def _backward(self, grad_out: np.ndarray, input_grad: bool) -> Optional[np.ndarray]:
        A = self._A
        return grad_out * (1.0 - A * A)

    def _forward_overwrite(self, X: np.ndarray) -> np.ndarray:
        self._A = np.tanh(X, out=X)                   # X itself becomes the output
        return self._A

    def _backward_overwrite(self, grad_out: np.ndarray, input_grad: bool) -> np.ndarray:
        A = self._A
        grad_out *= 1.0 - A * A
        return grad_out


class ReLU(Layer):
    r"""Rectified linear unit :math:`A = \max(0, Z)`, element-wise.

    Backward: the gradient passes where :math:`Z > 0` and is zero elsewhere
    (at the kink :math:`Z = 0` we use 0, a valid subgradient).
    """

    _cache = ("_A",)
    _keeps_width = True               # element-wise: output width = input width

    def _forward(self, X: np.ndarray) -> np.ndarray:
        self._A = np.maximum(X, 0.0)
        return self._A

    def _backward(self, grad_out: np.ndarray, input_grad: bool) -> Optional[np.ndarray]:
        return grad_out * (self._A > 0.0)

    def _forward_overwrite(self, X: np.ndarray) -> np.ndarray:
        self._A = np.maximum(X, 0.0, out=X)           # X itself becomes the output
        return self._A

    def _backward_overwrite(self, grad_out: np.ndarray, input_grad: bool) -> np.ndarray:
        return np.multiply(grad_out, self._A > 0.0, out=grad_out)


class LeakyReLU(Layer):
    r"""Leaky ReLU: :math:`A = Z` where :math:`Z > 0`, else :math:`\alpha Z`.

    Parameters
    ----------
    alpha : float, default=0.01
        Slope for negative inputs; must be >= 0.
    """

    _cache = ("_positive",)
    _keeps_width = True

    def __init__(self, alpha: float = 0.01) -> None:
        self.alpha = check_positive_float(alpha, "alpha", "LeakyReLU", allow_zero=True)

    def _forward(self, X: np.ndarray) -> np.ndarray:
        self._positive = X > 0.0
        return np.where(self._positive, X, self.alpha * X)

    def _backward(self, grad_out: np.ndarray, input_grad: bool) -> Optional[np.ndarray]:
        return np.where(self._positive, grad_out, self.alpha * grad_out)

    def __repr__(self) -> str:
        return f"LeakyReLU(alpha={self.alpha})"


class Identity(Layer):
    """The identity :math:`A = Z`: a linear output for regression.

    Backward passes the gradient through unchanged.
    """

    _keeps_width = True

    def _forward(self, X: np.ndarray) -> np.ndarray:
        return X

    def _backward(self, grad_out: np.ndarray, input_grad: bool) -> Optional[np.ndarray]:
        return grad_out
