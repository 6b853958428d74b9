"""Word n-gram overlap between two sets of texts (contamination by shared passages), hashed and
vectorised with NumPy.

A shared 13-gram alone is weak evidence: a reviewer's header, a signature, a licence or a
template sentence is shared by many different texts. So n-grams found in many texts (both
sides counted) are boilerplate and ignored, a leak needs the shared spans to cover a share
of the query's words (``min_coverage``), and a number outside the shared spans (a template
with other slot values) makes another example.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dqlint.analysis.differences import is_number
from dqlint.analysis.minhash import U64, mix64
from dqlint.analysis.normalize import normalize_texts

if TYPE_CHECKING:
    import numpy as np


__all__ = ['NgramOverlap', 'ngram_overlaps']


_CHUNK = 4096  # texts per vectorised chunk for word n-grams


@dataclass(frozen=True)
class NgramOverlap:
    """A query sharing word n-grams with a corpus text: the longest shared span (in the
    query's normalised words), how many of the query's n-grams are shared, and of how many;
    ``covered``, the share of the query's words inside shared n-grams; ``spans``, the shared
    spans, longest first."""

    query: int
    corpus: int
    span: str
    shared: int
    total: int
    covered: float = 1.0
    spans: tuple[str, ...] = ()


_BYTE_MASKS = [(1 << (8 * i)) - 1 for i in range(8)] + [U64]


def _word_gram_hashes(texts: Sequence[str], n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hashes of every word n-gram of each text (normalised: words separated by single
    spaces, no newlines), with the text index and the gram's word position.

    Vectorised: a word's hash mixes its first and last 8 bytes (two unaligned 64-bit loads)
    and its length, so words of up to 16 bytes hash exactly; an n-gram's hash combines its n
    word hashes in n shifted passes. Callers check reported spans against the text."""
    import numpy as np

    hashes, docs, positions = [], [], []
    masks = np.array(_BYTE_MASKS, dtype=np.uint64)
    mult = np.uint64(0x9E3779B97F4A7C15)
    for start in range(0, len(texts), _CHUNK):
        chunk = texts[start : start + _CHUNK]
        keep = np.array([i for i, t in enumerate(chunk) if t], dtype=np.intp)
        if not len(keep):
            continue
        body = "\n".join(chunk[i] for i in keep.tolist()).encode("utf-8", "surrogatepass")
        raw = b"\0" * 8 + body + b"\0" * 8  # padding so every 8-byte load stays inside
        b = np.frombuffer(raw, dtype=np.uint8)[8:-8]
        breaks = np.flatnonzero((b == 32) | (b == 10))
        w_start = np.concatenate([[0], breaks + 1])
        w_end = np.concatenate([breaks, [len(b)]])  # exclusive
        length = w_end - w_start
        short = np.minimum(length, 8)
        loads = np.ndarray(shape=(len(raw) - 7,), dtype="<u8", buffer=raw, offset=0, strides=(1,))
        first = loads[w_start + 8] & masks[short]
        last = loads[w_end] >> (np.uint64(8) * (np.uint64(8) - short.astype(np.uint64)))
        last[short == 0] = 0
        word = first * np.uint64(0xBF58476D1CE4E5B9) + last * mult + length.astype(np.uint64)
        word = mix64(word)
        new_doc = np.concatenate([[True], b[breaks] == 10])
        word_doc = keep[np.cumsum(new_doc) - 1] + start
        index = np.arange(len(word), dtype=np.intp)
        word_pos = index - np.maximum.accumulate(np.where(new_doc, index, 0))
        count = len(word) - n + 1
        if count <= 0:
            continue
        gram = word[:count].copy()
        for t in range(1, n):
            gram *= mult
            gram += word[t : t + count]
        valid = word_doc[:count] == word_doc[n - 1 : n - 1 + count]
        hashes.append(mix64(gram[valid]))
        docs.append(word_doc[:count][valid])
        positions.append(word_pos[:count][valid])
    if not hashes:
        return np.zeros(0, np.uint64), np.zeros(0, np.intp), np.zeros(0, np.intp)
    return np.concatenate(hashes), np.concatenate(docs), np.concatenate(positions)


def ngram_overlaps(
    queries: Sequence[str],
    corpus: Sequence[str],
    n: int = 13,
    *,
    max_corpus_rows: int = 50,
    normalize: bool = True,
    min_coverage: float = 0.0,
) -> list[NgramOverlap]:
    """Queries that share word ``n``-grams with a corpus text covering at least ``min_coverage``
    of the query's words, one result per (query, corpus text) pair, with the shared spans.

    N-grams found in more than ``max_corpus_rows`` texts (corpus and queries together) are
    boilerplate (a reviewer's header, a signature, a licence, a template) and ignored, as are
    texts with fewer than ``n`` words."""
    import numpy as np

    q_norm = normalize_texts(queries) if normalize else list(queries)
    c_norm = normalize_texts(corpus) if normalize else list(corpus)
    qh, qd, qp = _word_gram_hashes(q_norm, n)
    if not len(qh):
        return []
    # A bitmap over the top 24 bits rejects almost every corpus gram with one gather; the
    # corpus is hashed in slices and only matching grams are kept, so memory stays small.
    bitmap = np.zeros(1 << 24, dtype=bool)
    bitmap[qh >> np.uint64(40)] = True
    q_order = np.argsort(qh, kind="stable")
    qh_sorted = qh[q_order]
    kept_h, kept_d, kept_lo, kept_hi = [], [], [], []
    step = 16 * _CHUNK
    for start in range(0, len(c_norm), step):
        ch, cd, _ = _word_gram_hashes(c_norm[start : start + step], n)
        maybe = bitmap[ch >> np.uint64(40)]
        ch, cd = ch[maybe], cd[maybe] + start
        lo = np.searchsorted(qh_sorted, ch, side="left")
        hi = np.searchsorted(qh_sorted, ch, side="right")
        hit = hi > lo
        kept_h.append(ch[hit])
        kept_d.append(cd[hit])
        kept_lo.append(lo[hit])
        kept_hi.append(hi[hit])
    if not kept_h:
        return []
    ch, cd = np.concatenate(kept_h), np.concatenate(kept_d)
    lo, hi = np.concatenate(kept_lo), np.concatenate(kept_hi)
    if not len(ch):
        return []
    # Boilerplate: grams present in too many distinct texts, counting both sides.
    common = _common_grams(ch, cd, qh, qd, max_corpus_rows)
    if len(common):
        ok = ~np.isin(ch, common)
        ch, cd, lo, hi = ch[ok], cd[ok], lo[ok], hi[ok]
        if not len(ch):
            return []
    # Expand each corpus hit to every query occurrence of the gram.
    reps = hi - lo
    c_rows = np.repeat(cd, reps)
    q_idx = q_order[np.repeat(lo, reps) + (np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps))]
    triples = np.unique(np.stack([qd[q_idx], c_rows, qp[q_idx]], axis=1), axis=0)
    q_total = np.bincount(qd, minlength=len(queries))
    out: list[NgramOverlap] = []
    # triples are sorted by (query, corpus, position): walk each (query, corpus) block.
    boundaries = np.flatnonzero(np.any(triples[1:, :2] != triples[:-1, :2], axis=1)) + 1
    for block in np.split(triples, boundaries):
        q, c = int(block[0, 0]), int(block[0, 1])
        pos = block[:, 2]
        words = q_norm[q].split(" ")
        # Words inside shared grams: each gram covers n words, overlapping grams count once.
        inside = np.zeros(len(words) + 1, dtype=np.int32)
        np.add.at(inside, pos, 1)
        np.add.at(inside, np.minimum(pos + n, len(words)), -1)
        inside = np.cumsum(inside[:-1]) > 0
        covered = float(inside.mean()) if len(words) else 0.0
        if covered < min_coverage:
            continue
        # A number outside the shared spans makes another example (a template with other slot values).
        if any(is_number(w) for w in itertools.compress(words, ~inside)):
            continue
        runs = np.split(pos, np.flatnonzero(np.diff(pos) != 1) + 1)
        # Word hashes are exact up to 16 bytes a word; confirm each span really is shared.
        spans = [" ".join(words[int(r[0]) : int(r[-1]) + n]) for r in sorted(runs, key=len, reverse=True)]
        spans = [sp for sp in spans if sp in c_norm[c]]
        if spans:
            out.append(NgramOverlap(q, c, spans[0], len(pos), int(q_total[q]), round(covered, 4), tuple(spans)))
    return out


def _common_grams(ch: np.ndarray, cd: np.ndarray, qh: np.ndarray, qd: np.ndarray, max_rows: int) -> np.ndarray:
    """Hashes of the grams found in more than ``max_rows`` distinct texts: corpus texts (of the
    grams that also occur in a query) plus query texts."""
    import numpy as np

    corpus_pairs = np.unique(np.stack([ch, cd.astype(np.uint64)], axis=1), axis=0)
    # Only the query grams that hit the corpus can be boilerplate worth counting.
    hit = np.isin(qh, corpus_pairs[:, 0])
    query_pairs = np.unique(np.stack([qh[hit], qd[hit].astype(np.uint64)], axis=1), axis=0)
    values, counts = np.unique(np.concatenate([corpus_pairs[:, 0], query_pairs[:, 0]]), return_counts=True)
    return values[counts > max_rows]
