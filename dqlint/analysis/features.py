"""Text features for the model-based checks: one TF-IDF factory, so every rule weighs words the
same way (sublinear term frequency, float32 matrices, a vocabulary cap that bounds memory)."""

from __future__ import annotations

from typing import Any, Sequence

__all__ = ["tfidf_vectorizer", "min_document_frequency"]


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
