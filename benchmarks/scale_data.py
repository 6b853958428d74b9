"""The two kinds of chat data the scale benchmarks run on, written once per size and reused.

* ``team``: the team's benchmark records (``duplicates_data.chat_records``): pseudo-word
  prose, a shared system prompt, 5 % edited and 2 % verbatim copies planted.
* ``templated``: low-diversity records as templated real sets are: a small vocabulary of
  common English words, one shared system prompt, questions from a dozen templates and
  answers from four, slots filled from short lists. Most texts share most of their
  5-grams, which is what turns an LSH index superlinear if its buckets are not bounded.

Each set is a folder with ``train.jsonl`` (``n`` rows) and ``test.jsonl`` (``n // 10`` rows,
5 % of them copies of training rows: leaks). Deterministic for a given size.

    python benchmarks/scale_data.py --kind templated --rows 100000 [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path
from typing import Iterator

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# Shared across sessions and worktrees so a 1M-row file is written once per machine.
DEFAULT_OUT = Path(os.environ.get("DQLINT_BENCH_DATA", HERE / "out"))
KINDS = ("team", "templated")
BLOCK = 100_000

WORDS = (
    "account order refund delivery password invoice payment card address email phone plan "
    "subscription upgrade cancel return item package store app login error screen update "
    "week month day today yesterday tomorrow morning evening price discount code coupon "
    "support team manager customer service help issue problem question answer time status"
).split()
NAMES = ["Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn"]
SYSTEM = "You are the support assistant of a retail company. Be polite, brief and accurate."
QUESTIONS = [
    "Hi, my {a} is not working since {t}. Can you help me with the {b}?",
    "Hello, I want to {v} my {a}. What do I need to do?",
    "Why was my {a} charged twice for the {b} last {t}?",
    "Can I change the {a} on my {b} before {t}?",
    "I never got my {a}. The {b} says it was sent {t}.",
    "How long does a {a} take when the {b} is already paid?",
    "Is there a {a} for the {b} this {t}?",
    "My name is {n} and I cannot find the {a} in the {b}.",
    "The {a} shows an {b} every {t}. What should I do?",
    "Please {v} the {a} for order {num}, the {b} is wrong.",
    "Where do I see the {a} of my {b}?",
    "{n} here. Do you ship the {a} with the {b}?",
]
ANSWERS = [
    "Thank you for reaching out, {n}. I have checked your {a} and the {b} is now fixed. "
    "You will see the change within one {t}. Is there anything else I can help with?",
    "I am sorry about the trouble with your {a}. I have opened a ticket for the {b} "
    "and our team will contact you by email within one {t}.",
    "To {v} your {a}, open the app, go to Settings, choose {b} and confirm. "
    "The change takes effect the next {t}.",
    "I understand. Your {a} number {num} is on its way and the {b} will arrive by {t}. "
    "You can follow it in the app under Orders.",
]
VERBS = ["cancel", "update", "change", "check", "return", "renew", "pause", "upgrade"]


def templated_records(n: int, *, seed: int = 0) -> Iterator[dict]:
    """``n`` low-diversity chat records (see the module docstring)."""
    rng = random.Random(seed)

    def fill(template: str) -> str:
        return template.format(
            a=rng.choice(WORDS), b=rng.choice(WORDS), t=rng.choice(WORDS[24:34]), v=rng.choice(VERBS),
            n=rng.choice(NAMES), num=rng.randint(10_000, 99_999),
        )

    for _ in range(n):
        yield {
            "messages": [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": fill(rng.choice(QUESTIONS))},
                {"role": "assistant", "content": fill(rng.choice(ANSWERS))},
            ]
        }


def team_records(n: int, *, seed: int = 0) -> Iterator[dict]:
    """``n`` of the team's benchmark records, generated in blocks to bound memory."""
    from duplicates_data import chat_records

    for start in range(0, n, BLOCK):
        yield from chat_records(min(BLOCK, n - start), seed=seed + start)


def records(kind: str, n: int, *, seed: int = 0) -> Iterator[dict]:
    if kind == "team":
        return team_records(n, seed=seed)
    if kind == "templated":
        return templated_records(n, seed=seed)
    raise ValueError(f"unknown kind {kind!r} (known: {', '.join(KINDS)})")


def ensure(kind: str, n: int, out: Path = DEFAULT_OUT) -> Path:
    """The folder holding ``train.jsonl`` and ``test.jsonl`` of this kind and size, written
    on first use (atomically, so concurrent benchmarks never read half a file)."""
    folder = out / f"{kind}_{n}"
    train, test = folder / "train.jsonl", folder / "test.jsonl"
    if train.exists() and test.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(n)
    kept: list[dict] = []  # a bounded reservoir of training rows for the planted leaks
    tmp = train.with_name(f"train.{os.getpid()}.part")
    with open(tmp, "w", encoding="utf-8") as fh:
        for i, rec in enumerate(records(kind, n, seed=0)):
            fh.write(json.dumps(rec, ensure_ascii=False))
            fh.write("\n")
            if len(kept) < 10_000:
                kept.append(rec)
            elif (j := rng.randrange(i + 1)) < 10_000:
                kept[j] = rec
    tmp.replace(train)
    tmp = test.with_name(f"test.{os.getpid()}.part")
    with open(tmp, "w", encoding="utf-8") as fh:
        for rec in records(kind, n // 10, seed=10**9):
            if rng.random() < 0.05:
                rec = rng.choice(kept)
            fh.write(json.dumps(rec, ensure_ascii=False))
            fh.write("\n")
    tmp.replace(test)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=KINDS, required=True)
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    print(ensure(args.kind, args.rows, args.out))


if __name__ == "__main__":
    main()
