"""Unit tests of the sequence data of page 6.4 in bpcode.datasets: framing, log band
powers, formants that move, and the two-vowel glides."""

from __future__ import annotations

import numpy as np
import pytest

from bpcode.datasets import (
    MIN_PITCH,
    VOWEL_FORMANTS,
    VOWEL_PAIRS,
    formant_gain,
    formant_track,
    frame_signals,
    log_band_power,
    synthetic_vowel_glides,
    synthetic_vowels,
)


# ---------------------------------------------------------------------- frame_signals
def test_frame_signals_small_example():
    frames = frame_signals(np.arange(6.0)[None], 4, 2)
    assert frames.tolist() == [[[0.0, 1.0, 2.0, 3.0], [2.0, 3.0, 4.0, 5.0]]]


@pytest.mark.parametrize(
    "n_samples, frame_length, hop",
    [(100, 10, 5), (100, 10, 10), (101, 20, 7), (8, 8, 3)],
)
def test_frame_signals_shape_and_content(n_samples, frame_length, hop):
    S = np.random.default_rng(0).normal(size=(3, n_samples))
    frames = frame_signals(S, frame_length, hop)
    T = 1 + (n_samples - frame_length) // hop
    assert frames.shape == (3, T, frame_length)
    for t in (0, T - 1):
        assert np.array_equal(frames[:, t], S[:, t * hop : t * hop + frame_length])
    # a new array that owns its memory: writing to it leaves S alone
    assert frames.flags.writeable and frames.flags.c_contiguous
    frames[...] = 0.0
    assert np.abs(S).sum() > 0


@pytest.mark.parametrize(
    "S, frame_length, hop, error, match",
    [
        (np.ones(10), 4, 2, ValueError, "2-D"),
        (np.ones((2, 10)), 11, 2, ValueError, "exceeds"),
        (np.ones((2, 10)), 0, 2, ValueError, "frame_length"),
        (np.ones((2, 10)), 4, 0, ValueError, "hop"),
        (np.full((2, 10), np.nan), 4, 2, ValueError, "NaN"),
        (np.array([["a", "b"]]), 1, 1, TypeError, "numeric"),
    ],
)
def test_frame_signals_rejects_bad_input(S, frame_length, hop, error, match):
    with pytest.raises(error, match=match):
        frame_signals(S, frame_length, hop)


