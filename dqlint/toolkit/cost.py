"""The fine-tuning cost estimate on a loaded data set: measure its inputs (token counts of the
training split, with the token-length rule's tokenizer and counts), resolve the prices, and
build the report's ``cost`` section. The arithmetic itself is :mod:`dqlint.analysis.cost`.

Used by ``dqlint cost`` and, when traffic is configured (``[tool.dqlint.cost]
requests-per-month = ...``), by ``dqlint check`` as the report's ``cost`` key.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any, Mapping

from dqlint.analysis.cost import CostAnalysis, CostInputs, analyse_cost, readiness_note
from dqlint.analysis.pricing import (
    ModelPrices,
    PriceTable,
    estimate_training_cost,
    load_price_table,
    model_info,
    prices_from_overrides,
    resolve_model_name,
)
from dqlint.analysis.tokenizer import TOKENS_PER_CONVERSATION
from dqlint.errors import ConfigError, InputError

if TYPE_CHECKING:
    from dqlint.data.dataset import Dataset
    from dqlint.engine.config import Config
    from dqlint.engine.rule import CheckContext
    from dqlint.toolkit.tokens import TokenCounts

__all__ = ["DEFAULT_SHOTS", "CostReportSection", "CostSettings", "cost_sections", "estimate_cost", "resolve_prices"]

# Few-shot examples assumed in the prompted call when neither a token count nor a prompt file
# is given: a typical few-shot prompt, shown as an assumption next to the figure.
DEFAULT_SHOTS = 3
DEFAULT_MODEL = "gpt-4o-mini"
# Months drawn in the chart: enough to show the crossing, not so many that bars get thin.
CHART_MONTHS_MIN, CHART_MONTHS_MAX = 6, 24


@dataclass(frozen=True)
class CostSettings:
    """What the estimate needs besides the data: traffic, and optional overrides. Unset values
    come from the token-length rule's options (model, epochs) or are measured on the data."""

    requests_per_month: float | None = None
    model: str | None = None
    epochs: int | None = None
    few_shot_tokens: int | None = None
    prompt_file: str | None = None
    output_tokens: float | None = None
    price_table: str | None = None
    prices: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: Config) -> CostSettings:
        table = dict(config.cost)
        return cls(
            requests_per_month=table.get("requests-per-month"),
            model=table.get("model"),
            epochs=table.get("epochs"),
            few_shot_tokens=table.get("few-shot-tokens"),
            prompt_file=table.get("prompt"),
            output_tokens=table.get("output-tokens"),
            price_table=table.get("price-table"),
            prices=dict(table.get("prices") or {}),
        )

    def overridden(self, **given: Any) -> CostSettings:
        """These settings with the values given (not None) on the command line replacing them;
        ``prices`` merge key by key, and a prompt file replaces a token count (and back)."""
        values = {k: v for k, v in given.items() if v is not None and k in {f.name for f in fields(self)}}
        if "prices" in values:
            values["prices"] = {**self.prices, **values["prices"]}
        if "few_shot_tokens" in values:
            values.setdefault("prompt_file", None)
        elif "prompt_file" in values:
            values["few_shot_tokens"] = None
        return replace(self, **values)

    def material(self) -> dict[str, Any]:
        """What the estimate depends on, for the result cache's key (files by content)."""
        from dqlint.engine.cache import file_digest

        data = {f.name: getattr(self, f.name) for f in fields(self)}
        for key in ("prompt_file", "price_table"):
            path = data[key]
            data[key] = [path, file_digest(path) if path and os.path.isfile(path) else None]
        data["prices"] = dict(sorted(self.prices.items()))
        return data


# -- prices ------------------------------------------------------------------------------------


def resolve_prices(settings: CostSettings, model: str) -> tuple[ModelPrices, PriceTable]:
    """The price entry for ``model`` from the built-in or the given table, with the prices given
    as settings applied. Unknown model without all prices given: a ConfigError naming the known."""
    table = load_price_table(settings.price_table)
    key = resolve_model_name(model, table.models)
    entry = table.models[key] if key else None
    if entry is None and not settings.prices:
        table.lookup(model)  # raises, listing the known models
    return prices_from_overrides(model, entry, settings.prices, as_of=table.as_of), table


# -- measuring ------------------------------------------------------------------------------


