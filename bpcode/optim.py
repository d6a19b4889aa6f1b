r"""Optimisers: turn gradients into parameter updates.

Backpropagation only *computes* ∂L/∂θ; an optimiser decides what to do with it.
Each optimiser is given the model (a :class:`~bpcode.layers.Layer`, usually a
``Sequential``) and updates its parameter arrays **in place** when ``step()`` is
called, from the gradients of the last backward pass.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._checks import check_instance, check_positive_float
from .layers import Layer


class Optimizer:
    """Base class: holds the model and the learning rate.

    A subclass implements ``_update(i, value, grad)`` for the ``i``-th parameter.

    Parameters
    ----------
    model : Layer
        Usually a :class:`~bpcode.layers.Sequential`.
    lr : float
        Learning rate (step size), > 0.
    """

    def __init__(self, model: Layer, lr: float) -> None:
        where = type(self).__name__
        check_instance(model, Layer, "model", where, "Sequential([...])")
        self.model = model
        self.lr = check_positive_float(lr, "lr", where)

    def step(self) -> None:
        """Update every parameter in place from its current gradient."""
        for i, (_, value, grad) in enumerate(self.model.parameters()):
            self._update(i, value, grad)

    def _update(self, i: int, value: np.ndarray, grad: np.ndarray) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum.

    Without momentum: θ ← θ − η g. With momentum μ: v ← μ v − η g, θ ← θ + v
    (the "heavy ball" form).

    Parameters
    ----------
    model : Layer
    lr : float, default=0.1
        Learning rate η.
    momentum : float, default=0.0
        Momentum coefficient μ in [0, 1).
    """

    def __init__(self, model: Layer, lr: float = 0.1, momentum: float = 0.0) -> None:
        super().__init__(model, lr)
        self.momentum = check_positive_float(
            momentum, "momentum", "SGD", allow_zero=True
        )
        if self.momentum >= 1.0:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum!r}")
        self._velocity: dict[int, np.ndarray] = {}

    def _update(self, i: int, value: np.ndarray, grad: np.ndarray) -> None:
        if self.momentum == 0.0:
            value -= self.lr * grad  # θ ← θ − η g
            return
        if i not in self._velocity:
            self._velocity[i] = np.zeros_like(value)
        v = self._velocity[i]
        v *= self.momentum
        v -= self.lr * grad  # v ← μ v − η g
        value += v  # θ ← θ + v

    def __repr__(self) -> str:
        return f"SGD(lr={self.lr}, momentum={self.momentum})"


class Adam(Optimizer):
    r"""Adam :cite:p:`kingma2015adam`: per-parameter steps from running moments of the gradient.

    m ← β₁ m + (1 − β₁) g, v ← β₂ v + (1 − β₂) g², and after t steps
    θ ← θ − η m̂ / (√v̂ + ε) with m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ).

    Parameters
    ----------
    model : Layer
    lr : float, default=0.001
    beta1 : float, default=0.9
    beta2 : float, default=0.999
    eps : float, default=1e-8
    """

    def __init__(
        self,
        model: Layer,
        lr: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
    ) -> None:
        super().__init__(model, lr)
        for name, beta in (("beta1", beta1), ("beta2", beta2)):
            if isinstance(beta, bool) or not isinstance(beta, numbers.Real):
                raise TypeError(f"Adam: {name} must be a number, got {beta!r}")
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Adam: {name} must be in [0, 1), got {beta!r}")
        self.beta1, self.beta2 = float(beta1), float(beta2)
        self.eps = check_positive_float(eps, "eps", "Adam")
        self.t = 0
        self._m: dict[int, np.ndarray] = {}
        self._v: dict[int, np.ndarray] = {}

    def step(self) -> None:
        self.t += 1
        super().step()

    def _update(self, i: int, value: np.ndarray, grad: np.ndarray) -> None:
        if i not in self._m:
            self._m[i], self._v[i] = np.zeros_like(value), np.zeros_like(value)
        m, v = self._m[i], self._v[i]
        m *= self.beta1
        m += (1.0 - self.beta1) * grad  # m ← β₁ m + (1 − β₁) g
        v *= self.beta2
        v += (1.0 - self.beta2) * grad * grad  # v ← β₂ v + (1 − β₂) g²
        v_hat = v / (1.0 - self.beta2**self.t)
        value -= self.lr / (1.0 - self.beta1**self.t) * m / (np.sqrt(v_hat) + self.eps)

    def __repr__(self) -> str:
        return f"Adam(lr={self.lr}, beta1={self.beta1}, beta2={self.beta2})"
