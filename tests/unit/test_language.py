"""Unit tests of bpcode.language: the text split, the count models and sampling (pages 6.2, 6.3)."""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from fractions import Fraction

import numpy as np
import pytest

from bpcode import SoftmaxCrossEntropy
from bpcode.datasets import load_corpus
from bpcode.language import (
    MAX_ORDER,
    AdditiveNGram,
    CorpusSplit,
    KneserNey,
    corpus_split,
    decode,
    encode,
    nats_to_bits,
    next_char_sequences,
    normalize_text,
    sample,
    split_text,
    target_bits,
    window_mlp,
)


# ------------------------------------------------------------------ text and ids
def test_nats_to_bits_divides_by_ln_2():
    assert nats_to_bits(math.log(2.0)) == pytest.approx(1.0, abs=1e-15)
    assert nats_to_bits(math.log(35.0)) == pytest.approx(math.log2(35.0))
    arr = nats_to_bits(np.array([0.0, math.log(4.0)]))
    np.testing.assert_allclose(arr, [0.0, 2.0])
    with pytest.raises(TypeError, match="nats_to_bits"):
        nats_to_bits("1.0")


def test_normalize_text_lowercases_and_collapses_whitespace():
    assert normalize_text("  The OWL\n\n\twho  guessed ") == "the owl who guessed"
    with pytest.raises(TypeError, match="normalize_text"):
        normalize_text(b"bytes")


def test_split_text_cuts_contiguous_parts_that_join_to_the_text():
    text = "".join(chr(97 + i % 26) for i in range(1003))
    parts = split_text(text, (0.8, 0.1, 0.1))
    assert "".join(parts) == text
    assert [len(p) for p in parts] == [
        802,
        101,
        100,
    ]  # cuts at round(802.4), round(902.7)


@pytest.mark.parametrize(
    "fractions", [(1.0,), (0.5, 0.6), (0.5, -0.1, 0.6), (0.5, float("nan"), 0.5)]
)
def test_split_text_rejects_bad_fractions(fractions):
    with pytest.raises(ValueError, match="split_text"):
        split_text("abcdefghij", fractions)


def test_split_text_rejects_an_empty_part():
    with pytest.raises(ValueError, match="too short"):
        split_text("abc", (0.9, 0.05, 0.05))


def test_corpus_split_is_the_normalised_corpus_cut_in_three():
    split = corpus_split()
    assert isinstance(split, CorpusSplit)
    whole = normalize_text(load_corpus())
    assert split.train + split.validation + split.test == whole
    assert len(split.train) == round(0.8 * len(whole))
    assert split.vocab == "".join(sorted(set(split.train)))
    assert split.vocab_size == len(split.vocab)
    assert set(split.validation) | set(split.test) <= set(split.vocab)
    assert corpus_split() == split  # fixed: the same every time


def test_corpus_split_needs_three_fractions():
    with pytest.raises(ValueError, match="three fractions"):
        corpus_split((0.9, 0.1))


def test_encode_and_decode_are_inverse():
    vocab = " abc"
    ids = encode("cab a", vocab)
    assert ids.tolist() == [3, 1, 2, 0, 1]
    assert decode(ids, vocab) == "cab a"
    with pytest.raises(ValueError, match="not in vocab"):
        encode("abz", vocab)
    with pytest.raises(ValueError, match="repeat"):
        encode("ab", "aab")
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        decode(np.array([0, 4]), vocab)


@pytest.mark.parametrize("empty", [[], (), np.array([]), np.array([], dtype=np.uint8)])
def test_decode_of_no_ids_is_the_empty_string(empty):
    assert decode(empty, "ab") == ""


def test_ragged_contexts_are_reported_as_such():
    model = KneserNey(2).fit(ABAC, vocab_size=4)
    with pytest.raises(
        ValueError, match=r"contexts must be a rectangular \(n, L\) integer array"
    ):
        model.predict_proba([[0, 1], [1]])
    with pytest.raises(ValueError, match="ids must be a 1-D integer array"):
        decode([[0], [1, 0]], "ab")
    assert model.predict_proba(np.zeros((2, 0))).shape == (2, 4)  # empty: no dtype


