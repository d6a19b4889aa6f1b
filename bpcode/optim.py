r"""Optimisers: turn gradients into parameter updates.

Backpropagation only *computes* ∂L/∂θ; an optimiser decides what to do with it.
Each optimiser is given the model (a :class:`~bpcode.layers.Layer`, usually a
``Sequential``) and updates its parameter arrays **in place** when ``step()`` is
called, from the gradients of the last backward pass.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._checks import NonFiniteError, check_instance, check_positive_float
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
    weight_decay : float, default=0.0
        L2 penalty λ, PyTorch's coupled convention: the gradient of (λ/2)‖θ‖², λθ, is
        added to every parameter's gradient before the update (biases included).
    """

    def __init__(self, model: Layer, lr: float, weight_decay: float = 0.0) -> None:
        where = type(self).__name__
        check_instance(model, Layer, "model", where, "Sequential([...])")
        self.model = model
        self.lr = check_positive_float(lr, "lr", where)
        self.weight_decay = check_positive_float(
            weight_decay, "weight_decay", where, allow_zero=True
        )

    def step(self) -> None:
        """Update every parameter in place from its current gradient."""
        for i, (name, value, grad) in enumerate(self.model.parameters()):
            if grad.shape != value.shape:
                raise ValueError(
                    f"{type(self).__name__}: the gradient of {name} has shape {grad.shape}, "
                    f"the parameter {value.shape}"
                )
            if self.weight_decay:
                grad = grad + self.weight_decay * value  # g ← g + λθ
            self._update(i, value, grad)
        self.model.parameters_updated()

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
    weight_decay : float, default=0.0
        L2 penalty λ (see :class:`Optimizer`).
    """

    def __init__(
        self,
        model: Layer,
        lr: float = 0.1,
        momentum: float = 0.0,
        *,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(model, lr, weight_decay)
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
    weight_decay : float, default=0.0
        L2 penalty λ added to the gradient (see :class:`Optimizer`); for the decoupled
        form use :class:`AdamW`.
    """

    def __init__(
        self,
        model: Layer,
        lr: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        *,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(model, lr, weight_decay)
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


class AdamW(Adam):
    """Adam with decoupled weight decay :cite:p:`loshchilov2019decoupled`.

    Before each Adam step every parameter shrinks, θ ← θ − η λ θ; the decay does not
    pass through the moments m and v (as in PyTorch's ``AdamW``).

    Parameters
    ----------
    model : Layer
    lr : float, default=0.001
    beta1 : float, default=0.9
    beta2 : float, default=0.999
    eps : float, default=1e-8
    weight_decay : float, default=0.01
        The decay rate λ.
    """

    def __init__(
        self,
        model: Layer,
        lr: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        *,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(model, lr, beta1, beta2, eps)
        self.decay = check_positive_float(
            weight_decay, "weight_decay", "AdamW", allow_zero=True
        )

    def _update(self, i: int, value: np.ndarray, grad: np.ndarray) -> None:
        value -= self.lr * self.decay * value  # θ ← θ − η λ θ, outside the moments
        super()._update(i, value, grad)

    def __repr__(self) -> str:
        return f"AdamW(lr={self.lr}, weight_decay={self.decay})"


def clip_grad_norm(model: Layer, max_norm: float) -> float:
    """Scale all gradients of ``model`` so that their total norm is at most ``max_norm``.

    The total norm is ‖g‖ over every gradient entry of every parameter, as one vector.
    If it exceeds ``max_norm``, every gradient is multiplied in place by
    max_norm / (‖g‖ + 1e-6), as PyTorch's ``clip_grad_norm_`` does; the direction of the
    step is kept. Call it between ``backward`` and the optimiser's ``step``.

    Parameters
    ----------
    model : Layer
    max_norm : float
        The largest total norm allowed, > 0.

    Returns
    -------
    float
        The total norm before clipping.

    Raises
    ------
    ~bpcode.NonFiniteError
        If a gradient contains NaN or infinity (there is no direction to keep).
    """
    check_instance(model, Layer, "model", "clip_grad_norm", "Sequential([...])")
    max_norm = check_positive_float(max_norm, "max_norm", "clip_grad_norm")
    grads = [grad for _, _, grad in model.parameters()]
    for name, value, grad in model.parameters():
        if np.shape(grad) != value.shape:
            raise ValueError(
                f"clip_grad_norm: the gradient of {name} has shape {np.shape(grad)}, "
                f"the parameter {value.shape}"
            )
    total = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
    if not math.isfinite(total):
        raise NonFiniteError(f"clip_grad_norm: the gradients' total norm is {total}")
    if total > max_norm:
        for grad in grads:
            grad *= max_norm / (total + 1e-6)
    return total
