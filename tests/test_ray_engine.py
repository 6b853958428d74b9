"""The Ray engine (`--engine ray`) gives the local engine's report: same verdict, findings,
locations and metrics, on ~20k generated rows with planted duplicates, leaks and format errors,
read in several blocks per file on a local 2-CPU Ray instance. Also: a worker that dies is a run
that could not be judged (exit 2), and file:// URLs are read through fsspec."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from conftest import SAMPLES

ray = pytest.importorskip("ray", reason="the Ray engine needs ray[data]: pip install -e '.[ray]'")
pytest.importorskip("ray.data", reason="the Ray engine needs ray[data]: pip install -e '.[ray]'")

WORDS = (
    "order refund delivery password invoice payment card address phone plan subscription upgrade "
    "cancel return item package store login error screen update week month price discount code "
    "coupon support manager customer service issue problem question answer status shipping label "
    "warehouse courier tracking parcel damaged missing replacement voucher balance account billing"
).split()
SYSTEM = "You are the support assistant of a retail company. Be polite, brief and accurate."


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) + (str(rng.randrange(1000)) if rng.random() < 0.3 else "") for _ in range(n))


def _chat(user: str, assistant: str, *, role: str = "user") -> dict[str, Any]:
    return {"messages": [{"role": "system", "content": SYSTEM}, {"role": role, "content": user}, {"role": "assistant", "content": assistant}]}


def write_planted_set(folder: Path, rows: int = 18_000, held_out: int = 2_000) -> None:
    """train.jsonl and test.jsonl with exact and near duplicates, leaks into test, format errors
    (invalid JSON, arrays, wrong roles, no assistant turn, blank lines), sensitive content, LLM
    artifacts, control characters and a few examples over a small context limit."""
    rng = random.Random(17)
    lines: list[str] = []
    kept: list[dict[str, Any]] = []
    for i in range(rows):
        roll = rng.random()
        if kept and roll < 0.02:
            rec = rng.choice(kept)  # an exact duplicate
        elif kept and roll < 0.03:
            base = rng.choice(kept)  # a near duplicate: one more word
            rec = _chat(base["messages"][1]["content"] + " please", base["messages"][2]["content"])
        else:
            user, answer = _text(rng, rng.randint(8, 30)), _text(rng, rng.randint(10, 60))
            if roll < 0.035:
                answer = "As an AI language model, I cannot browse. " + answer
            elif roll < 0.038:
                user += f" my mail is {rng.choice(WORDS)}{i}@example-shop.com"
            elif roll < 0.039:
                answer += " use key sk-" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(48))
            elif roll < 0.040:
                user += " \x07bell"
            elif roll < 0.041:
                answer = _text(rng, 400)  # over the 300-token limit the test sets
            rec = _chat(user, answer)
            kept.append(rec)
        if roll > 0.9985:
            lines.append('{"messages": [{"role": "user", "content": "cut off')  # invalid JSON
        elif 0.997 < roll <= 0.9985:
            lines.append(json.dumps(_chat(_text(rng, 10), _text(rng, 10), role="human")))
        elif 0.996 < roll <= 0.997:
            lines.append(json.dumps({"messages": [{"role": "user", "content": _text(rng, 12)}]}))
        elif 0.9955 < roll <= 0.996:
            lines.append("[1, 2, 3]")
        elif 0.995 < roll <= 0.9955:
            lines.append("")
        else:
            lines.append(json.dumps(rec, ensure_ascii=False))
    (folder / "train.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    test_lines = []
    for _ in range(held_out):
        rec = rng.choice(kept) if rng.random() < 0.05 else _chat(_text(rng, 12), _text(rng, 25))
        test_lines.append(json.dumps(rec, ensure_ascii=False))
    (folder / "test.jsonl").write_text("\n".join(test_lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def ray_instance(ray_local):
    """The session's local 2-CPU Ray instance (conftest): the engine uses Ray when it is running."""
    return ray_local


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("planted")
    write_planted_set(folder)
    return folder


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    """The report without what only the engine adds (the additive ``engine`` key)."""
    out = dict(report)
    out.pop("engine", None)
    return out


def _check(dqlint_cli, *args: str) -> tuple[int, dict[str, Any]]:
    result = dqlint_cli("check", *args, "-f", "json", "--no-cache", "-q", "--isolated")
    assert result.code in (0, 1), result.err
    return result.code, result.json()


