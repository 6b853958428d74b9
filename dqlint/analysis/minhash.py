"""A vectorised MinHash / LSH index: candidate pairs of similar texts in near linear time, each
verified before it is reported. Shared by the duplicate, leakage, label and clean code paths.

Pipeline (per-byte work vectorised with NumPy over chunks of texts, on a two-thread pool):

1. ``normalize_texts`` (:mod:`dqlint.analysis.normalize`) — Unicode NFKC, case folding, punctuation removal, whitespace collapse.
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
5. Every candidate pair is *verified* (:mod:`dqlint.analysis.verify`) with rapidfuzz (``process.cpdist``, all cores) after a
   length filter: ``fuzz.ratio`` cannot reach t when len(short)/len(long) < t/(200-t). Only verified pairs are returned, so
   precision is 1.0 by construction; what LSH can cost is recall (measured in benchmarks/).
6. A close pair must also be the same example by *what differs* (:mod:`dqlint.analysis.differences`):
   another number, a negation, a substituted name in a short text make another example. Pairs
   that fail this, or are a bit less close (``related_threshold``), are kept as ``related``:
   rows of one template, which ``template_families`` joins to describe the set's diversity.
7. ``duplicate_groups`` centres each near group on its kept row (no chaining) and reports
   exact copies as exact groups.

``ngram_overlaps`` (:mod:`dqlint.analysis.ngrams`) finds word n-gram contamination (13-grams by default, as used to
decontaminate benchmarks) between queries and a corpus, with the overlapping span.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dqlint.analysis.arrays import sorted_unique
from dqlint.analysis.differences import same_examples
from dqlint.analysis.groups import unique_ids
from dqlint.analysis.verify import SCORERS, length_floor, score_pairs

if TYPE_CHECKING:
    import numpy as np


__all__ = ['DuplicateGroup', 'Candidates', 'SimilarityIndex', 'build_index', 'find_candidates', 'near_duplicate_pairs', 'cross_matches']


U64 = 0xFFFFFFFFFFFFFFFF


# Texts per MinHash chunk: ~150 KB of text keeps the per-byte arrays in cache (measured ~2x
# faster than 4096-text chunks).
_SIGNATURE_CHUNK = 256


def mix64(h: np.ndarray) -> np.ndarray:
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
    return mix64(keys)


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


def _bucket_pairs(keys: np.ndarray, lengths: np.ndarray, max_bucket: int, window: int) -> np.ndarray:
    """Candidate pairs (m x 2, intp) of positions whose keys are equal.

    Buckets up to ``max_bucket`` members give all their pairs; bigger ones (templates every
    row shares) pair each member only with its ``window`` nearest neighbours by length, so a
    band never gives more than max(max_bucket - 1, 2 * window) partners per position."""
    import numpy as np

    # Sort by key (top 40 bits) then by length: equal buckets become runs ordered by length
    # (stable, so ties keep position order and the pairs do not depend on the sort algorithm).
    sortkey = (keys & ~np.uint64((1 << 24) - 1)) | np.minimum(lengths, (1 << 24) - 1).astype(np.uint64)
    order = np.argsort(sortkey, kind="stable")
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
    del order, bucket, sortkey, same, in_run
    starts = np.flatnonzero(np.concatenate([[True], b[1:] != b[:-1]]))
    sizes = np.diff(np.append(starts, len(b)))
    limit = np.repeat(np.where(sizes > max_bucket, window, max_bucket - 1), sizes)
    out = []
    d = 1
    while d < len(b):
        ok = (b[d:] == b[:-d]) & (limit[:-d] >= d)
        if not ok.any():
            break
        out.append(np.stack([idx[:-d][ok], idx[d:][ok]], axis=1))
        d += 1
    return np.concatenate(out) if out else np.zeros((0, 2), np.intp)


def _merge_codes(codes: np.ndarray, counts: np.ndarray, new: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Add new pair codes to the (sorted, unique) codes with their band counts."""
    import numpy as np

    if not new:
        return codes, counts
    fresh, fresh_counts = np.unique(np.concatenate(new), return_counts=True)
    if not len(codes):
        return fresh, fresh_counts.astype(np.int32)
    both = np.concatenate([codes, fresh])
    weights = np.concatenate([counts, fresh_counts.astype(np.int32)])
    # Two sorted runs: a stable sort (timsort) merges them in linear time, where np.unique's
    # quicksort of the whole took 1.6 s for 8 million codes.
    order = np.argsort(both, kind="stable")
    both, weights = both[order], weights[order]
    starts = np.flatnonzero(np.concatenate([[True], both[1:] != both[:-1]]))
    return both[starts], np.add.reduceat(weights, starts).astype(np.int32)