@pytest.mark.parametrize(("V", "largest"), [(40, 11), (60, 10), (100, 9)])
def test_the_overflow_error_names_the_largest_order_that_fits(V, largest):
    assert V**largest < 2**62 <= V ** (largest + 1)
    with pytest.raises(
        ValueError, match=f"largest order for {V} characters is {largest}"
    ):
        KneserNey(MAX_ORDER).fit(np.array([0, 1] * 10), vocab_size=V)
    KneserNey(largest).fit(np.array([0, 1] * 10), vocab_size=V)  # fits


def test_next_char_sequences_shift_the_targets_by_one():
    ids = np.arange(10)
    X, Y = next_char_sequences(ids, 4)
    assert X.tolist() == [[0, 1, 2, 3], [4, 5, 6, 7]]
    np.testing.assert_array_equal(Y, X + 1)
    X2, Y2 = next_char_sequences(ids, 4, stride=2)
    assert X2[:, 0].tolist() == [0, 2, 4]
    np.testing.assert_array_equal(Y2, X2 + 1)
    assert Y2.max() == 8  # a fourth sequence would start at 6 and need id 10


def test_next_char_sequences_checks_its_input():
    with pytest.raises(ValueError, match="at least 5"):
        next_char_sequences(np.arange(4), 4)
    with pytest.raises(ValueError, match="1-D integer"):
        next_char_sequences(np.ones((3, 3), dtype=int), 2)
    with pytest.raises(ValueError, match="positive integer"):
        next_char_sequences(np.arange(9), 0)


# ------------------------------------------------------------------ count models
ABAC = np.array([0, 1, 0, 2])  # "abac" over the alphabet a, b, c, d (d never occurs)


def test_kneser_ney_matches_a_hand_computed_example():
    # Text "abac", V = 4, order 2, D = 1/2 at both orders.
    # Bigrams ab, ba, ac, each once. Continuation counts (distinct left neighbours):
    # a: {b}, b: {a}, c: {a}, d: none -> 1, 1, 1, 0; total 3, three distinct.
    # p1 = max(1 - 1/2, 0)/3 + (1/2)(3/3)(1/4) = 1/6 + 1/8 = 7/24 for a, b, c; 1/8 for d.
    # After "a": N(a.) = 2 (ab, ac), 2 distinct:
    #   p(b|a) = p(c|a) = (1/2)/2 + (1/2)(2/2) p1 = 1/4 + 7/48 = 19/48,
    #   p(a|a) = (1/2)(7/24) = 7/48, p(d|a) = (1/2)(1/8) = 3/48.
    # After "b": N(b.) = 1 (ba): p(a|b) = 1/2 + (1/2)(7/24) = 31/48, the others half of p1.
    # After "c" (never a context in training) and "d" (never seen): p1.
    model = KneserNey(2, discount=0.5).fit(ABAC, vocab_size=4)
    p1 = [Fraction(7, 24)] * 3 + [Fraction(1, 8)]
    expected = {
        0: [Fraction(7, 48), Fraction(19, 48), Fraction(19, 48), Fraction(3, 48)],
        1: [Fraction(31, 48), Fraction(7, 48), Fraction(7, 48), Fraction(3, 48)],
        2: p1,
        3: p1,
    }
    P = model.predict_proba(np.arange(4)[:, None])
    for context, row in expected.items():
        np.testing.assert_allclose(P[context], [float(f) for f in row], rtol=1e-14)
    # an empty context uses order 1 alone
    np.testing.assert_allclose(
        model.predict_proba(np.zeros((1, 0), dtype=int))[0], [float(f) for f in p1]
    )


def test_kneser_ney_standard_discount_of_the_hand_example():
    # order 2: three bigrams seen once, none twice -> n1 / (n1 + 2 n2) would be 1;
    # order 1: three continuation counts of 1 -> also 1. With n2 = 0 the class falls
    # back to 0.5.
    model = KneserNey(2).fit(ABAC, vocab_size=4)
    assert model.discounts == (0.5, 0.5)
    assert all(isinstance(d, float) for d in model.discounts)


def test_kneser_ney_standard_discount_when_both_counts_occur():
    # unigram counts 3, 1, 1, 2 -> n1 = 2, n2 = 1 -> D = 2 / (2 + 2) = 0.5;
    # counts 1, 1, 1, 2 -> n1 = 3, n2 = 1 -> D = 3 / 5
    ids = np.array([0, 0, 0, 1, 2, 3, 3])
    assert KneserNey(1).fit(ids, vocab_size=4).discounts == (0.5,)
    ids = np.array([0, 1, 2, 3, 3])
    assert KneserNey(1).fit(ids, vocab_size=4).discounts == (pytest.approx(0.6),)