def test_ray_report_equals_local_on_planted_set(dqlint_cli, ray_instance, planted):
    args = (str(planted / "train.jsonl"), "--test", str(planted / "test.jsonl"), "--set", "token-length.context-limit=300")
    local_code, local = _check(dqlint_cli, *args)
    ray_code, on_ray = _check(dqlint_cli, *args, "--engine", "ray")
    engine = on_ray["engine"]
    assert engine["name"] == "ray" and engine["blocks"] > 2  # several blocks per file: lines stay exact across them
    by_id = {r["id"]: r for r in local["rules"]}
    # The planted problems are found (so equality below is not two empty reports).
    assert by_id["format-consistency"]["status"] == "fail"
    kinds = by_id["format-consistency"]["details"]["problem_kinds"]
    assert {"invalid-json", "not-object", "role", "no-assistant"} <= set(kinds)
    assert by_id["near-duplicates"]["findings"] and by_id["train-test-leakage"]["findings"]
    assert by_id["sensitive-content"]["findings"] and by_id["llm-artifacts"]["findings"] and by_id["token-length"]["findings"]
    # Every rule: same status, message, metric, details and findings (locations, fixes, fingerprints).
    assert [r["id"] for r in on_ray["rules"]] == [r["id"] for r in local["rules"]]
    for mine, theirs in zip(on_ray["rules"], local["rules"]):
        assert mine == theirs, f"{mine['id']} differs on the ray engine"
    assert comparable(on_ray) == local
    assert ray_code == local_code == 1
    # Rules that ran on the driver say so; at 20k rows their sample is the whole set.
    assert all(s["whole_set"] for s in engine["sampled"].values())
    assert {"label-accuracy", "distribution-match"} <= set(engine["sampled"])
    # token-length and edge-case-ratio gather on the blocks: their sample is the whole set's
    # seeded sample (18,000 training rows > 5,000), not the driver's, and they see every row.
    assert "token-length" not in engine["sampled"] and "token_sample" in by_id["token-length"]["details"]
    assert "edge-case-ratio" not in engine["sampled"] and by_id["edge-case-ratio"]["details"]["sampled"]


def test_ray_report_equals_local_on_classification_csv(dqlint_cli, ray_instance):
    args = (str(SAMPLES / "classification" / "train.csv"), "--test", str(SAMPLES / "classification" / "test.csv"))
    _, local = _check(dqlint_cli, *args)
    _, on_ray = _check(dqlint_cli, *args, "--engine", "ray")
    assert comparable(on_ray) == local


def test_file_url_input_reads_through_fsspec(dqlint_cli, ray_instance, tmp_path):
    pytest.importorskip("fsspec", reason="URL inputs need fsspec")
    src = SAMPLES / "chat" / "dirty"
    _, local = _check(dqlint_cli, str(src / "train.jsonl"), "--test", str(src / "test.jsonl"))
    train_url, test_url = (src / "train.jsonl").as_uri(), (src / "test.jsonl").as_uri()
    _, on_ray = _check(dqlint_cli, train_url, "--test", test_url, "--engine", "ray")
    # Locations name the URL as given; otherwise the report is the local one.
    text = json.dumps(comparable(on_ray)).replace(train_url, str(src / "train.jsonl")).replace(test_url, str(src / "test.jsonl"))
    assert json.loads(text) == local
    assert {f["path"] for f in on_ray["inputs"]} == {train_url, test_url}


def test_a_dying_worker_is_a_run_that_cannot_be_judged(dqlint_cli, ray_instance, monkeypatch):
    from dqlint.engine import plugins
    from dqlint.rule import RUNS_BLOCK, Rule, RuleResult, Status

    class KillsItsWorker(Rule):  # defined here, so Ray ships it by value to the worker
        id = "kills-its-worker"
        summary = "ends the worker process it runs on"
        scales = RUNS_BLOCK

        def check(self, ctx, options):
            return RuleResult(Status.PASS, "unreachable")

        def partial(self, ctx, options):
            import os

            os._exit(3)

    found = plugins.discover_rules()
    monkeypatch.setattr(plugins, "discover_rules", lambda: [*found, plugins.PluginRule("kills-its-worker", KillsItsWorker, "tests")])
    result = dqlint_cli("check", str(SAMPLES / "chat" / "clean" / "train.jsonl"), "--engine", "ray", "--select", "kills-its-worker", "-q", "--isolated", "--no-cache")
    assert result.code == 2
    assert result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "could not finish" in lines[0] and "Traceback" not in result.err


def test_address_without_ray_engine_is_a_usage_error(dqlint_cli):
    result = dqlint_cli("check", str(SAMPLES / "chat" / "clean" / "train.jsonl"), "--address", "auto", "-q", "--isolated")
    assert result.code == 2 and "--engine ray" in result.err
