"""Unit tests of the chapter-6 data in bpcode.datasets: the text corpus, the
next-character windows and the synthetic vowels."""

from __future__ import annotations

import numpy as np
import pytest

from bpcode import datasets
from bpcode.datasets import (
    VOWEL_FORMANTS,
    char_windows,
    formant_gain,
    load_corpus,
    synthetic_vowels,
)


# ----------------------------------------------------------------------------- corpus
def test_corpus_is_plain_ascii_text_of_the_promised_size():
    text = load_corpus()
    assert isinstance(text, str)
    assert 20_000 <= len(text) <= 40_000
    assert text.isascii()
    assert text.endswith("\n") and not text.startswith(("\n", " "))


def test_corpus_header_is_stripped_but_present_in_the_file():
    from importlib import resources

    raw = (
        resources.files("bpcode")
        .joinpath("data", datasets.CORPUS_FILE)
        .read_text("utf-8")
    )
    first = raw.splitlines()[0]
    assert first.startswith("#") and "CC0" in first and "public domain" in first
    text = load_corpus()
    assert "CC0" not in text and not any(
        line.startswith("#") for line in text.splitlines()
    )
    assert text.startswith("THE WALKER IN THE FOG")
    assert text.strip() in raw  # the body is returned verbatim


def test_corpus_lowercase_option():
    text, low = load_corpus(), load_corpus(lowercase=True)
    assert low == text.lower() and low != text
    assert not any(ch.isupper() for ch in low)


# ------------------------------------------------------------------------ char_windows
def test_char_windows_small_example():
    X, y, vocab = char_windows("abcab", 2)
    assert vocab == "abc"
    assert X.tolist() == [[0, 1], [1, 2], [2, 0]]
    assert y.tolist() == [2, 0, 1]