@pytest.mark.parametrize(
    "order, ids, V",
    [
        (1, [0, 1, 0, 1], 3),  # n1 = 0: the formula would give D = 0
        (2, [0, 1, 1], 3),  # n2 = 0: the formula would give D = 1
        (3, [0, 1, 2], 3),  # the text "abc"
    ],
)
def test_kneser_ney_standard_discount_falls_back_to_one_half(order, ids, V):
    model = KneserNey(order).fit(np.array(ids), vocab_size=V)
    assert model.discounts == (0.5,) * order
    contexts = np.array(list(itertools.product(range(V), repeat=order - 1)), dtype=int)
    P = model.predict_proba(contexts.reshape(len(contexts), order - 1))
    assert P.min() > 0
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    targets = np.zeros(len(contexts), dtype=int)
    assert math.isfinite(model.nll(contexts.reshape(len(contexts), order - 1), targets))


def _reference_kneser_ney(ids, order, V, D):
    """A direct, dictionary-based implementation of interpolated Kneser-Ney."""
    ids = list(ids)
    grams = {
        m: Counter(tuple(ids[i : i + m]) for i in range(len(ids) - m + 1))
        for m in range(1, order + 1)
    }
    counts = {order: grams[order]}
    for m in range(1, order):
        left = defaultdict(set)
        for g in grams[m + 1]:
            left[g[1:]].add(g[0])
        counts[m] = Counter({g: len(s) for g, s in left.items()})

    def p(m, context, c):
        if m == 0:
            return 1.0 / V
        lower = p(m - 1, context, c)
        if m - 1 > len(context):
            return lower  # too short a context for this order: use the lower ones
        h = tuple(context[len(context) - (m - 1) :]) if m > 1 else ()
        row = {w: counts[m].get(h + (w,), 0) for w in range(V)}
        total = sum(row.values())
        if total == 0:
            return lower
        distinct = sum(1 for v in row.values() if v > 0)
        d = D[m - 1]
        return max(row[c] - d, 0) / total + d * distinct / total * lower

    return p


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_kneser_ney_agrees_with_a_direct_implementation(order):
    rng = np.random.default_rng(order)
    V = 4
    ids = rng.choice(V, size=200, p=[0.5, 0.3, 0.15, 0.05])
    model = KneserNey(order).fit(ids, vocab_size=V)
    ref = _reference_kneser_ney(ids, order, V, model.discounts)
    contexts = rng.integers(0, V, size=(30, 5))
    P = model.predict_proba(contexts)
    for i, ctx in enumerate(contexts):
        for c in range(V):
            assert P[i, c] == pytest.approx(ref(order, list(ctx), c), rel=1e-12)


@pytest.mark.parametrize("order", [1, 2, 3])
def test_kneser_ney_sums_to_one_and_is_positive_for_every_context(order):
    rng = np.random.default_rng(10 + order)
    V = 5
    ids = rng.choice(V - 1, size=300)  # the last character never occurs
    model = KneserNey(order).fit(ids, vocab_size=V)
    every = list(itertools.product(range(V), repeat=order - 1))
    contexts = np.array(every, dtype=int).reshape(len(every), order - 1)
    P = model.predict_proba(contexts)
    assert P.shape == (V ** (order - 1), V)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert P.min() > 0


def test_kneser_ney_on_the_book_corpus_sums_to_one():
    split = corpus_split()
    model = KneserNey(6).fit(encode(split.train, split.vocab), split.vocab_size)
    val = encode(split.validation, split.vocab)
    contexts = np.lib.stride_tricks.sliding_window_view(val[:-1], 5)[:500]
    P = model.predict_proba(contexts)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert P.min() > 0
    assert len(model.discounts) == 6 and all(0 < d <= 1 for d in model.discounts)


def test_kneser_ney_with_a_tiny_discount_is_near_the_relative_frequency():
    model = KneserNey(2, discount=1e-9).fit(ABAC, vocab_size=4)
    np.testing.assert_allclose(
        model.predict_proba(np.array([[0]]))[0], [0, 0.5, 0.5, 0], atol=1e-8
    )


