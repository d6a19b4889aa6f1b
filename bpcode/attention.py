"""Self-attention and positional information for sequences of shape (n_samples, T, d_model).

:class:`SelfAttention` is one attention head without biases. For each sample, with the
sequence X of shape (T, d_model) holding one position per row::

    Q = X Wq,  K = X Wk,  V = X Wv         queries, keys and values
    S = Q Kᵀ / √d_model                    scores, (T, T): S[t, s] says how well s answers t
    P = softmax(S), row by row             attention weights: row t sums to 1
    O = P V                                each position's weighted mean of the values
    Z = O Wo                               the output

In a causal layer, position t may only look at positions s <= t: the scores above the
diagonal are set to −∞, so their weights are exactly 0.

The backward pass applies the chain rule to these lines from the bottom up. The only new
piece is the softmax: row by row, its vector–Jacobian product is
∂L/∂S = P ⊙ (∂L/∂P − rowsum(∂L/∂P ⊙ P)). X enters through three paths (Q, K and V), so
its gradient is the sum of three terms.

Attention has no notion of order: permuting the positions of X permutes the rows of Z.
:class:`PositionalEmbedding` adds a vector per position to the input, either a learned
table or the fixed sinusoids of :cite:t:`vaswani2017attention`,
:func:`sinusoidal_positions`.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_generator, check_bool, check_positive_int
from .functional import softmax
from .init import get_initializer
from .layers import Layer, Seed


def _sequence_error(
    shape: tuple[int, ...], d_model: int, max_len: int | None = None
) -> str | None:
    """What is wrong with an input of ``shape`` for sequences of width ``d_model``, or None."""
    expected = f"expected input of shape (n_samples, T, d_model={d_model})"
    if len(shape) != 3 or shape[-1] != d_model:
        return f"{expected}, got shape {shape}"
    if shape[1] == 0:
        return f"{expected} with T >= 1, got shape {shape} (T = 0)"
    if max_len is not None and shape[1] > max_len:
        return f"{expected} with T <= max_len={max_len}, got shape {shape} (T = {shape[1]})"
    return None


def _sum_over_positions(X: np.ndarray, G: np.ndarray) -> np.ndarray:
    """Σ over samples and positions of Xᵀ G: the gradient of a weight shared by all of them.

    X of shape (n, T, a) and G of shape (n, T, b) give an (a, b) matrix: every position of
    every sample is one row, as for a Dense layer (BP4, ∂L/∂W = Xᵀ δ).
    """
    return X.reshape(-1, X.shape[-1]).T @ G.reshape(-1, G.shape[-1])


class SelfAttention(Layer):
    """Single-head (scaled dot-product) self-attention, Z = softmax(Q Kᵀ / √d) V Wo.

    With Q = X Wq, K = X Wk, V = X Wv for a batch of sequences X of shape
    (n_samples, T, d_model); the same weights are used at every position, and T may
    change from one call to the next. No biases.

    Memory: the layer caches its input X and Q, K, V (each n_samples · T · d_model
    numbers) and the attention weights P (n_samples · T · T): the part that grows with
    the square of the sequence length. The backward pass recomputes O = P V rather than
    keeping it.

    Parameters
    ----------
    d_model : int
        Width of the input and of the output (and of queries, keys and values).
    causal : bool, default=False
        If True, position t attends only to positions s <= t (the scores above the
        diagonal become −∞ before the softmax, so their weights are exactly 0): the
        output at t does not depend on later inputs, as a language model needs.
    rng : None, int or numpy.random.Generator, default=None
        Source of randomness for the four initial weight matrices (Xavier uniform).

    Attributes
    ----------
    Wq, Wk, Wv, Wo : ndarray of shape (d_model, d_model)
        The query, key, value and output weights.
    dWq, dWk, dWv, dWo : ndarray of shape (d_model, d_model)
        Their gradients after :meth:`~bpcode.layers.Layer.backward`, summed over samples
        and positions.
    weights : ndarray of shape (n_samples, T, T), read-only, or None
        The attention weights P of the last forward pass: row t of sample i is how much
        position t of that sample drew from each position (each row sums to 1). None
        before the first forward pass and after :meth:`~bpcode.layers.Layer.clear_cache`.

    Examples
    --------
    >>> import numpy as np
    >>> layer = SelfAttention(4, causal=True, rng=0)
    >>> layer.forward(np.ones((2, 3, 4))).shape
    (2, 3, 4)
    >>> layer.weights[0].round(2)
    array([[1.  , 0.  , 0.  ],
           [0.5 , 0.5 , 0.  ],
           [0.33, 0.33, 0.33]])
    """

    params = ("Wq", "Wk", "Wv", "Wo")
    _cache = ("_X", "_Q", "_K", "_V", "_P")

    def __init__(self, d_model: int, *, causal: bool = False, rng: Seed = None) -> None:
        self.d_model = check_positive_int(d_model, "d_model", "SelfAttention")
        self.causal = check_bool(causal, "causal", "SelfAttention")
        self.n_in = self.d_model
        gen = as_generator(rng, repr(self))
        init = get_initializer("xavier")
        d = self.d_model
        self.Wq, self.Wk, self.Wv, self.Wo = (init(d, d, gen) for _ in range(4))
        self.dWq, self.dWk, self.dWv, self.dWo = (np.zeros((d, d)) for _ in range(4))
        self._X = self._Q = self._K = self._V = self._P = None

    @property
    def weights(self) -> np.ndarray | None:
        """The attention weights P of the last forward pass, (n_samples, T, T), read-only."""
        return self._P

    def _forward(self, X: np.ndarray) -> np.ndarray:
        Q = X @ self.Wq  # Q = X Wq
        K = X @ self.Wk  # K = X Wk
        V = X @ self.Wv  # V = X Wv
        S = Q @ K.transpose(0, 2, 1) / np.sqrt(self.d_model)  # S = Q Kᵀ / √d
        if self.causal:
            S[:, _above_diagonal(S.shape[-1])] = -np.inf  # s > t: no looking ahead
        P = softmax(S, axis=-1)  # P = softmax(S) row by row (minus the row max: stable)
        P.flags.writeable = False  # given out as ``weights``; backward needs it as is
        self._X, self._Q, self._K, self._V, self._P = X, Q, K, V, P
        return (P @ V) @ self.Wo  # Z = O Wo with O = P V

    def _backward(self, delta: np.ndarray) -> np.ndarray:
        dQ, dK, dV = self._gradients(delta)
        # dX = dQ Wqᵀ + dK Wkᵀ + dV Wvᵀ: X feeds Q, K and V, so the three paths' gradients add
        return dQ @ self.Wq.T + dK @ self.Wk.T + dV @ self.Wv.T

    def _parameter_gradients(self, delta: np.ndarray) -> None:
        self._gradients(delta)

    def _gradients(
        self, delta: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Store dWq, dWk, dWv, dWo and return dQ, dK, dV (each (n, T, d_model))."""
        X, Q, K, V, P = self._X, self._Q, self._K, self._V, self._P
        scale = np.sqrt(self.d_model)
        self.dWo = _sum_over_positions(P @ V, delta)  # dWo = Σ Oᵀ δ, O = P V recomputed
        dO = delta @ self.Wo.T  # dO = δ Woᵀ
        dP = dO @ V.transpose(0, 2, 1)  # dP = dO Vᵀ
        dV = P.transpose(0, 2, 1) @ dO  # dV = Pᵀ dO
        # the softmax's vector–Jacobian product, row by row (a masked entry has P = 0: dS = 0)
        rowsum = np.sum(dP * P, axis=-1, keepdims=True)  # rowsum(dP ⊙ P), (n, T, 1)
        dS = P * (dP - rowsum)  # dS = P ⊙ (dP − rowsum(dP ⊙ P))
        dQ = dS @ K / scale  # dQ = dS K / √d
        dK = dS.transpose(0, 2, 1) @ Q / scale  # dK = dSᵀ Q / √d
        self.dWq = _sum_over_positions(X, dQ)  # dWq = Σ Xᵀ dQ
        self.dWk = _sum_over_positions(X, dK)  # dWk = Σ Xᵀ dK
        self.dWv = _sum_over_positions(X, dV)  # dWv = Σ Xᵀ dV
        return dQ, dK, dV

    def _input_error(self, shape: tuple[int, ...]) -> str | None:
        return _sequence_error(shape, self.d_model)

    def _out_width(self, n_in: int | None) -> int | None:
        return self.d_model

    def __repr__(self) -> str:
        causal = ", causal" if self.causal else ""
        return f"SelfAttention(d_model={self.d_model}{causal})"


