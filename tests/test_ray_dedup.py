"""The distributed MinHash-LSH index (dqlint/engine/ray/dedup.py) equals the local one.

On a local 2-CPU Ray instance with 4 partitions: generated data with planted exact and near
duplicates and train/test leaks, and real sets (tweeteval, fastchat). Equal means the same
stats, row pairs (exact copies and verified near pairs with their scores), duplicate groups per
split (rows, kept row, similarity, partners), template families and related pairs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ray = pytest.importorskip("ray", reason="ray is not installed (pip install 'dqlint[ray]')")
pytest.importorskip("ray.data", reason="ray[data] is not installed")

from dqlint.data.ingest import dataset_from_records, load_inputs  # noqa: E402
from dqlint.data.sources import InputSpec  # noqa: E402
from dqlint.engine.ray.dedup import DedupSettings, build_distributed_index  # noqa: E402
from dqlint.rule import CheckContext  # noqa: E402
from dqlint.toolkit.similarity import Normalization, compared_column, dataset_index  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from duplicates_data import chat_records, split_with_leaks  # noqa: E402


def _shared() -> Path | None:
    base = Path(os.environ.get("DQLINT_SHARED", ROOT.parent / "shared"))
    real = base / "data" / "real"
    return real if real.is_dir() else None


@pytest.fixture(scope="module")
def local_ray(ray_local):
    """The session's local 2-CPU Ray instance (conftest)."""
    return ray_local


def _ties_stable() -> bool:
    """Whether minhash._bucket_pairs orders equal-length members of a big bucket by position
    (a stable sort): only then can any engine reproduce its window pairs."""
    import numpy as np

    from dqlint.analysis.minhash import _bucket_pairs

    rng = np.random.default_rng(0)
    n = 5000
    keys = np.where(rng.random(n) < 0.5, 1 << 40, 2 << 40).astype(np.uint64)
    lengths = rng.integers(50, 53, n)
    got = {tuple(p) for p in np.sort(_bucket_pairs(keys, lengths, 64, 8), axis=1).tolist()}
    want = set()
    for k in np.unique(keys).tolist():
        members = np.flatnonzero(keys == k)
        members = members[np.lexsort((members, lengths[members]))]
        for d in range(1, 9):
            want |= {tuple(sorted(p)) for p in zip(members[:-d].tolist(), members[d:].tolist())}
    return got == want


def _compare(ds, what: str = "example", **settings) -> dict:
    """Build both indexes over the rule's compared texts and assert they are equal."""
    import ray.data

    ctx = CheckContext(ds)
    norm = Normalization()
    s = DedupSettings(**settings)
    local = dataset_index(ctx, what, norm, threshold=s.threshold, near=s.near, scorer=s.scorer)
    texts = compared_column(ctx, what, norm)
    rows = ray.data.from_items([{"row": i, "text": t} for i, t in enumerate(texts)], override_num_blocks=4)
    dist = build_distributed_index(rows, s, num_partitions=4)

    assert dist.stats == {k: v for k, v in local.stats.items() if k != "seconds"}
    assert dist.row_pairs() == local.row_pairs()
    as_tuples = lambda groups: [(g.kind, g.rows, g.kept, g.similarity, g.partners) for g in groups]  # noqa: E731
    for split in ("train", "validation", "test"):
        split_rows = ds.rows(split)
        if split_rows:
            (lg, ld), (dg, dd) = local.duplicate_groups(split_rows), dist.duplicate_groups(split_rows)
            assert as_tuples(dg) == as_tuples(lg)
            assert dd == ld
    every = list(range(len(ds)))
    assert dist.template_families(every, min_texts=5) == local.template_families(every, min_texts=5)
    related = sorted((local.rep[a], local.rep[b]) for a, b in local.related.tolist())
    assert sorted(tuple(int(dist.rows[dist.index.rep[u]]) for u in p) for p in dist.index.related.tolist()) == related
    # Findings quote the compared texts of the rows they report: fetched from the workers.
    groups, _ = dist.duplicate_groups()
    quoted = [r for g in groups[:5] for r in g.rows]
    dist.prefetch(quoted)
    assert [dist.text(r) for r in quoted] == [texts[r] for r in quoted]
    return {"local": local, "dist": dist, "groups": groups}


def test_planted_duplicates_and_leaks(local_ray):
    """3,000 generated chats (5 % edited, 2 % verbatim copies) split into train and test with
    5 % leaked test rows: every group, pair and score the local index gives."""
    train, test = split_with_leaks(chat_records(3000, seed=7), test_share=0.1, leak_share=0.05)
    ds = load_inputs([InputSpec(train, split="train", name="train"), InputSpec(test, split="test", name="test")])
    got = _compare(ds)
    stats = got["local"].stats
    assert stats["verified"] > 100 and len(got["groups"]) > 100  # the planted copies are there
    # Leaks: test rows in an exact group or a verified pair with a train row (the leakage rule's input).
    dist = got["dist"]
    test_rows = set(ds.rows("test"))
    leaked = {
        r for a, b, _ in dist.row_pairs() for r in (a, b)
        if (a in test_rows) != (b in test_rows)
    }
    assert len(leaked) > 10


def test_input_only_and_exact_only(local_ray):
    """The input field (shorter texts, empty ones among them) and exact-only (near off)."""
    records = chat_records(1500, seed=3, with_system=False)
    records[5]["messages"][0]["content"] = ""
    ds = dataset_from_records(records)
    _compare(ds, "input")
    _compare(ds, near=False)


