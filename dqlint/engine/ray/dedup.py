"""Exact duplicates, near duplicates and leakage as a distributed MinHash-LSH pipeline on Ray Data.

The same index as :func:`dqlint.analysis.minhash.build_index`, built without ever holding the
texts on the driver:

1. **signatures per block** (``map_batches``): a 128-bit hash of each compared text (exact
   duplicates) and its 16 band keys, with minhash.py's own ``_signature_chunk`` / ``_band_keys``
   so both engines hash identically;
2. **exact groups** (shuffle by text hash): identical texts collapse to one unique text whose
   id is its first row (``urow``), as ``unique_ids`` numbers them in first-row order;
3. **band buckets** (shuffle by (band, bucket)): minhash.py's ``_bucket_pairs`` on each bucket,
   so the per-bucket bounds (all pairs up to ``max_bucket`` members, else ``window`` neighbours
   by length) are the local ones; candidates are deduplicated by a shuffle by pair;
4. **verification**: the texts of candidate ends only are fetched (a broadcast filter of the
   candidate row ids, then a shuffle by row that attaches each text to the pairs that need it,
   then a shuffle by pair), and scored with verify.py's ``score_pairs`` and differences.py's
   ``same_examples``, exactly as the local index scores them;
5. the driver receives row ids and pairs only (the rows of exact groups, the verified and the
   related pairs) and builds a compact :class:`SimilarityIndex` over the rows that are in any
   group or pair (:class:`DistributedIndex`). Rows alone with their text change no group, no
   family and no count of dropped rows, so its ``duplicate_groups`` / ``template_families`` /
   ``neighbours`` give the local results, mapped back to global row ids.

Every shuffle is a ``groupby(part, num_partitions=P).map_groups`` over ``P`` hash partitions:
each call gets a whole partition and works on it with NumPy (Ray Data's per-group calls would
cost a Python call per text). Layer: engine (imports analysis only).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dqlint.analysis.arrays import sorted_unique
from dqlint.analysis.minhash import DuplicateGroup, SimilarityIndex

if TYPE_CHECKING:
    import numpy as np
    import ray.data

__all__ = ["DedupSettings", "DistributedIndex", "build_distributed_index", "fetch_texts", "quiet_ray_data", "shuffle_partitions"]

# splitmix64 constants: partition keys must spread rows evenly whatever the ids look like.
_GOLDEN = 0x9E3779B97F4A7C15


@dataclass(frozen=True)
class DedupSettings:
    """The settings of :func:`dqlint.analysis.minhash.build_index` (same defaults)."""

    threshold: float = 90.0
    near: bool = True
    scorer: str = "ratio+token-sort"
    shingle: int = 5
    bands: int = 16
    rows: int = 8
    max_bucket: int = 32
    window: int = 2
    per_row: int = 16
    verify: bool = True
    related_threshold: float = 75.0


# Every shuffle of a run (dedup, same-input groups): Ray's default hash shuffle starts
# aggregator actors per shuffle, 5-6x slower on a 2-CPU machine. The session sets it for the
# whole run; build_distributed_index also sets it for callers outside a session.
SHUFFLE_STRATEGY = "sort_shuffle_pull_based"


def quiet_ray_data() -> None:
    """Ray Data prints progress bars to stderr by default: dqlint has its own progress."""
    import ray.data

    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.enable_operator_progress_bars = False
    ctx.print_on_execution_start = False
    ctx.verbose_stats_logs = False


# A shuffle partition is one task: below this many rows its work costs less than scheduling it.
_ROWS_PER_PARTITION = 25_000
# At most this many rows in one partition of a shuffle, whatever the CPUs: the band shuffle
# carries ~620 B per row, so a partition stays near 300 MB and one task's memory is bounded.
# (At 10M rows on 2 CPUs, 4 partitions made one reduce task hold 11 GiB.)
_MOST_ROWS_PER_PARTITION = 500_000


def shuffle_partitions(rows: int, cpus: int | None) -> int:
    """Hash partitions per shuffle: two per CPU (at least 4) on big sets, fewer on small ones,
    whose every extra partition is a task of fixed cost and no work; and never fewer than keep
    a partition within ``_MOST_ROWS_PER_PARTITION`` rows. Results do not depend on it."""
    rows = int(rows)
    most = max(4, 2 * int(cpus or 2))
    return max(1, min(most, -(-rows // _ROWS_PER_PARTITION)), -(-rows // _MOST_ROWS_PER_PARTITION))


def _part(*cols: np.ndarray, parts: int) -> np.ndarray:
    """A partition number in [0, parts) from one or more int64/uint64 columns (mixed, so
    consecutive ids and band keys spread evenly)."""
    import numpy as np

    from dqlint.analysis.minhash import mix64

    h = np.zeros(len(cols[0]), dtype=np.uint64)
    for c in cols:
        h = mix64((h ^ c.astype(np.uint64)) * np.uint64(_GOLDEN))
    return (h % np.uint64(parts)).astype(np.int64)


# ---------------------------------------------------------------- 1. signatures per block


def _signatures(batch: dict[str, np.ndarray], s: DedupSettings, parts: int) -> dict[str, np.ndarray]:
    """Per row: text hash (two int64), length in characters, band keys, whether it has a k-gram.
    Empty texts are dropped: they compare with nothing (as in build_index)."""
    import hashlib

    import numpy as np

    from dqlint.analysis.minhash import _SIGNATURE_CHUNK, _band_keys, _signature_chunk

    texts = [str(t) for t in batch["text"]]
    keep = np.fromiter((bool(t) for t in texts), dtype=bool, count=len(texts))
    rows = np.asarray(batch["row"], dtype=np.int64)[keep]
    texts = [t for t, k in zip(texts, keep.tolist()) if k]
    digests = b"".join(hashlib.blake2b(t.encode("utf-8", "surrogatepass"), digest_size=16).digest() for t in texts)
    h = np.frombuffer(digests, dtype=np.int64).reshape(-1, 2) if texts else np.zeros((0, 2), np.int64)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    bins = 1 << max(s.bands * s.rows - 1, 1).bit_length()
    keys = np.zeros((len(texts), s.bands), dtype=np.uint64)
    has = np.zeros(len(texts), dtype=bool)
    if s.near:
        for start in range(0, len(texts), _SIGNATURE_CHUNK):
            sig = _signature_chunk(texts[start : start + _SIGNATURE_CHUNK], s.shingle, bins)
            keys[start : start + len(sig)] = _band_keys(sig, s.bands, s.rows)
            has[start : start + len(sig)] = sig[:, 0] >= 0
    return {
        "row": rows,
        "h1": h[:, 0].copy(),
        "h2": h[:, 1].copy(),
        "length": lengths,
        "keys": keys.view(np.int64),
        "has": has,
        "part": _part(h[:, 0], parts=parts),
    }


# ---------------------------------------------------------------- 2. exact groups


def _exact_partition(batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """One hash partition: each row's unique text id (its first row) and the text's row count."""
    import numpy as np

    rows, h1, h2 = batch["row"], batch["h1"], batch["h2"]
    order = np.lexsort((rows, h2, h1))
    h1, h2 = h1[order], h2[order]
    new = np.ones(len(order), dtype=bool)
    if len(order):
        new[1:] = (h1[1:] != h1[:-1]) | (h2[1:] != h2[:-1])
    run = np.cumsum(new) - 1
    starts = np.flatnonzero(new)
    sorted_rows = rows[order]
    counts = np.bincount(run, minlength=len(starts)) if len(order) else np.zeros(0, np.int64)
    return {
        "row": sorted_rows,
        "urow": sorted_rows[starts][run],
        "count": counts[run].astype(np.int64),
        "is_rep": new,
        "length": batch["length"][order],
        "keys": batch["keys"][order],
        "has": batch["has"][order],
    }


# ---------------------------------------------------------------- 3. band buckets


def _band_rows(batch: dict[str, np.ndarray], bands: int, parts: int) -> dict[str, np.ndarray]:
    """One row per (unique text with a k-gram, band), partitioned by (band, bucket): the
    bucket is the key's top 40 bits, as ``_bucket_pairs`` groups keys."""
    import numpy as np

    keep = batch["is_rep"] & batch["has"]
    urow, length = batch["urow"][keep], batch["length"][keep]
    keys = batch["keys"][keep].reshape(-1, bands)
    n = len(urow)
    band = np.tile(np.arange(bands, dtype=np.int64), n)
    key = keys.reshape(-1)
    bucket = (key.view(np.uint64) >> np.uint64(24)).view(np.int64)
    return {
        "band": band,
        "key": key,
        "urow": np.repeat(urow, bands),
        "length": np.repeat(length, bands),
        "part": _part(band, bucket, parts=parts),
    }


