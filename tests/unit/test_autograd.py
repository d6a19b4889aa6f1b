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
    "pow3": (lambda v: v**3, lambda x: x**3),
    "pow-0.5": (lambda v: v**-0.5, lambda x: x**-0.5),
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
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "radd": lambda a, b: 2.0 + a * b,
    "rsub": lambda a, b: 2.0 - a / b,
    "rmul": lambda a, b: 3.0 * a - b,
    "rdiv": lambda a, b: 1.0 / (a + b),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_operations(name):
    f = BINARY[name]
    a, b = Value(1.3), Value(-0.7)
    out = f(a, b)
    out.backward()
    assert a.grad == pytest.approx(
        numeric_derivative(lambda x: f(x, -0.7), 1.3), rel=1e-7
    )
    assert b.grad == pytest.approx(
        numeric_derivative(lambda x: f(1.3, x), -0.7), rel=1e-7
    )


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
    out = (a * b).tanh() + a**2
    out.backward()
    first = (a.grad, b.grad)
    out.backward()
    assert (a.grad, b.grad) == first


def test_backward_without_zeroing_accumulates():
    a = Value(2.0)
    out = a * a
    out.backward()
    out.backward(zero_grad=False)
    assert a.grad == pytest.approx(8.0)  # 2 * (2a) with a = 2


def test_two_outputs_sharing_an_input_sum_their_gradients():
    a = Value(1.5)
    first, second = a * 2.0, a**2
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
    b = a * np.array([1, 2])[1] + np.float64(1.0)  # _wrap accepts them too
    c = a ** np.int64(2)
    assert b.data == 7.0 and c.data == 9.0 and c.op == "**2"
    b.backward()
    assert a.grad == 2.0
    c.backward()
    assert a.grad == 6.0 and type(a.grad) is float
    for bad in ("1", 1j, np.bool_(True), True):
        with pytest.raises(TypeError, match=r"Value: data must be a real number, got "):
            Value(bad)
    with pytest.raises(
        TypeError, match=r"Value \*\* x: x must be a constant number .*got str"
    ):
        Value(2.0) ** "2"


# -- misuse: a Value always holds a finite float ------------------------------------------
NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize("bad, shown", [(NAN, "nan"), (INF, "inf"), (-INF, "-inf")])
def test_value_data_must_be_finite(bad, shown):
    np = pytest.importorskip("numpy")
    for data in (bad, np.float64(bad), np.float32(bad)):
        with pytest.raises(
            ValueError, match=rf"Value: data must be finite, got {shown}$"
        ):
            Value(data)
    with pytest.raises(ValueError, match=rf"Value: data must be finite, got {shown}"):
        Value(1.0) + bad  # a plain number is wrapped in a Value
    with pytest.raises(ValueError, match=rf"Value: data must be finite, got {shown}"):
        bad * Value(1.0)


def test_relu_of_nan_is_not_zero():
    # before: Value(nan).relu() was 0.0, with gradient 0
    with pytest.raises(ValueError, match=r"Value: data must be finite, got nan"):
        Value(NAN).relu()


OVERFLOWS = [
    (
        "mul",
        lambda: Value(1e200) * Value(1e200),
        r"Value \* Value: 1e\+200 \* 1e\+200 overflows float64",
    ),
    (
        "add",
        lambda: Value(1e308) + Value(1e308),
        r"Value \+ Value: 1e\+308 \+ 1e\+308 overflows float64",
    ),
    (
        "rmul",
        lambda: 2.0 * Value(1e308),
        r"Value \* Value: 2 \* 1e\+308 overflows float64",
    ),
    (
        "radd",
        lambda: 1e308 + Value(1e308),
        r"Value \+ Value: 1e\+308 \+ 1e\+308 overflows",
    ),
    (
        "sub",
        lambda: Value(-1e308) - Value(1e308),
        r"Value - Value: -1e\+308 - 1e\+308 .*float64",
    ),
    (
        "rsub",
        lambda: -1e308 - Value(1e308),
        r"Value - Value: -1e\+308 - 1e\+308 .*float64",
    ),
    (
        "div",
        lambda: Value(1e200) / Value(1e-200),
        r"Value / Value: 1e\+200 / 1e-200 .*float64",
    ),
    ("rdiv", lambda: 1.0 / Value(1e-320), r"Value / Value: 1 / 1e-320 .*float64"),
    # the quotient 1e10 fits, but a / b is computed as a * b**-1, and 1e-320 ** -1 does not
    (
        "div-tiny",
        lambda: Value(1e-310) / Value(1e-320),
        r"Value / Value: 1e-310 / 1e-320 .*1e-320 \*\* -1 overflows",
    ),
    (
        "pow2",
        lambda: Value(1e200) ** 2,
        r"Value \*\* 2: 1e\+200 \*\* 2 overflows float64",
    ),
    (
        "pow400",
        lambda: Value(10.0) ** 400,
        r"Value \*\* 400: 10 \*\* 400 overflows float64",
    ),
    (
        "pow-2.5",
        lambda: Value(1e-200) ** -2.5,
        r"Value \*\* -2\.5: 1e-200 \*\* -2\.5 overflows",
    ),
    (
        "exp",
        lambda: Value(1000.0).exp(),
        r"Value\.exp: e\^1000 is larger than the largest",
    ),
]