@pytest.mark.skipif(_shared() is None, reason="the shared real data (DQLINT_SHARED) is not here")
def test_real_tweeteval(local_ray):
    """Real tweets, three splits: short texts, many retweet copies."""
    real = _shared() / "tweeteval_emotion"
    ds = load_inputs([InputSpec(str(real / f"{s}.csv"), split=s) for s in ("train", "validation", "test")])
    got = _compare(ds)
    assert got["local"].stats["verified"] > 100


@pytest.mark.skipif(_shared() is None, reason="the shared real data (DQLINT_SHARED) is not here")
def test_real_fastchat_templated(local_ray):
    """Long ShareGPT chats from a few templates: band buckets bigger than max_bucket, where the
    window pairing depends on how the local sort orders members of equal length."""
    if not _ties_stable():
        pytest.xfail("minhash._bucket_pairs sorts equal-length bucket members unstably")
    ds = load_inputs([InputSpec(str(_shared() / "fastchat_sharegpt" / "dummy_conversation.json"), split="train")])
    _compare(ds)


class _Inputs:
    """RayInputs as docs/plugins.md ("Running on a cluster") describes it, built from a local Dataset (the engine
    builds the same columns from its blocks), for the rule adapters."""

    num_cpus = 2

    def __init__(self, ds) -> None:
        import json

        import ray.data

        self.ctx = CheckContext(ds)
        items = [
            {
                "row": r, "split": ds.split[r], "input": ds.input[r], "output": ds.output[r], "text": ds.example_text(r),
                "path": ds.location(r).path, "line": ds.location(r).line, "record": ds.location(r).record,
                "label": json.dumps(list(ds.label[r]) if isinstance(ds.label[r], tuple) else ds.label[r]),
            }
            for r in range(len(ds))
        ]
        self._rows = ray.data.from_items(items, override_num_blocks=4).materialize()

    def rows(self, columns=None):
        return self._rows.select_columns(list(columns)) if columns else self._rows

    def split_rows(self):
        import numpy as np

        ds = self.ctx.dataset
        return {s: np.asarray(ds.rows(s), dtype=np.int64) for s in dict.fromkeys(ds.split)}

    def has(self, column):
        ds = self.ctx.dataset
        return ds.has_labels if column == "label" else any(getattr(ds, column))

    def progress(self, message: str) -> None:
        pass


def _result(result) -> dict:
    return {
        "status": result.status, "message": result.message, "metric": result.metric, "details": result.details,
        "findings": [(f.message, f.locations, f.snippet, f.details, f.fix) for f in result.findings],
    }


def test_near_duplicates_rule_on_ray_equals_check(local_ray):
    """The rule's run_distributed gives check()'s result: groups, kept rows, differences, texts,
    template, shared-text and same-input findings, metric and details."""
    from dqlint.rules.near_duplicates import NearDuplicates

    train, test = split_with_leaks(chat_records(2000, seed=11), test_share=0.1, leak_share=0.05)
    ds = load_inputs([InputSpec(train, split="train", name="train"), InputSpec(test, split="test", name="test")])
    rule = NearDuplicates()
    options = NearDuplicates.make_options({})
    local = rule.check(CheckContext(ds), options)
    ray_result = rule.run_distributed(_Inputs(ds), options)
    assert local.details["groups"] > 50 and local.details["same_input_groups"] > 0
    assert _result(ray_result) == _result(local)


def test_train_test_leakage_rule_on_ray_equals_check(local_ray):
    """The leakage rule's run_distributed gives check()'s result: exact, near and 13-gram leaks
    (a test question pasted inside a longer training answer), with their matches and spans."""
    from dqlint.rules.train_test_leakage import TrainTestLeakage

    train, test = split_with_leaks(chat_records(2000, seed=5, with_system=False), test_share=0.1, leak_share=0.1)
    # N-gram leaks: three test questions quoted inside longer training questions.
    for k in range(3):
        question = test[10 + k]["messages"][0]["content"]
        train[k]["messages"][0]["content"] = "Someone asked me this and I could not answer it: " + question + " What would you say?"
    ds = load_inputs([InputSpec(train, split="train", name="train"), InputSpec(test, split="test", name="test")])
    rule = TrainTestLeakage()
    options = TrainTestLeakage.make_options({})
    local = rule.check(CheckContext(ds), options)
    ray_result = rule.run_distributed(_Inputs(ds), options)
    assert all(local.details["by_kind"][k] > 0 for k in ("exact", "near", "ngram"))
    assert _result(ray_result) == _result(local)


def test_shuffle_partitions_bound_the_rows_of_a_partition():
    """Few partitions on small sets (each is a task of fixed cost), two per CPU on big ones, and
    never more than 500,000 rows in one: 10M rows on 2 CPUs used to make 4 partitions, and one
    reduce task held 11 GiB."""
    from dqlint.engine.ray.dedup import shuffle_partitions

    assert shuffle_partitions(3_000, 2) == 1
    assert shuffle_partitions(100_000, 2) == 4
    assert shuffle_partitions(1_100_000, 2) == 4 and shuffle_partitions(1_100_000, 16) == 32
    assert shuffle_partitions(11_000_000, 2) == 22
    assert all(rows / shuffle_partitions(rows, 2) <= 500_000 for rows in (10**6, 3 * 10**6, 10**7, 10**8))
