"""Text similarity engine shared by the duplicate, leakage, label and clean code paths.

Pipeline (per-byte work vectorised with NumPy over chunks of texts, on a two-thread pool):

1. ``normalize_texts`` — Unicode NFKC, case folding, punctuation removal, whitespace collapse.
2. Identical texts collapse to one *unique text* (``exact_groups`` / :class:`SimilarityIndex`),
   so a template answer repeated 10,000 times costs one signature, not 50 million pairs.
3. MinHash by one-permutation hashing: every character k-gram (bytes of the UTF-8 text, read
   as unaligned 64-bit words, so one pass hashes them all) goes to one of 128 bins by its
   hash's top bits; a bin keeps its smallest hash. Empty bins (short texts) are filled from the
   nearest non-empty bin (rotation densification) so short texts still band correctly.
4. LSH banding, 16 bands x 8 rows (a pair becomes a candidate with probability 1/2 at a Jaccard
   similarity of 0.67, 0.95 at 0.80, 0.997 at 0.86):
   texts whose band keys agree in any band become candidates. Huge buckets (shared templates)
   are not expanded into all pairs: their members, sorted by length, are only paired with their
   nearest neighbours (``window``), which keeps the candidate count linear.
5. Every candidate pair is *verified* with rapidfuzz (``process.cpdist``, all cores) after a
   length filter: ``fuzz.ratio`` cannot reach t when len(short)/len(long) < t/(200-t). Only verified pairs are returned, so
   precision is 1.0 by construction; what LSH can cost is recall (measured in benchmarks/).

``ngram_overlaps`` finds word n-gram contamination (13-grams by default, as used to
decontaminate benchmarks) between queries and a corpus, with the overlapping span.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from dqlint.dataset import Dataset
    from dqlint.rule import CheckContext

__all__ = [
    "COMPARED_FIELDS",
    "SCORERS",
    "NgramOverlap",
    "Normalization",
    "SimilarityIndex",
    "build_index",
    "compared_text",
    "compared_texts",
    "connected_groups",
    "cross_matches",
    "dataset_index",
    "exact_groups",
    "near_duplicate_pairs",
    "ngram_overlaps",
    "normalize_texts",
    "normalized_column",
    "pair_similarity",
    "truncate",
    "unique_column",
]

# -- normalisation ------------------------------------------------------------------------

_PUNCTUATION_BYTES = string.punctuation.encode("ascii")
# Every byte str.split() treats as whitespace in ASCII text, mapped to a space.
_ASCII_SEPARATORS = bytes.maketrans(b"\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f", b" " * 9)
# Anything that is neither a word character nor whitespace, plus "_" which \w includes.
_NON_WORD = re.compile(r"[^\w\s]|_")


def normalize_texts(
    texts: Iterable[str],
    *,
    nfkc: bool = True,
    casefold: bool = True,
    whitespace: bool = True,
    punctuation: bool = True,
) -> list[str]:
    """Normalise texts for comparison: NFKC, case folding, punctuation removed, runs of
    whitespace collapsed to one space and stripped. Each step can be switched off.

    ASCII texts (most of them) take a bytes path: bytes.lower/translate/split run in C at
    several times the speed of their str counterparts."""
    out: list[str] = []
    append = out.append
    normalize = unicodedata.normalize
    sub = _NON_WORD.sub
    delete = _PUNCTUATION_BYTES if punctuation else b""
    for s in texts:
        if not s:
            append("")
            continue
        if s.isascii():
            b = s.encode("ascii")
            if casefold:
                b = b.lower()
            if punctuation or whitespace:
                b = b.translate(_ASCII_SEPARATORS if whitespace else None, delete)
            if whitespace:
                # Every whitespace byte is a space now: collapse runs (C-speed replace).
                while b"  " in b:
                    b = b.replace(b"  ", b" ")
                b = b.strip(b" ")
            append(b.decode("ascii"))
            continue
        if nfkc:
            s = normalize("NFKC", s)
        if casefold:
            # casefold handles non-ASCII: ß -> ss, final sigma, ...
            s = s.casefold()
        if punctuation:
            s = sub("", s)
        if whitespace:
            s = " ".join(s.split())
        append(s)
    return out


# -- exact groups and union-find ------------------------------------------------------------


def _unique_ids(keys: Sequence[str]) -> tuple[list[int], list[int]]:
    """Map each key to a unique id numbered in first-occurrence order.

    Returns (id per key, first row per id)."""
    first: dict[str, int] = {}
    ids = [first.setdefault(k, len(first)) for k in keys]
    reps = [0] * len(first)
    seen = [False] * len(first)
    for row, uid in enumerate(ids):
        if not seen[uid]:
            seen[uid] = True
            reps[uid] = row
    return ids, reps


def exact_groups(keys: Sequence[str]) -> list[list[int]]:
    """Groups of indexes whose keys are equal (size >= 2, empty keys ignored), each group in
    index order, groups ordered by their first index."""
    groups: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        if k:
            groups.setdefault(k, []).append(i)
    return [g for g in groups.values() if len(g) > 1]


def connected_groups(n: int, pairs: Iterable[tuple[int, int] | tuple[int, int, float]]) -> list[list[int]]:
    """Connected components (size >= 2) of the graph on ``n`` nodes with the given edges,
    each sorted, ordered by their smallest member (union-find with path halving)."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for pair in pairs:
        a, b = find(int(pair[0])), find(int(pair[1]))
        if a != b:
            if a < b:
                parent[b] = a
            else:
                parent[a] = b
    members: dict[int, list[int]] = {}
    for i in range(n):
        if parent[i] != i:
            members.setdefault(find(i), []).append(i)
    return [[root, *rest] for root, rest in sorted(members.items())]


