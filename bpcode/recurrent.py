"""Recurrent layers for sequences of shape (n_samples, T, n_features): ``RNN`` and ``LSTM``.

A batch of sequences holds one sample per row and one time step per position of the
second axis, as in PyTorch with ``batch_first=True``. Both layers read the sequence one
step at a time, carry a state from step to step (h_0 = 0, and c_0 = 0 for the LSTM) and
return the hidden state h_t of every step t = 1, ..., T (indices 0, ..., T − 1 of the
time axis), an array of shape (n_samples, T, n_hidden). The same weights are used at
every step. With x_t the inputs of step t (rows: samples), the pre-activation is

    z_t = x_t Wx + h_{t−1} Wh + b

and the plain RNN's state is h_t = tanh(z_t). ``LastStep`` keeps only the last state
h_T, (n_samples, T, n_hidden) -> (n_samples, n_hidden), to classify a whole sequence.

Backpropagation through time (BPTT) is backpropagation through the network unrolled
over the T steps: the backward pass walks the steps from t = T down to 1. At step t,
∂𝓛/∂h_t has two parts, one from the output h_t itself (``grad_out[:, t]``) and one
from the later steps, which arrives through h_{t+1} (for the LSTM also through c_{t+1}).
From it the step computes δ_t = ∂𝓛/∂z_t and sends δ_t Whᵀ on to h_{t−1}. The weights
are shared by all steps, so their gradients are sums over the steps:

    ∂𝓛/∂Wx = Σ_t x_tᵀ δ_t,   ∂𝓛/∂Wh = Σ_t h_{t−1}ᵀ δ_t,   ∂𝓛/∂b = Σ_t Σ_samples δ_t,
    ∂𝓛/∂x_t = δ_t Wxᵀ.

Truncated BPTT (``truncate=k``): the gradient of the loss with respect to each output
h_t is carried back through at most k − 1 steps. The gradient flowing from h_t into
h_{t−j} (for the LSTM into the state (h_{t−j}, c_{t−j})) is kept for j < k and dropped
for j ≥ k, and so are its contributions to the weights and to the inputs of steps
t − k, t − k − 1, ... . In formulas: the full gradient of a parameter θ is

    ∂𝓛/∂θ = Σ_t Σ_{s ≤ t} g_t (∂h_t/∂h_s) (∂⁺h_s/∂θ),

with g_t = ``grad_out[:, t]`` and ∂⁺ the dependence through step s alone (its input
state held fixed); truncated BPTT keeps only the terms with t − s < k. It is the exact
gradient of Σ_t g_t · h_t when each h_t is recomputed from the state k steps earlier,
(h_{t−k}, c_{t−k}), held constant. ``truncate=1``: nothing is carried through the
recurrence (Wh still gets δ_t's own term h_{t−1}ᵀ δ_t); ``truncate ≥ T``: full BPTT.

Equivalently, it is the sum over t of the gradients of the single terms g_t · h_t, each
carried back through k − 1 steps: every output's gradient goes back the same number of
steps, whatever its place in the sequence. Here it serves to study the
gradient that truncation leaves out, not to save time: keeping the parts of the gradient
that come from the last k outputs apart costs up to k times the full pass. (Training
code usually cuts a long sequence into chunks instead, as PyTorch's ``h.detach()``
between chunks does; then the output at the end of a chunk looks back to its start, the
one at the start not at all.)
"""

from __future__ import annotations

import numpy as np

from ._checks import as_generator, check_bool, check_positive_int
from .functional import sigmoid
from .layers import Layer, Seed