def estimate_cost(
    dataset: Dataset, settings: CostSettings, config: Config, *, counts: TokenCounts | None = None
) -> tuple[CostAnalysis, str]:
    """The estimate for the training split of ``dataset``, and a readiness note (without a
    verdict: the caller adds one when a check ran). ``counts`` reuses a run's token counts."""
    import numpy as np

    from dqlint.toolkit.tokens import count_dataset_tokens, prompt_reply_split, token_sampling

    if settings.requests_per_month is None:
        raise ConfigError("the cost estimate needs the traffic: --requests-per-month N (or requests-per-month in [tool.dqlint.cost])")
    token_length = _rule_options(config, "token-length")
    model = settings.model or getattr(token_length, "model", None) or DEFAULT_MODEL
    prices, table = resolve_prices(settings, model)
    info = model_info(model)
    limit = getattr(token_length, "context_limit", None) or (info.context_limit if info else None)
    encoding = getattr(token_length, "encoding", None) or (info.encoding if info else "o200k_base")
    epochs = settings.epochs if settings.epochs is not None else getattr(token_length, "epochs", None)

    train = dataset.rows("train")
    if not train:
        names = ", ".join(f.path for f in dataset.files) or "the inputs"
        raise InputError(f"{names}: no training examples to estimate the cost from")
    if counts is None or counts.tokenizer.encoding != encoding:
        counts = count_dataset_tokens(dataset, encoding, **token_sampling(token_length, limit))
    measured = train if counts.exact else [r for r in train if counts.measured[r]]  # type: ignore[index]
    split = prompt_reply_split(dataset, counts.tokenizer, measured)
    totals = counts.per_row
    # The prompt of a call is the example without its reply; a few-shot example is the
    # example without its system prompt and the per-conversation overhead. Means over the
    # training split: exact, or estimated from the sampled counts (see TokenCounts).
    prompt_mean = counts.total(train, totals - split.reply).value / len(train)
    shot_mean = counts.total(train, totals - split.system - TOKENS_PER_CONVERSATION).value / len(train)
    reply_mean = counts.total(train, split.reply).value / len(train)
    capped = counts.total(train, np.minimum(totals, limit) if limit else totals)
    billed = estimate_training_cost(
        [], limit=limit or 0, epochs=epochs, usd_per_million=None, examples=len(train), tokens=round(capped.value)
    )

    n = len(train)
    few_shot, few_shot_source = _few_shot(settings, shot_mean, counts, n)
    inputs = CostInputs(
        train_examples=n,
        billed_training_tokens=billed.billed_tokens,
        epochs=billed.epochs,
        requests_per_month=float(settings.requests_per_month),
        prompt_tokens=prompt_mean,
        output_tokens=float(settings.output_tokens) if settings.output_tokens is not None else reply_mean,
        few_shot_tokens=few_shot,
        epochs_source="given" if epochs is not None else f"provider default for {n:,} examples",
        prompt_tokens_source=f"mean prompt (system and user messages) of the {n:,} training examples",
        output_tokens_source=_output_source(settings, reply_mean, n),
        few_shot_source=few_shot_source,
        tokenizer=counts.label
        + ("" if info is None or info.exact_tokenizer else f" (approximate: {model} has its own tokenizer)")
        + ("" if limit is None else f"; examples capped at {limit:,} tokens")
        + _sample_note(capped),
        billed_training_tokens_interval=None if capped.exact else (
            round(capped.low) * billed.epochs, round(capped.high) * billed.epochs
        ),
    )
    return analyse_cost(inputs, prices, table), _readiness(config, n)


def _sample_note(capped: Any) -> str:
    if capped.exact:
        return ""
    return (
        f"; token means and total estimated from exact counts of a seeded sample of {capped.sampled:,} training "
        f"examples ({capped.confidence:.0%} interval of the total: {capped.low:,.0f}-{capped.high:,.0f}; --exact-tokens counts all)"
    )


def _output_source(settings: CostSettings, mean_reply: float, n: int) -> str:
    if settings.output_tokens is not None:
        return "given"
    if mean_reply == 0:  # e.g. a reply field the loader did not recognise
        return f"no replies found in the {n:,} training examples: give --output-tokens N or --field output=NAME"
    return f"mean reply of the {n:,} training examples"


def _few_shot(settings: CostSettings, shot_mean: float, counts: TokenCounts, n: int) -> tuple[float, str]:
    if settings.few_shot_tokens is not None:
        return float(settings.few_shot_tokens), "given"
    if settings.prompt_file:
        text = _read_prompt(settings.prompt_file)
        tokens = counts.tokenizer.count(text)
        return float(tokens), f"prompt file {settings.prompt_file} ({tokens:,} tokens, {counts.label})"
    return DEFAULT_SHOTS * shot_mean, (
        f"assumed: {DEFAULT_SHOTS} examples of the training set's mean length without the system prompt "
        f"({DEFAULT_SHOTS} x {shot_mean:,.1f}); give --few-shot-tokens or --prompt"
    )