# -- scoring ----------------------------------------------------------------------------------

# How a candidate pair is scored. "ratio" is rapidfuzz's normalised Indel similarity;
# "ratio+token-sort" also accepts word swaps (token_sort_ratio), without token_set_ratio's
# habit of scoring 100 whenever one text's words are a subset of the other's. The length
# filter applies to every scorer: texts of very different lengths are never near duplicates.
SCORERS = ("ratio", "ratio+token-sort", "ratio+token-set")


def _length_floor(threshold: float) -> float:
    """Smallest len(shorter)/len(longer) at which ratio (and token_sort_ratio) can reach the
    threshold: ratio <= 200*a/(a+b)."""
    t = min(max(threshold, 0.0), 100.0)
    return t / (200.0 - t) if t < 200 else 1.0


def _score_pairs(texts: Sequence[str], a: np.ndarray, b: np.ndarray, threshold: float, scorer: str) -> np.ndarray:
    """Scores (0 where below the threshold) of pairs (a[i], b[i]), on all cores."""
    import numpy as np
    from rapidfuzz import fuzz, process

    if len(a) == 0:
        return np.zeros(0, dtype=np.float32)
    left = [texts[i] for i in a.tolist()]
    right = [texts[i] for i in b.tolist()]
    scores = process.cpdist(left, right, scorer=fuzz.ratio, score_cutoff=threshold, workers=-1)
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
            scores[miss] = extra
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


# -- MinHash signatures -------------------------------------------------------------------------

_U64 = 0xFFFFFFFFFFFFFFFF
_CHUNK = 4096  # texts per vectorised chunk for word n-grams
# Texts per MinHash chunk: ~150 KB of text keeps the per-byte arrays in cache (measured ~2x
# faster than 4096-text chunks).
_SIGNATURE_CHUNK = 256


