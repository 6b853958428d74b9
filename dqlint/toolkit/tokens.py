"""Token counts of every example of a data set, computed once per run and shared by the rules that
need them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable

from dqlint.analysis.tokenizer import (
    TOKENS_PER_CONVERSATION,
    TOKENS_PER_MESSAGE,
    TOKENS_PER_NAME,
    Tokenizer,
    _message_values,
    get_tokenizer,
)

if TYPE_CHECKING:
    import numpy as np

    from dqlint.data.dataset import Dataset
    from dqlint.engine.rule import CheckContext

__all__ = ['PromptReplySplit', 'TokenCounts', 'count_dataset_tokens', 'example_token_counts', 'prompt_reply_split']


@dataclass
class TokenCounts:
    """Tokens of every row of a dataset (``per_row[i]`` for row ``i``) and how they were
    counted. ``from_messages`` rows were counted from their raw chat messages, the others from
    the canonical view (system, input, output) plus the per-message overhead."""

    per_row: np.ndarray
    tokenizer: Tokenizer
    from_messages: int
    from_canonical: int

    @property
    def label(self) -> str:
        return self.tokenizer.label


def example_token_counts(ctx: CheckContext, encoding: str = "o200k_base") -> TokenCounts:
    """Token counts of every row, computed once per run and encoding (``ctx.shared``)."""
    return ctx.shared(("example-tokens", encoding), lambda: count_dataset_tokens(ctx.dataset, encoding, ctx.progress))


def count_dataset_tokens(
    dataset: Dataset, encoding: str = "o200k_base", progress: Callable[[str], None] | None = None
) -> TokenCounts:
    import numpy as np

    tokenizer = get_tokenizer(encoding)
    if progress:
        progress(f"counting tokens ({tokenizer.label})")
    n = len(dataset)
    # Every long text to encode is listed with the row it belongs to, so the encoder runs in
    # large batches; the fixed per-message overhead and short repeated strings (roles,
    # names, a shared system prompt) are added to `overhead` directly, each counted once.
    # Long texts are encoded once each, however many rows repeat them (template answers).
    unique: dict[str, int] = {}
    text_ids: list[int] = []
    owners: list[int] = []
    overhead = [TOKENS_PER_CONVERSATION] * n
    memo: dict[str, int] = {}
    count = tokenizer.count

    def short(text: str) -> int:
        tokens = memo.get(text)
        if tokens is None:
            tokens = memo[text] = count(text)
        return tokens

    counted = [False] * n
    for row, record in _raw_chat_records(dataset):
        counted[row] = True
        extra = 0
        for message in record["messages"]:
            if not isinstance(message, dict):
                continue
            role, content = message.get("role"), message.get("content")
            if len(message) == 2 and isinstance(role, str) and isinstance(content, str):
                # The common case: {"role", "content"} only.
                extra += TOKENS_PER_MESSAGE + short(role)
                if len(content) <= 64 or role == "system":
                    extra += short(content)
                else:
                    text_ids.append(unique.setdefault(content, len(unique)))
                    owners.append(row)
                continue
            extra += TOKENS_PER_MESSAGE
            for key, value in _message_values(message):
                extra += short(value) + (TOKENS_PER_NAME if key == "name" else 0)
        overhead[row] += extra
    from_messages = sum(counted)

    system, inputs, outputs, turns = dataset.system, dataset.input, dataset.output, dataset.turns
    per_message = TOKENS_PER_MESSAGE
    for row in (r for r in range(n) if not counted[r]):
        extra = per_message + short("user")
        if system[row]:
            extra += per_message + short("system") + short(system[row])
        if outputs[row]:
            extra += per_message + short("assistant")
        for text in (inputs[row], outputs[row]):
            if len(text) <= 64:
                extra += short(text)
            else:
                text_ids.append(unique.setdefault(text, len(unique)))
                owners.append(row)
        # Multi-turn examples joined into one input still pay the overhead of each message.
        extra += (per_message + 1) * max(0, (turns[row] if row < len(turns) else 2) - 2)
        overhead[row] += extra

    unique_lengths = np.asarray(tokenizer.count_many(list(unique)), dtype=np.int64)
    lengths = unique_lengths[np.asarray(text_ids, dtype=np.int64)] if text_ids else unique_lengths
    encoded = np.bincount(np.asarray(owners, dtype=np.int64), weights=lengths, minlength=n)
    per_row = np.asarray(overhead, dtype=np.int64) + encoded.astype(np.int64)
    return TokenCounts(per_row, tokenizer, from_messages, n - from_messages)


def _raw_chat_records(dataset: Dataset) -> Iterable[tuple[int, dict]]:
    """Raw records holding an OpenAI-style ``messages`` list. Sources are re-read only when
    some file has that field; other rows are counted from the canonical view."""
    if not any(f.iter_raw is not None and ("messages" in f.field_types or "chat" in f.format) for f in dataset.files):
        return
    for row, record in dataset.iter_raw():
        if isinstance(record.get("messages"), list):
            yield row, record


@dataclass
class PromptReplySplit:
    """Per row: tokens of the reply (the final assistant message, with its message overhead) and
    of the system message (0 without one). The rest of a row's count is its prompt."""

    reply: np.ndarray
    system: np.ndarray


def prompt_reply_split(dataset: Dataset, tokenizer: Tokenizer) -> PromptReplySplit:
    """How each row's tokens divide into system message, prompt and reply, counted with the same
    tokenizer and per-message overhead as :func:`count_dataset_tokens` (so reply + system never
    exceeds the row's total). Identical texts are counted once."""
    import numpy as np

    memo: dict[str, int] = {}

    def tokens(texts: list[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in memo]
        memo.update(zip(todo, tokenizer.count_many(todo)))
        return np.asarray([memo[t] for t in texts], dtype=np.int64)

    outputs, systems = list(dataset.output), list(dataset.system)
    role_tokens = {role: tokenizer.count(role) for role in ("assistant", "system")}
    reply = np.where([bool(o) for o in outputs], tokens(outputs) + TOKENS_PER_MESSAGE + role_tokens["assistant"], 0)
    system = np.where([bool(s) for s in systems], tokens(systems) + TOKENS_PER_MESSAGE + role_tokens["system"], 0)
    return PromptReplySplit(reply.astype(np.int64), system.astype(np.int64))
