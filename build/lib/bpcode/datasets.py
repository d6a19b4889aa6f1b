"""Small data sets, generated or loaded from packages: nothing is downloaded.

Generators take ``rng`` (None, an int seed or a numpy Generator) and return
float64 features ``X`` of shape (n_samples, n_features) and targets ``y``.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_generator, check_positive_float, check_positive_int

RNG = None | int | np.random.Generator


def xor() -> tuple[np.ndarray, np.ndarray]:
    """The four points of XOR, exactly as in the article's program.

    Returns
    -------
    X : ndarray of shape (4, 2)
        The inputs ``[[0, 0], [0, 1], [1, 0], [1, 1]]`` as floats.
    y : ndarray of shape (4, 1)
        The targets ``[[0], [1], [1], [0]]`` as floats.
    """
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    y = np.array([[0], [1], [1], [0]], dtype=np.float64)
    return X, y


def spirals(
    n_per_class: int = 100,
    n_classes: int = 2,
    *,
    noise: float = 0.2,
    turns: float = 1.5,
    rng: RNG = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms in the plane, one arm per class.

    Parameters
    ----------
    n_per_class : int, default=100
    n_classes : int, default=2
    noise : float, default=0.2
        Standard deviation of the angular noise (radians).
    turns : float, default=1.5
        Each arm sweeps ``turns * π`` radians from the centre outwards.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    X : ndarray of shape (n_per_class * n_classes, 2)
        Points roughly within [-1, 1]².
    y : ndarray of int, shape (n_per_class * n_classes,)
        Class labels 0 .. n_classes - 1.
    """
    n_per_class = check_positive_int(n_per_class, "n_per_class", "spirals")
    n_classes = check_positive_int(n_classes, "n_classes", "spirals")
    noise = check_positive_float(noise, "noise", "spirals", allow_zero=True)
    gen = as_generator(rng, "spirals")
    X = np.empty((n_per_class * n_classes, 2))
    y = np.empty(n_per_class * n_classes, dtype=np.intp)
    r = np.linspace(0.05, 1.0, n_per_class)
    for k in range(n_classes):
        theta = (
            r * turns * np.pi
            + 2.0 * np.pi * k / n_classes
            + gen.normal(0.0, noise, n_per_class)
        )
        rows = slice(k * n_per_class, (k + 1) * n_per_class)
        X[rows] = np.column_stack([r * np.cos(theta), r * np.sin(theta)])
        y[rows] = k
    return X, y


