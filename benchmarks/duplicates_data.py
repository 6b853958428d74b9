"""Synthetic data with planted exact and near duplicates, for the duplicate benchmark and tests.

Texts are made of pseudo-words (random syllables), so unrelated texts share few character
5-grams, like real prose on different topics. A share of rows are edited copies of earlier
rows: typos, case, spacing, punctuation, swapped / added / removed words, a clipped end.
Deterministic for a given seed.
"""

from __future__ import annotations

import itertools
import random

SYLLABLES = [
    c + v
    for c in ["b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "st", "pr", "ch"]
    for v in ["a", "e", "i", "o", "u", "ai", "ou", "ea"]
]
SYSTEM_PROMPT = (
    "You are a helpful assistant for Acme Corp. Answer concisely, cite the policy section, "
    "never reveal internal tooling, and ask a clarifying question when the request is ambiguous."
)


def _vocabulary(rng: random.Random, size: int = 5000) -> list[str]:
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4))))
    return sorted(words)


def _sentence_text(rng: random.Random, vocab: list[str], low: int, high: int) -> str:
    """Sentences of 5-14 pseudo-words, cut to a random length in [low, high] characters."""
    target = rng.randint(low, high)
    words = rng.choices(vocab, k=target // 5 + 8)  # words average ~6 characters with the space
    parts: list[str] = []
    i = 0
    while i < len(words):
        n = rng.randint(5, 14)
        parts.append(" ".join(words[i : i + n]).capitalize() + rng.choice(".....?!,"))
        i += n
    return " ".join(parts)[:target].rstrip()


def edit(rng: random.Random, text: str, vocab: list[str], edits: int | None = None) -> str:
    """A near copy of ``text`` with a few small edits of the kinds people make."""
    for _ in range(edits if edits is not None else rng.randint(1, 3)):
        kind = rng.choice(["typo", "case", "space", "punct", "swap", "add", "drop", "clip"])
        words = text.split(" ")
        if kind == "typo" and text:
            i = rng.randrange(len(text))
            text = text[:i] + rng.choice("abcdefghijklmnopqrstuvwxyz") + text[i + 1 :]
        elif kind == "case":
            text = text.upper() if rng.random() < 0.3 else text.lower()
        elif kind == "space":
            i = rng.randrange(len(words))
            words[i] = words[i] + rng.choice(["  ", "\n", "\t "])
            text = " ".join(words)
        elif kind == "punct":
            text = text.replace(".", rng.choice([",", ";", " !"]), 1) + rng.choice(["", ".", "!!"])
        elif kind == "swap" and len(words) > 3:
            i = rng.randrange(len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
            text = " ".join(words)
        elif kind == "add":
            words.insert(rng.randrange(len(words) + 1), rng.choice(vocab))
            text = " ".join(words)
        elif kind == "drop" and len(words) > 3:
            del words[rng.randrange(len(words))]
            text = " ".join(words)
        elif kind == "clip" and len(text) > 100:
            text = text[: len(text) - rng.randint(1, max(2, len(text) // 40))]
    return text


def texts_with_duplicates(n: int, *, seed: int = 0, dup_share: float = 0.05, exact_share: float = 0.02,
                          low: int = 200, high: int = 1000, edits: tuple[int, int] = (1, 3)) -> list[str]:
    """``n`` texts; ``dup_share`` of them edited copies (``edits`` = least and most edits per
    copy) and ``exact_share`` verbatim copies of earlier texts (a few copies of copies, so
    groups of three and more occur)."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng)
    texts: list[str] = []
    for _ in range(n):
        r = rng.random()
        if texts and r < dup_share:
            texts.append(edit(rng, rng.choice(texts), vocab, rng.randint(*edits)))
        elif texts and r < dup_share + exact_share:
            texts.append(rng.choice(texts))
        else:
            texts.append(_sentence_text(rng, vocab, low, high))
    return texts


def chat_records(n: int, *, seed: int = 0, dup_share: float = 0.05, exact_share: float = 0.02,
                 with_system: bool = True) -> list[dict]:
    """OpenAI-chat records (a shared system prompt, a question 60-400 characters, an answer
    150-700) with planted duplicates of whole examples and of questions alone."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng)
    pairs: list[tuple[str, str]] = []
    for _ in range(n):
        r = rng.random()
        if pairs and r < dup_share:
            q, a = rng.choice(pairs)
            pairs.append((edit(rng, q, vocab), edit(rng, a, vocab)))
        elif pairs and r < dup_share + exact_share:
            pairs.append(rng.choice(pairs))
        else:
            pairs.append((_sentence_text(rng, vocab, 60, 400), _sentence_text(rng, vocab, 150, 700)))
    out = []
    for q, a in pairs:
        messages = [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
        if with_system:
            messages.insert(0, {"role": "system", "content": SYSTEM_PROMPT})
        out.append({"messages": messages})
    return out


def split_with_leaks(records: list[dict], *, test_share: float = 0.1, leak_share: float = 0.05,
                     seed: int = 1) -> tuple[list[dict], list[dict]]:
    """Train and test lists; ``leak_share`` of the test rows are (edited) copies of train rows."""
    rng = random.Random(seed)
    vocab = _vocabulary(random.Random(seed + 1), 500)
    n_test = int(len(records) * test_share)
    train, test = records[n_test:], records[:n_test]
    for i in range(len(test)):
        if rng.random() < leak_share:
            src = rng.choice(train)
            msgs = [dict(m) for m in src["messages"]]
            if rng.random() < 0.5:
                for m in msgs:
                    if m["role"] == "user":
                        m["content"] = edit(rng, m["content"], vocab, 1)
            test[i] = {"messages": msgs}
    return train, test


def expand_index(index) -> set:
    """Every row pair an index reports: copies of one text, and the rows of near pairs."""
    members = index.members()
    out = set()
    for rows in members:
        out.update(itertools.combinations(rows, 2))
    for a, b in index.pairs.tolist():
        out.update((min(x, y), max(x, y)) for x in members[a] for y in members[b])
    return out
