"""The `expectations` rule (a GX 1.x suite on the canonical view) and `dqlint expectations export`,
on real files: exact failing rows, invalid expectations as errors, export round trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SAMPLES, write_jsonl

import dqlint

CLEAN = SAMPLES / "chat/clean/train.jsonl"
DIRTY = SAMPLES / "chat/dirty/train.jsonl"
TICKETS = SAMPLES / "classification/train.csv"


def write_suite(path: Path, expectations: list[dict], name: str = "team-suite") -> Path:
    path.write_text(json.dumps({"name": name, "expectations": expectations}, indent=2), encoding="utf-8")
    return path


def rule_of(res) -> dict:
    return next(r for r in res.json()["rules"] if r["id"] == "expectations")


def run_suite(dqlint_cli, suite: Path, *paths: str):
    return dqlint_cli("check", *paths, "--select", "expectations", "--expectations", str(suite),
                      "--isolated", "--no-cache", "--format", "json")


def test_skipped_without_a_suite():
    report = dqlint.check(str(CLEAN), rules=["expectations"], config={})
    rule = report.rule("expectations")
    assert rule["status"] == "skipped"
    assert rule["message"].startswith("no Expectation Suite given")


@pytest.fixture(scope="module")
def exported_chat_suite(tmp_path_factory) -> Path:
    from dqlint.commands.expectations_export import export_suite
    from dqlint.data.ingest import load_inputs
    from dqlint.data.sources import InputSpec

    path = tmp_path_factory.mktemp("suite") / "chat.json"
    export_suite(load_inputs([InputSpec(str(CLEAN))]), str(path), name="chat")
    return path


def test_export_writes_the_inferred_schema(exported_chat_suite):
    suite = json.loads(exported_chat_suite.read_text())
    got = [(e["type"], e["kwargs"]) for e in suite["expectations"]]
    assert got == [
        ("expect_column_to_exist", {"column": "raw.messages"}),
        ("expect_column_values_to_be_in_type_list", {"column": "raw.messages", "type_list": ["list"]}),
        ("expect_column_values_to_not_be_null", {"column": "raw.messages"}),
        ("expect_column_values_to_be_in_set", {"column": "format", "value_set": ["openai-chat"]}),
        ("expect_column_values_to_be_between", {"column": "input_length", "min_value": 32, "max_value": 101}),
        ("expect_column_values_to_be_between", {"column": "output_length", "min_value": 80, "max_value": 707}),
    ]
    assert suite["name"] == "chat"
    assert "input_length" in suite["meta"]["dqlint"]["columns"]


def test_exported_suite_loads_back_in_gx_with_every_expectation(exported_chat_suite):
    from great_expectations.core.expectation_suite import ExpectationSuite

    data = json.loads(exported_chat_suite.read_text())
    suite = ExpectationSuite(**data)
    assert len(suite.expectations) == len(data["expectations"]) == 6


def test_exported_suite_passes_on_its_data_and_fails_on_dirty_data(dqlint_cli, exported_chat_suite):
    res = run_suite(dqlint_cli, exported_chat_suite, str(CLEAN))
    assert res.code == 0, res.out
    assert rule_of(res)["status"] == "pass"
    assert rule_of(res)["message"] == "suite 'chat': 6 of 6 expectation(s) passed"

    res = run_suite(dqlint_cli, exported_chat_suite, str(DIRTY))
    assert res.code == 1
    rule = rule_of(res)
    assert rule["status"] == "fail"
    assert rule["metric"] == {"name": "failed_expectations", "value": 2, "threshold": 0}
    got = [(f["locations"][0]["line"], f["details"]["type"], f["details"]["value"]) for f in rule["findings"]]
    assert got == [
        (35, "expect_column_values_to_be_between", 132),
        (40, "expect_column_values_to_be_between", 128),
        (15, "expect_column_values_to_be_between", 0),
        (25, "expect_column_values_to_be_between", 0),
        (50, "expect_column_values_to_be_between", 12),
        (55, "expect_column_values_to_be_between", 74),
    ]
    first = rule["findings"][0]
    assert first["message"] == "expect_column_values_to_be_between(input_length): unexpected value 132 (1 of 2 unexpected rows)"
    assert first["locations"][0]["path"] == str(DIRTY)
    assert "sk-proj-4fKx" not in json.dumps(rule)  # the row's API key is masked in snippets


def test_label_set_from_csv_catches_a_new_label(dqlint_cli, tmp_path):
    suite = tmp_path / "tickets.json"
    res = dqlint_cli("expectations", "export", str(TICKETS), "-o", str(suite), "--isolated")
    assert res.code == 0, res.err
    data = json.loads(suite.read_text())
    label_set = next(e["kwargs"]["value_set"] for e in data["expectations"] if e["kwargs"].get("column") == "label")
    assert label_set == ["account", "billing", "returns", "shipping", "technical"]
    assert ("expect_column_values_to_be_in_type_list", {"column": "raw.text", "type_list": ["str"]}) in [
        (e["type"], e["kwargs"]) for e in data["expectations"]
    ]
    res = run_suite(dqlint_cli, suite, str(TICKETS))
    assert res.code == 0 and rule_of(res)["status"] == "pass", rule_of(res)["message"]
    new = tmp_path / "new.csv"
    new.write_text("text,label\nWhere is my refund for order 1234?,refunds\nMy parcel never arrived at all,shipping\n")
    res = run_suite(dqlint_cli, suite, str(new))
    rule = rule_of(res)
    finding = next(f for f in rule["findings"] if f["details"]["type"] == "expect_column_values_to_be_in_set")
    assert finding["message"] == "expect_column_values_to_be_in_set(label): unexpected value 'refunds'"
    assert finding["locations"] == [{"path": str(new), "line": 2, "record": 0}]


def test_invalid_expectations_are_errors_not_dropped(dqlint_cli, tmp_path):
    suite = write_suite(tmp_path / "suite.json", [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "input"}},
        {"type": "expect_column_values_to_be_bogus", "kwargs": {"column": "input"}},
        {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "label"}},
        {"kwargs": {"column": "input"}},
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "output"}, "kwarg": {}},
    ])
    res = run_suite(dqlint_cli, suite, str(CLEAN))
    assert res.code == 1  # an error blocks: the suite was not fully checked
    rule = rule_of(res)
    assert rule["status"] == "error"
    assert rule["message"] == "suite 'team-suite': 4 of 5 expectation(s) could not be loaded"
    assert rule["details"]["expectations"] == 5 and rule["details"]["loaded"] == 1
    got = [(f["details"]["kind"], f["details"]["index"], f["locations"][0]["line"]) for f in rule["findings"]]
    assert got == [("invalid-expectation", 1, 10), ("invalid-expectation", 2, 16), ("invalid-expectation", 3, 22),
                   ("invalid-expectation", 4, 27)]
    assert all(f["locations"][0]["path"] == str(suite) for f in rule["findings"])
    assert "expect_column_values_to_be_bogus not found" in rule["findings"][0]["message"]
    assert "value_set" in rule["findings"][1]["message"]
    assert rule["findings"][2]["message"] == "expectation 4 (no type) could not be loaded by Great Expectations: not an object with a 'type'"
    assert rule["findings"][3]["message"].endswith("could not be loaded by Great Expectations: unknown key(s) 'kwarg'")


def test_missing_column_and_aggregate_expectations(dqlint_cli, tmp_path):
    suite = write_suite(tmp_path / "suite.json", [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "no_such_column"}},
        {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1000}},
        {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "split", "value_set": ["train"]}},
    ])
    res = run_suite(dqlint_cli, suite, str(CLEAN))
    rule = rule_of(res)
    assert rule["status"] == "error"
    assert rule["message"] == "suite 'team-suite': 1 could not run, 1 failed"
    run_error, aggregate = rule["findings"]
    assert run_error["details"]["kind"] == "expectation-error"
    assert run_error["message"].startswith("expect_column_values_to_not_be_null(no_such_column) could not run:")
    assert aggregate["message"] == "expect_table_row_count_to_be_between: observed 160"
    assert aggregate["locations"] == [{"path": str(suite), "line": 10, "record": 1}]


def test_legacy_expectation_type_and_config_key(tmp_path):
    suite = tmp_path / "legacy.json"
    suite.write_text(json.dumps({"expectation_suite_name": "old", "expectations": [
        {"expectation_type": "expect_column_values_to_be_in_set", "kwargs": {"column": "split", "value_set": ["train"]}},
    ]}))
    report = dqlint.check(str(CLEAN), rules=["expectations"], config={"expectations": str(suite)})
    assert report.rule("expectations")["status"] == "pass"
    assert report.rule("expectations")["message"] == "suite 'old': 1 of 1 expectation(s) passed"


def test_unreadable_suite_is_an_error_naming_the_file(dqlint_cli, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x", "expectations": [\n  {"type": }\n]}')
    res = run_suite(dqlint_cli, bad, str(CLEAN))
    assert rule_of(res)["message"] == f"{bad}:2: invalid JSON in expectation suite: Expecting value"
    res = run_suite(dqlint_cli, tmp_path / "missing.json", str(CLEAN))
    assert rule_of(res)["message"] == f"{tmp_path / 'missing.json'}: expectation suite not found"


def test_no_progress_bars_or_gx_logging(dqlint_cli, exported_chat_suite):
    res = dqlint_cli("check", str(DIRTY), "--select", "expectations", "--expectations", str(exported_chat_suite),
                     "--isolated", "--no-cache", "--no-progress")
    assert res.code == 1
    assert res.err == ""
    assert "Calculating Metrics" not in res.out


def test_export_refuses_overwrite_and_inputs_and_prints_without_output(dqlint_cli, tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", [{"prompt": "Say hi", "completion": "Hi"}, {"prompt": "Say bye", "completion": "Bye"}])
    out = tmp_path / "suite.json"
    out.write_text("{}")
    res = dqlint_cli("expectations", "export", str(train), "-o", str(out), "--isolated")
    assert res.code == 2 and res.err.strip() == f"dqlint: error: {out}: file exists; use --force to replace it"
    res = dqlint_cli("expectations", "export", str(train), "-o", str(train), "--force", "--isolated")
    assert res.code == 2 and "dqlint never modifies its input" in res.err
    res = dqlint_cli("expectations", "export", str(train), "--isolated", "--length-margin", "0.5")
    assert res.code == 0
    suite = json.loads(res.out)
    lengths = {e["kwargs"]["column"]: (e["kwargs"]["min_value"], e["kwargs"]["max_value"])
               for e in suite["expectations"] if e["type"] == "expect_column_values_to_be_between"}
    assert lengths == {"input_length": (3, 11), "output_length": (1, 5)}
    res = dqlint_cli("expectations", "export", str(train), "-o", str(out), "--force", "--isolated")
    assert res.code == 0 and json.loads(out.read_text())["name"] == "suite"