def _mix64(h: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, in place on a uint64 array (wrapping arithmetic)."""
    import numpy as np

    h ^= h >> np.uint64(30)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(27)
    h *= np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(31)
    return h


def _encode_chunk(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, bytes]:
    """UTF-8 bytes of the texts, concatenated and padded by 8 zero bytes, with lengths."""
    import numpy as np

    enc = [t.encode("utf-8", "surrogatepass") for t in texts]
    lens = np.fromiter(map(len, enc), dtype=np.int64, count=len(enc))
    raw = b"".join(enc) + b"\0" * 8
    return lens, np.cumsum(lens) - lens, raw


def _hash_shingles(h: np.ndarray) -> np.ndarray:
    """Hash packed k-grams in place: multiply, xor-shift, multiply (wrapping uint64)."""
    import numpy as np

    h *= np.uint64(0x9E3779B97F4A7C15)
    h ^= h >> np.uint64(29)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(32)
    return h


def _signature_chunk(texts: Sequence[str], k: int, bins: int) -> np.ndarray:
    """One-permutation MinHash signatures (len(texts) x bins, int64; rows of -1 = no k-gram).

    The k-gram at byte i is read as one unaligned little-endian 64-bit word masked to k bytes
    (k <= 8), so all k-grams of a chunk are formed in one pass without a Python loop; its hash's
    top bits pick the bin, the rest is the value a bin keeps the minimum of."""
    import numpy as np

    n = len(texts)
    lens, starts, raw = _encode_chunk(texts)
    total = int(lens.sum())
    bits = bins.bit_length() - 1
    empty = np.iinfo(np.int64).max
    sig = np.full(n * bins + 1, empty, dtype=np.int64)  # last slot: k-grams that cross texts
    if total >= k:
        positions = total - k + 1
        words = np.ndarray(shape=(positions,), dtype="<u8", buffer=raw, offset=0, strides=(1,))
        h = words & np.uint64((1 << (8 * k)) - 1) if k < 8 else words.copy()
        h = _hash_shingles(h)
        key = (h >> np.uint64(64 - bits)).view(np.int64)
        key += np.repeat(np.arange(0, n * bins, bins, dtype=np.int64), lens)[:positions]
        # The last k-1 positions of each text run into the next one: send them to the spare slot.
        ends = starts + lens
        for j in range(1, k):
            at = ends - j
            at = at[(at >= starts) & (at < positions)]
            key[at] = n * bins
        value = (h & np.uint64((1 << (64 - bits)) - 1)).view(np.int64)
        # int64 values with intp indexes take NumPy's fast ufunc.at path (~2 ns/element).
        np.minimum.at(sig, key, value)
    sig = sig[:-1].reshape(n, bins)
    is_empty = sig == empty
    if is_empty.any():
        _densify(sig, is_empty)
    return sig


def _densify(sig: np.ndarray, is_empty: np.ndarray) -> None:
    """Fill each empty bin from the nearest non-empty bin to its left (circularly), offset by
    the distance, so texts with fewer k-grams than bins still get comparable signatures.
    Rows with no k-gram at all become -1."""
    import numpy as np

    bins = sig.shape[1]
    cols = np.arange(2 * bins, dtype=np.int64)
    filled = np.concatenate([~is_empty, ~is_empty], axis=1)
    last = np.maximum.accumulate(np.where(filled, cols, -1), axis=1)[:, bins:]
    none = last[:, -1] < 0
    src = np.where(last < 0, 0, last) % bins
    distance = (cols[bins:][None, :] - last).astype(np.uint64)
    taken = np.take_along_axis(sig, src, axis=1).astype(np.uint64)
    dense = (taken + distance * np.uint64(0x9E3779B97F4A7C15)) & np.uint64((1 << 62) - 1)
    sig[is_empty] = dense.astype(np.int64)[is_empty]
    sig[none] = -1


def _band_keys(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 64-bit key per (text, band) from the band's rows of the signature."""
    import numpy as np

    rng = np.random.default_rng(0x5EED)
    mult = (rng.integers(0, 1 << 63, size=(bands, rows), dtype=np.uint64) << np.uint64(1)) | np.uint64(1)
    view = sig[:, : bands * rows].astype(np.uint64).reshape(len(sig), bands, rows)
    keys = (view * mult[None, :, :]).sum(axis=2, dtype=np.uint64)
    keys += np.arange(bands, dtype=np.uint64)[None, :] * np.uint64(0x632BE59BD9B4E019)
    return _mix64(keys)


def _all_band_keys(texts: Sequence[str], k: int, bands: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Band keys for all texts (chunks on a two-thread pool: NumPy releases the GIL), and a
    mask of texts that had at least one k-gram."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    bins = 1 << max(bands * rows - 1, 1).bit_length()

    def one(start: int) -> tuple[np.ndarray, np.ndarray]:
        sig = _signature_chunk(texts[start : start + _SIGNATURE_CHUNK], k, bins)
        return _band_keys(sig, bands, rows), sig[:, 0] >= 0

    starts = range(0, len(texts), _SIGNATURE_CHUNK)
    workers = min(os.cpu_count() or 1, 4, max(len(starts), 1))
    if workers > 1:
        with ThreadPoolExecutor(workers) as pool:
            parts = list(pool.map(one, starts))
    else:
        parts = [one(s) for s in starts]
    if not parts:
        return np.zeros((0, bands), np.uint64), np.zeros(0, bool)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


# -- candidates from LSH buckets --------------------------------------------------------------


def _bucket_pairs(keys: np.ndarray, lengths: np.ndarray, max_bucket: int, window: int) -> np.ndarray:
    """Candidate pairs (m x 2, intp) of positions whose keys are equal.

    Buckets up to ``max_bucket`` members give all their pairs; bigger ones (templates every
    row shares) pair each member only with its ``window`` nearest neighbours by length."""
    import numpy as np

    # Sort by key (top 40 bits) then by length: equal buckets become runs ordered by length.
    sortkey = (keys & ~np.uint64((1 << 24) - 1)) | np.minimum(lengths, (1 << 24) - 1).astype(np.uint64)
    order = np.argsort(sortkey)
    bucket = sortkey[order] >> np.uint64(24)
    same = bucket[1:] == bucket[:-1]
    if not same.any():
        return np.zeros((0, 2), np.intp)
    # Keep only positions that belong to a run of two or more.
    in_run = np.zeros(len(bucket), bool)
    in_run[1:] |= same
    in_run[:-1] |= same
    idx = order[in_run]
    b = bucket[in_run]
    starts = np.flatnonzero(np.concatenate([[True], b[1:] != b[:-1]]))
    sizes = np.diff(np.append(starts, len(b)))
    size_of = np.repeat(sizes, sizes)
    limit = np.where(size_of > max_bucket, window, max_bucket - 1)
    out = []
    d = 1
    while True:
        ok = (b[d:] == b[:-d]) & (limit[:-d] >= d) if d < len(b) else np.zeros(0, bool)
        if not ok.any():
            break
        out.append(np.stack([idx[:-d][ok], idx[d:][ok]], axis=1))
        d += 1
    return np.concatenate(out) if out else np.zeros((0, 2), np.intp)


@dataclass
class SimilarityIndex:
    """Verified similarity between texts: identical texts share a unique id; near pairs are
    between unique ids. Build with :func:`build_index`."""

    texts: list[str]  # the compared (normalised) texts, one per row
    unique_of: list[int]  # row -> unique id (identical texts share one); -1 for empty texts
    rep: list[int]  # unique id -> its first row
    pairs: np.ndarray  # (m x 2) unique ids, a < b, verified at the threshold
    scores: np.ndarray  # (m,) similarity of each pair
    threshold: float
    stats: dict = field(default_factory=dict)
    _uids: np.ndarray | None = field(default=None, repr=False)

    def _unique_array(self) -> np.ndarray:
        import numpy as np

        if self._uids is None:
            self._uids = np.asarray(self.unique_of, dtype=np.intp)
        return self._uids

    def members(self) -> list[list[int]]:
        """Rows of each unique id."""
        out: list[list[int]] = [[] for _ in self.rep]
        for row, uid in enumerate(self.unique_of):
            if uid >= 0:
                out[uid].append(row)
        return out

    def rows_of(self, uids: Iterable[int]) -> dict[int, list[int]]:
        """Rows of the given unique ids (vectorised: cheap for a few ids among many rows)."""
        import numpy as np

        wanted = np.fromiter(set(uids), dtype=np.intp)
        uo = self._unique_array()
        rows = np.flatnonzero(np.isin(uo, wanted))
        out: dict[int, list[int]] = {}
        for row, uid in zip(rows.tolist(), uo[rows].tolist()):
            out.setdefault(uid, []).append(row)
        return out

    def neighbours(self) -> dict[int, list[tuple[int, float]]]:
        """Unique id -> [(other unique id, similarity)] over the verified near pairs."""
        out: dict[int, list[tuple[int, float]]] = {}
        for (a, b), s in zip(self.pairs.tolist(), self.scores.tolist()):
            out.setdefault(a, []).append((b, s))
            out.setdefault(b, []).append((a, s))
        return out

    def groups(self, rows: Iterable[int] | None = None) -> list[tuple[list[int], float]]:
        """Groups of similar rows among ``rows`` (default: all), as (sorted rows, similarity):
        identical texts join directly; distinct texts join through verified near pairs whose
        ends both have rows among ``rows``. Similarity is the lowest verified score joining
        the group (100.0 for identical texts only). Ordered by first row. Vectorised
        (connected components in SciPy), so a million rows take well under a second."""
        import numpy as np
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        uo = self._unique_array()
        picked = np.arange(len(uo), dtype=np.intp) if rows is None else np.unique(np.fromiter(rows, dtype=np.intp))
        uids = uo[picked]
        keep = uids >= 0
        picked, uids = picked[keep], uids[keep]
        n_u = len(self.rep)
        if not len(picked) or not n_u:
            return []
        present = np.zeros(n_u, dtype=bool)
        present[uids] = True
        a, b = self.pairs[:, 0], self.pairs[:, 1]
        ok = present[a] & present[b] if len(a) else np.zeros(0, dtype=bool)
        a, b, scores = a[ok], b[ok], self.scores[ok]
        graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n_u, n_u))
        _, component = connected_components(graph, directed=False)
        lowest = np.full(n_u, 100.0)
        np.minimum.at(lowest, component[a], scores.astype(np.float64))
        label = component[uids]
        order = np.argsort(label, kind="stable")  # rows stay in order within a group
        sorted_label = label[order]
        starts = np.flatnonzero(np.concatenate([[True], sorted_label[1:] != sorted_label[:-1]]))
        sizes = np.diff(np.append(starts, len(order)))
        out = [
            (picked[order[s : s + z]].tolist(), round(float(lowest[sorted_label[s]]), 2))
            for s, z in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist())
        ]
        out.sort(key=lambda g: g[0][0])
        return out

    def row_pairs(self) -> list[tuple[int, int, float]]:
        """Row pairs: each copy of an identical text paired with its first row (score 100),
        plus the first rows of every near pair. Connected, they give the full groups
        without n^2 pairs for texts repeated many times."""
        out = [(self.rep[u], row, 100.0) for row, u in enumerate(self.unique_of) if u >= 0 and self.rep[u] != row]
        out += [(self.rep[a], self.rep[b], float(s)) for (a, b), s in zip(self.pairs.tolist(), self.scores.tolist())]
        out.sort()
        return out


