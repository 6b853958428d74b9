"""Models, context limits and prices, and OpenAI's recipe for default epochs and billed
training tokens.

The model table (context limits) is below; the price table (USD per 1M tokens: training, and
inference for the base and the fine-tuned model) is one dated data file with its sources,
``dqlint/analysis/prices.toml``, read once. A team's own table (same shape) replaces it with
``--price-table FILE``; single prices can be given on the command line. Prices change: every
figure derived from them carries the entry's date and source.
"""

from __future__ import annotations

import functools
import math
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Mapping

from dqlint.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = [
    "MODELS",
    "PRICES",
    "PRICE_KEYS",
    "PRICE_TABLE_AS_OF",
    "CostEstimate",
    "ModelInfo",
    "ModelPrices",
    "Price",
    "PriceTable",
    "PriceTableError",
    "UnknownModelError",
    "builtin_price_table",
    "default_epochs",
    "estimate_training_cost",
    "load_price_table",
    "model_info",
    "parse_price_table",
    "prices_from_overrides",
    "resolve_model_name",
]

# The price fields of a table entry, as spelled in the TOML file and on the command line.
PRICE_KEYS = ("training", "base-input", "base-output", "fine-tuned-input", "fine-tuned-output")
OPTIONAL_KEYS = ("fine-tuned-hosting-per-month",)
ENTRY_KEYS = {*PRICE_KEYS, *OPTIONAL_KEYS, "provider", "as-of", "source", "training-source", "note"}


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


# -- the price table ------------------------------------------------------------------------------

class PriceTableError(ConfigError):
    """A price table that cannot be used (unreadable file, missing or invalid field)."""


class UnknownModelError(PriceTableError):
    """A model with no entry in the price table; the message lists the known ones."""


@dataclass(frozen=True)
class ModelPrices:
    """USD per 1M tokens for one model: training, and inference for the base and the
    fine-tuned model. ``training`` is None when the provider publishes no single figure."""

    model: str
    training: float | None
    base_input: float
    base_output: float
    tuned_input: float
    tuned_output: float
    tuned_hosting_per_month: float = 0.0
    provider: str = ""
    as_of: str = ""
    source: str = ""
    note: str = ""
    training_source: str = ""  # when the training figure has a source of its own

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "provider": self.provider,
            "usd_per_million": {
                "training": self.training,
                "base_input": self.base_input,
                "base_output": self.base_output,
                "fine_tuned_input": self.tuned_input,
                "fine_tuned_output": self.tuned_output,
            },
            "fine_tuned_hosting_usd_per_month": self.tuned_hosting_per_month,
            "as_of": self.as_of,
            "source": self.source,
            **({"training_source": self.training_source} if self.training_source else {}),
            **({"note": self.note} if self.note else {}),
        }


@dataclass(frozen=True)
class PriceTable:
    """Named price entries, with the table's own date and where it came from."""

    as_of: str
    source: str  # "built-in" or the file it was read from
    models: Mapping[str, ModelPrices] = field(default_factory=dict)

    def known(self) -> list[str]:
        return sorted(self.models)

    def lookup(self, name: str) -> ModelPrices:
        """The entry for ``name``; dated snapshots and fine-tuned ids resolve to their family
        (see :func:`resolve_model_name`). Unknown: an error listing the known models."""
        key = resolve_model_name(name, self.models)
        if key is None:
            raise UnknownModelError(
                f"no prices for model {name!r} in {self.source} price table "
                f"(known: {', '.join(self.known())}); give --price-table FILE or all of "
                + ", ".join(f"--price {k}=USD" for k in PRICE_KEYS)
            )
        return self.models[key]


def resolve_model_name(name: str, known: Iterable[str]) -> str | None:
    """The table key ``name`` stands for. Dated snapshots map to their family
    (``gpt-4o-mini-2024-07-18`` -> ``gpt-4o-mini``) and fine-tuned ids to their base
    (``ft:gpt-4o-mini-2024-07-18:org::id``); the longest matching prefix wins."""
    key = name.strip().lower()
    if key.startswith("ft:"):  # a fine-tuned model id: ft:<base>:<org>::<id>
        key = key.split(":")[1]
    matches = [m for m in known if key == m.lower() or key.startswith(m.lower() + "-")]
    return max(matches, key=len) if matches else None


def parse_price_table(data: Mapping[str, Any], source: str) -> PriceTable:
    """A :class:`PriceTable` from the parsed TOML (``as-of`` and one ``[models.NAME]`` table
    per model). Every price must be a number >= 0; ``training`` may be left out."""
    as_of = data.get("as-of")
    if not isinstance(as_of, str) or not as_of:
        raise PriceTableError(f"{source}: the price table needs a top-level as-of = \"YYYY-MM\" date")
    models = data.get("models")
    if not isinstance(models, dict) or not models:
        raise PriceTableError(f"{source}: the price table needs [models.NAME] tables")
    entries = {name: _parse_entry(name, entry, source, as_of) for name, entry in models.items()}
    return PriceTable(as_of, source, entries)