def _cap_per_row(a: np.ndarray, b: np.ndarray, bands: np.ndarray, lengths: np.ndarray, per_row: int) -> np.ndarray:
    """Mask of the pairs (a[i], b[i]) to keep so that no text brings more than ``per_row``
    candidates. Each text keeps the partners agreeing in the most bands (the closest by the
    MinHash estimate); among equals, half of its places go to the earliest partners (the rows
    a dedup keeps, so a group's centre stays in its members' lists) and half to partners picked
    by a hash of the pair, so rows of one template stay connected rather than all tied to
    the first few rows. A pair stays when either end keeps it."""
    import numpy as np

    m = len(a)
    degree = np.bincount(a, minlength=len(lengths)) + np.bincount(b, minlength=len(lengths))
    if not m or degree.max() <= per_row:
        return np.ones(m, dtype=bool)
    codes = a.astype(np.uint64) * np.uint64(len(lengths)) + b.astype(np.uint64)
    if m > 1 and not bool((codes[1:] >= codes[:-1]).all()):  # candidate_pairs gives them sorted; others may not
        order = np.argsort(codes, kind="stable")
        keep = np.empty(m, dtype=bool)
        keep[order] = _cap_sorted(a[order], b[order], bands[order], degree, per_row)
        return keep
    del codes
    return _cap_sorted(a, b, bands, degree, per_row)


