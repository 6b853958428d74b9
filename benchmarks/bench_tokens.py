"""Throughput of token counting and of the text-scanning rules on synthetic chat records.

    python benchmarks/bench_tokens.py --records 100000

Writes a JSONL file of chat examples (system + user + assistant, ~900 characters of English-
like text per example, a few planted secrets and artifacts) to a temporary folder, loads it
with the real loader, then times, each on a fresh CheckContext:
- the raw re-read alone (``Dataset.iter_raw``, the data layer's part of token counting),
- token counting, exact (``--exact-tokens``) and sampled (the default: exact counts only for
  examples whose bytes could exceed the limit, plus a seeded sample per split), with the
  sampled total's 99 % interval next to the exact total,
- the token-length, sensitive-content, llm-artifacts and edge-case-ratio rules.
Prints one line per step with wall time and throughput.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

WORDS = (
    "the a to of and in is it you that for on with as this be are your can not have from or by "
    "router order refund account password invoice delivery shipping address payment card update "
    "restart settings connection network error message screen battery warranty return label "
    "customer support ticket please thanks help when what how why where which could would should "
    "check open close reset install configure download upload browser email phone number team"
).split()


def sentence(rng: random.Random, low: int, high: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    return " ".join(words).capitalize() + rng.choice([".", ".", "?", "!"])


def text(rng: random.Random, sentences: int) -> str:
    return " ".join(sentence(rng, 6, 18) for _ in range(sentences))


def records(n: int, seed: int = 0):
    rng = random.Random(seed)
    system = "You are a helpful support assistant for Acme. Answer briefly and politely."
    for i in range(n):
        user = text(rng, rng.randint(1, 8))
        answer = text(rng, rng.randint(2, 10))
        if i % 1000 == 7:
            answer += " Use the key sk-proj-Zq8RkT2mV9xL4nB7cW1pY6sD3fG5hJ0a."
        if i % 500 == 3:
            answer = "As an AI language model, " + answer
        yield {
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
                {"role": "assistant", "content": answer},
            ]
        }


def timed(label: str, fn, unit_count: int, unit: str):
    start = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - start
    print(f"{label:<34} {seconds:8.2f} s   {unit_count / seconds:12,.0f} {unit}/s")
    return out


def run_rule(rule, ds):
    """One rule on a fresh context (nothing memoised from an earlier step)."""
    from dqlint.rule import CheckContext

    return rule.check(CheckContext(ds), rule.make_options({}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--encoding", default="o200k_base")
    parser.add_argument("--sample", type=int, default=5000, help="examples counted per split when sampling")
    parser.add_argument("--limit", type=int, default=65_536, help="context limit (gpt-4o-mini in the model table)")
    args = parser.parse_args()

    from dqlint.rules.edge_case_ratio import EdgeCaseRatio
    from dqlint.rules.llm_artifacts import LlmArtifacts
    from dqlint.rules.sensitive_content import SensitiveContent
    from dqlint.rules.token_length import TokenLength

    from dqlint.analysis.tokenizer import get_tokenizer
    from dqlint.data.ingest import load_inputs
    from dqlint.data.sources import InputSpec
    from dqlint.toolkit.tokens import count_dataset_tokens

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "train.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for record in records(args.records):
                f.write(json.dumps(record) + "\n")
        size_mb = os.path.getsize(path) / 1e6
        print(f"{args.records:,} chat records, {size_mb:,.1f} MB, {os.cpu_count()} CPUs")

        ds = timed("load (engine, for reference)", lambda: load_inputs([InputSpec(path)]), args.records, "records")
        timed("tokenizer build (BPE from package)", lambda: get_tokenizer(args.encoding), 1, "builds")
        timed("raw re-read (Dataset.iter_raw)", lambda: sum(1 for _ in ds.iter_raw()), args.records, "records")
        counts = timed(
            "count tokens exact (raw + tiktoken)", lambda: count_dataset_tokens(ds, args.encoding), args.records, "records"
        )
        total = int(counts.per_row.sum())
        print(f"{'':<34} {total:,} tokens ({counts.label}), from messages: {counts.from_messages:,}")
        sampled = timed(
            f"count tokens sampled ({args.sample:,}/split)",
            lambda: count_dataset_tokens(ds, args.encoding, limit=args.limit, sample_size=args.sample),
            args.records,
            "records",
        )
        estimate = sampled.total(ds.rows("train"))
        covered = "covers" if estimate.low <= total <= estimate.high else "MISSES"
        print(
            f"{'':<34} ~{estimate.value:,.0f} tokens, 99 % interval {estimate.low:,.0f}-{estimate.high:,.0f} "
            f"({covered} the exact total; {(estimate.high - estimate.low) / 2 / total:.2%} half-width)"
        )
        for rule in (TokenLength(), SensitiveContent(), LlmArtifacts(), EdgeCaseRatio()):
            result = timed(f"rule {rule.id}", functools.partial(run_rule, rule, ds), args.records, "records")
            print(f"{'':<34} {result.status.value}: {result.message[:90]}")


if __name__ == "__main__":
    main()