# --------------------------------------------------------------------- log_band_power
def test_log_band_power_equals_the_formula_written_out():
    rng = np.random.default_rng(1)
    N, n_bands = 64, 4
    s = rng.normal(size=N)
    t, m = np.arange(N), np.arange(N // 2)
    spectrum = np.exp(-2j * np.pi * np.outer(m, t) / N) @ (np.hanning(N) * s)
    width = N // 2 // n_bands
    expected = [
        np.log(np.mean(np.abs(spectrum[b * width : (b + 1) * width]) ** 2) + 1e-10)
        for b in range(n_bands)
    ]
    assert np.allclose(log_band_power(s[None], n_bands)[0], expected, rtol=1e-12)


def test_log_band_power_works_on_any_leading_shape():
    S = np.random.default_rng(2).normal(size=(3, 5, 128))
    out = log_band_power(S, 8)
    assert out.shape == (3, 5, 8)
    assert np.allclose(out[1, 2], log_band_power(S[1, 2][None], 8)[0])


def test_log_band_power_puts_a_tone_into_its_band():
    fs, N = 8000.0, 512
    tone = np.sin(2 * np.pi * 1100.0 * np.arange(N) / fs)[None]  # band 4: 1000-1250 Hz
    phi = log_band_power(tone, 16)[0]
    assert phi.argmax() == 4
    assert np.sort(phi)[-1] - np.sort(phi)[-2] > 3.0


def test_log_band_power_eps_keeps_silence_finite():
    silent = np.zeros((1, 32))
    assert np.allclose(log_band_power(silent, 4, eps=1e-6), np.log(1e-6))
    assert np.allclose(log_band_power(silent, 4), np.log(1e-10))


@pytest.mark.parametrize(
    "shape, n_bands, kwargs, match",
    [
        ((2, 63), 1, {}, "do not split"),  # odd length
        ((2, 64), 5, {}, "do not split"),  # 32 bins into 5 bands
        ((2, 64), 0, {}, "n_bands"),
        ((2, 64), 4, {"eps": -1.0}, "eps"),
        ((2, 64), 4, {"eps": 0.0}, "eps must be finite and > 0"),
        ((2, 64), 4, {"eps": np.nan}, "eps"),
        ((), 4, {}, "0-D"),
    ],
)
def test_log_band_power_rejects_bad_input(shape, n_bands, kwargs, match):
    with pytest.raises(ValueError, match=match):
        log_band_power(np.ones(shape), n_bands, **kwargs)


def test_log_band_power_names_itself_in_its_errors():
    with pytest.raises(ValueError, match="^log_band_power: S must hold signals"):
        log_band_power(3.0)
    with pytest.raises(TypeError, match="^log_band_power: S must be a real numeric"):
        log_band_power(np.array(["a", "b"]))


def test_frame_signals_suggests_s_none_for_one_signal():
    with pytest.raises(ValueError, match=r"frame_signals: S must be 2-D.*S\[None\]"):
        frame_signals(np.ones(10), 4, 2)
    # the hint is right: S[None] frames the one signal
    assert frame_signals(np.arange(10.0)[None], 4, 2).shape == (1, 4, 4)


# ------------------------------------------------------------ formant_gain with arrays
def test_formant_gain_broadcasts_an_array_of_formants():
    f = np.array([[100.0], [500.0], [1500.0]])  # (3, 1)
    formants = np.array([300.0, 700.0, 2000.0, 2500.0])  # (4,)
    out = formant_gain(f, formants, 90.0)
    assert out.shape == (3, 4)
    for j, F in enumerate(formants):
        assert np.allclose(out[:, j], formant_gain(f[:, 0], F, 90.0), rtol=1e-15)


@pytest.mark.parametrize(
    "bad", [np.array([500.0, 0.0]), np.array([np.nan]), np.array([]), [500.0, -1.0]]
)
def test_formant_gain_rejects_bad_formant_arrays(bad):
    with pytest.raises(ValueError, match="^formant_gain: formant"):
        formant_gain(np.ones(3), bad, 50.0)


@pytest.mark.parametrize(
    "f, error, match",
    [
        (np.array([100.0, np.nan]), ValueError, "f must be finite and >= 0"),
        (np.array([100.0, np.inf]), ValueError, "f must be finite and >= 0"),
        (
            np.array([-1.0, 100.0]),
            ValueError,
            r"f must be finite and >= 0 \(Hz\), got -1.0",
        ),
        (-5.0, ValueError, "got -5.0"),
        (np.array(["100", "200"]), TypeError, "f must be real numbers"),
        ("100", TypeError, "f must be real numbers"),
        (np.array([100.0 + 1j]), TypeError, "complex"),
        (np.array([True, False]), TypeError, "booleans"),
        (True, TypeError, "booleans"),
        (np.array([]), ValueError, "f is empty"),
        (np.array([1.0, 2.0, 3.0]), ValueError, "do not broadcast"),
    ],
)
def test_formant_gain_rejects_bad_frequencies(f, error, match):
    formant = np.array([500.0, 600.0])  # shape (2,): f of shape (3,) cannot broadcast
    with pytest.raises(error, match="^formant_gain: .*" + match):
        formant_gain(f, formant, 50.0)


def test_formant_gain_rejects_bad_formant_types():
    with pytest.raises(TypeError, match="^formant_gain: formant must be real numbers"):
        formant_gain(100.0, True, 50.0)
    with pytest.raises(TypeError, match="formant must be real numbers"):
        formant_gain(100.0, "500", 50.0)
    with pytest.raises(TypeError, match="formant must be real numbers"):
        formant_gain(100.0, 500.0 + 0j, 50.0)
    with pytest.raises(TypeError, match="bandwidth"):
        formant_gain(100.0, 500.0, "50")


def test_formant_gain_lists_and_arrays_agree():
    f, formants = [[0.0], [250.0], [900.0]], [300.0, 700.0]
    from_lists = formant_gain(f, formants, 60.0)
    from_arrays = formant_gain(np.array(f), np.array(formants), 60.0)
    assert from_lists.shape == (3, 2) and np.array_equal(from_lists, from_arrays)
    assert np.array_equal(
        formant_gain([0.0, 700.0], 700.0, 60.0),
        formant_gain(np.array([0.0, 700.0]), 700.0, 60.0),
    )
    # integers are frequencies too; a number gives a number
    assert formant_gain(np.array([0, 700]), 700, 70)[1] == 10.0
    assert np.ndim(formant_gain(700.0, 700.0, 70.0)) == 0


@pytest.mark.parametrize(
    "generator, kwargs",
    [
        ("vowels", dict(sample_rate=4000.0, pitch_range=(80.0, 250.0))),
        ("glides", dict(sample_rate=4000.0, pitch_range=(80.0, 250.0))),
        ("glides", dict(pairs=["ai"], sample_rate=4400.0)),
    ],
)
def test_generators_reject_formants_at_or_above_nyquist(generator, kwargs):
    make = synthetic_vowels if generator == "vowels" else synthetic_vowel_glides
    with pytest.raises(ValueError, match="below the Nyquist frequency"):
        make(1, **kwargs, rng=0)


def test_glides_check_only_the_vowels_they_use():
    # "a" and "o" have formants below 1100 Hz: a 2400 Hz rate is enough for them
    X, y = synthetic_vowel_glides(
        1,
        pairs=["ao", "oa"],
        sample_rate=2400.0,
        n_samples=512,
        frame_length=128,
        hop=64,
        n_bands=8,
        rng=0,
    )
    assert X.shape == (2, 7, 8) and np.isfinite(X).all()


@pytest.mark.parametrize("generator", ["vowels", "glides"])
@pytest.mark.parametrize("pitch_range", [(5.0, 100.0), (19.9, 19.9), (1e-3, 1.0)])
def test_generators_reject_pitches_below_20_hz(generator, pitch_range):
    make = synthetic_vowels if generator == "vowels" else synthetic_vowel_glides
    with pytest.raises(ValueError, match="20 <= low"):
        make(1, pitch_range=pitch_range, rng=0)


def test_the_lowest_pitch_is_accepted():
    X, _ = synthetic_vowels(1, pitch_range=(MIN_PITCH, MIN_PITCH), n_samples=256, rng=0)
    assert np.isfinite(X).all() and MIN_PITCH == 20.0


# ------------------------------------------------------------- synthetic_vowel_glides
def test_vowel_pairs_are_all_ordered_pairs_of_different_vowels():
    assert len(VOWEL_PAIRS) == 20 and len(set(VOWEL_PAIRS)) == 20
    assert "ai" in VOWEL_PAIRS and "ia" in VOWEL_PAIRS and "aa" not in VOWEL_PAIRS
    assert all(set(p) <= set(VOWEL_FORMANTS) and p[0] != p[1] for p in VOWEL_PAIRS)


def test_glides_shapes_dtypes_labels():
    X, y, S = synthetic_vowel_glides(
        3, pairs=["ai", "ia", "ou"], return_waveforms=True, rng=0
    )
    assert X.shape == (9, 7, 16) and X.dtype == np.float64  # (2048 - 512) / 256 + 1 = 7
    assert S.shape == (9, 2048) and S.dtype == np.float64
    assert y.dtype.kind == "i" and np.array_equal(y, np.repeat([0, 1, 2], 3))
    assert np.isfinite(X).all() and np.isfinite(S).all()
    # the features are the log band powers of the frames of the returned sounds
    assert np.allclose(X, log_band_power(frame_signals(S, 512, 256), 16), rtol=1e-12)
    X2, y2 = synthetic_vowel_glides(2, n_samples=1024, frame_length=256, hop=128, rng=0)
    assert X2.shape == (40, 7, 16) and np.array_equal(np.bincount(y2), [2] * 20)


def test_glides_are_deterministic_for_a_seed():
    a = synthetic_vowel_glides(2, pairs=["ai"], rng=7)
    b = synthetic_vowel_glides(2, pairs=["ai"], rng=np.random.default_rng(7))
    c = synthetic_vowel_glides(2, pairs=["ai"], rng=8)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_clean_sounds_have_unit_rms():
    _, _, S = synthetic_vowel_glides(
        3, pairs=["ea", "uo"], noise=0.0, return_waveforms=True, rng=1
    )
    assert np.allclose(np.sqrt(np.mean(S**2, axis=1)), 1.0)


def _harmonic_ratios(frame: np.ndarray, vowel: str, f0: float, per_period: int):
    """Measured magnitude / formula amplitude of every harmonic of a clean frame."""
    n_periods = len(frame) // per_period
    h = np.arange(1, int(np.ceil(4000.0 / f0)))
    F1, F2 = VOWEL_FORMANTS[vowel]
    amplitude = formant_gain(h * f0, F1, 80.0) * formant_gain(h * f0, F2, 120.0) / h
    return np.abs(np.fft.rfft(frame))[n_periods * h] / amplitude


def test_a_clean_glide_starts_and_ends_as_its_two_vowels():
    # pitch 125 Hz: 64 samples per period; the glide fills the middle half exactly, so
    # the first frame is all "a" and the last all "i"
    _, _, S = synthetic_vowel_glides(
        1,
        pairs=["ai"],
        pitch_range=(125.0, 125.0),
        formant_jitter=0.0,
        noise=0.0,
        shift=0.0,
        return_waveforms=True,
        rng=0,
    )
    frames = frame_signals(S, 512, 256)[0]
    for frame, vowel in ((frames[0], "a"), (frames[-1], "i")):
        ratio = _harmonic_ratios(frame, vowel, 125.0, 64)
        assert np.allclose(ratio, ratio[0], rtol=1e-9), vowel
    # and the middle frame is neither
    ratio = _harmonic_ratios(frames[3], "a", 125.0, 64)
    assert not np.allclose(ratio, ratio[0], rtol=1e-2)


def test_pairs_of_equal_vowels_are_allowed():
    X, y = synthetic_vowel_glides(2, pairs=["aa", "ai"], rng=4)
    assert X.shape == (4, 7, 16) and np.array_equal(y, [0, 0, 1, 1])


def test_a_pair_of_equal_vowels_is_a_steady_vowel():
    # 512-sample frames of a 125 Hz sound hold 8 whole periods, and the hop of 256 is
    # 4 periods: without jitter and noise every frame is the same waveform
    X, _, S = synthetic_vowel_glides(
        1,
        pairs=["oo"],
        pitch_range=(125.0, 125.0),
        formant_jitter=0.0,
        noise=0.0,
        return_waveforms=True,
        rng=3,
    )
    frames = frame_signals(S, 512, 256)[0]
    assert np.allclose(frames, frames[0], atol=1e-9)
    assert np.allclose(X[0], X[0, 0], atol=1e-9)
    ratio = _harmonic_ratios(frames[0], "o", 125.0, 64)
    assert np.allclose(ratio, ratio[0], rtol=1e-9)


def test_a_reversed_sound_has_the_reversed_frames_and_the_same_average():
    X, _, S = synthetic_vowel_glides(
        4, pairs=["ai", "ia"], return_waveforms=True, rng=5
    )
    X_reversed = log_band_power(frame_signals(S[:, ::-1], 512, 256), 16)
    assert np.allclose(X_reversed, X[:, ::-1], atol=1e-9)
    assert np.allclose(X_reversed.mean(axis=1), X.mean(axis=1), atol=1e-9)


def test_frame_averages_do_not_show_the_order_but_the_frames_do():
    X, y = synthetic_vowel_glides(150, pairs=["ai", "ia", "au"], rng=6)
    average = X.mean(axis=1)
    mean_ai, mean_ia, mean_au = (average[y == k].mean(axis=0) for k in range(3))
    # the averages of "ai" and "ia" differ only by sampling noise, far less than from "au"
    assert np.linalg.norm(mean_ai - mean_ia) < 0.25 * np.linalg.norm(mean_ai - mean_au)
    # the first frames differ clearly: "a" has its second formant in band 4, "i" not
    first = X[:, 0, 4]
    assert first[y == 0].mean() > first[y == 1].mean() + 1.0


def test_the_moment_of_the_change_varies_with_shift():
    kwargs = dict(pairs=["ai"], formant_jitter=0.0, noise=0.0, return_waveforms=True)
    fixed = synthetic_vowel_glides(5, shift=0.0, rng=2, **kwargs)[0]
    moving = synthetic_vowel_glides(5, shift=0.25, rng=2, **kwargs)[0]
    # band 4 (F2 of "a") in the middle frame: the same in every fixed sound (up to pitch)
    spread_fixed = fixed[:, 3, 4].std()
    spread_moving = moving[:, 3, 4].std()
    assert spread_moving > spread_fixed


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n_per_class=0), "n_per_class"),
        (dict(pairs="ai"), "pairs"),
        (dict(pairs=[]), "pairs"),
        (dict(pairs=["ai", "ax"]), "two of the vowels"),
        (dict(pairs=["aie"]), "two of the vowels"),
        (dict(pairs=["ai", "ai"]), "different"),
        (dict(n_samples=2000), "cover the sound"),
        (dict(frame_length=4096), "cover the sound"),
        (dict(frame_length=510, hop=2), "frame_length must be even"),
        (dict(n_bands=5), "multiple"),
        (dict(glide=0.0), "glide"),
        (dict(glide=1.5), "glide"),
        (dict(shift=0.3), "shift"),
        (dict(shift=-0.1), "shift"),
        (dict(noise=(0.5, 0.1)), "noise"),
        (dict(pitch_range=(100.0, 5000.0)), "pitch_range"),
        (dict(bandwidths=(80.0,)), "bandwidths"),
        (dict(formant_jitter=-0.1), "formant_jitter"),
    ],
)
def test_glides_reject_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        synthetic_vowel_glides(**{"n_per_class": 1, **kwargs}, rng=0)


