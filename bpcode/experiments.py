"""Fair comparisons of models: one setting chosen on validation data, repeated over seeds.

Chapter 6 compares every model with its baselines the same way:

1. each model's setting (usually its learning rate) is chosen with :func:`choose` on a
   validation split, never on the test set;
2. the chosen setting is re-run with several seeds by :func:`over_seeds`, which returns
   a :class:`Spread` (mean ± standard deviation of the scores);
3. :func:`results_table` prints the spreads of all models side by side.

:func:`checkpoints` trains a network once and hands it back after each number of epochs,
so that the number of epochs can be chosen on validation data like any other setting;
:func:`standard_error` is the sampling error of an accuracy measured on a test set.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ._checks import as_generator
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
        """The spread of ``f`` applied to every score (e.g. nats converted to bits)."""
        return Spread(tuple(f(v) for v in self.values))

    def __format__(self, spec: str) -> str:
        """``mean ± std``, each number formatted with ``spec`` (e.g. ``".3f"``)."""
        spec = spec or ".4g"
        return f"{self.mean:{spec}} ± {self.std:{spec}}"

    def __str__(self) -> str:
        return format(self)


def checkpoints(
    model: Layer,
    loss: Loss,
    optimizer: Optimizer,
    X: np.ndarray,
    y: np.ndarray,
    stops: Sequence[int],
    *,
    batch_size: int,
    rng: int | np.random.Generator | None = None,
) -> Iterator[tuple[int, Layer]]:
    """Train once and yield ``(epochs, model)`` after each number of epochs in ``stops``.

    One run serves every candidate number of epochs (early stopping on validation data):
    the model yielded at ``stops[k]`` has been trained for exactly that many epochs, with
    :func:`~bpcode.training.fit`, continuing the same run and the same random order.
    Score the model when it is yielded; training continues in place afterwards.

    Parameters
    ----------
    model, loss, optimizer, X, y
        As for :func:`~bpcode.training.fit`.
    stops : sequence of int
        Increasing positive numbers of epochs, e.g. ``(5, 10, 20, 40)``.
    batch_size : int
        Mini-batch size.
    rng : None, int or numpy.random.Generator
        Randomness of the mini-batch order, one stream for the whole run.

    Yields
    ------
    epochs : int
    model : Layer
        The same object each time, trained for ``epochs`` epochs so far.
    """
    stops = list(stops)
    if not stops or any(
        not isinstance(s, numbers.Integral) or isinstance(s, bool) or s < 1
        for s in stops
    ):
        raise ValueError(f"checkpoints: stops must be positive integers, got {stops!r}")
    if any(b <= a for a, b in zip(stops, stops[1:])):
        raise ValueError(f"checkpoints: stops must increase, got {stops!r}")
    order = as_generator(rng, "checkpoints")
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
    """
    p = _as_score(accuracy, "standard_error")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"standard_error: accuracy must be in [0, 1], got {p}")
    if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 1:
        raise ValueError(f"standard_error: n must be a positive integer, got {n!r}")
    return math.sqrt(p * (1.0 - p) / n)


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
    return Spread(
        tuple(_as_score(run(seed), f"over_seeds (seed {seed})") for seed in seeds)
    )


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
    if not isinstance(larger_is_better, bool):
        raise TypeError(
            f"choose: larger_is_better must be True or False, got {larger_is_better!r}"
        )
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
    scores = {c: _as_score(score(c), f"choose (candidate {c!r})") for c in candidates}
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
        A :class:`Spread` or a float is formatted with ``spec``; anything else with
        ``str``.
    spec : str, default=".3f"
        Format of the numbers.

    Returns
    -------
    str
        The table; ``print`` it.
    """
    if not rows:
        raise ValueError("results_table: expected at least one row, got none")
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

    table = [["model", *columns]] + [
        [name, *(cell(v) for v in row.values())] for name, row in rows.items()
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
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"over_seeds: the seeds must be distinct, got {seeds}")
    return [int(s) for s in seeds]


def _as_score(value: object, where: str) -> float:
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{where}: a score must be a real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{where}: a score must be finite, got {value}")
    return value
