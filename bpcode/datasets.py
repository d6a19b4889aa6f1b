"""Small data sets, generated or loaded from packages: nothing is downloaded.

Generators take ``rng`` (None, an int seed or a numpy Generator) and return
float64 features ``X`` of shape (n_samples, n_features) and targets ``y``.
"""

from __future__ import annotations

import numpy as np

from ._checks import (
    as_float_array,
    as_generator,
    check_bool,
    check_positive_float,
    check_positive_int,
)

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
# Chapter 6.1 (images): moving the digits, to test what a model does with a shifted image.


def shift_images(
    images: np.ndarray, shifts: np.ndarray, *, canvas: int | None = None
) -> np.ndarray:
    """Place each image on a blank canvas and move it by a whole number of pixels.

    The canvas has ``canvas`` × ``canvas`` pixels (H × W without ``canvas``). Image
    ``i`` is first put in its middle, ``top = (canvas - H) // 2`` rows from the top and
    ``left = (canvas - W) // 2`` columns from the left, and then moved ``shifts[i, 0]``
    rows down and ``shifts[i, 1]`` columns to the right (negative values move it up or
    to the left)::

        out[i, top + dy + r, left + dx + c] = images[i, r, c]

    with ``(dy, dx) = shifts[i]``. When ``canvas - H`` is odd the margins cannot be
    equal: the image then sits one row nearer the top than the bottom (half a pixel
    above the true centre), and likewise one column nearer the left for an odd
    ``canvas - W``. Pixels moved past the edge of the canvas are lost; the rest of the
    canvas is 0, so use images whose background is 0 (for the digits,
    ``digits(standardize=False)``, not the standardised pixels).

    Parameters
    ----------
    images : ndarray of shape (n_images, H, W)
        Grey-scale images with finite pixels (for the 8×8 digits:
        ``X.reshape(-1, 8, 8)``).
    shifts : ndarray of int, shape (n_images, 2) or (2,)
        ``(rows down, columns right)`` for every image; a single pair moves all images
        alike. Each image must keep at least part of its H × W frame on the canvas,
        ``-(top + H) < dy < canvas - top`` and ``-(left + W) < dx < canvas - left``
        (read ``canvas`` as H and W when it is not given).
    canvas : int, optional
        Side of the square output canvas, at least ``max(H, W)``; by default the
        canvas is the images' own H × W frame, so a shifted image loses the pixels
        that leave the frame.

    Returns
    -------
    ndarray of shape (n_images, canvas, canvas), or (n_images, H, W) without ``canvas``
        float64, a new array.

    Raises
    ------
    ValueError
        If ``images`` is not 3-D or holds NaN or infinity, if ``shifts`` has the wrong
        shape or moves an image entirely off the canvas, or if ``canvas`` is smaller
        than the images or not positive.
    TypeError
        If ``images`` is not numeric, ``shifts`` is not an integer array, or
        ``canvas`` is not an integer.

    Examples
    --------
    >>> import numpy as np
    >>> one = np.array([[[1.0, 2.0], [3.0, 4.0]]])
    >>> shift_images(one, np.array([1, 0]), canvas=4)[0]
    array([[0., 0., 0., 0.],
           [0., 0., 0., 0.],
           [0., 1., 2., 0.],
           [0., 3., 4., 0.]])
    """
    where = "shift_images"
    images = _as_image_batch(images, where)
    n, H, W = images.shape
    if canvas is None:
        out_h, out_w = H, W
    else:
        if isinstance(canvas, bool) or not isinstance(canvas, (int, np.integer)):
            raise TypeError(
                f"{where}: canvas must be an integer number of pixels, "
                f"got {canvas!r} of type {type(canvas).__name__}"
            )
        side = check_positive_int(canvas, "canvas", where)
        if side < max(H, W):
            raise ValueError(
                f"{where}: canvas must be at least as large as the images "
                f"({H} × {W}), got canvas={side}"
            )
        out_h = out_w = side
    top, left = (out_h - H) // 2, (out_w - W) // 2
    # a shift is allowed while part of the H × W frame stays on the canvas
    bounds = ((-(top + H) + 1, out_h - top - 1), (-(left + W) + 1, out_w - left - 1))
    shifts = _as_shifts(shifts, n, bounds, (out_h, out_w), where)
    rows = top + shifts[:, :1] + np.arange(H)  # (n, H): canvas row of image row r
    cols = left + shifts[:, 1:] + np.arange(W)  # (n, W): canvas column of column c
    row_in = (rows >= 0) & (rows < out_h)
    col_in = (cols >= 0) & (cols < out_w)
    i, r, c = np.nonzero(row_in[:, :, None] & col_in[:, None, :])  # pixels that stay
    out = np.zeros((n, out_h, out_w))
    out[i, rows[i, r], cols[i, c]] = images[i, r, c]
    return out


