"""Token counts of every example of a data set, computed once per run and shared by the rules that
need them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

from dqlint.analysis.statistics import SampledTotal, sampled_total

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

__all__ = ['DEFAULT_SAMPLE_SIZE', 'PromptReplySplit', 'TokenCounts', 'count_dataset_tokens', 'example_token_counts', 'prompt_reply_split', 'split_sample', 'token_sampling']


# Rows counted per split when the token total and distribution are estimated (the context-limit
# check stays exact): a 99 % interval of about +-2 % of the total for typical chat data.
DEFAULT_SAMPLE_SIZE = 5000
SAMPLE_SEED = 16  # fixed: the same data always gives the same estimate


@dataclass
class TokenCounts:
    """Tokens of the rows of a dataset (``per_row[i]`` for row ``i``) and how they were
    counted. ``from_messages`` rows were counted from their raw chat messages, the others from
    the canonical view (system, input, output) plus the per-message overhead.

    When ``measured`` is None every row is counted exactly. Otherwise only the rows it marks
    are (``per_row`` is 0 elsewhere): every row whose byte length could put it over the
    context limit (``forced``: a text of B UTF-8 bytes has at most B tokens, and the
    per-message overhead is below the bytes of a message's JSON), plus a seeded random sample
    of each split, from which totals and percentiles are estimated (:meth:`total`)."""

    per_row: np.ndarray
    tokenizer: Tokenizer
    from_messages: int
    from_canonical: int
    measured: np.ndarray | None = None
    forced: np.ndarray | None = None

    @property
    def label(self) -> str:
        return self.tokenizer.label

    @property
    def exact(self) -> bool:
        return self.measured is None

    def total(self, rows: Sequence[int], values: np.ndarray | None = None) -> SampledTotal:
        """The sum of ``values`` (default: the token counts) over ``rows`` of one split: exact
        when every row was counted, else the forced rows exactly plus the sampled estimate of
        the rest (with its 99 % interval)."""
        exact_part, sample, population = self._strata(rows, self.per_row if values is None else values)
        return sampled_total(exact_part.sum(), sample, population)

    def distribution_sample(self, rows: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """(counts, weights) standing for ``rows`` of one split: every count with weight 1 when
        exact; else the forced rows (weight 1) and the sample (each for its share of the rest)."""
        import numpy as np

        exact_part, sample, population = self._strata(rows, self.per_row)
        weight = population / sample.size if sample.size else 0.0
        values = np.concatenate([exact_part, sample])
        return values, np.concatenate([np.ones(exact_part.size), np.full(sample.size, weight)])

    def _strata(self, rows: Sequence[int], values: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        import numpy as np

        index = np.asarray(rows, dtype=np.int64)
        if self.measured is None or self.forced is None:
            return values[index], values[index[:0]], 0
        forced = self.forced[index]
        rest = index[~forced]
        return values[index[forced]], values[rest[self.measured[rest]]], int(rest.size)


def token_sampling(options: Any, limit: int | None) -> dict[str, Any]:
    """The sampling arguments of :func:`example_token_counts` from token-length's options
    (``exact-tokens``, ``sample-size``): None when every example is to be counted."""
    if options is None or getattr(options, "exact_tokens", False) or limit is None:
        return {"limit": limit, "sample_size": None}
    return {"limit": limit, "sample_size": getattr(options, "sample_size", DEFAULT_SAMPLE_SIZE)}


def example_token_counts(
    ctx: CheckContext, encoding: str = "o200k_base", *, limit: int | None = None, sample_size: int | None = None
) -> TokenCounts:
    """Token counts of the rows, computed once per run, encoding and sampling (``ctx.shared``).
    ``sample_size`` None counts every row; else see :class:`TokenCounts`."""
    key = ("example-tokens", encoding, None if sample_size is None else (limit, sample_size))
    return ctx.shared(
        key, lambda: count_dataset_tokens(ctx.dataset, encoding, ctx.progress, limit=limit, sample_size=sample_size)
    )


def count_dataset_tokens(
    dataset: Dataset,
    encoding: str = "o200k_base",
    progress: Callable[[str], None] | None = None,
    *,
    limit: int | None = None,
    sample_size: int | None = None,
    sample: np.ndarray | None = None,
) -> TokenCounts:
    """Token counts of every row, or (``sample_size`` and ``limit`` given, and some split larger
    than the sample) of the rows that could exceed ``limit`` plus a seeded sample per split.
    ``sample`` (a bool mask over the rows) replaces that sample: a block of a larger set counts
    the rows the whole set's sample holds (``split_sample``)."""
    import numpy as np

    tokenizer = get_tokenizer(encoding)
    n = len(dataset)
    if limit is None:
        wanted = None
    else:
        wanted = sample if sample is not None else _sampled_rows(dataset, sample_size)
    if progress:
        sampled = "" if wanted is None else f", sampling {sample_size:,} examples per split"
        progress(f"counting tokens ({tokenizer.label}{sampled})")
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
    forced = [False] * n if wanted is not None else None

    def short(text: str) -> int:
        tokens = memo.get(text)
        if tokens is None:
            tokens = memo[text] = count(text)
        return tokens

    counted = [False] * n
    for row, record in _raw_chat_records(dataset):
        counted[row] = True
        messages = record["messages"]
        # The strata do not depend on the sample: a sampled row that could exceed the limit
        # is forced (counted exactly, weight 1) like any other.
        if forced is not None:
            forced[row] = _messages_bound(messages) > limit  # type: ignore[operator]
            if not (forced[row] or wanted[row]):  # type: ignore[index]
                continue  # cannot exceed the limit and is not sampled: never encoded
        extra = 0
        for message in messages:
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
        # Multi-turn examples joined into one input still pay the overhead of each message.
        joined = (per_message + 1) * max(0, (turns[row] if row < len(turns) else 2) - 2)
        if forced is not None:
            forced[row] = _canonical_bound(system[row], inputs[row], outputs[row], short) + joined > limit  # type: ignore[operator]
            if not (forced[row] or wanted[row]):  # type: ignore[index]
                continue
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
        overhead[row] += extra + joined

    unique_lengths = np.asarray(tokenizer.count_many(list(unique)), dtype=np.int64)
    lengths = unique_lengths[np.asarray(text_ids, dtype=np.int64)] if text_ids else unique_lengths
    encoded = np.bincount(np.asarray(owners, dtype=np.int64), weights=lengths, minlength=n)
    per_row = np.asarray(overhead, dtype=np.int64) + encoded.astype(np.int64)
    if wanted is None or forced is None:
        return TokenCounts(per_row, tokenizer, from_messages, n - from_messages)
    forced_rows = np.asarray(forced, dtype=bool)
    measured = wanted | forced_rows
    per_row[~measured] = 0
    return TokenCounts(per_row, tokenizer, from_messages, n - from_messages, measured, forced_rows)


def _sampled_rows(dataset: Dataset, sample_size: int | None) -> np.ndarray | None:
    """A seeded random sample of ``sample_size`` rows of each split (a bool mask), or None when
    no split is larger than that (then every row is counted: small sets stay exact)."""
    import numpy as np

    if sample_size is None:
        return None
    splits = np.asarray(dataset.split, dtype=object)
    chosen = split_sample({name: np.flatnonzero(splits == name) for name in set(dataset.split)}, sample_size)
    if chosen is None:
        return None
    wanted = np.zeros(len(dataset), dtype=bool)
    for rows in chosen.values():
        wanted[rows] = True
    return wanted


def split_sample(split_rows: Mapping[str, np.ndarray], sample_size: int | None) -> dict[str, np.ndarray] | None:
    """The rows counted of each split (``split_rows``: its rows, ascending): all of a split of at
    most ``sample_size`` rows, else a seeded random ``sample_size`` of them; None when no split
    is larger (every row is counted). Depends only on the rows, so an engine that holds the set
    in blocks draws the same sample as one that holds it whole."""
    import numpy as np

    if sample_size is None or all(len(rows) <= sample_size for rows in split_rows.values()):
        return None
    rng = np.random.default_rng(SAMPLE_SEED)
    chosen: dict[str, np.ndarray] = {}
    for name in sorted(split_rows):
        rows = np.asarray(split_rows[name], dtype=np.int64)
        chosen[name] = rows if rows.size <= sample_size else rng.choice(rows, sample_size, replace=False)
    return chosen


def _utf8_bytes(text: str) -> int:
    """UTF-8 length; lone surrogates count 3 bytes, as the U+FFFD tiktoken encodes them as."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def _messages_bound(messages: list) -> int:
    """At least the tokens of a chat example: each token is at least one byte, so a value of B
    bytes has at most B tokens. The JSON of the messages holds every counted value (escaping
    only lengthens it) and at least 3 bytes of punctuation per message for its 3-token
    overhead (a name's 1 token has its key): its length + the per-conversation 3 bounds the
    count, computed in C."""
    import orjson

    try:
        return len(orjson.dumps(messages)) + TOKENS_PER_CONVERSATION
    except (TypeError, orjson.JSONEncodeError):  # e.g. a lone surrogate: measure value by value
        return _messages_bound_slow(messages)


def _messages_bound_slow(messages: list) -> int:
    bound = TOKENS_PER_CONVERSATION
    for message in messages:
        if not isinstance(message, dict):
            continue
        bound += TOKENS_PER_MESSAGE
        for key, value in _message_values(message):
            bound += _utf8_bytes(value) + (TOKENS_PER_NAME if key == "name" else 0)
    return bound


def _canonical_bound(system: str, input: str, output: str, roles: Callable[[str], int]) -> int:
    """At least the tokens of a canonical row (without the joined-turns overhead): 3 per
    message plus its role's tokens (``roles``) and the bytes of its text."""
    bound = TOKENS_PER_CONVERSATION + TOKENS_PER_MESSAGE + roles("user") + _utf8_bytes(input)
    if system:
        bound += TOKENS_PER_MESSAGE + roles("system") + _utf8_bytes(system)
    if output:
        bound += TOKENS_PER_MESSAGE + roles("assistant") + _utf8_bytes(output)
    return bound


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


def prompt_reply_split(dataset: Dataset, tokenizer: Tokenizer, rows: Sequence[int] | None = None) -> PromptReplySplit:
    """How each row's tokens divide into system message, prompt and reply, counted with the same
    tokenizer and per-message overhead as :func:`count_dataset_tokens` (so reply + system never
    exceeds the row's total). Identical texts are counted once. Only ``rows`` (default: all)
    are counted; the others are 0 (the rows a sampled count measured)."""
    import numpy as np

    memo: dict[str, int] = {}

    def tokens(texts: list[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in memo]
        memo.update(zip(todo, tokenizer.count_many(todo)))
        return np.asarray([memo[t] for t in texts], dtype=np.int64)

    if rows is None:
        outputs, systems = list(dataset.output), list(dataset.system)
    else:
        outputs, systems = [dataset.output[r] for r in rows], [dataset.system[r] for r in rows]
    role_tokens = {role: tokenizer.count(role) for role in ("assistant", "system")}
    reply = np.where([bool(o) for o in outputs], tokens(outputs) + TOKENS_PER_MESSAGE + role_tokens["assistant"], 0)
    system = np.where([bool(s) for s in systems], tokens(systems) + TOKENS_PER_MESSAGE + role_tokens["system"], 0)
    if rows is not None:
        full_reply, full_system = np.zeros(len(dataset), dtype=np.int64), np.zeros(len(dataset), dtype=np.int64)
        index = np.asarray(rows, dtype=np.int64)
        full_reply[index], full_system[index] = reply, system
        reply, system = full_reply, full_system
    return PromptReplySplit(reply.astype(np.int64), system.astype(np.int64))
