"""llm-artifacts: boilerplate, refusals, truncated and echoed outputs."""

from __future__ import annotations

import json

import pytest
from dqlint.rules.llm_artifacts import LlmArtifacts

from dqlint.analysis.artifacts import find_artifacts, truncation_reason
from dqlint.data.ingest import load_inputs
from dqlint.data.sources import InputSpec
from dqlint.rule import CheckContext, Status


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return str(path)


def pc(prompt, completion):
    return {"prompt": prompt, "completion": completion}


def run_rule(ds, **opts):
    return LlmArtifacts().check(CheckContext(ds), LlmArtifacts.make_options(opts))


@pytest.mark.parametrize(
    "output, kind",
    [
        ("As an AI language model, I cannot browse the web.", "ai-disclaimer"),
        ("I don't have personal opinions, but many people like it.", "ai-disclaimer"),
        ("I'm sorry, but I can't help with that request.", "refusal"),
        ("I cannot assist with that.", "refusal"),
        ("Sure! Here's the function you asked for: def f(): pass", "sycophantic-opener"),
        ("Great question! The answer is 4.", "sycophantic-opener"),
        ("The answer is 4. I hope this helps!", "canned-closer"),
        ("Best regards,\n[Your Name]", "template-placeholder"),
        ("Here is the code:\n```python\nprint('hi')", "truncated"),
        ("The main reasons are the cost of energy and the", "truncated"),
    ],
)
def test_each_kind_is_found(output, kind):
    assert kind in [m.kind for m in find_artifacts(output, "some question")]


@pytest.mark.parametrize(
    "output",
    [
        "Paris is the capital of France.",
        "Sure, the meeting is at 3 pm.",
        "Use a list comprehension:\n```python\n[x * 2 for x in xs]\n```",
        "Steps:\n1. Open the file\n2. Read it",
        "positive",
    ],
)
def test_clean_outputs_have_no_artifacts(output):
    assert find_artifacts(output, "some question") == []


def test_echo_ignores_case_and_spacing():
    assert [m.kind for m in find_artifacts("Translate  THIS", "translate this")] == ["echoes-input"]
    assert truncation_reason("A finished sentence.") is None


def test_rule_flags_outputs_with_locations(tmp_path):
    records = [pc(f"Question {i}?", f"Answer number {i}.") for i in range(20)]
    records[3] = pc("Capital of Peru?", "As an AI language model, I think it is Lima.")
    records[7] = pc("Repeat me", "Repeat me")
    ds = load_inputs([InputSpec(write_jsonl(tmp_path / "train.jsonl", records))])
    result = run_rule(ds)
    assert result.status is Status.FAIL
    assert result.metric.value == pytest.approx(2 / 20)
    assert [f.locations[0].line for f in result.findings] == [4, 8]
    assert result.findings[0].details["kinds"] == ["ai-disclaimer"]
    assert result.findings[1].details["kinds"] == ["echoes-input"]
    assert result.details["by_kind"] == {"ai-disclaimer": 1, "echoes-input": 1}
    # Turning a kind off, or tolerating a larger share, passes.
    assert run_rule(ds, kinds=["refusal", "truncated"]).status is Status.PASS
    assert run_rule(ds, **{"max-ratio": 0.1}).status is Status.PASS
    assert run_rule(ds, kinds=["emoji"]).status is Status.ERROR


def test_rule_passes_clean_outputs_and_skips_sets_without_outputs(tmp_path):
    clean = [pc(f"Question {i}?", f"Answer number {i}.") for i in range(10)]
    ds = load_inputs([InputSpec(write_jsonl(tmp_path / "train.jsonl", clean))])
    assert run_rule(ds).status is Status.PASS
    labelled = [{"text": f"great product {i}", "label": "pos"} for i in range(5)]
    ds = load_inputs([InputSpec(write_jsonl(tmp_path / "cls.jsonl", labelled))])
    assert run_rule(ds).status is Status.SKIPPED


def test_secrets_in_flagged_outputs_stay_masked(tmp_path):
    key = "sk-proj-Zq8RkT2mV9xL4nB7cW1pY6sD3fG5hJ0a"
    records = [pc("key?", f"Sure! Here's your key {key} and then you can use it with the")]
    ds = load_inputs([InputSpec(write_jsonl(tmp_path / "train.jsonl", records))])
    result = run_rule(ds)
    dumped = json.dumps([f.to_dict() for f in result.findings])
    assert "sycophantic-opener" in dumped and "truncated" in dumped
    assert key not in dumped and "sk-p********" in dumped


def test_openers_and_closers_alone_warn_but_never_fail(dqlint_cli, tmp_path):
    """"Sure! Here's a recipe" is a matter of style: a set whose replies open that way gets advice,
    not a no-go; a disclaimer or a placeholder still counts toward the failing share."""
    from conftest import chat, write_jsonl

    rows = [chat(f"Recipe {i}?", "Sure! Here's a recipe: mix, bake, serve.") for i in range(10)]
    rows += [chat(f"Question {i}?", f"Answer number {i} with plain words.") for i in range(30)]
    data = write_jsonl(tmp_path / "train.jsonl", rows)
    rule = dqlint_cli("check", str(data), "--isolated", "--no-cache", "--select", "llm-artifacts", "-f", "json").json()["rules"][0]
    assert rule["status"] == "warn" and rule["metric"]["value"] == 0.0
    assert "0 (0.0%) beyond style" in rule["message"]
    rows += [chat("Sign it", "Best regards, [Your Name]")]
    data = write_jsonl(tmp_path / "train.jsonl", rows)
    rule = dqlint_cli("check", str(data), "--isolated", "--no-cache", "--select", "llm-artifacts", "-f", "json").json()["rules"][0]
    assert rule["status"] == "fail" and rule["details"]["outputs_flagged_beyond_style"] == 1