def _as_image_batch(images: object, where: str) -> np.ndarray:
    """``images`` as a finite float64 array of shape (n_images, H, W), or a clear error."""
    arr = np.asarray(images)
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{where}: images must be a real numeric array, got dtype {arr.dtype}"
        )
    if arr.ndim != 3 or arr.size == 0:
        raise ValueError(
            f"{where}: images must be a non-empty array of shape (n_images, H, W), "
            f"got shape {arr.shape} (for rows of 64 digit pixels use X.reshape(-1, 8, 8))"
        )
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        i, r, c = (int(k) for k in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(
            f"{where}: images must hold finite pixels, got {arr[i, r, c]} in image {i} "
            f"at row {r}, column {c}"
        )
    return arr


def _as_shifts(
    shifts: object,
    n: int,
    bounds: tuple[tuple[int, int], tuple[int, int]],
    canvas_shape: tuple[int, int],
    where: str,
) -> np.ndarray:
    """``shifts`` as an int array of shape (n, 2); a single pair is repeated n times.

    ``bounds`` holds the smallest and largest allowed (rows down, columns right); a
    shift outside them would move an image entirely off the canvas.
    """
    arr = np.asarray(shifts)
    if arr.dtype.kind not in "iu":
        raise TypeError(
            f"{where}: shifts must be integers (whole pixels), got dtype {arr.dtype}"
        )
    if arr.shape == (2,):
        arr = np.tile(arr, (n, 1))
    if arr.shape != (n, 2):
        images = "image" if n == 1 else "images"
        raise ValueError(
            f"{where}: shifts must have shape ({n}, 2) or (2,) for {n} {images}, "
            f"got shape {arr.shape}"
        )
    # compare as Python ints before any conversion: a uint64 such as 2**64 - 1 would
    # otherwise wrap round to -1 in np.intp
    for axis, (low, high) in enumerate(bounds):
        column = arr[:, axis]
        if int(column.min()) < low or int(column.max()) > high:
            i = int(np.flatnonzero([not low <= int(v) <= high for v in column])[0])
            direction = "rows down" if axis == 0 else "columns right"
            raise ValueError(
                f"{where}: shift ({int(arr[i, 0])}, {int(arr[i, 1])}) of image {i} moves "
                f"it entirely off the {canvas_shape[0]} × {canvas_shape[1]} canvas; "
                f"{direction} must lie in {low}..{high}"
            )
    return arr.astype(np.intp)


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


def formant_gain(
    f: np.ndarray, formant: float | np.ndarray, bandwidth: float
) -> np.ndarray:
    r"""Magnitude response of one formant resonance (a two-pole resonator).

    .. math:: |H(f)| = \frac{F^2}{\sqrt{(F^2 - f^2)^2 + (fB)^2}}

    It is 1 at :math:`f = 0`, about :math:`F/B` at the formant frequency
    :math:`F`, and falls like :math:`F^2/f^2` far above it.

    Parameters
    ----------
    f : float or array-like of float, any shape
        Frequencies in Hz (finite, >= 0). A list is taken as an array.
    formant : float or array-like of float
        Resonance frequency :math:`F` in Hz (finite, > 0). An array or a list (e.g. a
        formant that moves over time) is broadcast against ``f``.
    bandwidth : float
        Bandwidth :math:`B` in Hz (> 0); smaller means a sharper peak.

    Returns
    -------
    ndarray
        The shape of ``f`` and ``formant`` broadcast together (the shape of ``f`` for a
        single formant).

    Raises
    ------
    TypeError
        If ``f`` or ``formant`` is not made of real numbers (strings, complex numbers,
        booleans), or ``bandwidth`` is not a number.
    ValueError
        If a frequency is negative, NaN or infinite, a formant or the bandwidth is not
        finite and > 0, ``formant`` is empty, or the shapes of ``f`` and ``formant``
        do not broadcast.
    """
    where = "formant_gain"
    f = _as_frequencies(f, "f", where, positive=False)
    formant = _as_frequencies(formant, "formant", where, positive=True)
    bandwidth = check_positive_float(bandwidth, "bandwidth", where)
    try:
        np.broadcast_shapes(f.shape, formant.shape)
    except ValueError:
        raise ValueError(
            f"{where}: f of shape {f.shape} and formant of shape {formant.shape} do "
            "not broadcast together (e.g. f of shape (n_harmonics, 1) against a "
            "formant track of shape (n_samples,))"
        ) from None
    return formant**2 / np.sqrt((formant**2 - f**2) ** 2 + (f * bandwidth) ** 2)


def _as_frequencies(
    values: object, name: str, where: str, *, positive: bool
) -> np.ndarray:
    """Frequencies in Hz as a float64 array (0-D for a number), checked.

    Real numbers only (no booleans, strings or complex numbers), finite, and > 0
    (``positive``) or >= 0; an empty array is rejected.
    """
    arr = np.asarray(values)
    if arr.dtype.kind not in "iuf":
        raise TypeError(
            f"{where}: {name} must be real numbers (frequencies in Hz), got "
            f"{'booleans' if arr.dtype.kind == 'b' else f'dtype {arr.dtype}'}"
        )
    arr = arr.astype(np.float64)
    if arr.size == 0:
        raise ValueError(f"{where}: {name} is empty (shape {arr.shape})")
    bound = "> 0" if positive else ">= 0"
    bad = ~np.isfinite(arr) | (arr <= 0 if positive else arr < 0)
    if bad.any():
        first = arr.ravel()[np.flatnonzero(bad.ravel())[0]]
        raise ValueError(
            f"{where}: {name} must be finite and {bound} (Hz), got {float(first)!r}"
            + (f" in an array of shape {arr.shape}" if arr.ndim else "")
        )
    return arr


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
        Samples per second (Hz); the highest representable frequency is half of it,
        and every formant of :data:`VOWEL_FORMANTS` must lie below that (so
        ``sample_rate`` > 4580 Hz).
    n_samples : int, default=1024
        Length of each sound in samples (1024 at 8 kHz is 128 ms).
    pitch_range : (float, float), default=(80.0, 250.0)
        Range of the fundamental frequency :math:`f_0` in Hz, from at least
        :data:`MIN_PITCH` (20 Hz) to below half the sampling rate.
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
        On a non-positive count, rate or length, a sampling rate whose Nyquist
        frequency does not exceed every formant, a pitch range that is empty, starts
        below :data:`MIN_PITCH` or reaches the Nyquist frequency, negative jitter or
        noise, or a noise range whose low end exceeds its high end.
    """
    where = "synthetic_vowels"
    n_per_class = check_positive_int(n_per_class, "n_per_class", where)
    n_samples = check_positive_int(n_samples, "n_samples", where)
    sample_rate = check_positive_float(sample_rate, "sample_rate", where)
    vowels = "".join(VOWEL_FORMANTS)  # every class
    formant_jitter, (lo, hi), (b1, b2), (noise_lo, noise_hi) = _check_voice(
        where, sample_rate, pitch_range, formant_jitter, bandwidths, noise, vowels
    )
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


#: Lowest pitch in hertz that the synthetic sound generators accept. Below it the
#: number of harmonics, and with it the memory a sound needs, grows without bound, since
#: a sound has one harmonic per ``f0`` hertz up to half the sampling rate.
MIN_PITCH = 20.0


def _check_voice(
    where: str,
    sample_rate: float,
    pitch_range: tuple[float, float],
    formant_jitter: float,
    bandwidths: tuple[float, float],
    noise: float | tuple[float, float],
    vowels: str,
) -> tuple[float, tuple[float, float], tuple[float, float], tuple[float, float]]:
    """Check the voice arguments that the synthetic sound generators share.

    Returns ``formant_jitter, (pitch_low, pitch_high), (b1, b2), (noise_low,
    noise_high)`` as floats; ``sample_rate`` must already be checked. The nominal
    formants of the ``vowels`` used must lie below the Nyquist frequency.
    """
    nyquist = sample_rate / 2
    for name in vowels:
        if max(VOWEL_FORMANTS[name]) >= nyquist:
            raise ValueError(
                f"{where}: the formants of vowel {name!r}, {VOWEL_FORMANTS[name]} Hz, "
                f"must lie below the Nyquist frequency sample_rate / 2 = {nyquist:g} "
                f"Hz; use a sample_rate above {2 * max(VOWEL_FORMANTS[name]):g}"
            )
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
    if not MIN_PITCH <= lo <= hi < sample_rate / 2:
        raise ValueError(
            f"{where}: pitch_range must satisfy {MIN_PITCH:g} <= low <= high < "
            f"sample_rate / 2 = {sample_rate / 2:g} (Hz), got {tuple(pitch_range)!r}"
        )
    b1, b2 = (check_positive_float(b, "bandwidths", where) for b in bandwidths)
    return formant_jitter, (lo, hi), (b1, b2), (noise_lo, noise_hi)


# --------------------------------------------------------------------------------------
# Chapter 6.4 (signals): frames, log band powers, and two vowels in a row.


def frame_signals(S: np.ndarray, frame_length: int, hop: int) -> np.ndarray:
    """Cut each signal into frames of ``frame_length`` samples, one every ``hop`` samples.

    Frame ``t`` holds samples ``t * hop .. t * hop + frame_length - 1``. Samples at the
    end that do not fill a whole frame are left out.

    Parameters
    ----------
    S : ndarray of shape (n_signals, n_samples)
        One signal per row.
    frame_length : int
        Samples per frame (at most ``n_samples``).
    hop : int
        Samples between the starts of consecutive frames (``hop < frame_length``
        gives overlapping frames).

    Returns
    -------
    ndarray of shape (n_signals, T, frame_length)
        ``T = 1 + (n_samples - frame_length) // hop`` frames per signal, in time order
        (a new array, not a view of ``S``).

    Raises
    ------
    ValueError
        If ``S`` is not 2-D (a single signal of shape (n_samples,) is ``S[None]``) or
        not finite, or a length is not a positive integer, or ``frame_length`` exceeds
        ``n_samples``.

    Examples
    --------
    >>> frame_signals(np.arange(6.0)[None], 4, 2).tolist()
    [[[0.0, 1.0, 2.0, 3.0], [2.0, 3.0, 4.0, 5.0]]]
    """
    where = "frame_signals"
    if np.ndim(S) == 1:
        raise ValueError(
            f"{where}: S must be 2-D, (n_signals, n_samples), got a 1-D array of shape "
            f"{np.shape(S)}; for a single signal use S[None], of shape (1, n_samples)"
        )
    S = as_float_array(S, where, "S", ndim=2)
    frame_length = check_positive_int(frame_length, "frame_length", where)
    hop = check_positive_int(hop, "hop", where)
    if frame_length > S.shape[1]:
        raise ValueError(
            f"{where}: frame_length {frame_length} exceeds the {S.shape[1]} samples "
            "of each signal"
        )
    windows = np.lib.stride_tricks.sliding_window_view(S, frame_length, axis=1)
    return windows[:, ::hop].copy()


def log_band_power(
    S: np.ndarray, n_bands: int = 16, *, eps: float = 1e-10
) -> np.ndarray:
    """Log power spectrum in ``n_bands`` equal bands: the book's sound features.

    Each signal (the last axis) is multiplied by the symmetric Hann window
    ``np.hanning(N)``, ``w_t = 1/2 - cos(2 pi t / (N - 1)) / 2``, transformed with the
    real FFT, and its power ``abs(S_m)**2`` is averaged over ``n_bands`` bands of
    equal width between 0 and half the sampling rate (the Nyquist bin is left out);
    the features are the logarithms of the band averages (plus ``eps``, which keeps
    the logarithm finite for silent bands).

    Parameters
    ----------
    S : ndarray of shape (..., N)
        Signals along the last axis: (n_signals, N), or frames (n_signals, T, N).
        ``N`` must be even and ``N // 2`` a multiple of ``n_bands``.
    n_bands : int, default=16
        Number of bands; band ``b`` covers frequencies from ``b`` to ``b + 1`` times
        ``sample_rate / (2 * n_bands)``.
    eps : float, default=1e-10
        Added to each band power before the logarithm (> 0, so that a silent band
        gives the finite value ``log(eps)``).

    Returns
    -------
    ndarray of shape (..., n_bands)

    Raises
    ------
    ValueError
        If ``S`` is 0-D or not finite, ``eps`` is not > 0, or ``N`` does not split
        into ``n_bands`` bands.
    """
    where = "log_band_power"
    S = as_float_array(S, where, "S", copy=False)
    if S.ndim == 0:
        raise ValueError(
            f"{where}: S must hold signals along its last axis, shape (..., N), got a "
            "single number (0-D array)"
        )
    n_bands = check_positive_int(n_bands, "n_bands", where)
    eps = check_positive_float(eps, "eps", where)
    N = S.shape[-1]
    if N % 2 or (N // 2) % n_bands:
        raise ValueError(
            f"{where}: signals of {N} samples do not split into {n_bands} bands "
            f"(expected an even length N with N // 2 a multiple of n_bands)"
        )
    spectrum = np.fft.rfft(S * np.hanning(N), axis=-1)  # S_m, m = 0 .. N/2
    power = np.abs(spectrum[..., :-1]) ** 2  # N/2 bins below Nyquist
    bands = power.reshape(*S.shape[:-1], n_bands, -1).mean(axis=-1)
    return np.log(bands + eps)


def formant_track(
    start: float | np.ndarray,
    end: float | np.ndarray,
    n_samples: int,
    *,
    centre: float = 0.5,
    glide: float = 0.5,
) -> np.ndarray:
    r"""Formant frequencies that hold ``start``, glide to ``end`` and hold it.

    The formants of :func:`synthetic_vowel_glides`. Sample ``n`` sits at the relative
    time :math:`u_n = (n + \tfrac12)/N`, the middle of its sampling interval, so that
    the times are symmetric about 1/2 (:math:`u_{N-1-n} = 1 - u_n`), and

    .. math:: F(u) = F^{\text{start}}\,\big(F^{\text{end}} /
              F^{\text{start}}\big)^{g(u)},

    .. math:: g(u) = \tfrac12 - \tfrac12\cos\Big(\pi\,
              \operatorname{clip}\big(\tfrac{u - c}{w} + \tfrac12,\, 0,\, 1\big)\Big)

    with centre :math:`c` and glide length :math:`w`: :math:`g` rises smoothly from
    0 to 1 over :math:`c - w/2 \le u \le c + w/2`, and :math:`F` moves geometrically,
    through :math:`\sqrt{F^{\text{start}} F^{\text{end}}}` at :math:`u = c`. Read
    backwards, a track is the track from ``end`` to ``start`` with centre ``1 - c``,
    since :math:`g_c(1 - u) = 1 - g_{1-c}(u)`.

    Parameters
    ----------
    start, end : float or array-like of shape (k,)
        Formant frequencies in Hz (> 0) at the start and at the end, e.g. (F1, F2).
    n_samples : int
        Number of samples :math:`N`.
    centre : float, default=0.5
        Centre :math:`c` of the glide, relative to the duration, in [0, 1].
    glide : float, default=0.5
        Relative duration :math:`w` of the glide, in (0, 1].

    Returns
    -------
    ndarray of shape (k, n_samples), or (n_samples,) for numbers ``start`` and ``end``

    Raises
    ------
    TypeError, ValueError
        On frequencies that are not finite and > 0, ``start`` and ``end`` of different
        shapes, a bad ``n_samples``, or ``centre`` or ``glide`` out of range.

    Examples
    --------
    >>> F = formant_track(400.0, 1600.0, 5, centre=0.5, glide=0.4)
    >>> [round(v, 6) for v in F.tolist()]
    [400.0, 400.0, 800.0, 1600.0, 1600.0]
    """
    where = "formant_track"
    start = _as_frequencies(start, "start", where, positive=True)
    end = _as_frequencies(end, "end", where, positive=True)
    if start.shape != end.shape or start.ndim > 1:
        raise ValueError(
            f"{where}: start and end must be numbers or 1-D arrays of the same shape, "
            f"got shapes {start.shape} and {end.shape}"
        )
    n_samples = check_positive_int(n_samples, "n_samples", where)
    centre = check_positive_float(centre, "centre", where, allow_zero=True)
    glide = check_positive_float(glide, "glide", where)
    if centre > 1.0 or glide > 1.0:
        raise ValueError(
            f"{where}: expected 0 <= centre <= 1 and 0 < glide <= 1, got "
            f"centre={centre}, glide={glide}"
        )
    u = (np.arange(n_samples) + 0.5) / n_samples
    track = _track(start.reshape(-1), end.reshape(-1), u, centre, glide)
    return track if start.ndim else track[0]


def _track(
    start: np.ndarray, end: np.ndarray, u: np.ndarray, centre: float, glide: float
) -> np.ndarray:
    """:func:`formant_track` without checks: start, end (k,), times u (n,) -> (k, n)."""
    g = 0.5 - 0.5 * np.cos(np.pi * np.clip((u - centre) / glide + 0.5, 0.0, 1.0))
    return start[:, None] * (end / start)[:, None] ** g


#: The default classes of :func:`synthetic_vowel_glides`: every ordered pair of two
#: different vowels of :data:`VOWEL_FORMANTS`, ``"ie", "ia", ..., "uo"`` (20 pairs).
VOWEL_PAIRS: tuple[str, ...] = tuple(
    a + b for a in VOWEL_FORMANTS for b in VOWEL_FORMANTS if a != b
)


def synthetic_vowel_glides(
    n_per_class: int = 50,
    *,
    pairs: tuple[str, ...] | list[str] = VOWEL_PAIRS,
    sample_rate: float = 8000.0,
    n_samples: int = 2048,
    frame_length: int = 512,
    hop: int = 256,
    n_bands: int = 16,
    glide: float = 0.5,
    shift: float = 0.2,
    pitch_range: tuple[float, float] = (80.0, 250.0),
    formant_jitter: float = 0.08,
    bandwidths: tuple[float, float] = (80.0, 120.0),
    noise: float | tuple[float, float] = (0.05, 0.5),
    return_waveforms: bool = False,
    rng: RNG = None,
) -> tuple[np.ndarray, ...]:
    r"""Synthetic sounds that glide from one vowel to another, as framed log spectra.

    This is **synthetic** data, built like :func:`synthetic_vowels` (same source, the
    same two resonances, jitter and noise) except that the formants move during the
    sound: class ``"ai"`` starts as "a" and ends as "i". Sample ``n`` of a sound
    of ``N`` samples, at time :math:`t_n = n / f_s` and relative time
    :math:`u_n = (n + \tfrac12)/N`, is

    .. math:: s_n = \sum_{h \ge 1,\; h f_0 < f_s/2} \frac{1}{h}\,
              |H_1(h f_0; F_1(u_n))|\,|H_2(h f_0; F_2(u_n))|\,
              \cos(2\pi h f_0 t_n + \varphi_h),

    where each formant track :math:`F_k(u)` is :func:`formant_track`: it holds its
    start value, glides smoothly (geometrically) to its end value during a stretch
    of relative length :math:`w` (``glide``) centred at :math:`c`, drawn for each
    sound uniformly from ``0.5 ± shift``, and holds the end value. The pitch
    :math:`f_0` is constant during a sound. The sound is scaled to unit RMS, white
    noise is added, and it is cut into frames (:func:`frame_signals`) whose log band
    powers (:func:`log_band_power`) are the features.

    Played backwards, an "ai" sound is a possible "ia" sound: the pitch is constant;
    a track with centre :math:`c`, read backwards (:math:`u \to 1 - u`), is the
    reverse track with centre :math:`1 - c`, which is as likely; the noise is
    stationary and the phases are uniform. The frames tile the sound symmetrically
    and the Hann window of :func:`log_band_power` is symmetric, so the reversed sound
    has the same frames in reverse order, each with the same log spectrum. Any feature of
    the unordered frames, such as their average, therefore has the same
    distribution for "ai" and for "ia".

    Parameters
    ----------
    n_per_class : int, default=50
        Number of sounds of each pair.
    pairs : sequence of str, default=VOWEL_PAIRS
        The classes: strings of two vowel names of :data:`VOWEL_FORMANTS`, start
        first (``"ai"``), all different. Class ``k`` is ``pairs[k]``. A pair of
        equal vowels such as ``"aa"`` is allowed: a steady vowel, whose formants
        move only from one jittered version of the vowel to another (not at all
        with ``formant_jitter=0``).
    sample_rate : float, default=8000.0
        Samples per second (Hz); every formant of the vowels in ``pairs`` must lie
        below half of it.
    n_samples : int, default=2048
        Length of each sound in samples (2048 at 8 kHz is 256 ms).
    frame_length : int, default=512
        Samples per frame (512 at 8 kHz is 64 ms); even, with ``frame_length // 2``
        a multiple of ``n_bands``.
    hop : int, default=256
        Samples between frame starts; ``n_samples - frame_length`` must be a multiple
        of it, so that the frames cover the whole sound.
    n_bands : int, default=16
        Features per frame (bands of ``sample_rate / (2 * n_bands)`` Hz).
    glide : float, default=0.5
        Relative duration :math:`w` of the transition, in (0, 1].
    shift : float, default=0.2
        The centre of the transition is drawn uniformly from ``0.5 ± shift``;
        ``0 <= shift <= (1 - glide) / 2`` keeps the transition inside the sound.
    pitch_range, formant_jitter, bandwidths, noise
        As in :func:`synthetic_vowels`. The start and end formants are jittered
        independently.
    return_waveforms : bool, default=False
        Also return the sounds themselves.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    X : ndarray of shape (len(pairs) * n_per_class, T, n_bands)
        Log band powers of each frame, frames in time order,
        ``T = 1 + (n_samples - frame_length) // hop``.
    y : ndarray of int, shape (len(pairs) * n_per_class,)
        Class labels: ``y == k`` for the sounds of ``pairs[k]``; the first
        ``n_per_class`` rows are class 0, and so on.
    S : ndarray of shape (len(pairs) * n_per_class, n_samples)
        The sounds (only with ``return_waveforms=True``).

    Raises
    ------
    ValueError
        On a bad count, length, rate, pair, frame layout, glide or shift, and on the
        voice arguments that :func:`synthetic_vowels` rejects.
    """
    where = "synthetic_vowel_glides"
    n_per_class = check_positive_int(n_per_class, "n_per_class", where)
    pairs = _check_pairs(pairs, where)
    sample_rate = check_positive_float(sample_rate, "sample_rate", where)
    n_samples = check_positive_int(n_samples, "n_samples", where)
    frame_length = check_positive_int(frame_length, "frame_length", where)
    hop = check_positive_int(hop, "hop", where)
    n_bands = check_positive_int(n_bands, "n_bands", where)
    if frame_length > n_samples or (n_samples - frame_length) % hop:
        raise ValueError(
            f"{where}: the frames must cover the sound exactly: expected frame_length "
            f"<= n_samples and n_samples - frame_length a multiple of hop, got "
            f"n_samples={n_samples}, frame_length={frame_length}, hop={hop}"
        )
    if frame_length % 2 or (frame_length // 2) % n_bands:
        raise ValueError(
            f"{where}: frame_length must be even with frame_length // 2 a multiple "
            f"of n_bands, got frame_length={frame_length}, n_bands={n_bands}"
        )
    glide = check_positive_float(glide, "glide", where)
    shift = check_positive_float(shift, "shift", where, allow_zero=True)
    if glide > 1.0 or shift > (1.0 - glide) / 2:
        raise ValueError(
            f"{where}: expected 0 < glide <= 1 and 0 <= shift <= (1 - glide) / 2 "
            f"(the transition stays inside the sound), got glide={glide}, shift={shift}"
        )
    vowels = "".join(sorted(set("".join(pairs))))  # those in the pairs
    formant_jitter, (lo, hi), (b1, b2), (noise_lo, noise_hi) = _check_voice(
        where, sample_rate, pitch_range, formant_jitter, bandwidths, noise, vowels
    )
    return_waveforms = check_bool(return_waveforms, "return_waveforms", where)
    gen = as_generator(rng, where)

    formants = {name: np.array(f) for name, f in VOWEL_FORMANTS.items()}
    t = np.arange(n_samples) / sample_rate  # (n_samples,)
    u = (np.arange(n_samples) + 0.5) / n_samples  # relative time, symmetric about 1/2
    S = np.empty((len(pairs) * n_per_class, n_samples))
    y = np.repeat(np.arange(len(pairs), dtype=np.intp), n_per_class)
    for i, k in enumerate(y):
        first, second = pairs[k]
        f0 = gen.uniform(lo, hi)
        start = formants[first] * np.exp(gen.normal(0.0, formant_jitter, 2))
        end = formants[second] * np.exp(gen.normal(0.0, formant_jitter, 2))
        centre = 0.5 + gen.uniform(-shift, shift)
        F1, F2 = _track(start, end, u, centre, glide)  # (2, n_samples)
        harmonics = np.arange(1, int(np.ceil(sample_rate / 2 / f0)))
        freqs = (harmonics * f0)[:, None]  # (n_harmonics, 1), all below Nyquist
        amps = formant_gain(freqs, F1, b1) * formant_gain(freqs, F2, b2)
        amps /= harmonics[:, None]  # the source's 1/h slope
        phases = gen.uniform(0.0, 2.0 * np.pi, (len(harmonics), 1))
        s = np.einsum("ht,ht->t", amps, np.cos(2.0 * np.pi * freqs * t + phases))
        s /= np.sqrt(np.mean(s**2))
        S[i] = s + gen.normal(0.0, gen.uniform(noise_lo, noise_hi), n_samples)
    X = log_band_power(frame_signals(S, frame_length, hop), n_bands)
    return (X, y, S) if return_waveforms else (X, y)


def _check_pairs(pairs: object, where: str) -> tuple[str, ...]:
    """The class names of :func:`synthetic_vowel_glides`, checked."""
    if isinstance(pairs, str) or not isinstance(pairs, (tuple, list)) or not pairs:
        raise ValueError(
            f"{where}: pairs must be a non-empty list of two-vowel strings such as "
            f'["ai", "ia"], got {pairs!r}'
        )
    for pair in pairs:
        if not (
            isinstance(pair, str)
            and len(pair) == 2
            and set(pair) <= set(VOWEL_FORMANTS)
        ):
            raise ValueError(
                f"{where}: each pair must be two of the vowels "
                f"{''.join(VOWEL_FORMANTS)!r}, such as 'ai', got {pair!r}"
            )
    if len(set(pairs)) != len(pairs):
        raise ValueError(f"{where}: the pairs must be different, got {list(pairs)!r}")
    return tuple(pairs)
