"""Text features for the model-based checks: one TF-IDF factory, so every rule weighs words the
same way (sublinear term frequency, float32 matrices, a vocabulary cap that bounds memory)."""

from __future__ import annotations

from collections import Counter
from typing import Any, Sequence

__all__ = ["tfidf_vectorizer", "tfidf_rows", "min_document_frequency", "word_ngram_counts"]


def tfidf_vectorizer(
    *,
    max_features: int,
    min_df: int = 1,
    ngram_range: tuple[int, int] = (1, 1),
    analyzer: str = "word",
    stop_words: str | None = None,
) -> Any:
    """A scikit-learn ``TfidfVectorizer`` with dqlint's shared settings."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        analyzer=analyzer,
        ngram_range=ngram_range,
        min_df=min_df,
        stop_words=stop_words,
        sublinear_tf=True,
        max_features=max_features,
        dtype=np.float32,
    )


def min_document_frequency(texts: Sequence[Any]) -> int:
    """Words seen once are noise in a set of 50 texts or more; below that every word counts."""
    return 2 if len(texts) >= 50 else 1


# Up to this many cells, tfidf_rows returns a dense numpy array: small sets then need neither
# scikit-learn nor scipy, whose imports cost more than a small set's whole check.
_DENSE_CELLS = 4_000_000


def tfidf_rows(token_lists: Sequence[Sequence[str]]) -> Any:
    """TF-IDF of already tokenised texts with the factory's weighting (sublinear tf, smooth
    idf, rows L2-normalised, float32), without scikit-learn: a dense array when it has at
    most 4 M cells, else a scipy CSR matrix; None when no text has a token. For a rule that
    must stay fast on small sets and brings its own tokens (edge-case-ratio)."""
    import numpy as np

    vocab: dict[str, int] = {}
    indptr, indices, counts = [0], [], []
    for tokens in token_lists:
        for token, n in Counter(tokens).items():
            indices.append(vocab.setdefault(token, len(vocab)))
            counts.append(n)
        indptr.append(len(indices))
    if not vocab:
        return None
    n_rows = len(token_lists)
    cols = np.asarray(indices, dtype=np.int64)
    df = np.bincount(cols, minlength=len(vocab))
    idf = np.log((1 + n_rows) / (1 + df)) + 1.0
    data = (1.0 + np.log(np.asarray(counts, dtype=np.float64))) * idf[cols]
    ptr = np.asarray(indptr, dtype=np.int64)
    row_of = np.repeat(np.arange(n_rows), np.diff(ptr))
    norms = np.sqrt(np.bincount(row_of, weights=data * data, minlength=n_rows))
    data = (data / norms[row_of]).astype(np.float32)
    if n_rows * len(vocab) <= _DENSE_CELLS:
        dense = np.zeros((n_rows, len(vocab)), dtype=np.float32)
        dense[row_of, cols] = data
        return dense
    from scipy.sparse import csr_matrix

    return csr_matrix((data, cols, ptr), shape=(n_rows, len(vocab)))


# Above this many characters, word_ngram_counts tokenises in two processes (below, starting
# them costs more than it saves).
_PARALLEL_CHARS = 4_000_000
_WORD = r"\w\w+"  # scikit-learn's default token pattern without its (redundant) \b anchors


def _token_ids(texts: Sequence[str]) -> tuple[list[str], Any, Any]:
    """(vocabulary in order of first appearance, token ids, tokens per text) of lower-cased
    words of two or more word characters."""
    import itertools
    import re

    import numpy as np

    token = re.compile(_WORD)
    tokens = [token.findall(t.lower()) for t in texts]
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    flat = list(itertools.chain.from_iterable(tokens))
    words = list(dict.fromkeys(flat))  # C-speed dedupe that keeps first-appearance order
    ids = np.fromiter(map({w: i for i, w in enumerate(words)}.__getitem__, flat), dtype=np.int32, count=len(flat))
    return words, ids, lengths


def word_ngram_counts(texts: Sequence[str], *, bigrams: bool = True) -> Any:
    """Exact word uni- (and bi-) gram counts of ``texts`` as a float32 CSR matrix: unigram
    columns first (in order of first appearance), then bigram columns (sorted by their word
    ids). The same texts always give the same matrix.

    Why not scikit-learn's vectorisers: they build every bigram as a Python string, which
    costs 2-3 times this tokenise-once approach (bigrams are pairs of word ids in numpy)
    on long documents; no hashing, so no collisions either."""
    import numpy as np
    import scipy.sparse

    size = sum(map(len, texts))
    if size >= _PARALLEL_CHARS and len(texts) >= 2:
        from joblib import Parallel, delayed

        half = len(texts) // 2
        parts = Parallel(n_jobs=2)(delayed(_token_ids)(c) for c in (texts[:half], texts[half:]))
        words = list(dict.fromkeys(parts[0][0] + parts[1][0]))
        where = {w: i for i, w in enumerate(words)}
        ids = np.concatenate([np.fromiter(map(where.__getitem__, ws), dtype=np.int64, count=len(ws))[local]
                              for ws, local, _ in parts])
        lengths = np.concatenate([p[2] for p in parts])
    else:
        words, ids, lengths = _token_ids(texts)
    ids = ids.astype(np.int64)
    doc = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    width = len(words)
    cols, rows = [ids], [doc]
    if bigrams and len(ids) > 1:
        inside = doc[1:] == doc[:-1]  # pairs that do not straddle two texts
        pairs, pair_col = np.unique(ids[:-1][inside] * max(1, width) + ids[1:][inside], return_inverse=True)
        cols.append(width + pair_col.reshape(-1))
        rows.append(doc[1:][inside])
        width += len(pairs)
    col, row = np.concatenate(cols), np.concatenate(rows)
    counts = scipy.sparse.csr_matrix((np.ones(len(col), dtype=np.float32), (row, col)), shape=(len(texts), width))
    counts.sum_duplicates()  # repeated n-grams of one text become one cell with their count
    return counts
