"""Unit tests of bpcode.experiments: the fair-comparison helpers of chapter 6."""

from __future__ import annotations

import numpy as np
import pytest

from bpcode.experiments import (
    Spread,
    choose,
    over_seeds,
    paired_interval,
    results_table,
)


def test_spread_reports_mean_and_sample_standard_deviation():
    s = Spread((0.90, 0.92, 0.97))
    assert s.n == 3
    assert s.mean == pytest.approx(np.mean([0.90, 0.92, 0.97]))
    assert s.std == pytest.approx(np.std([0.90, 0.92, 0.97], ddof=1))
    assert (s.low, s.high) == (0.90, 0.97)
    assert f"{s:.2f}" == f"{s.mean:.2f} ± {s.std:.2f}"


def test_single_seed_has_zero_spread():
    assert Spread((1.5,)).std == 0.0


@pytest.mark.parametrize("values", [(), (float("nan"),), (1.0, float("inf"))])
def test_spread_rejects_empty_or_non_finite_scores(values):
    with pytest.raises(ValueError, match="Spread"):
        Spread(values)


def test_over_seeds_runs_every_seed_in_order():
    seen = []

    def run(seed):
        seen.append(seed)
        return seed / 10

    s = over_seeds(run, [3, 1, 2])
    assert seen == [3, 1, 2]
    assert s.values == (0.3, 0.1, 0.2)


@pytest.mark.parametrize(
    ("seeds", "error"), [([], ValueError), ([1, 1], ValueError), ([1.5], TypeError)]
)
def test_over_seeds_rejects_bad_seeds(seeds, error):
    with pytest.raises(error, match="seed"):
        over_seeds(lambda s: 0.0, seeds)


def test_over_seeds_names_the_seed_whose_score_is_not_finite():
    with pytest.raises(ValueError, match="seed 7"):
        over_seeds(lambda s: float("nan") if s == 7 else 1.0, [1, 7])


def test_choose_picks_the_best_in_either_direction():
    score = {0.01: 0.5, 0.1: 0.9, 1.0: 0.7}.__getitem__
    assert choose(score, [0.01, 0.1, 1.0], larger_is_better=True)[0] == 0.1
    best, scores = choose(score, [0.01, 0.1, 1.0], larger_is_better=False)
    assert best == 0.01
    assert list(scores) == [0.01, 0.1, 1.0]


def test_choose_rejects_duplicates_and_a_missing_direction():
    with pytest.raises(ValueError, match="distinct"):
        choose(lambda c: 0.0, [1, 1], larger_is_better=True)
    with pytest.raises(TypeError, match="larger_is_better"):
        choose(lambda c: 0.0, [1], larger_is_better=1)


def test_results_table_aligns_columns_and_formats_spreads():
    table = results_table(
        {
            "softmax regression": {"test accuracy": Spread((0.9, 0.92)), "epochs": 30},
            "CNN": {"test accuracy": Spread((0.98, 0.99)), "epochs": 10},
        }
    )
    lines = table.splitlines()
    assert lines[0].split() == ["model", "test", "accuracy", "epochs"]
    assert set(lines[1]) <= {"-", " "}
    assert lines[2].startswith("softmax regression") and lines[2].endswith("30")
    assert "0.910 ± 0.014" in lines[2]
    assert len({len(line) for line in lines}) == 1


def test_results_table_rejects_rows_with_other_columns():
    with pytest.raises(ValueError, match="'b'"):
        results_table({"a": {"x": 1.0}, "b": {"y": 1.0}})


def test_choose_and_over_seeds_reject_the_wrong_containers():
    with pytest.raises(TypeError, match="hashable"):
        choose(lambda c: 0.0, [[1], [2]], larger_is_better=True)
    with pytest.raises(TypeError, match="list or tuple"):
        choose(lambda c: 0.0, 0.1, larger_is_better=True)
    with pytest.raises(TypeError, match="list or range"):
        over_seeds(lambda s: 0.0, 3)
    assert over_seeds(lambda s: float(s), range(3)).values == (0.0, 1.0, 2.0)


