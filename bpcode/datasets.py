"""Small data sets, generated or loaded from packages: nothing is downloaded.

Generators take ``rng`` (None, an int seed or a numpy Generator) and return
float64 features ``X`` of shape (n_samples, n_features) and targets ``y``.
"""

from __future__ import annotations

from typing import Union

import numpy as np

from ._checks import as_generator, check_positive_float, check_positive_int

RNG = Union[None, int, np.random.Generator]


def xor() -> tuple[np.ndarray, np.ndarray]:
    """The four points of XOR, exactly as in the article's program.

    Returns
    -------
    X : ndarray of shape (4, 2)
        The inputs ``[[0, 0], [0, 1], [1, 0], [1, 1]]`` as floats.
    y : ndarray of shape (4, 1)
        The targets ``[[0], [1], [1], [0]]`` as floats.
    """
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    y = np.array([[0], [1], [1], [0]], dtype=np.float64)
    return X, y


def spirals(n_per_class: int = 100, n_classes: int = 2, *, noise: float = 0.2,
            turns: float = 1.5, rng: RNG = None) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms in the plane, one arm per class.

    Parameters
    ----------
    n_per_class : int, default=100
    n_classes : int, default=2
    noise : float, default=0.2
        Standard deviation of the angular noise (radians).
    turns : float, default=1.5
        Each arm sweeps ``turns * π`` radians from the centre outwards.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    X : ndarray of shape (n_per_class * n_classes, 2)
        Points roughly within [-1, 1]².
    y : ndarray of int, shape (n_per_class * n_classes,)
        Class labels 0 .. n_classes - 1.
    """
    n_per_class = check_positive_int(n_per_class, "n_per_class", "spirals")
    n_classes = check_positive_int(n_classes, "n_classes", "spirals")
    noise = check_positive_float(noise, "noise", "spirals", allow_zero=True)
    gen = as_generator(rng, "spirals")
    X = np.empty((n_per_class * n_classes, 2))
    y = np.empty(n_per_class * n_classes, dtype=np.intp)
    r = np.linspace(0.05, 1.0, n_per_class)
    for k in range(n_classes):
        theta = (r * turns * np.pi + 2.0 * np.pi * k / n_classes
                 + gen.normal(0.0, noise, n_per_class))
        rows = slice(k * n_per_class, (k + 1) * n_per_class)
        X[rows] = np.column_stack([r * np.cos(theta), r * np.sin(theta)])
        y[rows] = k
    return X, y


def moons(n_samples: int = 200, *, noise: float = 0.1, rng: RNG = None
          ) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (class 0 on top, class 1 below).

    Parameters
    ----------
    n_samples : int, default=200
        Total number of points (split evenly, the first class gets the extra one).
    noise : float, default=0.1
        Standard deviation of Gaussian noise added to each coordinate.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of int, shape (n_samples,)
    """
    n_samples = check_positive_int(n_samples, "n_samples", "moons")
    noise = check_positive_float(noise, "noise", "moons", allow_zero=True)
    gen = as_generator(rng, "moons")
    n0 = (n_samples + 1) // 2
    n1 = n_samples - n0
    t0 = np.linspace(0.0, np.pi, n0)
    t1 = np.linspace(0.0, np.pi, n1)
    X = np.vstack([np.column_stack([np.cos(t0), np.sin(t0)]),
                   np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])])
    X += gen.normal(0.0, noise, X.shape)
    y = np.concatenate([np.zeros(n0, dtype=np.intp), np.ones(n1, dtype=np.intp)])
    return X, y


def one_hot(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """One-hot rows from integer labels.

    Parameters
    ----------
    labels : ndarray of int, shape (n_samples,)
    n_classes : int

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise ValueError(f"one_hot: labels must be a 1-D integer array, got dtype "
                         f"{labels.dtype} and shape {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"one_hot: labels must lie in [0, {n_classes})")
    out = np.zeros((labels.size, n_classes))
    out[np.arange(labels.size), labels] = 1.0
    return out


def digits(*, test_size: float = 0.25, rng: RNG = 0, standardize: bool = True):
    """The 8×8 handwritten digits that scikit-learn ships, split into train and test.

    1,797 grey-scale images of the digits 0–9 (pixel values 0–16), loaded
    from scikit-learn's bundled copy: no download.

    Parameters
    ----------
    test_size : float, default=0.25
        Fraction of the images held out for testing (stratified by class).
    rng : None, int or numpy.random.Generator, default=0
        Randomness of the split.
    standardize : bool, default=True
        Scale pixels to zero mean and unit variance using statistics of the
        **training** part only (constant pixels are left at zero).

    Returns
    -------
    X_train : ndarray of shape (n_train, 64)
    X_test : ndarray of shape (n_test, 64)
    y_train : ndarray of int, shape (n_train,)
    y_test : ndarray of int, shape (n_test,)
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as err:  # pragma: no cover - scikit-learn is in requirements.txt
        raise ImportError("digits() needs scikit-learn: pip install scikit-learn") from err
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"digits: test_size must be in (0, 1), got {test_size!r}")
    data = load_digits()
    X, y = data.data.astype(np.float64), data.target.astype(np.intp)
    gen = as_generator(rng, "digits")
    test = np.zeros(len(y), dtype=bool)
    for k in np.unique(y):                      # stratified split
        idx = np.flatnonzero(y == k)
        n_test = int(round(test_size * len(idx)))
        test[gen.choice(idx, size=n_test, replace=False)] = True
    X_train, X_test, y_train, y_test = X[~test], X[test], y[~test], y[test]
    if standardize:
        mean = X_train.mean(axis=0)
        std = X_train.std(axis=0)
        std[std == 0.0] = 1.0
        X_train = (X_train - mean) / std
        X_test = (X_test - mean) / std
    return X_train, X_test, y_train, y_test
