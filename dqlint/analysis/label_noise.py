"""Label-noise suspects from out-of-fold probabilities of three cheap views of each text.

Pure algorithm: texts and labels in, ranked suspects, out-of-fold probabilities and an
estimated noise rate (with an interval) out. No Dataset, no CheckContext.

How it works, and why each choice (measured in ``benchmarks/bench_label_noise.py``):

1. *Three views of every text*, each scored by logistic regression in k-fold cross-validation,
   so every row's probabilities come from a model that never saw its label:
   - words: TF-IDF of exact 1-2-gram counts (``dqlint.analysis.features.word_ngram_counts``)
     of the first 3/4 and the last 1/4 of ``max_word_chars`` characters;
   - characters: TF-IDF of 2-4-grams inside word boundaries (1-3-grams of plain characters
     when the texts are mostly Chinese/Japanese, which have no spaces to bound words), over a
     bounded total of characters. Characters catch spelling variants, emoji, hashtags and
     scripts the word tokenizer splits badly;
   - embeddings: WordLlama's 256-dimensional static token embeddings, mean-pooled (the model
     ships in the ``wordllama`` wheel: nothing is downloaded). They know that "refund" and
     "money back" are close, which no n-gram of a small set can learn. Left out when the
     package is missing.
   The character and embedding views read a bounded total of characters and are dropped when
   that leaves under 100 a text (many or long texts, where they cost more than all the rest
   and the word view has the evidence). The views make different mistakes; their *geometric
   mean* (a product of experts) only stays confident where all agree, which measured better
   than any view alone and than the arithmetic mean. Words and characters with two classes
   are fit by SGD on the log loss (a fixed few epochs), with more by multinomial lbfgs (see
   ``_classifier``); embeddings always by lbfgs.
2. *Which rows*: cleanlab's ``find_label_issues`` on the ensemble probabilities, with its
   default ``filter_by="prune_by_noise_rate"`` (the baseline's own): per class, as many rows
   as the confident joint estimates are mislabelled, those with the largest margin for
   another class. The count follows the estimated noise, not a fixed cut.
3. *Ranking*: self-confidence (the ensemble probability of the given label), lowest first.
4. *Noise rate*: cleanlab's calibrated confident-joint count over all scored rows; the
   interval resamples the confident-joint cells (multinomial bootstrap). It covers sampling
   error only: a weak classifier overstates the noise rate (it cannot tell a hard example from
   a wrong label), which is why suspects are never an estimate of label accuracy.

Large sets stay fast: at most ``max_training_rows`` rows are cross-validated; every other row
is scored by the mean of the fold models (it was never trained on, so it is out-of-sample too).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

__all__ = ["LabelNoise", "NoiseSuspect", "find_label_noise"]

MAX_WORD_CHARS = 3000  # long documents: the opening carries most of the label, the rest costs time
MAX_CHAR_CHARS = 1000
HASH_FEATURES = 2**20
CHAR_BUDGET = 2_000_000  # characters the character view reads over all texts
CJK_CHAR_BUDGET = 6_000_000  # ... when it is the only usable view (Chinese/Japanese)
PARALLEL_CHARS = 4_000_000  # above this many characters, hash in two processes
CJK_SHARE = 0.3  # texts with this share of CJK characters get the plain-character view
BOOTSTRAP = 1000
SGD_EPOCHS = 5  # passes of the two-class solver (see _classifier)
SGD_ALPHA = 6e-5
EMBED_BUDGET = CHAR_BUDGET  # characters the embedding view reads over all texts
EMBED_C = 1.0  # logistic regression's C on the 256 dense embedding dimensions (scikit-learn's default)
VIEWS = ("word", "char", "embedding")


@dataclass(frozen=True)
class NoiseSuspect:
    """A row whose label looks wrong. ``score`` = 1 - the ensemble probability of the given label."""

    index: int
    given: str
    suggested: str
    score: float
    given_probability: float


@dataclass
class LabelNoise:
    suspects: list[NoiseSuspect] = field(default_factory=list)  # most suspicious first
    classes: list[str] = field(default_factory=list)
    scored: Any = None  # indexes of the rows that got probabilities (labels of learnable classes)
    probabilities: Any = None  # out-of-fold probabilities, one row per entry of ``scored``
    noise_rate: float | None = None
    noise_interval: tuple[float, float] | None = None
    method: dict[str, Any] = field(default_factory=dict)
    skipped: str | None = None  # why no model ran


def find_label_noise(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    folds: int = 5,
    seed: int = 0,
    max_training_rows: int = 20_000,
    max_word_chars: int = MAX_WORD_CHARS,
    max_char_chars: int = MAX_CHAR_CHARS,
    views: Sequence[str] = VIEWS,
    filter_by: str = "prune_by_noise_rate",
    regularisation: float = 4.0,
    embed: Callable[[list[str]], Any] | None = None,
    say: Callable[[str], None] = lambda _msg: None,
) -> LabelNoise:
    """Suspect labels among ``texts`` / ``labels`` (one label per text).

    ``views`` is a subset of ``("word", "char", "embedding")`` that holds ``"word"``;
    ``embed`` maps texts to dense vectors for the embedding view (default: WordLlama when it is
    installed, else the view is left out); ``filter_by`` is passed to cleanlab's
    ``find_label_issues``; ``regularisation`` is logistic regression's ``C``. Classes with
    fewer than ``folds`` rows cannot be learned in every fold: their rows sit out (listed in
    ``method["classes_too_rare"]``)."""
    import numpy as np

    counts = Counter(labels)
    learnable = sorted(c for c, k in counts.items() if k >= folds)
    method: dict[str, Any] = {"classifier": "logistic regression per view (tf-idf words and characters: SGD for two "
                                          "classes, lbfgs for more; embeddings: lbfgs), geometric mean",
                              "folds": folds, "filter_by": filter_by}
    if rare := sorted(set(counts) - set(learnable)):
        method["classes_too_rare"] = rare[:20]
    if len(learnable) < 2:
        return LabelNoise(method=method, skipped=f"needs at least two classes with {folds}+ rows each")
    index = {c: k for k, c in enumerate(learnable)}
    scored = np.array([i for i, lab in enumerate(labels) if lab in index], dtype=np.int64)
    y = np.array([index[labels[i]] for i in scored], dtype=np.int64)
    kept = [texts[i] for i in scored]
    train = _training_rows(y, max_training_rows, folds, seed)
    method.update(rows=len(scored), classes=len(learnable), trained_on=len(train))

    matrices = _views(kept, train, views, max_word_chars, max_char_chars, embed, say)
    method["views"] = [name for name, _ in matrices]
    if matrices[0][1].shape[1] == 0:  # every text empty, punctuation or no word seen twice
        return LabelNoise(method=method, skipped="no words to learn from: the texts are empty or hold no word seen twice")
    matrices = [(name, x) for name, x in matrices if x.shape[1] > 0]
    if "char" in method["views"]:
        method["char_ngrams"] = "char 1-3" if _is_cjk_heavy(kept) else "char_wb 2-4"
    probs = []
    for name, x in matrices:
        say(f"label-noise: {folds}-fold logistic regression on the {name} view, {len(train):,} rows")
        c = EMBED_C if name == "embedding" else regularisation
        probs.append(_out_of_fold_probabilities(x, y, train, len(learnable), folds, seed, c, dense=name == "embedding"))
    p = _geometric_mean(probs)

    say("label-noise: confident learning")
    import cleanlab.count
    import cleanlab.filter

    issues = cleanlab.filter.find_label_issues(
        labels=y, pred_probs=p, filter_by=filter_by, return_indices_ranked_by="self_confidence", n_jobs=1
    )
    noise = float(cleanlab.count.num_label_issues(labels=y, pred_probs=p, estimation_method="off_diagonal_calibrated")) / len(y)
    suspects = [_suspect(int(scored[i]), p[i], int(y[i]), learnable) for i in issues.tolist()]
    method["flagged"] = len(suspects)
    return LabelNoise(
        suspects=suspects, classes=learnable, scored=scored, probabilities=p,
        noise_rate=round(noise, 4), noise_interval=_noise_interval(p, y, seed), method=method,
    )


def _suspect(row: int, p: np.ndarray, given: int, classes: list[str]) -> NoiseSuspect:
    import numpy as np

    ranked = np.argsort(-p, kind="stable")
    best = int(ranked[0]) if int(ranked[0]) != given else int(ranked[1])
    return NoiseSuspect(row, classes[given], classes[best], round(1.0 - float(p[given]), 4), round(float(p[given]), 4))


def _training_rows(y: np.ndarray, limit: int, folds: int, seed: int) -> np.ndarray:
    """All rows, or a random ``limit`` of them topped up so every class keeps ``folds`` rows."""
    import numpy as np

    n = len(y)
    if n <= limit:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(n, size=limit, replace=False))
    have = np.bincount(y[chosen], minlength=int(y.max()) + 1)
    extra = []
    for c in np.flatnonzero(have < folds):
        members = np.setdiff1d(np.flatnonzero(y == c), chosen)
        extra.append(rng.choice(members, size=min(len(members), folds - int(have[c])), replace=False))
    if extra:
        chosen = np.sort(np.concatenate([chosen, *extra]))
    return chosen


def _is_cjk_heavy(texts: list[str], sample: int = 500) -> bool:
    """Mostly Chinese/Japanese (no spaces between words): characters themselves are the words."""
    chars = "".join(t[:200] for t in texts[:sample])
    if not chars:
        return False
    cjk = sum(1 for ch in chars if "\u3040" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff")
    return cjk / len(chars) >= CJK_SHARE


def _views(texts: list[str], train: np.ndarray, views: Sequence[str], word_chars: int, char_chars: int,
           embed: Callable[[list[str]], Any] | None, say: Callable[[str], None]) -> list[tuple[str, Any]]:
    """(name, matrix) per view, IDF weights learned from the training rows only."""
    import numpy as np

    from dqlint.analysis.features import word_ngram_counts

    out = []
    say(f"label-noise: word features of {len(texts):,} texts")
    out.append(("word", _tfidf(word_ngram_counts([_head_tail(t, word_chars) for t in texts]), train)))
    budget = CJK_CHAR_BUDGET if _is_cjk_heavy(texts) else CHAR_BUDGET
    cap = _char_cap(texts, char_chars, budget) if "char" in views else 0
    if cap:
        say(f"label-noise: character features of {len(texts):,} texts (first {cap:,} characters)")
        analyzer, ngrams = ("char", (1, 3)) if _is_cjk_heavy(texts) else ("char_wb", (2, 4))
        out.append(("char", _hashed_tfidf([t[:cap] for t in texts], train, analyzer, ngrams)))
    cap = _char_cap(texts, word_chars, EMBED_BUDGET) if "embedding" in views else 0
    embed = (embed or _default_embedder()) if cap else None
    if embed is not None:
        say(f"label-noise: embeddings of {len(texts):,} texts (first {cap:,} characters)")
        out.append(("embedding", np.asarray(embed([t[:cap] for t in texts]), dtype=np.float32)))
    return out


_EMBEDDER: list[Callable[[list[str]], Any] | None] = []  # loaded once per process


def _default_embedder() -> Callable[[list[str]], Any] | None:
    """WordLlama's 256-dimensional static token embeddings (the model ships in its wheel, so
    nothing is downloaded), mean-pooled and L2-normalised; None when the package is missing
    (the rule then runs on the word and character views)."""
    if not _EMBEDDER:
        try:
            import os

            import wordllama
            from wordllama import WordLlama
        except ImportError:
            _EMBEDDER.append(None)
        else:
            model = WordLlama.load(cache_dir=os.path.dirname(wordllama.__file__), disable_download=True)
            _EMBEDDER.append(lambda texts: model.embed(texts, norm=True))
    return _EMBEDDER[0]


def _head_tail(text: str, limit: int) -> str:
    """At most ``limit`` characters: the opening and, for longer texts, the last quarter of the
    budget from the end (reviews and tickets often put the verdict last)."""
    if len(text) <= limit:
        return text
    tail = limit // 4
    return text[: limit - tail] + "\n" + text[-tail:]


def _char_cap(texts: list[str], limit: int, budget: int) -> int:
    """Characters of each text a bounded view (characters, embeddings) reads; 0 = no such view.

    Character n-grams cost ~10x words per character. They are the only usable view of
    Chinese/Japanese (no spaces between words) and help short texts (spelling variants,
    emoji, hashtags); on long or many texts the word view already has the evidence, so the
    view is dropped once it would read less than 100 characters a text. The embedding view
    follows the same rule (a mean of word vectors blurs over a long text, and on 25k long
    documents it cost more than the rest of the model)."""
    cap = min(limit, budget // max(1, len(texts)))
    return cap if cap >= 100 else 0


def _tfidf(counts: Any, train: np.ndarray) -> Any:
    """Sublinear TF-IDF of the n-grams seen in at least two training rows (one below 50 rows):
    the solvers' cost grows with the width of the matrix, and n-grams seen once only add noise."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfTransformer

    seen = np.flatnonzero(counts[train].getnnz(axis=0) >= (2 if len(train) >= 50 else 1))
    counts = counts[:, seen]
    if counts.shape[1] == 0:  # nothing seen twice: the caller skips the view
        return counts
    idf = TfidfTransformer(sublinear_tf=True).fit(counts[train])
    return idf.transform(counts).astype(np.float32)