def test_glides_reject_bad_types():
    with pytest.raises(TypeError, match="return_waveforms"):
        synthetic_vowel_glides(1, return_waveforms="yes", rng=0)
    with pytest.raises(TypeError, match="rng"):
        synthetic_vowel_glides(1, rng="seed")


# ---------------------------------------------------------------------- formant_track
def test_formant_track_holds_glides_and_holds():
    start, end = np.array([730.0, 1090.0]), np.array([270.0, 2290.0])  # "a" -> "i"
    N, c, w = 1001, 0.4, 0.3
    F = formant_track(start, end, N, centre=c, glide=w)
    u = (np.arange(N) + 0.5) / N
    assert F.shape == (2, N)
    assert np.array_equal(
        F[:, u <= c - w / 2], np.repeat(start[:, None], (u <= c - w / 2).sum(), 1)
    )
    assert np.allclose(F[:, u >= c + w / 2], end[:, None], rtol=1e-15)
    moving = (u > c - w / 2) & (u < c + w / 2)
    assert np.all(np.diff(F[0, moving]) < 0) and np.all(np.diff(F[1, moving]) > 0)


def test_formant_track_passes_the_geometric_mean_at_the_centre():
    # N odd: the middle sample sits exactly at u = 1/2
    F = formant_track([400.0, 900.0], [1600.0, 100.0], 2049, centre=0.5, glide=0.5)
    assert np.allclose(F[:, 1024], [800.0, 300.0], rtol=1e-14)
    # and for any centre that falls on a sample: u_n = (n + 1/2) / N
    N, n = 200, 73
    F = formant_track(500.0, 2000.0, N, centre=(n + 0.5) / N, glide=0.2)
    assert np.isclose(F[n], 1000.0, rtol=1e-14)


