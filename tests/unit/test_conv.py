"""Conv2D, MaxPool2D, AvgPool2D and Flatten: gradients, routing, errors and memory.

Every backward pass is gradient-checked in float64 on random shapes (kernel sizes, strides
and paddings drawn by hypothesis, including windows that do not tile the image and strides
larger than the kernel). Max pooling is checked on inputs without near-ties (distinct values
spaced far apart compared with the finite-difference step); ties are tested separately
against the documented rule: the first maximum of a window takes the gradient.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bpcode
from bpcode import SGD, Dense, ReLU, Sequential, SoftmaxCrossEntropy, gradient_check
from bpcode.conv import AvgPool2D, Conv2D, Flatten, MaxPool2D, correlate, patches

TOL = 1e-7


def distinct_values(shape, seed: int, spacing: float = 0.01) -> np.ndarray:
    """A random arrangement of distinct values ``spacing`` apart: no two within 1e-4."""
    rng = np.random.default_rng(seed)
    size = int(np.prod(shape))
    return (rng.permutation(size) - size / 2).reshape(shape) * spacing


@st.composite
def conv_setups(draw):
    """A Conv2D and an input that fits it: sizes kept small for finite differences."""
    k = draw(st.integers(1, 4))
    stride = draw(st.integers(1, 3))
    padding = draw(st.integers(0, 2))
    low = max(1, k - 2 * padding)  # the kernel must fit the padded image
    H, W = draw(st.integers(low, low + 4)), draw(st.integers(low, low + 4))
    n, C, C_out = (
        draw(st.integers(1, 2)),
        draw(st.integers(1, 3)),
        draw(st.integers(1, 3)),
    )
    seed = draw(st.integers(0, 2**16))
    return n, C, C_out, k, stride, padding, H, W, seed


@st.composite
def pool_setups(draw):
    k = draw(st.integers(1, 3))
    stride = draw(st.sampled_from([None, 1, 2, 3]))
    H, W = draw(st.integers(k, k + 4)), draw(st.integers(k, k + 4))
    n, C = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    return n, C, k, stride, H, W, draw(st.integers(0, 2**16))


# ----------------------------------------------------------------------- gradient checks
@settings(max_examples=50, deadline=None)
@given(conv_setups())
def test_conv2d_gradients_on_random_shapes(setup):
    n, C, C_out, k, stride, padding, H, W, seed = setup
    rng = np.random.default_rng(seed)
    conv = Conv2D(C, C_out, k, stride=stride, padding=padding, rng=seed)
    conv.b = rng.normal(size=C_out)
    report = gradient_check(conv, None, rng.normal(size=(n, C, H, W)))
    assert set(report.errors) == {"W", "b", "input"}
    assert report.passed(TOL), str(report)


@settings(max_examples=40, deadline=None)
@given(pool_setups())
def test_max_pool_gradients_on_random_shapes(setup):
    n, C, k, stride, H, W, seed = setup
    pool = MaxPool2D(k, stride=stride)
    report = gradient_check(pool, None, distinct_values((n, C, H, W), seed))
    assert report.n_near_kinks == 0
    assert report.passed(TOL), str(report)


@settings(max_examples=40, deadline=None)
@given(pool_setups())
def test_avg_pool_gradients_on_random_shapes(setup):
    n, C, k, stride, H, W, seed = setup
    X = np.random.default_rng(seed).normal(size=(n, C, H, W))
    report = gradient_check(AvgPool2D(k, stride=stride), None, X)
    assert report.passed(TOL), str(report)


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (3, 7), (2, 1, 1), (1, 2, 3, 4, 2)])
def test_flatten_gradient_and_shape(shape):
    X = np.random.default_rng(0).normal(size=shape)
    flatten = Flatten()
    out = flatten.forward(X)
    assert out.shape == (shape[0], int(np.prod(shape[1:])))
    np.testing.assert_array_equal(out, X.reshape(shape[0], -1))
    assert gradient_check(flatten, None, X).passed(TOL)


# ------------------------------------------------------------------ what is computed
def test_conv2d_is_a_cross_correlation_without_kernel_flip():
    X = np.arange(9.0).reshape(1, 1, 3, 3)  # [[0 1 2] [3 4 5] [6 7 8]]
    conv = Conv2D(1, 1, 2, rng=0)
    conv.W = np.array([[[[1.0, 0.0], [0.0, 0.0]]]])  # picks the window's top-left pixel
    conv.b = np.array([0.5])
    np.testing.assert_array_equal(conv.forward(X)[0, 0], [[0.5, 1.5], [3.5, 4.5]])


def test_conv2d_stride_and_padding_give_the_floor_output_size():
    conv = Conv2D(2, 4, 3, stride=2, padding=1, rng=0)
    assert conv.forward(np.ones((3, 2, 7, 10))).shape == (3, 4, 4, 5)
    conv = Conv2D(2, 4, 3, stride=3, rng=0)  # 8 = 3 + 3 + 2: the last 2 columns dropped
    assert conv.forward(np.ones((1, 2, 8, 8))).shape == (1, 4, 2, 2)


@pytest.mark.parametrize(
    "stride, padding, size", [(1, 0, 6), (1, 1, 5), (2, 1, 6), (2, 1, 7), (3, 2, 8)]
)
def test_conv2d_gradients_are_the_textbook_convolutions(stride, padding, size):
    rng = np.random.default_rng(size)
    k, p = 3, padding
    conv = Conv2D(2, 3, k, stride=stride, padding=p, rng=2)
    X = rng.normal(size=(2, 2, size, size))
    delta = rng.normal(size=conv.forward(X).shape)
    dX = conv.backward(delta)
    Xp = np.pad(X, ((0, 0), (0, 0), (p, p), (p, p)))
    # δ dilated by the stride: the gradient of the stride-1 output (zero where skipped)
    D = np.zeros((2, 3, size + 2 * p - k + 1, size + 2 * p - k + 1))
    D[:, :, ::stride, ::stride] = delta
    np.testing.assert_allclose(conv.db, delta.sum(axis=(0, 2, 3)), rtol=0, atol=1e-12)
    # ∂𝓛/∂W = Xp ⋆ D, summed over the samples (they play the role of channels)
    dW = correlate(Xp.transpose(1, 0, 2, 3), D.transpose(1, 0, 2, 3))
    np.testing.assert_allclose(conv.dW, dW.transpose(1, 0, 2, 3), rtol=0, atol=1e-12)
    # ∂𝓛/∂Xp = the full convolution: D padded by k − 1, correlated with the kernel
    # flipped in both spatial axes, input and output channels swapped
    D_full = np.pad(D, ((0, 0), (0, 0), (k - 1, k - 1), (k - 1, k - 1)))
    dXp = correlate(D_full, conv.W[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
    np.testing.assert_allclose(dX, dXp[:, :, p : p + size, p : p + size], atol=1e-12)
    # which is the full convolution of D with the kernel itself, not flipped:
    # (D ∗ W)[u, v] = Σ_{h, w} D[h, w] · W[u − h, v − w], each δ spread over a k × k block
    full = np.zeros(dXp.shape)
    for h, w in np.ndindex(*D.shape[2:]):
        block = np.einsum("no,ocij->ncij", D[:, :, h, w], conv.W)
        full[:, :, h : h + k, w : w + k] += block
    np.testing.assert_allclose(dXp, full, rtol=0, atol=1e-12)
    # and the input gradient is the adjoint of the (linear) map X -> X ⋆ W
    conv.b = np.zeros(3)
    E = rng.normal(size=X.shape)
    assert np.isclose(np.sum(delta * conv.forward(E)), np.sum(dX * E), atol=1e-12)


def test_conv2d_parameter_gradients_alone_match_the_full_backward():
    rng = np.random.default_rng(3)
    conv = Conv2D(2, 2, 3, stride=2, padding=1, rng=0)
    X = rng.normal(size=(2, 2, 5, 5))
    delta = rng.normal(size=conv.forward(X).shape)
    conv.backward(delta)
    dW, db = conv.dW, conv.db
    assert conv.backward(delta, input_grad=False) is None
    np.testing.assert_array_equal(conv.dW, dW)
    np.testing.assert_array_equal(conv.db, db)


def test_max_pool_forward_and_routing():
    X = np.array([[[[1.0, 5.0, 2.0, 0.0], [3.0, 4.0, 7.0, 6.0]]]])  # two 2×2 windows
    pool = MaxPool2D(2)
    np.testing.assert_array_equal(pool.forward(X), [[[[5.0, 7.0]]]])
    dX = pool.backward(np.array([[[[10.0, 20.0]]]]))
    np.testing.assert_array_equal(dX, [[[[0, 10, 0, 0], [0, 0, 20, 0]]]])


@pytest.mark.parametrize(
    "window, winner",
    [
        ([[2.0, 2.0], [2.0, 2.0]], (0, 0)),  # all equal: the first
        ([[1.0, 3.0], [3.0, 2.0]], (0, 1)),  # first in row-major order
        ([[1.0, 0.0], [3.0, 3.0]], (1, 0)),
    ],
)
def test_max_pool_tie_sends_the_gradient_to_the_first_maximum_only(window, winner):
    X = np.array(window)[None, None]
    pool = MaxPool2D(2)
    pool.forward(X)
    dX = pool.backward(np.ones((1, 1, 1, 1)))
    expected = np.zeros((2, 2))
    expected[winner] = 1.0
    np.testing.assert_array_equal(dX[0, 0], expected)
    assert pool.count_near_kinks(X, 0.0) == 1  # a tie is a kink of max


def test_overlapping_max_pool_windows_add_their_gradients():
    X = np.zeros((1, 1, 3, 3))
    X[0, 0, 1, 1] = 1.0  # the centre wins all four 2×2 windows (stride 1)
    X[0, 0, 0, 0] = -1.0
    pool = MaxPool2D(2, stride=1)
    pool.forward(X)
    dA = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    dX = pool.backward(dA)
    assert dX[0, 0, 1, 1] == 10.0
    assert np.count_nonzero(dX) == 1


def test_avg_pool_spreads_the_gradient_equally_and_overlaps_add_up():
    pool = AvgPool2D(2, stride=1)
    X = np.arange(9.0).reshape(1, 1, 3, 3)
    np.testing.assert_array_equal(pool.forward(X)[0, 0], [[2.0, 3.0], [5.0, 6.0]])
    dX = pool.backward(np.ones((1, 1, 2, 2)))
    np.testing.assert_array_equal(
        dX[0, 0], [[0.25, 0.5, 0.25], [0.5, 1, 0.5], [0.25, 0.5, 0.25]]
    )


def test_pooling_drops_windows_that_do_not_fit_and_their_pixels_get_no_gradient():
    X = distinct_values((1, 2, 5, 7), 0)
    for pool in (MaxPool2D(2), AvgPool2D(2), MaxPool2D(3, stride=2)):
        out = pool.forward(X)
        k, s = pool.kernel_size, pool.stride
        assert out.shape[2:] == ((5 - k) // s + 1, (7 - k) // s + 1)
        dX = pool.backward(np.ones(out.shape))
        used_rows, used_cols = (out.shape[2] - 1) * s + k, (out.shape[3] - 1) * s + k
        assert not dX[:, :, used_rows:].any() and not dX[:, :, :, used_cols:].any()


def test_count_near_kinks_counts_windows_whose_two_largest_values_are_close():
    X = np.array([[[[1.0, 1.05, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0]]]])
    pool = MaxPool2D(2)
    assert pool.count_near_kinks(X, 0.1) == 1  # 1.05 and 1.0
    assert pool.count_near_kinks(X, 0.01) == 0
    assert pool.count_near_kinks(X, 2.0) == 2
    assert MaxPool2D(1).count_near_kinks(X, 10.0) == 0  # a 1×1 window has no kink
    assert Conv2D(1, 1, 2, rng=0).count_near_kinks(X, 10.0) == 0  # smooth
    report = gradient_check(MaxPool2D(2), None, X)
    assert report.n_near_kinks == 0
    report = gradient_check(MaxPool2D(2), None, np.ones((1, 1, 2, 4)))
    assert report.n_near_kinks == 2  # both windows are ties: the check says so


# ----------------------------------------------------------------------- initialisation
def test_conv2d_he_init_has_variance_2_over_fan_in_and_is_reproducible():
    conv = Conv2D(16, 64, 3, rng=0)
    fan_in = 16 * 3 * 3
    assert conv.W.shape == (64, 16, 3, 3) and conv.b.shape == (64,)
    assert abs(conv.W.std() / np.sqrt(2.0 / fan_in) - 1.0) < 0.03
    assert abs(conv.W.mean()) < 0.01
    np.testing.assert_array_equal(conv.W, Conv2D(16, 64, 3, rng=0).W)
    assert not conv.b.any()


def test_conv2d_xavier_init_uses_fan_in_and_out_channels():
    conv = Conv2D(4, 6, 3, rng=0, init="xavier")
    bound = np.sqrt(6.0 / (4 * 9 + 6))
    assert np.abs(conv.W).max() <= bound and np.abs(conv.W).max() > 0.9 * bound


def test_conv2d_weights_are_the_initialiser_matrix_transposed_and_reshaped():
    def arange_init(n_in, n_out, rng):
        return np.arange(n_in * n_out, dtype=float).reshape(n_in, n_out)

    conv = Conv2D(2, 3, 2, init=arange_init)
    M = arange_init(8, 3, None)  # rows (c, i, j) in C order, one column per kernel
    for o, c, i, j in np.ndindex(3, 2, 2, 2):
        assert conv.W[o, c, i, j] == M[c * 4 + i * 2 + j, o]


# ------------------------------------------------------------------------------ errors
def test_conv2d_rejects_input_of_the_wrong_rank_with_a_hint_for_one_image():
    conv = Conv2D(3, 2, 3, rng=0)
    with pytest.raises(
        ValueError, match=r"in_channels=3, H, W\), got shape \(3, 5, 5\)"
    ) as e:
        conv.forward(np.ones((3, 5, 5)))
    assert "Conv2D(3 -> 2, k=3" in str(e.value) and "X[None]" in str(e.value)
    with pytest.raises(ValueError, match=r"got shape \(4, 75\)"):
        conv.forward(np.ones((4, 75)))


def test_conv2d_rejects_the_wrong_channel_count():
    with pytest.raises(ValueError, match=r"in_channels=3.*got shape \(2, 4, 5, 5\)"):
        Conv2D(3, 8, 3, rng=0).forward(np.ones((2, 4, 5, 5)))


def test_conv2d_rejects_a_kernel_larger_than_the_padded_input():
    with pytest.raises(
        ValueError, match=r"kernel 5×5 is larger than the input image 3×6"
    ):
        Conv2D(1, 1, 5, rng=0).forward(np.ones((1, 1, 3, 6)))
    with pytest.raises(ValueError, match=r"padded to 4×4 \(padding=1\)"):
        Conv2D(1, 1, 5, padding=1, rng=0).forward(np.ones((1, 1, 2, 2)))
    Conv2D(1, 1, 5, padding=2, rng=0).forward(np.ones((1, 1, 1, 1)))  # 5×5 padded: fits


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"in_channels": 0}, "in_channels must be a positive integer, got 0"),
        ({"out_channels": 2.0}, "out_channels must be a positive integer, got 2.0"),
        (
            {"kernel_size": (3, 3)},
            r"kernel_size must be a positive integer, got \(3, 3\)",
        ),
        ({"kernel_size": 0}, "kernel_size must be a positive integer, got 0"),
        ({"stride": 0}, "stride must be a positive integer, got 0"),
        ({"stride": True}, "stride must be a positive integer, got True"),
        ({"padding": -1}, "padding must be a non-negative integer, got -1"),
        ({"padding": 1.5}, "padding must be a non-negative integer, got 1.5"),
    ],
)
def test_conv2d_rejects_bad_arguments(kwargs, fragment):
    args = {"in_channels": 3, "out_channels": 4, "kernel_size": 3, **kwargs}
    with pytest.raises(ValueError, match=fragment) as e:
        Conv2D(**args)
    assert str(e.value).startswith("Conv2D:")


def test_conv2d_rejects_an_unknown_initialiser_and_a_wrong_weight_shape():
    with pytest.raises(ValueError, match="unknown initialiser 'kaiming'"):
        Conv2D(1, 2, 3, init="kaiming")
    with pytest.raises(ValueError, match=r"shape \(9, 2\), got shape \(2, 9\)"):
        Conv2D(1, 2, 3, init=lambda n_in, n_out, rng: np.zeros((n_out, n_in)))
    conv = Conv2D(1, 2, 3, rng=0)
    with pytest.raises(ValueError, match=r"W must have shape \(2, 1, 3, 3\)"):
        conv.W = np.zeros((9, 2))


@pytest.mark.parametrize("Pool", [MaxPool2D, AvgPool2D])
def test_pooling_rejects_bad_input_and_arguments(Pool):
    with pytest.raises(
        ValueError, match=r"\(n_samples, channels, H, W\), got shape \(4, 4\)"
    ):
        Pool(2).forward(np.ones((4, 4)))
    with pytest.raises(
        ValueError, match=r"window 3×3 is larger than the input image 2×5"
    ):
        Pool(3).forward(np.ones((1, 1, 2, 5)))
    with pytest.raises(
        ValueError, match=f"{Pool.__name__}: kernel_size must be a positive"
    ):
        Pool(0)
    with pytest.raises(ValueError, match=f"{Pool.__name__}: stride must be a positive"):
        Pool(2, stride=0)
    assert repr(Pool(2)) == f"{Pool.__name__}(k=2, stride=2)"
    assert repr(Pool(3, stride=1)) == f"{Pool.__name__}(k=3, stride=1)"


@pytest.mark.parametrize(
    "X_shape, K_shape, stride, error, fragment",
    [
        ((1, 1, 3, 3), (1, 2, 2, 2), 1, ValueError, r"take 2 input channels.*have 1"),
        ((1, 1, 3, 3), (1, 1, 3, 1), 1, ValueError, r"square kernels.*\(1, 1, 3, 1\)"),
        (
            (1, 1, 3, 3),
            (1, 1, 2),
            1,
            ValueError,
            r"\(out_channels, in_channels, k, k\)",
        ),
        (
            (1, 1, 3, 3),
            (1, 1, 4, 4),
            1,
            ValueError,
            r"kernel 4×4 is larger than .* 3×3",
        ),
        ((1, 3, 3), (1, 1, 2, 2), 1, ValueError, r"got shape \(1, 3, 3\).*X\[None\]"),
        ((3, 3), (1, 1, 2, 2), 1, ValueError, r"\(n_samples, channels, H, W\)"),
        (
            (1, 1, 3, 3),
            (1, 1, 2, 2),
            0,
            ValueError,
            "stride must be a positive integer",
        ),
        (
            (1, 1, 3, 3),
            (1, 1, 2, 2),
            -1,
            ValueError,
            "stride must be a positive integer",
        ),
        (
            (1, 1, 3, 3),
            (1, 1, 0, 0),
            1,
            ValueError,
            "size k must be a positive integer",
        ),
    ],
)
def test_correlate_checks_the_shapes(X_shape, K_shape, stride, error, fragment):
    with pytest.raises(error, match=fragment) as e:
        correlate(np.ones(X_shape), np.ones(K_shape), stride)
    assert str(e.value).startswith("correlate: ")
    with pytest.raises(TypeError, match="correlate: K must be a NumPy array"):
        correlate(np.ones((1, 1, 3, 3)), [[[[1.0]]]])


def test_patches_checks_its_arguments():
    X = np.arange(9.0).reshape(1, 1, 3, 3)
    for k, stride, fragment in [
        (2, 0, "stride must be a positive integer, got 0"),
        (2, -1, "stride must be a positive integer, got -1"),
        (0, 1, "k must be a positive integer, got 0"),
        (4, 1, "window 4×4 is larger than the input image 3×3"),
    ]:
        with pytest.raises(ValueError, match=f"patches: .*{fragment}"):
            patches(X, k, stride)
    with pytest.raises(ValueError, match=r"patches: .*got shape \(3, 3\)"):
        patches(X[0, 0], 2, 1)
    with pytest.raises(TypeError, match="patches: X must be a NumPy array"):
        patches(X.tolist(), 2, 1)
    assert patches(X, 3, 1).shape == (1, 1, 1, 1, 3, 3)  # a window as large as X


def test_window_offsets_and_count_near_kinks_document_their_arguments():
    from bpcode.conv import window_offsets

    for f in (window_offsets, MaxPool2D.count_near_kinks):
        assert "Parameters\n" in f.__doc__ and "Returns\n" in f.__doc__
    assert "X : array-like of shape (n_samples, channels, H, W)" in (
        MaxPool2D.count_near_kinks.__doc__
    )


def test_flatten_rejects_one_value_per_sample():
    with pytest.raises(
        ValueError, match=r"Flatten\(\): .*at least 2 axes, got shape \(5,\)"
    ):
        Flatten().forward(np.ones(5))


def test_backward_needs_a_forward_pass_and_the_output_shape():
    conv = Conv2D(1, 2, 3, rng=0)
    with pytest.raises(RuntimeError, match="before forward"):
        conv.backward(np.ones((1, 2, 1, 1)))
    conv.forward(np.ones((1, 1, 4, 4)))
    with pytest.raises(ValueError, match=r"shape of the last output \(1, 2, 2, 2\)"):
        conv.backward(np.ones((1, 2, 4, 4)))


def test_a_network_reports_a_dense_layer_of_the_wrong_width_after_flatten():
    model = Sequential([Conv2D(1, 2, 3, rng=0), Flatten(), Dense(10, 2, rng=0)])
    with pytest.raises(
        ValueError, match=r"layer 2 Dense\(10 -> 2\).*got shape \(3, 8\)"
    ):
        model.forward(np.ones((3, 1, 4, 4)))  # 2 channels × 2 × 2 = 8, not 10
    model = Sequential([Conv2D(1, 2, 3, rng=0), MaxPool2D(4)])
    with pytest.raises(ValueError, match=r"layer 1 MaxPool2D.*window 4×4 is larger"):
        model.forward(np.ones((3, 1, 5, 5)))


# ------------------------------------------------------------------------------ memory
def test_what_each_layer_caches():
    X = np.random.default_rng(0).normal(size=(4, 3, 9, 8))
    conv = Conv2D(3, 5, 3, padding=1, stride=2, rng=0)
    Z = conv.forward(X)
    [cached] = conv.cached_arrays()
    assert (
        cached.shape == X.shape
    )  # the input itself: not padded, not the column matrix
    np.testing.assert_array_equal(cached, X)

    pool = MaxPool2D(2)
    A = pool.forward(Z)
    [argmax] = pool.cached_arrays()
    assert argmax.shape == A.shape == (4, 5, 2, 2)
    assert argmax.dtype == np.uint8  # one byte per output

    avg = AvgPool2D(2)
    avg.forward(Z)
    flatten = Flatten()
    flatten.forward(Z)
    assert avg.cached_arrays() == [] and flatten.cached_arrays() == []

    for layer in (conv, pool, avg, flatten):
        layer.clear_cache()
        assert layer.cached_arrays() == []
        with pytest.raises(RuntimeError, match="clear_cache"):
            layer.backward(np.ones(A.shape))


def test_large_pooling_windows_keep_argmax_in_a_wider_integer_type():
    pool = MaxPool2D(17)
    pool.forward(np.ones((1, 1, 17, 17)))
    assert pool.cached_arrays()[0].dtype == np.uint16  # 17 × 17 − 1 = 288 > 255


def test_in_a_network_conv_keeps_the_array_the_layer_below_keeps():
    model = Sequential(
        [Conv2D(1, 4, 3, rng=0), ReLU(), Conv2D(4, 2, 3, padding=1, rng=1)]
    )
    model.forward(np.random.default_rng(0).normal(size=(2, 1, 6, 6)))
    relu_output = model[1].cached_arrays()[0]
    assert model[2].cached_arrays()[0] is relu_output  # no extra activation memory


# ------------------------------------------------------------------- inside a network
def small_cnn(seed: int = 0) -> Sequential:
    return Sequential(
        [
            Conv2D(1, 4, 3, padding=1, rng=seed),
            ReLU(),
            MaxPool2D(2),
            Flatten(),
            Dense(4 * 3 * 3, 2, rng=seed + 1),
        ]
    )


def bars(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Noisy 6×6 images of a vertical (label 0) or horizontal (label 1) bar."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n)
    X = 0.3 * rng.normal(size=(n, 1, 6, 6))
    where = rng.integers(0, 6, size=n)
    for i in range(n):  # building the data set, not the layer
        if y[i]:
            X[i, 0, where[i], :] += 1.0
        else:
            X[i, 0, :, where[i]] += 1.0
    return X, y


def test_conv_relu_pool_flatten_dense_gradient_check():
    model = small_cnn(seed=3)
    X, y = bars(3, seed=4)
    for layer in model:
        if isinstance(layer, Conv2D):
            layer.b = np.random.default_rng(5).normal(scale=0.1, size=layer.b.shape)
    report = gradient_check(model, SoftmaxCrossEntropy(), X, y)
    assert set(report.errors) == {"0.W", "0.b", "4.W", "4.b", "input"}
    assert report.passed(TOL), str(report)
    # The report counts pooling windows whose two largest inputs are ReLU zeros as kinks;
    # no ReLU input is near 0, so no finite difference can make such a zero win.
    assert model[1].count_near_kinks(model[0].forward(X), 10 * report.eps) == 0


def test_fit_trains_a_small_cnn():
    model = small_cnn(seed=0)
    X, y = bars(64, seed=1)
    history = bpcode.fit(
        model,
        SoftmaxCrossEntropy(),
        SGD(model, lr=0.1),
        X,
        y,
        epochs=15,
        batch_size=16,
        rng=0,
    )
    assert history.loss[-1] < 0.5 * history.loss[0]
    assert bpcode.accuracy(y, model.forward(X)) > 0.9