def _bucket_partition(batch: dict[str, np.ndarray], s: DedupSettings, parts: int) -> dict[str, np.ndarray]:
    """Candidate pairs of one partition of buckets, band by band, by minhash.py's own
    ``_bucket_pairs`` over the members in unique-id (first row) order, as the local index
    passes them; each pair (a < b, unique ids) goes to the partition of its pair hash."""
    import numpy as np

    from dqlint.analysis.minhash import _bucket_pairs

    found_a, found_b = [], []
    for band in sorted_unique(batch["band"]).tolist():
        sel = np.flatnonzero(batch["band"] == band)
        sel = sel[np.argsort(batch["urow"][sel], kind="stable")]
        urow = batch["urow"][sel]
        local = _bucket_pairs(batch["key"][sel].view(np.uint64), batch["length"][sel], s.max_bucket, s.window)
        if len(local):
            found_a.append(urow[local[:, 0]])
            found_b.append(urow[local[:, 1]])
    if not found_a:
        return _no_pairs()
    a, b = np.concatenate(found_a), np.concatenate(found_b)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    length = dict(zip(batch["urow"].tolist(), batch["length"].tolist()))
    la = np.fromiter((length[x] for x in lo.tolist()), dtype=np.int64, count=len(lo))
    lb = np.fromiter((length[x] for x in hi.tolist()), dtype=np.int64, count=len(hi))
    return {"a": lo, "b": hi, "la": la, "lb": lb, "part": _part(lo, hi, parts=parts)}


def _no_pairs() -> dict[str, np.ndarray]:
    import numpy as np

    z = np.zeros(0, dtype=np.int64)
    return {"a": z, "b": z, "la": z, "lb": z, "part": z}