class Recurrent(Layer):
    """What ``RNN`` and ``LSTM`` share: arguments, weights, input checks, sums over time.

    A subclass sets ``_n_blocks`` (the pre-activation z_t has ``_n_blocks`` blocks of
    ``n_hidden`` columns) and implements ``_forward`` and ``_backward_through_time``,
    which returns δ_t = ∂𝓛/∂z_t of every step, shape (n_samples, T, _n_blocks·n_hidden).
    """

    params = ("Wx", "Wh", "b")
    _n_blocks = 1

    def __init__(
        self,
        n_in: int,
        n_hidden: int,
        *,
        rng: Seed = None,
        truncate: int | None = None,
        track_grad_norms: bool = False,
    ) -> None:
        name = type(self).__name__
        self.n_in = check_positive_int(n_in, "n_in", name)
        self.n_hidden = check_positive_int(n_hidden, "n_hidden", name)
        self.truncate = None
        if truncate is not None:
            self.truncate = check_positive_int(
                truncate, "truncate (or None)", repr(self)
            )
        self.track_grad_norms = check_bool(
            track_grad_norms, "track_grad_norms", repr(self)
        )
        # PyTorch's initialisation: every entry from U(−a, a), a = 1/√n_hidden
        gen = as_generator(rng, repr(self))
        a = 1.0 / np.sqrt(self.n_hidden)
        width = self._n_blocks * self.n_hidden
        self.Wx = gen.uniform(-a, a, size=(self.n_in, width))
        self.Wh = gen.uniform(-a, a, size=(self.n_hidden, width))
        self.b = gen.uniform(-a, a, size=width)
        self.dWx, self.dWh, self.db = (
            np.zeros_like(P) for P in (self.Wx, self.Wh, self.b)
        )
        self.grad_norms: np.ndarray | None = None
        for cached in self._cache:
            setattr(self, cached, None)

    # -- backward: the loop over time (in the subclass), then the sums over time ---------
    def _backward(self, dH: np.ndarray) -> np.ndarray:
        dZ = self._backward_through_time(dH)
        self._sums_over_time(dZ)
        return dZ @ self.Wx.T  # ∂𝓛/∂x_t = δ_t Wxᵀ, every step at once

    def _parameter_gradients(self, dH: np.ndarray) -> None:
        self._sums_over_time(self._backward_through_time(dH))

    def _backward_through_time(self, dH: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _sums_over_time(self, dZ: np.ndarray) -> None:
        """Store dWx, dWh and db: the weights are shared by all steps, so their gradients add."""
        X, H = self._X, self._H
        over_samples_and_steps = ([0, 1], [0, 1])
        self.dWx = np.tensordot(X, dZ, over_samples_and_steps)  # Σ_t x_tᵀ δ_t
        # Σ_t h_{t−1}ᵀ δ_t from t = 2 on: h_0 = 0 adds nothing
        self.dWh = np.tensordot(H[:, :-1], dZ[:, 1:], over_samples_and_steps)
        self.db = dZ.sum(axis=(0, 1))  # Σ_t Σ_samples δ_t

    def _carried_back(self, parts: np.ndarray) -> np.ndarray:
        """The parts of a gradient that go on from step t to step t − 1.

        ``parts[j]`` is the part that comes from the output of step t + j. Full BPTT
        needs only their sum: one part, always carried. Truncated BPTT drops the part
        that has come k − 1 steps, shifts the others one place (one step older) and
        puts a zero part in front for the output of step t − 1.
        """
        if self.truncate is None:
            return parts
        fresh = np.zeros_like(parts[:1])
        return np.concatenate([fresh, parts[: self.truncate - 1]])

    # -- checks and description ------------------------------------------------------------
    def _input_error(self, shape: tuple[int, ...]) -> str | None:
        expected = f"expected input of shape (n_samples, T, {self.n_in}) with T >= 1"
        if len(shape) == 3 and shape[2] == self.n_in and shape[1] >= 1:
            return None
        if len(shape) != 3:
            hint = (
                f" ({len(shape)}-D: a batch of sequences is 3-D; use X[None] for a single "
                "sequence of shape (T, n_in), X[:, None] for sequences of length 1)"
            )
        elif shape[2] != self.n_in:
            hint = f" ({shape[2]} features per step instead of {self.n_in})"
        else:
            hint = " (sequences of length T = 0)"
        return f"{expected}, got shape {shape}{hint}"

    def _out_width(self, n_in: int | None) -> int | None:
        return self.n_hidden

    def __repr__(self) -> str:
        truncate = "" if self.truncate is None else f", truncate={self.truncate}"
        return f"{type(self).__name__}({self.n_in} -> {self.n_hidden}{truncate})"


class RNN(Recurrent):
    """Plain (Elman) recurrent layer, h_t = tanh(x_t Wx + h_{t−1} Wh + b), h_0 = 0.

    Takes a batch of sequences X of shape (n_samples, T, n_in) and returns every hidden
    state, shape (n_samples, T, n_hidden), like PyTorch's
    ``nn.RNN(n_in, n_hidden, batch_first=True)`` (whose output is this one; PyTorch
    stores the weights transposed, as ``weight_ih_l0`` = Wxᵀ and ``weight_hh_l0`` = Whᵀ).
    The backward pass is backpropagation through time over the whole sequence, or
    truncated (``truncate``); see :mod:`bpcode.recurrent`.

    Memory: the layer caches its input X, (n_samples, T, n_in), and every hidden state
    H, (n_samples, T, n_hidden), which is also its output: O(T) arrays. The backward
    pass needs h_{t−1} for ∂𝓛/∂Wh and h_t for tanh'(z_t) = 1 − h_t².

    Parameters
    ----------
    n_in : int
        Number of input features per time step.
    n_hidden : int
        Size of the hidden state h_t (the output's last axis).
    rng : None, int or numpy.random.Generator, default=None
        Source of randomness for the initial weights. As in PyTorch, every entry of Wx,
        Wh and b is drawn from the uniform distribution on (−1/√n_hidden, 1/√n_hidden)
        (PyTorch has two biases, each drawn so; here there is one).
    truncate : int or None, default=None
        None: full backpropagation through time. k: truncated BPTT, the gradient of
        each output h_t is carried back to h_{t−k+1} and no further (the definition is
        in :mod:`bpcode.recurrent`).
    track_grad_norms : bool, default=False
        If True, each backward pass stores ``grad_norms`` (may also be switched later).

    Attributes
    ----------
    Wx : ndarray of shape (n_in, n_hidden)
        Input weights.
    Wh : ndarray of shape (n_hidden, n_hidden)
        Recurrent weights: column j holds the weights from h_{t−1} into unit j.
    b : ndarray of shape (n_hidden,)
        Bias.
    dWx, dWh, db : ndarrays of the shapes of Wx, Wh, b
        Their gradients after :meth:`~bpcode.layers.Layer.backward`, summed over the
        samples and the time steps.
    grad_norms : ndarray of shape (T,), or None
        With ``track_grad_norms``, after a backward pass: ``grad_norms[t]`` is the norm
        (over all samples and units) of ∂𝓛/∂h_t, the whole gradient that reaches the
        state of step t, from its own output and, through the recurrence, from the later
        ones (with truncation: what truncated BPTT carries). Shows how a gradient
        vanishes or explodes on its way back. None otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> layer = RNN(3, 5, rng=0)
    >>> layer.forward(np.ones((2, 4, 3))).shape
    (2, 4, 5)
    """

    _cache = ("_X", "_H")

    def _forward(self, X: np.ndarray) -> np.ndarray:
        n, T, _ = X.shape
        Zx = X @ self.Wx + self.b  # x_t Wx + b for every step at once: it needs no h
        H = np.empty((n, T, self.n_hidden))
        h = np.zeros((n, self.n_hidden))  # h_0 = 0
        for t in range(T):
            h = np.tanh(Zx[:, t] + h @ self.Wh)  # h_t = tanh(x_t Wx + h_{t−1} Wh + b)
            H[:, t] = h
        self._X, self._H = X, H
        return H

    def _backward_through_time(self, dH: np.ndarray) -> np.ndarray:
        # The leading axis of dh and delta splits the gradient by the output it comes
        # from (see _carried_back): one part, the whole gradient, for full BPTT.
        H, Wh = self._H, self.Wh
        n, T, n_hidden = H.shape
        dZ = np.empty_like(H)  # δ_t = ∂𝓛/∂z_t of every step
        dh = np.zeros((1, n, n_hidden))  # what reaches h_T from later steps: nothing
        norms = np.zeros(T) if self.track_grad_norms else None
        for t in reversed(range(T)):
            dh[0] += dH[:, t]  # ∂𝓛/∂h_t: own output + (in dh) through h_{t+1}
            if norms is not None:
                norms[t] = np.linalg.norm(dh.sum(axis=0))  # ‖∂𝓛/∂h_t‖
            delta = dh * (1.0 - H[:, t] ** 2)  # δ_t = ∂𝓛/∂h_t ⊙ (1 − h_t²)
            dZ[:, t] = delta.sum(axis=0)
            dh = self._carried_back(delta @ Wh.T)  # ∂𝓛/∂h_{t−1} = δ_t Whᵀ
        self.grad_norms = norms
        return dZ


class LSTM(Recurrent):
    """Long short-term memory layer (Hochreiter and Schmidhuber, 1997), as in PyTorch.

    For each step t, with σ the logistic sigmoid and ⊙ the element-wise product,

        z_t = x_t Wx + h_{t−1} Wh + b              four blocks of n_hidden columns:
        i_t = σ(z_i),  f_t = σ(z_f),                input and forget gates,
        g_t = tanh(z_g),  o_t = σ(z_o)              candidate and output gate,
        c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t             the cell: an additive path through time
        h_t = o_t ⊙ tanh(c_t)                       the hidden state (the output)

    with c_0 = h_0 = 0 (the forget gate is that of Gers et al., 2000). The blocks are
    stacked along the last axis of Wx, Wh and b in PyTorch's order i, f, g, o, so that the
    layer computes what ``nn.LSTM(n_in, n_hidden, batch_first=True)`` does with
    ``weight_ih_l0`` = Wxᵀ, ``weight_hh_l0`` = Whᵀ, ``bias_ih_l0`` = b and
    ``bias_hh_l0`` = 0.

    Backward, the cell's gradient is passed back along the additive path,
    ∂𝓛/∂c_{t−1} = ∂𝓛/∂c_t ⊙ f_t + (the part through h_{t−1}), multiplied by the forget
    gate only, not by a weight matrix and a squashing derivative at every step as in
    the plain RNN: this is why an LSTM whose forget gates are open (near 1) keeps a
    gradient over many more steps; with forget gates near 1/2 it does not.

    Memory: the layer caches its input X, (n_samples, T, n_in), every hidden state H and
    every cell state C, each (n_samples, T, n_hidden), and the gates i, f, g, o of every
    step, (n_samples, T, 4·n_hidden): O(T) arrays. H is also the output. The backward
    pass recomputes tanh(c_t).

    Parameters
    ----------
    n_in : int
        Number of input features per time step.
    n_hidden : int
        Size of the hidden state h_t (the output's last axis).
    rng : None, int or numpy.random.Generator, default=None
        Source of randomness for the initial weights. As in PyTorch, every entry of Wx,
        Wh and b is drawn from the uniform distribution on (−1/√n_hidden, 1/√n_hidden)
        (PyTorch has two biases, each drawn so; here there is one).
    truncate : int or None, default=None
        None: full backpropagation through time. k: truncated BPTT, the gradient of
        each output h_t is carried back to h_{t−k+1} and no further (the definition is
        in :mod:`bpcode.recurrent`).
    track_grad_norms : bool, default=False
        If True, each backward pass stores ``grad_norms`` (may also be switched later).

    Attributes
    ----------
    Wx : ndarray of shape (n_in, 4·n_hidden)
        Input weights, blocks i, f, g, o.
    Wh : ndarray of shape (n_hidden, 4·n_hidden)
        Recurrent weights, blocks i, f, g, o.
    b : ndarray of shape (4·n_hidden,)
        Biases, blocks i, f, g, o.
    dWx, dWh, db : ndarrays of the shapes of Wx, Wh, b
        Their gradients after :meth:`~bpcode.layers.Layer.backward`, summed over the
        samples and the time steps.
    grad_norms : ndarray of shape (T,), or None
        With ``track_grad_norms``, after a backward pass: ``grad_norms[t]`` is the norm
        (over all samples and units) of ∂𝓛/∂h_t, the whole gradient that reaches the
        state of step t, from its own output and, through the recurrence, from the later
        ones (with truncation: what truncated BPTT carries). Shows how a gradient
        vanishes or explodes on its way back. None otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> layer = LSTM(3, 5, rng=0)
    >>> layer.forward(np.ones((2, 4, 3))).shape
    (2, 4, 5)
    >>> layer.Wx.shape
    (3, 20)
    """

    _n_blocks = 4
    _cache = ("_X", "_H", "_C", "_gates")

    def _forward(self, X: np.ndarray) -> np.ndarray:
        n, T, _ = X.shape
        Zx = X @ self.Wx + self.b  # x_t Wx + b for every step at once: it needs no h
        H, C = np.empty((n, T, self.n_hidden)), np.empty((n, T, self.n_hidden))
        gates = np.empty((n, T, 4 * self.n_hidden))  # i, f, g, o of every step
        h = c = np.zeros((n, self.n_hidden))  # h_0 = c_0 = 0
        for t in range(T):
            z = Zx[:, t] + h @ self.Wh  # z_t = x_t Wx + h_{t−1} Wh + b
            z_i, z_f, z_g, z_o = np.split(z, 4, axis=1)
            i, f, g, o = np.split(gates[:, t], 4, axis=1)  # views: filled in place
            i[:], f[:], o[:] = sigmoid(z_i), sigmoid(z_f), sigmoid(z_o)  # the gates
            g[:] = np.tanh(z_g)  # the candidate
            c = f * c + i * g  # c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t
            h = o * np.tanh(c)  # h_t = o_t ⊙ tanh(c_t)
            H[:, t], C[:, t] = h, c
        self._X, self._H, self._C, self._gates = X, H, C, gates
        return H

    def _backward_through_time(self, dH: np.ndarray) -> np.ndarray:
        # The leading axis of dh, dc and delta splits the gradient by the output it
        # comes from (see _carried_back): one part, the whole gradient, for full BPTT.
        H, C, Wh = self._H, self._C, self.Wh
        n, T, n_hidden = H.shape
        dZ = np.empty_like(self._gates)  # δ_t = ∂𝓛/∂z_t of every step
        dh = np.zeros((1, n, n_hidden))  # what reaches h_T from later steps: nothing
        dc = np.zeros((1, n, n_hidden))  # what reaches c_T from later steps: nothing
        norms = np.zeros(T) if self.track_grad_norms else None
        for t in reversed(range(T)):
            i, f, g, o = np.split(self._gates[:, t], 4, axis=1)
            c_prev = C[:, t - 1] if t > 0 else 0.0  # c_{t−1}, c_0 = 0
            tanh_c = np.tanh(C[:, t])
            dh[0] += dH[:, t]  # ∂𝓛/∂h_t: own output + (in dh) through h_{t+1}
            if norms is not None:
                norms[t] = np.linalg.norm(dh.sum(axis=0))  # ‖∂𝓛/∂h_t‖
            # ∂𝓛/∂c_t: through c_{t+1} (in dc) + through h_t = o_t ⊙ tanh(c_t)
            dc = dc + dh * o * (1.0 - tanh_c**2)
            delta = np.empty((len(dh), n, 4 * n_hidden))  # δ_t = ∂𝓛/∂z_t
            d_i, d_f, d_g, d_o = np.split(delta, 4, axis=2)  # its blocks (views)
            d_i[:] = dc * g * i * (1.0 - i)  # ∂𝓛/∂c_t ⊙ g_t ⊙ σ'(z_i)
            d_f[:] = dc * c_prev * f * (1.0 - f)  # ∂𝓛/∂c_t ⊙ c_{t−1} ⊙ σ'(z_f)
            d_g[:] = dc * i * (1.0 - g**2)  # ∂𝓛/∂c_t ⊙ i_t ⊙ tanh'(z_g)
            d_o[:] = dh * tanh_c * o * (1.0 - o)  # ∂𝓛/∂h_t ⊙ tanh(c_t) ⊙ σ'(z_o)
            dZ[:, t] = delta.sum(axis=0)
            # the additive path: ∂𝓛/∂c_{t−1} = ∂𝓛/∂c_t ⊙ f_t + (via h_{t−1}, next step)
            dc = self._carried_back(dc * f)
            dh = self._carried_back(delta @ Wh.T)  # ∂𝓛/∂h_{t−1} = δ_t Whᵀ
        self.grad_norms = norms
        return dZ


class LastStep(Layer):
    """Keep the last time step of a sequence: (n_samples, T, features) -> (n_samples, features).

    Put after a recurrent layer, it hands on h_T, the state after the whole sequence,
    so that a ``Dense`` layer can classify the sequence from it, as PyTorch code does
    with ``h[:, -1]``. Forward: ``H[:, -1]``. Backward: only h_T reaches the loss, so
    the gradient with respect to the input is ``grad_out`` at the last step and zero at
    every other step; the recurrent layer below carries it back through time.

    Memory: keeps no array (only the input's shape); the output is a view of the input.

    Examples
    --------
    >>> import numpy as np
    >>> H = np.arange(12.0).reshape(1, 3, 4)  # one sequence, T = 3 steps, 4 features
    >>> layer = LastStep()
    >>> layer.forward(H).tolist()
    [[8.0, 9.0, 10.0, 11.0]]
    >>> layer.backward(np.ones((1, 4)))[0].tolist()
    [[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]]
    """

    def __init__(self) -> None:
        self._in_shape: tuple[int, ...] | None = None

    def _input_error(self, shape: tuple[int, ...]) -> str | None:
        # an empty input (T = 0) is rejected before this, as for every layer
        if len(shape) == 3:
            return None
        return (
            f"expected input of shape (n_samples, T, features), got shape {shape} "
            f"({len(shape)}-D: a batch of sequences is 3-D; use H[None] for a single "
            "sequence of shape (T, features))"
        )

    def _forward(self, H: np.ndarray) -> np.ndarray:
        self._in_shape = H.shape
        return H[:, -1]  # h_T of every sample

    def _backward(self, grad_out: np.ndarray) -> np.ndarray:
        dH = np.zeros(self._in_shape)
        dH[:, -1] = grad_out  # only h_T reaches the loss: zero at every other step
        return dH

    def _out_width(self, n_in: int | None) -> int | None:
        return n_in
