"""label-accuracy: model suspects on planted flips, review-sheet verdicts, stale sheets."""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import read_rows, write_rows
from dqlint.rules.label_accuracy import LabelAccuracy

from dqlint.commands.sample import sample
from dqlint.data.ingest import dataset_from_records, load_inputs
from dqlint.data.sources import InputSpec
from dqlint.rule import CheckContext, Status

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "sample_data" / "label_accuracy"
TICKETS = DATA / "tickets.csv"


def _load_generator():
    """sample_data/label_accuracy/make_tickets.py, the generator of the sample data."""
    spec = importlib.util.spec_from_file_location("make_tickets", DATA / "make_tickets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_tickets = _load_generator()


def run(ds, review=None, **options):
    return LabelAccuracy().check(CheckContext(ds, review=str(review) if review else None), LabelAccuracy.make_options(options))


@pytest.fixture(scope="module")
def tickets():
    return load_inputs([InputSpec(str(TICKETS))])


@pytest.fixture(scope="module")
def planted():
    """record index -> true label of the 100 rows whose label was flipped (5 %)."""
    return {int(r["record"]): r["true_label"] for r in read_rows(DATA / "planted_flips.csv")}


@pytest.fixture(scope="module")
def unreviewed(tickets):
    return run(tickets, max_suspects=1000)


# -- model-based suspects -------------------------------------------------------------------------


def test_most_planted_flips_are_suspects(tickets, planted, unreviewed):
    suspects = unreviewed.details["suspects"]
    rows = {f.locations[0].record for f in unreviewed.findings if f.details["kind"].startswith("confident-learning")}
    for f in unreviewed.findings:
        if f.details["kind"] == "conflicting-labels":
            rows |= {loc.record for loc, lab in zip(f.locations, f.details["labels"]) if lab != f.details["suggested_label"]}
    found = rows & set(planted)
    recall, precision = len(found) / len(planted), len(found) / len(rows)
    # measured: 95 suspects, 91 of the 100 flips -> recall 0.91, precision 0.96
    assert recall >= 0.85, (recall, precision)
    assert precision >= 0.85, (recall, precision)
    assert suspects["suspects"] == len(rows) or suspects["suspects"] >= len(rows)


def test_suspects_suggest_the_true_label(unreviewed, planted):
    model = [f for f in unreviewed.findings if f.details["kind"].startswith("confident-learning")]
    hits = [f for f in model if f.locations[0].record in planted]
    right = sum(f.details["suggested_label"] == planted[f.locations[0].record] for f in hits)
    assert right / len(hits) >= 0.9
    top = model[0]
    assert top.details["given_label"] != top.details["suggested_label"]
    assert 0.5 < top.details["score"] <= 1.0
    assert top.details["given_label_probability"] == pytest.approx(1 - top.details["score"], abs=1e-3)
    assert top.message.startswith(f"label {top.details['given_label']!r} looks wrong; the model suggests")
    assert top.locations[0].path == str(TICKETS) and top.locations[0].line == top.locations[0].record + 2
    assert [f.details["score"] for f in model] == sorted((f.details["score"] for f in model), reverse=True)


def test_estimated_noise_rate_is_close_to_the_planted_rate(unreviewed):
    rate = unreviewed.details["suspects"]["estimated_noise_rate"]
    assert 0.03 <= rate <= 0.07  # planted: 0.05
    assert unreviewed.metric.name == "model_estimated_label_accuracy"
    assert unreviewed.metric.value == pytest.approx(1 - rate)


def test_clean_set_gets_few_suspects():
    texts, _, given, flipped = make_tickets.make(1000, flip=0.0, seed=11)
    assert flipped == []
    ds = dataset_from_records([{"text": t, "label": lab} for t, lab in zip(texts, given)], path="clean.jsonl")
    result = run(ds)
    assert result.details["suspects"]["suspects"] <= 10  # at most 1 %; measured: 0
    assert result.details["suspects"]["estimated_noise_rate"] <= 0.01


def test_not_reviewed_is_a_warning_with_the_suspects(unreviewed):
    assert unreviewed.status is Status.WARN
    assert unreviewed.message.startswith("not reviewed")
    assert "model estimates" in unreviewed.message and "suspect rows" in unreviewed.message
    kinds = {c["kind"] for c in unreviewed.details["charts"]}
    assert kinds == {"bar"}


def test_max_suspects_caps_the_findings(tickets):
    result = run(tickets, max_suspects=5)
    model = [f for f in result.findings if f.details["kind"].startswith("confident-learning")]
    assert len(model) == 5
    assert result.details["suspects"]["suspects"] > 5  # the count is still complete


def test_conflicting_labels_same_and_near_same_input():
    words = ["apple", "river", "stone", "cloud", "piano", "mirror", "garden", "rocket", "candle", "forest", "silver", "button", "ladder", "orange", "window"]
    filler = [" ".join(c) for c in itertools.islice(itertools.combinations(words, 3), 0, 300, 10)]
    records = [{"text": text, "label": "a" if i % 2 else "b"} for i, text in enumerate(filler)]
    records += [
        {"text": "My parcel has not arrived yet!", "label": "shipping"},
        {"text": "my parcel has not arrived yet", "label": "shipping"},
        {"text": "My parcel has  not arrived yet.", "label": "billing"},
        {"text": "The invoice total is wrong", "label": "billing"},
        {"text": "The invoice total is wrong", "label": "account"},
    ]
    ds = dataset_from_records(records, path="c.jsonl")
    result = run(ds)
    groups = [f for f in result.findings if f.details["kind"] == "conflicting-labels"]
    assert len(groups) == 2
    parcel = next(f for f in groups if "parcel" in f.snippet)
    assert [loc.record for loc in parcel.locations] == [30, 31, 32]
    assert parcel.details["suggested_label"] == "shipping"
    assert "most say 'shipping'" in parcel.message
    invoice = next(f for f in groups if "invoice" in f.snippet)
    assert invoice.details["suggested_label"] is None  # a tie suggests nothing
    assert len(invoice.details["texts"]) == 2


def test_no_labels_is_skipped_with_a_reason():
    ds = dataset_from_records([{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}] * 3)
    result = run(ds)
    assert result.status is Status.SKIPPED
    assert "no labels" in result.message


def test_too_little_data_for_a_model_still_runs():
    ds = dataset_from_records([{"text": "a b c", "label": "x"}, {"text": "d e f", "label": "y"}], path="tiny.jsonl")
    result = run(ds)
    assert result.status is Status.WARN
    assert "classifier skipped" in result.message
    assert result.details["suspects"]["model_skipped"].startswith("needs at least two classes")


def test_multi_label_rows_do_not_break_the_rule():
    records = [{"text": f"text number {i} " + ("alpha" if i % 2 else "beta"), "labels": ["a", "b"] if i % 5 == 0 else ["a" if i % 2 else "b"]} for i in range(60)]
    ds = dataset_from_records(records, path="multi.jsonl")
    result = run(ds)
    assert result.status is Status.WARN
    assert result.details["suspects"]["method"]["rows"] == 48  # the 12 two-label rows sit out


# -- review sheets ---------------------------------------------------------------------------------


def _filled_sheet(tmp_path, tickets, planted, wrong_extra=0, n=200, name="review.csv"):
    """A review sheet for `tickets` filled from the ground truth (plus `wrong_extra` rows
    marked wrong although they are right)."""
    path = tmp_path / name
    sample(tickets, n=n, seed=0, output=path)
    rows = read_rows(path)
    extra = wrong_extra
    for r in rows:
        rec = int(r["record"])
        if rec in planted:
            r["correct"], r["corrected_label"] = "no", planted[rec]
        elif extra:
            r["correct"], extra = "No", extra - 1
        else:
            r["correct"] = "Yes"
    write_rows(path, rows)
    return path


def test_review_warn_when_interval_straddles_the_bar(tmp_path, tickets, planted):
    sheet = _filled_sheet(tmp_path, tickets, planted)
    result = run(tickets, review=sheet)
    review = result.details["review"]
    assert (review["reviewed"], review["correct"]) == (200, 189)  # 11 planted flips in the sample
    assert result.status is Status.WARN
    assert result.metric.name == "label_accuracy" and result.metric.value == pytest.approx(0.945)
    low, high = review["interval"]
    assert low < 0.95 <= high
    assert review["more_rows_needed"] > 0
    assert "straddles the bar 95.0 %: review about" in result.message
    wrong = [f for f in result.findings if f.details["kind"] == "reviewed-wrong"]
    assert len(wrong) == 11 and all(f.details["corrected_label"] for f in wrong)
    assert {c["kind"] for c in result.details["charts"]} == {"band", "bar"}


def test_review_fail_when_upper_bound_is_below_the_bar(tmp_path, tickets, planted):
    sheet = _filled_sheet(tmp_path, tickets, planted, wrong_extra=20)
    result = run(tickets, review=sheet)
    assert result.status is Status.FAIL
    assert result.details["review"]["interval"][1] < 0.95
    assert "is below the bar" in result.message


def test_review_pass_when_lower_bound_clears_the_bar(tmp_path, tickets, planted):
    sheet = _filled_sheet(tmp_path, tickets, planted, n=200)
    result = run(tickets, review=sheet, bar=0.85)
    assert result.status is Status.PASS
    assert result.details["review"]["interval"][0] >= 0.85
    assert "clears the bar 85.0 %" in result.message


def test_stale_review_sheet_rows_are_reported(tmp_path, tickets, planted):
    sheet = _filled_sheet(tmp_path, tickets, planted, n=50)
    data = tmp_path / "tickets.csv"
    lines = TICKETS.read_text(encoding="utf-8").splitlines(keepends=True)
    first = read_rows(sheet)[0]
    target = int(first["record"])
    lines[target + 1] = lines[target + 1].replace(".", "!", 1)  # edit one reviewed row's text
    data.write_text("".join(lines), encoding="utf-8")
    ds = load_inputs([InputSpec(str(data))])
    result = run(ds, review=sheet, suspects=False)
    stale = [f for f in result.findings if f.details["kind"] == "stale-review"]
    assert len(stale) == 1
    assert stale[0].locations[0].record == target and stale[0].locations[0].path == str(data)
    assert stale[0].locations[1].path == str(sheet) and stale[0].locations[1].line == 2
    assert "row edited since review" in stale[0].message
    assert result.details["review"]["reviewed"] == 49 and result.details["review"]["stale"] == 1
    assert "1 stale sheet rows left out" in result.message


def test_review_without_labels_audits_responses(tmp_path):
    records = [{"prompt": f"question {i}", "completion": f"answer {i}"} for i in range(30)]
    ds = dataset_from_records(records, path="chat.jsonl")
    sheet = tmp_path / "review.jsonl"
    sample(ds, n=30, output=sheet)
    rows = [json.loads(line) for line in sheet.read_text().splitlines()]
    sheet.write_text("".join(json.dumps({**r, "correct": "y"}) + "\n" for r in rows))
    result = run(ds, review=sheet)
    assert result.status is Status.PASS  # all 30 of 30: the whole set was reviewed
    assert result.details["review"]["interval"] == [1.0, 1.0]


def test_empty_review_sheet_is_a_warning(tmp_path, tickets):
    sheet = tmp_path / "review.csv"
    sample(tickets, n=10, output=sheet)
    result = run(tickets, review=sheet, suspects=False)
    assert result.status is Status.WARN
    assert result.message.startswith("review sheet has no reviewed rows yet")


# -- through the command line ----------------------------------------------------------------------


def test_cli_check_with_review_end_to_end(tmp_path, tickets, planted):
    sheet = _filled_sheet(tmp_path, tickets, planted, wrong_extra=20)
    out = subprocess.run(
        check=False,
        args=[sys.executable, "-m", "dqlint", "check", str(TICKETS), "--review", str(sheet), "--select", "label-accuracy",
         "--isolated", "--format", "json", "--no-cache"],
        capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "NO_COLOR": "1"},
    )
    assert out.returncode == 1, out.stderr  # label accuracy below the bar blocks: no-go
    report = json.loads(out.stdout)
    rule = next(r for r in report["rules"] if r["id"] == "label-accuracy")
    assert rule["status"] == "fail" and rule["metric"]["name"] == "label_accuracy"
    assert report["verdict"] == "no-go"


def test_population_is_the_sampled_files_only(tmp_path, planted):
    sheet = _filled_sheet(tmp_path, load_inputs([InputSpec(str(TICKETS))]), planted, n=50)
    other = tmp_path / "test.csv"
    other.write_text("text,label\n" + "".join(f"held out ticket {i},billing\n" for i in range(500)), encoding="utf-8")
    ds = load_inputs([InputSpec(str(TICKETS)), InputSpec(str(other), split="test")])
    result = run(ds, review=sheet, suspects=False)
    assert result.details["review"]["population"] == 2000  # not 2,500: the test file was not sampled


def test_classifier_reads_head_and_tail_of_long_inputs():
    """A long review's verdict is often at its end: the classifier reads the first 3,000 and the
    last 1,000 of its 4,000 characters."""
    from dqlint.toolkit.label_suspects import classifier_texts

    long_text = "plot " * 1000 + "in short: dreadful"
    ds = dataset_from_records([{"text": long_text, "label": "neg"}, {"text": "fine film", "label": "pos"}], path="r.jsonl")
    head_tail, short = classifier_texts(ds, [0, 1])
    assert len(head_tail) == 4001 and head_tail.startswith("plot plot") and head_tail.endswith("in short: dreadful")
    assert short == "fine film"
