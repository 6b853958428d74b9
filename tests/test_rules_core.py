"""The issue-2 rules on small real data, and the engine's handling of crashing rules and plugins."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata

from conftest import chat, write_jsonl
from dqlint.rules.class_balance import ClassBalance
from dqlint.rules.dataset_size import DatasetSize
from dqlint.rules.format_consistency import FormatConsistency

from dqlint.data.ingest import dataset_from_records, load_inputs
from dqlint.data.sources import InputSpec
from dqlint.engine.config import Config
from dqlint.engine.plugins import PluginRule, discover_rules
from dqlint.engine.runner import run_rules
from dqlint.engine.verdict import judge
from dqlint.rule import CheckContext, Rule, Status


def run(rule_cls, ds, **options):
    return rule_cls().check(CheckContext(ds), rule_cls.make_options(options))


def kinds(result):
    return sorted((f.locations[0].record, f.details["kind"]) for f in result.findings)


def test_format_consistency_chat_rules():
    records = [
        chat("ok", "fine"),
        {"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}, {"role": "assistant", "content": "c"}]},
        {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": 5}]},
        {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "c", "weight": 2}]},
        {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "c"}], "extra": 1},
        {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "c"}, {"role": "user", "content": "d"}]},
        {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "tool_calls": [{"id": "1", "type": "function", "function": {"name": "f", "arguments": {}}}]}]},
        {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b", "colour": "red"}]},
        {"messages": []},
    ]
    result = run(FormatConsistency, dataset_from_records(records))
    assert kinds(result) == [
        (1, "role-order"),
        (2, "content-type"),
        (3, "weight"),
        (4, "unknown-key"),
        (5, "last-not-assistant"),
        (6, "tool-call"),
        (7, "unknown-key"),
        (8, "messages"),
    ]
    assert result.status is Status.FAIL
    blocking = {f.locations[0].record for f in result.findings if f.details["blocking"]}
    assert blocking == {1, 2, 3, 6, 7, 8}
    assert result.metric.value == round(6 / 9, 6)


def test_format_consistency_passes_clean_data_and_warns_on_nonblocking():
    assert run(FormatConsistency, dataset_from_records([chat("a", "b"), chat("c", "d")])).status is Status.PASS
    res = run(FormatConsistency, dataset_from_records([chat("a", "b") | {"source": "x", "note": "n"}]))
    assert res.status is Status.WARN and [f.details["kind"] for f in res.findings] == ["unknown-key"]
    assert run(FormatConsistency, dataset_from_records([chat("a", "b") | {"note": "n"}]), allow_extra_keys=True).status is Status.PASS


def test_mixed_formats_in_one_file():
    ds = dataset_from_records([chat("a", "b"), chat("c", "d"), {"prompt": "p", "completion": "c"}])
    res = run(FormatConsistency, ds)
    assert kinds(res) == [(2, "mixed-formats")]


def test_label_spelling_variants_and_text_quality():
    ds = dataset_from_records(
        [{"text": "a", "label": "positive"}] * 3
        + [{"text": "b", "label": "Positive "}, {"text": "nan", "label": "negative"}, {"text": "ctrl\x07char", "label": "negative"}, {"text": "cafÃ©", "label": "negative"}]
    )
    res = run(FormatConsistency, ds)
    spelling = [f for f in res.findings if f.details["kind"] == "label-spelling"]
    assert len(spelling) == 1
    assert spelling[0].message == "label spelled 2 ways: 'positive' (3), 'Positive ' (1); use 'positive'"
    assert [loc.record for loc in spelling[0].locations] == [0, 3]
    assert ("missing-value", 4) in [(f.details["kind"], f.locations[0].record) for f in res.findings]
    assert ("control-character", 5) in [(f.details["kind"], f.locations[0].record) for f in res.findings]
    assert ("encoding", 6) in [(f.details["kind"], f.locations[0].record) for f in res.findings]


def test_sharegpt_and_alpaca_validation():
    res = run(FormatConsistency, dataset_from_records([
        {"conversations": [{"from": "human", "value": "h"}, {"from": "gpt", "value": "g"}]},
        {"conversations": [{"from": "person", "value": "h"}, {"from": "gpt", "value": ""}]},
    ]))
    assert kinds(res) == [(1, "empty-content"), (1, "role")]
    res = run(FormatConsistency, dataset_from_records([{"instruction": "i", "output": ""}, {"instruction": "i", "output": "o"}]))
    assert kinds(res) == [(0, "empty-content")]


def test_class_balance():
    ds = dataset_from_records([{"text": f"t{i}", "label": "big"} for i in range(300)] + [{"text": f"s{i}", "label": "small"} for i in range(3)])
    res = run(ClassBalance, ds)
    assert res.status is Status.FAIL
    assert res.findings[0].message.startswith("class 'small' is starved")
    assert res.details["distribution"] == {"big": 300, "small": 3}
    assert res.details["charts"][0]["highlight"] == ["small"]
    balanced = dataset_from_records([{"text": f"t{i}", "label": "ab"[i % 2]} for i in range(100)])
    assert run(ClassBalance, balanced).status is Status.PASS


def test_class_balance_multilabel_and_skip():
    ds = dataset_from_records([{"text": f"t{i}", "labels": ["a", "b"] if i % 2 else ["a"]} for i in range(60)])
    res = run(ClassBalance, ds)
    assert res.details["distribution"] == {"a": 60, "b": 30}
    assert run(ClassBalance, dataset_from_records([chat("a", "b")])).status is Status.SKIPPED


def test_dataset_size_tiers_and_holdout(tmp_path):
    tiny = dataset_from_records([chat(f"q{i}", "a") for i in range(50)])
    res = run(DatasetSize, tiny)
    assert res.status is Status.FAIL and "no validation or test split" in res.message
    train = write_jsonl(tmp_path / "train.jsonl", [chat(f"q{i}", "a") for i in range(800)])
    test = write_jsonl(tmp_path / "test.jsonl", [chat(f"t{i}", "a") for i in range(200)])
    ds = load_inputs([InputSpec(str(train)), InputSpec(str(test))])
    assert run(DatasetSize, ds).status is Status.PASS
    ds = load_inputs([InputSpec(str(train))])
    assert run(DatasetSize, ds).status is Status.WARN


class Boom(Rule):
    """Crashes."""

    id = "boom"
    criterion = "format"

    def check(self, ctx, options):
        raise ValueError("kaput")


def test_crashing_rule_and_broken_plugin_are_errors_and_no_go():
    ds = dataset_from_records([chat("a", "b")])
    plugins = [PluginRule("boom", Boom, "test"), PluginRule("broken", None, "thirdparty", "could not import x:Y: ImportError: no")]
    outcomes = run_rules(CheckContext(ds), plugins, Config())
    assert [(o.id, o.result.status) for o in outcomes] == [("boom", Status.ERROR), ("broken", Status.ERROR)]
    assert outcomes[0].result.message.startswith("rule crashed: ValueError: kaput (test_rules_core.py:")
    assert "could not be loaded from thirdparty" in outcomes[1].result.message
    verdict, reason = judge([o.to_dict() for o in outcomes])
    assert verdict == "no-go" and reason.startswith("No-go: boom errors (rule crashed")


def test_builtin_rules_come_from_entry_points():
    eps = {ep.name: ep.value for ep in metadata.entry_points(group="dqlint.rules")}
    assert eps["format-consistency"] == "dqlint.rules.format_consistency:FormatConsistency"
    found = {p.id: p for p in discover_rules()}
    assert found["class-balance"].rule is ClassBalance and found["class-balance"].distribution == "dqlint"


def test_a_rules_folder_on_sys_path_does_not_shadow_the_builtins(tmp_path):
    """The built-ins install as dqlint.rules: a repository with a rules/ package of its own, where
    `python -m dqlint` puts the current folder first on sys.path, changes nothing."""
    shadow = tmp_path / "rules"
    shadow.mkdir()
    (shadow / "__init__.py").write_text("raise ImportError('not dqlint rules')\n")
    (shadow / "format_consistency.py").write_text("raise ImportError('not dqlint rules')\n")
    data = tmp_path / "train.jsonl"
    data.write_text(json.dumps({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}) + "\n")
    res = subprocess.run(
        [sys.executable, "-m", "dqlint", "check", "train.jsonl", "--isolated", "--no-cache", "-f", "json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    report = json.loads(res.stdout)
    assert [r["id"] for r in report["rules"] if r["status"] == "error"] == []
    assert len(report["rules"]) == len([p for p in discover_rules() if p.distribution == "dqlint"])


def test_third_party_plugin_through_entry_points(tmp_path, monkeypatch):
    """A plugin package registered with its own dist-info is discovered like the built-ins;
    one that fails to import is reported, not fatal."""
    pkg = tmp_path / "dqlint_extra"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(
        "from dataclasses import dataclass\n"
        "from dqlint.rule import Rule, RuleResult, Status, option\n"
        "class NoEmoji(Rule):\n"
        '    """No emoji."""\n'
        "    id = 'no-emoji'\n"
        "    @dataclass\n"
        "    class Options:\n"
        "        limit: int = option(0, 'max')\n"
        "    def check(self, ctx, options):\n"
        "        n = sum(1 for t in ctx.dataset.output if '\\U0001F600' in t)\n"
        "        return RuleResult(Status.PASS if n <= options.limit else Status.FAIL, f'{n} emoji')\n",
        encoding="utf-8",
    )
    dist = tmp_path / "dqlint_extra-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: dqlint-extra\nVersion: 1.0\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text("[dqlint.rules]\nno-emoji = dqlint_extra:NoEmoji\nbroken = dqlint_extra_missing:Nope\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    found = {p.id: p for p in discover_rules()}
    assert found["no-emoji"].rule.__name__ == "NoEmoji" and found["no-emoji"].distribution == "dqlint-extra"
    assert found["broken"].rule is None and "ModuleNotFoundError" in found["broken"].error
    import dqlint

    report = dqlint.check([chat("hi", "\U0001F600")], rules=["no-emoji", "broken"], config={})
    assert [(r["id"], r["status"]) for r in report.rules] == [("broken", "error"), ("no-emoji", "fail")]
    assert not report.passed