def test_kneser_ney_repr_shows_a_given_discount():
    assert repr(KneserNey(3)) == "KneserNey(order=3)"
    assert repr(KneserNey(3, discount=0.75)) == "KneserNey(order=3, discount=0.75)"
    assert repr(KneserNey(2, discount=[0.5, 0.7])) == (
        "KneserNey(order=2, discount=(0.5, 0.7))"
    )
    assert KneserNey(2, discount=np.array(0.5)).discounts is None  # accepted
    assert KneserNey(2, discount=np.array(0.5)).fit(ABAC, 4).discounts == (0.5, 0.5)


def test_kneser_ney_order_one_is_a_discounted_unigram():
    ids = np.array([0, 0, 0, 1, 2, 0, 1])
    model = KneserNey(1, discount=0.5).fit(ids, vocab_size=4)
    counts = np.bincount(ids, minlength=4)
    N, distinct = len(ids), 3
    expected = np.maximum(counts - 0.5, 0) / N + 0.5 * distinct / N / 4
    np.testing.assert_allclose(
        model.predict_proba(np.zeros((2, 3), dtype=int)), [expected] * 2
    )


def test_kneser_ney_uses_only_the_last_order_minus_one_characters():
    rng = np.random.default_rng(3)
    ids = rng.integers(0, 4, size=400)
    model = KneserNey(3).fit(ids, vocab_size=4)
    short = rng.integers(0, 4, size=(20, 2))
    long = np.concatenate([rng.integers(0, 4, size=(20, 6)), short], axis=1)
    np.testing.assert_array_equal(model.predict_proba(long), model.predict_proba(short))


def test_a_short_context_backs_off_to_the_orders_it_can_fill():
    rng = np.random.default_rng(4)
    V = 4
    ids = rng.choice(V, size=300, p=[0.4, 0.3, 0.2, 0.1])
    model = KneserNey(4).fit(ids, vocab_size=V)
    ref = _reference_kneser_ney(ids, 4, V, model.discounts)
    for length in (0, 1, 2):
        contexts = rng.integers(0, V, size=(10, length))
        P = model.predict_proba(contexts)
        for i, ctx in enumerate(contexts):
            expected = [ref(4, list(ctx), c) for c in range(V)]
            np.testing.assert_allclose(P[i], expected, rtol=1e-12)


def test_kneser_ney_checks_its_arguments():
    with pytest.raises(ValueError, match="positive integer"):
        KneserNey(0)
    with pytest.raises(ValueError, match=f"at most {MAX_ORDER}"):
        KneserNey(MAX_ORDER + 1)
    with pytest.raises(ValueError, match="discount"):
        KneserNey(2, discount=1.5)
    with pytest.raises(ValueError, match="discount"):
        KneserNey(2, discount=[0.5])
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        KneserNey(2, discount=0)
    with pytest.raises(TypeError, match="discount"):
        KneserNey(2, discount="0.5")
    with pytest.raises(ValueError, match="int64"):
        KneserNey(12).fit(np.array([0, 1] * 10), vocab_size=100)
    with pytest.raises(ValueError, match="AdditiveNGram"):
        AdditiveNGram(12).fit(np.array([0, 1] * 10), vocab_size=100)
    with pytest.raises(RuntimeError, match="fit"):
        KneserNey(2).predict_proba(np.zeros((1, 1), dtype=int))
    model = KneserNey(2).fit(ABAC, vocab_size=4)
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        model.predict_proba(np.array([[4]]))
    with pytest.raises(ValueError, match="2-D"):
        model.predict_proba(np.array([1, 2]))
    with pytest.raises(TypeError, match="integer"):
        model.predict_proba(np.array([[0.5]]))
    with pytest.raises(ValueError, match="no 3-gram"):
        KneserNey(3).fit(np.array([0, 1]), vocab_size=2)
    with pytest.raises(ValueError, match="2 contexts but 3 targets"):
        model.nll(np.zeros((2, 1), dtype=int), np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match="no targets"):
        model.nll(np.zeros((0, 1), dtype=int), np.zeros(0, dtype=int))


