"""edge-case-ratio: explicit markers, the estimate and its reasons, the 10-20 % band."""

from __future__ import annotations

import json
import random

import pytest
from dqlint.analysis.outliers import nearest_similarities
from dqlint.rules.edge_case_ratio import EdgeCaseRatio

from dqlint.data.ingest import load_inputs
from dqlint.data.sources import InputSpec
from dqlint.rule import CheckContext, Status

PRODUCTS = ["router", "modem", "laptop", "printer", "monitor", "phone", "tablet", "camera"]
PROBLEMS = ["does not turn on", "keeps restarting", "shows an error light", "is very slow", "lost its settings"]
LABELS = ["hardware", "network", "billing"]


def typical_rows(n, seed=1):
    """Support tickets that share vocabulary and have ordinary lengths."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        product, problem = rng.choice(PRODUCTS), rng.choice(PROBLEMS)
        rows.append(
            {
                "text": f"My {product} {problem} since yesterday, ticket {i}. Can you help me fix my {product}?",
                "label": LABELS[i % 3],
            }
        )
    return rows


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return str(path)


def load(tmp_path, records, name="train.jsonl"):
    return load_inputs([InputSpec(write_jsonl(tmp_path / name, records))])


def run_rule(ds, **opts):
    return EdgeCaseRatio().check(CheckContext(ds), EdgeCaseRatio.make_options(opts))


LONG = {"text": "My router log follows. " + "ERROR 0x00ff timeout on port 8080 while negotiating. " * 150, "label": "network"}
RARE = {"text": "My laptop does not turn on since yesterday, can you help me fix my laptop?", "label": "legal-hold"}
ISOLATED = [
    {"text": "Quelle est la recette traditionnelle de la bouillabaisse marseillaise?", "label": "billing"},
    {"text": "Zebras migrate across savannah grasslands following seasonal rainfall", "label": "hardware"},
]


def test_estimate_names_each_reason_and_does_not_judge_below_band(tmp_path):
    records = typical_rows(96)
    records[10] = LONG
    records[20] = RARE
    records[30], records[40] = ISOLATED
    ds = load(tmp_path, records)
    result = run_rule(ds)
    assert result.status is Status.PASS  # an estimate below the band is a floor, not a shortage
    assert result.details["method"] == "estimated"
    assert "no record is marked" in result.details["why_method"]
    by_line = {f.locations[0].line: f for f in result.findings}
    assert set(by_line) == {11, 21, 31, 41}
    assert by_line[11].details["reasons"] == ["length", "repetitive", "off-topic", "isolated"]  # a log dump
    assert by_line[21].details["reasons"] == ["rare class"]
    assert "'legal-hold' (1 of 96, 1.0%)" in by_line[21].message
    assert by_line[31].details["reasons"] == ["language", "off-topic", "isolated"]  # French
    assert "looks like French (most of the set: English) (in the input)" in by_line[31].message
    assert by_line[41].details["reasons"] == ["off-topic", "isolated"]
    assert result.metric.value == pytest.approx(4 / 96, abs=1e-6)
    assert result.metric.threshold == 0.10
    assert result.message.startswith(
        "estimated 4.2% edge cases (4 of 96 train examples counted; 95% interval 1.6%-10.2%), "
        "below the 10%-20% band; not judged"
    )
    assert result.details["interval"] == [pytest.approx(0.0163, abs=1e-3), pytest.approx(0.1022, abs=1e-3)]
    assert result.details["judged"] is False
    band = result.details["charts"][0]
    assert band == {"kind": "band", "title": "Edge-case share", "value": pytest.approx(4 / 96), "low": 0.1, "high": 0.2}


def test_out_of_band_can_fail(tmp_path):
    records = typical_rows(60)
    for record in records[:30]:
        record["edge_case"] = True
    assert run_rule(load(tmp_path, records), **{"out-of-band": "fail"}).status is Status.FAIL


def test_typical_rows_alone_are_not_edge_cases(tmp_path):
    result = run_rule(load(tmp_path, typical_rows(120)))
    assert result.findings == [] and result.metric.value == 0
    assert result.status is Status.PASS and result.details["judged"] is False


def test_explicit_field_within_band_passes(tmp_path):
    records = typical_rows(100)
    for i, record in enumerate(records):
        record["edge_case"] = i % 7 == 0  # 15 of 100
    result = run_rule(load(tmp_path, records))
    assert result.status is Status.PASS
    assert result.details["method"] == "explicit" and result.metric.value == pytest.approx(0.15)
    assert result.message.startswith("marked 15.0% edge cases (15 of 100 train examples), within")
    assert len(result.findings) == 15 and result.findings[0].locations[0].line == 1
    assert result.findings[0].message == "marked: edge_case = True"


def test_explicit_tags_too_many_warn(tmp_path):
    records = typical_rows(40)
    for i, record in enumerate(records):
        record["tags"] = ["edge-case", "vip"] if i % 2 else ["vip"]
    result = run_rule(load(tmp_path, records))
    assert result.status is Status.WARN and result.details["method"] == "explicit"
    assert result.metric.value == 0.5 and result.metric.threshold == 0.2
    assert "above the 10%-20% band" in result.message


def test_nested_marker_field_and_string_values(tmp_path):
    records = typical_rows(20)
    for i, record in enumerate(records):
        record["meta"] = {"hard": "yes" if i < 3 else "no"}
    result = run_rule(load(tmp_path, records), field="meta.hard")
    assert result.details["method"] == "explicit" and result.metric.value == pytest.approx(0.15)


def test_forced_explicit_with_no_marks_reports_zero(tmp_path):
    result = run_rule(load(tmp_path, typical_rows(20)), method="explicit")
    assert result.metric.value == 0 and "no record has a true 'edge_case'" in result.message


def test_too_few_rows_to_estimate_is_skipped(tmp_path):
    result = run_rule(load(tmp_path, typical_rows(10)))
    assert result.status is Status.SKIPPED and "too few to estimate" in result.message


def test_large_sets_are_estimated_on_a_sample(tmp_path):
    records = typical_rows(300)
    records[7] = LONG
    result = run_rule(load(tmp_path, records), **{"sample-size": 100})
    assert result.details["sampled"] is True
    assert "random sample" in result.message
    assert result.details["examples"] == 100


def test_nearest_similarities():
    s = nearest_similarities(["red apple pie", "red apple tart", "quantum chromodynamics lattice", "the of and"])
    assert s[0] == pytest.approx(s[1]) and s[0] > 0.4
    assert s[2] == pytest.approx(0.0)
    assert s[3] != s[3]  # no content word: not judged (NaN)


def test_isolated_input_found_in_a_homogeneous_set(tmp_path):
    records = [{"text": f"My router {i} does not connect to wifi, what should I do?"} for i in range(200)]
    records[7] = {"text": "Here is my stack trace from the kernel panic, please debug it"}
    result = run_rule(load(tmp_path, records))
    [finding] = result.findings
    assert finding.locations[0].line == 8 and finding.details["reasons"] == ["isolated"]


def test_tfidf_rows_weighs_words_like_the_scikit_learn_factory():
    import numpy as np

    from dqlint.analysis.features import tfidf_rows, tfidf_vectorizer

    texts = ["red apple pie apple", "red apple tart", "quantum lattice chromodynamics", "pie pie tart"]
    mine = tfidf_rows([t.split() for t in texts])
    vectorizer = tfidf_vectorizer(max_features=1000, analyzer=str.split)
    reference = vectorizer.fit_transform(texts).toarray()
    order = [vectorizer.vocabulary_[w] for w in dict.fromkeys(w for t in texts for w in t.split())]
    assert np.abs(mine - reference[:, order]).max() < 1e-6


def _mixed_rows(n: int, marked: bool) -> list[dict]:
    """Typical tickets with edge cases spread through them: long logs, rare labels, French and
    garbled texts, answers; every 50th row marked as an edge case when ``marked``."""
    records = typical_rows(n, seed=3)
    for i, record in enumerate(records):
        if i % 37 == 5:
            records[i] = dict(LONG)
        elif i % 97 == 7:
            records[i] = dict(RARE)
        elif i % 53 == 11:
            records[i] = dict(ISOLATED[i % 2])
        elif i % 61 == 13:
            records[i] = {"text": "Ã©Ã¨Ã  Ã§a ne marche pas \ufffd\ufffd", "label": "billing"}
        if marked and i % 50 == 3:
            records[i] = {**records[i], "edge_case": True}
    return records


@pytest.mark.parametrize(
    "marked,opts",
    [
        (False, {"sample_size": 400}),  # estimated on the whole set's seeded sample
        (False, {}),  # estimated on every row
        (True, {"max_findings": 7}),  # explicit marks, counted over every block
        (False, {"method": "explicit"}),  # explicit, nothing marked
    ],
)
def test_block_path_gives_the_whole_set_result(tmp_path, marked, opts):
    """edge-case-ratio on blocks (the Ray engine's path: one pass gathers lengths, labels and the
    sampled rows' texts; the driver estimates) gives check()'s result on the whole set."""
    from conftest import BlockInputs, result_dict

    ds = load(tmp_path, _mixed_rows(1500, marked))
    options = EdgeCaseRatio.make_options(opts)
    whole = EdgeCaseRatio().check(CheckContext(ds), options)
    blocks = EdgeCaseRatio().run_distributed(BlockInputs(ds, 230), options)
    assert result_dict(blocks) == result_dict(whole)
    assert whole.details["method"] == ("explicit" if marked or opts.get("method") == "explicit" else "estimated")
    if marked:
        assert len(whole.findings) == 7 and whole.details["edge_cases"] == 30
    elif opts.get("method") != "explicit":
        assert whole.findings and whole.details["sampled"] == ("sample_size" in opts)
        assert whole.details["rare_classes"]["flagged"] > 0