def build_index(
    texts: Sequence[str],
    *,
    threshold: float = 90.0,
    near: bool = True,
    scorer: str = "ratio+token-sort",
    shingle: int = 5,
    bands: int = 16,
    rows: int = 8,
    max_bucket: int = 64,
    window: int = 8,
    unique: tuple[list[int], list[int]] | None = None,
) -> SimilarityIndex:
    """Index ``texts`` (already normalised as wanted): identical texts, then near pairs found
    by MinHash LSH over byte ``shingle``-grams and verified with rapidfuzz at ``threshold``.
    ``unique`` passes precomputed unique ids of ``texts`` (see ``unique_column``)."""
    import time

    import numpy as np

    if scorer not in SCORERS:
        raise ValueError(f"unknown scorer {scorer!r} (one of {', '.join(SCORERS)})")
    if not 1 <= shingle <= 8:
        raise ValueError("shingle must be between 1 and 8 bytes")
    started = time.perf_counter()
    texts = list(texts)
    unique_of, rep = unique if unique is not None else _unique_ids(texts)
    # Empty texts compare with nothing.
    empty_uid = unique_of[texts.index("")] if "" in texts else -1
    if empty_uid >= 0:
        unique_of = [-1 if u == empty_uid else (u - (u > empty_uid)) for u in unique_of]
        rep = rep[:empty_uid] + rep[empty_uid + 1 :]
    uniq = [texts[r] for r in rep]
    stats = {"rows": len(texts), "unique": len(uniq), "candidates": 0, "verified": 0}
    pairs = np.zeros((0, 2), np.intp)
    scores = np.zeros(0, np.float32)
    if near and threshold <= 100 and len(uniq) > 1:
        keys, has_shingles = _all_band_keys(uniq, shingle, bands, rows)
        lengths = np.fromiter(map(len, uniq), dtype=np.int64, count=len(uniq))
        ids = np.flatnonzero(has_shingles)
        found = []
        for band in range(keys.shape[1]):
            local = _bucket_pairs(keys[ids, band], lengths[ids], max_bucket, window)
            if len(local):
                found.append(ids[local])
        if found:
            cand = np.concatenate(found)
            cand.sort(axis=1)
            n = np.uint64(len(uniq))
            code = np.unique(cand[:, 0].astype(np.uint64) * n + cand[:, 1].astype(np.uint64))
            a = (code // n).astype(np.intp)
            b = (code % n).astype(np.intp)
            stats["candidates"] = len(a)
            la, lb = lengths[a], lengths[b]
            keep = np.minimum(la, lb) >= _length_floor(threshold) * np.maximum(la, lb) - 1e-9
            a, b = a[keep], b[keep]
            s = _score_pairs(uniq, a, b, threshold, scorer)
            ok = s >= threshold
            pairs = np.stack([a[ok], b[ok]], axis=1)
            scores = s[ok].astype(np.float32)
            stats["verified"] = int(ok.sum())
    stats["seconds"] = round(time.perf_counter() - started, 3)
    return SimilarityIndex(texts, unique_of, rep, pairs, scores, threshold, stats)


def near_duplicate_pairs(
    texts: Sequence[str],
    *,
    threshold: float = 90.0,
    scorer: str = "ratio+token-sort",
    shingle: int = 5,
    bands: int = 16,
    rows: int = 8,
    max_bucket: int = 64,
    window: int = 8,
) -> list[tuple[int, int, float]]:
    """Verified similar pairs (i, j, score), i < j, among ``texts`` (compared as given).

    Identical texts appear as pairs with their first occurrence (score 100); distinct texts as
    each pair verified at ``threshold`` (between first occurrences). ``connected_groups``
    turns them into complete groups."""
    index = build_index(
        texts, threshold=threshold, scorer=scorer, shingle=shingle, bands=bands, rows=rows,
        max_bucket=max_bucket, window=window,
    )
    return index.row_pairs()


def cross_matches(
    queries: Sequence[str],
    corpus: Sequence[str],
    *,
    threshold: float = 90.0,
    scorer: str = "ratio+token-sort",
) -> list[tuple[int, int, float]]:
    """(query index, corpus index, score) for every query that equals or nearly equals a
    corpus text, with every corpus row each query matches (directly, not through a chain)."""
    queries, corpus = list(queries), list(corpus)
    index = build_index(queries + corpus, threshold=threshold, scorer=scorer)
    return index_cross_matches(index, range(len(queries)), range(len(queries), len(queries) + len(corpus)), offset=len(queries))


def index_cross_matches(
    index: SimilarityIndex, query_rows: Iterable[int], corpus_rows: Iterable[int], *, offset: int = 0
) -> list[tuple[int, int, float]]:
    """(query row, corpus row - offset, score) for query rows matching corpus rows in the index."""
    corpus_set = set(corpus_rows)
    query_rows = [q for q in query_rows if index.unique_of[q] >= 0]
    neighbours = index.neighbours()
    wanted = {index.unique_of[q] for q in query_rows}
    members = index.rows_of(wanted | {v for u in wanted for v, _ in neighbours.get(u, ())})
    out: list[tuple[int, int, float]] = []
    for q in query_rows:
        u = index.unique_of[q]
        for row in members.get(u, ()):
            if row in corpus_set:
                out.append((q, row - offset, 100.0))
        for v, s in neighbours.get(u, ()):
            for row in members.get(v, ()):
                if row in corpus_set:
                    out.append((q, row - offset, float(s)))
    out.sort()
    return out


# -- the dataset's texts, shared across rules ----------------------------------------------

COMPARED_FIELDS = ("example", "input", "output")


def compared_texts(dataset: Dataset, what: str) -> list[str]:
    """The text of each row that is compared: the whole example (input and output, without
    the system prompt every row shares), the input alone or the output alone."""
    if what == "input":
        return dataset.input
    if what == "output":
        return dataset.output
    if what != "example":
        raise ValueError(f"unknown text to compare {what!r} (one of {', '.join(COMPARED_FIELDS)})")
    return [i + ("\n" + o if o else "") for i, o in zip(dataset.input, dataset.output)]


@dataclass(frozen=True)
class Normalization:
    """Which normalisation steps run before texts are compared."""

    nfkc: bool = True
    casefold: bool = True
    whitespace: bool = True
    punctuation: bool = True

    def apply(self, texts: Iterable[str]) -> list[str]:
        return normalize_texts(
            texts, nfkc=self.nfkc, casefold=self.casefold, whitespace=self.whitespace, punctuation=self.punctuation
        )


def compared_text(dataset: Dataset, what: str, row: int) -> str:
    """The compared text of one row (for reports; avoids building a whole column)."""
    if what == "input":
        return dataset.input[row]
    if what == "output":
        return dataset.output[row]
    return dataset.example_text(row)


def normalized_column(ctx: CheckContext, what: str, norm: Normalization) -> list[str]:
    """The normalised compared text of every row, computed once per run.

    The normalised example is the normalised input and output joined (by one space, or a
    newline when whitespace is kept), so each character is normalised once per run."""
    if what == "example":

        def join() -> list[str]:
            # Outputs are normalised slice by slice and not kept: memory for one column less.
            inputs = normalized_column(ctx, "input", norm)
            outputs = ctx.dataset.output
            sep = " " if norm.whitespace else "\n"
            joined: list[str] = []
            step = 1 << 16
            for start in range(0, len(inputs), step):
                done = norm.apply(outputs[start : start + step])
                joined += [i + sep + o if i and o else i or o for i, o in zip(inputs[start : start + step], done)]
            return joined

        return ctx.shared(("similarity.normalized", what, norm), join)
    return ctx.shared(("similarity.normalized", what, norm), lambda: norm.apply(compared_texts(ctx.dataset, what)))


def unique_column(ctx: CheckContext, what: str, norm: Normalization) -> tuple[list[int], list[int]]:
    """Unique ids of the normalised compared texts (row -> id, id -> first row), once per run."""
    return ctx.shared(("similarity.unique", what, norm), lambda: _unique_ids(normalized_column(ctx, what, norm)))


def dataset_index(
    ctx: CheckContext,
    what: str,
    norm: Normalization,
    *,
    threshold: float = 90.0,
    near: bool = True,
    scorer: str = "ratio+token-sort",
) -> SimilarityIndex:
    """The similarity index over every row of the run's dataset (all splits), computed once per
    run for each setting, so near-duplicates and train-test-leakage share it."""

    def build() -> SimilarityIndex:
        ctx.progress(f"indexing {len(ctx.dataset):,} {what} texts for similarity")
        return build_index(
            normalized_column(ctx, what, norm),
            threshold=threshold,
            near=near,
            scorer=scorer,
            unique=unique_column(ctx, what, norm),
        )

    return ctx.shared(("similarity.index", what, norm, float(threshold), near, scorer), build)


def truncate(text: str, limit: int = 400) -> str:
    """A text cut to ``limit`` characters for a report, marked when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- word n-gram overlap --------------------------------------------------------------------------


@dataclass(frozen=True)
class NgramOverlap:
    """A query sharing word n-grams with a corpus text: the longest shared span (in the
    query's normalised words), how many of the query's n-grams are shared, and of how many."""

    query: int
    corpus: int
    span: str
    shared: int
    total: int


_BYTE_MASKS = [(1 << (8 * i)) - 1 for i in range(8)] + [_U64]


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
        word = _mix64(word)
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
        hashes.append(_mix64(gram[valid]))
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
) -> list[NgramOverlap]:
    """Queries that share at least one word ``n``-gram with a corpus text, one result per
    (query, corpus text) pair, with the longest shared span.

    N-grams found in more than ``max_corpus_rows`` corpus texts are boilerplate (a template
    every row shares) and are ignored, as are texts with fewer than ``n`` words."""
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
    # Boilerplate: grams present in too many distinct corpus texts.
    gram_doc = np.unique(np.stack([ch, cd.astype(np.uint64)], axis=1), axis=0)
    g_values, g_counts = np.unique(gram_doc[:, 0], return_counts=True)
    common = g_values[g_counts > max_corpus_rows]
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
        breaks = np.flatnonzero(np.diff(pos) != 1) + 1
        runs = np.split(pos, breaks)
        best = max(runs, key=len)
        words = q_norm[q].split(" ")
        span = " ".join(words[int(best[0]) : int(best[-1]) + n])
        # Word hashes are exact up to 16 bytes a word; confirm the span really is shared.
        if span in c_norm[c]:
            out.append(NgramOverlap(q, c, span, len(pos), int(q_total[q])))
    return out
