r"""Optimisers: turn gradients into parameter updates.

Backpropagation only *computes* :math:`\partial L/\partial \theta`; an
optimiser decides what to do with it. Each optimiser is given the model (any
object with a ``parameters()`` method returning ``(name, value, gradient)``
triples) and updates the parameter arrays **in place** when :meth:`Optimizer.step` is
called.
"""

from __future__ import annotations

import numbers
from typing import Protocol

import numpy as np

from ._checks import check_positive_float


_CHUNK = 65_536   # elements (512 KiB of float64): small enough to stay in a core's cache


def add_scaled(target: np.ndarray, scale: float, x: np.ndarray) -> None:
    """Compute ``target += scale * x`` in place, without a temporary as large as ``x``.

    ``target += scale * x`` written directly first builds ``scale * x`` in a new
    array the size of the parameter, then reads it back from main memory. For a
    large layer (a million weights) that round trip costs as much as the update
    itself, so contiguous arrays are updated in cache-sized chunks instead. The
    result is the same to the last bit.

    Parameters
    ----------
    target : ndarray
        Updated in place.
    scale : float
    x : ndarray of the same shape as ``target``
    """
    if target.size <= _CHUNK or not (target.flags.c_contiguous and x.flags.c_contiguous):
        target += scale * x
        return
    t, g = target.reshape(-1), x.reshape(-1)          # views, because both are contiguous
    buffer = np.empty(_CHUNK)
    for start in range(0, t.size, _CHUNK):
        stop = min(start + _CHUNK, t.size)
        chunk = buffer[:stop - start]
        np.multiply(g[start:stop], scale, out=chunk)
        t[start:stop] += chunk


class HasParameters(Protocol):
    """Anything with a ``parameters()`` method, e.g. a :class:`~bpcode.layers.Sequential`."""

    def parameters(self) -> list[tuple[str, np.ndarray, np.ndarray]]: ...


class Optimizer:
    """Base class: holds the model and the learning rate.

    Parameters
    ----------
    model : object with a ``parameters()`` method
        Usually a :class:`~bpcode.layers.Sequential`.
    lr : float
        Learning rate (step size), > 0.
    """

    def __init__(self, model: HasParameters, lr: float) -> None:
        if not hasattr(model, "parameters"):
            raise TypeError(f"{type(self).__name__}: model must have a parameters() method, "
                            f"got {type(model).__name__}")
        self.model = model
        self.lr = check_positive_float(lr, "lr", type(self).__name__)

    def step(self) -> None:
        """Update every parameter in place from its current gradient."""
        for i, (_, value, grad) in enumerate(self.model.parameters()):
            self._update(i, value, grad)

    def _update(self, i: int, value: np.ndarray, grad: np.ndarray) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum.

    Without momentum: :math:`\theta \leftarrow \theta - \eta\, g`.
    With momentum :math:`\mu`: :math:`v \leftarrow \mu v - \eta g,\;
    \theta \leftarrow \theta + v` (the "heavy ball" form).

    Parameters
    ----------
    model : object with a ``parameters()`` method
    lr : float, default=0.1
        Learning rate :math:`\eta`.
    momentum : float, default=0.0
        Momentum coefficient :math:`\mu` in [0, 1).
    """

    def __init__(self, model: HasParameters, lr: float = 0.1, momentum: float = 0.0) -> None:
        super().__init__(model, lr)
        self.momentum = check_positive_float(momentum, "momentum", "SGD", allow_zero=True)
        if self.momentum >= 1.0:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum!r}")
        self._velocity: dict[int, np.ndarray] = {}

    def _update(self, i: int, value: np.ndarray, grad: np.ndarray) -> None:
        if self.momentum == 0.0:
            add_scaled(value, -self.lr, grad)         # value -= lr * grad
            return
        v = self._velocity.get(i)
        if v is None:
            v = self._velocity[i] = np.zeros_like(value)
        v *= self.momentum
        add_scaled(v, -self.lr, grad)                 # v -= lr * grad
        value += v

    def __repr__(self) -> str:
        return f"SGD(lr={self.lr}, momentum={self.momentum})"


class Adam(Optimizer):
    r"""Adam :cite:p:`kingma2015adam`: per-parameter steps from running moments of the gradient.

    .. math::
        m \leftarrow \beta_1 m + (1-\beta_1) g,\quad
        v \leftarrow \beta_2 v + (1-\beta_2) g^2,

        \theta \leftarrow \theta - \eta\, \frac{m / (1-\beta_1^t)}{\sqrt{v / (1-\beta_2^t)} + \epsilon}

    Parameters
    ----------
    model : object with a ``parameters()`` method
    lr : float, default=0.001
    beta1 : float, default=0.9
    beta2 : float, default=0.999
    eps : float, default=1e-8
    """

    def __init__(self, model: HasParameters, lr: float = 0.001, beta1: float = 0.9,
                 beta2: float = 0.999, eps: float = 1e-8) -> None:
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
            self._m[i] = np.zeros_like(value)
            self._v[i] = np.zeros_like(value)
        m, v = self._m[i], self._v[i]
        m *= self.beta1
        m += (1.0 - self.beta1) * grad
        v *= self.beta2
        v += (1.0 - self.beta2) * grad * grad
        m_hat_scale = self.lr / (1.0 - self.beta1 ** self.t)
        v_hat = v / (1.0 - self.beta2 ** self.t)
        value -= m_hat_scale * m / (np.sqrt(v_hat) + self.eps)

    def __repr__(self) -> str:
        return f"Adam(lr={self.lr}, beta1={self.beta1}, beta2={self.beta2})"