def _read_prompt(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except UnicodeDecodeError:
        raise InputError(f"{path}: the prompt file is not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the prompt file: {exc.strerror}") from None


def _rule_options(config: Config, rule_id: str) -> Any:
    """A built-in rule's options as configured (defaults included), or None when the rule is
    not installed: the estimate follows the same model, limit and tiers as the check."""
    from dqlint.engine.plugins import discover_rules
    from dqlint.engine.runner import rule_options

    for plugin in discover_rules():
        if plugin.id == rule_id and plugin.rule is not None:
            return rule_options(plugin, config)
    return None


def _readiness(config: Config, train_examples: int, go: bool | None = None) -> str:
    size = _rule_options(config, "dataset-size")
    tiers = {}
    if size is not None:
        tiers = {"min_examples": size.min_examples, "recommended_examples": size.recommended_examples}
    return readiness_note(train_examples, go=go, **tiers)


# -- the report section -----------------------------------------------------------------------


def cost_section(analysis: CostAnalysis, readiness: str) -> dict[str, Any]:
    """The report's ``cost`` value: the estimate with its inputs, a readiness note and a chart."""
    return {**analysis.to_dict(), "readiness": readiness, "charts": [cumulative_cost_chart(analysis)]}


def cumulative_cost_chart(analysis: CostAnalysis) -> dict[str, Any]:
    """Total spend after each month, both ways: where the bars cross is the breakeven."""
    from dqlint.report.charts import bar_chart

    months = analysis.breakeven.months
    horizon = CHART_MONTHS_MIN if months is None else min(CHART_MONTHS_MAX, max(CHART_MONTHS_MIN, math.ceil(months * 2)))
    training = analysis.training_usd or 0.0
    return bar_chart(
        f"Estimated total spend by month ({analysis.prices.model}, {analysis.inputs.requests_per_month:,.0f} requests/month)",
        [f"month {m}" for m in range(horizon + 1)],
        {
            "prompted base model": [round(analysis.monthly_prompted_usd * m, 4) for m in range(horizon + 1)],
            "fine-tuned (incl. training)": [round(training + analysis.monthly_tuned_usd * m, 4) for m in range(horizon + 1)],
        },
        unit=" USD",
    )


@dataclass(frozen=True)
class CostReportSection:
    """The ``cost`` key of a check report, built after the verdict from the run's own token
    counts (shared with the token-length rule)."""

    settings: CostSettings
    config: Config
    key: str = "cost"

    def material(self) -> dict[str, Any]:
        return self.settings.material()

    def build(self, ctx: CheckContext, report: Mapping[str, Any]) -> dict[str, Any]:
        from dqlint.toolkit.tokens import example_token_counts, token_sampling

        token_length = _rule_options(self.config, "token-length")
        model = self.settings.model or getattr(token_length, "model", None) or DEFAULT_MODEL
        info = model_info(model)
        encoding = getattr(token_length, "encoding", None) or (info.encoding if info else "o200k_base")
        if not ctx.dataset.rows("train"):  # nothing to fine-tune on: say so, keep the report
            return {"estimate": True, "model": model, "skipped": "no training examples to estimate the cost from"}
        limit = getattr(token_length, "context_limit", None) or (info.context_limit if info else None)
        counts = example_token_counts(ctx, encoding, **token_sampling(token_length, limit))
        analysis, readiness = estimate_cost(ctx.dataset, self.settings, self.config, counts=counts)
        return cost_section(analysis, readiness)  # the verdict is added by judged()

    def judged(self, value: Any, report: Mapping[str, Any]) -> Any:
        """The readiness note with the final verdict: a no-go set makes the breakeven moot."""
        if not isinstance(value, dict) or "inputs" not in value:
            return value
        go = report.get("verdict") == "go"
        return {**value, "readiness": _readiness(self.config, int(value["inputs"]["train_examples"]), go)}


def cost_sections(config: Config) -> tuple[CostReportSection, ...]:
    """The report sections the config asks for: ``cost`` when traffic is configured. Prices are
    resolved now, so an unknown model fails before any rule runs."""
    settings = CostSettings.from_config(config)
    if settings.requests_per_month is None:
        return ()
    token_length = _rule_options(config, "token-length")
    resolve_prices(settings, settings.model or getattr(token_length, "model", None) or DEFAULT_MODEL)
    return (CostReportSection(settings, config),)
