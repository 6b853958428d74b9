"""Verification of candidate pairs with rapidfuzz scorers: the precise (and slower) half of near-duplicate
search, run only on the candidates an index proposes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


__all__ = ['SCORERS', 'pair_similarity']


# How a candidate pair is scored. "ratio" is rapidfuzz's normalised Indel similarity;
# "ratio+token-sort" also accepts word swaps (token_sort_ratio), without token_set_ratio's
# habit of scoring 100 whenever one text's words are a subset of the other's. The length
# filter applies to every scorer: texts of very different lengths are never near duplicates.
SCORERS = ("ratio", "ratio+token-sort", "ratio+token-set")


def length_floor(threshold: float) -> float:
    """Smallest len(shorter)/len(longer) at which ratio (and token_sort_ratio) can reach the
    threshold: ratio <= 200*a/(a+b)."""
    t = min(max(threshold, 0.0), 100.0)
    return t / (200.0 - t) if t < 200 else 1.0


def score_pairs(
    texts: Sequence[str], a: np.ndarray, b: np.ndarray, threshold: float, scorer: str, cutoff: float | None = None
) -> np.ndarray:
    """Scores of pairs (a[i], b[i]), on all cores: 0 below ``cutoff`` (default: the threshold);
    the second scorer is tried on pairs the ratio leaves below the threshold."""
    import numpy as np
    from rapidfuzz import fuzz, process

    cutoff = threshold if cutoff is None else min(cutoff, threshold)
    if len(a) == 0:
        return np.zeros(0, dtype=np.float32)
    left = [texts[i] for i in a.tolist()]
    right = [texts[i] for i in b.tolist()]
    scores = process.cpdist(left, right, scorer=fuzz.ratio, score_cutoff=cutoff, workers=-1)
    if scorer != "ratio":
        second = fuzz.token_sort_ratio if scorer == "ratio+token-sort" else fuzz.token_set_ratio
        miss = np.flatnonzero(scores < threshold)
        if len(miss):
            extra = process.cpdist(
                [left[i] for i in miss.tolist()],
                [right[i] for i in miss.tolist()],
                scorer=second,
                score_cutoff=threshold,
                workers=-1,
            )
            scores[miss] = np.maximum(scores[miss], extra)
    return scores


def pair_similarity(x: str, y: str, scorer: str = "ratio+token-sort") -> float:
    """The similarity of one pair as the engine scores it (0..100)."""
    from rapidfuzz import fuzz

    score = fuzz.ratio(x, y)
    if scorer == "ratio+token-sort":
        score = max(score, fuzz.token_sort_ratio(x, y))
    elif scorer == "ratio+token-set":
        score = max(score, fuzz.token_set_ratio(x, y))
    return float(score)