def _cap_sorted(a: np.ndarray, b: np.ndarray, bands: np.ndarray, degree: np.ndarray, per_row: int) -> np.ndarray:
    """``_cap_per_row`` of pairs sorted by (a, b) (``degree``: each text's number of pairs)."""
    import numpy as np

    m = len(a)
    end = np.concatenate([a, b])
    earliest = (per_row + 1) // 2
    hashed = mix64(np.arange(m, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(1))
    by_hash = np.argsort(hashed)
    del hashed
    # With the pairs sorted, an end's partners come in the order of the pairs' positions (the
    # partners below it are the first ends of earlier pairs), so a pair's position stands for
    # its partner in the order; and the hash orders only by its rank (mix64 is a bijection: no
    # two pairs share a hash). Both lead straight back to the pair.
    hash_rank = np.empty(m, dtype=np.uint64)
    hash_rank[by_hash] = np.arange(m, dtype=np.uint64)
    order = _EntryOrder(end, np.concatenate([bands, bands]), max(m - 1, 1).bit_length())
    del end
    keep = np.zeros(m, dtype=bool)
    position = np.arange(m, dtype=np.uint64)
    keep[order.first_per_end(np.concatenate([position, position]), degree, earliest)] = True
    del position
    keep[by_hash[order.first_per_end(np.concatenate([hash_rank, hash_rank]), degree, per_row - earliest)]] = True
    return keep


class _EntryOrder:
    """Candidate entries (each pair once per end) ordered by end, then by most bands, then by
    a tie-break given with each question (which never repeats within an end). The end and the
    bands are packed once into the high bits of 64-bit keys; sorting the keys as values is
    twice as fast as an argsort on tens of millions of candidates, and exact because no key
    repeats. Keys that do not fit in 64 bits are ordered by a lexsort."""

    KEY_BITS = 64

    def __init__(self, end: np.ndarray, bands: np.ndarray, tie_bits: int) -> None:
        import numpy as np

        top = int(bands.max())
        band_bits = max(top.bit_length(), 1)
        self.tie_bits = tie_bits
        self.prefix: np.ndarray | None = None
        self.end, self.bands = end, bands
        if max(int(end.max()).bit_length(), 1) + band_bits + tie_bits <= self.KEY_BITS:
            self.prefix = end.astype(np.uint64) << np.uint64(band_bits + tie_bits)
            self.prefix |= (top - bands).astype(np.uint64) << np.uint64(tie_bits)
            self.end = self.bands = None  # only the keys are needed

    def first_per_end(self, tie: np.ndarray, degree: np.ndarray, places: int) -> np.ndarray:
        """The ties of each end's first ``places`` entries in the order (``degree``: each
        end's number of entries)."""
        import numpy as np

        # Sorted by end, each end's entries are one run; take the first `places` of each.
        taken = np.minimum(degree, places)
        run_start = np.cumsum(degree) - degree
        out_start = np.cumsum(taken) - taken
        at = np.arange(int(taken.sum()), dtype=np.int64) + np.repeat(run_start - out_start, taken)
        if self.prefix is None:
            return tie[np.lexsort((tie, -self.bands.astype(np.int64), self.end))[at]].astype(np.intp)
        key = self.prefix | tie
        key.sort()
        return (key[at] & np.uint64((1 << self.tie_bits) - 1)).astype(np.intp)


def candidate_pairs(
    keys: np.ndarray,
    lengths: np.ndarray,
    *,
    max_bucket: int = 32,
    window: int = 2,
    per_row: int = 16,
    stats: dict | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs (a < b, intp arrays) of texts whose band keys agree in some band
    (``keys``: texts x bands), with bounded work whatever the data looks like: a band gives
    each text at most max(max_bucket - 1, 2 * window) partners (``_bucket_pairs``), and a text
    keeps at most ``per_row`` candidates over all bands (``_cap_per_row``), so the pairs are
    at most ``per_row`` x texts. ``stats`` (if given) receives the counts before and after."""
    import numpy as np

    n = len(keys)
    big = np.uint64(n)
    codes = np.zeros(0, np.uint64)
    counts = np.zeros(0, np.int32)
    pending: list[np.ndarray] = []
    pending_size = 0
    for band in range(keys.shape[1]):
        local = _bucket_pairs(keys[:, band], lengths, max_bucket, window)
        if len(local):
            lo = np.minimum(local[:, 0], local[:, 1]).astype(np.uint64)
            hi = np.maximum(local[:, 0], local[:, 1]).astype(np.uint64)
            pending.append(lo * big + hi)
            pending_size += len(local)
        del local
        # Merge every few million codes: memory stays near the unique candidates.
        if pending_size > max(4 * n, 1 << 20):
            codes, counts = _merge_codes(codes, counts, pending)
            pending, pending_size = [], 0
    codes, counts = _merge_codes(codes, counts, pending)
    a = (codes // big).astype(np.intp)
    b = (codes % big).astype(np.intp)
    del codes
    if stats is not None:
        stats["candidates_found"] = len(a)
    keep = _cap_per_row(a, b, counts, lengths, per_row) if per_row > 0 else np.ones(len(a), dtype=bool)
    if stats is not None:
        stats["candidates_capped"] = int(len(a) - keep.sum())
    return a[keep], b[keep]


@dataclass
class DuplicateGroup:
    """Rows that are duplicates: ``kind`` "exact" (one text after normalisation) or "near";
    ``kept`` the row a dedup keeps; ``similarity`` the lowest similarity of a member to the kept
    row; for near groups, ``partners`` = (first row of each member text, its similarity)."""

    kind: str
    rows: list[int]
    kept: int
    similarity: float
    partners: list[tuple[int, float]] = field(default_factory=list)


def _rows_of(unique_of: np.ndarray, uids: Iterable[int]) -> dict[int, list[int]]:
    """Unique id -> its rows, for the given ids (``unique_of``: the row -> unique id array)."""
    import numpy as np

    wanted = np.fromiter(set(uids), dtype=np.intp)
    rows = np.flatnonzero(np.isin(unique_of, wanted))
    out: dict[int, list[int]] = {}
    for row, uid in zip(rows.tolist(), unique_of[rows].tolist()):
        out.setdefault(uid, []).append(row)
    return out


def _members(unique_of: Sequence[int], count: int) -> list[list[int]]:
    """Rows of each of ``count`` unique ids (rows of id -1, empty texts, belong to none)."""
    out: list[list[int]] = [[] for _ in range(count)]
    for row, uid in enumerate(unique_of):
        if uid >= 0:
            out[uid].append(row)
    return out


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
    related: np.ndarray | None = None  # (k x 2) unique ids close in characters but not the same example
    _uids: np.ndarray | None = field(default=None, repr=False)

    def _unique_array(self) -> np.ndarray:
        import numpy as np

        if self._uids is None:
            self._uids = np.asarray(self.unique_of, dtype=np.intp)
        return self._uids

    def members(self) -> list[list[int]]:
        """Rows of each unique id."""
        return _members(self.unique_of, len(self.rep))

    def rows_of(self, uids: Iterable[int]) -> dict[int, list[int]]:
        """Rows of the given unique ids (vectorised: cheap for a few ids among many rows)."""
        return _rows_of(self._unique_array(), uids)

    def neighbours(self) -> dict[int, list[tuple[int, float]]]:
        """Unique id -> [(other unique id, similarity)] over the verified near pairs."""
        out: dict[int, list[tuple[int, float]]] = {}
        for (a, b), s in zip(self.pairs.tolist(), self.scores.tolist()):
            out.setdefault(a, []).append((b, s))
            out.setdefault(b, []).append((a, s))
        return out

    def _picked(self, rows: Iterable[int] | None) -> tuple[np.ndarray, np.ndarray]:
        """The given rows (default: all) that have a text, sorted, and their unique ids."""
        import numpy as np

        uo = self._unique_array()
        picked = np.arange(len(uo), dtype=np.intp) if rows is None else sorted_unique(np.fromiter(rows, dtype=np.intp))
        picked = picked[uo[picked] >= 0]
        return picked, uo[picked]

    def _pairs_among(self, pairs: np.ndarray | None, present: np.ndarray) -> np.ndarray:
        """The pairs (k x 2 unique ids) whose both ends are present."""
        import numpy as np

        if pairs is None or not len(pairs):
            return np.zeros((0, 2), np.intp)
        return pairs[present[pairs[:, 0]] & present[pairs[:, 1]]]

    def duplicate_groups(self, rows: Iterable[int] | None = None) -> tuple[list[DuplicateGroup], int]:
        """Duplicate groups among ``rows`` (default: all) and the number of rows a dedup drops.

        Exact groups are the rows of one text (after normalisation), always reported as exact.
        Near groups do not chain (``groups.star_groups``): unique texts are taken by their first
        row; the first one not yet grouped keeps its first row and takes every ungrouped text
        verified similar to it *directly*, so every member is within the threshold of the kept
        row. A near group lists the kept row and every row of its member texts. Ordered by
        first row. Vectorised: Python work is per group reported, not per row."""
        import numpy as np

        from dqlint.analysis.groups import star_groups

        picked, uids = self._picked(rows)
        n_u = len(self.rep)
        if not len(picked) or not n_u:
            return [], 0
        big = np.iinfo(np.intp).max
        first = np.full(n_u, big, dtype=np.intp)
        np.minimum.at(first, uids, picked)
        present = first < big
        ok = present[self.pairs[:, 0]] & present[self.pairs[:, 1]] if len(self.pairs) else np.zeros(0, bool)
        a, b, scores = self.pairs[ok, 0], self.pairs[ok, 1], self.scores[ok]
        centre = star_groups(n_u, a, b, order=first)
        # Each member's similarity to its centre (the pair that joined them).
        to_centre = np.zeros(n_u, dtype=np.float64)
        for x, y in ((a, b), (b, a)):
            joined = centre[y] == x
            np.maximum.at(to_centre, y[joined], scores[joined].astype(np.float64))
        members = np.flatnonzero(centre != np.arange(n_u))
        # Rows per unique id, for the ids that appear in a group (copies, centres, members).
        count = np.bincount(uids, minlength=n_u)
        centres = sorted_unique(centre[members])
        wanted = np.zeros(n_u, dtype=bool)
        wanted[count > 1] = True
        wanted[members] = True
        wanted[centres] = True
        dropped = len(picked) - (int(present.sum()) - len(members))
        sel = wanted[uids]
        if not sel.any():
            return [], dropped
        order = np.argsort(uids[sel], kind="stable")
        rows_sorted, uids_sorted = picked[sel][order], uids[sel][order]
        starts = np.flatnonzero(np.concatenate([[True], uids_sorted[1:] != uids_sorted[:-1]]))
        ends = np.append(starts[1:], len(uids_sorted))
        rows_of = {int(uids_sorted[s]): rows_sorted[s:e].tolist() for s, e in zip(starts.tolist(), ends.tolist())}
        out = [DuplicateGroup("exact", rows_of[u], rows_of[u][0], 100.0) for u in np.flatnonzero(count > 1).tolist()]
        near: dict[int, list[int]] = {}
        for u in members[np.argsort(first[members], kind="stable")].tolist():
            near.setdefault(int(centre[u]), []).append(u)
        for c, member_uids in near.items():
            group_rows = sorted([int(first[c])] + [r for u in member_uids for r in rows_of[u]])
            partners = [(int(first[u]), round(float(to_centre[u]), 2)) for u in member_uids]
            out.append(DuplicateGroup("near", group_rows, int(first[c]), min(s for _, s in partners), partners))
        out.sort(key=lambda g: (g.rows[0], g.kind != "exact"))
        return out, dropped

    def template_families(self, rows: Iterable[int] | None = None, min_texts: int = 2) -> list[list[int]]:
        """Rows joined by any close pair (the same example or not), as connected components:
        rows generated from one template with other slot values. Families of at least
        ``min_texts`` distinct texts (copies of one text are duplicates, not a template),
        largest first."""
        import numpy as np

        from dqlint.analysis.groups import component_labels

        picked, uids = self._picked(rows)
        n_u = len(self.rep)
        if not len(picked) or not n_u:
            return []
        present = np.zeros(n_u, dtype=bool)
        present[uids] = True
        both = np.concatenate([self._pairs_among(self.pairs, present), self._pairs_among(self.related, present)])
        component = component_labels(n_u, both[:, 0], both[:, 1])
        texts_in = np.bincount(component[present])
        label = component[uids]
        keep = texts_in[label] >= max(min_texts, 1)
        label, kept_rows = label[keep], picked[keep]
        order = np.lexsort((kept_rows, label))
        label, kept_rows = label[order], kept_rows[order]
        starts = np.flatnonzero(np.concatenate([[True], label[1:] != label[:-1]])) if len(label) else np.zeros(0, np.intp)
        out = np.split(kept_rows, starts[1:]) if len(label) else []
        groups = [g.tolist() for g in out]
        groups.sort(key=lambda g: (-len(g), g[0]))
        return groups

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
    max_bucket: int = 32,
    window: int = 2,
    per_row: int = 16,
    unique: tuple[list[int], list[int]] | None = None,
    verify: bool = True,
    related_threshold: float = 75.0,
) -> SimilarityIndex:
    """Index ``texts`` (already normalised as wanted): identical texts, then near pairs found
    by MinHash LSH over byte ``shingle``-grams and verified with rapidfuzz at ``threshold``.
    ``unique`` passes precomputed unique ids of ``texts`` (see ``unique_column``).

    With ``verify``, a pair must also be the same example by what differs
    (``differences.same_example``: no other number, name or content word in a short text);
    pairs that are close but differ so, or reach ``related_threshold`` only, are kept apart
    as ``related`` (rows of one template)."""
    return find_candidates(
        texts, threshold=threshold, near=near, scorer=scorer, shingle=shingle, bands=bands, rows=rows,
        max_bucket=max_bucket, window=window, per_row=per_row, unique=unique, verify=verify,
        related_threshold=related_threshold,
    ).index()


@dataclass
class Candidates:
    """The candidate pairs of an index before they are verified. Scoring (rapidfuzz) and the
    word-by-word test of what differs (``same_examples``) are the costly steps, and each runs
    on a pair only when a question needs it, at most once, whichever question comes first:

    * :meth:`index`: the full index (every pair);
    * :meth:`mixed_components`: the groups of same or near-same texts whose rows carry more
      than one key (a label conflict needs no other group), which looks only at pairs between
      texts of different keys and at the pairs around the groups they start.

    A pair's score and verdict do not depend on the other pairs, so both give exactly what the
    full index gives. Build with :func:`find_candidates`."""

    texts: list[str]
    unique_of: list[int]
    rep: list[int]
    uniq: list[str]  # the text of each unique id
    a: np.ndarray  # candidate pairs of unique ids (a < b) that the length filter left
    b: np.ndarray
    threshold: float
    related_threshold: float
    scorer: str
    verify: bool
    stats: dict  # what the index reports, without its time (``seconds`` is added when it is built)
    seconds: float  # time spent so far: candidates, then scores and word diffs
    _scores: np.ndarray | None = field(default=None, repr=False)  # float32 per pair, NaN = not scored yet
    _same: np.ndarray | None = field(default=None, repr=False)  # int8 per pair: 1 same example, 0 not, -1 not tested yet
    _full: SimilarityIndex | None = field(default=None, repr=False)
    jobs: int = 1  # processes the same-example test may use (``same_examples``)

    def members(self) -> list[list[int]]:
        """Rows of each unique id."""
        return _members(self.unique_of, len(self.rep))

    def _scored(self, todo: np.ndarray) -> np.ndarray:
        """Scores of the pairs ``todo`` (positions), scoring those not scored yet."""
        import numpy as np

        if self._scores is None:
            self._scores = np.full(len(self.a), np.nan, dtype=np.float32)
        new = todo[np.isnan(self._scores[todo])]
        if len(new):
            started = time.perf_counter()
            self._scores[new] = score_pairs(self.uniq, self.a[new], self.b[new], self.threshold, self.scorer, cutoff=self.related_threshold)
            self.seconds += time.perf_counter() - started
        return self._scores[todo]

    def _same_examples(self, todo: np.ndarray) -> np.ndarray:
        """Whether each pair ``todo`` (positions of close pairs) is the same example, testing
        those not tested yet."""
        import numpy as np

        if not self.verify:
            return np.ones(len(todo), dtype=bool)
        if self._same is None:
            self._same = np.full(len(self.a), -1, dtype=np.int8)
        new = todo[self._same[todo] < 0]
        if len(new):
            started = time.perf_counter()
            self._same[new] = np.asarray(same_examples(self.uniq, self.a[new].tolist(), self.b[new].tolist(), self.threshold, jobs=self.jobs), dtype=np.int8)
            self.seconds += time.perf_counter() - started
        return self._same[todo] == 1

    def _near(self, todo: np.ndarray, min_score: float) -> np.ndarray:
        """The pairs among ``todo`` that are near pairs of the index scoring at least ``min_score``."""
        strong = todo[self._scored(todo) >= max(min_score, self.threshold)]
        return strong[self._same_examples(strong)]

    def index(self) -> SimilarityIndex:
        """The full index, built once; after it the candidates are let go."""
        import numpy as np

        if self._full is None:
            every = np.arange(len(self.a))
            scores = self._scored(every)
            close = scores >= self.threshold
            same = np.zeros(len(every), dtype=bool)
            same[close] = self._same_examples(every[close])
            # Close in characters but another example (a slot value differs), or a bit less close:
            # rows of one template; kept apart to describe the set's diversity.
            rel = ~same & (scores >= self.related_threshold) & (scores > 0)
            stats = dict(self.stats)
            if len(self.a):
                stats["verified"] = int(same.sum())
                stats["different_content"] = int((close & ~same).sum())
            stats["seconds"] = round(self.seconds, 3)
            self._full = SimilarityIndex(
                self.texts, self.unique_of, self.rep, np.stack([self.a[same], self.b[same]], axis=1),
                scores[same].astype(np.float32), self.threshold, stats, related=np.stack([self.a[rel], self.b[rel]], axis=1),
            )
            self.a = self.b = np.zeros(0, np.intp)
            self._scores = self._same = None
        return self._full

    def rows_of(self, uids: Iterable[int]) -> dict[int, list[int]]:
        """Rows of the given unique ids."""
        import numpy as np

        return _rows_of(np.asarray(self.unique_of, dtype=np.intp), uids)

    def neighbours_of(self, uids: Iterable[int]) -> dict[int, list[tuple[int, float]]]:
        """The full index's ``neighbours()`` of the given unique ids only: [(other unique id,
        similarity)] in the same order. Without the full index, only the pairs touching one
        of them are scored and tested: a leakage check needs the held-out texts' pairs, a
        tenth of a set's pairs or less."""
        import numpy as np

        wanted = sorted(set(uids))
        if self._full is not None:
            every = self._full.neighbours()
            return {u: every[u] for u in wanted if u in every}
        mask = np.zeros(len(self.rep), dtype=bool)
        mask[np.asarray(wanted, dtype=np.intp)] = True
        near = self._near(np.flatnonzero(mask[self.a] | mask[self.b]), self.threshold)
        out: dict[int, list[tuple[int, float]]] = {}
        # _near scored every pair it looked at; float32 scores, as the full index holds them.
        for a, b, s in zip(self.a[near].tolist(), self.b[near].tolist(), self._scores[near].tolist()):
            if mask[a]:
                out.setdefault(a, []).append((b, s))
            if mask[b]:
                out.setdefault(b, []).append((a, s))
        return out

    def mixed_components(self, keys: Sequence[frozenset], min_score: float) -> list[list[int]]:
        """Unique ids of each group whose texts carry more than one key between them (``keys``:
        the keys of each unique id's rows), the groups being those of the index's near pairs
        scoring at least ``min_score``, joined (connected components), and single texts.
        Groups of two or more texts come first, by their smallest id, then single texts.

        Without the full index, only pairs between texts of different key sets, and the pairs
        of texts reached from them, are scored and tested: a group holding two keys holds a
        text with two keys or a pair whose texts' key sets differ (on a path between texts of
        two keys the key set changes somewhere), and every pair of a reached text is looked at."""
        import numpy as np

        from dqlint.analysis.groups import connected_groups

        n = len(self.rep)
        several = [u for u in range(n) if len(keys[u]) > 1]
        if self._full is not None:
            near = self._full.pairs[self._full.scores >= min_score]
        else:
            key_id: dict[frozenset, int] = {}
            kid = np.fromiter((key_id.setdefault(k, len(key_id)) for k in keys), dtype=np.int64, count=n)
            found = self._near(np.flatnonzero(kid[self.a] != kid[self.b]), min_score)
            near = self._component_pairs(sorted_unique(np.concatenate([self.a[found], self.b[found], several])).astype(np.intp), min_score)
        components = connected_groups(n, near.tolist())
        in_component = {u for c in components for u in c}
        mixed = [c for c in components if len(frozenset().union(*(keys[u] for u in c))) > 1]
        return mixed + [[u] for u in several if u not in in_component]

    def _component_pairs(self, start: np.ndarray, min_score: float) -> np.ndarray:
        """The near pairs (scoring at least ``min_score``) of the components holding the texts
        ``start``: breadth-first, each step testing every pair of the texts just reached."""
        import numpy as np

        n = len(self.rep)
        ends = np.concatenate([self.a, self.b])
        order = np.argsort(ends, kind="stable")
        starts = np.searchsorted(ends[order], np.arange(n + 1))
        pair_of = order % max(len(self.a), 1)  # position in order -> pair
        reached = np.zeros(n, dtype=bool)
        reached[start] = True
        frontier, kept = start, []
        while len(frontier):
            todo = sorted_unique(np.concatenate([pair_of[starts[u] : starts[u + 1]] for u in frontier.tolist()] or [np.zeros(0, np.intp)]))
            near = self._near(todo, min_score)
            kept.append(near)
            other = np.concatenate([self.a[near], self.b[near]])
            frontier = sorted_unique(other[~reached[other]])
            reached[frontier] = True
        found = sorted_unique(np.concatenate(kept)) if kept else np.zeros(0, np.intp)
        return np.stack([self.a[found], self.b[found]], axis=1)


