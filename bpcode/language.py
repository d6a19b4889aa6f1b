"""Character-level language modelling: the book's text split, count models, sampling.

What pages 6.2 and 6.3 share:

- :func:`normalize_text`, :func:`split_text` and :func:`corpus_split`: the book's corpus
  in lower case with single spaces, cut once into contiguous training, validation and
  test parts, and :func:`encode` / :func:`decode` between text and character ids;
- :func:`next_char_sequences`: training sequences for a recurrent or attention model,
  inputs and their next characters, both of shape (n_sequences, T);
- the count models :class:`AdditiveNGram` (add-one smoothing and its relatives) and
  :class:`KneserNey` (interpolated Kneser-Ney smoothing, Chen and Goodman 1999), which
  give a full next-character distribution for any context;
- :func:`window_mlp`, the neural network of Bengio et al. (2003) over a window of
  characters;
- :func:`nats_to_bits`, :func:`target_bits` (the loss of each character, for paired
  comparisons) and :func:`sample`, which draws text from any model that gives a
  next-character distribution.

Every model here predicts character ``c_t`` from the characters before it. Contexts are
integer arrays of shape (n, L), oldest character first; a model of order N uses the
last N - 1 of them (a Kneser-Ney model given fewer uses the orders it can fill).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ._checks import as_generator, check_positive_int
from .activations import Tanh
from .experiments import Spread
from .layers import Dense, Embedding, Sequential

__all__ = [
    "MAX_ORDER",
    "AdditiveNGram",
    "CorpusSplit",
    "KneserNey",
    "corpus_split",
    "decode",
    "encode",
    "nats_to_bits",
    "next_char_sequences",
    "normalize_text",
    "sample",
    "split_text",
    "target_bits",
    "window_mlp",
]

#: The count models accept orders up to this value, so that the codes of the n-grams
#: fit in int64 for the book's alphabet (a larger alphabet may allow less, see ``fit``).
MAX_ORDER = 12


# ---------------------------------------------------------------------- text and ids
def nats_to_bits(nats: float | np.ndarray | Spread) -> float | np.ndarray | Spread:
    """Convert a loss in nats (natural logarithm) to bits (logarithm to base 2).

    Parameters
    ----------
    nats : float, ndarray or Spread
        A mean negative log-likelihood per character, measured with ``ln`` (a
        :class:`~bpcode.experiments.Spread` converts every seed's score).

    Returns
    -------
    float, ndarray or Spread
        ``nats / ln 2``: bits per character.

    Examples
    --------
    >>> round(nats_to_bits(math.log(2.0)), 12)
    1.0
    """
    if isinstance(nats, Spread):
        return nats.map(nats_to_bits)
    if isinstance(nats, np.ndarray):
        if nats.dtype.kind not in "iuf":
            raise TypeError(
                f"nats_to_bits: expected an array of real numbers, got dtype {nats.dtype}"
            )
        return nats / math.log(2.0)
    if isinstance(nats, bool) or not isinstance(nats, numbers.Real):
        raise TypeError(
            f"nats_to_bits: expected a real number or an ndarray, got {type(nats).__name__}"
        )
    return float(nats) / math.log(2.0)


def target_bits(probs: object, targets: object) -> np.ndarray:
    """The loss of every target character in bits: −log₂ of the probability it was given.

    Their mean is the model's loss in bits per character; kept item by item, two models'
    losses can be compared character by character
    (:func:`~bpcode.experiments.paired_interval`).

    Parameters
    ----------
    probs : array-like of shape (n, V)
        Each row a model's next-character distribution for one context.
    targets : array-like of int, shape (n,)
        The character that came next, in [0, V).

    Returns
    -------
    ndarray of shape (n,)
        −log₂ probs[i, targets[i]]; infinite where a target was given probability 0.

    Examples
    --------
    >>> target_bits(np.array([[0.5, 0.5], [0.25, 0.75]]), [0, 0]).tolist()
    [1.0, 2.0]
    """
    where = "target_bits"
    expected = "a 2-D array (n, V) of probabilities"
    try:
        P = np.asarray(probs, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: probs must be {expected}") from None
    if P.ndim != 2 or not np.all(np.isfinite(P)) or np.any(P < 0):
        raise ValueError(
            f"{where}: probs must be {expected}, finite and non-negative, got shape "
            f"{P.shape}"
        )
    y = _as_ids(targets, P.shape[1], where, "targets", ndim=1)
    if len(y) != len(P):
        raise ValueError(
            f"{where}: one target per row of probs, got {len(y)} targets for {len(P)} rows"
        )
    with np.errstate(divide="ignore"):
        return -np.log2(P[np.arange(len(y)), y])


def normalize_text(text: str) -> str:
    """Lower-case ``text`` and replace every run of whitespace by one space.

    Parameters
    ----------
    text : str

    Returns
    -------
    str
        Without leading or trailing whitespace.

    Examples
    --------
    >>> normalize_text("  The OWL  who   GUESSED ")
    'the owl who guessed'
    """
    if not isinstance(text, str):
        raise TypeError(
            f"normalize_text: text must be a str, got {type(text).__name__}"
        )
    return " ".join(text.lower().split())


def split_text(
    text: str, fractions: Sequence[float] = (0.8, 0.1, 0.1)
) -> tuple[str, ...]:
    """Cut ``text`` into contiguous parts, the first ``fractions[0]`` of it first, and so on.

    Contiguous parts, not a random split of windows: neighbouring windows of a text share
    all but one character, so a random split would put near-copies of every held-out
    window into the training part.

    Parameters
    ----------
    text : str
    fractions : sequence of float, default=(0.8, 0.1, 0.1)
        Positive shares that sum to 1. Each cut is at ``round(share so far * len(text))``.

    Returns
    -------
    tuple of str
        One part per fraction; joined, they give ``text`` back.

    Examples
    --------
    >>> split_text("abcdefghij", (0.6, 0.2, 0.2))
    ('abcdef', 'gh', 'ij')
    """
    if not isinstance(text, str):
        raise TypeError(f"split_text: text must be a str, got {type(text).__name__}")
    shares = _fractions(fractions, "split_text")
    if len(shares) < 2 or any(not math.isfinite(f) or f <= 0 for f in shares):
        raise ValueError(
            f"split_text: expected two or more positive fractions, got {list(fractions)}"
        )
    if abs(sum(shares) - 1.0) > 1e-9:
        raise ValueError(
            f"split_text: the fractions must sum to 1, got {list(fractions)} "
            f"(sum {sum(shares):g})"
        )
    cuts = [0, *(round(c * len(text)) for c in np.cumsum(shares)[:-1]), len(text)]
    parts = tuple(text[a:b] for a, b in zip(cuts[:-1], cuts[1:], strict=True))
    if any(not part for part in parts):
        raise ValueError(
            f"split_text: a text of {len(text)} characters is too short for the "
            f"fractions {list(fractions)} (a part would be empty)"
        )
    return parts


@dataclass(frozen=True)
class CorpusSplit:
    """The book's corpus, normalised and cut into three contiguous parts.

    Attributes
    ----------
    train, validation, test : str
        The parts, in the order they appear in the corpus.
    vocab : str
        The alphabet, sorted: character ``vocab[j]`` has id ``j``. Taken from the
        training part; the other parts use no other character.
    """

    train: str
    validation: str
    test: str
    vocab: str

    @property
    def vocab_size(self) -> int:
        """Number of distinct characters V."""
        return len(self.vocab)


def corpus_split(fractions: Sequence[float] = (0.8, 0.1, 0.1)) -> CorpusSplit:
    """The fixed split of the book's corpus that pages 6.2 and 6.3 use.

    :func:`bpcode.datasets.load_corpus` in lower case with single spaces
    (:func:`normalize_text`), cut by :func:`split_text`: the first 80 % for training,
    the next 10 % for validation, the last 10 % for the test.

    Parameters
    ----------
    fractions : sequence of float, default=(0.8, 0.1, 0.1)
        Training, validation and test shares.

    Returns
    -------
    CorpusSplit

    Raises
    ------
    ValueError
        If ``fractions`` does not have three entries, or a held-out part uses a
        character that the training part does not.
    """
    from .datasets import load_corpus

    if len(_fractions(fractions, "corpus_split")) != 3:
        raise ValueError(
            "corpus_split: expected three fractions (training, validation, test), "
            f"got {list(fractions)}"
        )
    train, validation, test = split_text(normalize_text(load_corpus()), fractions)
    vocab = "".join(sorted(set(train)))
    unseen = sorted((set(validation) | set(test)) - set(vocab))
    if unseen:
        raise ValueError(
            f"corpus_split: the held-out parts use characters {unseen!r} that the "
            f"training part of {len(train)} characters never does; use a larger "
            "training share"
        )
    return CorpusSplit(train, validation, test, vocab)


def encode(text: str, vocab: str) -> np.ndarray:
    """Character ids of ``text``: ``vocab.index(ch)`` for every character.

    Parameters
    ----------
    text : str
    vocab : str
        The alphabet, no character twice.

    Returns
    -------
    ndarray of int, shape (len(text),)

    Examples
    --------
    >>> encode("abba", "ab").tolist()
    [0, 1, 1, 0]
    """
    index = _vocab_index(vocab, "encode")
    if not isinstance(text, str):
        raise TypeError(f"encode: text must be a str, got {type(text).__name__}")
    unknown = sorted(set(text) - set(index))
    if unknown:
        raise ValueError(f"encode: text uses characters not in vocab: {unknown!r}")
    return np.fromiter((index[ch] for ch in text), dtype=np.intp, count=len(text))


def decode(ids: object, vocab: str) -> str:
    """The text of a 1-D array of character ids; the inverse of :func:`encode`.

    Parameters
    ----------
    ids : array-like of int, shape (m,)
        Each in [0, len(vocab)); an empty sequence gives "".
    vocab : str

    Returns
    -------
    str
    """
    _vocab_index(vocab, "decode")
    arr = _as_ids(ids, len(vocab), "decode", "ids", ndim=1)
    return "".join(vocab[i] for i in arr)


def next_char_sequences(
    ids: object, length: int, *, stride: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Training sequences for a sequence model: inputs and their next characters.

    Sequence ``i`` starts at position ``i * stride`` of ``ids``: its inputs are the
    ``length`` characters from there, its targets the same positions shifted by one, so
    that ``Y[i, t]`` is the character after ``X[i, t]``.

    Parameters
    ----------
    ids : array-like of int, shape (m,)
        Character ids (non-negative) of a text, m > length.
    length : int
        T, the number of positions per sequence.
    stride : int, optional
        Distance between the starts of consecutive sequences. Default: ``length``
        (sequences that touch but do not overlap).

    Returns
    -------
    X, Y : ndarray of int, shape (n_sequences, length)
        ``n_sequences = (m - 1 - length) // stride + 1``.

    Examples
    --------
    >>> X, Y = next_char_sequences(np.arange(7), 3)
    >>> X.tolist(), Y.tolist()
    ([[0, 1, 2], [3, 4, 5]], [[1, 2, 3], [4, 5, 6]])
    """
    where = "next_char_sequences"
    arr = np.asarray(ids)
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        raise ValueError(
            f"{where}: ids must be a 1-D integer array, got shape {arr.shape} "
            f"and dtype {arr.dtype}"
        )
    if arr.size and arr.min() < 0:
        raise ValueError(f"{where}: ids must be non-negative, got {arr.min()}")
    length = check_positive_int(length, "length", where)
    stride = length if stride is None else check_positive_int(stride, "stride", where)
    if len(arr) <= length:
        raise ValueError(
            f"{where}: {len(arr)} ids give no sequence of length {length} with a "
            f"next character (need at least {length + 1})"
        )
    starts = np.arange(0, len(arr) - length, stride)
    offsets = np.arange(length)
    return arr[starts[:, None] + offsets].copy(), arr[
        starts[:, None] + offsets + 1
    ].copy()


# ---------------------------------------------------------------------- count models
class _CountModel:
    """What the n-gram models share: the order, fitting, contexts and the loss."""

    def __init__(self, order: int) -> None:
        where = type(self).__name__
        self.order = check_positive_int(order, "order", where)
        if self.order > MAX_ORDER:
            raise ValueError(f"{where}: order must be at most {MAX_ORDER}, got {order}")
        self.vocab_size: int | None = None

    def fit(self, ids: object, vocab_size: int) -> _CountModel:
        """Count the n-grams of a training text.

        Parameters
        ----------
        ids : array-like of int, shape (m,)
            Character ids of the training text, each in [0, vocab_size), m >= order.
        vocab_size : int
            V, the size of the alphabet (characters that never occur still get a
            probability).

        Returns
        -------
        self
        """
        V = check_positive_int(vocab_size, "vocab_size", f"{self!r}.fit")
        if V**self.order >= 2**62:  # the codes of the n-grams must fit in int64
            raise ValueError(
                f"{self!r}.fit: with an alphabet of {V} characters the n-gram codes "
                f"would not fit in int64 (V**order must be below 2**62); "
                f"{_order_limit(V)}"
            )
        arr = _as_ids(ids, V, f"{self!r}.fit", "ids", ndim=1)
        if len(arr) < self.order:
            raise ValueError(
                f"{self!r}.fit: a text of {len(arr)} characters has no {self.order}-gram"
            )
        self.vocab_size = V
        self._fit(arr)
        return self

    def predict_proba(self, contexts: object) -> np.ndarray:
        """Next-character distributions, one row per context.

        Parameters
        ----------
        contexts : array-like of int, shape (n, L)
            Character ids, oldest first; the model uses the last ``order - 1``.
            ``AdditiveNGram`` needs L >= order - 1. ``KneserNey`` also accepts
            shorter contexts (L may be 0) and then uses only its orders up to L + 1,
            as if the longer orders had never seen the context.

        Returns
        -------
        ndarray of shape (n, V)
            Each row is positive and sums to 1.
        """
        V = self._check_fitted("predict_proba")
        ctx = _as_ids(contexts, V, f"{self!r}.predict_proba", "contexts", ndim=2)
        return self._predict(ctx)

    def nll(self, contexts: object, targets: object) -> float:
        """Mean negative log-likelihood of the targets, in nats per character.

        Parameters
        ----------
        contexts : array-like of int, shape (n, L)
        targets : array-like of int, shape (n,)
            The character that followed each context.

        Returns
        -------
        float
            ``-mean(ln p(target | context))``.
        """
        V = self._check_fitted("nll")
        y = _as_ids(targets, V, f"{self!r}.nll", "targets", ndim=1)
        P = self.predict_proba(contexts)
        if len(y) != len(P):
            raise ValueError(f"{self!r}.nll: {len(P)} contexts but {len(y)} targets")
        if len(y) == 0:
            raise ValueError(
                f"{self!r}.nll: no targets (the mean of nothing is undefined)"
            )
        return float(-np.mean(np.log(P[np.arange(len(y)), y])))

    def _check_fitted(self, method: str) -> int:
        if self.vocab_size is None:
            raise RuntimeError(f"{self!r}.{method}: call fit(ids, vocab_size) first")
        return self.vocab_size

    def _fit(self, ids: np.ndarray) -> None:
        raise NotImplementedError

    def _predict(self, contexts: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class AdditiveNGram(_CountModel):
    """n-gram model with additive smoothing: p(c | h) = (N(hc) + alpha) / (N(h) + alpha V).

    ``h`` is the context of ``order - 1`` characters, N(hc) the number of times it was
    followed by c in the training text and N(h) = sum over c of N(hc). With
    ``alpha = 1`` this is add-one (Laplace) smoothing; ``order = 1`` is the unigram
    model (h empty, N(h) the length of the text), ``order = 2`` the bigram model. A
    context never seen gets the uniform distribution 1/V; a context shorter than
    ``order - 1`` characters is rejected.

    Parameters
    ----------
    order : int
        N: the model looks at N - 1 previous characters (at most ``MAX_ORDER``).
    alpha : float, default=1.0
        The pseudo-count added to every count, > 0.

    Attributes
    ----------
    vocab_size : int
        V, after ``fit``.

    Examples
    --------
    >>> m = AdditiveNGram(2).fit(np.array([0, 1, 0, 1, 1]), vocab_size=2)
    >>> m.predict_proba(np.array([[0], [1]])).round(3).tolist()
    [[0.25, 0.75], [0.5, 0.5]]
    """

    def __init__(self, order: int, *, alpha: float = 1.0) -> None:
        super().__init__(order)
        if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
            raise TypeError(f"AdditiveNGram: alpha must be a number, got {alpha!r}")
        if not (math.isfinite(alpha) and alpha > 0):
            raise ValueError(f"AdditiveNGram: alpha must be positive, got {alpha!r}")
        self.alpha = float(alpha)

    def _fit(self, ids: np.ndarray) -> None:
        self._table = _CountTable.of_ngrams(ids, self.order, self.vocab_size)

    def _predict(self, contexts: np.ndarray) -> np.ndarray:
        m = self.order - 1
        if contexts.shape[1] < m:
            raise ValueError(
                f"{self!r}.predict_proba: contexts of {contexts.shape[1]} characters, "
                f"the model needs {m}"
            )
        V = self.vocab_size
        counts = self._table.rows(contexts[:, contexts.shape[1] - m :])
        return (counts + self.alpha) / (
            counts.sum(axis=1, keepdims=True) + self.alpha * V
        )

    def __repr__(self) -> str:
        return f"AdditiveNGram(order={self.order}, alpha={self.alpha:g})"


class KneserNey(_CountModel):
    """Interpolated Kneser-Ney smoothing (Kneser and Ney 1995; Chen and Goodman 1999).

    For the highest order N, with h the last N - 1 characters, h' = h without its
    oldest character, N(hc) the count of hc in the training text and N(h) = sum_c N(hc)::

        p_N(c | h) = max(N(hc) - D_N, 0) / N(h)  +  D_N * N1(h) / N(h) * p_{N-1}(c | h')

    where N1(h) is the number of distinct characters seen after h. A lower order m < N
    has the same form, with the count N(h'c) replaced by the **continuation count**
    N+(h'c) = the number of distinct characters that precede h'c in the training text
    (how many contexts c completes, not how often). Order 0 is the uniform
    distribution 1/V. A context that was never seen (N(h) = 0) hands its whole mass to
    the next lower order, and so does a context shorter than ``order - 1`` characters
    (unlike ``AdditiveNGram``, which rejects it): it is scored from the highest order
    its length allows, with that order's continuation counts. Every distribution sums
    to 1, and every character gets a positive probability because every discount is
    positive. The text is not padded, so the m-gram that opens the training text gains
    no continuation count from that occurrence (nothing precedes it). This is
    Kneser-Ney with one discount per order; the "modified" version of Chen and Goodman
    uses three.

    Parameters
    ----------
    order : int
        N, at most ``MAX_ORDER``; N = 1 is an absolutely discounted unigram model mixed
        with the uniform one.
    discount : None, float or sequence of float, default=None
        D_1, ..., D_N, each in (0, 1]. None: the standard estimate of Ney, Essen and
        Kneser (1994), D_m = n1 / (n1 + 2 n2), with n1 and n2 the numbers of m-grams
        whose (continuation) count is 1 and 2. That estimate is 0 when n1 = 0 (a
        character could get probability 0) and 1 when n2 = 0; in both cases, and when
        both are 0, this class uses D_m = 0.5 instead. A float: the same discount at
        every order.

    Attributes
    ----------
    discounts : tuple of float
        D_1, ..., D_N after ``fit``.
    vocab_size : int
        V, after ``fit``.

    Examples
    --------
    >>> m = KneserNey(2).fit(np.array([0, 1, 0, 1, 1]), vocab_size=3)
    >>> p = m.predict_proba(np.array([[0], [2]]))
    >>> p.sum(axis=1).round(12).tolist()
    [1.0, 1.0]
    """

    def __init__(
        self, order: int, *, discount: None | float | Sequence[float] = None
    ) -> None:
        super().__init__(order)
        if discount is None:
            self._given = None
        else:
            if isinstance(discount, np.ndarray) and discount.ndim == 0:
                discount = discount.item()  # a NumPy scalar array counts as a number
            if isinstance(discount, (str, bytes)) or not (
                isinstance(discount, numbers.Real)
                or isinstance(discount, Sequence)
                or isinstance(discount, np.ndarray)
            ):
                raise TypeError(
                    f"KneserNey: discount must be None, a number or a sequence of "
                    f"numbers, got {discount!r}"
                )
            values = (
                [discount] * self.order
                if isinstance(discount, numbers.Real)
                else list(discount)
            )
            if len(values) != self.order or not all(
                isinstance(d, numbers.Real) and not isinstance(d, bool) and 0 < d <= 1
                for d in values
            ):
                raise ValueError(
                    f"KneserNey: discount must be None, a number in (0, 1] or "
                    f"{self.order} such numbers (one per order), got {discount!r}"
                )
            self._given = tuple(float(d) for d in values)
        self.discounts: tuple[float, ...] | None = None

    def _fit(self, ids: np.ndarray) -> None:
        V = self.vocab_size
        tables = [_CountTable.of_ngrams(ids, self.order, V)]  # raw counts, order N
        for m in range(self.order - 1, 0, -1):  # continuation counts, orders N-1 .. 1
            tables.insert(0, _CountTable.of_continuations(ids, m, V))
        self._tables = tables  # tables[m - 1] is order m
        if self._given is None:
            self.discounts = tuple(float(t.standard_discount()) for t in tables)
        else:
            self.discounts = self._given

    def _predict(self, contexts: np.ndarray) -> np.ndarray:
        n, L = contexts.shape
        p = np.full((n, self.vocab_size), 1.0 / self.vocab_size)  # order 0: uniform
        for m, (table, D) in enumerate(zip(self._tables, self.discounts), start=1):
            if m - 1 > L:
                break  # the context is too short for this and higher orders
            counts, found = table.lookup(contexts[:, L - (m - 1) :])
            if not found.any():
                continue  # no context seen at this order: keep the lower one
            total = counts.sum(axis=1, keepdims=True)
            distinct = (counts > 0).sum(axis=1, keepdims=True)
            p[found] = (
                np.maximum(counts - D, 0.0) / total + D * distinct / total * p[found]
            )
        return p

    def __repr__(self) -> str:
        if self._given is None:
            return f"KneserNey(order={self.order})"
        given = self._given
        shown = f"{given[0]:g}" if len(set(given)) == 1 else repr(given)
        return f"KneserNey(order={self.order}, discount={shown})"


class _CountTable:
    """Counts of the n-grams of one order, stored only for the n-grams that occur.

    An n-gram is coded as its ids read as a number in base V; its context (the first
    order - 1 ids) is then ``code // V`` and its last character ``code % V``. ``codes``
    holds the distinct codes in increasing order, so the n-grams of one context are
    neighbours: ``contexts`` lists the distinct contexts and ``starts[i]`` is the
    position in ``codes`` of the first n-gram of context i.
    """

    def __init__(self, codes: np.ndarray, order: int, vocab_size: int) -> None:
        V = vocab_size
        self.order, self.vocab_size = order, V
        self.codes, self.counts = np.unique(codes, return_counts=True)
        self.contexts, self.starts = np.unique(self.codes // V, return_index=True)
        self.starts = np.append(self.starts, len(self.codes))

    @classmethod
    def of_ngrams(cls, ids: np.ndarray, order: int, vocab_size: int) -> _CountTable:
        """How often each n-gram of length ``order`` occurs in ``ids``."""
        return cls(_ngram_codes(ids, order, vocab_size), order, vocab_size)

    @classmethod
    def of_continuations(
        cls, ids: np.ndarray, order: int, vocab_size: int
    ) -> _CountTable:
        """For each n-gram of length ``order``: how many distinct characters precede it."""
        longer = np.unique(
            _ngram_codes(ids, order + 1, vocab_size)
        )  # distinct (m+1)-grams
        return cls(longer % vocab_size**order, order, vocab_size)  # their last m ids

    def standard_discount(self) -> float:
        """D = n1 / (n1 + 2 n2); 0.5 if n1 = 0 or n2 = 0, where it would be 0 or 1."""
        n1 = np.count_nonzero(self.counts == 1)
        n2 = np.count_nonzero(self.counts == 2)
        return n1 / (n1 + 2 * n2) if n1 and n2 else 0.5

    def lookup(self, contexts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Count rows of the contexts that were seen, and which ones were.

        ``contexts`` has shape (n, order - 1); returns (counts of shape (found, V),
        boolean mask of shape (n,)).
        """
        codes = _codes(contexts, self.vocab_size)
        pos = np.minimum(np.searchsorted(self.contexts, codes), len(self.contexts) - 1)
        found = self.contexts[pos] == codes
        first, stop = self.starts[pos[found]], self.starts[pos[found] + 1]
        lengths = stop - first
        row = np.repeat(np.arange(len(first)), lengths)  # which found context
        entry = np.arange(lengths.sum()) - np.repeat(
            np.cumsum(lengths) - lengths, lengths
        )
        entry += np.repeat(first, lengths)  # position in self.codes
        rows = np.zeros((len(first), self.vocab_size))
        rows[row, self.codes[entry] % self.vocab_size] = self.counts[entry]
        return rows, found

    def rows(self, contexts: np.ndarray) -> np.ndarray:
        """Count rows for every context, zeros for a context never seen, shape (n, V)."""
        counts, found = self.lookup(contexts)
        out = np.zeros((len(contexts), self.vocab_size))
        out[found] = counts
        return out


def _codes(windows: np.ndarray, V: int) -> np.ndarray:
    """Each row of ids read as a number in base V (int64), oldest id the most significant."""
    code = np.zeros(len(windows), dtype=np.int64)
    for j in range(windows.shape[1]):
        code = code * V + windows[:, j]
    return code


def _order_limit(V: int) -> str:
    """Which orders an alphabet of V characters allows: V**order must be below 2**62."""
    largest = 0
    while V ** (largest + 1) < 2**62:
        largest += 1
    if largest == 0:
        return f"no order fits an alphabet of {V} characters"
    return f"the largest order for {V} characters is {largest}"


def _ngram_codes(ids: np.ndarray, order: int, V: int) -> np.ndarray:
    """Codes of all n-grams of length ``order`` in ``ids``, in text order.

    ``order`` is at most the model's order, which ``fit`` has checked to fit in int64.
    """
    windows = np.lib.stride_tricks.sliding_window_view(ids, order)
    return _codes(windows, V)


# ---------------------------------------------------------------------- a window network
def window_mlp(
    vocab_size: int,
    context: int,
    *,
    dim: int = 16,
    hidden: int = 64,
    rng: None | int | np.random.Generator = None,
) -> Sequential:
    """A neural language model over a window of characters (after Bengio et al., 2003).

    ``Embedding -> Dense -> Tanh -> Dense``: the vectors of the last ``context``
    characters, side by side, go through one ``tanh`` hidden layer to V logits, one per
    possible next character. (The original model also has direct connections from the
    vectors to the output; this one does not.)

    Parameters
    ----------
    vocab_size : int
        V, the number of characters.
    context : int
        k, the number of previous characters the model sees: it takes ids of shape
        (n, k) and returns logits of shape (n, V).
    dim : int, default=16
        Length of each character's vector.
    hidden : int, default=64
        Number of hidden units.
    rng : None, int or numpy.random.Generator, default=None
        Source of randomness for all initial weights.

    Returns
    -------
    Sequential
        Train it with :class:`~bpcode.losses.SoftmaxCrossEntropy`.
    """
    where = "window_mlp"
    V = check_positive_int(vocab_size, "vocab_size", where)
    k = check_positive_int(context, "context", where)
    dim = check_positive_int(dim, "dim", where)
    hidden = check_positive_int(hidden, "hidden", where)
    gen = as_generator(rng, where)
    return Sequential(
        [
            Embedding(V, dim, rng=gen),  # (n, k) ids -> (n, k * dim): the k vectors
            Dense(k * dim, hidden, rng=gen),
            Tanh(),
            Dense(hidden, V, rng=gen),  # the logits of the next character
        ]
    )


# ---------------------------------------------------------------------- sampling
def sample(
    next_probs: Callable[[np.ndarray], np.ndarray],
    prompt: object,
    n_new: int,
    *,
    rng: None | int | np.random.Generator,
    temperature: float = 1.0,
) -> np.ndarray:
    """Generate characters one at a time from any model's next-character distribution.

    At each step ``p = next_probs(ids)`` is the model's distribution for the character
    after ``ids`` (all characters so far, a 1-D array); it is sharpened or flattened by
    the temperature, p_tau(c) proportional to p(c) ** (1 / tau), which equals
    softmax(z / tau) for a model with logits z, and one character is drawn from it.

    Parameters
    ----------
    next_probs : callable (ndarray of int, shape (t,)) -> ndarray of shape (V,)
        A probability vector: non-negative, summing to 1.
    prompt : array-like of int, shape (m,)
        The ids to start from, m >= 1, each in [0, V).
    n_new : int
        Number of characters to generate.
    rng : None, int or numpy.random.Generator
        Source of randomness (pass a seed for the same text on every run).
    temperature : float, default=1.0
        tau > 0; below 1 favours likely characters.

    Returns
    -------
    ndarray of int, shape (m + n_new,)
        The prompt followed by the generated ids.
    """
    if not callable(next_probs):
        raise TypeError(
            f"sample: next_probs must be callable, got {type(next_probs).__name__}"
        )
    ids = np.asarray(prompt)
    if ids.ndim != 1 or ids.size == 0 or ids.dtype.kind not in "iu":
        raise ValueError(
            f"sample: prompt must be a non-empty 1-D integer array, got shape "
            f"{ids.shape} and dtype {ids.dtype}"
        )
    if ids.min() < 0:
        raise ValueError(
            f"sample: prompt ids must be non-negative (character ids), got {ids.min()}"
        )
    n_new = check_positive_int(n_new, "n_new", "sample")
    if isinstance(temperature, bool) or not isinstance(temperature, numbers.Real):
        raise TypeError(f"sample: temperature must be a number, got {temperature!r}")
    if not (math.isfinite(temperature) and temperature > 0):
        raise ValueError(f"sample: temperature must be positive, got {temperature!r}")
    gen = as_generator(rng, "sample")
    out = list(ids.astype(np.intp))
    V = None
    for step in range(n_new):
        p = _as_distribution(next_probs(np.array(out)), f"sample, step {step}")
        if V is None:  # the first distribution fixes the alphabet
            V = len(p)
            if ids.max() >= V:
                raise ValueError(
                    f"sample: prompt ids must lie in [0, {V}) for a model with {V} "
                    f"characters, got values from {ids.min()} to {ids.max()}"
                )
        elif len(p) != V:
            raise ValueError(
                f"sample, step {step}: next_probs returned {len(p)} probabilities, "
                f"but {V} at step 0"
            )
        if abs(p.sum() - 1.0) > 1e-6:
            raise ValueError(
                f"sample, step {step}: next_probs returned numbers that sum to "
                f"{p.sum():g}, not 1"
            )
        out.append(int(gen.choice(len(p), p=_sharpen(p, temperature))))
    return np.array(out, dtype=np.intp)


def _as_distribution(result: object, where: str) -> np.ndarray:
    """What ``next_probs`` returned, as a float64 vector, or a clear error."""
    expected = "a 1-D array of non-negative finite numbers"
    try:
        p = np.asarray(result)
    except ValueError:  # a ragged nested list
        raise ValueError(f"{where}: next_probs must return {expected}") from None
    if p.dtype.kind not in "biuf":
        raise TypeError(
            f"{where}: next_probs must return numbers ({expected}), got "
            f"{type(result).__name__} of dtype {p.dtype}"
        )
    p = p.astype(np.float64)
    if p.ndim != 1 or not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError(
            f"{where}: next_probs must return {expected}, got shape {p.shape}"
        )
    if p.size == 0:
        raise ValueError(
            f"{where}: next_probs returned an empty vector, expected one probability "
            "per character"
        )
    return p


def _sharpen(p: np.ndarray, temperature: float) -> np.ndarray:
    """p ** (1 / temperature), normalised; computed in logs so that nothing underflows."""
    if temperature == 1.0:
        return p / p.sum()
    with np.errstate(divide="ignore", over="ignore"):
        # log(p / max p) <= 0 before the division: the largest stays 0, so a tiny
        # temperature can only send the others to -inf (probability 0), never to +inf
        logp = (np.log(p) - np.log(p.max())) / temperature
    q = np.exp(logp)
    return q / q.sum()


# ---------------------------------------------------------------------- checks
def _fractions(fractions: object, where: str) -> list[float]:
    """The shares of a split as floats; a clear error for anything but real numbers."""
    if isinstance(fractions, (str, bytes)) or not isinstance(fractions, Sequence):
        raise TypeError(
            f"{where}: fractions must be a sequence of numbers, got {fractions!r}"
        )
    if not all(
        isinstance(f, numbers.Real) and not isinstance(f, bool) for f in fractions
    ):
        raise TypeError(f"{where}: fractions must be numbers, got {list(fractions)}")
    return [float(f) for f in fractions]


def _vocab_index(vocab: object, where: str) -> dict[str, int]:
    if not isinstance(vocab, str) or not vocab:
        raise TypeError(f"{where}: vocab must be a non-empty str, got {vocab!r}")
    if len(set(vocab)) != len(vocab):
        raise ValueError(f"{where}: vocab must not repeat a character, got {vocab!r}")
    return {ch: i for i, ch in enumerate(vocab)}


def _as_ids(ids: object, V: int, where: str, name: str, *, ndim: int) -> np.ndarray:
    """``ids`` as an int64 array of ``ndim`` axes with entries in [0, V), or a clear error.

    An empty array of any dtype counts as ids (NumPy makes ``[]`` float64).
    """
    shape = "a 1-D integer array" if ndim == 1 else "a rectangular (n, L) integer array"
    try:
        arr = np.asarray(ids)
    except ValueError:  # a ragged nested list
        raise ValueError(
            f"{where}: {name} must be {shape}, got rows of different lengths"
        ) from None
    if arr.size and arr.dtype.kind not in "iu":
        raise TypeError(f"{where}: {name} must be integer ids, got dtype {arr.dtype}")
    if arr.ndim != ndim:
        raise ValueError(
            f"{where}: {name} must be {ndim}-D ({shape}), got shape {arr.shape}"
        )
    if arr.size and (arr.min() < 0 or arr.max() >= V):
        raise ValueError(
            f"{where}: {name} must lie in [0, {V}), got values from {arr.min()} "
            f"to {arr.max()}"
        )
    return arr.astype(np.int64, copy=False)
