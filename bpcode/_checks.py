"""Input validation shared by layers, losses and the training loop.

Every public entry point of :mod:`bpcode` checks its input here, so that a
mistake is reported where it was made ("Dense(2 -> 4): expected ...") instead
of as a NumPy broadcasting error three calls deeper.
"""

from __future__ import annotations

import numbers

import numpy as np


def as_float_matrix(X: object, where: str, name: str = "input", *,
                    dtype: type = np.float64) -> np.ndarray:
    """Return ``X`` as a finite 2-D floating array, or raise a clear error.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The data to check. Booleans and integers are converted to ``dtype``.
    where : str
        Who is checking, e.g. ``"Dense(2 -> 4)"``; it starts the message.
    name : str, default="input"
        What ``X`` is, e.g. ``"input"``, ``"target"``, ``"grad_out"`` or the name
        of an argument such as ``"X"``; a 1-D array gets a reshape hint that
        uses this name (``y`` for ``"target"``, ``X`` for ``"input"``).
    dtype : numpy dtype, default=numpy.float64
        The floating dtype to convert to.

    Returns
    -------
    ndarray of shape (n_samples, n_features)

    Raises
    ------
    TypeError
        If ``X`` is not numeric (strings, objects, complex numbers).
    ValueError
        If ``X`` is not 2-D, is empty, or contains NaN or infinity.
    """
    arr = np.asarray(X)
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{where}: {name} must be a real numeric array, got dtype {arr.dtype}")
    if arr.ndim != 2:
        columns = {"target": "n_outputs", "grad_out": "n_out"}.get(name, "n_features")
        var = {"target": "y", "input": "X"}.get(name, name)    # the variable to reshape
        hint = (f" (use {var}.reshape(-1, 1) for a single column, or {var}[None, :] "
                "for a single sample)") if arr.ndim == 1 else ""
        raise ValueError(
            f"{where}: {name} must be 2-D of shape (n_samples, {columns}), "
            f"got {arr.ndim}-D array of shape {arr.shape}{hint}")
    if arr.size == 0:
        raise ValueError(f"{where}: {name} is empty (shape {arr.shape})")
    arr = arr.astype(dtype, copy=False)
    if not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(
            f"{where}: {name} contains NaN or infinity "
            f"(first at row {bad[0]}, column {bad[1]})")
    return arr


def check_width(X: np.ndarray, expected: int, where: str, name: str = "input") -> None:
    """Raise if ``X`` does not have ``expected`` columns."""
    if X.shape[1] != expected:
        raise ValueError(
            f"{where}: expected {name} of shape (n_samples, {expected}), "
            f"got shape {X.shape}")


def check_positive_int(value: object, name: str, where: str) -> int:
    """Return ``value`` as an ``int`` if it is a positive integer, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{where}: {name} must be a positive integer, got {value!r}")
    return int(value)


def check_positive_float(value: object, name: str, where: str, *,
                         allow_zero: bool = False) -> float:
    """Return ``value`` as a ``float`` if it is a finite positive number, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: {name} must be a number, got {value!r}")
    ok = value >= 0 if allow_zero else value > 0
    if not (np.isfinite(value) and ok):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{where}: {name} must be finite and {bound}, got {value!r}")
    return float(value)


def as_generator(rng: object, where: str) -> np.random.Generator:
    """Turn ``rng`` (None, an int seed or a Generator) into a Generator.

    ``None`` gives a fresh, unpredictable generator; pass a seed for
    reproducible results. The legacy global ``np.random`` state is never used.
    """
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and rng < 0:
        raise ValueError(f"{where}: rng as a seed must be a non-negative integer, got {rng!r}")
    if rng is None or isinstance(rng, (numbers.Integral, np.random.SeedSequence)):
        return np.random.default_rng(rng)
    if isinstance(rng, np.random.Generator):
        return rng
    raise TypeError(
        f"{where}: rng must be None, an int seed or a numpy.random.Generator, "
        f"got {type(rng).__name__}")


def check_parts(where: str, **parts: object) -> None:
    """Raise a clear TypeError unless each of ``model=``, ``loss=``, ``optimizer=`` is an
    instance of the bpcode base class it must be.

    The common slips are the class instead of an instance (``MSELoss`` for ``MSELoss()``)
    and two arguments swapped; both otherwise fail deep inside with an unrelated message.
    """
    from .layers import Layer                          # here: those modules import this one
    from .losses import Loss
    from .optim import Optimizer

    kinds = {"model": (Layer, "Sequential([...])"), "loss": (Loss, "MSELoss()"),
             "optimizer": (Optimizer, "SGD(model, lr=0.1)")}
    for name, value in parts.items():
        cls, example = kinds[name]
        if not isinstance(value, cls):
            got = (f"the class {value.__name__} itself, not an instance"
                   if isinstance(value, type) else _a(type(value).__name__))
            raise TypeError(f"{where}: {name} must be {_a(cls.__name__)} such as {example}, "
                            f"got {got}")


def _a(noun: str) -> str:
    """``noun`` with its indefinite article: "a Loss", "an Optimizer"."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"