def _unique_pairs(batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Candidates found in several bands, once, with the number of bands they agree in (the
    local per-row cap ranks partners by it)."""
    import numpy as np

    if not len(batch["a"]):
        return {**{k: batch[k] for k in ("a", "b", "la", "lb")}, "bands": np.zeros(0, np.int32)}
    _, first, counts = np.unique(np.stack([batch["a"], batch["b"]], axis=1), axis=0, return_index=True, return_counts=True)
    return {**{k: batch[k][first] for k in ("a", "b", "la", "lb")}, "bands": counts.astype(np.int32)}


def _cap_candidates(cand: ray.data.Dataset, s: DedupSettings, stats: dict) -> dict[str, np.ndarray]:
    """minhash.py's per-row cap, applied on the driver to the candidates' row ids (pairs are
    at most a few per row; texts stay on the workers). Sorted by (a, b) as the local merged
    pair codes are, so ties break the same way and both engines keep the same pairs."""
    import numpy as np

    from dqlint.analysis.minhash import _cap_per_row

    got = _collect(cand, ["a", "b", "la", "lb", "bands"])
    order = np.lexsort((got["b"], got["a"]))
    got = {k: v[order] for k, v in got.items()}
    stats["candidates_found"] = len(got["a"])
    size = int(max(got["a"].max(initial=-1), got["b"].max(initial=-1))) + 1
    keep = _cap_per_row(got["a"], got["b"], got["bands"], np.zeros(size, np.int64), s.per_row) if s.per_row > 0 else np.ones(len(got["a"]), bool)
    stats["candidates_capped"] = int(len(keep) - keep.sum())
    return {k: np.ascontiguousarray(got[k][keep]) for k in ("a", "b", "la", "lb")}


def _arrow_table(columns: dict[str, np.ndarray]):
    import pyarrow as pa

    return pa.table({k: pa.array(v) for k, v in columns.items()})


def _length_filter(pairs: dict[str, np.ndarray], floor: float) -> dict[str, np.ndarray]:
    """verify.py's length filter: ratio cannot reach the threshold below this length ratio."""
    import numpy as np

    la, lb = pairs["la"], pairs["lb"]
    keep = np.minimum(la, lb) >= floor * np.maximum(la, lb) - 1e-9
    return {"a": pairs["a"][keep], "b": pairs["b"][keep]}


# ---------------------------------------------------------------- 4. verification


def _requests(batch: dict[str, np.ndarray], parts: int) -> dict[str, np.ndarray]:
    """Each candidate pair asks for the text of both its ends: one request per end, sent to
    the partition of that row (where its text is sent too)."""
    import numpy as np

    a, b = batch["a"], batch["b"]
    row = np.concatenate([a, b])
    return {
        "row": row,
        "a": np.concatenate([a, a]),
        "b": np.concatenate([b, b]),
        "text": np.full(len(row), "", dtype=object),
        "is_text": np.zeros(len(row), dtype=bool),
        "part": _part(row, parts=parts),
    }


def _text_rows(batch: dict[str, np.ndarray], wanted: np.ndarray, parts: int) -> dict[str, np.ndarray]:
    """The texts of the rows some candidate pair names (``wanted``: sorted row ids)."""
    import numpy as np

    rows = np.asarray(batch["row"], dtype=np.int64)
    pos = np.searchsorted(wanted, rows)
    keep = (pos < len(wanted)) & (wanted[np.minimum(pos, len(wanted) - 1)] == rows) if len(wanted) else np.zeros(len(rows), bool)
    rows = rows[keep]
    minus = np.full(len(rows), -1, dtype=np.int64)
    return {
        "row": rows,
        "a": minus,
        "b": minus,
        "text": np.asarray([str(t) for t in np.asarray(batch["text"], dtype=object)[keep]], dtype=object),
        "is_text": np.ones(len(rows), dtype=bool),
        "part": _part(rows, parts=parts),
    }


def _attach_texts(batch: dict[str, np.ndarray], parts: int) -> dict[str, np.ndarray]:
    """One row partition: each request gets its row's text, then goes to its pair's partition."""
    import numpy as np

    is_text = batch["is_text"]
    text_of = dict(zip(batch["row"][is_text].tolist(), batch["text"][is_text].tolist()))
    req = ~is_text
    a, b, row = batch["a"][req], batch["b"][req], batch["row"][req]
    texts = np.asarray([text_of[r] for r in row.tolist()], dtype=object)
    return {"a": a, "b": b, "side": (row == b).astype(np.int8), "text": texts, "part": _part(a, b, parts=parts)}


def _verify_partition(batch: dict[str, np.ndarray], s: DedupSettings) -> dict[str, np.ndarray]:
    """One pair partition: score each candidate as build_index does (rapidfuzz ratio with the
    second scorer, then what differs), keeping the verified and the related pairs."""
    import numpy as np

    from dqlint.analysis.differences import same_examples
    from dqlint.analysis.verify import score_pairs

    a, b, side, texts = batch["a"], batch["b"], batch["side"], batch["text"]
    order = np.lexsort((side, b, a))
    a, b, side, texts = a[order], b[order], side[order], texts[order]
    # Each pair has exactly one request per end: after sorting, left then right.
    left, right = np.flatnonzero(side == 0), np.flatnonzero(side == 1)
    pa, pb = a[left], b[left]
    pool = [str(t) for t in texts[left]] + [str(t) for t in texts[right]]
    ia = np.arange(len(left), dtype=np.intp)
    ib = ia + len(left)
    scores = score_pairs(pool, ia, ib, s.threshold, s.scorer, cutoff=s.related_threshold)
    close = scores >= s.threshold
    same = np.zeros(len(scores), dtype=bool)
    if s.verify:
        same[close] = same_examples(pool, ia[close].tolist(), ib[close].tolist(), s.threshold)
    else:
        same = close
    related = ~same & (scores >= s.related_threshold) & (scores > 0)
    keep = same | related | (close & ~same)
    return {
        "a": pa[keep],
        "b": pb[keep],
        "score": scores[keep].astype(np.float32),
        "same": same[keep],
        "related": related[keep],
        "close": close[keep],
    }


# ---------------------------------------------------------------- 5. the driver's compact index


class _FetchedTexts:
    """``SimilarityIndex.texts`` for a compact index: the compared texts of the rows a finding
    quotes, fetched on demand from the workers (see :func:`fetch_texts`)."""

    def __init__(self, rows: np.ndarray, source: ray.data.Dataset | None) -> None:
        self._rows = rows
        self._source = source
        self._cache: dict[int, str] = {}

    def prefetch(self, positions: Iterable[int]) -> None:
        want = sorted({int(self._rows[p]) for p in positions} - set(self._cache))
        if want and self._source is not None:
            self._cache.update(fetch_texts(self._source, want))

    def __getitem__(self, position: int) -> str:
        row = int(self._rows[position])
        if row not in self._cache:
            self.prefetch([position])
        return self._cache.get(row, "")

    def __len__(self) -> int:
        return len(self._rows)


@dataclass
class DistributedIndex:
    """The distributed result: a :class:`SimilarityIndex` over the rows that are in any exact
    group or verified / related pair (``rows[i]`` = the global row id of its position ``i``),
    and the counts the local index reports. Singletons change no group, family or count of
    dropped rows, so the compact index gives the local answers once rows are mapped back."""

    rows: np.ndarray  # position -> global row id (sorted)
    index: SimilarityIndex
    stats: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)  # seconds per stage, bytes shuffled (not in stats: reports stay stable)

    def positions(self, rows: Iterable[int]) -> np.ndarray:
        """Positions of the given global rows that are in the compact index (others are singletons)."""
        import numpy as np

        want = sorted_unique(np.fromiter(rows, dtype=np.int64))
        pos = np.searchsorted(self.rows, want)
        ok = (pos < len(self.rows)) & (self.rows[np.minimum(pos, max(len(self.rows) - 1, 0))] == want) if len(self.rows) else np.zeros(len(want), bool)
        return pos[ok]

    def _row(self, position: int) -> int:
        return int(self.rows[position])

    def duplicate_groups(self, rows: Iterable[int] | None = None) -> tuple[list[DuplicateGroup], int]:
        """``SimilarityIndex.duplicate_groups`` in global row ids."""
        picked = None if rows is None else self.positions(rows).tolist()
        groups, dropped = self.index.duplicate_groups(picked)
        out = [
            DuplicateGroup(
                g.kind,
                [self._row(p) for p in g.rows],
                self._row(g.kept),
                g.similarity,
                [(self._row(p), s) for p, s in g.partners],
            )
            for g in groups
        ]
        return out, dropped

    def template_families(self, rows: Iterable[int] | None = None, min_texts: int = 2) -> list[list[int]]:
        """``SimilarityIndex.template_families`` in global row ids (families of one text are
        dropped by ``min_texts``, so singletons never matter)."""
        picked = None if rows is None else self.positions(rows).tolist()
        return [[self._row(p) for p in f] for f in self.index.template_families(picked, min_texts=min_texts)]

    def row_pairs(self) -> list[tuple[int, int, float]]:
        """``SimilarityIndex.row_pairs`` in global row ids."""
        return [(self._row(a), self._row(b), s) for a, b, s in self.index.row_pairs()]

    def unique_of_rows(self, rows: Iterable[int]) -> dict[int, int]:
        """Global row -> compact unique id, for the given rows in the index."""
        pos = self.positions(rows)
        return {self._row(p): self.index.unique_of[p] for p in pos.tolist()}

    def rows_of(self, uids: Iterable[int]) -> dict[int, list[int]]:
        """Compact unique id -> its global rows."""
        return {u: [self._row(p) for p in ps] for u, ps in self.index.rows_of(uids).items()}

    def text(self, row: int) -> str:
        """The compared text of a global row in the index (fetched from the workers)."""
        pos = self.positions([row])
        return self.index.texts[int(pos[0])] if len(pos) else ""

    def prefetch(self, rows: Iterable[int]) -> None:
        """Fetch the compared texts of these rows in one pass (findings quote them)."""
        texts = self.index.texts
        if isinstance(texts, _FetchedTexts):
            texts.prefetch(self.positions(rows).tolist())


