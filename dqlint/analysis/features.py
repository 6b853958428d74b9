"""Text features for the model-based checks: one TF-IDF factory, so every rule weighs words the
same way (sublinear term frequency, float32 matrices, a vocabulary cap that bounds memory)."""

from __future__ import annotations

from collections import Counter
from typing import Any, Sequence

__all__ = ["tfidf_vectorizer", "tfidf_rows", "min_document_frequency"]


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
