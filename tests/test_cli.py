"""The CLI end to end on real files: exit codes, formats, config, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES, chat, write_jsonl

CORE = "format-consistency,class-balance,dataset-size"
GOLDEN = Path(__file__).parent / "golden"


def normalised(report: dict) -> dict:
    report = dict(report)
    report["dqlint_version"] = "X"
    return report


def test_clean_sample_is_go(dqlint_cli):
    res = dqlint_cli("check", str(SAMPLES / "chat/clean"), "--select", CORE, "--no-color")
    assert res.code == 0, res.out
    assert "GO" in res.out and "NO-GO" not in res.out


def test_dirty_sample_is_no_go_with_exact_findings(dqlint_cli):
    res = dqlint_cli("check", str(SAMPLES / "chat/dirty/train.jsonl"), "--select", "format-consistency", "--format", "json")
    assert res.code == 1
    report = res.json()
    rule = report["rules"][0]
    got = [(f["locations"][0]["line"], f["details"]["kind"]) for f in rule["findings"]]
    assert got == [
        (5, "invalid-json"),
        (10, "role"),
        (15, "no-assistant"),
        (20, "not-object"),
        (25, "empty-content"),
        (45, "role-order"),
    ]
    assert rule["status"] == "fail" and rule["metric"] == {"name": "invalid_record_ratio", "value": round(6 / 124, 6), "threshold": 0.0}


def test_golden_json_report(dqlint_cli):
    """The JSON contract on the dirty sample, byte for byte (regenerate with DQLINT_UPDATE_GOLDEN=1)."""
    os.chdir(ROOT)
    res = dqlint_cli("check", "sample_data/chat/dirty/train.jsonl", "--test", "sample_data/chat/dirty/test.jsonl", "--select", CORE, "--format", "json")
    golden = GOLDEN / "dirty_core.json"
    got = normalised(res.json())
    if os.environ.get("DQLINT_UPDATE_GOLDEN"):
        golden.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert got == json.loads(golden.read_text(encoding="utf-8"))


def test_json_contract_shape(dqlint_cli):
    res = dqlint_cli("check", str(SAMPLES / "classification/train.csv"), "--test", str(SAMPLES / "classification/test.csv"), "--select", CORE, "-f", "json")
    report = res.json()
    assert report["schema_version"] == 1
    assert set(report) >= {"schema_version", "dqlint_version", "verdict", "target", "inputs", "rules", "summary"}
    assert report["target"] == "generic"
    assert report["inputs"][0] == {
        "path": str(SAMPLES / "classification/train.csv"), "split": "train", "format": "classification", "records": 270,
        "fields": {"text": ["text"], "label": ["label"]}, "fields_from": "format",
    }
    for rule in report["rules"]:
        assert set(rule) >= {"id", "severity", "status", "metric", "message", "findings"}
        assert rule["severity"] in ("error", "warning")
        assert rule["status"] in ("pass", "warn", "fail", "skipped", "error")
        for finding in rule["findings"]:
            assert set(finding) >= {"message", "locations"}
            for loc in finding["locations"]:
                assert set(loc) == {"path", "line", "record"}


def test_markdown_and_output_file(dqlint_cli, tmp_path):
    out = tmp_path / "report.md"
    res = dqlint_cli("check", str(SAMPLES / "chat/dirty/train.jsonl"), "--select", CORE, "--format", "markdown", "--output", str(out))
    assert res.code == 1 and res.out == ""
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# dqlint: NO-GO") and "| `format-consistency` | error | ❌ FAIL |" in text


def test_output_format_from_suffix_and_two_outputs(dqlint_cli, tmp_path):
    res = dqlint_cli("check", str(SAMPLES / "chat/clean"), "--select", CORE, "-o", str(tmp_path / "r.json"), "-o", str(tmp_path / "r.md"))
    assert res.code == 0
    assert json.loads((tmp_path / "r.json").read_text())["verdict"] == "go"
    assert (tmp_path / "r.md").read_text().startswith("# dqlint: GO")


def test_report_never_overwrites_an_input(dqlint_cli, tmp_path):
    data = write_jsonl(tmp_path / "train.jsonl", [chat("a", "b")])
    before = data.read_bytes()
    res = dqlint_cli("check", str(data), "-f", "json", "-o", str(data))
    assert res.code == 2 and "dqlint never modifies its input" in res.err
    assert data.read_bytes() == before


def test_severity_warning_does_not_block(dqlint_cli):
    res = dqlint_cli("check", str(SAMPLES / "chat/dirty/train.jsonl"), "--select", "format-consistency", "--severity", "format-consistency=warning", "-f", "json")
    assert res.code == 0 and res.json()["verdict"] == "go"
    res = dqlint_cli("check", str(SAMPLES / "chat/dirty/train.jsonl"), "--select", "format-consistency", "--severity", "format-consistency=warning", "--fail-on", "warning")
    assert res.code == 1
    res = dqlint_cli("check", str(SAMPLES / "chat/dirty/train.jsonl"), "--select", "format-consistency", "--exit-zero")
    assert res.code == 0


def test_set_option_changes_the_threshold(dqlint_cli):
    res = dqlint_cli("check", str(SAMPLES / "chat/dirty/train.jsonl"), "--select", "format-consistency", "--set", "format-consistency.max-invalid-ratio=0.5", "-f", "json")
    assert res.code == 0 and res.json()["rules"][0]["metric"]["threshold"] == 0.5


def test_config_file_found_upward_and_cli_overrides(dqlint_cli, tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.dqlint]\nselect = ["dataset-size"]\n[tool.dqlint.rules.dataset-size]\nmin-examples = 1\nrecommended-examples = 1\nseverity = "warning"\n',
        encoding="utf-8",
    )
    sub = tmp_path / "data" / "deeper"
    sub.mkdir(parents=True)
    write_jsonl(sub / "train.jsonl", [chat("a", "b"), chat("c", "d"), chat("e", "f"), chat("g", "h")])
    write_jsonl(sub / "test.jsonl", [chat("i", "j")])
    monkeypatch.chdir(sub)
    report = dqlint_cli("check", ".", "-f", "json").json()
    assert [r["id"] for r in report["rules"]] == ["dataset-size"]
    assert report["rules"][0]["severity"] == "warning" and report["rules"][0]["status"] == "pass"
    report = dqlint_cli("check", ".", "-f", "json", "--set", "dataset-size.min-examples=10").json()
    assert report["rules"][0]["status"] == "fail" and report["verdict"] == "go"  # warning severity never blocks


def test_inputs_from_config_when_no_paths(dqlint_cli, tmp_path, monkeypatch):
    write_jsonl(tmp_path / "a.jsonl", [chat("a", "b")])
    write_jsonl(tmp_path / "b.jsonl", [chat("c", "d")])
    (tmp_path / "dqlint.toml").write_text('train = ["a.jsonl"]\ntest = ["b.jsonl"]\nselect = ["dataset-size"]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    report = dqlint_cli("check", "-f", "json").json()
    assert [(i["path"], i["split"]) for i in report["inputs"]] == [("a.jsonl", "train"), ("b.jsonl", "test")]  # relative to the current folder


@pytest.mark.parametrize(
    "args, message",
    [
        (["check", "missing.jsonl"], "dqlint: error: missing.jsonl: no such file or folder"),
        (["check", "--select", "no-such-rule", "sample_data/chat/clean"], "dqlint: error: unknown rule id(s): no-such-rule"),
        (["check", "--set", "dataset-size.bogus=1", "sample_data/chat/clean"], "dqlint: error: rule 'dataset-size' has no option 'bogus'"),
        (["check", "--set", "dataset-size.min-examples=abc", "sample_data/chat/clean"], "dqlint: error: rule 'dataset-size' option 'min-examples': expected a whole number"),
        (["check", "-f", "yaml", "sample_data/chat/clean"], "dqlint: error: unknown format 'yaml'"),
        (["check", "-f", "json", "-f", "markdown", "sample_data/chat/clean"], "dqlint: error: only one --format can go to standard output"),
        (["check"], "dqlint: error: no inputs"),
    ],
)
def test_errors_are_one_line_and_exit_2(dqlint_cli, monkeypatch, args, message):
    monkeypatch.chdir(ROOT)
    res = dqlint_cli(*args)
    assert res.code == 2
    assert res.err.startswith(message) and res.err.count("\n") == 1 and "Traceback" not in res.err


def test_bad_config_is_one_line(dqlint_cli, tmp_path, monkeypatch):
    (tmp_path / "dqlint.toml").write_text("select = [\n", encoding="utf-8")
    write_jsonl(tmp_path / "t.jsonl", [chat("a", "b")])
    monkeypatch.chdir(tmp_path)
    res = dqlint_cli("check", "t.jsonl")
    assert res.code == 2 and "invalid TOML" in res.err and res.err.count("\n") == 1


def test_binary_input_via_subprocess_has_no_traceback(tmp_path):
    path = tmp_path / "train.jsonl"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    proc = subprocess.run([sys.executable, "-m", "dqlint", "check", str(path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"dqlint: error: {path}: binary file (NUL byte at offset 8), not a text data file"


def test_no_color_env_and_rich_markup_in_data_is_literal(dqlint_cli, tmp_path):
    data = write_jsonl(tmp_path / "t.jsonl", [{"messages": [{"role": "human", "content": "[bold red]x[/] <b>"}, {"role": "assistant", "content": "y"}]}])
    res = dqlint_cli("check", str(data), "--select", "format-consistency", "--no-color")
    assert "\x1b[" not in res.out
    res = dqlint_cli("check", str(data), "--select", "format-consistency", "--color")
    assert "\x1b[" in res.out


def test_rules_command_lists_docs_and_defaults(dqlint_cli):
    res = dqlint_cli("rules", "format-consistency")
    assert res.code == 0
    for section in ("## What it does", "## Why it matters", "## Example", "## How to fix"):
        assert section in res.out
    assert "max-invalid-ratio = 0.0" in res.out
    catalog = json.loads(dqlint_cli("rules", "-f", "json").out)
    ids = {entry["id"] for entry in catalog}
    assert {"format-consistency", "class-balance", "dataset-size"} <= ids


def test_every_rule_is_documented(dqlint_cli):
    catalog = json.loads(dqlint_cli("rules", "-f", "json").out)
    for entry in catalog:
        assert "error" not in entry, entry
        for section in ("## What it does", "## Why it matters", "## Example", "## How to fix"):
            assert section in entry["documentation"], (entry["id"], section)


def test_help_is_fast_and_lists_commands():
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "dqlint", "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "check" in proc.stdout
    heavy = [m for m in ("pandas", "datasets", "great_expectations", "sklearn", "rich", "numpy") if f" {m}\n" in proc.stderr or f"| {m}\n" in proc.stderr]
    assert heavy == []