def _collect(ds: ray.data.Dataset, columns: Sequence[str]) -> dict[str, np.ndarray]:
    """Small columns (row ids, pairs) of a dataset on the driver, as NumPy arrays."""
    import numpy as np

    parts: dict[str, list[np.ndarray]] = {c: [] for c in columns}
    for batch in ds.select_columns(list(columns)).iter_batches(batch_format="numpy", batch_size=None):
        for c in columns:
            parts[c].append(np.asarray(batch[c]))
    return {c: np.concatenate(v) if v else np.zeros(0, dtype=np.int64) for c, v in parts.items()}


def _exact_summary(batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """What the driver needs of the exact stage: the rows of repeated texts, and one row per
    unique text counted (a text only seen once sends its row only when a pair names it)."""
    import numpy as np

    keep = batch["count"] > 1
    first_single = batch["is_rep"] & ~keep
    out = {k: batch[k][keep] for k in ("row", "urow", "count", "is_rep")}
    # Unique texts seen once: counted, not listed (one summary row per block, count 1, is_rep).
    n = int(first_single.sum())
    out["row"] = np.append(out["row"], -1)
    out["urow"] = np.append(out["urow"], -1)
    out["count"] = np.append(out["count"], 0)
    out["is_rep"] = np.append(out["is_rep"].astype(np.int64), n)
    return out


def fetch_texts(source: ray.data.Dataset, rows: Sequence[int]) -> dict[int, str]:
    """The ``text`` of the given global rows (a few: the ones findings quote), by a filter on
    the workers; nothing else reaches the driver."""
    import numpy as np

    want = sorted_unique(np.asarray(list(rows), dtype=np.int64))
    if not len(want):
        return {}

    def pick(batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        r = np.asarray(batch["row"], dtype=np.int64)
        keep = np.isin(r, want)
        return {"row": r[keep], "text": np.asarray(batch["text"], dtype=object)[keep]}

    got = source.select_columns(["row", "text"]).map_batches(pick, batch_format="numpy")
    out: dict[int, str] = {}
    for batch in got.iter_batches(batch_format="numpy", batch_size=None):
        out.update(zip(np.asarray(batch["row"]).tolist(), (str(t) for t in batch["text"])))
    return out


def _compact_index(
    copies: dict[str, np.ndarray], found: dict[str, np.ndarray], s: DedupSettings, stats: dict, source: ray.data.Dataset | None
) -> DistributedIndex:
    """The driver's compact SimilarityIndex from the rows of exact groups and the pairs."""
    import numpy as np

    same, related = found["same"], found["related"]
    ends = np.concatenate([found["a"][same | related], found["b"][same | related]])
    urows = sorted_unique(np.concatenate([copies["urow"], ends]))
    # Rows: every copy of a repeated text, and the (single) row of a text only in pairs.
    single = np.setdiff1d(urows, copies["urow"])
    rows = np.concatenate([copies["row"], single])
    of = np.concatenate([copies["urow"], single])
    order = np.argsort(rows, kind="stable")
    rows, of = rows[order], of[order]
    unique_of = np.searchsorted(urows, of)
    rep = np.searchsorted(rows, urows)  # a unique text's id row is its first row
    sel = np.lexsort((found["b"][same], found["a"][same]))
    pairs = np.stack([np.searchsorted(urows, found["a"][same][sel]), np.searchsorted(urows, found["b"][same][sel])], axis=1).astype(np.intp)
    scores = found["score"][same][sel].astype(np.float32)
    rsel = np.lexsort((found["b"][related], found["a"][related]))
    rel = np.stack([np.searchsorted(urows, found["a"][related][rsel]), np.searchsorted(urows, found["b"][related][rsel])], axis=1).astype(np.intp)
    index = SimilarityIndex(
        _FetchedTexts(rows, source),  # type: ignore[arg-type]
        unique_of.tolist(),
        rep.tolist(),
        pairs.reshape(-1, 2),
        scores,
        s.threshold,
        dict(stats),
        related=rel.reshape(-1, 2),
    )
    return DistributedIndex(rows.astype(np.int64), index, dict(stats))


def build_distributed_index(
    ds: ray.data.Dataset, settings: DedupSettings = DedupSettings(), *, num_partitions: int = 8
) -> DistributedIndex:
    """The similarity index of the ``text`` column of ``ds`` (columns ``row``: int64 global row
    id, order-preserving; ``text``: the compared text, as the local rule builds it), equal to
    ``build_index`` over the texts in row order."""
    import ray
    import ray.data

    from dqlint.analysis.verify import SCORERS

    s = settings
    if s.scorer not in SCORERS:
        raise ValueError(f"unknown scorer {s.scorer!r} (one of {', '.join(SCORERS)})")
    if not 1 <= s.shingle <= 8:
        raise ValueError("shingle must be between 1 and 8 bytes")
    parts = max(1, int(num_partitions))
    ctx = ray.data.DataContext.get_current()
    before = ctx.shuffle_strategy
    ctx.shuffle_strategy = SHUFFLE_STRATEGY
    try:
        return _build(ds.select_columns(["row", "text"]), s, parts)
    finally:
        ctx.shuffle_strategy = before


def _build(source: ray.data.Dataset, s: DedupSettings, parts: int) -> DistributedIndex:
    """The pipeline of :func:`build_distributed_index` (module docstring, steps 1-5)."""
    import numpy as np
    import ray

    from dqlint.analysis.verify import length_floor

    import time

    clock = {"t": time.perf_counter()}
    timings: dict[str, float] = {}

    def lap(stage: str) -> None:
        now = time.perf_counter()
        timings[stage] = round(now - clock["t"], 3)
        clock["t"] = now

    total = source.count()
    sig = source.map_batches(_signatures, fn_kwargs={"s": s, "parts": parts}, batch_format="numpy")
    exact = sig.groupby("part", num_partitions=parts).map_groups(_exact_partition, batch_format="numpy").materialize()
    lap("signatures+exact")
    timings["exact_shuffle_bytes"] = exact.size_bytes()
    counted = _collect(exact.map_batches(_exact_summary, batch_format="numpy"), ["row", "urow", "count", "is_rep"])
    unique = int(counted["is_rep"].sum())
    many = counted["count"] > 1
    copies = {"row": counted["row"][many], "urow": counted["urow"][many]}
    stats = {"rows": total, "unique": unique, "candidates": 0, "verified": 0}
    found = {"a": np.zeros(0, np.int64), "b": np.zeros(0, np.int64), "score": np.zeros(0, np.float32),
             "same": np.zeros(0, bool), "related": np.zeros(0, bool), "close": np.zeros(0, bool)}
    if s.near and s.threshold <= 100 and unique > 1:
        bands = exact.map_batches(_band_rows, fn_kwargs={"bands": s.bands, "parts": parts}, batch_format="numpy")
        cand = (
            bands.groupby("part", num_partitions=parts)
            .map_groups(_bucket_partition, fn_kwargs={"s": s, "parts": parts}, batch_format="numpy")
            .groupby("part", num_partitions=parts)
            .map_groups(_unique_pairs, batch_format="numpy")
        )
        # Candidates are row ids only (a few per row): capped and length-filtered on the driver,
        # which saves two executions of the pipeline over materializing them on the workers.
        capped = _cap_candidates(cand, s, stats)
        stats["candidates"] = len(capped["a"])
        stats["candidates_per_row"] = round(stats["candidates"] / max(unique, 1), 3)
        lap("buckets+candidates")
        # What the bucket shuffle moved: one (band, key, urow, length, part) row per unique text and band.
        timings["band_shuffle_bytes"] = 40 * s.bands * unique
        timings["candidate_shuffle_bytes"] = 2 * 32 * stats["candidates"]
        ends = _length_filter(capped, length_floor(min(s.threshold, s.related_threshold)))
        wanted = sorted_unique(np.concatenate([ends["a"], ends["b"]]))
        timings["pairs_scored"] = len(ends["a"])
        if len(wanted):
            wanted_ref = ray.put(wanted)
            texts = source.map_batches(
                lambda b, w=wanted_ref: _text_rows(b, ray.get(w), parts), batch_format="numpy"
            )
            kept = ray.data.from_arrow(_arrow_table(ends))
            reqs = kept.map_batches(_requests, fn_kwargs={"parts": parts}, batch_format="numpy")
            verified = (
                texts.union(reqs)
                .groupby("part", num_partitions=parts)
                .map_groups(_attach_texts, fn_kwargs={"parts": parts}, batch_format="numpy")
                .groupby("part", num_partitions=parts)
                .map_groups(_verify_partition, fn_kwargs={"s": s}, batch_format="numpy")
            )
            found = _collect(verified, ["a", "b", "score", "same", "related", "close"])
            timings["candidate_texts"] = len(wanted)
            for flag in ("same", "related", "close"):
                found[flag] = found[flag].astype(bool)
        stats["verified"] = int(found["same"].sum())
        stats["different_content"] = int((found["close"] & ~found["same"]).sum())
        lap("verification")
    out = _compact_index(copies, found, s, stats, source)
    lap("driver")
    out.timings = timings
    return out


def local_equivalent(texts: Sequence[str], settings: DedupSettings = DedupSettings()) -> Any:
    """The local index of the same texts and settings (what the distributed one must equal)."""
    from dqlint.analysis.minhash import build_index

    s = settings
    return build_index(
        texts, threshold=s.threshold, near=s.near, scorer=s.scorer, shingle=s.shingle, bands=s.bands, rows=s.rows,
        max_bucket=s.max_bucket, window=s.window, verify=s.verify, related_threshold=s.related_threshold,
    )


# ---------------------------------------------------------------- what the rule adapters use


def normalised_compared(
    batch: dict[str, np.ndarray], what: str, flags: dict[str, bool], lines: Any = None, affixes: Sequence[Any] = (),
) -> dict[str, np.ndarray]:
    """The compared text of each row of a ``rows()`` batch, as toolkit/similarity.py's
    ``compared_column`` builds it: normalised (an example = its normalised input and output
    joined), the rows with shared lines normalised again without them, shared starts and ends
    cut. ``lines`` = (SharedLines-like with ``.lines``, rows or None); ``affixes`` = pairs
    (SharedAffix, rows or None): rows None means "every row that has it" (a sampled analysis),
    else the exact member rows the local analysis found."""
    import numpy as np

    from dqlint.analysis.affixes import without_lines
    from dqlint.analysis.normalize import normalize_texts

    def norm(texts: Sequence[str]) -> list[str]:
        return normalize_texts(texts, **flags)

    rows = np.asarray(batch["row"], dtype=np.int64)
    inputs = [str(x) for x in batch["input"]] if what in ("example", "input") else []
    outputs = [str(x) for x in batch["output"]] if what in ("example", "output") else []
    if what == "input":
        out, raw = norm(inputs), inputs
    elif what == "output":
        out, raw = norm(outputs), outputs
    else:
        sep = " " if flags.get("whitespace", True) else "\n"
        out = [i + sep + o if i and o else i or o for i, o in zip(norm(inputs), norm(outputs))]
        raw = [i + ("\n" + o if o else "") for i, o in zip(inputs, outputs)]
    cut = np.zeros(len(rows), dtype=np.int64)
    if lines is not None:
        shared, members = lines
        found = frozenset(shared.lines)
        at = [k for k, r in enumerate(rows.tolist()) if (r in members if members is not None else
              ("\n" in raw[k] and any(line.strip() in found for line in raw[k].split("\n"))))]
        cut[at] |= 1
        for k, text in zip(at, norm([without_lines(raw[k], found) for k in at])):
            if text:
                out[k] = text
    for bit, (affix, members) in enumerate(affixes, start=1):
        n = len(affix.text)
        for k, r in enumerate(rows.tolist()):
            t = out[k]
            if members is not None and r not in members:
                continue
            has = t.startswith(affix.text) if affix.where == "prefix" else t.endswith(affix.text)
            if members is None and not has:
                continue
            cut[k] |= 1 << bit  # a member of this shared text (rows counted for the finding)
            rest = t[n:] if affix.where == "prefix" and has else t[:-n] if affix.where == "suffix" and has else t
            rest = rest.strip(" ")
            if rest:
                out[k] = rest
    result = {"row": rows, "text": np.asarray(out, dtype=object), "cut": cut}
    if "split" in batch:
        result["split"] = batch["split"]
    return result


def fetch_rows(source: ray.data.Dataset, rows: Iterable[int], columns: Sequence[str]) -> dict[int, dict[str, Any]]:
    """The given columns of the given global rows (the ones findings report), by a filter on
    the workers."""
    import numpy as np

    want = sorted_unique(np.fromiter(rows, dtype=np.int64))
    if not len(want):
        return {}
    cols = ["row", *[c for c in columns if c != "row"]]

    def pick(batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        keep = np.isin(np.asarray(batch["row"], dtype=np.int64), want)
        return {c: np.asarray(batch[c], dtype=object)[keep] for c in cols}

    out: dict[int, dict[str, Any]] = {}
    for batch in source.select_columns(cols).map_batches(pick, batch_format="numpy").iter_batches(batch_format="numpy", batch_size=None):
        for i, r in enumerate(batch["row"].tolist()):
            out[int(r)] = {c: batch[c][i] for c in cols}
    return out


class RowsView:
    """Enough of a Dataset, keyed by global row, for the rules' finding builders: locations,
    splits, labels, inputs and outputs of the rows fetched (see :func:`fetch_rows`)."""

    COLUMNS = ("path", "line", "record", "split", "input", "output", "label")

    def __init__(self, fetched: dict[int, dict[str, Any]], has_labels: bool, has_outputs: bool) -> None:
        import json

        from dqlint.data.dataset import Location

        self._loc = {
            r: Location(str(v["path"]), None if v["line"] is None or v["line"] != v["line"] else int(v["line"]), int(v["record"]))
            for r, v in fetched.items()
        }
        self.split = {r: str(v["split"]) for r, v in fetched.items()}
        self.input = {r: str(v["input"]) for r, v in fetched.items()}
        self.output = {r: str(v["output"]) for r, v in fetched.items()}
        self._labels: dict[int, tuple[str, ...]] = {}
        for r, v in fetched.items():
            label = json.loads(v["label"]) if isinstance(v["label"], str) else None
            self._labels[r] = () if label is None else tuple(label) if isinstance(label, list) else (label,)
        self.has_labels = has_labels
        self.has_outputs = has_outputs

    def location(self, row: int) -> Any:
        return self._loc[row]

    def locations(self, rows: Sequence[int]) -> list[Any]:
        return [self._loc[r] for r in rows]

    def labels_of(self, row: int) -> tuple[str, ...]:
        return self._labels.get(row, ())

    def example_text(self, row: int) -> str:
        out = self.output[row]
        return self.input[row] + ("\n" + out if out else "")


class GlobalTexts:
    """``index.texts`` keyed by global row (the compared texts of reported rows, fetched)."""

    def __init__(self, index: DistributedIndex) -> None:
        self._index = index

    def __getitem__(self, row: int) -> str:
        return self._index.text(row)


# Whole sets up to this many rows have their shared lines / starts / ends found exactly (the
# compared texts of that many rows fit the driver); bigger ones on a seeded sample of that size.
_SHARED_TEXT_ROWS = 50_000


def compared_on_ray(inputs: Any, what: str, flags: dict[str, bool]) -> tuple[Any, Any, list, dict | None]:
    """The compared texts as a Ray Dataset (row, split, text), the shared lines and affixes
    left out of comparison, and how they were found (None: exactly, over the whole set; else
    the seeded sample). Bounded driver memory: at most ``_SHARED_TEXT_ROWS`` texts."""
    import numpy as np
    import ray

    from dqlint.analysis.affixes import shared_affixes, shared_lines, without_lines
    from dqlint.analysis.normalize import normalize_texts

    rows = inputs.rows(["row", "split", "input", "output"])
    total = rows.count()
    sampled = None
    if total > _SHARED_TEXT_ROWS:
        # A seeded sample by row id (splitmix of row ^ seed 0), the same on every run.
        share = _SHARED_TEXT_ROWS / total

        def keep(batch: dict) -> dict:
            from dqlint.analysis.minhash import mix64

            r = np.asarray(batch["row"], dtype=np.int64)
            h = mix64(r.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15))
            m = (h >> np.uint64(11)).astype(np.float64) / float(1 << 53) < share
            return {k: np.asarray(v)[m] for k, v in batch.items()}

        picked = rows.map_batches(keep, batch_format="numpy")
        sampled = {"rows": 0, "of": total, "seed": 0}
    else:
        picked = rows
    got = {"row": [], "input": [], "output": []}
    for batch in picked.select_columns(["row", "input", "output"]).iter_batches(batch_format="numpy", batch_size=None):
        for k in got:
            got[k].extend(batch[k].tolist())
    order = np.argsort(np.asarray(got["row"], dtype=np.int64), kind="stable")
    sample_rows = [int(got["row"][i]) for i in order]
    one = {"row": np.asarray(sample_rows, dtype=np.int64), "input": np.asarray([got["input"][i] for i in order], dtype=object),
           "output": np.asarray([got["output"][i] for i in order], dtype=object)}
    if sampled is not None:
        sampled["rows"] = len(sample_rows)
    raw = normalised_compared(one, what, flags)  # normalised, nothing cut yet
    inputs_, outputs_ = [str(x) for x in one["input"]], [str(x) for x in one["output"]]
    raw_texts = inputs_ if what == "input" else outputs_ if what == "output" else [i + ("\n" + o if o else "") for i, o in zip(inputs_, outputs_)]
    lines = shared_lines(raw_texts)
    texts = [str(t) for t in raw["text"]]
    if lines is not None:
        found = frozenset(lines.lines)
        for r, text in zip(lines.rows, normalize_texts([without_lines(raw_texts[r], found) for r in lines.rows], **flags)):
            if text:
                texts[r] = text
    affixes = shared_affixes(texts)
    # Positions in the sample -> global rows; exact member rows only when the sample is the set.
    to_row = lambda found_rows: tuple(sample_rows[p] for p in found_rows)  # noqa: E731
    lines_g = None if lines is None else type(lines)(lines.lines, to_row(lines.rows))
    affixes_g = [type(a)(a.where, a.text, to_row(a.rows)) for a in affixes]
    exact = sampled is None
    line_arg = None if lines_g is None else (lines_g, frozenset(lines_g.rows) if exact else None)
    affix_arg = [(a, frozenset(a.rows) if exact else None) for a in affixes_g]
    plan = ray.put((line_arg, affix_arg))
    compared = rows.map_batches(
        lambda b, p=plan: normalised_compared(b, what, flags, *ray.get(p)), batch_format="numpy"
    )
    return compared, lines_g, affixes_g, sampled


def _members_over_all(compared: ray.data.Dataset, lines: Any, affixes: list) -> tuple[Any, list]:
    """Shared text found on a sample: its rows counted over the whole set (row ids only)."""
    import numpy as np

    got = _collect(compared, ["row", "cut"])
    rows, cut = got["row"], got["cut"]
    order = np.argsort(rows, kind="stable")
    rows, cut = rows[order], cut[order]
    member = lambda bit: tuple(rows[(cut >> bit) & 1 == 1].tolist())  # noqa: E731
    lines = None if lines is None else type(lines)(lines.lines, member(0))
    return lines, [type(a)(a.where, a.text, member(bit)) for bit, a in enumerate(affixes, start=1)]


def materialized_compared(inputs: Any, what: str, flags: dict[str, bool]) -> tuple:
    """``compared_on_ray`` with the compared texts materialized, once per run and setting
    (``ctx.shared``): the index and the leakage rule's n-gram search read the same texts."""
    def build() -> tuple:
        compared, lines, affixes, sampled = compared_on_ray(inputs, what, flags)
        return compared.materialize(), lines, affixes, sampled

    key = ("ray.compared", what, tuple(sorted(flags.items())))
    shared = getattr(inputs.ctx, "shared", None)
    return shared(key, build) if shared else build()


def ray_index(inputs: Any, what: str, flags: dict[str, bool], settings: DedupSettings) -> tuple:
    """(DistributedIndex, compared-text Dataset, shared lines, shared affixes, sample or None)
    for one compared field and setting, built once per run (``ctx.shared``) so near-duplicates
    and train-test-leakage share it, as they share the local index."""
    def build() -> tuple:
        compared, lines, affixes, sampled = materialized_compared(inputs, what, flags)
        parts = shuffle_partitions(compared.count(), getattr(inputs, "num_cpus", 2))
        if sampled is not None and (lines is not None or affixes):
            lines, affixes = _members_over_all(compared, lines, affixes)
        return build_distributed_index(compared, settings, num_partitions=parts), compared, lines, affixes, sampled

    key = ("ray.similarity", what, tuple(sorted(flags.items())), settings)
    shared = getattr(inputs.ctx, "shared", None)
    return shared(key, build) if shared else build()
