"""Layers: the base class, the fully connected ``Dense`` layer, ``Embedding`` and ``Sequential``.

Layout convention (the article's, used everywhere in the book): a batch is a
matrix with **one sample per row**, ``X`` of shape (n_samples, n_in), and a
dense layer computes ``X @ W + b`` with ``W`` of shape (n_in, n_out).

Every layer has

* ``forward(X)``: checks ``X``, computes the output and remembers what the
  backward pass will need;
* ``backward(grad_out)``: takes ∂L/∂(output), stores the gradients of the
  layer's own parameters and returns ∂L/∂(input);
* ``parameters()``: a list of ``(name, value, gradient)`` triples;
* ``cached_arrays()`` and ``clear_cache()``: what the layer keeps between the
  two passes (its share of the *activation memory*), and a way to drop it;
* ``train()`` and ``eval()``: switch between training and evaluation behaviour
  (no-ops for the layers in this module).

The checks live in the public methods; the arithmetic lives in ``_forward`` and
``_backward``, which a layer implements and :class:`Sequential` calls once it has
checked the input of the whole network.

Misuse is caught, never turned into a wrong gradient: the input is copied (changing
it later cannot change a gradient), the output of ``forward`` is read-only, a layer
may appear only once in a network, and a network's ``backward`` refuses to run if one
of its layers was run on other data since the network's ``forward``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

import numpy as np

from ._checks import (
    as_float_array,
    as_generator,
    as_parameter,
    check_bool,
    check_positive_int,
    width_error,
)
from .init import Initializer, get_initializer

Param = tuple[str, np.ndarray, np.ndarray]
Seed = None | int | np.random.Generator

_forward_counter = itertools.count(1)  # numbers every forward pass of every layer


class Layer:
    """Base class of all layers.

    A layer implements ``_forward(X)`` and ``_backward(grad_out)``, names its parameters
    in ``params`` (the gradient of parameter ``P`` is the attribute ``dP``) and, if it
    does not take float arrays of any shape, says what it accepts in ``_input_error``.

    Attributes
    ----------
    params : tuple of str
        Names of the parameter attributes, e.g. ``("W", "b")``.
    buffers : tuple of str
        Names of arrays the layer keeps but does not train (BatchNorm's running
        statistics); like a parameter, replacing one keeps its shape and must be finite.
    training : bool
        True in training mode (the default), False after :meth:`eval`.
    """

    params: tuple[str, ...] = ()
    buffers: tuple[str, ...] = ()  # state that is not trained (e.g. running statistics)
    training: bool = True
    takes_token_ids: bool = False  # True for an Embedding (integer input)
    stochastic: bool = False  # True while the layer draws random numbers (Dropout)
    n_in: int | None = None
    _cache: tuple[
        str, ...
    ] = ()  # attributes that hold what backward needs from forward
    _out_shape: tuple[int, ...] | None = None
    _forward_id: int | None = None  # which forward pass filled the cache (None: empty)
    _inside_ids: list[int | None] = []  # the same for the layers inside, at this pass
    _optimizer_steps = 0  # optimizer steps taken on this layer (see parameters_updated)
    _steps_at_forward = 0

    # -- the public interface: checks, then arithmetic ------------------------------------
    def forward(self, X: np.ndarray) -> np.ndarray:
        """Compute the layer's output for a batch.

        Parameters
        ----------
        X : ndarray of shape (n_samples, ...)
            A batch, as the layer takes it: (n_samples, n_in) for ``Dense``; images
            (n, C, H, W) or sequences (n, T, features) for the layers built for them.
            Copied, so that changing ``X`` afterwards does not change the gradients.

        Returns
        -------
        ndarray of shape (n_samples, n_out)
            Read-only: the backward pass may need it (copy it to change it).
        """
        out = self._recorded_forward(self.check_input(X))
        self._steps_at_forward = self._optimizer_steps
        out.flags.writeable = False  # backward may need it as it is
        return out

    def backward(
        self, grad_out: np.ndarray, *, input_grad: bool = True
    ) -> np.ndarray | None:
        """Back-propagate ``grad_out`` = ∂L/∂(output) through the layer.

        Stores the gradients of the layer's parameters (e.g. ``dW``, ``db``)
        and returns ∂L/∂(input). Gradients are overwritten, not accumulated.

        Parameters
        ----------
        grad_out : ndarray, the shape of the last output
            Gradient of the loss with respect to this layer's last output.
        input_grad : bool, default=True
            If False, do not compute ∂L/∂(input) and return None. Training does not need
            the gradient with respect to the data, and for a ``Dense`` first layer it
            costs a matrix product.

        Returns
        -------
        ndarray, the shape of the last input, or None
            None with ``input_grad=False``, and for an input that has no gradient (the
            token ids of an Embedding).
        """
        problem = self._cache_problem()
        if problem is not None:
            raise RuntimeError(f"{self!r}: {problem}")
        if self._optimizer_steps != self._steps_at_forward:
            raise RuntimeError(
                f"{self!r}: an optimizer changed the parameters after forward(), so this "
                "backward pass would mix the old pass with the new weights; call forward() "
                "again before backward()"
            )
        if input_grad is not True and input_grad is not False:
            check_bool(input_grad, "input_grad", repr(self))
        if type(grad_out) is not np.ndarray or grad_out.dtype != np.float64:
            grad_out = as_float_array(
                grad_out, self, "grad_out", copy=False, finite=False
            )
        if grad_out.shape != self._out_shape:
            raise ValueError(
                f"{self!r}: grad_out must have the shape of the last output "
                f"{self._out_shape}, got {grad_out.shape}"
            )
        if not input_grad:
            self._parameter_gradients(grad_out)
            return None
        return self._backward(grad_out)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        return self.forward(X)

    def parameters(self) -> list[Param]:
        """Return the layer's ``(name, value, gradient)`` triples (none for most layers).

        Call it again after :meth:`backward`: a gradient is a new array after every pass.
        """
        return [
            (name, getattr(self, name), getattr(self, "d" + name))
            for name in self.params
        ]

    def parameters_updated(self) -> None:
        """Record that the parameters were changed in place (every optimizer's ``step``
        calls it); a backward pass through an earlier forward pass then raises."""
        self._optimizer_steps += 1

    def train(self, mode: bool = True) -> Layer:
        """Switch to training mode (or to evaluation mode with ``mode=False``); return self."""
        self.training = check_bool(mode, "mode", repr(self))
        return self

    def eval(self) -> Layer:
        """Switch to evaluation mode (e.g. no dropout); return self."""
        return self.train(False)

    def cached_arrays(self) -> list[np.ndarray]:
        """The arrays kept from the last forward pass because the backward pass needs them.

        A ``Dense`` layer keeps its input, the activations their output. Parameters
        and their gradients are not included.

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
        self._out_shape = self._forward_id = None

    def count_near_kinks(self, X: np.ndarray, radius: float) -> int:
        """How many entries of an input ``X`` lie within ``radius`` of a kink of this layer.

        A kink is a point where the layer is not differentiable (``z = 0`` for a ReLU).
        A central difference whose step crosses a kink measures an average of the two
        one-sided slopes, not the slope backprop uses, so
        :func:`~bpcode.gradcheck.gradient_check` counts such inputs. 0 for smooth layers.

        Parameters
        ----------
        X : ndarray
            An input of the layer.
        radius : float
            How close to a kink counts.

        Returns
        -------
        int
        """
        return 0

    def layers_inside(self) -> list[Layer]:
        """The layers this layer is made of (none for a plain layer)."""
        return []

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        for name in cls.params + cls.buffers:  # layer.W = ... is checked (see _Checked)
            if not isinstance(cls.__dict__.get(name), _Checked):
                setattr(cls, name, _Checked(name))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    # -- the protocol between layers (used by Sequential) ---------------------------------
    def _forward(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        raise NotImplementedError

    def _parameter_gradients(self, grad_out: np.ndarray) -> None:
        """The parameter gradients of ``_backward`` without ∂L/∂(input) (here: discarded)."""
        self._backward(grad_out)

    def check_input(self, X: object) -> np.ndarray:
        """Check ``X`` as :meth:`~bpcode.layers.Layer.forward` does, without running the layer.

        Parameters
        ----------
        X : array-like
            A batch of inputs.

        Returns
        -------
        ndarray
            A private float64 copy of ``X`` (integer ids for an Embedding).

        Raises
        ------
        TypeError, ValueError
            If the layer cannot take ``X``; the message names the layer, the expected
            and the actual shape.
        """
        X = as_float_array(X, self, finite=False)
        problem = self._input_error(X.shape)
        if problem is not None:
            raise ValueError(f"{self!r}: {problem}")
        return X

    def _input_error(self, shape: tuple[int, ...]) -> str | None:
        """What is wrong with an input of this shape, or None if it is accepted."""
        return None if self.n_in is None else width_error(shape, self.n_in)

    def _out_width(self, n_in: int | None) -> int | None:
        """Output width for inputs of width ``n_in``; None if not known before a forward pass."""
        return None

    def _explain_rejection(
        self, layer: Layer, problem: str, shape: tuple[int, ...]
    ) -> str:
        """``problem``, why ``layer`` rejected this layer's output of ``shape``, as told.

        A layer that knows the usual cause of such a mismatch rewrites it to say so.
        """
        return problem

    def _recorded_forward(self, X: np.ndarray) -> np.ndarray:
        out = self._forward(X)
        self._out_shape = out.shape
        self._forward_id = next(_forward_counter)
        return out

    def _cache_problem(self) -> str | None:
        """Why the backward pass cannot run now, or None."""
        if self._forward_id is None:
            return "backward() called before forward() (or after clear_cache())"
        if not self._inside_ids:  # a plain layer
            return None
        for i, (layer, recorded) in enumerate(
            zip(self.layers_inside(), self._inside_ids)
        ):
            if layer._forward_id is None:
                return (
                    f"layer {i} ({layer!r}) has nothing cached to go back through: its "
                    "clear_cache() was called after the network's forward()"
                )
            if layer._forward_id != recorded:
                return (
                    f"layer {i} ({layer!r}) was run on other data after the network's "
                    "forward(), so its cache no longer belongs to this network's pass; "
                    "call the network's forward() again before backward()"
                )
            problem = layer._cache_problem()
            if problem is not None:
                return f"layer {i} ({layer!r}): {problem}"
        return None

    def _record_layers_inside(self) -> None:
        """Remember which forward pass of each inner layer this layer's pass used."""
        self._inside_ids = [layer._forward_id for layer in self.layers_inside()]


class _Checked:
    """A parameter attribute whose replacement (``layer.W = ...``) is checked.

    A new value must have the old one's shape and be finite; integers become float64.
    Only assignments run this code: the descriptor has no ``__get__``, so reading
    ``layer.W`` finds the array in the instance's ``__dict__`` at full speed.
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def __set__(self, layer: Layer, value: object) -> None:
        old = layer.__dict__.get(self.name)
        if old is not None:
            value = as_parameter(value, old.shape, f"{layer!r}.{self.name}")
        layer.__dict__[self.name] = value


class Activation(Layer):
    """Base class of the element-wise activations: the output has the input's shape."""

    def _out_width(self, n_in: int | None) -> int | None:
        return n_in


class Dense(Layer):
    r"""Fully connected layer, Z = X W + b.

    Takes a batch of rows X of shape (n_samples, n_in), or a batch of sequences of shape
    (n_samples, T, n_in), to which it applies the same W and b at every time step.

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
        ∂L/∂W after :meth:`~bpcode.layers.Layer.backward`.
    db : ndarray of shape (n_out,)
        ∂L/∂b after :meth:`~bpcode.layers.Layer.backward`.

    Examples
    --------
    >>> import numpy as np
    >>> layer = Dense(2, 3, rng=0)
    >>> layer.forward(np.ones((4, 2))).shape
    (4, 3)
    """

    params = ("W", "b")
    _cache = ("_X",)

    def __init__(
        self,
        n_in: int,
        n_out: int,
        *,
        rng: Seed = None,
        init: str | Initializer = "xavier",
    ) -> None:
        self.n_in = check_positive_int(n_in, "n_in", "Dense")
        self.n_out = check_positive_int(n_out, "n_out", "Dense")
        W = get_initializer(init)(self.n_in, self.n_out, as_generator(rng, repr(self)))
        self.W = as_parameter(
            W, (self.n_in, self.n_out), f"{self!r}: the initialiser's W"
        )
        self.b = np.zeros(self.n_out)
        self.dW, self.db = np.zeros_like(self.W), np.zeros_like(self.b)
        self._X: np.ndarray | None = None

    def _forward(self, X: np.ndarray) -> np.ndarray:
        self._X = X  # BP4 needs the layer's input
        return X @ self.W + self.b  # Z = X W + 1b: b is added to every row

    def _backward(self, delta: np.ndarray) -> np.ndarray:
        self._parameter_gradients(delta)
        return delta @ self.W.T  # ∂L/∂X = δ Wᵀ, the first half of BP2

    def _parameter_gradients(self, delta: np.ndarray) -> None:
        X = self._X.reshape(-1, self.n_in)  # a sequence's time steps become rows
        delta = delta.reshape(-1, self.n_out)  # (nothing changes for a batch of rows)
        self.dW = X.T @ delta  # BP4: ∂L/∂W = Xᵀ δ
        self.db = delta.sum(axis=0)  # BP3: ∂L/∂b = 1ᵀ δ

    def _out_width(self, n_in: int | None) -> int | None:
        return self.n_out

    def __repr__(self) -> str:
        return f"Dense({self.n_in} -> {self.n_out})"


class Embedding(Layer):
    """Lookup table that maps integer tokens to learned vectors.

    For a batch of ``context`` token ids per sample it returns the concatenation of
    their vectors, shape (n_samples, context * dim), or with ``concatenate=False`` the
    sequence of vectors, shape (n_samples, context, dim), for a recurrent or attention
    layer. Backpropagation through the lookup adds each row of the output gradient
    into the row of the table that was used (rows used twice receive both).

    Parameters
    ----------
    vocab_size : int
        Number of distinct tokens; ids must lie in ``[0, vocab_size)``.
    dim : int
        Length of each token's vector.
    rng : None, int or numpy.random.Generator, default=None
        Source of randomness for the initial table, drawn from N(0, 1).
    concatenate : bool, default=True
        Concatenate the vectors of a sample (True) or keep them as a sequence (False).

    Attributes
    ----------
    E : ndarray of shape (vocab_size, dim)
        The table of token vectors.
    dE : ndarray of shape (vocab_size, dim)
        ∂L/∂E after :meth:`~bpcode.layers.Layer.backward`.
    """

    params = ("E",)
    _cache = ("_ids",)
    takes_token_ids = True

    def __init__(
        self, vocab_size: int, dim: int, *, rng: Seed = None, concatenate: bool = True
    ) -> None:
        self.vocab_size = check_positive_int(vocab_size, "vocab_size", "Embedding")
        self.dim = check_positive_int(dim, "dim", "Embedding")
        self.concatenate = check_bool(concatenate, "concatenate", "Embedding")
        self.E = as_generator(rng, repr(self)).standard_normal(
            (self.vocab_size, self.dim)
        )
        self.dE = np.zeros_like(self.E)
        self._ids: np.ndarray | None = None

    def check_input(self, X: object) -> np.ndarray:
        """Token ids: a non-empty 2-D integer array (n_samples, context) of ids in range."""
        ids = np.array(X)  # a private copy
        if ids.dtype.kind not in "iu":
            raise TypeError(
                f"{self!r}: token ids must be an integer array, got dtype {ids.dtype}"
            )
        if ids.ndim != 2 or ids.size == 0:
            raise ValueError(
                f"{self!r}: token ids must be a non-empty 2-D array of shape "
                f"(n_samples, context), got shape {ids.shape}"
            )
        if ids.min() < 0 or ids.max() >= self.vocab_size:
            raise ValueError(
                f"{self!r}: token ids must lie in [0, {self.vocab_size}), "
                f"got values from {ids.min()} to {ids.max()}"
            )
        return ids

    def _forward(self, ids: np.ndarray) -> np.ndarray:
        self._ids = ids
        vectors = self.E[ids]  # (n, k, d): the vectors of each sample's k ids
        return vectors.reshape(len(ids), -1) if self.concatenate else vectors

    def _backward(self, grad_out: np.ndarray) -> None:
        G = grad_out.reshape(*self._ids.shape, self.dim)  # (n, k, d), block by block
        self.dE = np.zeros_like(self.E)
        np.add.at(self.dE, self._ids, G)  # scatter-add: repeated ids accumulate
        return None  # token ids have no gradient

    def _out_width(self, n_in: int | None) -> int | None:
        return None if self.concatenate else self.dim

    def _explain_rejection(
        self, layer: Layer, problem: str, shape: tuple[int, ...]
    ) -> str:
        # Concatenated vectors rejected: the ids have the wrong context length, or the
        # layer above wants the vectors as a sequence (recurrent, attention).
        if not self.concatenate:
            return problem
        n, k, d = shape[0], self._ids.shape[1], self.dim
        if layer._input_error((n, k, d)) is None and layer._input_error((n, d)):
            return (
                f"expected a sequence of vectors (n_samples, T, {d}), got shape {shape}: "
                f"{self!r} concatenates the {k} vectors of each sample; use "
                f"Embedding({self.vocab_size}, {d}, concatenate=False) to pass them on "
                f"as a sequence of shape (n_samples, {k}, {d}),"
            )
        if layer.n_in is not None and layer.n_in % d == 0:
            wanted = layer.n_in // d
            return (
                f"{problem}: the network takes contexts of {wanted} "
                f"id{'s' * (wanted != 1)} ({wanted} × {d} = {layer.n_in} values), "
                f"got {k} per row,"
            )
        return problem

    def __repr__(self) -> str:
        return f"Embedding({self.vocab_size} tokens -> {self.dim})"


class Sequential(Layer):
    """A network: layers applied one after the other.

    Parameters
    ----------
    layers : sequence of Layer
        Applied in order by :meth:`~bpcode.layers.Layer.forward`, in reverse order by
        :meth:`~bpcode.layers.Layer.backward`. Each layer object may appear only once
        (a layer keeps what its backward pass needs from *its* forward pass).

    Raises
    ------
    ValueError
        If the widths of consecutive layers do not fit together, e.g.
        ``Dense(2, 3)`` followed (directly or after activations) by ``Dense(4, 1)``,
        if a layer appears twice, or if an :class:`Embedding` is not the first layer.
        Widths that are only known during a forward pass are checked there.

    Examples
    --------
    >>> from bpcode import Dense, Tanh, Sigmoid
    >>> model = Sequential([Dense(2, 4, rng=0), Tanh(), Dense(4, 1, rng=1), Sigmoid()])
    >>> model.n_parameters
    17
    """

    def __init__(self, layers: Iterable[Layer]) -> None:
        if isinstance(layers, Layer):
            raise TypeError(
                f"Sequential: expected a list of layers, e.g. Sequential([{layers!r}]),"
                f" got the single layer {layers!r}"
            )
        self.layers: tuple[Layer, ...] = tuple(layers)  # fixed: checked once, here
        if not self.layers:
            raise ValueError("Sequential: needs at least one layer")
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, Layer):
                what = (
                    f"the class {layer.__name__} itself, not an instance"
                    if isinstance(layer, type)
                    else type(layer).__name__
                )
                raise TypeError(f"Sequential: item {i} is {what}, not a Layer")
            if i > 0 and layer.takes_token_ids:
                raise ValueError(
                    f"Sequential: expected an Embedding (it takes token ids) only "
                    f"as the first layer, got {layer!r} as layer {i}"
                )
        _reject_reused_layers(self)
        # Follow the width from layer to layer (activations keep it, Dense sets it) and
        # check that each layer with a fixed input width gets that width.
        width: int | None = None
        for i, layer in enumerate(self.layers):
            if layer.n_in is not None and width is not None and layer.n_in != width:
                raise ValueError(
                    f"Sequential, layer {i} {layer!r}: expected input of shape "
                    f"(n_samples, {layer.n_in}), got (n_samples, {width}) from "
                    f"layer {i - 1} {self.layers[i - 1]!r}"
                )
            width = layer._out_width(width)
        self._first_trained = next(
            (
                i
                for i, layer in enumerate(self.layers)
                if layer.params or layer.layers_inside()
            ),
            None,
        )
        self._layers_with_parameters = [
            (i, layer)
            for i, layer in enumerate(self.layers)
            if layer.params or layer.layers_inside()
        ]

    @property
    def takes_token_ids(self) -> bool:  # type: ignore[override]
        """True if the network starts with an Embedding."""
        return self.layers[0].takes_token_ids

    @property
    def n_in(self) -> int | None:  # type: ignore[override]
        """The input width of the network (that of its first layer with a fixed width)."""
        for layer in self.layers:
            if layer.n_in is not None or not isinstance(layer, Activation):
                return layer.n_in
        return None

    def _input_error(self, shape: tuple[int, ...]) -> str | None:
        return self.layers[0]._input_error(shape)

    def check_input(self, X: object) -> np.ndarray:
        try:
            return self.layers[0].check_input(X)
        except (TypeError, ValueError) as error:  # say where in the network
            raise type(error)(f"Sequential, layer 0 {error}") from None

    def _forward(self, X: np.ndarray) -> np.ndarray:
        for i, layer in enumerate(self.layers):
            if i > 0:
                problem = layer._input_error(X.shape)
                if problem is not None:
                    raise ValueError(self._shape_error(i, problem, X.shape))
            X = layer._recorded_forward(X)
        self._record_layers_inside()
        return X

    def _shape_error(self, i: int, problem: str, shape: tuple[int, ...]) -> str:
        """The message for layer i rejecting an output of ``shape`` from the layer below.

        The layer that made the output (below any activations, which keep its shape) may
        know the usual cause and say it (see :meth:`Layer._explain_rejection`).
        """
        layer, below = self.layers[i], self.layers[i - 1]
        source = i - 1
        while source > 0 and isinstance(self.layers[source], Activation):
            source -= 1
        problem = self.layers[source]._explain_rejection(layer, problem, shape)
        return (
            f"Sequential, layer {i} {layer!r}: {problem} from layer {i - 1} {below!r}"
        )

    def _backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        for layer in reversed(self.layers):
            grad_out = layer._backward(grad_out)
        return grad_out

    def _parameter_gradients(self, grad_out: np.ndarray) -> None:
        first = self._first_trained  # the lowest layer with parameters, or None
        if first is None:
            return
        for layer in reversed(self.layers[first + 1 :]):
            grad_out = layer._backward(grad_out)
        self.layers[first]._parameter_gradients(grad_out)  # nobody below needs ∂L/∂X

    def _out_width(self, n_in: int | None) -> int | None:
        for layer in self.layers:
            n_in = layer._out_width(n_in)
        return n_in

    def train(self, mode: bool = True) -> Sequential:
        """Switch every layer to training mode (``mode=False``: evaluation); return self."""
        self.training = check_bool(mode, "mode", repr(self))
        for layer in self.layers:
            layer.train(mode)
        return self

    def layers_inside(self) -> list[Layer]:
        """The network's layers, in order."""
        return list(self.layers)

    def count_near_kinks(self, X: np.ndarray, radius: float) -> int:
        """The kinks near which each layer's input lies, on a forward pass of ``X``.

        Runs the layers' ``forward`` (so a later ``backward`` needs a new forward pass).
        """
        total = 0
        for layer in self.layers:
            total += layer.count_near_kinks(X, radius)
            X = layer.forward(X)
        return total

    def cached_arrays(self) -> list[np.ndarray]:
        """Every layer's cached arrays, in layer order.

        The output of one layer is often the cached input of the next, so the
        same array can appear twice; count memory over distinct arrays (``id``).
        """
        return [a for layer in self.layers for a in layer.cached_arrays()]

    def clear_cache(self) -> None:
        """Clear the caches of every layer."""
        for layer in self.layers:
            layer.clear_cache()
        self._out_shape = self._forward_id = None

    def parameters(self) -> list[Param]:
        """Return every layer's parameters, named ``"<layer index>.<name>"`` (e.g. ``"0.W"``)."""
        return [
            (f"{i}.{name}", value, grad)
            for i, layer in self._layers_with_parameters
            for name, value, grad in layer.parameters()
        ]

    @property
    def n_parameters(self) -> int:
        """Total number of scalar parameters."""
        return sum(value.size for _, value, _ in self.parameters())

    def __getitem__(self, i: int) -> Layer:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

    def __repr__(self) -> str:
        inner = ", ".join(repr(layer) for layer in self.layers)
        return f"Sequential([{inner}])"


