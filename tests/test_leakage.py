"""train-test-leakage on real files: exact, near and 13-gram leaks, both directions,
validation vs test, options, and the CLI end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from dqlint.rules.near_duplicates import NearDuplicates
from dqlint.rules.train_test_leakage import TrainTestLeakage

from dqlint.data.ingest import load_inputs
from dqlint.data.sources import InputSpec
from dqlint.rule import CheckContext, Status

Q1 = "How do I reset my password if I no longer have access to the email address on my account?"
Q2 = "Can I export all of my invoices from last year as a single CSV file for my accountant?"
Q3 = "Write a short poem about the first snow of winter falling on a quiet mountain village."
Q4 = "Which element has the atomic number seventy nine and the chemical symbol Au in the periodic table of elements"
Q5 = "Summarise the main causes of the French Revolution in three sentences for a high school student."
Q6 = "What is the difference between a list and a tuple in Python, and when should I use each one?"


def chat(user: str, assistant: str = "An answer.") -> dict:
    return {"messages": [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]}


def write_jsonl(path: Path, records: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return str(path)


def run(paths: dict[str, str], **options):
    ds = load_inputs([InputSpec(p, split=split) for split, p in paths.items()])
    return TrainTestLeakage().check(CheckContext(ds), TrainTestLeakage.make_options(options))


def where(finding) -> list[tuple[str, int]]:
    return [(Path(loc.path).name, loc.line) for loc in finding.locations]


def test_exact_and_near_leaks_name_the_train_rows(tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", [chat(Q1), chat(Q2), chat(Q3), chat(Q2.lower() + "!!", "Other answer.")])
    test = write_jsonl(tmp_path / "test.jsonl", [
        chat(Q5),  # clean
        chat(Q2, "A different answer."),  # exact input copy of train lines 2 and 4
        chat(Q1.replace("password", "pasword")),  # near copy of train line 1
    ])
    result = run({"train": train, "test": test})
    assert result.status is Status.FAIL
    assert (result.metric.name, result.metric.value, result.metric.threshold) == ("leaked_rows", 2, 0)
    exact, near = result.findings
    assert where(exact) == [("test.jsonl", 2), ("train.jsonl", 2), ("train.jsonl", 4)]
    assert exact.details["kind"] == "exact" and exact.details["matches"] == 2
    assert exact.details["texts"] == [Q2, Q2, Q2.lower() + "!!"]
    assert where(near) == [("test.jsonl", 3), ("train.jsonl", 1)]
    assert near.details["kind"] == "near"
    assert 90 <= near.details["similarity"] < 100
    assert "test row" in near.message and "train.jsonl:1" in near.message
    assert result.details["by_kind"] == {"exact": 1, "near": 1, "ngram": 0}


def test_leaks_are_found_whichever_file_comes_first_and_whatever_the_order(tmp_path):
    # A train row copied into test, and a test row copied (later in the file) into train.
    train = write_jsonl(tmp_path / "train.jsonl", [chat(Q3), chat(Q1), chat(Q6), chat(Q5.upper())])
    test = write_jsonl(tmp_path / "test.jsonl", [chat(Q5), chat(Q2), chat(Q3)])
    result = run({"test": test, "train": train})
    assert [where(f) for f in result.findings] == [
        [("test.jsonl", 1), ("train.jsonl", 4)],
        [("test.jsonl", 3), ("train.jsonl", 1)],
    ]


def test_validation_leaks_into_test_and_train_into_validation(tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", [chat(Q1), chat(Q2)])
    valid = write_jsonl(tmp_path / "valid.jsonl", [chat(Q3), chat(Q1 + "  ")])
    test = write_jsonl(tmp_path / "test.jsonl", [chat(Q3.replace("quiet", "silent")), chat(Q6)])
    result = run({"train": train, "validation": valid, "test": test})
    assert [where(f) for f in result.findings] == [
        [("valid.jsonl", 2), ("train.jsonl", 1)],
        [("test.jsonl", 1), ("valid.jsonl", 1)],
    ]
    assert [f.details["split"] for f in result.findings] == ["validation", "test"]
    assert result.findings[1].details["against"] == ["validation"]
    assert result.details["by_split"] == {"validation": 1, "test": 1}


def test_ngram_overlap_catches_a_question_pasted_into_a_longer_text(tmp_path):
    long_train = (
        "Here are some quiz questions from last week's pub night, with the answers at the end. "
        f"First: {Q4}? Second: name the longest river in Africa. Answers: gold, the Nile."
    )
    train = write_jsonl(tmp_path / "train.jsonl", [chat(Q1), chat(long_train)])
    test = write_jsonl(tmp_path / "test.jsonl", [chat(Q4), chat(Q6)])
    result = run({"train": train, "test": test})
    (finding,) = result.findings
    assert where(finding) == [("test.jsonl", 1), ("train.jsonl", 2)]
    assert finding.details["kind"] == "ngram"
    assert finding.details["span"] == Q4.lower()
    assert finding.details["shared_ngrams"] == finding.details["ngrams"] == len(Q4.split()) - 12
    assert "n-gram span" in finding.message
    assert run({"train": train, "test": test}, ngram=0).findings == []


def test_threshold_exact_only_and_allowed_leaks(tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", [chat(Q1), chat(Q2)])
    test = write_jsonl(tmp_path / "test.jsonl", [chat(Q1.replace("password", "pasword")), chat(Q2)])
    assert run({"train": train, "test": test}).metric.value == 2
    exact_only = run({"train": train, "test": test}, threshold=100, ngram=0)
    assert [where(f)[0] for f in exact_only.findings] == [("test.jsonl", 2)]
    allowed = run({"train": train, "test": test}, max_leaked=2)
    assert allowed.status is Status.PASS and len(allowed.findings) == 2


def test_compare_whole_example(tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", [chat("Hi", Q3)])
    test = write_jsonl(tmp_path / "test.jsonl", [chat("Hello", Q3)])
    assert run({"train": train, "test": test}).findings == []
    found = run({"train": train, "test": test}, compare=["example"], threshold=95)
    assert [where(f) for f in found.findings] == [[("test.jsonl", 1), ("train.jsonl", 1)]]


def test_skipped_without_a_holdout_split(tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", [chat(Q1), chat(Q1)])
    result = run({"train": train})
    assert result.status is Status.SKIPPED


def test_both_rules_share_one_index(tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", [chat(Q1), chat(Q1)])
    test = write_jsonl(tmp_path / "test.jsonl", [chat(Q1)])
    ds = load_inputs([InputSpec(train, split="train"), InputSpec(test, split="test")])
    ctx = CheckContext(ds)
    NearDuplicates().check(ctx, NearDuplicates.make_options({"compare": "input"}))
    cached = dict(ctx._shared)
    TrainTestLeakage().check(ctx, TrainTestLeakage.make_options({}))
    index_keys = [k for k in ctx._shared if k[0] == "similarity.index"]
    assert index_keys == [k for k in cached if k[0] == "similarity.index"]


def test_cli_exit_code_and_json_findings(tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", [chat(Q1), chat(Q2), chat(Q1.upper())])
    test = write_jsonl(tmp_path / "test.jsonl", [chat(Q2), chat(Q6)])
    out = tmp_path / "report.json"
    result = subprocess.run([
        sys.executable, "-m", "dqlint", "check", train, "--test", test, "--select", "near-duplicates,train-test-leakage",
        "--format", "json", "--output", str(out), "--isolated", "--no-cache", "--quiet",
    ], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert result.returncode == 1, result.stderr
    report = json.loads(out.read_text())
    rules = {r["id"]: r for r in report["rules"]}
    dup = rules["near-duplicates"]["findings"]
    assert [[(Path(loc["path"]).name, loc["line"]) for loc in f["locations"]] for f in dup] == [
        [("train.jsonl", 1), ("train.jsonl", 3)]
    ]
    leak = rules["train-test-leakage"]["findings"]
    assert [[(Path(loc["path"]).name, loc["line"]) for loc in f["locations"]] for f in leak] == [
        [("test.jsonl", 1), ("train.jsonl", 2)]
    ]
    assert rules["train-test-leakage"]["metric"] == {"name": "leaked_rows", "value": 1, "threshold": 0}
