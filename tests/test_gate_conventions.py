"""Living with the gate: baselines, linter CLI conventions, JSON Schema, new formats."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import SAMPLES, chat, write_jsonl

DIRTY = SAMPLES / "chat/dirty"


@pytest.fixture
def dirty_copy(tmp_path, monkeypatch):
    for name in ("train.jsonl", "test.jsonl"):
        shutil.copy(DIRTY / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _insert_rows(path, rows, at=1):
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    new = [json.dumps(r) + "\n" for r in rows]
    path.write_text("".join(lines[:at] + new + lines[at:]), encoding="utf-8")


# -- baselines -----------------------------------------------------------------------------------


def test_baseline_round_trip(dqlint_cli, dirty_copy):
    check = ("check", "train.jsonl", "--test", "test.jsonl", "--isolated", "--no-cache", "--set", "near-duplicates.max-ratio=0")
    assert dqlint_cli(*check).code == 1
    res = dqlint_cli("baseline", "train.jsonl", "--test", "test.jsonl", "--isolated", "--set", "near-duplicates.max-ratio=0", "-o", "base.json")
    assert res.code == 0 and "wrote base.json" in res.err
    baseline = json.loads((dirty_copy / "base.json").read_text())
    assert baseline["dqlint_baseline"] == 1 and len(baseline["findings"]) > 10

    # Accepted: still shown and counted, not blocking.
    res = dqlint_cli(*check, "--baseline", "base.json", "-f", "json")
    report = res.json()
    assert res.code == 0 and report["verdict"] == "go"
    fmt = next(r for r in report["rules"] if r["id"] == "format-consistency")
    assert fmt["status"] == "fail" and fmt["baseline"] == {"accepted": 6, "new": 0, "accepted_all": True}
    assert all(f["baselined"] for f in fmt["findings"])
    assert report["baseline"]["stale"] == []

    # Inserting unrelated rows keeps every old finding accepted (fingerprints are content, not lines).
    _insert_rows(dirty_copy / "train.jsonl", [chat(f"Distinct question {w}?", f"A distinct answer about {w}.") for w in ("otters", "comets")])
    res = dqlint_cli(*check, "--baseline", "base.json", "-f", "json")
    assert res.code == 0, res.json()["summary"]["reason"]

    # A new duplicate still blocks.
    _insert_rows(dirty_copy / "train.jsonl", [chat("How do zebras sleep?", "Standing up, mostly.")] * 2, at=3)
    res = dqlint_cli(*check, "--baseline", "base.json", "-f", "json")
    report = res.json()
    assert res.code == 1 and report["summary"]["reason"].startswith("No-go: near-duplicates fails")
    dups = next(r for r in report["rules"] if r["id"] == "near-duplicates")
    assert dups["baseline"]["new"] == 1 and not dups["baseline"]["accepted_all"]

    # A fixed problem leaves a stale entry behind, reported so the file can be pruned.
    lines = (dirty_copy / "train.jsonl").read_text().splitlines(keepends=True)
    (dirty_copy / "train.jsonl").write_text("".join(line for line in lines if "human" not in line))
    report = dqlint_cli(*check, "--baseline", "base.json", "-f", "json").json()
    assert [s["kind"] for s in report["baseline"]["stale"]] == ["role"]


def test_fingerprints_hash_row_content_and_fall_back_for_records_naming_no_row():
    """A finding's fingerprint hashes the content of the rows it names (found by path and
    record), whatever its line; a location whose record is not a row number (a plugin's own)
    falls back to the file name and message instead of stopping the check."""
    from dqlint.data.ingest import load_inputs
    from dqlint.data.sources import InputSpec
    from dqlint.engine.baseline import add_fingerprints, finding_records, row_digests

    ds = load_inputs([InputSpec(str(SAMPLES / "chat" / "dirty" / "train.jsonl"))])
    path = ds.files[0].path
    rules = [
        {"id": "r", "status": "fail", "findings": [
            {"message": "m", "locations": [{"path": path, "line": 1, "record": 0}]},
            {"message": "m", "locations": [{"path": path, "line": 99, "record": 0}]},
            {"message": "m", "locations": [{"path": path, "line": 5, "record": "abc"}]},
        ]}
    ]
    assert finding_records(rules) == {path: {0}}
    add_fingerprints(rules, row_digests(ds, finding_records(rules)))
    first, moved, odd = (f["fingerprint"] for f in rules[0]["findings"])
    assert first == moved and odd != first and len(odd) == 20


def test_missing_or_foreign_baseline_is_an_input_error(dqlint_cli, dirty_copy):
    res = dqlint_cli("check", "train.jsonl", "--isolated", "--baseline", "nope.json")
    assert res.code == 2 and res.err.startswith("dqlint: error: nope.json: baseline file not found")
    (dirty_copy / "other.json").write_text('{"version": 3}')
    res = dqlint_cli("check", "train.jsonl", "--isolated", "--baseline", "other.json")
    assert res.code == 2 and "not a dqlint baseline" in res.err


def test_per_path_ignores_accept_a_rules_findings_in_matching_files(dqlint_cli, dirty_copy):
    (dirty_copy / "dqlint.toml").write_text('[per-path-ignores]\n"train*.jsonl" = ["format", "content-safety", "llm-artifacts"]\n')
    report = dqlint_cli("check", "train.jsonl", "--no-cache", "--select", "format,llm-artifacts,content-safety", "-f", "json").json()
    assert report["verdict"] == "go"
    assert all(f.get("ignored") for r in report["rules"] for f in r["findings"])


# -- CLI conventions ---------------------------------------------------------------------------


def test_select_and_ignore_by_criterion_and_extend(dqlint_cli):
    res = dqlint_cli("check", str(DIRTY / "train.jsonl"), "--isolated", "--no-cache", "--select", "duplicates,format", "-f", "json")
    assert [r["id"] for r in res.json()["rules"]] == ["format-consistency", "json-schema", "near-duplicates"]
    res = dqlint_cli("check", str(DIRTY / "train.jsonl"), "--isolated", "--no-cache", "--select", "duplicates",
                     "--extend-select", "size-and-holdout", "--extend-ignore", "near-duplicates", "-f", "json")
    assert [r["id"] for r in res.json()["rules"]] == ["dataset-size"]
    res = dqlint_cli("check", str(DIRTY / "train.jsonl"), "--isolated", "--select", "no-such-thing")
    assert res.code == 2 and "criteria: " in res.err


def test_statistics_counts_per_rule_and_kind(dqlint_cli):
    res = dqlint_cli("check", str(DIRTY / "train.jsonl"), "--isolated", "--no-cache", "--select", "format-consistency", "--statistics")
    assert res.code == 1
    assert res.out.splitlines()[0].split() == ["1", "format-consistency", "empty-content", "fail"]
    assert res.out.splitlines()[-1] == "      6  findings in total; verdict NO-GO"


def test_concise_format_is_one_line_per_finding(dqlint_cli):
    res = dqlint_cli("check", str(DIRTY / "train.jsonl"), "--isolated", "--no-cache", "--select", "format-consistency", "-f", "concise")
    lines = res.out.splitlines()
    assert lines[0].startswith(f"{DIRTY / 'train.jsonl'}:5: format-consistency: invalid JSON")
    assert len(lines) == 7 and lines[-1].startswith("NO-GO: No-go: format-consistency fails")


def test_gitlab_code_quality_report_has_the_required_fields(dqlint_cli, tmp_path):
    out = tmp_path / "gl-code-quality.json"
    res = dqlint_cli("check", str(DIRTY / "train.jsonl"), "--isolated", "--no-cache", "--select", "format-consistency,dataset-size",
                     "-f", "gitlab", "-o", str(out))
    issues = json.loads(out.read_text())
    assert res.code == 1 and len(issues) == 7
    for issue in issues:
        assert set(issue) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert isinstance(issue["description"], str) and issue["check_name"] in ("format-consistency", "dataset-size")
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert isinstance(issue["location"]["path"], str) and isinstance(issue["location"]["lines"]["begin"], int)
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    assert issues[0]["severity"] == "critical" and issues[0]["location"]["lines"]["begin"] == 5


def test_writing_a_file_says_the_verdict_and_what_was_written(dqlint_cli, tmp_path):
    out = tmp_path / "report.json"
    res = dqlint_cli("check", str(DIRTY / "train.jsonl"), "--isolated", "--no-cache", "--select", "format-consistency", "-o", str(out))
    assert res.code == 1 and res.out == ""
    assert res.err.splitlines() == [
        "dqlint: NO-GO: " + json.loads(out.read_text())["summary"]["reason"],
        f"dqlint: wrote {out}",
    ]
    res = dqlint_cli("check", str(DIRTY / "train.jsonl"), "--isolated", "--no-cache", "--select", "format-consistency", "-o", str(out), "-q")
    assert res.err == ""


def test_force_color_colours_output_that_is_not_a_terminal(dqlint_cli, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    res = dqlint_cli("check", str(SAMPLES / "chat/clean"), "--isolated", "--no-cache", "--select", "dataset-size")
    assert "\x1b[" in res.out
    monkeypatch.setenv("NO_COLOR", "1")
    res = dqlint_cli("check", str(SAMPLES / "chat/clean"), "--isolated", "--no-cache", "--select", "dataset-size")
    assert "\x1b[" not in res.out


def test_dash_reads_standard_input(dqlint_cli, monkeypatch):
    import io

    data = (DIRTY / "train.jsonl").read_bytes()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    res = dqlint_cli("check", "-", "--isolated", "--select", "format-consistency", "-f", "concise")
    assert res.code == 1 and res.out.splitlines()[0].startswith("<stdin>:5: format-consistency: invalid JSON")


# -- JSON Schema -------------------------------------------------------------------------------


SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["messages", "id"],
    "properties": {"id": {"type": "string", "pattern": "^ex-[0-9]+$"}, "messages": {"type": "array", "minItems": 2}},
}


def test_schema_violations_are_findings_at_exact_lines(dqlint_cli, tmp_path):
    schema = tmp_path / "record.schema.json"
    schema.write_text(json.dumps(SCHEMA))
    rows = [dict(chat("a", "b"), id="ex-1"), chat("c", "d"), dict(chat("e", "f"), id="bad id"), dict(chat("g", "h"), id="ex-4")]
    data = write_jsonl(tmp_path / "train.jsonl", rows)
    res = dqlint_cli("check", str(data), "--isolated", "--no-cache", "--select", "json-schema", "--schema", str(schema), "-f", "json")
    rule = res.json()["rules"][0]
    assert res.code == 1 and rule["status"] == "fail"
    assert [(f["locations"][0]["line"], f["message"]) for f in rule["findings"]] == [
        (2, "$: 'id' is a required property (required)"),
        (3, "$.id: 'bad id' does not match '^ex-[0-9]+$' (pattern)"),
    ]
    assert rule["metric"] == {"name": "schema_violation_ratio", "value": 0.5, "threshold": 0.0}


def test_schema_from_config_and_bad_schemas(dqlint_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_jsonl(tmp_path / "train.jsonl", [dict(chat("a", "b"), id="ex-1")])
    (tmp_path / "s.json").write_text(json.dumps(SCHEMA))
    (tmp_path / "dqlint.toml").write_text('schema = "s.json"\nselect = ["json-schema"]\n')
    res = dqlint_cli("check", "train.jsonl", "--no-cache", "-f", "json")
    assert res.code == 0 and res.json()["rules"][0]["status"] == "pass"
    (tmp_path / "s.json").write_text('{"type": 12}')
    res = dqlint_cli("check", "train.jsonl", "--no-cache")
    assert res.code == 2 and res.err.startswith("dqlint: error: s.json: not a valid Draft202012 schema:")
    (tmp_path / "s.json").write_text('{"type": ')
    res = dqlint_cli("check", "train.jsonl", "--no-cache")
    assert res.code == 2 and res.err.startswith("dqlint: error: s.json:1: invalid JSON in schema")
    res = dqlint_cli("check", "train.jsonl", "--isolated", "--no-cache", "--select", "json-schema", "-f", "json")
    assert res.json()["rules"][0]["status"] == "skipped"


# -- the terminal report -----------------------------------------------------------------------


def test_terminal_report_reads_once(dqlint_cli):
    res = dqlint_cli("check", str(DIRTY / "train.jsonl"), "--test", str(DIRTY / "test.jsonl"), "--isolated", "--no-cache",
                     "--no-color", "--max-findings", "2")
    rows = {line.split()[0]: line for line in res.out.splitlines() if line.split() and line.split()[0] in
            ("format-consistency", "json-schema", "near-duplicates", "token-length", "dataset-size")}
    assert rows["format-consistency"].split()[1:3] == ["FAIL", "blocks"]
    assert rows["near-duplicates"].split()[1:3] == ["WARN", "advice"]
    assert " error " not in rows["json-schema"] + rows["token-length"]
    # Every blocking rule is named in the verdict sentence.
    verdict = res.out[res.out.index(" NO-GO "):]
    for rule in ("format-consistency", "train-test-leakage", "sensitive-content"):
        assert rule in verdict
    assert "and 1 more" not in verdict

    # "+N more" says how to see the rest.
    assert "  … and 4 more: --max-findings 6 lists them here, -f concise or -f json lists every finding" in res.out


def test_wrapped_finding_lines_keep_their_indent(dqlint_cli, tmp_path):
    key = "an_annotator_specific_field_name_that_is_far_too_long_" * 3
    data = write_jsonl(tmp_path / "train.jsonl", [dict(chat("Hi", "Hello"), **{key: 1})])
    res = dqlint_cli("check", str(data), "--isolated", "--no-cache", "--no-color", "--select", "format-consistency")
    lines = res.out.splitlines()
    start = next(i for i, line in enumerate(lines) if "unknown top-level key" in line)
    column = lines[start].index("unknown top-level key")
    continuation = lines[start + 1]
    assert continuation[:column].strip() == "" and continuation[column:].strip()


def test_hub_loading_fails_fast_offline(dqlint_cli, monkeypatch):
    import time

    from dqlint.data import sources

    monkeypatch.setattr(sources, "hub_reachable", lambda timeout=0: False)
    for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"):
        monkeypatch.setenv(var, "0")
    started = time.monotonic()
    res = dqlint_cli("check", "hf://no-such-owner/no-such-dataset", "--isolated", "--no-cache")
    assert res.code == 2 and time.monotonic() - started < 20
    assert res.err.count("\n") == 1 and "Retrying" not in res.err
    assert res.err.startswith("dqlint: error: hf://no-such-owner/no-such-dataset: the Hugging Face Hub cannot be reached")
    assert "save_to_disk" in res.err


# -- dqlint init -------------------------------------------------------------------------------


def test_init_writes_a_config_for_the_data_it_finds(dqlint_cli, tmp_path, monkeypatch):
    import yaml

    (tmp_path / "data").mkdir()
    for name in ("train.jsonl", "test.jsonl"):
        shutil.copy(DIRTY / name, tmp_path / "data" / name)
    (tmp_path / "data" / "train.clean.jsonl").write_text("{}\n")  # dqlint's own output: not data
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "x.jsonl").write_text("{}\n")
    monkeypatch.chdir(tmp_path)
    res = dqlint_cli("init")
    assert res.code == 0, res.err
    config = (tmp_path / "dqlint.toml").read_text()
    assert 'train = ["data/train.jsonl"]\ntest = ["data/test.jsonl"]\n' in config
    hook = yaml.safe_load(res.out.split("# .github")[0])
    assert hook["repos"][0]["hooks"][0]["entry"] == "dqlint check"
    # The config it wrote is the one `dqlint check` uses with no arguments.
    report = dqlint_cli("check", "--no-cache", "-f", "json").json()
    assert [(i["path"], i["split"]) for i in report["inputs"]] == [("data/train.jsonl", "train"), ("data/test.jsonl", "test")]
    res = dqlint_cli("init")
    assert res.code == 2 and "dqlint.toml: file exists" in res.err
    res = dqlint_cli("init", "--pyproject")
    assert res.code == 0 and "[tool.dqlint]\n" in (tmp_path / "pyproject.toml").read_text()
    res = dqlint_cli("init", "--force", "--target", "openai")
    assert res.code == 0 and 'target = "openai"' in (tmp_path / "dqlint.toml").read_text()
    assert dqlint_cli("check", "--no-cache", "-f", "json").json()["target"] == "openai"
    res = dqlint_cli("init", "--force", "--target", "nobody")
    assert res.code == 2 and "nobody" in res.err


def test_verdict_names_every_blocking_rule_beyond_three():
    from dqlint.engine.verdict import judge

    entries = [{"id": f"rule-{i}", "severity": "error", "status": "fail", "message": f"problem {i}"} for i in range(5)]
    verdict, reason = judge(entries)
    assert verdict == "no-go"
    assert reason.endswith("rule-2 fails (problem 2); also rule-3 fails, rule-4 fails.")
