"""A scalar reverse-mode automatic differentiation engine.

Each :class:`Value` holds a number, the gradient of the final output with
respect to it, and how it was made (its parents and the operation). Calling
:meth:`Value.backward` on the output visits the graph in reverse topological
order and applies the chain rule once per edge, so every node's gradient is
complete before it is passed on — also when a value is used more than once.

A Value always holds a finite float: ``Value(nan)`` and ``Value(inf)`` raise
ValueError, and an operation whose result (or a gradient, in
:meth:`Value.backward`) would overflow float64 raises OverflowError naming the
operation and its operands, instead of carrying inf or nan on silently.

>>> a = Value(2.0, label="a")
>>> b = a * a + a          # a is used three times
>>> b.backward()
>>> a.grad                 # d(a^2 + a)/da = 2a + 1
5.0
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

Number = int | float


class Value:
    """A scalar in a computational graph.

    Parameters
    ----------
    data : float
        The number; it must be finite.
    label : str, optional
        A name shown in drawings of the graph.
    parents : tuple of Value, keyword-only, default=()
        Set by the operations that build the graph, not by users.
    op : str, keyword-only, default=""
        Set by the operations that build the graph, not by users.

    Attributes
    ----------
    data : float
        The value computed in the forward pass.
    grad : float
        d(output)/d(this value) after :meth:`backward` was called on an output.
    parents : tuple of Value
        The values this one was computed from.
    op : str
        The operation that produced it (``""`` for an input).

    Raises
    ------
    ValueError
        If ``data`` is nan or infinite.
    OverflowError
        If an operation's result is infinite (``data`` of a Value made with
        ``op``): the message names the operation and its operands.
    """

    __slots__ = ("data", "grad", "parents", "op", "label", "_backward")

    def __init__(
        self,
        data: Number,
        label: str = "",
        *,
        parents: tuple[Value, ...] = (),
        op: str = "",
    ) -> None:
        if isinstance(data, bool) or not isinstance(
            data, numbers.Real
        ):  # NumPy scalars are fine
            raise TypeError(
                f"Value: data must be a real number, got {type(data).__name__}"
            )
        self.data = float(data)
        if not math.isfinite(self.data):  # an error naming the operation, if any
            raise _not_finite(self.data, parents, op)
        self.grad = 0.0
        self.parents = parents
        self.op = op
        self.label = label
        self._backward: Callable[[], None] = lambda: None

    # -- building the graph -------------------------------------------------
    def __add__(self, other: Value | Number) -> Value:
        other = _wrap(other)
        out = Value(self.data + other.data, parents=(self, other), op="+")

        def backward() -> None:  # add passes the gradient on unchanged
            self.grad += out.grad
            other.grad += out.grad

        out._backward = backward
        return out

    def __mul__(self, other: Value | Number) -> Value:
        other = _wrap(other)
        out = Value(self.data * other.data, parents=(self, other), op="*")

        def backward() -> None:  # multiply swaps the inputs
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = backward
        return out

    def __pow__(self, exponent: Number) -> Value:
        if isinstance(exponent, Value) or not isinstance(exponent, numbers.Real):
            raise TypeError(
                "Value ** x: x must be a constant number (a plain int or float, "
                f"or a NumPy scalar), got {type(exponent).__name__}"
            )
        exponent = (
            int(exponent) if isinstance(exponent, numbers.Integral) else float(exponent)
        )
        if not math.isfinite(exponent):
            raise ValueError(f"Value ** x: x must be finite, got {exponent}")
        if self.data == 0.0 and exponent < 0:
            raise ZeroDivisionError(
                f"Value ** {exponent:g}: 0 has no negative power "
                "(a division by a Value that is 0?)"
            )
        if self.data == 0.0 and 0 < exponent < 1:
            raise ZeroDivisionError(
                f"Value ** {exponent:g}: the derivative of x**{exponent:g} "
                "at x = 0 is infinite, so backward() could not pass "
                "through it"
            )
        if self.data < 0.0 and exponent != int(exponent):
            raise ValueError(
                f"Value ** {exponent:g}: a negative number ({self.data:g}) has no "
                "real power with a non-integer exponent"
            )
        out = Value(_power(self.data, exponent), parents=(self,), op=f"**{exponent:g}")

        def backward() -> None:  # x**0 is the constant 1: derivative 0, also at 0
            if exponent != 0:
                self.grad += exponent * _power(self.data, exponent - 1) * out.grad

        out._backward = backward
        return out

    def exp(self) -> Value:
        r"""Return :math:`e^x`; raises OverflowError above :math:`x \approx 709.78`."""
        try:
            e = math.exp(self.data)
        except OverflowError:
            e = math.inf  # Value() raises, naming the operation
        out = Value(e, parents=(self,), op="exp")

        def backward() -> None:
            self.grad += out.data * out.grad

        out._backward = backward
        return out

    def log(self) -> Value:
        """Return the natural logarithm; the value must be positive."""
        if self.data <= 0.0:
            raise ValueError(f"Value.log: needs a positive value, got {self.data}")
        out = Value(math.log(self.data), parents=(self,), op="log")

        def backward() -> None:
            self.grad += out.grad / self.data

        out._backward = backward
        return out

    def tanh(self) -> Value:
        """Return :math:`\\tanh x`."""
        out = Value(math.tanh(self.data), parents=(self,), op="tanh")

        def backward() -> None:
            self.grad += (1.0 - out.data**2) * out.grad

        out._backward = backward
        return out

    def relu(self) -> Value:
        """Return :math:`\\max(0, x)` (gradient 0 at the kink)."""
        out = Value(max(0.0, self.data), parents=(self,), op="relu")

        def backward() -> None:
            self.grad += (self.data > 0.0) * out.grad

        out._backward = backward
        return out

    def sigmoid(self) -> Value:
        """Return :math:`1/(1+e^{-x})`."""
        x = self.data
        s = 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
        out = Value(s, parents=(self,), op="sigmoid")

        def backward() -> None:
            self.grad += s * (1.0 - s) * out.grad

        out._backward = backward
        return out

    def __neg__(self) -> Value:
        return self * -1.0

    def __sub__(self, other: Value | Number) -> Value:
        other = _wrap(other)
        with _reported_as("-", self, other, "a + (-b)"):
            return self + (-other)

    def __truediv__(self, other: Value | Number) -> Value:
        other = _wrap(other)
        with _reported_as("/", self, other, "a * b**-1"):
            return self * other**-1

    def __radd__(self, other: Number) -> Value:
        return _wrap(other) + self

    def __rmul__(self, other: Number) -> Value:
        return _wrap(other) * self

    def __rsub__(self, other: Number) -> Value:
        return _wrap(other) - self

    def __rtruediv__(self, other: Number) -> Value:
        return _wrap(other) / self

    # -- the backward pass --------------------------------------------------
    def topological_order(self) -> list[Value]:
        """Every node this value depends on, each after all of its parents.

        Iterative depth-first search, so deep graphs (long chains) do not hit
        Python's recursion limit.
        """
        order: list[Value] = []
        visited: set[int] = set()
        stack: list[tuple[Value, bool]] = [(self, False)]
        while stack:
            node, parents_done = stack.pop()
            if parents_done:
                order.append(node)
                continue
            if id(node) in visited:
                continue
            visited.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in node.parents if id(p) not in visited)
        return order

    def backward(self, *, zero_grad: bool = True) -> None:
        """Compute d(self)/d(node) for every node of the graph that made ``self``.

        Parameters
        ----------
        zero_grad : bool, default=True
            First reset every gradient in the graph to 0, so that calling
            ``backward()`` twice gives the same gradients as calling it once.
            With False, the gradients of the **inputs** (nodes without
            parents) keep their old values and the new gradients are added to
            them, as in PyTorch: that is how the gradients of several outputs
            sharing inputs are summed. Intermediate nodes are always reset, so
            their ``grad`` is the gradient of this output alone.

        Raises
        ------
        OverflowError
            If a gradient overflows float64; the message names the operation
            the gradient was passed back through.
        """
        order = self.topological_order()
        for node in order:
            if zero_grad or node.parents:
                node.grad = 0.0
        self.grad += 1.0  # d(self)/d(self)
        for node in reversed(order):  # outputs first, inputs last
            node._backward()
            _check_gradients(node)  # OverflowError if one became inf or nan

    def __repr__(self) -> str:
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.4g}, grad={self.grad:.4g})"


def _wrap(x: Value | Number) -> Value:
    if isinstance(x, Value):
        return x
    return Value(x)


def _power(x: float, p: Number) -> float:
    """``x ** p``, or inf where Python raises OverflowError (``1e200 ** 2``)."""
    try:
        return x**p
    except OverflowError:
        return math.inf


def _show(x: float) -> str:
    """``x`` for a message, exactly and briefly: ``1e+200``, ``2``, ``0.1``."""
    return repr(float(x)).removesuffix(".0")


def _not_finite(data: float, parents: tuple[Value, ...], op: str) -> Exception:
    """The error for a Value that would hold ``data`` (inf or nan), made by ``op``."""
    if not op:
        return ValueError(f"Value: data must be finite, got {data}")
    x = [_show(p.data) for p in parents]
    if op == "exp" and len(x) == 1:
        return OverflowError(
            f"Value.exp: e^{x[0]} is larger than the largest float64 (about e^709.78)"
        )
    if len(x) == 2:  # + and *
        where, expr = f"Value {op} Value", f"{x[0]} {op} {x[1]}"
    elif op.startswith("**") and len(x) == 1:
        where, expr = f"Value ** {op[2:]}", f"{x[0]} ** {op[2:]}"
    else:
        where, expr = f"Value.{op}", f"{op}({', '.join(x)})"
    if math.isnan(data):
        return ValueError(f"{where}: {expr} is nan")
    return OverflowError(f"{where}: {expr} overflows float64")


@contextmanager
def _reported_as(symbol: str, a: Value, b: Value, how: str) -> Iterator[None]:
    """Report an overflow inside ``a - b`` or ``a / b`` as one of that operation."""
    try:
        yield
    except OverflowError as err:
        expr = f"{_show(a.data)} {symbol} {_show(b.data)}"
        raise OverflowError(
            f"Value {symbol} Value: {expr} cannot be computed in float64 (it is "
            f"computed as {how}, and {err})"
        ) from None


def _check_gradients(node: Value) -> None:
    """Raise OverflowError if passing the gradient back through ``node`` overflowed."""
    for parent in node.parents:
        if not math.isfinite(parent.grad):
            name = f" {node.label!r}" if node.label else ""
            what = "is nan" if math.isnan(parent.grad) else "overflows float64"
            raise OverflowError(
                f"Value.backward: a gradient {what} (became {parent.grad}) going "
                f"back through the '{node.op}' node{name} (data {_show(node.data)}, gradient "
                f"{_show(node.grad)}) to an input with data {_show(parent.data)}"
            )


def graph_nodes(output: Value) -> list[Value]:
    """All nodes of the graph that produced ``output``, inputs first.

    Parameters
    ----------
    output : Value

    Returns
    -------
    list of Value
        Each node once, every node after the nodes it was computed from.
    """
    return output.topological_order()


def sum_values(values: Iterable[Value | Number]) -> Value:
    """Add up several values (a ``sum`` that starts from ``Value(0)``).

    Parameters
    ----------
    values : iterable of Value or numbers

    Returns
    -------
    Value
        The sum, connected in the graph to every term.
    """
    total = Value(0.0)
    for v in values:
        total = total + v
    return total
