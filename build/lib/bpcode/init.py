"""Weight initialisers.

Each initialiser has the signature ``init(n_in, n_out, rng) -> W`` and returns a
float64 array of shape (n_in, n_out), drawn from the generator it is given.
The scale rules are those of :cite:t:`glorot2010understanding` (Xavier/Glorot,
for sigmoid and tanh) and :cite:t:`he2015delving` (He, for ReLU).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Initializer = Callable[[int, int, np.random.Generator], np.ndarray]


def xavier_uniform(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    r"""Glorot/Xavier uniform: :math:`U(-a, a)` with :math:`a = \sqrt{6 / (n_{in} + n_{out})}`.

    Keeps the variance of activations and of gradients roughly constant from
    layer to layer for tanh-like units.

    Parameters
    ----------
    n_in, n_out : int
        Fan-in and fan-out of the layer.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of shape (n_in, n_out)
    """
    a = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-a, a, size=(n_in, n_out))


def xavier_normal(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    r"""Glorot/Xavier normal: :math:`N(0, 2 / (n_{in} + n_{out}))`.

    Parameters
    ----------
    n_in, n_out : int
        Fan-in and fan-out: the weight matrix has shape (n_in, n_out).
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of shape (n_in, n_out)
    """
    return rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), size=(n_in, n_out))


def he_normal(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    r"""He/Kaiming normal: :math:`N(0, 2 / n_{in})`, for ReLU layers.

    Parameters
    ----------
    n_in, n_out : int
        Fan-in and fan-out: the weight matrix has shape (n_in, n_out).
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of shape (n_in, n_out)
    """
    return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))


def he_uniform(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    r"""He/Kaiming uniform: :math:`U(-a, a)` with :math:`a = \sqrt{6 / n_{in}}`.

    Parameters
    ----------
    n_in, n_out : int
        Fan-in and fan-out: the weight matrix has shape (n_in, n_out).
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of shape (n_in, n_out)
    """
    a = np.sqrt(6.0 / n_in)
    return rng.uniform(-a, a, size=(n_in, n_out))


def standard_normal(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """Standard normal :math:`N(0, 1)`, like the article's ``np.random.randn``.

    Too large for wide layers; kept to reproduce the article and to show, in
    the outlook chapter, what a naive scale does to deep networks.

    Parameters
    ----------
    n_in, n_out : int
        Fan-in and fan-out: the weight matrix has shape (n_in, n_out).
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of shape (n_in, n_out)
    """
    return rng.standard_normal(size=(n_in, n_out))


INITIALIZERS: dict[str, Initializer] = {
    "xavier": xavier_uniform,
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "glorot": xavier_uniform,
    "he": he_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "normal": standard_normal,
    "standard_normal": standard_normal,
}


def get_initializer(init: str | Initializer) -> Initializer:
    """Return the initialiser called ``init``, or ``init`` itself if it is callable.

    Parameters
    ----------
    init : str or callable
        One of ``"xavier"`` (= ``"xavier_uniform"``, ``"glorot"``),
        ``"xavier_normal"``, ``"he"`` (= ``"he_normal"``), ``"he_uniform"``,
        ``"normal"`` (= ``"standard_normal"``), or a function
        ``init(n_in, n_out, rng) -> ndarray of shape (n_in, n_out)``.

    Returns
    -------
    callable
    """
    if callable(init):
        return init
    try:
        return INITIALIZERS[init]
    except (KeyError, TypeError):
        names = ", ".join(repr(k) for k in INITIALIZERS)
        raise ValueError(
            f"unknown initialiser {init!r}; expected one of {names} "
            "or a callable init(n_in, n_out, rng)"
        ) from None
