"""Regression tests for problems an independent review found: inputs never overwritten,
labels that only look alike, JSON wrappers, duplicate inputs, exit codes and option ranges."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from conftest import SAMPLES, chat, write_jsonl
from dqlint.rules.format_consistency import FormatConsistency, label_key

from dqlint.data.ingest import dataset_from_records, load_inputs
from dqlint.data.sources import InputSpec
from dqlint.rule import CheckContext

DIRTY = SAMPLES / "chat/dirty"


@pytest.fixture
def data_dir(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    for name in ("train.jsonl", "test.jsonl"):
        shutil.copy(DIRTY / name, folder / name)
    return folder


def digest(path) -> bytes:
    return open(path, "rb").read()


def test_report_never_replaces_a_file_inside_an_input_folder(dqlint_cli, data_dir):
    before = digest(data_dir / "test.jsonl")
    res = dqlint_cli("check", str(data_dir), "-f", "json", "-o", str(data_dir / "test.jsonl"), "--no-cache")
    assert res.code == 2 and "dqlint never modifies its input" in res.err
    assert digest(data_dir / "test.jsonl") == before


def test_report_never_replaces_a_hard_link_of_an_input(dqlint_cli, tmp_path):
    data = write_jsonl(tmp_path / "in.jsonl", [chat("a", "b")])
    os.link(data, tmp_path / "hl.jsonl")
    res = dqlint_cli("check", str(data), "-f", "json", "-o", str(tmp_path / "hl.jsonl"), "--no-cache")
    assert res.code == 2 and json.loads(data.read_text()) == chat("a", "b")


def test_report_never_replaces_the_review_sheet_or_suite(dqlint_cli, tmp_path):
    data = write_jsonl(tmp_path / "t.jsonl", [chat("a", "b")])
    sheet = tmp_path / "review.csv"
    sheet.write_text("filled by a person\n", encoding="utf-8")
    res = dqlint_cli("check", str(data), "--review", str(sheet), "-f", "markdown", "-o", str(sheet))
    assert res.code == 2 and sheet.read_text() == "filled by a person\n"
    suite = tmp_path / "suite.json"
    suite.write_text("{}", encoding="utf-8")
    res = dqlint_cli("check", str(data), "--expectations", str(suite), "-f", "json", "-o", str(suite))
    assert res.code == 2 and suite.read_text() == "{}"


def test_step_summary_never_appends_to_an_input(dqlint_cli, tmp_path, monkeypatch):
    data = write_jsonl(tmp_path / "t.jsonl", [chat("a", "b")])
    before = digest(data)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(data))
    res = dqlint_cli("check", str(data), "--select", "dataset-size", "--no-cache")
    assert digest(data) == before and "GITHUB_STEP_SUMMARY" in res.err


@pytest.mark.parametrize(
    "outputs, message",
    [
        (["-f", "json", "-o", "same.out", "-f", "sarif", "-o", "same.out"], "is named twice"),
        (["-f", "json", "-o", "."], "is a folder"),
    ],
)
def test_bad_output_plans(dqlint_cli, tmp_path, monkeypatch, outputs, message):
    monkeypatch.chdir(tmp_path)
    write_jsonl(tmp_path / "t.jsonl", [chat("a", "b")])
    res = dqlint_cli("check", "t.jsonl", *outputs)
    assert res.code == 2 and message in res.err


def test_signed_labels_are_not_spelling_variants():
    assert label_key("-1") != label_key("1") and label_key("A-") != label_key("A")
    assert label_key("Not_Spam") == label_key("not spam") == label_key(" NOT-SPAM ")
    ds = dataset_from_records([{"text": f"t{i}", "label": ["-1", "0", "1"][i % 3]} for i in range(30)])
    res = FormatConsistency().check(CheckContext(ds), FormatConsistency.make_options({}))
    assert [f for f in res.findings if f.details["kind"] == "label-spelling"] == []


def test_json_wrapper_with_brackets_inside_strings(tmp_path):
    path = tmp_path / "w.json"
    path.write_text('{"name": "data", "tags": "[beta]",\n "data": [{"text": "hello a"},\n {"text": "hello b"}]}', encoding="utf-8")
    ds = load_inputs([InputSpec(str(path))])
    assert ds.input == ["hello a", "hello b"] and ds.line == [2, 3] and ds.problems == []


def test_a_file_named_twice_is_loaded_once(data_dir):
    ds = load_inputs([InputSpec(str(data_dir)), InputSpec(str(data_dir / "test.jsonl"), split="test")])
    assert sorted((f.path.rsplit("/", 1)[-1], f.split) for f in ds.files) == [("test.jsonl", "test"), ("train.jsonl", "train")]
    with pytest.raises(Exception, match="given as both test and validation"):
        load_inputs([InputSpec(str(data_dir / "test.jsonl"), split="test"), InputSpec(str(data_dir / "test.jsonl"), split="validation")])


def test_split_column_beats_the_file_name_and_unknown_values_are_reported(tmp_path):
    path = write_jsonl(tmp_path / "train.jsonl", [{"text": "a", "split": "test"}, {"text": "b", "split": "holdout"}, {"text": "c", "split": "weird"}])
    ds = load_inputs([InputSpec(str(path))])
    assert ds.split == ["test", "test", "train"]
    assert [(p.kind, p.fatal, p.location.line) for p in ds.problems] == [("split", False, 3)]


def test_fail_on_warning_makes_the_verdict_no_go(dqlint_cli):
    res = dqlint_cli("check", str(DIRTY / "train.jsonl"), "--select", "dataset-size", "--fail-on", "warning", "-f", "json", "--no-cache")
    assert res.code == 1 and res.json()["verdict"] == "no-go"
    res = dqlint_cli("check", str(DIRTY / "train.jsonl"), "--select", "dataset-size", "-f", "json", "--no-cache")
    assert res.code == 0 and res.json()["summary"]["reason"] == "Go: no blocking rule failed (1 warned)."


@pytest.mark.parametrize(
    "args, message",
    [
        (["--select", ","], "no rules selected"),
        (["--ignore", "ALL"], "unknown rule id(s): ALL"),
        (["--severity", "ALL=warning"], "unknown rule id(s): ALL"),
        (["--set", "near-duplicates.threshold=150"], "expected a number <= 100"),
        (["--set", "near-duplicates.threshold=nan"], "expected a finite number"),
        (["--set", "near-duplicates.splits=foo"], "expected values from train, validation, test"),
        (["--set", "near-duplicates.max-ratio=-1"], "expected a number >= 0"),
        (["--review", "nope.csv", "--select", "label-accuracy"], "nope.csv"),
    ],
)
def test_settings_that_cannot_be_judged_exit_2(dqlint_cli, args, message):
    res = dqlint_cli("check", str(DIRTY / "train.jsonl"), "--no-cache", *args)
    assert res.code == 2, res.out
    assert message in res.err and res.err.count("\n") == 1


def test_empty_reference_is_an_error(dqlint_cli, tmp_path):
    empty = tmp_path / "prod.jsonl"
    empty.write_text("", encoding="utf-8")
    res = dqlint_cli("check", str(DIRTY / "train.jsonl"), "--reference", str(empty), "--no-cache")
    assert res.code == 2 and "holds no examples" in res.err


def test_empty_and_truncated_files_give_sensible_counts():
    ds = dataset_from_records([])
    res = FormatConsistency().check(CheckContext(ds), FormatConsistency.make_options({}))
    assert res.status.value == "skipped"


def test_file_level_problems_are_not_counted_as_records(tmp_path):
    path = tmp_path / "trunc.json"
    path.write_text("[1,2", encoding="utf-8")
    ds = load_inputs([InputSpec(str(path))])
    res = FormatConsistency().check(CheckContext(ds), FormatConsistency.make_options({}))
    assert res.message.startswith("2 of 2 records break the format") and "the array is not closed" in res.message


def test_subfolder_with_a_data_suffix_is_not_read(tmp_path):
    folder = tmp_path / "dd"
    (folder / "sub.jsonl").mkdir(parents=True)
    write_jsonl(folder / "train.jsonl", [{"text": "a"}])
    ds = load_inputs([InputSpec(str(folder))])
    assert [f.path.rsplit("/", 1)[-1] for f in ds.files] == ["train.jsonl"]


def test_fifo_is_refused_not_waited_on(dqlint_cli, tmp_path):
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    res = dqlint_cli("check", str(fifo))
    assert res.code == 2 and "not a regular file" in res.err


def test_progress_and_stderr_lines_mask_secrets_and_show_control_characters(dqlint_cli, tmp_path):
    """Stage names quote file names; a name may hold a key or an escape sequence that would
    drive the terminal. stderr is an output like any report: masked, controls made visible."""
    key = "sk-" + "a1B2c3D4e5" * 5
    folder = tmp_path / f"d-{key}-\x1b[2J"
    folder.mkdir()
    write_jsonl(folder / "train.jsonl", [chat(f"question {i}", f"answer {i}") for i in range(30)])
    result = dqlint_cli("check", str(folder / "train.jsonl"), "--select", "dataset-size", "--progress", "-v", "--no-cache", "-f", "json", "-o", str(tmp_path / "r.json"), "--isolated")
    assert result.code in (0, 1), result.err
    assert "loading" in result.err and "wrote" in result.err
    assert key not in result.err and "\x1b" not in result.err
