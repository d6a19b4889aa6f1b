"""Layers: the base class, the fully connected ``Dense`` layer, ``Embedding`` and ``Sequential``.

Layout convention (the article's, used everywhere in the book): a batch is a
matrix with **one sample per row**, ``X`` of shape (n_samples, n_in), and a
dense layer computes ``X @ W + b`` with ``W`` of shape (n_in, n_out).

Every layer has

* ``forward(X)``: checks ``X``, computes the output and remembers what the
  backward pass will need;
* ``backward(grad_out)``: takes dL/d(output), stores the gradients of the
  layer's own parameters and returns dL/d(input);
* ``parameters()``: a list of ``(name, value, gradient)`` triples;
* ``cached_arrays()`` and ``clear_cache()``: what the layer keeps between the
  two passes (its share of the *activation memory*), and a way to drop it.

The checks live in the public methods; the arithmetic lives in ``_forward`` and
``_backward``, which :class:`Sequential` calls directly once it has checked the
input of the whole network.
"""

from __future__ import annotations

from typing import Iterable, Optional, Union

import numpy as np

from ._checks import as_float_matrix, as_generator, check_positive_int, check_width
from .init import Initializer, get_initializer

Param = tuple[str, np.ndarray, np.ndarray]


class Layer:
    """Base class of all layers.

    Subclasses implement ``_forward(X)`` and ``_backward(grad_out, input_grad)``
    and, if they have parameters, ``parameters()``. ``n_in`` is the expected
    input width, or ``None`` if any width is accepted.
    """

    n_in: Optional[int] = None
    _out_shape: Optional[tuple[int, ...]] = None
    _cache: tuple[str, ...] = ()      # attributes that hold what backward needs from forward
    _keeps_width = False              # True for element-wise layers: output width = input width

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Compute the layer's output for a batch.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_in)

        Returns
        -------
        ndarray of shape (n_samples, n_out)
        """
        X = as_float_matrix(X, repr(self))
        if self.n_in is not None:
            check_width(X, self.n_in, repr(self))
        out = self._forward(X)
        self._out_shape = out.shape
        return out

    def backward(self, grad_out: np.ndarray, *, input_grad: bool = True) -> Optional[np.ndarray]:
        """Back-propagate ``grad_out`` = dL/d(output) through the layer.

        Stores the gradients of the layer's parameters (e.g. ``dW``, ``db``)
        and returns dL/d(input). Gradients are overwritten, not accumulated.

        Parameters
        ----------
        grad_out : ndarray of shape (n_samples, n_out)
            Gradient of the loss with respect to this layer's last output.
        input_grad : bool, default=True
            If False, skip computing the gradient with respect to the input
            (the first layer of a network does not need it) and return None.

        Returns
        -------
        ndarray of shape (n_samples, n_in), or None
        """
        if self._out_shape is None:
            raise RuntimeError(f"{self!r}: backward() called before forward() "
                               "(or after clear_cache())")
        grad_out = as_float_matrix(grad_out, repr(self), "grad_out")
        if grad_out.shape != self._out_shape:
            raise ValueError(
                f"{self!r}: grad_out must have the shape of the last output "
                f"{self._out_shape}, got {grad_out.shape}")
        return self._backward(grad_out, input_grad)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        return self.forward(X)

    def parameters(self) -> list[Param]:
        """Return the layer's ``(name, value, gradient)`` triples (none by default)."""
        return []

    def cached_arrays(self) -> list[np.ndarray]:
        """The arrays kept from the last forward pass because the backward pass needs them.

        A :class:`Dense` layer keeps its input, :class:`~bpcode.activations.Sigmoid`,
        :class:`~bpcode.activations.Tanh` and :class:`~bpcode.activations.ReLU` keep
        their output. Parameters and their gradients are not included.

        Returns
        -------
        list of ndarray
            Empty before the first forward pass and after :meth:`clear_cache`.
        """
        arrays = (getattr(self, name, None) for name in self._cache)
        return [a for a in arrays if a is not None]

    def clear_cache(self) -> None:
        """Drop the arrays kept for the backward pass (the next forward pass refills them).

        Until then :meth:`backward` raises, as it does before the first forward pass.
        """
        for name in self._cache:
            setattr(self, name, None)
        self._out_shape = None

    def _forward(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _backward(self, grad_out: np.ndarray, input_grad: bool) -> Optional[np.ndarray]:
        raise NotImplementedError

    def _out_width(self, n_in: Optional[int]) -> Optional[int]:
        """Output width for inputs of width ``n_in``; None if not known before a forward pass."""
        return n_in if self._keeps_width else None

    def _uncached_layer(self) -> Optional[str]:
        """Where, inside this layer, a layer with nothing cached is (e.g. "layer 1 (Tanh())"),
        or None. A plain layer has no layers inside; :class:`Sequential` looks through its own."""
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Dense(Layer):
    r"""Fully connected layer :math:`Z = XW + b`.

    Parameters
    ----------
    n_in : int
        Number of input features.
    n_out : int
        Number of output units.
    rng : None, int or numpy.random.Generator, default=None
        Source of randomness for the initial weights. Pass a seed for
        reproducible weights.
    init : str or callable, default="xavier"
        Weight initialiser, see :func:`bpcode.init.get_initializer`.
        Biases start at zero.

    Attributes
    ----------
    W : ndarray of shape (n_in, n_out)
        Weights; column ``j`` holds the incoming weights of unit ``j``.
    b : ndarray of shape (n_out,)
        Biases.
    dW : ndarray of shape (n_in, n_out)
        dL/dW after :meth:`~bpcode.layers.Layer.backward`.
    db : ndarray of shape (n_out,)
        dL/db after :meth:`~bpcode.layers.Layer.backward`.

    Examples
    --------
    >>> import numpy as np
    >>> layer = Dense(2, 3, rng=0)
    >>> layer.forward(np.ones((4, 2))).shape
    (4, 3)
    """

    def __init__(self, n_in: int, n_out: int, *, rng: Union[None, int, np.random.Generator] = None,
                 init: Union[str, Initializer] = "xavier") -> None:
        self.n_in = check_positive_int(n_in, "n_in", "Dense")
        self.n_out = check_positive_int(n_out, "n_out", "Dense")
        W = get_initializer(init)(self.n_in, self.n_out, as_generator(rng, repr(self)))
        self.W = np.array(W, dtype=np.float64)
        if self.W.shape != (self.n_in, self.n_out):
            raise ValueError(f"{self!r}: initialiser returned shape {self.W.shape}, "
                             f"expected {(self.n_in, self.n_out)}")
        self.b = np.zeros(self.n_out)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self._X: Optional[np.ndarray] = None

    _cache = ("_X",)

    def _forward(self, X: np.ndarray) -> np.ndarray:
        self._X = X                                   # needed for dW
        Z = X @ self.W                                # (n, n_in) @ (n_in, n_out)
        Z += self.b                                   # + (n_out,), added to every row in place
        return Z

    def _backward(self, grad_out: np.ndarray, input_grad: bool) -> Optional[np.ndarray]:
        np.matmul(self._X.T, grad_out, out=self.dW)   # dL/dW = X^T G : (n_in, n_out)
        grad_out.sum(axis=0, out=self.db)             # dL/db = sum of G's rows : (n_out,)
        if not input_grad:
            return None
        return grad_out @ self.W.T                    # dL/dX = G W^T : (n, n_in)

    def parameters(self) -> list[Param]:
        return [("W", self.W, self.dW), ("b", self.b, self.db)]

    def _out_width(self, n_in: Optional[int]) -> Optional[int]:
        return self.n_out

    def __repr__(self) -> str:
        return f"Dense({self.n_in} -> {self.n_out})"


class Embedding(Layer):
    """Lookup table that maps integer tokens to learned vectors.

    For a batch of ``context`` token ids per sample it returns the
    concatenation of their vectors. Backpropagation through the lookup adds
    each row of the output gradient into the row of the table that was used
    (rows used twice receive both contributions).

    Parameters
    ----------
    vocab_size : int
        Number of distinct tokens; ids must lie in ``[0, vocab_size)``.
    dim : int
        Length of each token's vector.
    rng : None, int or numpy.random.Generator, default=None
        Source of randomness for the initial table, drawn from N(0, 1).

    Attributes
    ----------
    E : ndarray of shape (vocab_size, dim)
        The table of token vectors.
    dE : ndarray of shape (vocab_size, dim)
        dL/dE after :meth:`~bpcode.layers.Layer.backward`.
    """

    def __init__(self, vocab_size: int, dim: int, *,
                 rng: Union[None, int, np.random.Generator] = None) -> None:
        self.vocab_size = check_positive_int(vocab_size, "vocab_size", "Embedding")
        self.dim = check_positive_int(dim, "dim", "Embedding")
        self.E = as_generator(rng, repr(self)).standard_normal((self.vocab_size, self.dim))
        self.dE = np.zeros_like(self.E)
        self._ids: Optional[np.ndarray] = None

    _cache = ("_ids",)

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Look up the vectors of a batch of token ids.

        Parameters
        ----------
        X : ndarray of int, shape (n_samples, context)

        Returns
        -------
        ndarray of shape (n_samples, context * dim)
        """
        ids = np.asarray(X)
        if ids.dtype.kind not in "iu":
            raise TypeError(f"{self!r}: token ids must be an integer array, got dtype {ids.dtype}")
        if ids.ndim != 2 or ids.size == 0:
            raise ValueError(f"{self!r}: token ids must be a non-empty 2-D array of shape "
                             f"(n_samples, context), got shape {ids.shape}")
        if ids.min() < 0 or ids.max() >= self.vocab_size:
            raise ValueError(f"{self!r}: token ids must lie in [0, {self.vocab_size}), "
                             f"got values from {ids.min()} to {ids.max()}")
        out = self._forward(ids)
        self._out_shape = out.shape
        return out

    def _forward(self, X: np.ndarray) -> np.ndarray:
        self._ids = X
        return self.E[X].reshape(X.shape[0], -1)      # (n, context, dim) -> (n, context*dim)

    def _backward(self, grad_out: np.ndarray, input_grad: bool) -> None:
        self.dE.fill(0.0)
        g = grad_out.reshape(self._ids.shape[0], self._ids.shape[1], self.dim)
        np.add.at(self.dE, self._ids, g)              # scatter-add: repeated ids accumulate
        return None                                   # token ids have no gradient

    def parameters(self) -> list[Param]:
        return [("E", self.E, self.dE)]

    def __repr__(self) -> str:
        return f"Embedding({self.vocab_size} tokens -> {self.dim})"


def _takes_token_ids(model: Layer) -> bool:
    """True if ``model`` is an :class:`Embedding` or a :class:`Sequential` that starts with one."""
    while isinstance(model, Sequential):
        model = model.layers[0]
    return isinstance(model, Embedding)


def _may_overwrite(dense: Layer, activation: Layer) -> bool:
    """True if ``activation`` may work in the arrays that its neighbour ``dense`` hands it.

    A :class:`Dense` layer's forward output and its input gradient are new arrays that it
    does not keep, so an activation next to it can overwrite them instead of allocating
    (a 256 x 1024 batch is 2 MB per array and pass). Only exact classes qualify: a subclass
    of ``Dense`` might keep its output, and a subclass of the activation might have changed
    ``_forward``/``_backward`` (the book breaks layers on purpose), which must not be bypassed.
    """
    return type(dense) is Dense and "_forward_overwrite" in type(activation).__dict__


class Sequential(Layer):
    """A network: layers applied one after the other.

    Parameters
    ----------
    layers : sequence of Layer
        Applied in order by :meth:`~bpcode.layers.Sequential.forward`, in reverse order by
        :meth:`~bpcode.layers.Layer.backward`.

    Raises
    ------
    ValueError
        If the widths of consecutive layers do not fit together, e.g.
        ``Dense(2, 3)`` followed (directly or after activations) by ``Dense(4, 1)``,
        or if an :class:`Embedding` is not the first layer. Widths that are only known
        during a forward pass (after an ``Embedding``) are checked there.

    Examples
    --------
    >>> from bpcode import Dense, Tanh, Sigmoid
    >>> model = Sequential([Dense(2, 4, rng=0), Tanh(), Dense(4, 1, rng=1), Sigmoid()])
    >>> model.n_parameters
    17
    """

    def __init__(self, layers: Iterable[Layer]) -> None:
        if isinstance(layers, Layer):
            raise TypeError(f"Sequential: expected a list of layers, e.g. Sequential([{layers!r}]),"
                            f" got the single layer {layers!r}")
        self.layers: list[Layer] = list(layers)
        if not self.layers:
            raise ValueError("Sequential: needs at least one layer")
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"Sequential: item {i} is {type(layer).__name__}, not a Layer")
            if i > 0 and _takes_token_ids(layer):
                raise ValueError(f"Sequential: expected an Embedding (it takes token ids) only "
                                 f"as the first layer, got {layer!r} as layer {i}")
        # Follow the width from layer to layer (activations keep it, Dense sets it) and
        # check that each layer with a fixed input width gets that width.
        width: Optional[int] = None
        for i, layer in enumerate(self.layers):
            if layer.n_in is not None and width is not None and layer.n_in != width:
                raise ValueError(
                    f"Sequential (layer {i} {layer!r}): expected input of shape "
                    f"(n_samples, {layer.n_in}), got (n_samples, {width}) from "
                    f"layer {i - 1} {self.layers[i - 1]!r}")
            width = layer._out_width(width)
        # The network's input width: that of the first layer with a fixed width,
        # if only element-wise layers come before it.
        self._n_in_layer = 0
        for i, layer in enumerate(self.layers):
            if layer.n_in is not None or not layer._keeps_width:
                self._n_in_layer = i
                break
        self.n_in = self.layers[self._n_in_layer].n_in

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Run the network on a batch, checking the input once at the door.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_in)
            For a network that starts with :class:`Embedding`, integer token
            ids of shape (n_samples, context).

        Returns
        -------
        ndarray of shape (n_samples, n_out)
        """
        first = self.layers[0]
        if _takes_token_ids(first):
            out = first.forward(X)
            start = 1
        else:
            X = as_float_matrix(X, "Sequential")
            if self.n_in is not None:
                k = self._n_in_layer
                where = (f"Sequential (first layer {first!r})" if k == 0 else
                         f"Sequential (layer {k} {self.layers[k]!r}, after element-wise "
                         f"{', '.join(repr(layer) for layer in self.layers[:k])})")
                check_width(X, self.n_in, where)
            out, start = X, 0
        out = self._run(out, start)
        self._out_shape = out.shape
        return out

    def _forward(self, X: np.ndarray) -> np.ndarray:
        return self._run(X)

    def _run(self, X: np.ndarray, start: int = 0) -> np.ndarray:
        for i in range(start, len(self.layers)):
            layer = self.layers[i]
            if layer.n_in is not None and X.shape[1] != layer.n_in:     # an integer comparison
                came_from = f" from layer {i - 1} {self.layers[i - 1]!r}" if i > 0 else ""
                raise ValueError(f"Sequential (layer {i} {layer!r}): expected input of shape "
                                 f"(n_samples, {layer.n_in}), got shape {X.shape}{came_from}")
            if i > 0 and _may_overwrite(self.layers[i - 1], layer):
                X = layer._forward_overwrite(X)      # X is Dense's fresh output: reuse it
            else:
                X = layer._forward(X)
            layer._out_shape = X.shape
        return X

    def _out_width(self, n_in: Optional[int]) -> Optional[int]:
        for layer in self.layers:
            n_in = layer._out_width(n_in)
        return n_in

    def _backward(self, grad_out: np.ndarray, input_grad: bool) -> Optional[np.ndarray]:
        grad: Optional[np.ndarray] = grad_out
        last = len(self.layers) - 1
        for i in range(last, -1, -1):
            layer = self.layers[i]
            if i < last and _may_overwrite(self.layers[i + 1], layer):
                grad = layer._backward_overwrite(grad, input_grad or i > 0)  # Dense's fresh dL/dX
            else:
                grad = layer._backward(grad, input_grad or i > 0)
        return grad

    def backward(self, grad_out: np.ndarray, *, input_grad: bool = True) -> Optional[np.ndarray]:
        if self._out_shape is not None:              # (else Layer.backward says "before forward")
            missing = self._uncached_layer()
            if missing is not None:
                raise RuntimeError(f"Sequential: {missing} has nothing cached to go back "
                                   "through: its clear_cache() was called after the network's "
                                   "forward()")
        return super().backward(grad_out, input_grad=input_grad)

    def _uncached_layer(self) -> Optional[str]:
        for i, layer in enumerate(self.layers):
            if layer._out_shape is None:
                return f"layer {i} ({layer!r})"
            inner = layer._uncached_layer()          # a network inside the network
            if inner is not None:
                return f"layer {i}, {inner}"
        return None

    backward.__doc__ = Layer.backward.__doc__

    def cached_arrays(self) -> list[np.ndarray]:
        """Every layer's cached arrays, in layer order.

        The output of one layer is usually the cached input of the next, so the
        same array can appear twice; count memory over distinct arrays (``id``).
        """
        return [a for layer in self.layers for a in layer.cached_arrays()]

    def clear_cache(self) -> None:
        """Clear the caches of every layer."""
        for layer in self.layers:
            layer.clear_cache()
        self._out_shape = None

    def parameters(self) -> list[Param]:
        """Return every layer's parameters, named ``"<layer index>.<name>"`` (e.g. ``"0.W"``)."""
        return [(f"{i}.{name}", value, grad)
                for i, layer in enumerate(self.layers)
                for name, value, grad in layer.parameters()]

    @property
    def n_parameters(self) -> int:
        """Total number of scalar parameters."""
        return sum(value.size for _, value, _ in self.parameters())

    def __getitem__(self, i: int) -> Layer:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __repr__(self) -> str:
        inner = ", ".join(repr(layer) for layer in self.layers)
        return f"Sequential([{inner}])"