def _parse_entry(name: str, entry: Any, source: str, table_as_of: str) -> ModelPrices:
    where = f"{source}: [models.{name}]"
    if not isinstance(entry, dict):
        raise PriceTableError(f"{where} must be a table")
    unknown = set(entry) - ENTRY_KEYS
    if unknown:
        raise PriceTableError(f"{where}: unknown key(s) {', '.join(sorted(unknown))} (known: {', '.join(sorted(ENTRY_KEYS))})")
    missing = [k for k in PRICE_KEYS[1:] if k not in entry]
    if missing:
        raise PriceTableError(f"{where}: missing {', '.join(missing)} (USD per 1M tokens)")
    values = {k: _price(entry[k], f"{where} {k}") for k in (*PRICE_KEYS, *OPTIONAL_KEYS) if k in entry}
    return ModelPrices(
        model=name,
        training=values.get("training"),
        base_input=values["base-input"],
        base_output=values["base-output"],
        tuned_input=values["fine-tuned-input"],
        tuned_output=values["fine-tuned-output"],
        tuned_hosting_per_month=values.get("fine-tuned-hosting-per-month", 0.0),
        provider=str(entry.get("provider", "")),
        as_of=str(entry.get("as-of", table_as_of)),
        source=str(entry.get("source", "")),
        note=str(entry.get("note", "")),
        training_source=str(entry.get("training-source", "")),
    )


def _price(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise PriceTableError(f"{where} must be a number >= 0 (USD), got {value!r}")
    return float(value)


def load_price_table(path: str | Path | None = None) -> PriceTable:
    """The price table in ``path`` (a TOML file shaped like the built-in one), or the
    built-in table when ``path`` is None."""
    if path is None:
        return builtin_price_table()
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise PriceTableError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise PriceTableError(f"{path}: cannot read price table: {exc.strerror}") from None
    return parse_price_table(data, str(path))


@functools.lru_cache(maxsize=1)
def builtin_price_table() -> PriceTable:
    """The dated table shipped with dqlint (``dqlint/analysis/prices.toml``), read once."""
    import importlib.resources

    text = importlib.resources.files(__package__).joinpath("prices.toml").read_text(encoding="utf-8")
    return parse_price_table(tomllib.loads(text), "built-in")


def prices_from_overrides(
    model: str, base: ModelPrices | None, overrides: Mapping[str, float], *, as_of: str
) -> ModelPrices:
    """``base`` with the prices given on the command line (keys of :data:`PRICE_KEYS`)
    replaced; with no ``base`` (a model not in the table) all five must be given."""
    unknown = set(overrides) - set(PRICE_KEYS) - set(OPTIONAL_KEYS)
    if unknown:
        raise PriceTableError(f"unknown price key(s) {', '.join(sorted(unknown))} (known: {', '.join((*PRICE_KEYS, *OPTIONAL_KEYS))})")
    values = {k: _price(v, f"--price {k}") for k, v in overrides.items()}
    fields = {
        "training": "training",
        "base-input": "base_input",
        "base-output": "base_output",
        "fine-tuned-input": "tuned_input",
        "fine-tuned-output": "tuned_output",
        "fine-tuned-hosting-per-month": "tuned_hosting_per_month",
    }
    if base is None:
        missing = [k for k in PRICE_KEYS if k not in values]
        if missing:
            raise UnknownModelError(
                f"no prices for model {model!r}: give all of {', '.join(f'--price {k}=USD' for k in missing)} "
                "or --price-table FILE"
            )
        return ModelPrices(
            model, *(values[k] for k in PRICE_KEYS),
            tuned_hosting_per_month=values.get("fine-tuned-hosting-per-month", 0.0),
            as_of=as_of, source="prices given on the command line",
        )
    if not values:
        return base
    given = ", ".join(sorted(values))
    return replace(
        base,
        **{fields[k]: v for k, v in values.items()},
        source=f"{base.source}; {given} given on the command line" if base.source else f"{given} given on the command line",
    )



def _training_prices(table: PriceTable) -> dict[str, Price]:
    """The training price of every entry that has one: what the token-length rule quotes."""
    return {
        name: Price(p.training, p.as_of, p.training_source or p.source)
        for name, p in table.models.items()
        if p.training is not None
    }


# USD per 1M *training* tokens, from the data file. Providers with a price range and no single
# figure have no entry; the rule's ``price-per-million`` option overrides.
PRICE_TABLE_AS_OF = builtin_price_table().as_of
PRICES: dict[str, Price] = _training_prices(builtin_price_table())


def model_info(name: str) -> ModelInfo | None:
    """The table entry for ``name``; dated snapshots map to their family
    (``gpt-4o-mini-2024-07-18`` -> ``gpt-4o-mini``). Longest matching prefix wins."""
    key = resolve_model_name(name, MODELS)
    return MODELS[key] if key else None


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
    example_tokens: Iterable[int],
    *,
    limit: int,
    epochs: int | None,
    usd_per_million: float | None,
    examples: int | None = None,
    tokens: int | None = None,
) -> CostEstimate:
    """tokens x epochs x price: each example counts at most ``limit`` tokens (the rest is
    truncated, not billed); ``epochs=None`` uses the provider's default for the set size.
    ``examples`` and ``tokens`` (the capped total, e.g. estimated from a sample) replace the
    per-example counts."""
    counts = list(example_tokens)
    capped = sum(min(limit, c) for c in counts) if tokens is None else tokens
    n = len(counts) if examples is None else examples
    n_epochs = default_epochs(n) if epochs is None else epochs
    billed = capped * n_epochs
    usd = None if usd_per_million is None else round(billed / 1e6 * usd_per_million, 2)
    return CostEstimate(n, capped, n_epochs, billed, usd_per_million, usd)
