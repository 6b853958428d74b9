"""CI outputs on real files: SARIF against the 2.1.0 schema, JUnit XML, GitHub annotations and
their escaping, the step summary, several formats from one run, and what blocks (exit codes)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from conftest import SAMPLES

from dqlint.reporters import RenderOptions, render
from dqlint.reporters.junit import case_names

SARIF_SCHEMA = Path(__file__).resolve().parents[1].parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
RULES = "format-consistency,train-test-leakage,near-duplicates,dataset-size,class-balance"


@pytest.fixture(scope="module")
def one_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """ONE `dqlint check` process writing json, sarif, junit and github files, markdown to stdout,
    and the step summary (which already holds an earlier step's text)."""
    work = tmp_path_factory.mktemp("ci")
    for name in ("train.jsonl", "test.jsonl"):
        shutil.copy(SAMPLES / "chat" / "dirty" / name, work / name)
    summary = work / "step_summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    env = {**os.environ, "GITHUB_STEP_SUMMARY": str(summary), "NO_COLOR": "1"}
    env.pop("GITHUB_WORKSPACE", None)
    args = [
        sys.executable, "-m", "dqlint", "check", "train.jsonl", "--test", str(work / "test.jsonl"),  # one absolute path
        "--isolated", "--no-cache", "--select", RULES,
        "--format", "json", "--output", "report.json",
        "--format", "sarif", "--output", "report.sarif",
        "--format", "junit", "--output", "report.xml",
        "--format", "github", "--output", "annotations.txt",
        "--format", "markdown",
    ]  # fmt: skip
    proc = subprocess.run(args, cwd=work, env=env, capture_output=True, text=True, timeout=600)
    return {
        "proc": proc,
        "report": json.loads((work / "report.json").read_text(encoding="utf-8")),
        "sarif": json.loads((work / "report.sarif").read_text(encoding="utf-8")),
        "junit": ET.parse(work / "report.xml").getroot(),
        "annotations": (work / "annotations.txt").read_text(encoding="utf-8").splitlines(),
        "summary": summary.read_text(encoding="utf-8"),
    }


def sarif_validator():
    if not SARIF_SCHEMA.is_file():
        pytest.skip(f"SARIF 2.1.0 schema not found at {SARIF_SCHEMA} (the shared schemas folder beside this checkout)")
    import jsonschema

    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


# -- one run, several formats --------------------------------------------------------------------


def test_one_run_writes_every_format_and_appends_the_step_summary(one_run):
    proc = one_run["proc"]
    assert proc.returncode == 1, proc.stderr  # no-go
    assert proc.stdout.startswith("# dqlint: NO-GO")  # the markdown went to stdout
    assert one_run["report"]["verdict"] == "no-go"
    # The summary kept the earlier step's text and got the same Markdown report appended.
    assert one_run["summary"] == "earlier step\n" + proc.stdout + "\n"


# -- SARIF ---------------------------------------------------------------------------------------


def test_sarif_is_valid_sarif_2_1_0(one_run):
    errors = sorted(sarif_validator().iter_errors(one_run["sarif"]), key=str)
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:10])


def test_sarif_rules_and_results_follow_the_report(one_run):
    sarif, report = one_run["sarif"], one_run["report"]
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "dqlint" and driver["version"] == report["dqlint_version"] and driver["informationUri"].startswith("https://")
    assert [r["id"] for r in driver["rules"]] == [r["id"] for r in report["rules"]]
    for descriptor, rule in zip(driver["rules"], report["rules"]):
        assert descriptor["shortDescription"]["text"] == rule["summary"]
        assert rule["summary"] in descriptor["fullDescription"]["text"] and rule["criterion"] in descriptor["fullDescription"]["text"]
        assert descriptor["help"]["text"]

    # One result per finding, plus one for dataset-size, which warns about the whole data set.
    per_rule = Counter(r["ruleId"] for r in run["results"])
    assert per_rule == {"format-consistency": 6, "near-duplicates": 5, "train-test-leakage": 3, "dataset-size": 1}
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {"format-consistency": "error", "train-test-leakage": "error", "near-duplicates": "warning", "dataset-size": "warning"}
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["message"]["text"]