def _above_diagonal(T: int) -> np.ndarray:
    """Boolean (T, T) mask, True where s > t: the future positions a causal layer hides."""
    return np.triu(np.ones((T, T), dtype=bool), k=1)


def sinusoidal_positions(T: int, d_model: int) -> np.ndarray:
    """The fixed sinusoidal position encoding of :cite:t:`vaswani2017attention`, (T, d_model).

    Row t is the vector of position t: for i = 0, 1, ..., column 2i holds
    sin(t / 10000^(2i / d_model)) and column 2i + 1 holds cos(t / 10000^(2i / d_model)),
    so each pair of columns turns at its own frequency, from one radian per position
    down to one turn in about 63 000 positions.

    Parameters
    ----------
    T : int
        Number of positions (0, 1, ..., T − 1).
    d_model : int
        Width of each vector (odd widths end with a sine column).

    Returns
    -------
    ndarray of shape (T, d_model), values in [−1, 1]
    """
    T = check_positive_int(T, "T", "sinusoidal_positions")
    d_model = check_positive_int(d_model, "d_model", "sinusoidal_positions")
    position = np.arange(T)[:, None]  # (T, 1)
    two_i = 2 * (np.arange(d_model) // 2)  # 0, 0, 2, 2, 4, 4, ...
    angle = position / 10000.0 ** (two_i / d_model)  # (T, d_model)
    return np.where(np.arange(d_model) % 2 == 0, np.sin(angle), np.cos(angle))


class PositionalEmbedding(Layer):
    """Adds a vector per position to a batch of sequences: Y = X + P[:T].

    Placed after an ``Embedding(..., concatenate=False)``, it tells the layers above where
    each token stands. The table P is either learned (a parameter, like an embedding
    table) or fixed: the sinusoids of :func:`sinusoidal_positions` (no parameters).

    Backward: the input reaches the output unchanged, so dX = dY; row t of the table is
    added to position t of every sample, so dP[t] = Σ over samples of dY[:, t] (and rows
    t >= T of dP are 0).

    Memory: caches nothing (the backward pass needs only the shape of dY).

    Parameters
    ----------
    max_len : int
        Longest sequence the layer accepts (rows of P); a longer input raises.
    d_model : int
        Width of the input, of the output and of each row of P.
    kind : {"learned", "sinusoidal"}, default="learned"
        A learned table P, drawn from N(0, 1) like the table of an ``Embedding``; or the fixed
        ``sinusoidal_positions(max_len, d_model)``, which is not a parameter (the layer
        then has none and ``rng`` is not used).
    rng : None, int or numpy.random.Generator, default=None
        Source of randomness for the initial learned table.

    Attributes
    ----------
    P : ndarray of shape (max_len, d_model)
        The position vectors: row t is added at position t.
    dP : ndarray of shape (max_len, d_model)
        ∂L/∂P after :meth:`~bpcode.layers.Layer.backward` (learned tables only).

    Examples
    --------
    >>> import numpy as np
    >>> layer = PositionalEmbedding(8, 4, kind="sinusoidal")
    >>> layer.forward(np.zeros((2, 3, 4)))[0, 1].round(3)
    array([0.841, 0.54 , 0.01 , 1.   ])
    >>> layer.parameters()
    []
    """

    params = ("P",)
    kinds = ("learned", "sinusoidal")

    def __init__(
        self, max_len: int, d_model: int, *, kind: str = "learned", rng: Seed = None
    ) -> None:
        self.max_len = check_positive_int(max_len, "max_len", "PositionalEmbedding")
        self.d_model = check_positive_int(d_model, "d_model", "PositionalEmbedding")
        if kind not in self.kinds:
            raise ValueError(
                f"PositionalEmbedding: kind must be 'learned' or 'sinusoidal', got {kind!r}"
            )
        self.kind = kind
        self.n_in = self.d_model
        shape = (self.max_len, self.d_model)
        if kind == "learned":
            self.P = as_generator(rng, repr(self)).standard_normal(shape)
            self.dP = np.zeros(shape)
        else:
            self.params = ()  # a fixed table: nothing to learn
            self.P = sinusoidal_positions(self.max_len, self.d_model)

    def _forward(self, X: np.ndarray) -> np.ndarray:
        return X + self.P[: X.shape[1]]  # Y = X + P[:T], the same rows for every sample

    def _backward(self, dY: np.ndarray) -> np.ndarray:
        self._parameter_gradients(dY)
        return dY  # dX = dY

    def _parameter_gradients(self, dY: np.ndarray) -> None:
        if self.params:  # a learned table
            self.dP = np.zeros_like(self.P)
            self.dP[: dY.shape[1]] = dY.sum(axis=0)  # dP[:T] = Σ over samples of dY

    def _input_error(self, shape: tuple[int, ...]) -> str | None:
        return _sequence_error(shape, self.d_model, self.max_len)

    def _out_width(self, n_in: int | None) -> int | None:
        return self.d_model

    def __repr__(self) -> str:
        kind = "" if self.kind == "learned" else ", sinusoidal"
        return (
            f"PositionalEmbedding(max_len={self.max_len}, d_model={self.d_model}{kind})"
        )