def test_checkpoints_equal_separate_runs_of_fit():
    from bpcode import SGD, Dense, MSELoss, Sequential, Tanh, fit
    from bpcode.experiments import checkpoints

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), rng.normal(size=(40, 1))

    def model():
        return Sequential([Dense(3, 4, rng=1), Tanh(), Dense(4, 1, rng=2)])

    seen = {}
    m = model()
    for epochs, trained in checkpoints(
        m, MSELoss(), SGD(m, lr=0.1), X, y, (2, 5), batch_size=8, rng=3
    ):
        assert trained is m
        seen[epochs] = trained.forward(X).copy()
    assert list(seen) == [2, 5]
    # the same as one run of fit for 2 epochs, then 3 more on the same random stream
    ref, order = model(), np.random.default_rng(3)
    opt = SGD(ref, lr=0.1)
    fit(ref, MSELoss(), opt, X, y, epochs=2, batch_size=8, rng=order)
    np.testing.assert_array_equal(seen[2], ref.forward(X))
    fit(ref, MSELoss(), opt, X, y, epochs=3, batch_size=8, rng=order)
    np.testing.assert_array_equal(seen[5], ref.forward(X))


@pytest.mark.parametrize("stops", [(), (0, 2), (3, 3), (5, 2), (1.5,)])
def test_checkpoints_reject_bad_stops(stops):
    from bpcode import SGD, Dense
    from bpcode.experiments import checkpoints

    m = Dense(1, 1, rng=0)
    with pytest.raises(ValueError, match="stops"):
        next(checkpoints(m, None, SGD(m, lr=0.1), None, None, stops, batch_size=1))


def test_standard_error_and_spread_map():
    from bpcode.experiments import standard_error
    from bpcode.language import nats_to_bits

    assert standard_error(0.98, 450) == pytest.approx(np.sqrt(0.98 * 0.02 / 450))
    with pytest.raises(ValueError, match="accuracy"):
        standard_error(1.5, 10)
    with pytest.raises(ValueError, match="n must"):
        standard_error(0.5, 0)
    bits = nats_to_bits(Spread((np.log(2.0), np.log(4.0))))
    assert isinstance(bits, Spread) and bits.values == pytest.approx((1.0, 2.0))


def _checkpoint_models(stops, rng):
    """The model's output on X after each stop of ``checkpoints(..., stops, rng=rng)``."""
    from bpcode import SGD, Dense, MSELoss, Sequential, Tanh
    from bpcode.experiments import checkpoints

    X, y = _checkpoint_data()
    m = Sequential([Dense(3, 4, rng=1), Tanh(), Dense(4, 1, rng=2)])
    return {
        epochs: trained.forward(X).copy()
        for epochs, trained in checkpoints(
            m, MSELoss(), SGD(m, lr=0.1), X, y, stops, batch_size=8, rng=rng
        )
    }


def _checkpoint_data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(40, 3)), rng.normal(size=(40, 1))


def test_checkpoints_model_at_a_stop_is_the_last_of_the_stops_up_to_it():
    # as documented: the model at stops[k] is the one checkpoints(stops[:k + 1]) yields
    # last, with the same rng; the same call twice gives the same models
    from bpcode import SGD, Dense, MSELoss, Sequential, Tanh, fit

    stops = [1, 2, 5]
    seen = _checkpoint_models(stops, rng=3)
    again = _checkpoint_models(stops, rng=3)
    for k, stop in enumerate(stops):
        np.testing.assert_array_equal(seen[stop], again[stop])
        np.testing.assert_array_equal(
            seen[stop], _checkpoint_models(stops[: k + 1], 3)[stop]
        )
    # segments are successive fit calls (1, 1 and 3 epochs) sharing one Generator
    X, y = _checkpoint_data()
    ref = Sequential([Dense(3, 4, rng=1), Tanh(), Dense(4, 1, rng=2)])
    order, opt = np.random.default_rng(3), SGD(ref, lr=0.1)
    for stop, epochs in zip(stops, (1, 1, 3), strict=True):
        fit(ref, MSELoss(), opt, X, y, epochs=epochs, batch_size=8, rng=order)
        np.testing.assert_array_equal(seen[stop], ref.forward(X))
    # and not fit(epochs=5) in one call: each fit call restarts from the data's order
    one = Sequential([Dense(3, 4, rng=1), Tanh(), Dense(4, 1, rng=2)])
    fit(one, MSELoss(), SGD(one, lr=0.1), X, y, epochs=5, batch_size=8, rng=3)
    assert not np.array_equal(seen[5], one.forward(X))


