"""The scalar reverse-mode engine: every operation, shared nodes, deep graphs, repeated calls."""

import math

import pytest

from bpcode.autograd import Value, sum_values


def numeric_derivative(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


UNARY = {
    "exp": (lambda v: v.exp(), math.exp),
    "log": (lambda v: v.log(), math.log),
    "tanh": (lambda v: v.tanh(), math.tanh),
    "relu": (lambda v: v.relu(), lambda x: max(0.0, x)),
    "sigmoid": (lambda v: v.sigmoid(), lambda x: 1 / (1 + math.exp(-x))),
    "pow3": (lambda v: v ** 3, lambda x: x ** 3),
    "pow-0.5": (lambda v: v ** -0.5, lambda x: x ** -0.5),
    "neg": (lambda v: -v, lambda x: -x),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("x", [0.3, 1.7, 2.5])
def test_unary_operations(name, x):
    build, plain = UNARY[name]
    v = Value(x)
    out = build(v)
    out.backward()
    assert out.data == pytest.approx(plain(x), rel=1e-15)
    assert v.grad == pytest.approx(numeric_derivative(plain, x), rel=1e-7)


BINARY = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "radd": lambda a, b: 2.0 + a * b, "rsub": lambda a, b: 2.0 - a / b,
    "rmul": lambda a, b: 3.0 * a - b, "rdiv": lambda a, b: 1.0 / (a + b),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_operations(name):
    f = BINARY[name]
    a, b = Value(1.3), Value(-0.7)
    out = f(a, b)
    out.backward()
    assert a.grad == pytest.approx(numeric_derivative(lambda x: f(x, -0.7), 1.3), rel=1e-7)
    assert b.grad == pytest.approx(numeric_derivative(lambda x: f(1.3, x), -0.7), rel=1e-7)


def test_gradients_accumulate_at_a_shared_node():
    # f(x) = y * y + y with y = 3x: df/dx = (2y + 1) * 3
    x = Value(0.5)
    y = x * 3.0
    f = y * y + y
    f.backward()
    assert x.grad == pytest.approx((2 * 1.5 + 1) * 3)
    assert y.grad == pytest.approx(2 * 1.5 + 1)


def test_diamond_graph_sum_over_paths():
    # a feeds b and c, both feed d: dd/da = db/da * dd/db + dc/da * dd/dc
    a = Value(2.0)
    b, c = a * 3.0, a.exp()
    d = b * c
    d.backward()
    assert a.grad == pytest.approx(3.0 * c.data + math.exp(2.0) * b.data)


def test_deep_chain_has_no_recursion_limit():
    x = Value(1.0)
    y = x
    for _ in range(20_000):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad == 1.0


def test_backward_twice_gives_the_same_gradients():
    a, b = Value(2.0), Value(-3.0)
    out = (a * b).tanh() + a ** 2
    out.backward()
    first = (a.grad, b.grad)
    out.backward()
    assert (a.grad, b.grad) == first


def test_backward_without_zeroing_accumulates():
    a = Value(2.0)
    out = a * a
    out.backward()
    out.backward(zero_grad=False)
    assert a.grad == pytest.approx(8.0)          # 2 * (2a) with a = 2


def test_two_outputs_sharing_an_input_sum_their_gradients():
    a = Value(1.5)
    first, second = a * 2.0, a ** 2
    first.backward()
    second.backward(zero_grad=False)
    assert a.grad == pytest.approx(2.0 + 3.0)


def test_topological_order_puts_parents_first():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    order = d.topological_order()
    position = {id(v): i for i, v in enumerate(order)}
    for v in order:
        for p in v.parents:
            assert position[id(p)] < position[id(v)]
    assert order[-1] is d and len(order) == 4


def test_sum_values_and_a_neuron():
    w = [Value(0.5), Value(-1.0)]
    x = [1.0, 2.0]
    out = (sum_values(wi * xi for wi, xi in zip(w, x)) + 0.25).tanh()
    out.backward()
    z = 0.5 * 1.0 - 1.0 * 2.0 + 0.25
    assert out.data == pytest.approx(math.tanh(z))
    assert w[1].grad == pytest.approx((1 - math.tanh(z) ** 2) * 2.0)


def test_errors():
    with pytest.raises(TypeError, match="data must be a real number"):
        Value("1")
    with pytest.raises(ValueError, match="needs a positive value"):
        Value(-1.0).log()
    with pytest.raises(TypeError, match="plain int or float"):
        Value(2.0) ** Value(2.0)


def test_numpy_scalars_are_real_numbers():
    # values taken out of NumPy arrays (np.int64, np.float32, ...) are real numbers
    np = pytest.importorskip("numpy")
    assert Value(np.int64(2)).data == 2.0 and type(Value(np.int64(2)).data) is float
    assert Value(np.float32(0.5)).data == 0.5
    a = Value(3.0)
    b = a * np.array([1, 2])[1] + np.float64(1.0)           # _wrap accepts them too
    c = a ** np.int64(2)
    assert b.data == 7.0 and c.data == 9.0 and c.op == "**2"
    b.backward()
    assert a.grad == 2.0
    c.backward()
    assert a.grad == 6.0 and type(a.grad) is float
    for bad in ("1", 1j, np.bool_(True), True):
        with pytest.raises(TypeError, match=r"Value: data must be a real number, got "):
            Value(bad)
    with pytest.raises(TypeError, match=r"Value \*\* x: x must be a constant number .*got str"):
        Value(2.0) ** "2"
