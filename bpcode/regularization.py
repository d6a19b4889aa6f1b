"""Regularisation layers: ``Dropout``.

Dropout sets a random part of its input to zero while the network trains, a new part at
every forward pass, so that no unit can rely on any other one being there. It is a layer
whose behaviour depends on the mode: :meth:`~bpcode.layers.Layer.eval` turns it into the
identity (``Sequential.eval()`` switches every layer).
"""

from __future__ import annotations

import numbers

import numpy as np

from ._checks import as_generator
from .layers import Activation, Seed


class Dropout(Activation):
    """Inverted dropout: Z = X ⊙ M / (1 − p) in training mode, Z = X in evaluation mode.

    In training mode every forward pass draws a new mask M of the input's shape, each
    entry 1 with probability 1 − p (kept) and 0 with probability p (dropped), independently.
    Dividing by 1 − p keeps the expected value: E[Z] = X, so evaluation mode needs no
    rescaling and is the identity. The backward pass multiplies by the same mask:
    dX = δ ⊙ M / (1 − p) with δ = ∂L/∂Z, because Z is linear in X for a fixed M. With
    p = 0 the layer is the identity in both modes (no mask is drawn).

    Element-wise and shape-keeping, it takes inputs of any shape, and it subclasses
    :class:`~bpcode.layers.Activation` for that protocol only (``Sequential`` looks
    through it for the network's input width), not because it is a non-linearity.

    Memory: keeps the mask M of the last training-mode forward pass as a **bool** array of
    the input's shape (one byte per entry, an eighth of the float64 input); nothing in
    evaluation mode or with p = 0.

    Parameters
    ----------
    p : float
        Probability of dropping an entry, in [0, 1). (PyTorch's ``p``; Keras calls it
        ``rate``. p = 1 would drop everything and divide by 0.)
    rng : None, int or numpy.random.Generator, default=None
        Source of the masks. Pass a seed for reproducible masks.

    Notes
    -----
    Because each forward pass draws a new mask, finite differences of a training-mode
    dropout layer compare different functions:
    :func:`~bpcode.gradcheck.gradient_check` a network with dropout in evaluation mode
    (or with p = 0).

    Examples
    --------
    >>> import numpy as np
    >>> drop = Dropout(0.5, rng=0)
    >>> drop.forward(np.ones((2, 4)))
    array([[2., 0., 0., 0.],
           [2., 2., 2., 2.]])
    >>> drop.eval().forward(np.ones((2, 4)))
    array([[1., 1., 1., 1.],
           [1., 1., 1., 1.]])
    """

    _cache = ("_mask",)

    def __init__(self, p: float, *, rng: Seed = None) -> None:
        if isinstance(p, bool) or not isinstance(p, numbers.Real):
            raise TypeError(f"Dropout: p must be a number in [0, 1), got {p!r}")
        if not 0.0 <= p < 1.0:  # False for NaN too
            raise ValueError(
                f"Dropout: p (the probability of dropping an entry) must be in [0, 1), "
                f"got {p!r}"
            )
        self.p = float(p)
        self._rng = as_generator(rng, repr(self))
        self._mask: np.ndarray | None = None

    def _forward(self, X: np.ndarray) -> np.ndarray:
        if not self.training or self.p == 0.0:
            self._mask = None  # nothing to remember: the identity
            return X
        self._mask = self._rng.random(X.shape) >= self.p  # M ~ Bernoulli(1 − p), bool
        return X * self._mask / (1.0 - self.p)  # Z = X ⊙ M / (1 − p)

    def _backward(self, delta: np.ndarray) -> np.ndarray:
        if self._mask is None:  # the forward pass was the identity
            return delta
        return delta * self._mask / (1.0 - self.p)  # dX = δ ⊙ M / (1 − p), the same M

    @property
    def stochastic(self) -> bool:  # type: ignore[override]
        """Whether every forward pass draws a new mask (in training mode, with p > 0)."""
        return self.training and self.p > 0.0

    def __repr__(self) -> str:
        return f"Dropout(p={self.p:g})"
