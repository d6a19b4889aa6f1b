"""bpcode.experiments.paired_interval: the paired bootstrap interval of chapter 6."""

import numpy as np
import pytest

from bpcode.experiments import paired_interval


def test_block_of_one_is_the_plain_paired_bootstrap():
    gen = np.random.default_rng(5)
    a, b = gen.random(300), gen.random(300)
    mean, (low, high) = paired_interval(a, b, n_boot=500, rng=0)
    d = a - b
    draws = np.random.default_rng(0).integers(0, len(d), size=(500, len(d)))
    expected = np.percentile(d[draws].mean(axis=1), [2.5, 97.5])
    assert mean == pytest.approx(d.mean(), abs=1e-15)
    assert (low, high) == (expected[0], expected[1])


def test_blocks_resample_consecutive_items_together():
    # a difference that alternates +1, -1 has mean 0 in every block of two: no spread
    d = np.tile([1.0, -1.0], 50)
    mean, (low, high) = paired_interval(d, np.zeros_like(d), block=2, n_boot=200)
    assert mean == 0.0 and low == 0.0 and high == 0.0
    # drawn one by one, the same items give a real spread
    _, (low1, high1) = paired_interval(d, np.zeros_like(d), block=1, n_boot=200)
    assert low1 < -0.05 and high1 > 0.05


def test_interval_covers_a_known_shift_and_shrinks_with_more_items():
    gen = np.random.default_rng(1)
    small, large = gen.normal(0.3, 1.0, 100), gen.normal(0.3, 1.0, 10_000)
    _, (lo_s, hi_s) = paired_interval(small, np.zeros(100), rng=2)
    _, (lo_l, hi_l) = paired_interval(large, np.zeros(10_000), n_boot=300, rng=2)
    assert lo_l < 0.3 < hi_l
    assert hi_l - lo_l < (hi_s - lo_s) / 5  # 100 times the items: about a tenth


@pytest.mark.parametrize(
    "a, b, kwargs, message",
    [
        (np.ones(3), np.ones(4), {}, "same items"),
        (np.ones((2, 2)), np.ones((2, 2)), {}, "1-D"),
        ([], [], {}, "non-empty"),
        (np.array([1.0, np.nan]), np.ones(2), {}, "NaN"),
        (["x", "y"], np.ones(2), {}, "numbers"),
        (np.ones(3), np.ones(3), {"block": 2}, "at least two blocks"),
        (np.ones(1), np.ones(1), {}, "at least two blocks"),
        (np.ones(3), np.ones(3), {"block": 0}, "block"),
        (np.ones(3), np.ones(3), {"n_boot": 0}, "n_boot"),
    ],
)
def test_misuse_is_refused_with_a_clear_message(a, b, kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        paired_interval(a, b, **kwargs)
