"""Verification of candidate pairs with rapidfuzz scorers: the precise (and slower) half of near-duplicate
search, run only on the candidates an index proposes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from dqlint.analysis.arrays import sorted_unique_inverse

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
        if len(miss) and scorer == "ratio+token-sort":
            scores[miss] = np.maximum(scores[miss], _token_sort_scores(texts, a[miss], b[miss], threshold))
        elif len(miss):
            extra = process.cpdist(
                [left[i] for i in miss.tolist()],
                [right[i] for i in miss.tolist()],
                scorer=second,
                score_cutoff=threshold,
                workers=-1,
            )
            scores[miss] = np.maximum(scores[miss], extra)
    return scores


# Whitespace other than the space: rapidfuzz's token split and str.split() disagree on some
# (U+00A0, U+0085), so texts holding any are scored by rapidfuzz's own token_sort_ratio.
_OTHER_SPACE = re.compile(r"[^\S ]")


def _token_sort_scores(texts: Sequence[str], a: np.ndarray, b: np.ndarray, cutoff: float) -> np.ndarray:
    """``fuzz.token_sort_ratio`` of each pair (0 below ``cutoff``), with each text's words
    sorted once rather than once per pair: a text is in many candidate pairs, and sorting
    is most of the scorer's time. token_sort_ratio is the ratio of the sorted-word strings,
    so the scores are the same."""
    import numpy as np
    from rapidfuzz import fuzz, process

    # Per text of these pairs (not per text of the set: a search for label conflicts scores
    # many small batches), gathered per pair by NumPy (a Python loop over millions of pairs
    # cost more than the scoring): its words sorted and joined, unless rapidfuzz must split it.
    a, b = np.asarray(a, dtype=np.intp), np.asarray(b, dtype=np.intp)
    ids, where = sorted_unique_inverse(np.concatenate([a, b]))
    sorted_words = np.empty(len(ids), dtype=object)
    plain = np.zeros(len(ids), dtype=bool)
    for k, i in enumerate(ids.tolist()):
        if not _OTHER_SPACE.search(texts[i]):
            sorted_words[k], plain[k] = " ".join(sorted(texts[i].split())), True
    ka, kb = where[: len(a)], where[len(a) :]
    out = np.zeros(len(a), dtype=np.float32)
    both_plain = plain[ka] & plain[kb]
    fast = np.flatnonzero(both_plain)
    if len(fast):
        out[fast] = process.cpdist(
            sorted_words[ka[fast]].tolist(), sorted_words[kb[fast]].tolist(), scorer=fuzz.ratio, score_cutoff=cutoff, workers=-1
        )
    if len(fast) < len(a):
        slow = np.flatnonzero(~both_plain).tolist()
        out[slow] = process.cpdist(
            [texts[a[k]] for k in slow], [texts[b[k]] for k in slow], scorer=fuzz.token_sort_ratio, score_cutoff=cutoff, workers=-1,
        )
    return out


def pair_similarity(x: str, y: str, scorer: str = "ratio+token-sort") -> float:
    """The similarity of one pair as the engine scores it (0..100)."""
    from rapidfuzz import fuzz

    score = fuzz.ratio(x, y)
    if scorer == "ratio+token-sort":
        score = max(score, fuzz.token_sort_ratio(x, y))
    elif scorer == "ratio+token-set":
        score = max(score, fuzz.token_set_ratio(x, y))
    return float(score)