@pytest.mark.parametrize("stops", [5, None, "5,10", 2.0])
def test_checkpoints_checks_stops_when_called(stops):
    from bpcode import SGD, Dense
    from bpcode.experiments import checkpoints

    m = Dense(1, 1, rng=0)
    with pytest.raises(TypeError, match=r"checkpoints: stops must be a list of epoch"):
        checkpoints(m, None, SGD(m, lr=0.1), None, None, stops, batch_size=1)
    with pytest.raises(ValueError, match="checkpoints: stops must increase"):
        checkpoints(m, None, SGD(m, lr=0.1), None, None, [2, 1], batch_size=1)
    with pytest.raises(ValueError, match="checkpoints: batch_size"):
        checkpoints(m, None, SGD(m, lr=0.1), None, None, [1], batch_size=0)
    with pytest.raises(ValueError, match="checkpoints: rng"):
        checkpoints(m, None, SGD(m, lr=0.1), None, None, [1], batch_size=1, rng=-1)


def test_results_table_checks_rows_and_spec_and_shows_names_with_str():
    with pytest.raises(TypeError, match="results_table: rows must be a mapping"):
        results_table([("a", {"x": 1.0})])
    with pytest.raises(TypeError, match="results_table: row 'a' must be a mapping"):
        results_table({"a": [1.0]})
    for spec in ("d", "s", 3):
        with pytest.raises(
            (TypeError, ValueError), match=r"results_table: spec must be a float format"
        ):
            results_table({"a": {"x": "text"}}, spec=spec)
    lines = results_table({1: {2: 0.5}}, spec=".1%").splitlines()
    assert lines[0].split() == ["model", "2"] and lines[2].split() == ["1", "50.0%"]


def test_spread_checks_its_values_and_format_spec():
    with pytest.raises(TypeError, match=r"values must be a sequence of scores, e\.g\."):
        Spread(0.5)
    with pytest.raises(TypeError, match="values must be a sequence"):
        Spread("0.5")
    with pytest.raises(ValueError, match="Spread: spec must be a float format"):
        format(Spread((0.5,)), "d")
    assert f"{Spread((0.5,)):.1f}" == "0.5 ± 0.0"


def test_over_seeds_rejects_negative_seeds():
    with pytest.raises(ValueError, match="over_seeds: seeds must be non-negative"):
        over_seeds(lambda s: 0.0, [1, -2])


def test_an_error_in_the_users_function_names_the_seed_or_candidate():
    error = RuntimeError("diverged")

    def run(seed):
        if seed == 7:
            raise error
        return 0.5

    with pytest.raises(RuntimeError) as info:
        over_seeds(run, [1, 7])
    assert info.value is error  # the same exception, re-raised
    assert any("seed 7" in note for note in info.value.__notes__)
    with pytest.raises(RuntimeError) as info:
        choose(lambda c: run(7) if c == 0.3 else 0.5, [0.1, 0.3], larger_is_better=True)
    assert any("candidate 0.3" in note for note in info.value.__notes__)


def test_choose_accepts_numpy_bools():
    score = {0.1: 0.5, 0.3: 0.9}.__getitem__
    assert choose(score, [0.1, 0.3], larger_is_better=np.True_)[0] == 0.3
    assert choose(score, [0.1, 0.3], larger_is_better=np.False_)[0] == 0.1


def test_docstrings_have_parameters_and_returns():
    from bpcode.experiments import standard_error

    for f in (standard_error, Spread.map):
        assert "Parameters\n" in f.__doc__ and "Returns\n" in f.__doc__, f.__qualname__


# ------------------------------------------------------------------ paired_interval
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
def test_paired_interval_refuses_misuse(a, b, kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        paired_interval(a, b, **kwargs)
