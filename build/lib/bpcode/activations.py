"""Activation layers: element-wise non-linearities A = f(Z) with their backward passes.

The backward pass of an activation is δ = ∂L/∂A ⊙ f'(Z): BP1 at the output layer,
the second half of BP2 below it. Each layer keeps what f' needs, and all of them keep
their **output** A, because their derivatives are cheap functions of it:
σ'(Z) = A (1 − A), tanh'(Z) = 1 − A², and ReLU's f'(Z) is 1 where A > 0. The output
is also the input of the next layer, which keeps it anyway: one array serves both.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_positive_float
from .functional import sigmoid
from .layers import Activation


class Sigmoid(Activation):
    """Logistic sigmoid, A = σ(Z) = 1 / (1 + exp(−Z)), element-wise.

    Keeps its output A, since σ'(Z) = A (1 − A). Stable for inputs of any size
    (see bpcode.functional.sigmoid).
    """

    _cache = ("_A",)

    def _forward(self, Z: np.ndarray) -> np.ndarray:
        self._A = sigmoid(Z)
        return self._A

    def _backward(self, dA: np.ndarray) -> np.ndarray:
        A = self._A
        return dA * A * (1.0 - A)  # δ = ∂L/∂A ⊙ σ'(Z): BP1, or BP2's second half


class Tanh(Activation):
    """Hyperbolic tangent, A = tanh(Z), element-wise.

    Keeps its output A, since tanh'(Z) = 1 − A².
    """

    _cache = ("_A",)

    def _forward(self, Z: np.ndarray) -> np.ndarray:
        self._A = np.tanh(Z)
        return self._A

    def _backward(self, dA: np.ndarray) -> np.ndarray:
        A = self._A
        return dA * (1.0 - A * A)  # δ = ∂L/∂A ⊙ tanh'(Z)


class ReLU(Activation):
    """Rectified linear unit, A = max(0, Z), element-wise.

    Keeps its output A: f'(Z) is 1 where Z > 0, which is where A > 0, and 0 elsewhere
    (at the kink Z = 0 we use 0, a valid subgradient).
    """

    _cache = ("_A",)

    def _forward(self, Z: np.ndarray) -> np.ndarray:
        self._A = np.maximum(Z, 0.0)
        return self._A

    def _backward(self, dA: np.ndarray) -> np.ndarray:
        return dA * (self._A > 0.0)  # δ = ∂L/∂A ⊙ f'(Z), f'(Z) = 1 where A > 0

    def count_near_kinks(self, X: np.ndarray, radius: float) -> int:
        """How many entries of an input ``X`` lie within ``radius`` of the kink at 0."""
        return int(np.count_nonzero(np.abs(X) <= radius))


class LeakyReLU(Activation):
    """Leaky ReLU: A = Z where Z > 0, else α Z.

    Keeps its output A: f'(Z) is 1 where A > 0 (the same as Z > 0) and α elsewhere.

    Parameters
    ----------
    alpha : float, default=0.01
        Slope α for negative inputs; must be >= 0.
    """

    _cache = ("_A",)

    def __init__(self, alpha: float = 0.01) -> None:
        self.alpha = check_positive_float(alpha, "alpha", "LeakyReLU", allow_zero=True)

    def _forward(self, Z: np.ndarray) -> np.ndarray:
        self._A = np.where(Z > 0.0, Z, self.alpha * Z)
        return self._A

    def _backward(self, dA: np.ndarray) -> np.ndarray:
        return np.where(self._A > 0.0, dA, self.alpha * dA)  # f'(Z) = 1 or α

    count_near_kinks = ReLU.count_near_kinks

    def __repr__(self) -> str:
        return f"LeakyReLU(alpha={self.alpha})"


class Identity(Activation):
    """The identity, A = Z: a linear output for regression. Backward passes ∂L/∂A on."""

    def _forward(self, Z: np.ndarray) -> np.ndarray:
        return Z

    def _backward(self, dA: np.ndarray) -> np.ndarray:
        return dA