@pytest.mark.parametrize("context", [1, 3, 7])
def test_char_windows_shapes_dtypes_and_reconstruction(context):
    text = load_corpus(lowercase=True)[:2000]
    X, y, vocab = char_windows(text, context)
    n = len(text) - context
    assert X.shape == (n, context) and y.shape == (n,)
    assert X.dtype.kind == "i" and y.dtype.kind == "i"
    assert X.min() >= 0 and max(X.max(), y.max()) < len(vocab)
    assert vocab == "".join(sorted(set(text)))
    # each window followed by its target spells the text
    for i in (0, n // 2, n - 1):
        window = "".join(vocab[j] for j in X[i]) + vocab[y[i]]
        assert window == text[i : i + context + 1]
    # the arrays own their memory (no read-only strided view)
    assert X.flags.writeable and X.flags.c_contiguous


def test_char_windows_shared_vocab_for_held_out_text():
    X, y, vocab = char_windows("hello world", 2)
    Xv, yv, vocab_v = char_windows("old", 1, vocab=vocab)
    assert vocab_v == vocab
    assert [vocab[j] for j in Xv[:, 0]] == ["o", "l"] and [vocab[j] for j in yv] == [
        "l",
        "d",
    ]


@pytest.mark.parametrize(
    "text, context, vocab, error, match",
    [
        ("abc", 0, None, ValueError, "positive integer"),
        ("abc", 3, None, ValueError, "at least"),
        ("abc", 1, "ab", ValueError, "not in vocab"),
        ("abc", 1, "abca", ValueError, "repeat"),
        (b"abc", 1, None, TypeError, "str"),
        ("abc", 1, ["a", "b", "c"], TypeError, "vocab"),
    ],
)
def test_char_windows_rejects_bad_input(text, context, vocab, error, match):
    with pytest.raises(error, match=match):
        char_windows(text, context, vocab=vocab)


# ---------------------------------------------------------------------- formant_gain
def test_formant_gain_is_one_at_zero_and_peaks_near_the_formant():
    f = np.linspace(0.0, 4000.0, 40001)
    g = formant_gain(f, 700.0, 100.0)
    assert g[0] == pytest.approx(1.0)
    assert abs(f[np.argmax(g)] - 700.0) < 10.0
    assert g.max() == pytest.approx(700.0 / 100.0, rel=0.01)
    assert g[-1] < 0.05  # far above F it falls like F^2 / f^2


def test_formant_gain_rejects_bad_parameters():
    with pytest.raises(ValueError, match="bandwidth"):
        formant_gain(np.ones(3), 500.0, 0.0)
    with pytest.raises(ValueError, match="formant"):
        formant_gain(np.ones(3), -1.0, 50.0)


# ------------------------------------------------------------------ synthetic_vowels
def test_vowel_table():
    assert list(VOWEL_FORMANTS) == ["i", "e", "a", "o", "u"]
    for f1, f2 in VOWEL_FORMANTS.values():
        assert 200.0 < f1 < f2 < 4000.0


def test_synthetic_vowels_shapes_dtypes_labels():
    X, y = synthetic_vowels(7, n_samples=256, rng=0)
    assert X.shape == (35, 256) and X.dtype == np.float64
    assert y.shape == (35,) and y.dtype.kind == "i"
    assert np.array_equal(np.bincount(y), [7] * 5)
    assert np.array_equal(y, np.repeat(np.arange(5), 7))
    assert np.isfinite(X).all()


def test_synthetic_vowels_are_deterministic_for_a_seed():
    a = synthetic_vowels(3, n_samples=128, rng=42)
    b = synthetic_vowels(3, n_samples=128, rng=np.random.default_rng(42))
    c = synthetic_vowels(3, n_samples=128, rng=43)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.allclose(a[0], c[0])


def test_synthetic_vowels_without_noise_have_unit_rms():
    X, _ = synthetic_vowels(4, noise=0.0, rng=1)
    assert np.allclose(np.sqrt(np.mean(X**2, axis=1)), 1.0)
    X, _ = synthetic_vowels(40, noise=0.5, rng=1)
    rms2 = np.mean(X**2, axis=1)
    assert abs(rms2.mean() - 1.25) < 0.05  # signal power 1 + noise power 0.25


def test_synthetic_vowels_noise_range():
    fixed = synthetic_vowels(3, noise=0.3, rng=5)[0]
    same = synthetic_vowels(3, noise=(0.3, 0.3), rng=5)[0]
    assert np.array_equal(fixed, same)
    X, _ = synthetic_vowels(60, noise=(0.0, 1.0), rng=5)
    noise_power = np.mean(X**2, axis=1) - 1.0  # about sigma^2, sigma ~ U(0, 1)
    assert noise_power.min() < 0.05 and noise_power.max() > 0.6
    assert abs(noise_power.mean() - 1.0 / 3.0) < 0.06  # E[sigma^2] = 1/3


def test_synthetic_vowel_spectra_peak_in_the_formant_regions():
    """Without jitter or noise, the strongest harmonic above the fundamental lies near a
    formant of the class (the 1/h source slope makes the fundamental itself strong)."""
    sr, n = 8000.0, 2048
    X, y = synthetic_vowels(
        5,
        sample_rate=sr,
        n_samples=n,
        formant_jitter=0.0,
        noise=0.0,
        pitch_range=(100.0, 100.0),
        rng=3,
    )
    freqs = np.fft.rfftfreq(n, 1.0 / sr)
    power = np.abs(np.fft.rfft(X * np.hanning(n), axis=1)) ** 2
    above = freqs > 150.0
    peaks = freqs[above][power[:, above].argmax(axis=1)]
    for peak, label in zip(peaks, y):
        f1, f2 = list(VOWEL_FORMANTS.values())[label]
        assert min(abs(peak - f1), abs(peak - f2)) <= 100.0 + 1e-9, (label, peak)
    # the first formant region carries more energy for "a" (F1 730 Hz) than for "i" (270 Hz)
    band = (freqs > 600) & (freqs < 900)
    energy = power[:, band].sum(axis=1) / power.sum(axis=1)
    assert energy[y == 2].mean() > 5 * energy[y == 0].mean()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n_per_class=0), "n_per_class"),
        (dict(n_samples=-5), "n_samples"),
        (dict(sample_rate=0.0), "sample_rate"),
        (dict(pitch_range=(200.0, 100.0)), "pitch_range"),
        (dict(pitch_range=(100.0, 4000.0)), "pitch_range"),
        (dict(pitch_range=(100.0,)), "pitch_range"),
        (dict(bandwidths=(80.0, 0.0)), "bandwidths"),
        (dict(noise=-0.1), "noise"),
        (dict(noise=(0.5, 0.1)), "noise"),
        (dict(noise=(0.1, 0.2, 0.3)), "noise"),
        (dict(formant_jitter=-1.0), "formant_jitter"),
    ],
)
def test_synthetic_vowels_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        synthetic_vowels(**kwargs, rng=0)


def test_synthetic_vowels_rejects_bad_rng():
    with pytest.raises(TypeError, match="rng"):
        synthetic_vowels(2, rng="seed")
