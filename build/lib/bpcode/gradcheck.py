r"""Gradient checking: compare backpropagation with finite differences.

The central difference

.. math:: \frac{\partial L}{\partial \theta_j} \approx
          \frac{L(\theta + \varepsilon e_j) - L(\theta - \varepsilon e_j)}{2\varepsilon}

has a truncation error of order :math:`\varepsilon^2` (the forward difference
only :math:`\varepsilon`) and a rounding error of order
:math:`u\,|L|/\varepsilon` (:math:`u \approx 1.1\times 10^{-16}` in float64).
The two balance near :math:`\varepsilon \approx u^{1/3} \approx 5\times 10^{-6}`;
the default :math:`\varepsilon = 10^{-5}` lets a correct backward pass agree
with it to about 8–10 significant digits.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._checks import check_bool, check_finite, check_instance, check_positive_float
from .layers import Layer
from .losses import Loss


class PrecisionWarning(UserWarning):
    """Finite differences in less than float64 precision: expect errors of about 1e-3."""


def numerical_gradient(
    f: Callable[[], float], x: np.ndarray, eps: float = 1e-5, method: str = "central"
) -> np.ndarray:
    """Finite-difference gradient of ``f()`` with respect to the array ``x``.

    ``x`` is perturbed **in place**, one entry at a time, and restored
    afterwards (also when ``f`` raises); ``f`` must read ``x`` (e.g. a closure
    over a layer's weights).

    Parameters
    ----------
    f : callable
        ``f() -> float``, the function to differentiate.
    x : ndarray of float, any shape, C- or Fortran-contiguous
        The variable; modified during the call, restored on return.
    eps : float, default=1e-5
        Step size, > 0.
    method : {"central", "forward"}, default="central"
        Central differences cost two evaluations per entry and have error
        O(eps²); forward differences cost one (plus one shared) and have error O(eps).

    Returns
    -------
    ndarray of the same shape as ``x``
    """
    if method not in ("central", "forward"):
        raise ValueError(
            f"numerical_gradient: method must be 'central' or 'forward', got {method!r}"
        )
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise TypeError(
            "numerical_gradient: x must be a float ndarray (it is perturbed in place)"
        )
    eps = check_positive_float(eps, "eps", "numerical_gradient")
    if x.dtype != np.float64:
        warnings.warn(
            f"numerical_gradient: x is {x.dtype}; in less than float64 precision "
            "a finite difference is only good to about 1e-3 (rounding error "
            "~ u/eps), so convert the variable to float64 to check a gradient",
            PrecisionWarning,
            stacklevel=2,
        )
    grad = np.zeros_like(x)  # same memory layout as x
    flat, gflat = x.reshape(-1, order="A"), grad.reshape(-1, order="A")
    if not np.shares_memory(flat, x):
        raise ValueError(
            "numerical_gradient: x must be contiguous (C or Fortran order) so it "
            f"can be perturbed in place, got a strided view of shape {x.shape}"
        )
    f0 = f() if method == "forward" else 0.0
    for j in range(flat.size):
        old = flat[j]
        try:
            flat[j] = old + eps
            f_plus = f()
            if method == "central":
                flat[j] = old - eps
                gflat[j] = (f_plus - f()) / (2.0 * eps)
            else:
                gflat[j] = (f_plus - f0) / eps
        finally:
            flat[j] = old  # restored even if f() raised
    return grad


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    r"""Relative error :math:`\|a - n\| / (\|a\| + \|n\|)` between two gradients.

    Measured on the whole array (Euclidean norms), so entries whose true
    value is zero do not produce 0/0. Returns 0.0 when both are exactly zero.

    Parameters
    ----------
    analytic, numeric : ndarray of the same shape

    Returns
    -------
    float in [0, 1]
    """
    a, n = np.asarray(analytic, dtype=float), np.asarray(numeric, dtype=float)
    if a.shape != n.shape:
        raise ValueError(f"relative_error: shapes differ, {a.shape} and {n.shape}")
    denom = np.linalg.norm(a) + np.linalg.norm(n)
    return 0.0 if denom == 0.0 else float(np.linalg.norm(a - n) / denom)


@dataclass
class GradCheckReport:
    """Result of :func:`gradient_check`.

    Attributes
    ----------
    errors : dict of str to float
        Relative error (see :func:`relative_error`) for each parameter, by
        name (``"0.W"``, ``"0.b"``, ...), and ``"input"`` for dL/dX.
    max_abs_errors : dict of str to float
        Largest absolute difference of any entry, by the same names.
    analytic, numeric : dict of str to ndarray
        The two gradients themselves.
    eps : float
        The finite-difference step that was used.
    n_near_kinks : int
        How many inputs of kinked layers (a ReLU's 0, a tie in max pooling) lie within
        ``10 * eps`` of a kink, a heuristic count: a central difference straddles the
        kink at an input z when the step moves z by more than abs(z) (about eps times
        ∂z/∂θ, which is larger deep in a network or for large inputs), and then it
        measures an average of the two one-sided slopes, not the one backprop returns.
    """

    errors: dict[str, float]
    max_abs_errors: dict[str, float]
    analytic: dict[str, np.ndarray]
    numeric: dict[str, np.ndarray]
    eps: float
    n_near_kinks: int = 0

    @property
    def max_error(self) -> float:
        """The largest relative error over all parameters and the input (NaN if any is NaN)."""
        values = list(self.errors.values())
        return math.nan if any(math.isnan(v) for v in values) else max(values)

    def passed(self, tol: float = 1e-7, *, atol: float = 0.0) -> bool:
        """True if every gradient agrees: relative error below ``tol`` (or, with ``atol``,
        every entry within ``atol``).

        Parameters
        ----------
        tol : float, default=1e-7
            The largest relative error that counts as agreement.
        atol : float, default=0.0
            A gradient whose largest absolute difference is below ``atol`` also agrees.
            For gradients that are exactly zero (e.g. a bias followed by batch
            normalisation), finite differences give rounding noise and the relative
            error is 1; ``atol=1e-9`` accepts them. Keep it far below the gradients'
            size, or it hides bugs.

        Returns
        -------
        bool
            False if any error is NaN.
        """
        if math.isnan(self.max_error):
            return False
        return all(
            err < tol or self.max_abs_errors[name] < atol
            for name, err in self.errors.items()
        )

    def __str__(self) -> str:
        width = max(len(k) for k in self.errors)
        lines = [
            f"{'gradient':<{width}}  {'shape':>12}  {'rel. error':>10}  {'max abs diff':>12}"
        ]
        for k, err in self.errors.items():
            shape = str(self.analytic[k].shape)
            lines.append(
                f"{k:<{width}}  {shape:>12}  {err:10.1e}  {self.max_abs_errors[k]:12.1e}"
            )
        if self.n_near_kinks:
            lines.append(
                f"note: {self.n_near_kinks} input(s) lie within {10 * self.eps:.0e} of a "
                "kink (a ReLU's 0, a tie in max pooling); a finite difference that "
                "straddles a kink disagrees with backprop, so large errors need not mean "
                "a wrong backward pass (check at another point, e.g. with non-zero biases)"
            )
        return "\n".join(lines)


def gradient_check(
    model: Layer,
    loss: Loss | None,
    X: np.ndarray,
    y: np.ndarray | None = None,
    *,
    eps: float = 1e-5,
    check_input: bool = True,
    seed: int = 0,
) -> GradCheckReport:
    """Check a model's backward pass against central differences.

    Computes every parameter gradient and the input gradient with one
    forward and one backward pass, then again numerically, entry by entry,
    and reports the relative error of each.

    Parameters
    ----------
    model : Layer
        A single layer or a :class:`~bpcode.layers.Sequential`.
    loss : Loss or None
        The loss to differentiate. With None, a fixed random linear probe
        :math:`L = \\sum_{ik} R_{ik}\\, \\text{out}_{ik}` is used (``R`` drawn
        from ``seed``), which checks the layer's whole vector–Jacobian product.
    X : ndarray of shape (n_samples, ...)
        The inputs, as the model takes them: (n_samples, n_in) for a dense network,
        images (n, C, H, W), sequences (n, T, features), or integer token ids of shape
        (n_samples, context) for a model that starts with an
        :class:`~bpcode.layers.Embedding`.
    y : ndarray of shape (n_samples, n_outputs), or (n_samples,) of int labels, optional
        Targets in a form ``loss`` accepts (ignored when ``loss`` is None).
    eps : float, default=1e-5
        Finite-difference step, > 0.
    check_input : bool, default=True
        Also check dL/dX (skipped for a model that starts with an Embedding).
    seed : int, default=0
        Seed of the random probe.

    Returns
    -------
    GradCheckReport

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`~bpcode.layers.Layer` or ``loss`` is neither None
        nor a :class:`~bpcode.losses.Loss` instance.
    ValueError
        If ``X`` is not finite or not what the model takes, or if there
        is nothing to check (no parameters and ``check_input=False``).
    """
    where = "gradient_check"
    check_instance(model, Layer, "model", where, "Sequential([...])")
    if loss is not None:
        check_instance(loss, Loss, "loss", where, "MSELoss()")
    eps = check_positive_float(eps, "eps", where)
    check_input = check_bool(check_input, "check_input", where)
    random = _stochastic_layer(model)
    if random is not None:
        raise ValueError(
            f"{where}: {random!r} draws new random numbers in every forward pass (training "
            "mode), so finite differences cannot match its gradient; check the model in "
            "evaluation mode (model.eval()), where it is deterministic"
        )
    X = np.array(X)  # a private copy we may perturb
    if X.dtype.kind == "f":
        check_finite(X, where, "X")
    out = model.forward(X)  # checks X as the model does
    n_near_kinks = model.count_near_kinks(X, 10 * eps)
    again = model.forward(X)  # the pass that backward goes through
    if not np.array_equal(out, again):
        raise ValueError(
            f"{where}: {model!r} gives different outputs for the same input (e.g. Dropout "
            "in training mode draws a new mask every pass), so finite differences "
            "cannot match its gradient; check it in evaluation mode (model.eval()) or "
            "without the random layer"
        )
    out = again
    if loss is None:
        R = np.random.default_rng(seed).standard_normal(out.shape)

        def L() -> float:
            return float(np.sum(R * model.forward(X)))

        grad_out = R
    else:
        if y is None:
            raise ValueError(f"{where}: a loss needs targets y")

        def L() -> float:
            return loss.forward(model.forward(X), y)

        L()
        grad_out = loss.backward()

    grad_in = model.backward(grad_out)
    check_input = check_input and grad_in is not None  # token ids have no gradient
    if not check_input and not model.parameters():
        raise ValueError(
            f"{where}: expected something to check, got {model!r} with no "
            "parameters and check_input=False"
        )
    analytic = {name: grad.copy() for name, _, grad in model.parameters()}
    numeric = {
        name: numerical_gradient(L, value, eps) for name, value, _ in model.parameters()
    }
    if check_input:
        analytic["input"] = grad_in.copy()
        if X.dtype != np.float64:
            X = X.astype(np.float64)  # L() reads this X
        numeric["input"] = numerical_gradient(L, X, eps)

    model.forward(
        X
    )  # leave the caches as after a forward pass at X, not a perturbed one
    errors = {k: relative_error(analytic[k], numeric[k]) for k in analytic}
    max_abs = {k: float(np.max(np.abs(analytic[k] - numeric[k]))) for k in analytic}
    return GradCheckReport(errors, max_abs, analytic, numeric, eps, n_near_kinks)


def _stochastic_layer(model: Layer) -> Layer | None:
    """The first layer inside ``model`` (or the model) that draws random numbers, or None."""
    stack = [model]
    while stack:
        layer = stack.pop()
        if layer.stochastic:
            return layer
        stack.extend(layer.layers_inside())
    return None