def _hashed_tfidf(texts: list[str], train: np.ndarray, analyzer: str, ngrams: tuple[int, int]) -> Any:
    """Hashed character n-gram counts (no vocabulary to build; chunks hash in parallel)."""
    import numpy as np
    import scipy.sparse
    from joblib import Parallel, delayed
    from sklearn.feature_extraction.text import HashingVectorizer

    hasher = HashingVectorizer(analyzer=analyzer, ngram_range=ngrams, n_features=HASH_FEATURES,
                               alternate_sign=False, norm=None, dtype=np.float32)
    size = sum(map(len, texts))
    if size < PARALLEL_CHARS:
        counts = hasher.transform(texts)
    else:  # tokenising is pure Python: two processes, one chunk each
        half = len(texts) // 2
        counts = scipy.sparse.vstack(Parallel(n_jobs=2)(delayed(hasher.transform)(c) for c in (texts[:half], texts[half:]))).tocsr()
    return _tfidf(counts, train)


def _out_of_fold_probabilities(x: Any, y: np.ndarray, train: np.ndarray, k: int, folds: int, seed: int, c: float,
                               dense: bool = False) -> np.ndarray:
    """Out-of-fold class probabilities of the training rows; every other row gets the mean of
    the fold models (none was trained on it). Folds run on two threads (the solvers release
    the GIL) with one BLAS thread each: on a busy 2-core machine BLAS threads fighting over the
    cores made lbfgs nine times slower."""
    import os
    import warnings

    import numpy as np
    from joblib import Parallel, delayed
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import StratifiedKFold
    from threadpoolctl import threadpool_limits

    probs = np.zeros((len(y), k), dtype=np.float64)
    rest = np.setdiff1d(np.arange(len(y)), train)
    x_train, y_train = x[train], y[train]
    x_rest = x[rest] if len(rest) else None
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)

    def fold(fit_idx: np.ndarray, held_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
        model = _classifier(k, c, seed, dense)
        model.fit(x_train[fit_idx], y_train[fit_idx])
        held = model.predict_proba(x_train[held_idx])
        return held_idx, model.classes_, held, (model.predict_proba(x_rest) if x_rest is not None else None)

    jobs = min(2, os.cpu_count() or 1, folds)
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore", ConvergenceWarning)  # process-wide: set here, not in threads
        results = Parallel(n_jobs=jobs, prefer="threads")(
            delayed(fold)(fit_idx, held_idx) for fit_idx, held_idx in splitter.split(np.zeros(len(y_train)), y_train)
        )
    for held_idx, cols, held, rest_probs in results:
        # A fold may miss a class entirely; map its columns back to the full class list.
        probs[train[held_idx][:, None], cols[None, :]] = held
        if rest_probs is not None:
            probs[rest[:, None], cols[None, :]] += rest_probs / folds
    probs /= np.clip(probs.sum(axis=1, keepdims=True), 1e-12, None)
    return probs


def _classifier(k: int, c: float, seed: int, dense: bool = False) -> Any:
    """Logistic regression; ``c`` is the inverse regularisation (scikit-learn's ``C``).

    Two classes, sparse views: stochastic gradient descent on the log loss, a fixed
    ``SGD_EPOCHS`` passes (no tolerance: deterministic for a seed), penalty
    ``alpha = SGD_ALPHA * 4 / c`` (the default ``c = 4`` gives the measured best: on 25k long
    binary documents alpha 6e-5 ranked label errors better than 4e-5 and than liblinear run to
    convergence, at a tenth of liblinear's time). More classes, and the dense embedding view:
    multinomial lbfgs, whose probabilities ranked flips better than one-vs-rest SGD on BBC and
    the tickets."""
    from sklearn.linear_model import LogisticRegression, SGDClassifier

    if k == 2 and not dense:
        return SGDClassifier(loss="log_loss", alpha=SGD_ALPHA * 4.0 / c, max_iter=SGD_EPOCHS, tol=None, random_state=seed)
    return LogisticRegression(C=c, solver="lbfgs", max_iter=200, tol=1e-3)


def _geometric_mean(probs: list[np.ndarray]) -> np.ndarray:
    """Product of experts: confident only where every view is."""
    import numpy as np

    logs = np.mean([np.log(np.clip(p, 1e-9, 1.0)) for p in probs], axis=0)
    out = np.exp(logs - logs.max(axis=1, keepdims=True))
    return out / out.sum(axis=1, keepdims=True)


def _noise_interval(p: np.ndarray, y: np.ndarray, seed: int, level: float = 0.95) -> tuple[float, float]:
    """Percentile interval of the calibrated confident-joint noise rate over multinomial
    resamples of its cells (given label x confident class, or no confident class). The
    per-class thresholds stay fixed: they are means over many rows and move little."""
    import numpy as np

    n, k = p.shape
    thresholds = np.array([p[y == j, j].mean() for j in range(k)])
    confident = p >= thresholds - 1e-6
    guess = np.where(confident.sum(axis=1) > 1, p.argmax(axis=1), confident.argmax(axis=1))
    guess = np.where(confident.any(axis=1), guess, k)  # column k: no confident class
    cells = np.bincount(y * (k + 1) + guess, minlength=k * (k + 1)).astype(np.float64)
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n, cells / cells.sum(), size=BOOTSTRAP).reshape(BOOTSTRAP, k, k + 1)
    label_counts = draws.sum(axis=2)
    joint = draws[:, :, :k].astype(np.float64)
    cls = np.arange(k)
    joint[:, cls, cls] = np.maximum(joint[:, cls, cls], 1)  # as cleanlab: every class keeps one confident row
    calibrated = joint / np.clip(joint.sum(axis=2, keepdims=True), 1, None) * label_counts[:, :, None]
    off = calibrated.sum(axis=(1, 2)) - calibrated[:, cls, cls].sum(axis=1)
    low, high = np.quantile(off / n, [(1 - level) / 2, (1 + level) / 2])
    return round(float(low), 4), round(float(high), 4)