def moons(
    n_samples: int = 200, *, noise: float = 0.1, rng: RNG = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (class 0 on top, class 1 below).

    Parameters
    ----------
    n_samples : int, default=200
        Total number of points (split evenly, the first class gets the extra one).
    noise : float, default=0.1
        Standard deviation of Gaussian noise added to each coordinate.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of int, shape (n_samples,)
    """
    n_samples = check_positive_int(n_samples, "n_samples", "moons")
    noise = check_positive_float(noise, "noise", "moons", allow_zero=True)
    gen = as_generator(rng, "moons")
    n0 = (n_samples + 1) // 2
    n1 = n_samples - n0
    t0 = np.linspace(0.0, np.pi, n0)
    t1 = np.linspace(0.0, np.pi, n1)
    X = np.vstack(
        [
            np.column_stack([np.cos(t0), np.sin(t0)]),
            np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)]),
        ]
    )
    X += gen.normal(0.0, noise, X.shape)
    y = np.concatenate([np.zeros(n0, dtype=np.intp), np.ones(n1, dtype=np.intp)])
    return X, y


def one_hot(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """One-hot rows from integer labels.

    Parameters
    ----------
    labels : ndarray of int, shape (n_samples,)
    n_classes : int

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
    """
    n_classes = check_positive_int(n_classes, "n_classes", "one_hot")
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise ValueError(
            f"one_hot: labels must be a 1-D integer array, got dtype "
            f"{labels.dtype} and shape {labels.shape}"
        )
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"one_hot: labels must lie in [0, {n_classes})")
    out = np.zeros((labels.size, n_classes))
    out[np.arange(labels.size), labels] = 1.0
    return out


def digits(
    *, test_size: float = 0.25, rng: RNG = 0, standardize: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The 8×8 handwritten digits that scikit-learn ships, split into train and test.

    1,797 grey-scale images of the digits 0–9 (pixel values 0–16), loaded
    from scikit-learn's bundled copy: no download.

    Parameters
    ----------
    test_size : float, default=0.25
        Fraction of the images held out for testing (stratified by class).
    rng : None, int or numpy.random.Generator, default=0
        Randomness of the split.
    standardize : bool, default=True
        Scale pixels to zero mean and unit variance using statistics of the
        **training** part only. Pixels that are constant in the training part are
        only centred: zero in every training image, though a test image may differ.

    Returns
    -------
    X_train : ndarray of shape (n_train, 64)
    X_test : ndarray of shape (n_test, 64)
    y_train : ndarray of int, shape (n_train,)
    y_test : ndarray of int, shape (n_test,)
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as err:  # pragma: no cover - scikit-learn is in requirements.txt
        raise ImportError(
            "digits() needs scikit-learn: pip install scikit-learn"
        ) from err
    if not 0.0 < check_positive_float(test_size, "test_size", "digits") < 1.0:
        raise ValueError(f"digits: test_size must be in (0, 1), got {test_size!r}")
    data = load_digits()
    X, y = data.data.astype(np.float64), data.target.astype(np.intp)
    gen = as_generator(rng, "digits")
    test = np.zeros(len(y), dtype=bool)
    for k in np.unique(y):  # stratified split
        idx = np.flatnonzero(y == k)
        n_test = int(round(test_size * len(idx)))
        test[gen.choice(idx, size=n_test, replace=False)] = True
    X_train, X_test, y_train, y_test = X[~test], X[test], y[~test], y[test]
    if standardize:
        mean = X_train.mean(axis=0)
        std = X_train.std(axis=0)
        std[std == 0.0] = 1.0
        X_train = (X_train - mean) / std
        X_test = (X_test - mean) / std
    return X_train, X_test, y_train, y_test


# --------------------------------------------------------------------------------------
# Chapter 6 (applications): a text corpus and synthetic vowel sounds.

CORPUS_FILE = "fables.txt"


def load_corpus(*, lowercase: bool = False) -> str:
    """The book's small English corpus, *Small Stories About Learning* (about 25 KB).

    Short fables and an essay about gradients and learning, written for this
    project and dedicated to the public domain (CC0 1.0). The file ships inside
    the package (``bpcode/data/fables.txt``): nothing is downloaded. It is
    plain ASCII.

    Parameters
    ----------
    lowercase : bool, default=False
        Return the text in lower case.

    Returns
    -------
    str
        The text without its header (the comment lines starting with ``#`` at
        the top of the file and the blank lines after them). Line breaks are
        kept as ``"\\n"``.

    Raises
    ------
    FileNotFoundError
        If the data file is missing from the installed package.
    """
    from importlib import resources

    source = resources.files("bpcode").joinpath("data", CORPUS_FILE)
    if not source.is_file():
        raise FileNotFoundError(
            f"load_corpus: the data file data/{CORPUS_FILE} is missing from the installed "
            "bpcode package (reinstall it with its package data)"
        )
    lines = source.read_text(encoding="utf-8").splitlines()
    start = 0
    while start < len(lines) and (
        lines[start].startswith("#") or not lines[start].strip()
    ):
        start += 1
    text = "\n".join(lines[start:]).strip() + "\n"
    return text.lower() if lowercase else text


def char_windows(
    text: str, context: int, *, vocab: None | str = None
) -> tuple[np.ndarray, np.ndarray, str]:
    """Next-character training pairs: every window of ``context`` characters and the one after it.

    Characters are encoded as their index in ``vocab``. Window ``i`` holds
    characters ``i .. i + context - 1`` and its target is character
    ``i + context``, so a text of length ``m`` gives ``m - context`` pairs.

    Parameters
    ----------
    text : str
        At least ``context + 1`` characters long.
    context : int
        Number of previous characters the model sees (``k`` in the book).
    vocab : str, optional
        The alphabet, one character per position, no repeats. Default: the
        sorted distinct characters of ``text``. Pass the vocabulary of the
        training text when encoding a held-out text so that both use the same
        ids.

    Returns
    -------
    X : ndarray of int, shape (len(text) - context, context)
        Character ids of each window, oldest first.
    y : ndarray of int, shape (len(text) - context,)
        Id of the character that follows each window.
    vocab : str
        The alphabet used: character ``vocab[j]`` has id ``j``.

    Raises
    ------
    TypeError
        If ``text`` or ``vocab`` is not a string.
    ValueError
        If ``context`` is not a positive integer, the text is too short,
        ``vocab`` repeats a character, or ``text`` uses a character that is
        not in ``vocab``.

    Examples
    --------
    >>> X, y, vocab = char_windows("abcab", 2)
    >>> vocab
    'abc'
    >>> X.tolist(), y.tolist()
    ([[0, 1], [1, 2], [2, 0]], [2, 0, 1])
    """
    if not isinstance(text, str):
        raise TypeError(f"char_windows: text must be a str, got {type(text).__name__}")
    context = check_positive_int(context, "context", "char_windows")
    if len(text) <= context:
        raise ValueError(
            f"char_windows: text has {len(text)} characters; it needs at least "
            f"context + 1 = {context + 1}"
        )
    if vocab is None:
        vocab = "".join(sorted(set(text)))
    elif not isinstance(vocab, str):
        raise TypeError(
            f"char_windows: vocab must be a str, got {type(vocab).__name__}"
        )
    if len(set(vocab)) != len(vocab):
        raise ValueError("char_windows: vocab must not repeat a character")
    index = {ch: i for i, ch in enumerate(vocab)}
    unknown = sorted(set(text) - set(index))
    if unknown:
        raise ValueError(
            f"char_windows: text uses characters that are not in vocab: {unknown!r}"
        )
    ids = np.fromiter((index[ch] for ch in text), dtype=np.intp, count=len(text))
    X = np.lib.stride_tricks.sliding_window_view(ids[:-1], context).copy()
    y = ids[context:].copy()
    return X, y, vocab


#: Formant frequencies (F1, F2) in Hz of the five vowel classes of
#: :func:`synthetic_vowels`. Illustrative values, close to classic averages for
#: adult male speakers of American English; keys are simple ASCII names:
#: "i" as in *heed*, "e" as in *head*, "a" as in *father*, "o" as in *hawed*,
#: "u" as in *who'd*.
VOWEL_FORMANTS: dict[str, tuple[float, float]] = {
    "i": (270.0, 2290.0),
    "e": (530.0, 1840.0),
    "a": (730.0, 1090.0),
    "o": (570.0, 840.0),
    "u": (300.0, 870.0),
}


def formant_gain(f: np.ndarray, formant: float, bandwidth: float) -> np.ndarray:
    r"""Magnitude response of one formant resonance (a two-pole resonator).

    .. math:: |H(f)| = \frac{F^2}{\sqrt{(F^2 - f^2)^2 + (fB)^2}}

    It is 1 at :math:`f = 0`, about :math:`F/B` at the formant frequency
    :math:`F`, and falls like :math:`F^2/f^2` far above it.

    Parameters
    ----------
    f : ndarray of float, any shape
        Frequencies in Hz (>= 0).
    formant : float
        Resonance frequency :math:`F` in Hz (> 0).
    bandwidth : float
        Bandwidth :math:`B` in Hz (> 0); smaller means a sharper peak.

    Returns
    -------
    ndarray of the same shape as ``f``
    """
    formant = check_positive_float(formant, "formant", "formant_gain")
    bandwidth = check_positive_float(bandwidth, "bandwidth", "formant_gain")
    f = np.asarray(f, dtype=np.float64)
    return formant**2 / np.sqrt((formant**2 - f**2) ** 2 + (f * bandwidth) ** 2)


def synthetic_vowels(
    n_per_class: int = 100,
    *,
    sample_rate: float = 8000.0,
    n_samples: int = 1024,
    pitch_range: tuple[float, float] = (80.0, 250.0),
    formant_jitter: float = 0.08,
    bandwidths: tuple[float, float] = (80.0, 120.0),
    noise: float | tuple[float, float] = (0.05, 0.5),
    rng: RNG = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Synthetic vowel-like sounds: a harmonic series shaped by two formant resonances.

    This is **synthetic** data, a toy version of the source–filter picture of
    speech, not recordings. Each sound is

    .. math:: s(t) = \sum_{h \ge 1,\; h f_0 < f_s/2} \frac{1}{h}\,
              |H_1(h f_0)|\,|H_2(h f_0)|\, \cos(2\pi h f_0 t + \varphi_h)

    with a random pitch :math:`f_0` drawn uniformly from ``pitch_range``, random
    phases :math:`\varphi_h`, and formants :math:`F_k` of its class (see
    :data:`VOWEL_FORMANTS`) each multiplied by :math:`e^{\epsilon_k}`,
    :math:`\epsilon_k \sim N(0, \text{formant\_jitter}^2)`, to imitate
    differences between speakers. :math:`H_k` is :func:`formant_gain`. The
    sound is scaled to unit root-mean-square, then white Gaussian noise is
    added, with a standard deviation drawn for each sound uniformly from the
    range ``noise`` (or fixed, if ``noise`` is a single number).

    Parameters
    ----------
    n_per_class : int, default=100
        Number of sounds of each of the five vowels.
    sample_rate : float, default=8000.0
        Samples per second (Hz); the highest representable frequency is half of it.
    n_samples : int, default=1024
        Length of each sound in samples (1024 at 8 kHz is 128 ms).
    pitch_range : (float, float), default=(80.0, 250.0)
        Range of the fundamental frequency :math:`f_0` in Hz.
    formant_jitter : float, default=0.08
        Standard deviation of the log-normal factor applied to each formant.
    bandwidths : (float, float), default=(80.0, 120.0)
        Bandwidths of the first and second formant in Hz.
    noise : float or (float, float), default=(0.05, 0.5)
        Standard deviation of the added noise, relative to the signal's RMS of 1:
        a fixed value, or a range ``(low, high)`` from which each sound draws its
        own level uniformly (``noise=a`` and ``noise=(a, a)`` give identical data).
    rng : None, int or numpy.random.Generator

    Returns
    -------
    X : ndarray of shape (5 * n_per_class, n_samples)
        One sound per row, in time order.
    y : ndarray of int, shape (5 * n_per_class,)
        Class labels 0..4, the positions of the vowels in :data:`VOWEL_FORMANTS`
        (``"i", "e", "a", "o", "u"``); the first ``n_per_class`` rows are class 0,
        and so on.

    Raises
    ------
    ValueError
        On a non-positive count, rate or length, a pitch range that is empty,
        non-positive or reaches the Nyquist frequency, negative jitter or noise, or a
        noise range whose low end exceeds its high end.
    """
    where = "synthetic_vowels"
    n_per_class = check_positive_int(n_per_class, "n_per_class", where)
    n_samples = check_positive_int(n_samples, "n_samples", where)
    sample_rate = check_positive_float(sample_rate, "sample_rate", where)
    formant_jitter = check_positive_float(
        formant_jitter, "formant_jitter", where, allow_zero=True
    )
    noise_range = noise if isinstance(noise, (tuple, list)) else (noise, noise)
    if len(noise_range) != 2:
        raise ValueError(
            f"{where}: noise must be a number or a pair (low, high), got {noise!r}"
        )
    noise_lo, noise_hi = (
        check_positive_float(v, "noise", where, allow_zero=True) for v in noise_range
    )
    if noise_lo > noise_hi:
        raise ValueError(f"{where}: noise range must have low <= high, got {noise!r}")
    for name, pair in (("pitch_range", pitch_range), ("bandwidths", bandwidths)):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ValueError(f"{where}: {name} must be a pair of numbers, got {pair!r}")
    lo, hi = (check_positive_float(p, "pitch_range", where) for p in pitch_range)
    if not lo <= hi < sample_rate / 2:
        raise ValueError(
            f"{where}: pitch_range must satisfy 0 < low <= high < sample_rate / 2 "
            f"= {sample_rate / 2:g}, got {tuple(pitch_range)!r}"
        )
    b1, b2 = (check_positive_float(b, "bandwidths", where) for b in bandwidths)
    gen = as_generator(rng, where)

    formants = np.array(list(VOWEL_FORMANTS.values()))  # (5, 2)
    n_classes = len(formants)
    t = np.arange(n_samples) / sample_rate  # (n_samples,)
    X = np.empty((n_classes * n_per_class, n_samples))
    y = np.repeat(np.arange(n_classes, dtype=np.intp), n_per_class)
    for i, k in enumerate(y):
        f0 = gen.uniform(lo, hi)
        F1, F2 = formants[k] * np.exp(gen.normal(0.0, formant_jitter, 2))
        harmonics = np.arange(1, int(np.ceil(sample_rate / 2 / f0)))
        freqs = harmonics * f0  # all below Nyquist
        amps = (formant_gain(freqs, F1, b1) * formant_gain(freqs, F2, b2)) / harmonics
        phases = gen.uniform(0.0, 2.0 * np.pi, len(harmonics))
        s = amps @ np.cos(2.0 * np.pi * freqs[:, None] * t[None, :] + phases[:, None])
        s /= np.sqrt(np.mean(s**2))
        X[i] = s + gen.normal(0.0, gen.uniform(noise_lo, noise_hi), n_samples)
    return X, y