def test_additive_unigram_and_bigram_are_the_add_one_formulas():
    rng = np.random.default_rng(5)
    V = 6
    ids = rng.integers(0, V - 1, size=500)
    uni = AdditiveNGram(1).fit(ids, vocab_size=V)
    counts = np.bincount(ids, minlength=V)
    np.testing.assert_allclose(
        uni.predict_proba(np.zeros((1, 0), dtype=int))[0], (counts + 1) / (len(ids) + V)
    )
    bi = AdditiveNGram(2).fit(ids, vocab_size=V)
    pairs = np.zeros((V, V))
    np.add.at(pairs, (ids[:-1], ids[1:]), 1)
    expected = (pairs + 1) / (pairs.sum(axis=1, keepdims=True) + V)
    np.testing.assert_allclose(bi.predict_proba(np.arange(V)[:, None]), expected)
    # the loss is the mean negative log-probability of the targets
    ctx, y = ids[:-1, None], ids[1:]
    assert bi.nll(ctx, y) == pytest.approx(-np.mean(np.log(expected[ids[:-1], y])))


def test_additive_ngram_rejects_a_short_context_and_a_bad_alpha():
    model = AdditiveNGram(3).fit(np.array([0, 1, 0, 1]), vocab_size=2)
    with pytest.raises(ValueError, match="needs 2"):
        model.predict_proba(np.array([[1]]))
    with pytest.raises(ValueError, match="positive"):
        AdditiveNGram(2, alpha=0.0)


# ------------------------------------------------------------------ sampling
def test_sample_is_reproducible_and_follows_the_distribution():
    p = np.array([0.7, 0.2, 0.1])
    ids = sample(lambda ctx: p, np.array([0]), 3000, rng=0)
    assert ids[0] == 0 and len(ids) == 3001
    np.testing.assert_array_equal(
        ids, sample(lambda ctx: p, np.array([0]), 3000, rng=0)
    )
    freq = np.bincount(ids[1:], minlength=3) / 3000
    np.testing.assert_allclose(freq, p, atol=0.03)


def test_sample_hands_the_whole_history_to_the_model():
    seen = []

    def next_probs(ctx):
        seen.append(len(ctx))
        return np.eye(3)[(ctx[-1] + 1) % 3]  # always the next id

    ids = sample(next_probs, np.array([1, 2]), 4, rng=0)
    assert ids.tolist() == [1, 2, 0, 1, 2, 0]
    assert seen == [2, 3, 4, 5]


def test_temperature_sharpens_and_flattens():
    p = np.array([0.6, 0.3, 0.1])
    cold = np.bincount(
        sample(lambda c: p, np.array([0]), 2000, rng=1, temperature=0.25)[1:],
        minlength=3,
    )
    hot = np.bincount(
        sample(lambda c: p, np.array([0]), 2000, rng=1, temperature=4.0)[1:],
        minlength=3,
    )
    assert cold[0] > 0.9 * 2000  # p^4 normalised: 0.94 for the first id
    assert hot[2] > 0.2 * 2000  # p^(1/4) normalised: 0.26 for the last id


def _sharpened_reference(p, tau):
    """The temperature formula as sample has always computed it (see its outputs)."""
    if tau == 1.0:
        return p / p.sum()
    with np.errstate(divide="ignore"):
        logp = np.log(p) / tau
    logp -= logp.max()
    q = np.exp(logp)
    return q / q.sum()


@pytest.mark.parametrize("tau", [1.0, 0.5, 0.7, 1.3, 1e-300])
def test_sample_draws_from_the_same_sharpened_distribution_as_before(tau):
    P = np.random.default_rng(4).dirichlet(np.ones(5) * 0.3, size=5)
    P[1, 2] = 0.0
    P[1] /= P[1].sum()
    ids = sample(lambda c: P[c[-1]], np.array([1]), 300, rng=11, temperature=tau)
    gen, expected = np.random.default_rng(11), [1]
    for _ in range(300):
        expected.append(gen.choice(5, p=_sharpened_reference(P[expected[-1]], tau)))
    assert ids.tolist() == expected


def test_a_tiny_temperature_picks_the_most_likely_character():
    for p in ([0.3, 0.7], [0.0, 1.0 + 5e-7]):  # log p / tau overflows for both
        ids = sample(lambda c, p=p: np.array(p), [0], 20, rng=0, temperature=1e-310)
        assert ids[1:].tolist() == [1] * 20
    ties = sample(lambda c: np.array([0.5, 0.5]), [0], 200, rng=0, temperature=1e-310)
    assert set(ties[1:].tolist()) == {0, 1}  # equally likely characters stay so


