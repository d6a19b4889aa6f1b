"""Input validation shared by layers, losses, optimisers and the training loop.

Every public entry point of :mod:`bpcode` checks its input here, so that a mistake is
reported where it was made ("Dense(2 -> 4): expected ...") instead of as a NumPy
broadcasting error three calls deeper. This module imports nothing else from bpcode.
"""

from __future__ import annotations

import numbers

import numpy as np


class NonFiniteError(ValueError):
    """An array that must be finite holds NaN or infinity (e.g. a diverging network's output)."""


def as_float_array(
    X: object,
    where: object,
    name: str = "input",
    *,
    ndim: int | None = None,
    copy: bool = True,
    finite: bool = True,
) -> np.ndarray:
    """Return ``X`` as a float64 array, or raise a clear error.

    Parameters
    ----------
    X : array-like
        The data to check. Booleans and integers are converted to float64.
    where : str or object
        Who is checking, e.g. ``"fit"``, or the layer or loss itself: its ``repr``
        (computed only for a message) starts the message.
    name : str, default="input"
        What ``X`` is (``"input"``, ``"target"``, ``"grad_out"``, ``"X"``, ...).
    ndim : int, optional
        The number of dimensions ``X`` must have (any if None). A 1-D array where a
        2-D one is expected gets a reshape hint.
    copy : bool, default=True
        Return a private copy, so that the caller changing ``X`` later cannot change
        what a layer remembered from it.
    finite : bool, default=True
        Also check that every entry is finite (a pass over the data). The layers and
        losses skip it on every call; data is checked once where it enters (``fit``),
        and a NaN that arises later shows up in the loss, which then finds it.

    Returns
    -------
    ndarray of float64

    Raises
    ------
    TypeError
        If ``X`` is not numeric (strings, objects, complex numbers).
    ValueError
        If ``X`` has the wrong number of dimensions or is empty.
    NonFiniteError
        If ``finite`` and ``X`` contains NaN or infinity.
    """
    arr = np.asarray(X)
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{_name(where)}: {name} must be a real numeric array, got dtype {arr.dtype}"
        )
    if ndim is not None and arr.ndim != ndim:
        hint = ""
        if ndim == 2 and arr.ndim == 1:
            var = {"target": "y", "input": "X"}.get(name, name)
            hint = (
                f" (use {var}.reshape(-1, 1) for a single column, or {var}[None, :] "
                "for a single sample)"
            )
        raise ValueError(
            f"{_name(where)}: {name} must be {ndim}-D, got a {arr.ndim}-D array of "
            f"shape {arr.shape}{hint}"
        )
    if arr.size == 0:
        raise ValueError(f"{_name(where)}: {name} is empty (shape {arr.shape})")
    arr = arr.astype(np.float64, copy=copy)
    if finite:
        check_finite(arr, where, name)
    return arr


def check_finite(arr: np.ndarray, where: object, name: str) -> None:
    """Raise :class:`NonFiniteError` if ``arr`` contains NaN or infinity, naming the first entry."""
    if not np.isfinite(arr).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise NonFiniteError(
            f"{_name(where)}: {name} contains NaN or infinity "
            f"({arr[bad]} at index {bad})"
        )


def width_error(shape: tuple[int, ...], n_in: int) -> str | None:
    """What is wrong with an input of ``shape`` for a layer of input width ``n_in``, or None.

    The width is the size of the last axis: (n_samples, n_in), or (n_samples, T, n_in) for
    a batch of sequences.
    """
    if len(shape) >= 2 and shape[-1] == n_in:
        return None
    hint = ""
    if len(shape) == 1:
        hint = (
            " (a 1-D array is not 2-D: use X.reshape(-1, 1) for a single column, "
            "or X[None, :] for a single sample)"
        )
    return f"expected input of shape (n_samples, {n_in}), got shape {shape}{hint}"


def as_parameter(value: object, shape: tuple[int, ...], where: str) -> np.ndarray:
    """Return a finite float64 copy of ``value``, which must have ``shape``.

    Used when a layer's parameter is created or replaced (``layer.W = ...``), so that a
    wrong shape, a non-number or NaN is reported at that assignment, not at the next step.
    """
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{where} must be a real numeric array, got dtype {arr.dtype}")
    if arr.shape != tuple(shape):
        raise ValueError(
            f"{where} must have shape {tuple(shape)}, got shape {arr.shape}"
        )
    arr = np.array(arr, dtype=np.float64)  # a copy: the layer owns its parameters
    check_finite(arr, where, "the new value")
    return arr


def check_positive_int(value: object, name: str, where: str) -> int:
    """Return ``value`` as an ``int`` if it is a positive integer, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{where}: {name} must be a positive integer, got {value!r}")
    return int(value)


def check_positive_float(
    value: object, name: str, where: str, *, allow_zero: bool = False
) -> float:
    """Return ``value`` as a ``float`` if it is a finite positive number, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: {name} must be a number, got {value!r}")
    ok = value >= 0 if allow_zero else value > 0
    if not (np.isfinite(value) and ok):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{where}: {name} must be finite and {bound}, got {value!r}")
    return float(value)


def check_bool(value: object, name: str, where: str) -> bool:
    """Return ``value`` if it is a bool (NumPy's included), else raise: ``"False"`` is not False."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {name} must be True or False, got {value!r}")
    return bool(value)


def as_generator(rng: object, where: str) -> np.random.Generator:
    """Turn ``rng`` (None, an int seed or a Generator) into a Generator.

    ``None`` gives a fresh, unpredictable generator; pass a seed for
    reproducible results. The legacy global ``np.random`` state is never used.
    """
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and rng < 0:
        raise ValueError(
            f"{where}: rng as a seed must be a non-negative integer, got {rng!r}"
        )
    if rng is None or isinstance(rng, (numbers.Integral, np.random.SeedSequence)):
        return np.random.default_rng(rng)
    if isinstance(rng, np.random.Generator):
        return rng
    raise TypeError(
        f"{where}: rng must be None, an int seed or a numpy.random.Generator, "
        f"got {type(rng).__name__}"
    )


def check_instance(
    value: object, cls: type, name: str, where: str, example: str
) -> None:
    """Raise a clear TypeError unless ``value`` is an instance of ``cls``.

    The common slips are the class instead of an instance (``MSELoss`` for ``MSELoss()``)
    and two arguments swapped; both otherwise fail deep inside with an unrelated message.
    """
    if isinstance(value, cls):
        return
    got = (
        f"the class {value.__name__} itself, not an instance"
        if isinstance(value, type)
        else _a(type(value).__name__)
    )
    raise TypeError(
        f"{where}: {name} must be {_a(cls.__name__)} such as {example}, got {got}"
    )


def _a(noun: str) -> str:
    """``noun`` with its indefinite article: "a Loss", "an Optimizer"."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def _name(where: object) -> str:
    """``where`` as it starts a message: a string as it is, anything else by its repr."""
    return where if isinstance(where, str) else repr(where)
