"""Element-wise activation functions, their derivatives, and softmax.

Plain functions on arrays, with no state. The layers in
:mod:`bpcode.activations` and the losses in :mod:`bpcode.losses` are built on
them. Every function here is numerically stable for inputs as large as
``±1000``: no overflow warnings, no NaN.
"""

from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    r"""Logistic sigmoid :math:`\sigma(z) = 1 / (1 + e^{-z})`, element-wise.

    Computed as :math:`1/(1+e^{-z})` for :math:`z \ge 0` and
    :math:`e^{z}/(1+e^{z})` for :math:`z < 0`, so ``exp`` never overflows.

    Parameters
    ----------
    z : ndarray of any shape

    Returns
    -------
    ndarray of the same shape as ``z``, values in [0, 1]
    """
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))  # in (0, 1]: cannot overflow
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_derivative(z: np.ndarray) -> np.ndarray:
    r"""Derivative of the sigmoid with respect to its **input**: :math:`\sigma(z)(1-\sigma(z))`.

    Parameters
    ----------
    z : ndarray of any shape
        The pre-activation, i.e. the input of the sigmoid.

    Returns
    -------
    ndarray of the same shape as ``z``, values in [0, 1/4]
        (exactly 0 in float64 for :math:`z \gtrsim 37` and :math:`z \lesssim -745`)
    """
    s = sigmoid(z)
    return s * (1.0 - s)


def sigmoid_derivative_from_output(a: np.ndarray) -> np.ndarray:
    r"""Derivative of the sigmoid written in terms of its **output** :math:`a = \sigma(z)`.

    Returns :math:`a(1-a)`. This is what the article's ``sigmoid_derivative(x)``
    computes: it expects the sigmoid's output, not its input.

    Parameters
    ----------
    a : ndarray of any shape
        The sigmoid's output, values in [0, 1].

    Returns
    -------
    ndarray of the same shape as ``a``
    """
    a = np.asarray(a, dtype=float)
    return a * (1.0 - a)


def tanh_derivative(z: np.ndarray) -> np.ndarray:
    r"""Derivative of :math:`\tanh` with respect to its input: :math:`1 - \tanh^2(z)`.

    Parameters
    ----------
    z : ndarray of any shape

    Returns
    -------
    ndarray of the same shape as ``z``, values in [0, 1]
        (exactly 0 in float64 for :math:`|z| \gtrsim 19`)
    """
    t = np.tanh(np.asarray(z, dtype=float))
    return 1.0 - t * t


def relu(z: np.ndarray) -> np.ndarray:
    r"""Rectified linear unit :math:`\max(0, z)`, element-wise.

    Parameters
    ----------
    z : ndarray of any shape

    Returns
    -------
    ndarray of the same shape as ``z``, values >= 0
    """
    return np.maximum(np.asarray(z, dtype=float), 0.0)


def relu_derivative(z: np.ndarray) -> np.ndarray:
    r"""Derivative of ReLU: 1 where :math:`z > 0`, else 0.

    At the kink :math:`z = 0` the function has no derivative; like most
    libraries we use 0 there (a valid subgradient).

    Parameters
    ----------
    z : ndarray of any shape
        The pre-activation, i.e. the input of the ReLU.

    Returns
    -------
    ndarray of the same shape as ``z``, values 0.0 or 1.0
    """
    return (np.asarray(z, dtype=float) > 0).astype(float)


def logsumexp(z: np.ndarray, axis: int = -1, keepdims: bool = False) -> np.ndarray:
    r"""Stable :math:`\log \sum_j e^{z_j}` along ``axis``.

    Subtracts the maximum first, so the largest exponent is :math:`e^0 = 1`.

    Parameters
    ----------
    z : ndarray of shape (..., n_classes)
    axis : int, default=-1
    keepdims : bool, default=False

    Returns
    -------
    ndarray
        ``z`` reduced along ``axis``.
    """
    z = np.asarray(z, dtype=float)
    m = z.max(axis=axis, keepdims=True)
    out = m + np.log(np.exp(z - m).sum(axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


def log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    r"""Stable :math:`\log \operatorname{softmax}(z)_k = z_k - \log\sum_j e^{z_j}`.

    Parameters
    ----------
    z : ndarray of shape (n_samples, n_classes)
        Logits.
    axis : int, default=-1

    Returns
    -------
    ndarray of the same shape as ``z``, all values <= 0
    """
    z = np.asarray(z, dtype=float)
    return z - logsumexp(z, axis=axis, keepdims=True)


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    r"""Softmax :math:`p_k = e^{z_k} / \sum_j e^{z_j}` along ``axis``, computed stably.

    Parameters
    ----------
    z : ndarray of shape (n_samples, n_classes)
        Logits.
    axis : int, default=-1

    Returns
    -------
    ndarray of the same shape as ``z``; each slice along ``axis`` sums to 1
    """
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
