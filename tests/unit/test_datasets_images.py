"""Unit tests of bpcode.datasets.shift_images, which moves images on a blank canvas
(chapter 6.1: digits shifted by a pixel or two)."""

from __future__ import annotations

import numpy as np
import pytest

from bpcode import datasets
from bpcode.datasets import shift_images


def shift_by_loops(images, shifts, canvas):
    """Reference: the definition out[i, top + dy + r, left + dx + c] = images[i, r, c]."""
    n, H, W = images.shape
    out_h, out_w = (H, W) if canvas is None else (canvas, canvas)
    top, left = (out_h - H) // 2, (out_w - W) // 2
    out = np.zeros((n, out_h, out_w))
    for i in range(n):
        dy, dx = shifts[i]
        for r in range(H):
            for c in range(W):
                rr, cc = top + dy + r, left + dx + c
                if 0 <= rr < out_h and 0 <= cc < out_w:
                    out[i, rr, cc] = images[i, r, c]
    return out


def test_small_example_on_a_larger_canvas():
    one = np.array([[[1.0, 2.0], [3.0, 4.0]]])
    out = shift_images(one, np.array([1, 0]), canvas=4)
    expected = np.zeros((4, 4))
    expected[2:4, 1:3] = [[1.0, 2.0], [3.0, 4.0]]
    assert out.shape == (1, 4, 4)
    np.testing.assert_array_equal(out[0], expected)


def allowed_shifts(H, W, canvas):
    """The smallest and largest (rows down, columns right) that keep part of the frame."""
    out_h, out_w = (H, W) if canvas is None else (canvas, canvas)
    top, left = (out_h - H) // 2, (out_w - W) // 2
    return (-(top + H) + 1, out_h - top - 1), (-(left + W) + 1, out_w - left - 1)


@pytest.mark.parametrize("canvas", [None, 5, 8, 11])
@pytest.mark.parametrize("seed", [0, 1])
def test_equals_the_definition_for_random_shifts(canvas, seed):
    rng = np.random.default_rng(seed)
    images = rng.uniform(0.1, 1.0, size=(7, 4, 5))
    (r0, r1), (c0, c1) = allowed_shifts(4, 5, canvas)
    # every allowed shift, most of them moving some pixels off the canvas
    shifts = np.stack(
        [rng.integers(r0, r1 + 1, size=7), rng.integers(c0, c1 + 1, size=7)], axis=1
    )
    got = shift_images(images, shifts, canvas=canvas)
    np.testing.assert_array_equal(got, shift_by_loops(images, shifts, canvas))


def test_zero_shift_centres_the_image_and_keeps_every_pixel():
    rng = np.random.default_rng(2)
    images = rng.uniform(size=(3, 8, 8))
    out = shift_images(images, np.zeros((3, 2), dtype=int), canvas=12)
    np.testing.assert_array_equal(out[:, 2:10, 2:10], images)
    assert out.sum() == pytest.approx(images.sum())
    out[:, 2:10, 2:10] = 0.0
    assert not out.any()  # the border is blank


def test_without_canvas_the_frame_is_kept_and_pixels_leave_it():
    images = np.arange(1.0, 10.0).reshape(1, 3, 3)
    out = shift_images(images, np.array([0, 1]))
    np.testing.assert_array_equal(
        out[0], [[0.0, 1.0, 2.0], [0.0, 4.0, 5.0], [0.0, 7.0, 8.0]]
    )


def test_shifts_compose_while_nothing_leaves_the_canvas():
    rng = np.random.default_rng(3)
    images = rng.uniform(size=(4, 6, 6))
    a, b = np.array([1, -2]), np.array([-1, 1])
    once = shift_images(images, a + b, canvas=12)
    big = shift_images(images, a, canvas=12)
    twice = shift_images(big, b)  # same canvas: centring adds no offset
    np.testing.assert_array_equal(twice, once)


def test_one_pair_moves_every_image_alike():
    rng = np.random.default_rng(4)
    images = rng.uniform(size=(5, 3, 3))
    pair = np.array([2, -1])
    np.testing.assert_array_equal(
        shift_images(images, pair, canvas=7),
        shift_images(images, np.tile(pair, (5, 1)), canvas=7),
    )


@pytest.mark.parametrize("canvas", [None, 5, 6])
def test_the_largest_allowed_shifts_keep_one_row_or_column(canvas):
    images = np.ones((1, 3, 3))
    (r0, r1), (c0, c1) = allowed_shifts(3, 3, canvas)
    side = 3 if canvas is None else canvas
    for shift, keeps in [
        ((r0, 0), "last row"),
        ((r1, 0), "first row"),
        ((0, c0), "last column"),
        ((0, c1), "first column"),
    ]:
        out = shift_images(images, np.array(shift), canvas=canvas)[0]
        assert out.sum() == 3, (shift, keeps)  # one row or column of 3 pixels is left
        np.testing.assert_array_equal(out, shift_by_loops(images, [shift], side)[0])
    for shift in [(r0 - 1, 0), (r1 + 1, 0), (0, c0 - 1), (0, c1 + 1)]:
        with pytest.raises(ValueError, match="entirely off the"):
            shift_images(images, np.array(shift), canvas=canvas)