class Residual(Layer):
    """A residual connection around a layer: Y = X + layer(X).

    The input reaches the output along two paths, so its gradient is the sum of the two:
    ∂L/∂X = ∂L/∂Y + (the layer's backward pass of ∂L/∂Y). The inner layer must keep the
    shape of its input (e.g. ``Sequential([Dense(d, d), ReLU()])`` or ``LayerNorm``).

    Parameters
    ----------
    layer : Layer
        The layer (or network) on the side path. Its parameters are the residual's,
        under the same names.
    """

    def __init__(self, layer: Layer) -> None:
        if not isinstance(layer, Layer):
            got = layer.__name__ if isinstance(layer, type) else type(layer).__name__
            raise TypeError(f"Residual: expected a Layer instance, got {got}")
        if layer.takes_token_ids:
            raise ValueError(
                f"Residual: X + layer(X) needs the layer's output to have its input's "
                f"shape; {layer!r} takes token ids"
            )
        self.layer = layer
        _reject_reused_layers(self)
        width = layer._out_width(layer.n_in)
        if layer.n_in is not None and width is not None and width != layer.n_in:
            raise ValueError(
                f"Residual: {layer!r} maps width {layer.n_in} to {width}; X + layer(X) "
                "needs the output to have the input's shape"
            )
        self.n_in = layer.n_in

    def check_input(self, X: object) -> np.ndarray:
        return self.layer.check_input(X)

    def _input_error(self, shape: tuple[int, ...]) -> str | None:
        return self.layer._input_error(shape)

    def _forward(self, X: np.ndarray) -> np.ndarray:
        out = self.layer._recorded_forward(X)
        if out.shape != X.shape:
            raise ValueError(
                f"{self!r}: X + layer(X) needs the layer's output to have the input's shape "
                f"{X.shape}, got {out.shape}"
            )
        self._record_layers_inside()
        return X + out

    def _backward(self, dY: np.ndarray) -> np.ndarray:
        return dY + self.layer._backward(dY)  # the two paths' gradients add up

    def parameters(self) -> list[Param]:
        """The inner layer's parameters, under its names."""
        return self.layer.parameters()

    def train(self, mode: bool = True) -> Residual:
        """Switch the inner layer to training mode (``mode=False``: evaluation); return self."""
        self.training = check_bool(mode, "mode", repr(self))
        self.layer.train(mode)
        return self

    def layers_inside(self) -> list[Layer]:
        """The inner layer."""
        return [self.layer]

    def count_near_kinks(self, X: np.ndarray, radius: float) -> int:
        """The inner layer's count for ``X``."""
        return self.layer.count_near_kinks(X, radius)

    def cached_arrays(self) -> list[np.ndarray]:
        """The inner layer's cached arrays (the residual itself keeps nothing)."""
        return self.layer.cached_arrays()

    def clear_cache(self) -> None:
        """Clear the inner layer's cache."""
        self.layer.clear_cache()
        self._out_shape = self._forward_id = None

    def _out_width(self, n_in: int | None) -> int | None:
        return n_in

    def __repr__(self) -> str:
        return f"Residual({self.layer!r})"


def _reject_reused_layers(model: Layer) -> None:
    """Raise if one layer object appears twice anywhere inside ``model``.

    A layer keeps what its backward pass needs from its last forward pass, so a layer
    used at two places would go back through the wrong pass at one of them.
    """
    seen: dict[int, str] = {id(model): "the network itself"}

    def visit(layer: Layer, path: str) -> None:
        for i, inner in enumerate(layer.layers_inside()):
            where = f"{path}{i}"
            if id(inner) in seen:
                raise ValueError(
                    f"Sequential: the same layer object {inner!r} is used twice, at "
                    f"{seen[id(inner)]} and at position {where}; a layer remembers one "
                    "forward pass, so give each position its own layer (for tied weights, "
                    "two layers and a shared update)"
                )
            seen[id(inner)] = f"position {where}"
            visit(inner, f"{where}.")

    visit(model, "")