def test_sarif_locations_are_relative_with_lines(one_run):
    run = one_run["sarif"]["runs"][0]
    first = run["results"][0]
    physical = first["locations"][0]["physicalLocation"]
    assert physical == {"artifactLocation": {"uri": "train.jsonl", "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 5}}
    leak = next(r for r in run["results"] if r["ruleId"] == "train-test-leakage")
    # test.jsonl was given as an absolute path under the current folder: made relative.
    assert leak["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "test.jsonl"
    assert leak["locations"][0]["physicalLocation"]["region"]["startLine"] == 31
    assert [loc["physicalLocation"]["region"]["startLine"] for loc in leak["relatedLocations"]] == [91]
    whole = next(r for r in run["results"] if r["ruleId"] == "dataset-size")
    assert "region" not in whole["locations"][0]["physicalLocation"]
    fingerprints = [r["partialFingerprints"]["dqlintFindingHash/v1"] for r in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints)


def _report(findings: list[dict], status: str = "fail", severity: str = "error") -> dict:
    rule = {"id": "my-rule", "summary": "my summary", "criterion": "format", "severity": severity, "status": status,
            "metric": {"name": "bad", "value": 1, "threshold": 0}, "message": "1 bad record", "details": {}, "findings": findings}  # fmt: skip
    return {
        "schema_version": 1, "dqlint_version": "0.1.0", "verdict": "no-go",
        "summary": {"reason": "No-go: my-rule fails.", "records": 10, "findings": len(findings), "rules": {status: 1}},
        "inputs": [{"path": "data/train.parquet", "split": "train", "format": "text-label", "records": 10}],
        "rules": [rule],
    }  # fmt: skip


def test_sarif_records_without_lines_and_awkward_paths(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    report = _report(
        [
            {"message": "no line", "locations": [{"path": "data/train.parquet", "line": None, "record": 3}], "snippet": None, "details": {}},
            {"message": "odd path", "locations": [{"path": str(tmp_path / "my data" / "a#b.jsonl"), "line": 2, "record": 1}], "snippet": "x", "details": {}},
            {"message": "outside", "locations": [{"path": "/elsewhere/t.jsonl", "line": 1, "record": 0}], "snippet": None, "details": {}},
        ]
    )
    sarif = json.loads(render("sarif", report))
    assert not list(sarif_validator().iter_errors(sarif))
    no_line, odd, outside = (r["locations"][0] for r in sarif["runs"][0]["results"])
    assert no_line["physicalLocation"] == {"artifactLocation": {"uri": "data/train.parquet", "uriBaseId": "%SRCROOT%"}}
    assert no_line["logicalLocations"][0]["name"] == "record 3"
    assert odd["physicalLocation"]["artifactLocation"]["uri"] == "my%20data/a%23b.jsonl"
    assert odd["physicalLocation"]["region"] == {"startLine": 2, "snippet": {"text": "x"}}
    assert outside["physicalLocation"]["artifactLocation"] == {"uri": "file:///elsewhere/t.jsonl"}


def test_sarif_rule_that_could_not_run_is_a_tool_notification():
    report = _report([], status="error")
    run = json.loads(render("sarif", report))["runs"][0]
    assert run["results"] == []
    assert run["invocations"][0]["executionSuccessful"] is False
    assert run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"] == "my-rule: 1 bad record"


# -- JUnit ---------------------------------------------------------------------------------------


def test_junit_one_case_per_rule_per_file(one_run):
    root = one_run["junit"]
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    names = [c.get("name") for c in cases]
    assert len(names) == len(set(names)) == 5 * 2
    assert "format-consistency[train.jsonl]" in names and "format-consistency[test.jsonl]" in names
    outcome = {c.get("name"): next((child.tag for child in c if child.tag in ("failure", "error", "skipped")), "passed") for c in cases}
    assert sorted(n for n, o in outcome.items() if o == "failure") == [
        "format-consistency[train.jsonl]",
        "train-test-leakage[test.jsonl]",
        "train-test-leakage[train.jsonl]",
    ]
    assert sorted(n for n, o in outcome.items() if o == "skipped") == ["class-balance[test.jsonl]", "class-balance[train.jsonl]"]
    for element in (root, suite):
        assert (element.get("tests"), element.get("failures"), element.get("errors"), element.get("skipped")) == ("10", "3", "0", "2")


def test_junit_failure_lists_findings_and_properties_carry_the_metric(one_run):
    case = next(c for c in one_run["junit"].iter("testcase") if c.get("name") == "format-consistency[train.jsonl]")
    failure = case.find("failure")
    assert failure.get("type") == "error"
    assert failure.get("message").startswith("6 of 157 records break the format")
    lines = failure.text.splitlines()
    assert len(lines) == 6 and lines[0].startswith("train.jsonl:5: invalid JSON")
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert props["metric"] == "invalid_record_ratio" and props["metric.threshold"] == "0" and props["status"] == "fail"
    warned = next(c for c in one_run["junit"].iter("testcase") if c.get("name") == "dataset-size[train.jsonl]")
    assert warned.find("failure") is None and warned.find("system-out").text.startswith("WARN: 122 training examples")


def test_junit_unique_names_for_same_base_names_and_xml_safe_text():
    assert case_names(["a/train.jsonl", "b/train.jsonl", "test.jsonl"]) == {
        "a/train.jsonl": "a/train.jsonl",
        "b/train.jsonl": "b/train.jsonl",
        "test.jsonl": "test.jsonl",
    }
    report = _report([{"message": "bell \x07 and nul \x00 <tag> & \"q\"", "locations": [{"path": "data/train.parquet", "line": None, "record": 3}], "snippet": None, "details": {}}])
    root = ET.fromstring(render("junit", report))  # parses: no raw control characters left
    failure = root.find(".//failure")
    assert "bell \\x07 and nul \\x00 <tag> & \"q\"" in failure.text
    assert "data/train.parquet#3" in failure.text


# -- GitHub annotations --------------------------------------------------------------------------


def test_annotations_on_real_findings(one_run):
    lines = one_run["annotations"]
    assert lines[0] == (
        "::error title=dqlint format-consistency::6 of 157 records break the format: invalid-json (1), role (1), "
        "no-assistant (1) and 3 more kind(s) — invalid_record_ratio 0.03822 (threshold 0)"
    )
    assert "::error file=train.jsonl,line=5,title=dqlint format-consistency::invalid JSON: unexpected end of data at column 525" in lines
    assert any(line.startswith("::error file=test.jsonl,line=31,title=dqlint train-test-leakage::") for line in lines)
    assert any(line.startswith("::warning title=dqlint dataset-size::122 training examples") for line in lines)
    assert "::notice title=dqlint format-consistency::1 more finding(s) not annotated" in "\n".join(lines)
    assert lines[-1].startswith("::notice title=dqlint verdict%3A NO-GO::No-go: ")
    assert all(line.startswith("::") for line in lines)


def test_annotation_escaping(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    finding = {
        "message": "100% broken\r\nsecond line: a, b",
        "locations": [{"path": "dir,x/a:b.jsonl", "line": 7, "record": 6}],
        "snippet": None,
        "details": {},
    }
    lines = render("github", _report([finding]), RenderOptions(max_findings=5)).splitlines()
    assert "::error file=dir%2Cx/a%3Ab.jsonl,line=7,title=dqlint my-rule::100%25 broken%0D%0Asecond line: a, b" in lines
    assert lines[0] == "::error title=dqlint my-rule::1 bad record — bad 1 (threshold 0)"
    assert len(lines) == 3  # rule, finding, verdict: every command on one line


# -- what blocks: exit codes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["chat/clean", "--select", "dataset-size"], 0),  # go, with a warning
        (["chat/clean", "--select", "dataset-size", "--fail-on", "warning"], 1),
        (["chat/clean", "--select", "dataset-size", "--fail-on", "warning", "--exit-zero"], 0),
        (["chat/dirty/train.jsonl", "--select", "format-consistency"], 1),  # no-go
        (["chat/dirty/train.jsonl", "--select", "format-consistency", "--exit-zero"], 0),
        (["chat/dirty/train.jsonl", "--select", "format-consistency", "--severity", "format-consistency=warning"], 0),
        (["chat/dirty/train.jsonl", "--select", "format-consistency", "--severity", "format-consistency=warning", "--fail-on", "warning"], 1),
    ],
)
def test_fail_on_and_exit_zero(dqlint_cli, monkeypatch, tmp_path, args, code):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    res = dqlint_cli("check", str(SAMPLES / args[0]), *args[1:], "--isolated", "--no-cache", "-f", "json")
    assert res.code == code, res.err


def test_exit_zero_still_exits_2_when_the_run_cannot_be_judged(dqlint_cli, tmp_path):
    res = dqlint_cli("check", str(tmp_path / "missing.jsonl"), "--isolated", "--exit-zero")
    assert res.code == 2


def test_unwritable_step_summary_warns_and_keeps_the_exit_code(dqlint_cli, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path))  # a folder: cannot be appended to
    res = dqlint_cli("check", str(SAMPLES / "chat/clean"), "--select", "format-consistency", "--isolated", "--no-cache", "-f", "json")
    assert res.code == 0
    assert res.err.startswith("dqlint: warning: GITHUB_STEP_SUMMARY ")


def test_paths_are_relative_to_the_github_workspace(monkeypatch, tmp_path):
    """Run from a sub-folder on GitHub Actions: locations still name files from the checkout root."""
    (tmp_path / "data").mkdir()
    monkeypatch.chdir(tmp_path / "data")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    finding = {"message": "bad", "locations": [{"path": "train.jsonl", "line": 3, "record": 2}], "snippet": None, "details": {}}
    report = _report([finding])
    result = json.loads(render("sarif", report))["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "data/train.jsonl"
    assert "::error file=data/train.jsonl,line=3,title=dqlint my-rule::bad" in render("github", report).splitlines()


def test_composite_action_check_step(tmp_path):
    """action.yml's check step, run by bash as the runner would: SARIF file, annotations on stdout,
    the step summary, and dqlint's exit code handed to the last step through $GITHUB_OUTPUT."""
    import yaml

    action = yaml.safe_load((Path(__file__).resolve().parents[1] / "action.yml").read_text(encoding="utf-8"))
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "check")
    shutil.copy(SAMPLES / "chat" / "dirty" / "train.jsonl", tmp_path / "train.jsonl")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "dqlint").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m dqlint "$@"\n', encoding="utf-8")
    (tmp_path / "bin" / "dqlint").chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "DQLINT_PATHS": "train.jsonl",
        "DQLINT_ARGS": "--isolated --no-cache --select format-consistency",
        "DQLINT_SARIF": "out.sarif",
        "GITHUB_OUTPUT": str(tmp_path / "github_output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_WORKSPACE": str(tmp_path),
    }
    proc = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr  # the verdict is applied by the last step, after the upload
    assert (tmp_path / "github_output").read_text(encoding="utf-8") == "exit-code=1\n"
    assert json.loads((tmp_path / "out.sarif").read_text(encoding="utf-8"))["runs"][0]["results"]
    assert "::error file=train.jsonl,line=5,title=dqlint format-consistency::" in proc.stdout
    assert (tmp_path / "summary.md").read_text(encoding="utf-8").startswith("# dqlint: NO-GO")