@pytest.mark.parametrize("c", [0.3, 0.5, 0.62])
def test_formant_track_read_backwards_is_the_reverse_track(c):
    # g_c(1 - u) = 1 - g_{1-c}(u): the reversed track from start to end with centre c
    # is the track from end to start with centre 1 - c
    start, end = np.array([300.0, 870.0]), np.array([530.0, 1840.0])
    forward = formant_track(start, end, 512, centre=c, glide=0.5)
    backward = formant_track(end, start, 512, centre=1 - c, glide=0.5)
    assert np.allclose(forward[:, ::-1], backward, rtol=1e-12)


def test_formant_track_number_and_array_agree():
    one = formant_track(300.0, 600.0, 16, centre=0.3, glide=0.4)
    two = formant_track([300.0], [600.0], 16, centre=0.3, glide=0.4)
    assert one.shape == (16,) and two.shape == (1, 16)
    assert np.array_equal(one, two[0])


def test_the_glides_use_formant_track():
    # a clean "ai" of one class, generated twice with the same seed, once through
    # formant_track by hand: the generator's sound and ours agree sample by sample
    kwargs = dict(pitch_range=(125.0, 125.0), formant_jitter=0.0, noise=0.0, shift=0.0)
    _, _, S = synthetic_vowel_glides(
        1, pairs=["ai"], return_waveforms=True, rng=0, **kwargs
    )
    gen = np.random.default_rng(0)
    gen.uniform(125.0, 125.0)  # pitch
    gen.normal(0.0, 0.0, 2), gen.normal(0.0, 0.0, 2)  # jitter of start and end
    gen.uniform(-0.0, 0.0)  # centre
    F1, F2 = formant_track(VOWEL_FORMANTS["a"], VOWEL_FORMANTS["i"], 2048)
    h = np.arange(1, 32)[:, None]
    amps = formant_gain(125.0 * h, F1, 80.0) * formant_gain(125.0 * h, F2, 120.0) / h
    phases = gen.uniform(0.0, 2.0 * np.pi, (31, 1))
    s = (amps * np.cos(2 * np.pi * 125.0 * h * np.arange(2048) / 8000.0 + phases)).sum(
        0
    )
    assert np.allclose(S[0], s / np.sqrt(np.mean(s**2)), atol=1e-10)


@pytest.mark.parametrize(
    "args, kwargs, error, match",
    [
        ((0.0, 500.0, 10), {}, ValueError, "start must be finite and > 0"),
        ((500.0, np.nan, 10), {}, ValueError, "end"),
        (([500.0, 600.0], [500.0], 10), {}, ValueError, "same shape"),
        ((np.ones((2, 2)), np.ones((2, 2)), 10), {}, ValueError, "1-D"),
        ((500.0, 600.0, 0), {}, ValueError, "n_samples"),
        ((500.0, 600.0, 10), {"centre": 1.5}, ValueError, "centre"),
        ((500.0, 600.0, 10), {"centre": -0.1}, ValueError, "centre"),
        ((500.0, 600.0, 10), {"glide": 0.0}, ValueError, "glide"),
        ((500.0, 600.0, 10), {"glide": 2.0}, ValueError, "glide"),
        (("a", 600.0, 10), {}, TypeError, "start must be real numbers"),
    ],
)
def test_formant_track_rejects_bad_input(args, kwargs, error, match):
    with pytest.raises(error, match="^formant_track: .*" + match):
        formant_track(*args, **kwargs)
