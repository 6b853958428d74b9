"""Rules declare fixes; `clean` applies them and knows no rule by name.

The built-in fixable rules carry their fixes in the JSON report, and a third-party plugin's
fixes are applied by `clean` exactly like the built-ins'.
"""

from __future__ import annotations

import json

from conftest import SAMPLES, chat, write_jsonl

PLUGIN = '''
from dataclasses import dataclass
from dqlint.rule import Finding, Fix, Rule, RuleResult, Status, option


class NoShouting(Rule):
    """Outputs written in capitals only.

    ## What it does
    Flags replies with no lower-case letter, and declares a fix that drops them.
    """

    id = "no-shouting"
    summary = "Replies are not all capitals."
    criterion = "content safety"
    fixable = True

    @dataclass
    class Options:
        min_letters: int = option(3, "letters a reply needs before it can shout")

    def check(self, ctx, options):
        ds = ctx.dataset
        findings = []
        for row, text in enumerate(ds.output):
            letters = [c for c in text if c.isalpha()]
            if len(letters) >= options.min_letters and all(c.isupper() for c in letters):
                findings.append(Finding("reply shouts", [ds.location(row)], text, {"kind": "shouting"},
                                        Fix((0,), "a reply in capitals only", "style", "shouting")))
        status = Status.FAIL if findings else Status.PASS
        return RuleResult(status, f"{len(findings)} shouting replies", findings=findings)
'''


def _install_plugin(tmp_path, monkeypatch) -> None:
    pkg = tmp_path / "dqlint_shout"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(PLUGIN, encoding="utf-8")
    dist = tmp_path / "dqlint_shout-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: dqlint-shout\nVersion: 1.0\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text("[dqlint.rules]\nno-shouting = dqlint_shout:NoShouting\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))


def test_a_plugins_fixes_are_applied_by_clean(tmp_path, monkeypatch, dqlint_cli):
    _install_plugin(tmp_path, monkeypatch)
    data = write_jsonl(tmp_path / "train.jsonl", [
        chat("Say hi", "Hello there, friend."),
        chat("Say bye", "GOODBYE FOREVER!"),
        chat("Say thanks", "Thank you kindly."),
        chat("Again", "NO MORE QUESTIONS"),
    ])
    out = tmp_path / "out" / "train.jsonl"
    res = dqlint_cli("clean", str(data), "-o", str(out), "--isolated", "--max-drop", "0.5")
    assert res.code == 0, res.err
    kept = [json.loads(line)["messages"][-1]["content"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert kept == ["Hello there, friend.", "Thank you kindly."]
    dropped = [json.loads(line) for line in (out.parent / "train.dropped.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(d["line"], d["reasons"], d["findings"][0]["message"]) for d in dropped] == [
        (2, ["no-shouting"], "a reply in capitals only"),
        (4, ["no-shouting"], "a reply in capitals only"),
    ]


def test_builtin_fixes_are_in_the_json_report(dqlint_cli):
    res = dqlint_cli("check", str(SAMPLES / "chat/dirty/train.jsonl"), "--test", str(SAMPLES / "chat/dirty/test.jsonl"),
                     "--select", "format-consistency,near-duplicates,train-test-leakage", "--isolated", "--no-cache", "-f", "json")
    rules = {r["id"]: r for r in res.json()["rules"]}
    invalid = next(f for f in rules["format-consistency"]["findings"] if f["details"]["kind"] == "invalid-json")
    assert invalid["fix"] == {"drop": [0], "reason": invalid["message"], "category": "unreadable", "kind": "invalid-json",
                              "keep_one": False, "variant": "default"}
    group = rules["near-duplicates"]["findings"][0]
    assert group["fix"]["keep_one"] and group["fix"]["drop"] == list(range(len(group["locations"])))
    assert group["fix"]["category"] == "duplicate" and "{kept}" in group["fix"]["reason"]
    leak = rules["train-test-leakage"]["findings"][0]
    assert leak["fix"]["drop"] == list(range(1, len(leak["locations"])))
    assert leak["fix"]["alternatives"] == [{"drop": [0], "reason": leak["message"], "category": "leak", "kind": leak["details"]["kind"],
                                            "keep_one": False, "variant": "held-out"}]
    # A warning-only finding declares nothing to fix.
    assert all("fix" not in f for f in rules["format-consistency"]["findings"] if not f["details"]["blocking"])


def test_clean_knows_no_rule_by_name():
    """The clean command's code names no built-in rule: it applies what rules declare."""
    from pathlib import Path

    import dqlint.commands.clean as package

    folder = Path(package.__file__).parent
    source = "\n".join(p.read_text(encoding="utf-8") for p in folder.glob("*.py"))
    for rule_id in ("format-consistency", "near-duplicates", "train-test-leakage"):
        assert rule_id not in source
