"""The similarity engine: normalisation, exact groups, verified near pairs, n-gram overlap,
and recall / precision against brute-force rapidfuzz on generated data."""

from __future__ import annotations

import importlib.util
import pathlib

import numpy as np
import pytest
from rapidfuzz import fuzz, process

from dqlint.analysis.groups import connected_groups, exact_groups
from dqlint.analysis.minhash import build_index, cross_matches, near_duplicate_pairs
from dqlint.analysis.ngrams import ngram_overlaps
from dqlint.analysis.normalize import normalize_texts
from dqlint.analysis.verify import pair_similarity

BENCHMARKS = pathlib.Path(__file__).resolve().parent.parent / "benchmarks"


def _generator():
    spec = importlib.util.spec_from_file_location("duplicates_data", BENCHMARKS / "duplicates_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- normalisation ----------------------------------------------------------------------------


def test_normalize_folds_unicode_case_whitespace_and_punctuation():
    texts = [
        "Hello,  World!",
        "ＨＥＬＬＯ　ｗｏｒｌｄ",  # full-width letters and ideographic space (NFKC)
        "hello\u00a0world\n",  # no-break space
        "Straße",  # casefold: ß -> ss
        "cafe\u0301",  # decomposed é composes under NFKC
        "café",
        "",
        "¿Qué tal? — ¡bien!",
    ]
    assert normalize_texts(texts) == [
        "hello world",
        "hello world",
        "hello world",
        "strasse",
        "café",
        "café",
        "",
        "qué tal bien",
    ]


def test_normalize_steps_can_be_switched_off():
    assert normalize_texts(["A,  b"], casefold=False) == ["A b"]
    assert normalize_texts(["A,  b"], punctuation=False) == ["a, b"]
    assert normalize_texts(["A,  b"], whitespace=False) == ["a  b"]
    assert normalize_texts(["ｆｕｌｌ"], nfkc=False) == ["ｆｕｌｌ"]


# -- exact groups and union-find ------------------------------------------------------------


def test_exact_groups_ignore_empty_keys_and_singletons():
    keys = ["a", "b", "", "a", "", "c", "a", "b"]
    assert exact_groups(keys) == [[0, 3, 6], [1, 7]]


def test_connected_groups_join_chains():
    assert connected_groups(7, [(0, 1, 99.0), (5, 6, 91.0), (1, 3, 95.0)]) == [[0, 1, 3], [5, 6]]
    assert connected_groups(3, []) == []


# -- near pairs -------------------------------------------------------------------------------

BASE = (
    "The quarterly report shows revenue grew by twelve percent while operating costs stayed flat, "
    "mostly because the new warehouse in Leeds opened two months ahead of schedule."
)
OTHER = (
    "Photosynthesis converts light energy into chemical energy stored in glucose, releasing oxygen as "
    "a by-product; it takes place in the chloroplasts of plant cells."
)


def test_near_pairs_find_edited_copies_and_groups_of_three():
    texts = normalize_texts([
        BASE,
        OTHER,
        BASE.replace("twelve", "twelfe"),  # typo
        BASE.replace("Leeds opened", "opened Leeds"),  # swapped words
        OTHER.upper(),  # exact after normalisation
        "",
    ])
    pairs = near_duplicate_pairs(texts, threshold=90)
    assert all(score >= 90 for _, _, score in pairs)
    groups = connected_groups(len(texts), pairs)
    assert groups == [[0, 2, 3], [1, 4]]
    assert (1, 4, 100.0) in pairs


def test_threshold_decides_which_pairs_are_kept():
    a = normalize_texts([BASE])[0]
    b = normalize_texts([BASE.replace("revenue grew by twelve percent", "sales went up by 12 %")])[0]
    score = pair_similarity(a, b)
    assert 89 < score < 90
    assert near_duplicate_pairs([a, b], threshold=85) == [(0, 1, pytest.approx(score, abs=0.01))]
    assert near_duplicate_pairs([a, b], threshold=90) == []
    # 100 means exact copies only.
    assert near_duplicate_pairs([a, b, a], threshold=100) == [(0, 2, 100.0)]


def test_empty_and_tiny_texts_are_not_near_anything():
    pairs = near_duplicate_pairs(["", "", "ab", "ab", "abc", "x"], threshold=50)
    assert pairs == [(2, 3, 100.0)]


def test_one_huge_text_and_its_copy():
    huge = " ".join(f"token{i % 997} word{i}" for i in range(60_000))  # ~1 MB
    texts = normalize_texts([huge, OTHER, huge[:-50] + " extra words at the end", BASE])
    pairs = near_duplicate_pairs(texts)
    assert [(i, j) for i, j, _ in pairs] == [(0, 2)]


def test_short_texts_with_few_shingles_still_match():
    texts = normalize_texts(["What is the capital of France?", "what is the capitol of france", "Where do penguins live?"])
    assert [(i, j) for i, j, _ in near_duplicate_pairs(texts)] == [(0, 1)]


def test_shared_template_does_not_explode_candidates():
    template = "You are a support agent for Acme. Follow the policy, be brief, cite the section. " * 3
    rng = np.random.default_rng(0)
    texts = [template + " ".join(f"w{x}" for x in rng.integers(0, 100_000, 6)) for _ in range(3000)]
    index = build_index(normalize_texts(texts), threshold=95)
    # Every pair shares the template; capped buckets keep candidates linear, not 4.5 million.
    assert index.stats["candidates"] < 3000 * 40


def test_cross_matches_name_every_corpus_row():
    queries = normalize_texts([BASE, "nothing like it at all, a completely separate sentence"])
    corpus = normalize_texts([OTHER, BASE.lower(), BASE.replace("flat", "flat too")])
    assert [(q, c) for q, c, _ in cross_matches(queries, corpus)] == [(0, 1), (0, 2)]


# -- n-gram overlap ---------------------------------------------------------------------------


def test_ngram_overlap_reports_the_shared_span():
    question = "Which element has the atomic number seventy nine and the chemical symbol Au in the periodic table"
    long_train = "Notes from class. " + question + ". The answer is gold, a dense soft metal."
    overlaps = ngram_overlaps([question, "too short to have a thirteen word gram"], [OTHER, long_train], n=13)
    assert len(overlaps) == 1
    o = overlaps[0]
    assert (o.query, o.corpus) == (0, 1)
    assert o.span == normalize_texts([question])[0]
    assert o.shared == o.total == len(question.split()) - 12


def test_ngram_boilerplate_shared_by_many_rows_is_ignored():
    boiler = "please answer the question below using only the provided context and cite the source document"
    corpus = [f"{boiler} item {i}" for i in range(60)]
    assert ngram_overlaps([boiler + " something else"], corpus, n=13, max_corpus_rows=50) == []
    assert len(ngram_overlaps([boiler + " something else"], corpus[:10], n=13, max_corpus_rows=50)) == 10


# -- against brute force ----------------------------------------------------------------------


def test_recall_and_precision_against_brute_force_rapidfuzz():
    texts = _generator().texts_with_duplicates(4000, seed=7, low=80, high=300, dup_share=0.08)
    norm = normalize_texts(texts)
    index = build_index(norm, threshold=90)
    found = _generator().expand_index(index)

    scores = process.cdist(norm, norm, scorer=fuzz.ratio, score_cutoff=90, workers=-1, dtype=np.uint8)
    i, j = np.nonzero(np.triu(scores >= 90, 1))
    truth = {(a, b) for a, b in zip(i.tolist(), j.tolist()) if norm[a] and norm[b]}

    assert len(truth) > 300
    recall = len(truth & found) / len(truth)
    assert recall >= 0.95, recall
    # Precision 1.0: every reported pair passes verification at the threshold.
    assert all(pair_similarity(norm[a], norm[b]) >= 90 for a, b in found)


def test_ngram_long_words_that_only_differ_in_the_middle_do_not_match():
    # Word hashes read a word's first and last 8 bytes; reported spans are confirmed in the text.
    a = " ".join(f"abcdefgh{'x' * 5}{i:02d}stuvwxyz" for i in range(14))
    b = " ".join(f"abcdefgh{'y' * 5}{i:02d}stuvwxyz" for i in range(14))
    assert ngram_overlaps([a], [b], n=13) == []
    assert len(ngram_overlaps([a], [a + " tail"], n=13)) == 1


def test_candidates_per_row_are_bounded_on_one_huge_template():
    """3,000 rows of one template (a shared sentence, another order number each): every row
    lands in the same buckets, yet the index proposes at most ``per_row`` candidates a row
    and reports the count; copies of one text still form one exact group."""
    texts = [f"my order {100000 + 7 * i} has not arrived where is my parcel please help me track it" for i in range(3000)]
    texts += texts[:5]
    index = build_index(normalize_texts(texts), threshold=90, per_row=16)
    stats = index.stats
    assert stats["candidates_found"] > stats["candidates"] > 0
    assert stats["candidates"] <= 16 * stats["unique"]
    assert stats["candidates_per_row"] == round(stats["candidates"] / stats["unique"], 3)
    groups, dropped = index.duplicate_groups()
    exact = sorted(g.rows for g in groups if g.kind == "exact")
    assert exact == [[i, 3000 + i] for i in range(5)]
    # Every near member is verified against the row its group keeps (no chaining).
    texts_n = index.texts
    from dqlint.analysis.verify import pair_similarity

    for g in groups:
        for row, score in g.partners:
            assert pair_similarity(texts_n[row], texts_n[g.kept]) >= 90


def test_the_per_row_cap_changes_nothing_on_small_groups():
    """A near group of 12 copies with typos: under the cap every pair is still proposed."""
    base = "the quick brown fox jumps over the lazy dog near the old river bank today"
    texts = [base[:i] + "x" + base[i + 1 :] for i in range(3, 60, 5)]
    capped = build_index(normalize_texts(texts), threshold=80, per_row=16)
    uncapped = build_index(normalize_texts(texts), threshold=80, per_row=0)
    assert capped.stats["candidates_capped"] == 0
    assert capped.pairs.tolist() == uncapped.pairs.tolist()


@pytest.mark.parametrize("key_bits", [64, 0], ids=["packed keys", "lexsort"])
def test_the_per_row_cap_keeps_the_partners_its_rule_names(key_bits, monkeypatch):
    """Each text keeps its ``per_row`` partners by most agreeing bands, half the places to the
    earliest partners and half by a hash of the pair (the packed-key sort must pick exactly
    these, and so must the lexsort taken when keys do not fit in 64 bits, and pairs given in
    any order): checked against the rule written out with ``np.lexsort`` on random candidate sets."""
    from dqlint.analysis import minhash
    from dqlint.analysis.minhash import _cap_per_row, mix64

    monkeypatch.setattr(minhash._EntryOrder, "KEY_BITS", key_bits)

    def reference(a, b, bands, n, per_row):
        m = len(a)
        end, other = np.concatenate([a, b]), np.concatenate([b, a])
        closeness, pair = -np.concatenate([bands, bands]).astype(np.int64), np.concatenate([np.arange(m), np.arange(m)])
        degree = np.bincount(end, minlength=n)
        if degree.max() <= per_row:  # no text over the cap: every pair stays
            return np.ones(m, dtype=bool)
        run_start = np.concatenate([[0], np.cumsum(degree)[:-1]])
        hashed = mix64(pair.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(1))
        keep = np.zeros(m, dtype=bool)
        for tie, places in ((other, (per_row + 1) // 2), (hashed, per_row - (per_row + 1) // 2)):
            order = np.lexsort((tie, closeness, end))
            keep[pair[order[np.arange(len(order)) - run_start[end[order]] < places]]] = True
        return keep

    rng = np.random.default_rng(0)
    for _ in range(20):
        n = int(rng.integers(2, 2000))
        a, b = rng.integers(0, n, 8000), rng.integers(0, n, 8000)
        codes = np.unique(np.minimum(a, b)[a != b] * n + np.maximum(a, b)[a != b])
        a, b = codes // n, codes % n
        bands = rng.integers(1, 17, len(a)).astype(np.int32)
        per_row = int(rng.integers(1, 20))
        expected = reference(a, b, bands, n, per_row)
        assert np.array_equal(_cap_per_row(a, b, bands, np.zeros(n), per_row), expected)
        shuffled = rng.permutation(len(a))
        assert np.array_equal(_cap_per_row(a[shuffled], b[shuffled], bands[shuffled], np.zeros(n), per_row), expected[shuffled])


def test_token_sort_scores_equal_rapidfuzz_whatever_the_whitespace():
    """Words sorted once per text score as rapidfuzz's token_sort_ratio does, also for texts
    with tabs, newlines or no-break spaces (which rapidfuzz and str.split() split apart differently)."""
    import random

    from dqlint.analysis.verify import _token_sort_scores

    rng = random.Random(0)
    alphabet = list("abc de") + ["  ", "\t", "\n", "\xa0", "\u3000", "\x85", "é"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(500)]
    a, b = np.array([rng.randrange(500) for _ in range(5000)]), np.array([rng.randrange(500) for _ in range(5000)])
    for cutoff in (0, 60, 90):
        want = process.cpdist([texts[i] for i in a], [texts[i] for i in b], scorer=fuzz.token_sort_ratio, score_cutoff=cutoff)
        assert np.array_equal(_token_sort_scores(texts, a, b, cutoff), want.astype(np.float32))


def _reference_mixed_groups(index, key_of, min_score):
    """Label-conflict groups read off the full index: near pairs at min_score joined, then
    copies of one text; only groups whose rows hold two keys."""
    members = index.members()
    near = [(a, b) for (a, b), s in zip(index.pairs.tolist(), index.scores.tolist()) if s >= min_score]
    joined = connected_groups(len(members), near)
    groups = [sorted(r for u in uids for r in members[u]) for uids in joined]
    groups += [m for u, m in enumerate(members) if len(m) > 1 and u not in {u for g in joined for u in g}]
    return [g for g in groups if len({key_of[r] for r in g if r in key_of}) > 1]


def test_label_conflict_groups_are_the_full_index_groups_whichever_comes_first():
    """mixed_groups verifies only pairs that can start or join a group holding two labels;
    its groups are those of the full index, whether the index was built before, after or not at all."""
    from dqlint.data.ingest import dataset_from_records
    from dqlint.rule import CheckContext
    from dqlint.toolkit.similarity import Normalization, dataset_index, mixed_groups

    rng = np.random.default_rng(3)
    subjects = ["invoice", "parcel", "password", "refund", "screen", "account", "order", "card"]
    records = []
    for i in range(600):
        words = [subjects[int(k)] for k in rng.integers(0, len(subjects), 12)]
        text = f"ticket about my {' '.join(words)} since monday please help"
        label = ["billing", "shipping", "technical"][i % 3]
        records.append({"text": text, "label": label})
        if i % 7 == 0:  # a near copy (one letter off), sometimes with another label: chains of conflicts
            records.append({"text": text.replace("please", "pleese"), "label": label if i % 2 else "account"})
        if i % 11 == 0:  # an exact copy with another label
            records.append({"text": text, "label": "returns"})
    ds = dataset_from_records(records, path="t.jsonl")
    key_of = {r: str(ds.label[r]) for r in range(len(ds))}
    norm = Normalization()

    lazy_ctx, full_ctx = CheckContext(ds), CheckContext(ds)
    lazy = mixed_groups(lazy_ctx, "input", norm, key_of, threshold=90, min_score=95)
    after = dataset_index(lazy_ctx, "input", norm, threshold=90)
    full = dataset_index(full_ctx, "input", norm, threshold=90)
    assert after.pairs.tolist() == full.pairs.tolist() and after.related.tolist() == full.related.tolist()
    assert after.stats == {**full.stats, "seconds": after.stats["seconds"]}
    expected = _reference_mixed_groups(full, key_of, 95)
    assert len(expected) > 20 and any(len(g) > 2 for g in expected)
    assert lazy == expected
    assert mixed_groups(full_ctx, "input", norm, key_of, threshold=90, min_score=95) == expected


def test_held_out_neighbours_are_the_full_index_neighbours_whichever_comes_first():
    """neighbours_of (the leakage check's question) verifies only the pairs touching the given
    texts; its answer is the full index's neighbours of those texts, in the same order, and a
    full index built afterwards is the one built directly."""
    from dqlint.data.ingest import dataset_from_records
    from dqlint.rule import CheckContext
    from dqlint.toolkit.similarity import Normalization, dataset_candidates, dataset_index

    rng = np.random.default_rng(5)
    subjects = ["invoice", "parcel", "password", "refund", "screen", "account", "order", "card"]
    records = []
    for i in range(500):
        text = f"my {' '.join(subjects[int(k)] for k in rng.integers(0, len(subjects), 12))} broke again today"
        records.append({"text": text, "label": "x"})
        if i % 5 == 0:
            records.append({"text": text.replace("again", "agian"), "label": "x"})
    ds = dataset_from_records(records, path="t.jsonl")
    norm = Normalization()
    lazy_ctx, full_ctx = CheckContext(ds), CheckContext(ds)
    lazy = dataset_candidates(lazy_ctx, "input", norm, threshold=90)
    full = dataset_index(full_ctx, "input", norm, threshold=90)
    every = full.neighbours()
    wanted = sorted(every)[::3] + [u for u in range(0, len(full.rep), 17) if u not in every]
    expected = {u: every[u] for u in sorted(set(wanted)) if u in every}
    assert len(expected) > 10
    assert lazy.neighbours_of(wanted) == expected
    assert lazy.rows_of(wanted[:5]) == full.rows_of(wanted[:5])
    after = dataset_index(lazy_ctx, "input", norm, threshold=90)
    assert after.pairs.tolist() == full.pairs.tolist() and after.related.tolist() == full.related.tolist()
    assert dataset_candidates(full_ctx, "input", norm, threshold=90).neighbours_of(wanted) == expected


def test_merging_candidate_codes_counts_each_pair_over_all_bands():
    """``_merge_codes`` (the candidates' running tally, merged by a stable sort of two sorted
    runs) gives what counting every code at once gives."""
    from dqlint.analysis.minhash import _merge_codes

    rng = np.random.default_rng(7)
    for _ in range(200):
        codes = np.unique(rng.integers(0, 50, rng.integers(1, 40)).astype(np.uint64))
        counts = rng.integers(1, 5, len(codes)).astype(np.int32)
        new = [rng.integers(0, 50, rng.integers(0, 30)).astype(np.uint64) for _ in range(rng.integers(1, 3))]
        merged, merged_counts = _merge_codes(codes, counts, new)
        expected, expected_counts = np.unique(np.concatenate([np.repeat(codes, counts), *new]), return_counts=True)
        assert np.array_equal(merged, expected) and np.array_equal(merged_counts, expected_counts)
        assert merged_counts.dtype == np.int32


def test_token_sort_scores_are_rapidfuzzs_whatever_the_spaces():
    """Each text's words are sorted once and gathered per pair; texts holding other white space
    (U+00A0, U+0085), which rapidfuzz splits its own way, are scored by rapidfuzz itself."""
    import random

    from dqlint.analysis.verify import _token_sort_scores

    rng = random.Random(5)
    words = ["alpha", "beta", "gamma", "x", "y\u00a0z", "q\u0085r", "w"]
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(0, 8))) for _ in range(300)]
    a = np.array([rng.randrange(300) for _ in range(5000)])
    b = np.array([rng.randrange(300) for _ in range(5000)])
    expected = [fuzz.token_sort_ratio(texts[i], texts[j], score_cutoff=50.0) for i, j in zip(a.tolist(), b.tolist())]
    assert np.array_equal(_token_sort_scores(texts, a, b, 50.0), np.array(expected, dtype=np.float32))
