"""Models, context limits and training prices, and OpenAI's recipe for default epochs and billed
training tokens.

The model table (context limits) and the price table (USD per 1M training tokens) are small,
dated, and overridable from rule options: prices change, check them before quoting a figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:

    pass

__all__ = ['ModelInfo', 'Price', 'MODELS', 'PRICE_TABLE_AS_OF', 'PRICES', 'model_info', 'default_epochs', 'CostEstimate', 'estimate_training_cost']


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
