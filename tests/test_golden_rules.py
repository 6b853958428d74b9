"""Golden JSON reports covering every built-in rule, pinned before the layout move.

Each scenario runs the real CLI on the shipped sample data and compares the whole JSON report
(the public contract) with a file in ``tests/golden/``. Regenerate deliberately with
``DQLINT_UPDATE_GOLDEN=1 pytest tests/test_golden_rules.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import ROOT

GOLDEN = Path(__file__).parent / "golden"

SCENARIOS = {
    # every default rule on the dirty chat sample with its test split
    "dirty_chat_all": ["sample_data/chat/dirty/train.jsonl", "--test", "sample_data/chat/dirty/test.jsonl"],
    # every default rule on the classification sample
    "classification_all": ["sample_data/classification/train.csv", "--test", "sample_data/classification/test.csv"],
    # the clean chat set against a production sample (distribution-match runs)
    "clean_chat_reference": [
        "sample_data/chat/clean/train.jsonl",
        "--reference",
        "sample_data/chat/dirty/train.jsonl",
        "--select",
        "distribution-match,token-length,edge-case-ratio",
    ],
    # records against a JSON Schema
    "dirty_chat_schema": [
        "sample_data/chat/dirty/train.jsonl",
        "--schema",
        "sample_data/chat/record.schema.json",
        "--select",
        "json-schema",
    ],
    # label accuracy from a filled review sheet
    "tickets_review": [
        "sample_data/label_accuracy/tickets.csv",
        "--review",
        "sample_data/label_accuracy/review_filled.csv",
        "--select",
        "label-accuracy,class-balance",
    ],
}


def normalised(report: dict) -> dict:
    report = dict(report)
    report["dqlint_version"] = "X"
    return report


def _compare(name: str, got: dict) -> None:
    golden = GOLDEN / f"{name}.json"
    if os.environ.get("DQLINT_UPDATE_GOLDEN"):
        golden.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert got == _floats_near(json.loads(golden.read_text(encoding="utf-8")))


def _floats_near(value):
    """The golden value with every float compared to 1e-6 relative: a similarity printed to six
    places can differ in its last digit between CPUs (BLAS kernels sum in different orders)."""
    if isinstance(value, float):
        return pytest.approx(value, rel=1e-6, abs=1e-6)
    if isinstance(value, list):
        return [_floats_near(v) for v in value]
    if isinstance(value, dict):
        return {k: _floats_near(v) for k, v in value.items()}
    return value


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_golden_report(dqlint_cli, name, monkeypatch):
    monkeypatch.chdir(ROOT)
    res = dqlint_cli("check", *SCENARIOS[name], "--isolated", "--no-cache", "--format", "json")
    assert res.code in (0, 1), res.err
    _compare(name, normalised(res.json()))


def test_golden_expectations(dqlint_cli, monkeypatch, tmp_path):
    """The expectations rule against a suite exported from the clean set, run on the dirty set."""
    monkeypatch.chdir(ROOT)
    suite = tmp_path / "suite.json"
    res = dqlint_cli("expectations", "export", "sample_data/chat/clean/train.jsonl", "-o", str(suite), "--isolated")
    assert res.code == 0, res.err
    res = dqlint_cli("check", "sample_data/chat/dirty/train.jsonl", "--expectations", str(suite), "--select", "expectations",
                     "--isolated", "--no-cache", "--format", "json")
    report = normalised(res.json())
    for rule in report["rules"]:
        rule["details"] = {k: v for k, v in rule["details"].items() if k != "suite"}
    _compare("dirty_chat_expectations", report)


def test_goldens_cover_every_rule():
    from dqlint.engine.plugins import discover_rules

    covered = set()
    for path in GOLDEN.glob("*.json"):
        covered |= {r["id"] for r in json.loads(path.read_text(encoding="utf-8"))["rules"] if r["status"] != "skipped"}
    assert {p.id for p in discover_rules() if p.distribution == "dqlint"} <= covered
