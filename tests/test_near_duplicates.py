"""near-duplicates on real files: exact and near groups, locations, labels, options."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from dqlint.rules.near_duplicates import NearDuplicates

from dqlint.data.ingest import load_inputs
from dqlint.data.sources import InputSpec
from dqlint.rule import CheckContext, Status

PASSWORD = "How do I reset my password if I no longer have access to the email address on my account?"
EXPORT = "Can I export all of my invoices from last year as a single CSV file for my accountant?"
WEATHER = "Write a short poem about the first snow of winter falling on a quiet mountain village."


def chat(user: str, assistant: str) -> dict:
    return {"messages": [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]}


def write_jsonl(path: Path, records: list[dict]) -> str:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return str(path)


def run(paths: dict[str, str], **options):
    ds = load_inputs([InputSpec(p, split=split) for split, p in paths.items()])
    result = NearDuplicates().check(CheckContext(ds), NearDuplicates.make_options(options))
    return ds, result


def lines(finding) -> list[int]:
    return [loc.line for loc in finding.locations]


def test_exact_and_near_groups_with_locations_and_kept_row(tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", [
        chat(PASSWORD, "Use the 'Forgot password' link and choose recovery by phone."),  # line 1
        chat(EXPORT, "Yes: Billing > Invoices > Export, then pick the year."),  # 2
        chat(PASSWORD.upper(), "Use the 'Forgot password' link and choose recovery by phone!"),  # 3: exact after normalising
        chat(WEATHER, "Soft flakes settle on slate roofs; the valley holds its breath."),  # 4
        chat(EXPORT.replace("invoices", "invoces"), "Yes: Billing > Invoices > Export, then pick the year."),  # 5: typo
        chat(EXPORT.replace("single CSV", "CSV"), "Yes: Billing > Invoices > Export, then pick the year"),  # 6: a word less
    ])
    _, result = run({"train": train})
    assert result.status is Status.FAIL
    assert result.metric.name == "redundant_ratio"
    assert result.metric.value == pytest.approx(3 / 6, abs=1e-6)
    assert result.metric.threshold == 0.05
    assert [lines(f) for f in result.findings] == [[1, 3], [2, 5, 6]]

    exact, near = result.findings
    assert exact.details["kind"] == "exact"
    assert exact.details["similarity"] == 100.0
    assert exact.details["kept"] == {"path": train, "line": 1, "record": 0}
    assert exact.details["texts"][0].startswith(PASSWORD)
    assert exact.details["texts"][1].startswith(PASSWORD.upper())
    assert exact.message.startswith("2 rows are exact duplicates; keep ")

    assert near.details["kind"] == "near"
    assert near.details["size"] == 3
    assert 90 <= near.details["similarity"] < 100
    assert near.details["kept"]["line"] == 2
    assert len(near.details["texts"]) == 3
    assert result.details["groups"] == 2
    assert result.details["redundant_rows"] == 3
    chart = result.details["charts"][0]
    assert chart["kind"] == "bar"
    assert chart["series"]["groups"][:2] == [1.0, 1.0]  # one group of 2, one of 3


def test_unicode_and_whitespace_variants_are_exact_duplicates(tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", [
        chat("Café  opening hours?", "9 to 5."),
        chat("cafe\u0301 opening\u00a0hours", "9 to 5"),  # decomposed é, no-break space
        chat("ＣＡＦＥ́ opening hours?\n", "９ to ５."),  # full-width forms
        chat("Where is the station?", "Two blocks north."),
    ])
    _, result = run({"train": train})
    assert [lines(f) for f in result.findings] == [[1, 2, 3]]
    assert result.findings[0].details["kind"] == "exact"


def test_normalisation_switches_change_what_is_equal(tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", [chat("Hello there", "Hi!"), chat("HELLO THERE", "HI!")])
    assert len(run({"train": train})[1].findings) == 1
    _, strict = run({"train": train}, casefold=False, near=False)
    assert strict.findings == []
    assert strict.status is Status.PASS


def test_empty_examples_are_never_duplicates(tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", [chat("", ""), chat("", ""), chat("Is it raining?", "No.")])
    _, result = run({"train": train})
    assert result.findings == []
    assert result.metric.value == 0


def test_threshold_and_exact_only(tmp_path):
    a = (
        "The quarterly report shows revenue grew by twelve percent while operating costs stayed flat, "
        "mostly because the new warehouse in Leeds opened two months ahead of schedule."
    )
    b = a.replace("revenue grew by twelve percent", "sales went up by 12 %")
    train = write_jsonl(tmp_path / "train.jsonl", [chat(a, ""), chat(b, ""), chat(a, "")])
    # Lines 1 and 3 are exact copies (one exact group); line 2 is a near copy of line 1 (kept),
    # its "twelve" spelt "12": the same number.
    loose = run({"train": train}, threshold=85)[1]
    assert [(f.details["kind"], lines(f)) for f in loose.findings] == [("exact", [1, 3]), ("near", [1, 2])]
    assert loose.details["redundant_rows"] == 2
    assert [lines(f) for f in run({"train": train}, threshold=95)[1].findings] == [[1, 3]]
    assert [lines(f) for f in run({"train": train}, threshold=100)[1].findings] == [[1, 3]]


def test_conflicting_labels_are_reported(tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", [
        {"text": "The delivery arrived two weeks late and the box was crushed.", "label": "negative"},
        {"text": "the delivery arrived two weeks late, and the box was crushed", "label": "positive"},
        {"text": "Great service, friendly staff, would order again.", "label": "positive"},
        {"text": "Great service, friendly staff, would order again!", "label": "positive"},
    ])
    _, result = run({"train": train}, max_ratio=0.9)
    assert result.status is Status.WARN  # under the bar, but a group disagrees
    assert result.details["conflicting_label_groups"] == 1
    conflict, agree = result.findings
    assert lines(conflict) == [1, 2] and conflict.details["conflicting_labels"] is True
    assert conflict.details["labels"] == [["negative"], ["positive"]]
    assert "conflicting labels: negative, positive" in conflict.message
    assert lines(agree) == [3, 4] and agree.details["conflicting_labels"] is False


def test_same_input_with_different_outputs(tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", [
        chat(PASSWORD, "Use the recovery link."),
        chat(WEATHER, "Snow on roofs."),
        chat(PASSWORD + " ", "Contact support, they will verify your identity."),
    ])
    _, result = run({"train": train}, max_ratio=0.5)
    assert result.status is Status.WARN
    (finding,) = result.findings
    assert finding.details["kind"] == "same-input"
    assert lines(finding) == [1, 3]
    assert "share one input but have 2 different outputs" in finding.message
    assert run({"train": train}, check_inputs=False)[1].findings == []


def test_compare_inputs_only(tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", [
        chat(PASSWORD, "Use the recovery link."),
        chat(PASSWORD, "Contact support."),
    ])
    _, result = run({"train": train}, compare="input")
    assert [lines(f) for f in result.findings] == [[1, 2]]
    assert result.findings[0].details["texts"] == [PASSWORD, PASSWORD]


def test_groups_stay_within_a_split(tmp_path):
    same = chat(PASSWORD, "Use the recovery link.")
    train = write_jsonl(tmp_path / "train.jsonl", [same, chat(WEATHER, "Snow.")])
    test = write_jsonl(tmp_path / "test.jsonl", [same, same])
    _, result = run({"train": train, "test": test})
    # The train/test copy is leakage, not a duplicate; the two test rows are a group.
    (finding,) = result.findings
    assert [loc.path for loc in finding.locations] == [test, test]
    assert finding.details["split"] == "test"


def test_under_the_bar_passes_and_no_rows_skips(tmp_path):
    rng = random.Random(5)
    words = ["alpha", "river", "stone", "cloud", "engine", "paper", "violet", "orbit", "harbor", "lantern", "maple", "quartz"]
    records = [chat(" ".join(rng.choices(words, k=12)), " ".join(rng.choices(words, k=8))) for _ in range(40)]
    records.append(records[0])
    train = write_jsonl(tmp_path / "train.jsonl", records)
    _, result = run({"train": train})
    assert result.status is Status.PASS
    assert result.metric.value == pytest.approx(1 / 41, abs=1e-6)
    _, skipped = run({"train": train}, splits=["test"])
    assert skipped.status is Status.SKIPPED


def test_one_huge_example_does_not_break_anything(tmp_path):
    huge = " ".join(f"paragraph {i} of a very long legal document about clause {i % 97}" for i in range(20_000))
    train = write_jsonl(tmp_path / "train.jsonl", [chat(huge, "Summarised."), chat(EXPORT, "Yes."), chat(huge + " Amen.", "Summarised.")])
    _, result = run({"train": train})
    assert [lines(f) for f in result.findings] == [[1, 3]]
    assert len(result.findings[0].details["texts"][0]) <= 400


def test_results_are_the_same_from_run_to_run(tmp_path):
    rng = random.Random(3)
    words = ["alpha", "river", "stone", "cloud", "engine", "paper", "violet", "orbit", "harbor", "lantern"]
    base = [" ".join(rng.choices(words, k=30)) for _ in range(50)]
    records = [chat(t, "ok") for t in base] + [chat(t.replace("river", "rivers", 1), "ok") for t in base[:10]]
    train = write_jsonl(tmp_path / "train.jsonl", records)
    first, second = run({"train": train})[1], run({"train": train})[1]
    assert [f.to_dict() for f in first.findings] == [f.to_dict() for f in second.findings]
    assert first.details == second.details
