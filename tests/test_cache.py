"""The result cache: a second identical run is served from `.dqlint_cache/` without running a
rule; any change to the data, the rules' options or severities, or `--no-cache` runs them again."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import SAMPLES

import dqlint.engine.runner
from dqlint.data.sources import InputSpec
from dqlint.engine.cache import CACHE_DIR_NAME
from dqlint.engine.check import CheckRequest, run_check
from dqlint.engine.config import Config

RULES = "format-consistency,dataset-size"


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts real rule runs: the engine's run_rules, wrapped."""
    calls: list[int] = []
    real = dqlint.engine.runner.run_rules

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(dqlint.engine.runner, "run_rules", counting)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return calls


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(SAMPLES / "chat" / "dirty" / "train.jsonl", tmp_path / "train.jsonl")
    shutil.copy(SAMPLES / "chat" / "dirty" / "test.jsonl", tmp_path / "test.jsonl")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(dqlint_cli, *extra: str):
    return dqlint_cli("check", "train.jsonl", "--test", "test.jsonl", "--isolated", "--select", RULES, "-f", "json", *extra)


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json"))


def test_second_run_is_served_from_the_cache(dqlint_cli, runs, workdir):
    first = check(dqlint_cli)
    second = check(dqlint_cli)
    assert len(runs) == 1
    assert second.code == first.code == 1
    assert second.json() == first.json()
    cache = workdir / CACHE_DIR_NAME
    assert (cache / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    assert (cache / "CACHEDIR.TAG").read_text(encoding="utf-8").startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert len(entries(cache)) == 1
    # Other output formats render from the cached report too: the checks are not paid twice.
    sarif = dqlint_cli("check", "train.jsonl", "--test", "test.jsonl", "--isolated", "--select", RULES, "-f", "sarif")
    assert len(runs) == 1 and json.loads(sarif.out)["version"] == "2.1.0"


def test_a_changed_file_runs_again(dqlint_cli, runs, workdir):
    first = check(dqlint_cli)
    os.utime(workdir / "train.jsonl", (1, 1))  # a new mtime alone changes nothing: content is hashed
    check(dqlint_cli)
    assert len(runs) == 1
    with open(workdir / "train.jsonl", "a", encoding="utf-8") as fh:
        fh.write("{broken\n")
    second = check(dqlint_cli)
    assert len(runs) == 2
    findings = second.json()["rules"][0]["findings"]
    assert len(findings) == len(first.json()["rules"][0]["findings"]) + 1
    assert findings[-1]["locations"][0]["line"] == 125
    # Back to the old content: the old entry is still there.
    (workdir / "train.jsonl").write_bytes((SAMPLES / "chat" / "dirty" / "train.jsonl").read_bytes())
    assert check(dqlint_cli).json() == first.json()
    assert len(runs) == 2


def test_changed_options_severity_or_selection_run_again(dqlint_cli, runs, workdir):
    check(dqlint_cli)
    changed = check(dqlint_cli, "--set", "dataset-size.min-examples=200")
    assert len(runs) == 2
    assert next(r for r in changed.json()["rules"] if r["id"] == "dataset-size")["status"] == "fail"
    check(dqlint_cli, "--severity", "dataset-size=warning")
    assert len(runs) == 3
    dqlint_cli("check", "train.jsonl", "--test", "test.jsonl", "--isolated", "--select", "format-consistency", "-f", "json")
    assert len(runs) == 4
    check(dqlint_cli, "--set", "dataset-size.min-examples=200")  # seen before: cached
    assert len(runs) == 4


def test_no_cache_neither_reads_nor_writes(dqlint_cli, runs, workdir):
    check(dqlint_cli, "--no-cache")
    assert not (workdir / CACHE_DIR_NAME).exists()
    check(dqlint_cli)
    check(dqlint_cli, "--no-cache")
    assert len(runs) == 3


def test_corrupt_entry_is_ignored_and_rewritten(dqlint_cli, runs, workdir):
    first = check(dqlint_cli)
    (entry,) = entries(workdir / CACHE_DIR_NAME)
    entry.write_text('{"schema_version": 1, "verd', encoding="utf-8")
    again = check(dqlint_cli)
    assert len(runs) == 2
    assert again.json() == first.json()
    assert json.loads(entry.read_text(encoding="utf-8"))["report"] == first.json()


def test_cache_lives_beside_the_config_file_or_where_cache_dir_says(dqlint_cli, runs, workdir, monkeypatch):
    (workdir / "dqlint.toml").write_text('train = ["train.jsonl"]\ntest = ["test.jsonl"]\nselect = ["format-consistency"]\n', encoding="utf-8")
    (workdir / "sub").mkdir()
    monkeypatch.chdir(workdir / "sub")
    assert dqlint_cli("check", "-f", "json").code == 1  # inputs from config, as pre-commit runs it
    assert len(entries(workdir / CACHE_DIR_NAME)) == 1
    assert not (workdir / "sub" / CACHE_DIR_NAME).exists()
    (workdir / "dqlint.toml").write_text(
        'train = ["train.jsonl"]\nselect = ["format-consistency"]\ncache-dir = "elsewhere/cache"\n', encoding="utf-8"
    )
    dqlint_cli("check", "-f", "json")
    assert len(entries(workdir / "elsewhere" / "cache")) == 1


def test_in_memory_data_and_the_default_api_are_never_cached(runs, workdir):
    records = [json.loads(line) for line in (workdir / "test.jsonl").read_text(encoding="utf-8").splitlines()]
    config = Config(select=("format-consistency",))
    for _ in range(2):
        run_check(CheckRequest(inputs=[InputSpec(records, name="records")], config=config, use_cache=True))
    assert len(runs) == 2
    import dqlint

    dqlint.check(str(workdir / "test.jsonl"), config=config)
    dqlint.check(str(workdir / "test.jsonl"), config=config)
    assert len(runs) == 4
    assert not (workdir / CACHE_DIR_NAME).exists()


def test_a_rule_that_could_not_run_is_not_cached(dqlint_cli, runs, workdir, monkeypatch):
    from dqlint.rules.dataset_size import DatasetSize

    def crash(self, ctx, options):
        raise RuntimeError("transient")

    monkeypatch.setattr(DatasetSize, "check", crash)
    check(dqlint_cli)
    check(dqlint_cli)
    assert len(runs) == 2
    assert not entries(workdir / CACHE_DIR_NAME)


def test_a_plugin_that_cannot_be_imported_still_caches(dqlint_cli, runs, workdir, monkeypatch):
    from dqlint.engine import plugins
    from dqlint.engine.plugins import PluginRule

    real = plugins.discover_rules

    def with_broken_plugin():
        return [*real(), PluginRule("broken-rule", None, "some-plugin", "could not import broken:Rule: ImportError: nope")]

    monkeypatch.setattr(plugins, "discover_rules", with_broken_plugin)
    args = ("check", "train.jsonl", "--isolated", "--select", "format-consistency,broken-rule", "-f", "json")
    first = dqlint_cli(*args)
    assert first.code == 1 and first.json()["rules"][-1]["status"] == "error"
    dqlint_cli(*args)
    assert len(runs) == 1


def test_only_a_report_that_keeps_the_contract_is_written(dqlint_cli, runs, workdir):
    """The schema is checked when an entry is written (reads check key and digest only): a
    report that breaks the schema is never stored, a valid one is, and is served as written."""
    from dqlint.engine.cache import ResultCache

    first = check(dqlint_cli)
    (entry,) = entries(workdir / CACHE_DIR_NAME)
    report = json.loads(entry.read_text(encoding="utf-8"))["report"]
    assert report == first.json()
    cache = ResultCache(workdir / "other", "0" * 64)
    cache.store({**report, "verdict": "maybe"})
    assert not (workdir / "other").exists() and cache.load() is None
    cache.store(report)
    assert cache.load() == report


def test_an_entry_orjson_refuses_is_read_by_the_standard_library_and_digests_agree(tmp_path):
    from dqlint.engine.cache import _read_entry, report_digest

    # NaN and an escaped lone surrogate are JSON the standard library writes and reads, orjson not.
    entry = tmp_path / "entry.json"
    entry.write_text('{"a": NaN, "b": "\\udc80", "c": [1.5, 1e-05]}', encoding="utf-8")
    parsed = _read_entry(entry)
    assert parsed["b"] == "\udc80" and parsed["c"] == [1.5, 1e-05] and parsed["a"] != parsed["a"]
    # The digest of a value is the same however it was read back (orjson or the fallback).
    plain = {"z": [1, 2.5, "é"], "a": {"y": None, "b": True}}
    assert report_digest(plain) == report_digest(json.loads(json.dumps(plain))) == report_digest(dict(reversed(plain.items())))
    assert report_digest({"s": "\udc80"}) == report_digest(parsed and {"s": parsed["b"]})


def test_a_stored_entry_serves_back_what_orjson_would_change_or_refuse(tmp_path):
    import math

    from dqlint.engine.cache import ResultCache, _read_entry

    # A valid report whose rule details hold NaN (orjson writes null) and a lone surrogate
    # (orjson refuses): the entry is written by the standard library and read back the same.
    report = json.loads((Path(__file__).parent / "golden/dirty_core.json").read_text(encoding="utf-8"))
    report["rules"][0]["details"] = {"ratio": float("nan"), "text": "\udc80 cut"}
    cache = ResultCache(tmp_path / "cache", "1" * 64)
    cache.store(report)
    served = cache.load()
    assert served is not None and served["rules"][0]["details"]["text"] == "\udc80 cut"
    assert math.isnan(served["rules"][0]["details"]["ratio"])
    # A plain report is written by orjson and read back equal.
    plain = json.loads((Path(__file__).parent / "golden/dirty_core.json").read_text(encoding="utf-8"))
    other = ResultCache(tmp_path / "cache", "2" * 64)
    other.store(plain)
    assert other.load() == plain and _read_entry(other.path)["report"] == plain
