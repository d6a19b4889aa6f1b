"""Fair comparisons of models: one setting chosen on validation data, repeated over seeds.

Chapter 6 compares every model with its baselines the same way:

1. each model's setting (usually its learning rate) is chosen with :func:`choose` on a
   validation split, never on the test set;
2. the chosen setting is re-run with several seeds by :func:`over_seeds`, which returns
   a :class:`Spread` (mean ± standard deviation of the scores);
3. :func:`results_table` prints the spreads of all models side by side.

:func:`checkpoints` trains a network once and hands it back after each number of epochs,
so that the number of epochs can be chosen on validation data like any other setting;
:func:`standard_error` is the sampling error of an accuracy measured on a test set, and
:func:`paired_interval` that of a difference between two models scored on the same items.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ._checks import as_generator, check_bool, check_positive_int
from .layers import Layer
from .losses import Loss
from .optim import Optimizer
from .training import fit


@dataclass(frozen=True)
class Spread:
    """Scores of one model over several seeds.

    Parameters
    ----------
    values : tuple of float
        One finite score per seed, in the order the seeds were run.

    Examples
    --------
    >>> s = Spread((0.90, 0.92, 0.94))
    >>> f"{s:.3f}"
    '0.920 ± 0.020'
    """

    values: tuple[float, ...]

    def __post_init__(self) -> None:
        if isinstance(self.values, (str, bytes)) or not isinstance(
            self.values, Iterable
        ):
            raise TypeError(
                "Spread: values must be a sequence of scores, e.g. Spread((0.9,)), "
                f"got {self.values!r}"
            )
        values = tuple(_as_score(v, "Spread") for v in self.values)
        if not values:
            raise ValueError("Spread: expected at least one score, got none")
        object.__setattr__(self, "values", values)

    @property
    def n(self) -> int:
        """Number of seeds."""
        return len(self.values)

    @property
    def mean(self) -> float:
        """Mean score over the seeds."""
        return float(np.mean(self.values))

    @property
    def std(self) -> float:
        """Sample standard deviation over the seeds (0.0 for a single seed)."""
        return float(np.std(self.values, ddof=1)) if self.n > 1 else 0.0

    @property
    def low(self) -> float:
        """Smallest score."""
        return min(self.values)

    @property
    def high(self) -> float:
        """Largest score."""
        return max(self.values)

    def map(self, f: Callable[[float], float]) -> Spread:
        """The spread of ``f`` applied to every score (e.g. nats converted to bits).

        Parameters
        ----------
        f : callable (float) -> float
            Applied to each score separately, in the order of the seeds.

        Returns
        -------
        Spread
            The scores ``f(v)``, one per seed; the mean and standard deviation are
            recomputed from them (not ``f`` of the old ones).
        """
        return Spread(tuple(f(v) for v in self.values))

    def __format__(self, spec: str) -> str:
        """``mean ± std``, each number formatted with ``spec`` (e.g. ``".3f"``)."""
        spec = _check_spec(spec, "Spread") or ".4g"
        return f"{self.mean:{spec}} ± {self.std:{spec}}"

    def __str__(self) -> str:
        return format(self)


def checkpoints(
    model: Layer,
    loss: Loss,
    optimizer: Optimizer,
    X: np.ndarray,
    y: np.ndarray,
    stops: Iterable[int],
    *,
    batch_size: int,
    rng: int | np.random.Generator | None = None,
) -> Iterator[tuple[int, Layer]]:
    """Train in segments and yield ``(epochs, model)`` after each number of epochs in ``stops``.

    One run serves every candidate number of epochs (early stopping on validation data).
    Each segment is one call of :func:`~bpcode.training.fit`: ``stops[0]`` epochs, then
    ``stops[1] - stops[0]`` more, and so on, all drawing their mini-batch orders from one
    generator made from ``rng``. Score the model when it is yielded; training continues
    in place afterwards.

    The model yielded at ``stops[k]`` is the one that ``checkpoints`` with the stops
    ``stops[:k + 1]`` and the same ``rng`` yields last: later stops do not change it,
    earlier ones do. After the first segment it is not the model that
    ``fit(epochs=stops[k])`` gives, because every call of ``fit`` starts its shuffling
    from the order of the data again. To retrain a chosen model, call ``checkpoints``
    again with the stops up to it.

    Parameters
    ----------
    model, loss, optimizer, X, y
        As for :func:`~bpcode.training.fit`.
    stops : iterable of int
        Increasing positive numbers of epochs, e.g. ``(5, 10, 20, 40)``.
    batch_size : int
        Mini-batch size.
    rng : None, int or numpy.random.Generator
        Randomness of the mini-batch orders, one stream for all the segments.

    Returns
    -------
    iterator of (int, Layer)
        Pairs ``(epochs, model)``: ``model`` is the same object each time, trained for
        ``epochs`` epochs so far. Nothing is trained until the first pair is asked for.

    Raises
    ------
    TypeError, ValueError
        At the call, if ``stops``, ``batch_size`` or ``rng`` is not valid.
    """
    where = "checkpoints"
    stops = _check_stops(stops, where)
    batch_size = check_positive_int(batch_size, "batch_size", where)
    order = as_generator(rng, where)
    return _checkpoints(model, loss, optimizer, X, y, stops, batch_size, order)


def _checkpoints(
    model: Layer,
    loss: Loss,
    optimizer: Optimizer,
    X: np.ndarray,
    y: np.ndarray,
    stops: list[int],
    batch_size: int,
    order: np.random.Generator,
) -> Iterator[tuple[int, Layer]]:
    """The training of :func:`checkpoints`: one call of ``fit`` per segment."""
    done = 0
    for stop in stops:
        fit(
            model,
            loss,
            optimizer,
            X,
            y,
            epochs=stop - done,
            batch_size=batch_size,
            rng=order,
        )
        done = stop
        yield stop, model


def standard_error(accuracy: float, n: int) -> float:
    """Binomial standard error sqrt(p(1 − p)/n) of an accuracy p measured on n test items.

    The sampling error of the test set itself, which a spread over seeds does not show
    (a deterministic model has zero spread over seeds, not zero uncertainty).

    Parameters
    ----------
    accuracy : float
        p, the fraction of the test items classified correctly, in [0, 1].
    n : int
        The number of test items, at least 1.

    Returns
    -------
    float
        sqrt(p(1 − p)/n), in the units of ``accuracy``.
    """
    p = _as_score(accuracy, "standard_error")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"standard_error: accuracy must be in [0, 1], got {p}")
    if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 1:
        raise ValueError(f"standard_error: n must be a positive integer, got {n!r}")
    return math.sqrt(p * (1.0 - p) / n)


def paired_interval(
    a: np.ndarray,
    b: np.ndarray,
    *,
    block: int = 1,
    n_boot: int = 2000,
    rng: int | np.random.Generator | None = 0,
) -> tuple[float, tuple[float, float]]:
    """Mean difference of two models' scores on the same test items, with a 95 % interval.

    The test set's own sampling error, for a comparison: both models are scored on the
    same items, so the difference is taken item by item ("paired") and only its spread
    matters. The interval is a percentile bootstrap: draw the test items again with
    replacement, ``n_boot`` times, and take the 2.5th and 97.5th percentiles of the mean
    difference. Neighbouring items that are not independent (characters of one text) are
    drawn in blocks of ``block`` consecutive items; a trailing part shorter than a block
    is left out of the draws (not of the mean), so with few blocks the interval describes
    the first ``n_items // block · block`` items. The trained models are held fixed: the
    interval does not include the randomness of training, which a :class:`Spread` over
    seeds shows.

    Parameters
    ----------
    a, b : array_like of shape (n_items,)
        One score per test item for each model (e.g. 1.0 for right and 0.0 for wrong, or
        a loss), averaged over seeds where a model was trained with several.
    block : int, default=1
        Consecutive items drawn together, at least 1 and at most ``n_items // 2`` (at
        least two blocks to draw from).
    n_boot : int, default=2000
        Bootstrap draws, at least 1.
    rng : None, int or numpy.random.Generator, default=0
        Randomness of the draws.

    Returns
    -------
    mean : float
        The mean of ``a − b`` over all items.
    interval : tuple of float
        (low, high), the 95 % bootstrap interval of the mean difference.
    """
    a, b = (
        _as_item_scores(v, name, "paired_interval") for v, name in ((a, "a"), (b, "b"))
    )
    if a.shape != b.shape:
        raise ValueError(
            f"paired_interval: a and b must score the same items, got {a.size} and {b.size}"
        )
    block = check_positive_int(block, "block", "paired_interval")
    n_boot = check_positive_int(n_boot, "n_boot", "paired_interval")
    if a.size // block < 2:
        raise ValueError(
            f"paired_interval: block must leave at least two blocks to draw, at most "
            f"{a.size // 2} for {a.size} items, got {block}"
        )
    gen = as_generator(rng, "paired_interval")
    d = a - b
    n_blocks = d.size // block
    block_means = d[: n_blocks * block].reshape(n_blocks, block).mean(axis=1)
    draws = gen.integers(0, n_blocks, size=(n_boot, n_blocks))
    low, high = np.percentile(block_means[draws].mean(axis=1), [2.5, 97.5])
    return float(d.mean()), (float(low), float(high))


def _as_item_scores(values: object, name: str, where: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: {name} must be an array of numbers") from None
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(
            f"{where}: {name} must be a non-empty 1-D array of per-item scores, "
            f"got shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{where}: {name} contains NaN or infinity")
    return arr


def over_seeds(run: Callable[[int], float], seeds: Sequence[int]) -> Spread:
    """Run ``run(seed)`` for every seed and collect the scores.

    Parameters
    ----------
    run : callable (int) -> float
        Trains and evaluates one model from scratch with the given seed and returns
        its score (e.g. test accuracy, or validation loss in bits per character).
    seeds : sequence of int
        Distinct seeds, at least one.

    Returns
    -------
    Spread
    """
    seeds = _check_seeds(seeds)
    if not callable(run):
        raise TypeError(f"over_seeds: run must be callable, got {type(run).__name__}")
    scores = []
    for seed in seeds:
        value = _call(run, seed, f"over_seeds: raised by run({seed}), seed {seed}")
        scores.append(_as_score(value, f"over_seeds (seed {seed})"))
    return Spread(tuple(scores))


def choose(
    score: Callable[[Hashable], float],
    candidates: Sequence[Hashable],
    *,
    larger_is_better: bool,
) -> tuple[Hashable, dict[Hashable, float]]:
    """Pick the candidate setting with the best validation score.

    Parameters
    ----------
    score : callable (setting) -> float
        Trains a model with the setting and returns its score on the **validation**
        split (never the test set).
    candidates : sequence
        The settings to try, e.g. learning rates ``[0.01, 0.03, 0.1]``.
    larger_is_better : bool
        True for accuracies, False for losses.

    Returns
    -------
    best : setting
        The best candidate (the first one on a tie).
    scores : dict
        Every candidate's score, in the order tried.
    """
    larger_is_better = check_bool(larger_is_better, "larger_is_better", "choose")
    if isinstance(candidates, str) or not isinstance(candidates, Sequence):
        raise TypeError(
            f"choose: candidates must be a list or tuple of settings, got {candidates!r}"
        )
    candidates = list(candidates)
    if not candidates:
        raise ValueError("choose: expected at least one candidate, got none")
    for c in candidates:
        if not isinstance(c, Hashable):
            raise TypeError(
                f"choose: each candidate must be hashable (a number, a string or a tuple), "
                f"got {c!r}"
            )
    if len(set(candidates)) != len(candidates):
        raise ValueError(f"choose: the candidates must be distinct, got {candidates!r}")
    scores = {
        c: _as_score(
            _call(score, c, f"choose: raised by score({c!r}), candidate {c!r}"),
            f"choose (candidate {c!r})",
        )
        for c in candidates
    }
    sign = 1.0 if larger_is_better else -1.0
    best = max(candidates, key=lambda c: sign * scores[c])
    return best, scores


def results_table(
    rows: Mapping[str, Mapping[str, object]], *, spec: str = ".3f"
) -> str:
    """Format results as an aligned plain-text table, one row per model.

    Parameters
    ----------
    rows : mapping of str to mapping of str to object
        ``{model name: {column name: value}}``; every row must have the same columns.
        Names are shown with ``str``. A :class:`Spread` or a float is formatted with
        ``spec``; anything else with ``str``.
    spec : str, default=".3f"
        Format of the numbers: a float format such as ``".3f"`` or ``".2%"``.

    Returns
    -------
    str
        The table; ``print`` it.

    Raises
    ------
    TypeError
        If ``rows`` is not a mapping of mappings, or ``spec`` not a float format.
    ValueError
        If there is no row, or the rows have different columns.
    """
    where = "results_table"
    spec = _check_spec(spec, where)
    if not isinstance(rows, Mapping):
        raise TypeError(
            f"{where}: rows must be a mapping {{model name: {{column: value}}}}, "
            f"got {type(rows).__name__}"
        )
    if not rows:
        raise ValueError(f"{where}: expected at least one row, got none")
    for name, row in rows.items():
        if not isinstance(row, Mapping):
            raise TypeError(
                f"{where}: row {name!r} must be a mapping {{column: value}}, "
                f"got {type(row).__name__}"
            )
    columns = list(next(iter(rows.values())))
    for name, row in rows.items():
        if list(row) != columns:
            raise ValueError(
                f"results_table: row {name!r} has columns {list(row)}, "
                f"expected {columns} (the columns of the first row)"
            )

    def cell(value: object) -> str:
        if isinstance(value, Spread) or (
            isinstance(value, numbers.Real)
            and not isinstance(value, bool | numbers.Integral)
        ):
            return format(value, spec)
        return str(value)

    table = [["model", *map(str, columns)]] + [
        [str(name), *(cell(v) for v in row.values())] for name, row in rows.items()
    ]
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines = [
        "  ".join(
            text.ljust(w) if i == 0 else text.rjust(w)
            for i, (text, w) in enumerate(zip(r, widths, strict=True))
        ).rstrip()
        for r in table
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _check_seeds(seeds: Sequence[int]) -> list[int]:
    if isinstance(seeds, str) or not isinstance(seeds, Sequence | range):
        raise TypeError(
            f"over_seeds: seeds must be a list or range of integers, got {seeds!r}"
        )
    seeds = list(seeds)
    if not seeds:
        raise ValueError("over_seeds: expected at least one seed, got none")
    for s in seeds:
        if not isinstance(s, numbers.Integral) or isinstance(s, bool):
            raise TypeError(f"over_seeds: seeds must be integers, got {s!r}")
        if s < 0:
            raise ValueError(f"over_seeds: seeds must be non-negative, got {s!r}")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"over_seeds: the seeds must be distinct, got {seeds}")
    return [int(s) for s in seeds]


def _check_stops(stops: object, where: str) -> list[int]:
    """``stops`` as a list of increasing positive ints, or a clear error."""
    if isinstance(stops, (str, bytes)) or not isinstance(stops, Iterable):
        raise TypeError(
            f"{where}: stops must be a list of epoch counts, e.g. (5, 10), got {stops!r}"
        )
    stops = list(stops)
    if not stops or any(
        not isinstance(s, numbers.Integral) or isinstance(s, bool) or s < 1
        for s in stops
    ):
        raise ValueError(f"{where}: stops must be positive integers, got {stops!r}")
    if any(b <= a for a, b in zip(stops, stops[1:])):
        raise ValueError(f"{where}: stops must increase, got {stops!r}")
    return stops


def _check_spec(spec: object, where: str) -> str:
    """``spec`` if it formats a float (``format(0.5, spec)`` works), else a clear error."""
    message = f"{where}: spec must be a float format such as '.3f', got {spec!r}"
    if not isinstance(spec, str):
        raise TypeError(message)
    try:
        format(0.5, spec)
    except ValueError:
        raise ValueError(message) from None
    return spec


def _call(f: Callable[[object], object], arg: object, note: str) -> object:
    """``f(arg)``; an exception it raises is re-raised with ``note`` added."""
    try:
        return f(arg)
    except Exception as error:
        error.add_note(note)
        raise


def _as_score(value: object, where: str) -> float:
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{where}: a score must be a real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{where}: a score must be finite, got {value}")
    return value