def test_sample_checks_what_next_probs_returns():
    where = r"sample, step 0: next_probs"
    with pytest.raises(ValueError, match=f"{where} returned an empty vector"):
        sample(lambda c: np.array([]), [0], 3, rng=0)
    with pytest.raises(TypeError, match=f"{where} must return numbers"):
        sample(lambda c: np.array(["a", "b"]), [0], 3, rng=0)
    with pytest.raises(TypeError, match=f"{where} must return numbers"):
        sample(lambda c: None, [0], 3, rng=0)


def test_sample_checks_the_prompt_before_calling_the_model():
    def next_probs(ids):
        raise AssertionError("next_probs called with a bad prompt")

    with pytest.raises(ValueError, match="sample: prompt ids must be non-negative"):
        sample(next_probs, [0, -1], 3, rng=0)
    with pytest.raises(ValueError, match="sample: prompt must be a non-empty 1-D"):
        sample(next_probs, [0.0], 3, rng=0)


def test_sample_checks_its_arguments():
    with pytest.raises(TypeError, match="callable"):
        sample([0.5, 0.5], np.array([0]), 1, rng=0)
    with pytest.raises(ValueError, match="prompt"):
        sample(lambda c: np.ones(2) / 2, np.array([]), 1, rng=0)
    with pytest.raises(ValueError, match="temperature"):
        sample(lambda c: np.ones(2) / 2, np.array([0]), 1, rng=0, temperature=0.0)
    with pytest.raises(ValueError, match="sum to"):
        sample(lambda c: np.ones(2), np.array([0]), 1, rng=0)
    with pytest.raises(ValueError, match="non-negative"):
        sample(lambda c: np.array([1.5, -0.5]), np.array([0]), 1, rng=0)


def test_sample_checks_the_prompt_and_the_length_of_the_distribution():
    with pytest.raises(ValueError, match=r"\[0, 2\)"):
        sample(lambda c: np.ones(2) / 2, np.array([0, 5]), 1, rng=0)
    with pytest.raises(ValueError, match="prompt ids must be non-negative"):
        sample(lambda c: np.ones(2) / 2, np.array([-1]), 1, rng=0)
    with pytest.raises(ValueError, match="3 probabilities, but 2"):
        sample(lambda c: np.ones(len(c) + 1) / (len(c) + 1), np.array([0]), 3, rng=0)


def test_argument_errors_are_clear():
    with pytest.raises(TypeError, match="split_text: fractions"):
        split_text("abcdef", None)
    with pytest.raises(TypeError, match="split_text: fractions"):
        split_text("abcdef", "ab")
    with pytest.raises(TypeError, match="corpus_split: fractions"):
        corpus_split(None)
    with pytest.raises(TypeError, match="nats_to_bits"):
        nats_to_bits(np.array(["a"]))
    with pytest.raises(ValueError, match="non-negative"):
        next_char_sequences(np.array([0, 1, -2, 3, 1]), 2)
    with pytest.raises(ValueError, match="window_mlp"):
        window_mlp(5, 3, dim=0)
    with pytest.raises(ValueError, match="window_mlp"):
        window_mlp(5, 3, hidden=0)


def test_target_bits_is_the_loss_of_each_character():
    P = np.random.default_rng(3).dirichlet(np.ones(6), size=40)
    y = np.random.default_rng(4).integers(0, 6, size=40)
    bits = target_bits(P, y)
    assert bits.shape == (40,)
    assert np.array_equal(bits, -np.log2(P[np.arange(40), y]))
    # their mean is the cross-entropy in bits per character
    assert np.isclose(bits.mean(), nats_to_bits(SoftmaxCrossEntropy()(np.log(P), y)))
    assert target_bits([[0.0, 1.0]], [0]).tolist() == [np.inf]  # probability 0


@pytest.mark.parametrize(
    "probs, targets, error, message",
    [
        (np.ones(3), [0], ValueError, "2-D array"),
        ([[0.5, -0.5]], [0], ValueError, "non-negative"),
        ([[0.5, np.nan]], [0], ValueError, "finite"),
        ([["a", "b"]], [0], TypeError, "probabilities"),
        ([[0.5, 0.5]], [2], ValueError, r"lie in \[0, 2\)"),
        ([[0.5, 0.5]], [0.0], TypeError, "integer ids"),
        ([[0.5, 0.5]], [0, 1], ValueError, "2 targets for 1 rows"),
    ],
)
def test_target_bits_refuses_misuse(probs, targets, error, message):
    with pytest.raises(error, match=f"target_bits: .*{message}"):
        target_bits(probs, targets)