def find_candidates(
    texts: Sequence[str],
    *,
    threshold: float = 90.0,
    near: bool = True,
    scorer: str = "ratio+token-sort",
    shingle: int = 5,
    bands: int = 16,
    rows: int = 8,
    max_bucket: int = 32,
    window: int = 2,
    per_row: int = 16,
    unique: tuple[list[int], list[int]] | None = None,
    verify: bool = True,
    related_threshold: float = 75.0,
    jobs: int = 1,
) -> Candidates:
    """Steps 2 to 4 of the pipeline (identical texts, MinHash LSH candidates, the length
    filter) for :func:`build_index`; scores and word diffs are left to :class:`Candidates`."""
    import numpy as np

    if scorer not in SCORERS:
        raise ValueError(f"unknown scorer {scorer!r} (one of {', '.join(SCORERS)})")
    if not 1 <= shingle <= 8:
        raise ValueError("shingle must be between 1 and 8 bytes")
    started = time.perf_counter()
    texts = list(texts)
    unique_of, rep = unique if unique is not None else unique_ids(texts)
    # Empty texts compare with nothing.
    empty_uid = unique_of[texts.index("")] if "" in texts else -1
    if empty_uid >= 0:
        unique_of = [-1 if u == empty_uid else (u - (u > empty_uid)) for u in unique_of]
        rep = rep[:empty_uid] + rep[empty_uid + 1 :]
    uniq = [texts[r] for r in rep]
    stats: dict = {"rows": len(texts), "unique": len(uniq), "candidates": 0, "verified": 0}
    a = b = np.zeros(0, np.intp)
    if near and threshold <= 100 and len(uniq) > 1:
        keys, has_shingles = _all_band_keys(uniq, shingle, bands, rows)
        lengths = np.fromiter(map(len, uniq), dtype=np.int64, count=len(uniq))
        ids = np.flatnonzero(has_shingles)
        a, b = candidate_pairs(keys[ids], lengths[ids], max_bucket=max_bucket, window=window, per_row=per_row, stats=stats)
        del keys
        a, b = ids[a], ids[b]
        stats["candidates"] = len(a)
        stats["candidates_per_row"] = round(len(a) / max(len(uniq), 1), 3)
        if len(a):
            la, lb = lengths[a], lengths[b]
            floor = length_floor(min(threshold, related_threshold))
            keep = np.minimum(la, lb) >= floor * np.maximum(la, lb) - 1e-9
            a, b = a[keep], b[keep]
            if not len(a):  # verification counts are reported whenever candidates were found
                stats["verified"], stats["different_content"] = 0, 0
    return Candidates(
        texts, unique_of, rep, uniq, a, b, threshold, related_threshold, scorer, verify, stats, time.perf_counter() - started, jobs=jobs
    )


def near_duplicate_pairs(
    texts: Sequence[str],
    *,
    threshold: float = 90.0,
    scorer: str = "ratio+token-sort",
    shingle: int = 5,
    bands: int = 16,
    rows: int = 8,
    max_bucket: int = 32,
    window: int = 2,
    per_row: int = 16,
) -> list[tuple[int, int, float]]:
    """Verified similar pairs (i, j, score), i < j, among ``texts`` (compared as given).

    Identical texts appear as pairs with their first occurrence (score 100); distinct texts as
    each pair verified at ``threshold`` (between first occurrences). ``connected_groups``
    turns them into complete groups."""
    index = build_index(
        texts, threshold=threshold, scorer=scorer, shingle=shingle, bands=bands, rows=rows,
        max_bucket=max_bucket, window=window, per_row=per_row,
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