@pytest.mark.parametrize(
    "build, message",
    [case[1:] for case in OVERFLOWS],
    ids=[case[0] for case in OVERFLOWS],
)
def test_overflow_names_the_operation_and_its_operands(build, message):
    # before: *, +, - and / returned inf silently, ** raised a bare
    # OverflowError (34, 'Numerical result out of range')
    with pytest.raises(OverflowError, match=message):
        build()


def test_results_near_the_limit_are_still_computed():
    assert (Value(1e308) + Value(-1e308)).data == 0.0
    assert (Value(1e154) * Value(1e154)).data == pytest.approx(1e308)
    assert (Value(700.0).exp()).data == pytest.approx(math.exp(700.0))
    assert (Value(1e-300) / Value(1e-300)).data == pytest.approx(1.0)


def test_subtraction_and_division_keep_their_graphs():
    # the book draws a - b as a + (b * -1) and a / b as a * b**-1
    a, b = Value(3.0), Value(2.0)
    assert (a - b).op == "+" and (a / b).op == "*" and (a / b).parents[1].op == "**-1"


def test_backward_reports_a_gradient_that_overflows():
    # forward values are finite (z = 1e200) but dz/dx = 1e400 is not
    # before: x.grad was inf, silently
    x = Value(1e-200, label="x")
    z = x * 1e200 * 1e200
    assert z.data == pytest.approx(1e200)
    with pytest.raises(
        OverflowError, match=r"Value\.backward: .*overflows float64.*'\*' node"
    ):
        z.backward()


def test_backward_reports_an_overflowing_power_derivative():
    # d(x**0.01)/dx = 0.01 x**-0.99 overflows for the smallest positive float
    # before: a bare OverflowError (34, 'Numerical result out of range') from backward
    x = Value(5e-324)
    y = x**0.01
    with pytest.raises(OverflowError, match=r"Value\.backward: .*overflows float64"):
        y.backward()
    with pytest.raises(OverflowError, match=r"'\*\*0\.01' node"):
        y.backward()


@pytest.mark.parametrize("exponent", [0, 0.0])
@pytest.mark.parametrize("x", [0.0, 2.0, -3.0])
def test_power_zero_is_the_constant_one(x, exponent):
    # before: Value(0.0) ** 0 raised ZeroDivisionError in backward (0 * 0.0 ** -1)
    v = Value(x)
    out = v**exponent
    out.backward()
    assert out.data == 1.0 and v.grad == 0.0


@pytest.mark.parametrize("exponent", [0.5, 0.25, 0.999])
def test_zero_to_a_power_below_one_is_an_error_at_the_call(exponent):
    # before: the forward pass gave 0 and backward() raised a bare ZeroDivisionError
    with pytest.raises(
        ZeroDivisionError,
        match=rf"Value \*\* {exponent:g}: the derivative of "
        rf"x\*\*{exponent:g} at x = 0 is infinite",
    ):
        Value(0.0) ** exponent


@pytest.mark.parametrize(
    "exponent, grad", [(1, 1.0), (1.0, 1.0), (1.5, 0.0), (2, 0.0), (3, 0.0)]
)
def test_zero_to_a_power_of_at_least_one_still_works(exponent, grad):
    v = Value(0.0)
    out = v**exponent
    out.backward()
    assert out.data == 0.0 and v.grad == grad


def test_the_other_power_errors_are_kept():
    with pytest.raises(
        ZeroDivisionError, match=r"Value \*\* -1: 0 has no negative power"
    ):
        Value(0.0) ** -1
    with pytest.raises(
        ValueError, match=r"Value \*\* 0\.5: a negative number \(-8\) has no real"
    ):
        Value(-8.0) ** 0.5


@pytest.mark.parametrize("bad, shown", [(NAN, "nan"), (INF, "inf")])
def test_power_exponent_must_be_finite(bad, shown):
    # before: Value(2.0) ** nan gave a Value holding nan, ** inf one holding inf
    with pytest.raises(
        ValueError, match=rf"Value \*\* x: x must be finite, got {shown}"
    ):
        Value(2.0) ** bad
