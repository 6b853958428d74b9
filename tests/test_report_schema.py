"""The report's JSON Schema (dqlint/report/schema.json) describes the reports dqlint writes
exactly: every golden report and live reports on real data validate, and reports that break the
contract do not (the cache relies on it to discard forged entries)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest

from conftest import ROOT, SAMPLES
from dqlint.report import report_schema, schema_errors

GOLDEN = sorted((ROOT / "tests" / "golden").glob("*.json"))
# CI has the shared folder at ../shared; DQLINT_SHARED points elsewhere (a worktree).
REAL = Path(os.environ.get("DQLINT_SHARED") or Path(__file__).resolve().parents[1].parent / "shared") / "data" / "real"


def test_the_schema_is_valid_draft_2020_12():
    schema = report_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_every_golden_report_validates(path):
    assert schema_errors(json.loads(path.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize(
    "data",
    ["openai_chat/weather_chat_fine_tuning.jsonl", "bbc_news/bbc_news_train.csv", "meituan_waimai/train-00000-of-00001.parquet"],
)
def test_live_reports_on_real_data_validate(dqlint_cli, data):
    if not REAL.is_dir():
        pytest.skip(f"real data sets not found at {REAL} (the shared folder beside this checkout)")
    res = dqlint_cli("check", str(REAL / data), "--no-cache", "--isolated", "-f", "json", "--select", "format-consistency,class-balance,dataset-size,sensitive-content")
    assert res.code in (0, 1), res.err
    assert schema_errors(res.json()) == []


def test_a_live_report_with_every_rule_validates(dqlint_cli):
    res = dqlint_cli("check", str(SAMPLES / "chat/dirty/train.jsonl"), "--test", str(SAMPLES / "chat/dirty/test.jsonl"), "--no-cache", "--isolated", "-f", "json")
    assert schema_errors(res.json()) == []


@pytest.mark.parametrize(
    "edit, where",
    [
        (lambda r: r.pop("inputs"), "(top)"),
        (lambda r: r.update(verdict="maybe"), "verdict"),
        (lambda r: r["rules"][0].update(status="great"), "rules/0/status"),
        (lambda r: r["rules"][0]["findings"][0]["locations"][0].update(line="5"), "rules/0/findings/0/locations/0/line"),
        (lambda r: r["summary"].update(extra=1), "summary"),
    ],
)
def test_reports_that_break_the_contract_are_told_apart(edit, where):
    report = json.loads((ROOT / "tests/golden/dirty_core.json").read_text(encoding="utf-8"))
    edit(report)
    errors = schema_errors(report)
    assert errors and errors[0].startswith(where + ":")


def test_a_report_with_baseline_acceptance_validates(dqlint_cli, tmp_path):
    train, test = str(SAMPLES / "chat/dirty/train.jsonl"), str(SAMPLES / "chat/dirty/test.jsonl")
    from dqlint.engine.baseline import baseline_document

    first = dqlint_cli("check", train, "--test", test, "--isolated", "--no-cache", "-f", "json").json()
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(baseline_document(first)), encoding="utf-8")
    config = tmp_path / "dqlint.toml"
    config.write_text('baseline = "baseline.json"\n', encoding="utf-8")
    res = dqlint_cli("check", train, "--test", test, "--config", str(config), "--no-cache", "-f", "json")
    report = res.json()
    assert "baseline" in report and any(f.get("baselined") for r in report["rules"] for f in r["findings"])
    assert schema_errors(report) == []


def test_a_report_with_a_cost_section_validates(dqlint_cli, tmp_path):
    config = tmp_path / "dqlint.toml"
    config.write_text("[cost]\nrequests-per-month = 10000\n", encoding="utf-8")
    res = dqlint_cli("check", str(SAMPLES / "chat/dirty/train.jsonl"), "--config", str(config), "--no-cache", "-f", "json", "--select", "token-length")
    report = res.json()
    assert "cost" in report and schema_errors(report) == []


@pytest.mark.parametrize(
    "report",
    [
        json.loads((ROOT / "tests/golden/dirty_chat_all.json").read_text(encoding="utf-8")),
        {"nan": float("nan"), "inf": [float("inf")]},  # orjson would write null
        {"text": "cut \udc80 byte"},  # a lone surrogate orjson refuses
        {"big": 2**70, 1: "integer key"},
        {"tuple": (1, 2), "empty": [], "nested": {"e": {}}, "text": "é 中"},
    ],
)
def test_the_json_report_is_what_json_dumps_writes(report):
    """The JSON reporter writes with orjson, falling back to the standard library where orjson
    would change a value or refuse it: always the same text as ``json.dumps(indent=2)`` here
    (floats aside, which only orjson spells ``0.00001`` for ``1e-05``)."""
    from dqlint.reporters.json import dumps

    assert dumps(report) == json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def test_orjson_writes_what_the_standard_library_writes_or_declines():
    """orjson would write NaN and infinities as null: those reports go to the standard library."""
    import json

    from dqlint.report import orjson_bytes

    plain = {"a": [1.5, 1e-05, {"b": (2, "x", None, True)}], "c": -0.0}
    assert json.loads(orjson_bytes(plain)) == json.loads(json.dumps(plain))
    for bad in (float("nan"), float("inf"), -float("inf")):
        assert orjson_bytes({"rules": [{"details": {"deep": [1.0, (bad,)]}}]}) is None
    assert orjson_bytes({1: "integer key"}) is None and orjson_bytes({"big": 2**70}) is None
