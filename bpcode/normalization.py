"""Normalisation layers: ``LayerNorm`` (each sample over its features) and ``BatchNorm``.

Both standardise their input and then scale and shift it with learned parameters::

    μ = mean of the values,  σ² = mean of (value − μ)²  (the biased variance),
    σ̂ = √(σ² + ε),  X̂ = (X − μ) / σ̂,  Z = γ ⊙ X̂ + β.

They differ in *which* values are averaged. ``LayerNorm`` averages the F features of one
sample (a row), so every sample is normalised on its own. ``BatchNorm`` averages one
feature (or one channel) over the samples of the batch, so in training mode the output
of a sample depends on the other samples of the batch, and so does its gradient.

Both backward passes use one formula, derived in :class:`LayerNorm`'s ``_backward``:
with δ = ∂𝓛/∂Z (``delta``) and dX̂ = δ ⊙ γ::

    dX = (dX̂ − mean(dX̂) − X̂ ⊙ mean(dX̂ ⊙ X̂)) / σ̂,

the means taken over the same values as μ and σ²: over a row for ``LayerNorm``, over the
batch (and the pixels) for ``BatchNorm`` in training mode. The two mean terms are the
gradient that flows through μ and σ²; in evaluation mode ``BatchNorm`` uses fixed
statistics, and they vanish.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_positive_float, check_positive_int
from .layers import Layer


class LayerNorm(Layer):
    """Layer normalisation over the last axis: each sample's features get mean 0, variance 1.

    For every row x of F = ``n_features`` values (the last axis of the input):
    μ = mean(x), σ² = mean((x − μ)²) (biased), σ̂ = √(σ² + ε), x̂ = (x − μ)/σ̂, and the
    output is z = γ ⊙ x̂ + β, with the same γ and β for every row. Takes (n_samples, F)
    or a batch of sequences (n_samples, T, F), or any (..., F).

    Memory: keeps X̂ (the input's shape) and 1/σ̂ (one value per row, shape (..., 1)).
    The input itself is not kept: the backward pass needs only these two.

    Parameters
    ----------
    n_features : int
        F, the size of the last axis.
    eps : float, default=1e-5
        ε > 0, added to the variance (PyTorch's default): keeps 1/σ̂ finite for a
        constant row.

    Attributes
    ----------
    gamma : ndarray of shape (n_features,)
        The scale γ, initially ones.
    beta : ndarray of shape (n_features,)
        The shift β, initially zeros.
    dgamma, dbeta : ndarray of shape (n_features,)
        ∂𝓛/∂γ and ∂𝓛/∂β after :meth:`~bpcode.layers.Layer.backward`.

    Examples
    --------
    >>> import numpy as np
    >>> Z = LayerNorm(3).forward(np.array([[1.0, 2.0, 3.0], [10.0, 10.0, 40.0]]))
    >>> np.round(Z.mean(axis=1), 12), np.round(Z.var(axis=1), 4)
    (array([0., 0.]), array([1., 1.]))
    """

    params = ("gamma", "beta")
    _cache = ("_X_hat", "_inv_sigma")

    def __init__(self, n_features: int, *, eps: float = 1e-5) -> None:
        self.n_in = check_positive_int(n_features, "n_features", "LayerNorm")
        self.eps = check_positive_float(eps, "eps", "LayerNorm")
        self.gamma = np.ones(self.n_in)
        self.beta = np.zeros(self.n_in)
        self.dgamma, self.dbeta = np.zeros(self.n_in), np.zeros(self.n_in)
        self._X_hat: np.ndarray | None = None
        self._inv_sigma: np.ndarray | None = None

    def _forward(self, X: np.ndarray) -> np.ndarray:
        mu = X.mean(axis=-1, keepdims=True)  # μ = mean of each row's F features
        var = ((X - mu) ** 2).mean(axis=-1, keepdims=True)  # σ² = mean (x − μ)², biased
        self._inv_sigma = 1.0 / np.sqrt(var + self.eps)  # 1/σ̂, σ̂ = √(σ² + ε)
        self._X_hat = (X - mu) * self._inv_sigma  # X̂ = (X − μ)/σ̂
        return self.gamma * self._X_hat + self.beta  # Z = γ ⊙ X̂ + β, row by row

    def _backward(self, delta: np.ndarray) -> np.ndarray:
        # Derivation, for one row x of F values (the means run over the row):
        #   x̂ⱼ = (xⱼ − μ)/σ̂,   μ = mean(x),   σ̂ = √(σ² + ε),   σ² = mean((x − μ)²)
        #   ∂μ/∂xₖ = 1/F,   ∂σ²/∂xₖ = 2(xₖ − μ)/F,   so ∂σ̂/∂xₖ = (xₖ − μ)/(F σ̂) = x̂ₖ/F
        #   ∂x̂ⱼ/∂xₖ = ([j = k] − 1/F)/σ̂ − (xⱼ − μ)/σ̂² · x̂ₖ/F = ([j = k] − 1/F − x̂ⱼ x̂ₖ/F)/σ̂
        #   dxₖ = Σⱼ dx̂ⱼ ∂x̂ⱼ/∂xₖ = (dx̂ₖ − mean(dx̂) − x̂ₖ mean(dx̂ ⊙ x̂))/σ̂
        # The three terms: the direct path, the path through μ, the path through σ²
        # (which enters through σ̂).
        self._parameter_gradients(delta)
        X_hat = self._X_hat
        dX_hat = delta * self.gamma  # dX̂ = δ ⊙ γ
        mean_dX_hat = dX_hat.mean(axis=-1, keepdims=True)  # via μ: mean(dX̂)
        mean_dX_hat_X_hat = (dX_hat * X_hat).mean(axis=-1, keepdims=True)  # via σ²
        return self._inv_sigma * (dX_hat - mean_dX_hat - X_hat * mean_dX_hat_X_hat)

    def _parameter_gradients(self, delta: np.ndarray) -> None:
        rows = tuple(range(delta.ndim - 1))  # every axis but the features: all the rows
        self.dgamma = (delta * self._X_hat).sum(axis=rows)  # ∂𝓛/∂γ = Σ_rows δ ⊙ X̂
        self.dbeta = delta.sum(axis=rows)  # ∂𝓛/∂β = Σ_rows δ

    def _out_width(self, n_in: int | None) -> int | None:
        return self.n_in

    def __repr__(self) -> str:
        eps = "" if self.eps == 1e-5 else f", eps={self.eps:g}"
        return f"LayerNorm({self.n_in}{eps})"


class BatchNorm(Layer):
    """Batch normalisation: each feature (or channel) standardised over the batch.

    Takes (n_samples, F) and normalises each of the F columns over the n samples, or
    images (n_samples, C, H, W) and normalises each of the C channels over the n·H·W
    values of the batch (PyTorch's ``BatchNorm1d`` and ``BatchNorm2d``). With m the
    number of values averaged per feature (n, or n·H·W):

    * training mode (the default): μ_B and σ²_B are the batch's mean and biased variance,
      X̂ = (X − μ_B)/√(σ²_B + ε), Z = γ ⊙ X̂ + β; every forward pass also updates the
      running statistics, PyTorch's way:
      running_mean ← (1 − momentum) running_mean + momentum μ_B and
      running_var ← (1 − momentum) running_var + momentum σ²_B m/(m − 1) (unbiased).
      The output of a sample depends on the whole batch, so its gradient does too.
    * evaluation mode (after :meth:`~bpcode.layers.Layer.eval`): the running statistics
      are used instead, so Z is a fixed affine map of X, sample by sample.

    The backward pass follows the mode of the forward pass it goes back through.

    Memory: keeps X̂ (the input's shape) and 1/σ̂ (one value per feature, shape (1, F)
    or (1, C, 1, 1)); the running statistics are state, not cache.

    Parameters
    ----------
    n_features : int
        F for (n_samples, F) inputs, C for (n_samples, C, H, W) inputs.
    momentum : float, default=0.1
        Weight of the current batch in the running statistics, in [0, 1] (PyTorch's
        convention; Keras calls 1 − momentum its momentum). 0 freezes them.
    eps : float, default=1e-5
        ε > 0, added to the variance.

    Attributes
    ----------
    gamma : ndarray of shape (n_features,)
        The scale γ, initially ones.
    beta : ndarray of shape (n_features,)
        The shift β, initially zeros.
    dgamma, dbeta : ndarray of shape (n_features,)
        ∂𝓛/∂γ and ∂𝓛/∂β after :meth:`~bpcode.layers.Layer.backward`.
    running_mean : ndarray of shape (n_features,)
        Running mean, initially zeros; used in evaluation mode. Not a parameter (the
        optimiser does not touch it): a training-mode forward pass replaces it with a
        new array. Assigning it is checked like a parameter (shape, finite values).
    running_var : ndarray of shape (n_features,)
        Running (unbiased) variance, initially ones; the same as ``running_mean``.

    Notes
    -----
    Every forward pass in training mode moves the running statistics, including those of
    :func:`~bpcode.gradcheck.gradient_check`, which runs the layer many times. The
    checked gradients do not depend on them in training mode; save and restore them if
    they matter. A training-mode batch needs more than one value per feature (m > 1):
    with a single one, σ²_B = 0 and m/(m − 1) divides by zero.

    Examples
    --------
    >>> import numpy as np
    >>> bn = BatchNorm(2)
    >>> Z = bn.forward(np.array([[1.0, 10.0], [3.0, 30.0]]))
    >>> np.round(Z, 4), bn.running_mean
    (array([[-1., -1.],
           [ 1.,  1.]]), array([0.2, 2. ]))
    """

    params = ("gamma", "beta")
    _cache = ("_X_hat", "_inv_sigma")
    buffers = (
        "running_mean",
        "running_var",
    )  # kept, not trained; replacing one is checked

    def __init__(
        self, n_features: int, *, momentum: float = 0.1, eps: float = 1e-5
    ) -> None:
        self.n_features = check_positive_int(n_features, "n_features", "BatchNorm")
        momentum = check_positive_float(
            momentum, "momentum", "BatchNorm", allow_zero=True
        )
        if momentum > 1.0:
            raise ValueError(f"BatchNorm: momentum must be in [0, 1], got {momentum!r}")
        self.momentum = momentum
        self.eps = check_positive_float(eps, "eps", "BatchNorm")
        self.gamma = np.ones(self.n_features)
        self.beta = np.zeros(self.n_features)
        self.dgamma, self.dbeta = np.zeros(self.n_features), np.zeros(self.n_features)
        self.running_mean = np.zeros(self.n_features)
        self.running_var = np.ones(self.n_features)
        self._X_hat: np.ndarray | None = None
        self._inv_sigma: np.ndarray | None = None
        self._batch_statistics = True  # which statistics the cached pass used

    def _forward(self, X: np.ndarray) -> np.ndarray:
        axes = _averaged_axes(X.ndim)  # (0,) for (n, F); (0, 2, 3) for (n, C, H, W)
        shape = _per_feature_shape(X.ndim, self.n_features)  # (1, F) or (1, C, 1, 1)
        if self.training:
            mu = X.mean(axis=axes, keepdims=True)  # μ_B: mean over the batch
            var = ((X - mu) ** 2).mean(axis=axes, keepdims=True)  # σ²_B, biased
            m = X.size // self.n_features  # values averaged per feature: n or n·H·W
            self._update_running_statistics(mu.ravel(), var.ravel(), m)
        else:  # fixed statistics: the same map for every batch
            mu = self.running_mean.reshape(shape)
            var = self.running_var.reshape(shape)
        self._batch_statistics = self.training
        self._inv_sigma = 1.0 / np.sqrt(var + self.eps)  # 1/σ̂, σ̂ = √(σ² + ε)
        self._X_hat = (X - mu) * self._inv_sigma  # X̂ = (X − μ)/σ̂
        return self.gamma.reshape(shape) * self._X_hat + self.beta.reshape(shape)  # Z

    def _update_running_statistics(
        self, mu_B: np.ndarray, var_B: np.ndarray, m: int
    ) -> None:
        """PyTorch's update, from the batch's μ_B and σ²_B over m values per feature."""
        a = self.momentum
        unbiased_var_B = var_B * m / (m - 1)  # σ²_B m/(m − 1); m > 1 (see _input_error)
        self.running_mean = (1 - a) * self.running_mean + a * mu_B
        self.running_var = (1 - a) * self.running_var + a * unbiased_var_B

    def _backward(self, delta: np.ndarray) -> np.ndarray:
        self._parameter_gradients(delta)
        X_hat = self._X_hat
        shape = _per_feature_shape(delta.ndim, self.n_features)
        dX_hat = delta * self.gamma.reshape(shape)  # dX̂ = δ ⊙ γ
        if not self._batch_statistics:
            # evaluation mode: μ and σ̂ are constants, Z = γ ⊙ (X − μ)/σ̂ + β is affine
            return dX_hat * self._inv_sigma  # dX = dX̂ / σ̂, sample by sample
        # Training mode: μ_B and σ̂_B are computed from every sample, so the gradient of
        # each sample gets terms from the whole batch: LayerNorm's formula, with the means
        # taken over the batch (and the pixels) instead of over a row. These two means
        # couple the samples; a per-sample backward pass would miss them.
        axes = _averaged_axes(delta.ndim)
        mean_dX_hat = dX_hat.mean(axis=axes, keepdims=True)  # via μ_B
        mean_dX_hat_X_hat = (dX_hat * X_hat).mean(axis=axes, keepdims=True)  # via σ²_B
        return self._inv_sigma * (dX_hat - mean_dX_hat - X_hat * mean_dX_hat_X_hat)

    def _parameter_gradients(self, delta: np.ndarray) -> None:
        axes = _averaged_axes(delta.ndim)  # every axis but the features
        self.dgamma = (delta * self._X_hat).sum(axis=axes)  # ∂𝓛/∂γ = Σ δ ⊙ X̂
        self.dbeta = delta.sum(axis=axes)  # ∂𝓛/∂β = Σ δ

    def _input_error(self, shape: tuple[int, ...]) -> str | None:
        C = self.n_features
        if len(shape) == 2 and shape[1] != C:
            return f"expected input of shape (n_samples, {C}), got shape {shape}"
        if len(shape) == 4 and shape[1] != C:
            return (
                f"expected input of shape (n_samples, channels={C}, H, W), "
                f"got shape {shape}"
            )
        if len(shape) not in (2, 4):
            hint = " (for sequences (n_samples, T, features) use LayerNorm)"
            return (
                f"expected input of shape (n_samples, {C}) or (n_samples, channels={C}, "
                f"H, W), got shape {shape}{hint if len(shape) == 3 else ''}"
            )
        if self.training and np.prod(shape) == C:  # m = 1 value per feature
            return (
                "in training mode the batch statistics need more than one value per "
                f"feature, got input of shape {shape} (one value per feature: its "
                "variance is 0); use a larger batch, or eval() for the running statistics"
            )
        return None

    def _out_width(self, n_in: int | None) -> int | None:
        return n_in  # the output has the input's shape

    def __repr__(self) -> str:
        extra = "" if self.momentum == 0.1 else f", momentum={self.momentum:g}"
        extra += "" if self.eps == 1e-5 else f", eps={self.eps:g}"
        return f"BatchNorm({self.n_features}{extra})"


def _averaged_axes(ndim: int) -> tuple[int, ...]:
    """The axes BatchNorm averages over: all but the feature axis 1."""
    return (0,) if ndim == 2 else (0, 2, 3)


def _per_feature_shape(ndim: int, n_features: int) -> tuple[int, ...]:
    """Shape that broadcasts one value per feature: (1, F) or (1, C, 1, 1)."""
    return (1, n_features) if ndim == 2 else (1, n_features, 1, 1)