def test_a_shift_off_the_canvas_is_an_error_naming_the_image():
    images = np.ones((3, 8, 8))
    shifts = np.array([[0, 0], [2, -2], [0, 10]])
    with pytest.raises(
        ValueError, match=r"shift \(0, 10\) of image 2 .* 12 × 12 canvas"
    ):
        shift_images(images, shifts, canvas=12)


@pytest.mark.parametrize(
    ("canvas", "top", "left"), [(11, 1, 1), (12, 2, 2), (9, 0, 0), (8, 0, 0)]
)
def test_odd_margins_put_the_image_one_pixel_nearer_the_top_left(canvas, top, left):
    out = shift_images(np.ones((1, 8, 8)), np.array([0, 0]), canvas=canvas)[0]
    rows, cols = np.flatnonzero(out.any(axis=1)), np.flatnonzero(out.any(axis=0))
    assert rows[0] == top and canvas - 1 - rows[-1] == canvas - 8 - top
    assert cols[0] == left and canvas - 1 - cols[-1] == canvas - 8 - left


def test_returns_a_new_float64_array_and_leaves_the_input_alone():
    images = np.arange(8, dtype=np.int64).reshape(2, 2, 2)
    before = images.copy()
    out = shift_images(images, np.array([0, 0]))
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, images)
    out[...] = -1.0
    np.testing.assert_array_equal(images, before)


def test_digits_keep_all_their_ink_on_a_12_by_12_canvas():
    raw_train, _, _, _ = datasets.digits(rng=0, standardize=False)
    images = raw_train[:50].reshape(-1, 8, 8)
    shifts = np.random.default_rng(5).integers(-2, 3, size=(50, 2))
    out = shift_images(images, shifts, canvas=12)
    np.testing.assert_allclose(out.sum(axis=(1, 2)), images.sum(axis=(1, 2)))
    # ... but on their own 8×8 frame a shift of two columns cuts some off
    cut = shift_images(images, np.array([0, 2]))
    assert np.all(cut.sum(axis=(1, 2)) <= images.sum(axis=(1, 2)))
    assert np.any(cut.sum(axis=(1, 2)) < images.sum(axis=(1, 2)))


@pytest.mark.parametrize(
    ("images", "shifts", "canvas", "error", "message"),
    [
        (
            np.ones((8, 8)),
            np.array([0, 0]),
            None,
            ValueError,
            "shape \\(n_images, H, W\\)",
        ),
        (np.ones((2, 64)), np.array([0, 0]), None, ValueError, "reshape\\(-1, 8, 8\\)"),
        (np.ones((0, 8, 8)), np.array([0, 0]), None, ValueError, "non-empty"),
        (np.array([[["a"]]]), np.array([0, 0]), None, TypeError, "real numeric"),
        (np.ones((2, 3, 3)), np.array([0.5, 0.0]), None, TypeError, "integers"),
        (
            np.ones((2, 3, 3)),
            np.zeros((3, 2), dtype=int),
            None,
            ValueError,
            "\\(2, 2\\)",
        ),
        (
            np.ones((2, 3, 3)),
            np.array([1, 2, 3]),
            None,
            ValueError,
            "got shape \\(3,\\)",
        ),
        (np.ones((2, 3, 4)), np.array([0, 0]), 3, ValueError, "at least as large"),
        (np.ones((2, 3, 3)), np.array([0, 0]), 0, ValueError, "positive integer"),
        (np.ones((2, 3, 3)), np.array([0, 0]), -4, ValueError, "positive integer"),
        (np.ones((2, 3, 3)), np.array([0, 0]), 4.0, TypeError, "integer number"),
        (
            np.ones((2, 8, 8)),
            np.array([0, 0]),
            12.0,
            TypeError,
            "got 12.0 of type float",
        ),
        (np.ones((2, 3, 3)), np.array([0, 0]), True, TypeError, "integer number"),
        (np.ones((2, 3, 3)), np.array([0, 0]), "5", TypeError, "integer number"),
        (
            np.ones((1, 3, 3)),
            np.zeros((2, 2), dtype=int),
            None,
            ValueError,
            "for 1 image, got shape",
        ),
        (
            np.array([[[0.0, np.nan], [1.0, 1.0]]]),
            np.array([0, 0]),
            None,
            ValueError,
            "finite pixels, got nan in image 0 at row 0, column 1",
        ),
        (
            np.array([[[0.0, 1.0]], [[np.inf, 1.0]]]),
            np.array([0, 0]),
            4,
            ValueError,
            "finite pixels, got inf in image 1",
        ),
        (
            np.ones((1, 3, 3)),
            np.array([2**64 - 1, 0], dtype=np.uint64),  # would wrap to -1 in intp
            5,
            ValueError,
            "18446744073709551615, 0\\) of image 0 moves it entirely off",
        ),
        (
            np.ones((1, 3, 3)),
            np.array([0, 2**63 - 1], dtype=np.int64),
            5,
            ValueError,
            "columns right must lie in -3..3",
        ),
        (
            np.ones((1, 3, 3)),
            np.array([-(2**63), 0], dtype=np.int64),
            None,
            ValueError,
            "rows down must lie in -2..2",
        ),
        (np.ones((2, 3, 3)), np.array([True, False]), None, TypeError, "integers"),
    ],
)
def test_bad_input_is_reported_clearly(images, shifts, canvas, error, message):
    with pytest.raises(error, match="shift_images: .*" + message):
        shift_images(images, shifts, canvas=canvas)
