"""Sampled token counts (issue 16): the context-limit check stays exact, and the estimated total,
mean and billed tokens carry a 99 % interval that covers the exact figure, on real files and on
generated data. Small sets (no split above the sample size) are counted exactly."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, BlockInputs, result_dict
from dqlint.rules.token_length import TokenLength

from dqlint.analysis.statistics import sampled_total, weighted_percentiles
from dqlint.analysis.tokenizer import get_tokenizer
from dqlint.data.ingest import load_inputs
from dqlint.data.sources import InputSpec
from dqlint.rule import CheckContext
from dqlint.toolkit.tokens import _messages_bound, _messages_bound_slow, count_dataset_tokens

REAL = Path(os.environ.get("DQLINT_SHARED", ROOT.parent / "shared")) / "data" / "real"


def real(*parts: str) -> str:
    path = REAL.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data not found at {REAL} (set DQLINT_SHARED to the shared folder)")
    return str(path)


def generated(tmp_path: Path, n: int = 6000) -> str:
    """Chat records of very uneven length (a few long pasted logs among short replies), with
    non-ASCII text: the hard case for a sampled mean."""
    rng = random.Random(7)
    words = ["refund", "order", "Größe", "配送", "naïve", "status", "😀", "ticket", "please", "x" * 12]
    lines = []
    for i in range(n):
        size = rng.choice([3, 8, 20, 60]) if i % 97 else 3000
        user = " ".join(rng.choice(words) for _ in range(size))
        reply = " ".join(rng.choice(words) for _ in range(rng.randint(2, 40)))
        messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": user}, {"role": "assistant", "content": reply}]
        lines.append(json.dumps({"messages": messages}, ensure_ascii=False))
    path = tmp_path / "gen.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def _load(path: str):
    return load_inputs([InputSpec(path)])


@pytest.mark.parametrize(
    "source,sample",
    [
        (("gsm8k", "train.jsonl"), 5000),  # 7,473 rows: sampled by default
        (("gsm8k", "train.jsonl"), 500),
        (("dolly_prompt_answer", "dolly.jsonl"), 40),
        (("fastchat_sharegpt", "dummy_conversation.json"), 100),
    ],
)
def test_interval_covers_exact_total_on_real_files(source, sample):
    ds = _load(real(*source))
    exact = count_dataset_tokens(ds, "o200k_base")
    est = count_dataset_tokens(ds, "o200k_base", limit=128_000, sample_size=sample)
    train = ds.rows("train")
    assert not est.exact and len(train) > sample
    total = est.total(train)
    truth = int(exact.per_row[train].sum())
    assert total.low <= truth <= total.high, (total, truth)
    assert total.sampled == sample and total.population == len(train)
    # every measured row has its exact count
    measured = np.flatnonzero(est.measured)
    assert np.array_equal(est.per_row[measured], exact.per_row[measured])


def test_generated_data_interval_and_exact_limit_check(tmp_path):
    ds = _load(generated(tmp_path))
    exact = count_dataset_tokens(ds, "o200k_base")
    limit = 2500  # the long pasted logs are over it
    est = count_dataset_tokens(ds, "o200k_base", limit=limit, sample_size=1000)
    train = ds.rows("train")
    truth = int(exact.per_row[train].sum())
    total = est.total(train)
    assert total.low <= truth <= total.high
    capped = est.total(train, np.minimum(est.per_row, limit))
    assert capped.low <= int(np.minimum(exact.per_row[train], limit).sum()) <= capped.high
    # the limit check is exact: every over-limit row was counted, with its exact count
    over = set(np.flatnonzero(exact.per_row > limit))
    assert over and over == set(np.flatnonzero(est.per_row > limit))
    assert all(est.forced[r] for r in over)


def test_byte_bound_holds_for_every_message_shape():
    tok = get_tokenizer("o200k_base")
    from dqlint.analysis.tokenizer import chat_tokens

    cases = [
        [{"role": "user", "content": "日本語 😀 naïve \ud800 x"}],
        [{"role": "user", "content": "hi", "name": "bob"}, {"role": "assistant", "content": None, "tool_calls": [{"function": {"name": "f", "arguments": "{\"a\": 1}"}}]}],
        [{"role": "user", "content": [{"type": "text", "text": "part one"}, {"type": "image_url"}]}],
        [{}, {"role": "assistant", "content": ""}],
    ]
    for messages in cases:
        assert chat_tokens(messages, tok) <= min(_messages_bound(messages), _messages_bound_slow(messages))


def test_small_sets_stay_exact():
    ds = _load(str(ROOT / "sample_data" / "chat" / "dirty" / "train.jsonl"))
    counts = count_dataset_tokens(ds, "o200k_base", limit=16_385, sample_size=5000)
    assert counts.exact


def test_rule_labels_the_estimate_and_exact_tokens_counts_all():
    ds = _load(real("gsm8k", "train.jsonl"))
    rule = TokenLength()
    sampled = rule.check(CheckContext(ds), TokenLength.Options(sample_size=1000))
    full = rule.check(CheckContext(ds), TokenLength.Options(exact_tokens=True))
    dist, truth = sampled.details["distribution"]["train"], full.details["distribution"]["train"]
    assert dist["estimate"] is True and "estimate" not in truth
    low, high = dist["total_interval"]
    assert low <= truth["total"] <= high
    cost, exact_cost = sampled.details["cost_estimate"], full.details["cost_estimate"]
    low, high = cost["billed_tokens_interval"]
    assert low <= exact_cost["billed_tokens"] <= high and cost["epochs"] == exact_cost["epochs"]
    assert "estimated from a sample" in sampled.message
    assert sampled.details["token_sample"]["sample_size"] == 1000
    assert sampled.status == full.status and sampled.metric == full.metric


def test_sampled_total_and_weighted_percentiles():
    assert sampled_total(5, [1, 2, 3], 3).value == 11 and sampled_total(5, [1, 2, 3], 3).exact
    est = sampled_total(0, [10.0] * 10, 100)
    assert est.value == est.low == est.high == 1000.0  # no spread, no width
    assert weighted_percentiles([1, 2, 3, 4], [1, 1, 1, 1], [50, 100]) == [2.0, 4.0]


@pytest.mark.parametrize("options", [{"sample_size": 700, "context_limit": 2500}, {"context_limit": 2500}, {"exact_tokens": True, "context_limit": 2500}])
def test_block_path_gives_the_whole_set_result(tmp_path, options):
    """token-length on blocks (the Ray engine's path) draws the whole set's sample and gives the
    result check() gives on the whole set: the same estimate, interval, findings in order."""
    ds = _load(generated(tmp_path, n=3000))
    opts = TokenLength.Options(**options)
    whole = TokenLength().check(CheckContext(ds), opts)
    blocks = TokenLength().run_distributed(BlockInputs(ds, 450), opts)
    assert whole.findings and result_dict(blocks) == result_dict(whole)
    assert ("token_sample" in whole.details) == ("sample_size" in options)
