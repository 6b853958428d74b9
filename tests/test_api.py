"""The Python API: every input type, DatasetDict splits, CLI/API equality, progress never in output."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import ROOT, SAMPLES, chat, write_jsonl

import dqlint

CORE = ["format-consistency", "class-balance", "dataset-size"]


def records(n: int, prefix: str = "q") -> list[dict]:
    return [chat(f"{prefix} number {i}: explain item {i * 7919 % 1000}", f"answer {i}") for i in range(n)]


def test_public_names_are_few_and_documented():
    assert set(dqlint.__all__) == {"__version__", "check", "sample", "clean", "Report", "DqlintError"}
    assert dqlint.check.__doc__ and dqlint.Report.__doc__


def test_path_and_list_of_paths(tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", records(120))
    test = write_jsonl(tmp_path / "test.jsonl", records(30, "t"))
    one = dqlint.check(str(train), rules=CORE, config={})
    two = dqlint.check([train, test], rules=CORE, config={})
    assert one.to_dict()["summary"]["splits"] == {"train": 120}
    assert two.to_dict()["summary"]["splits"] == {"test": 30, "train": 120}
    assert two.passed and two.verdict == "go"


def test_list_of_dicts_and_test_argument():
    report = dqlint.check(records(120), test=records(30, "t"), rules=CORE, config={})
    assert [(i["path"], i["split"]) for i in report.to_dict()["inputs"]] == [("records", "train"), ("records[test]", "test")]


def test_dataframe_input_with_locations():
    import pandas as pd

    frame = pd.DataFrame({"text": ["good", "", "fine"], "label": ["a", "b", "a"]})
    report = dqlint.check(frame, rules=["format-consistency"], config={})
    findings = report.findings("format-consistency")
    assert list(findings.columns) == ["rule", "finding", "message", "path", "line", "record", "snippet"]
    assert findings.loc[0, "path"] == "dataframe" and findings.loc[0, "record"] == 1
    assert findings.loc[0, "message"] == "text is empty"


def test_datasets_dataset_and_datasetdict_splits():
    import datasets

    train = datasets.Dataset.from_list(records(100))
    test = datasets.Dataset.from_list(records(25, "t"))
    report = dqlint.check(train, rules=CORE, config={})
    assert report.to_dict()["inputs"][0]["records"] == 100
    dd = datasets.DatasetDict({"train": train, "validation": test})
    report = dqlint.check(dd, rules=CORE, config={})
    assert [(i["path"], i["split"]) for i in report.to_dict()["inputs"]] == [("dataset[train]", "train"), ("dataset[validation]", "validation")]
    assert report.rule("dataset-size")["details"]["validation"] == 25


def test_report_views():
    report = dqlint.check(str(SAMPLES / "chat/dirty/train.jsonl"), rules=CORE, config={})
    assert not report.passed and report.verdict == "no-go" and report.reason.startswith("No-go: format-consistency fails")
    assert json.loads(report.to_json()) == report.to_dict()
    assert report.to_markdown().startswith("# dqlint: NO-GO")
    assert repr(report).startswith("<dqlint.Report no-go:")
    assert "<" in report._repr_html_()
    assert len(report.findings()) >= 6
    with pytest.raises(KeyError, match="no rule 'nope'"):
        report.rule("nope")


def test_config_argument_forms(tmp_path):
    cfg = tmp_path / "dqlint.toml"
    cfg.write_text('select = ["dataset-size"]\n[rules.dataset-size]\nmin-examples = 1000\n', encoding="utf-8")
    data = records(120)
    by_path = dqlint.check(data, config=str(cfg))
    by_dict = dqlint.check(data, config={"select": ["dataset-size"], "rules": {"dataset-size": {"min-examples": 1000}}})
    assert by_path.to_dict() == by_dict.to_dict()
    assert by_path.rule("dataset-size")["status"] == "fail"
    with pytest.raises(dqlint.DqlintError, match="unknown setting"):
        dqlint.check(data, config={"selekt": []})


def test_cli_json_equals_api_dict(tmp_path):
    """One code path: the CLI's JSON is the API's dict, on the sample data."""
    out = tmp_path / "cli.json"
    args = ["check", "sample_data/chat/dirty/train.jsonl", "--test", "sample_data/chat/dirty/test.jsonl", "-f", "json", "-o", str(out)]
    proc = subprocess.run([sys.executable, "-m", "dqlint", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stderr
    api = dqlint.check("sample_data/chat/dirty/train.jsonl", test="sample_data/chat/dirty/test.jsonl").to_dict() if _chdir(ROOT) else None
    assert json.loads(out.read_text(encoding="utf-8")) == api


def _chdir(path) -> bool:
    import os

    os.chdir(path)
    return True


def test_progress_goes_to_stderr_never_into_machine_output():
    args = ["check", "sample_data/chat/clean", "--select", ",".join(CORE), "-f", "json", "--progress", "-v", "--no-cache"]
    proc = subprocess.run([sys.executable, "-m", "dqlint", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0
    json.loads(proc.stdout)  # stdout is pure JSON
    assert "dqlint: loading sample_data/chat/clean/train.jsonl" in proc.stderr
    assert "dqlint: running format-consistency:" in proc.stderr and "dqlint: total" in proc.stderr


def test_progress_is_off_in_ci_and_with_quiet():
    env = {**__import__("os").environ, "CI": "true"}
    base = ["check", "sample_data/chat/clean", "--select", ",".join(CORE), "-f", "json"]
    proc = subprocess.run([sys.executable, "-m", "dqlint", *base], cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)
    assert proc.stderr == ""
    proc = subprocess.run([sys.executable, "-m", "dqlint", *base, "--progress", "--quiet"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.stderr == ""


def test_guard_clause_for_training_scripts(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(
        "import sys, dqlint\n"
        f"if not dqlint.check({str(SAMPLES / 'chat/dirty/train.jsonl')!r}, rules=['format-consistency']).passed:\n"
        "    sys.exit('data not ready')\n"
        "print('training')\n",
        encoding="utf-8",
    )
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and proc.stderr.strip() == "data not ready"
