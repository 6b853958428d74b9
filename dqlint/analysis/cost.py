"""Is fine-tuning worth it? Training cost, inference cost and the breakeven, as estimates.

Pure arithmetic on token counts and prices (no dataset, no rule, no I/O; the price table is
:mod:`dqlint.analysis.pricing`). Every figure comes out with the inputs that produced it, so a report
can always show "this number, from these numbers":

    training            = billed training tokens x USD per 1M training tokens / 1e6
                          (billed = sum over examples of min(limit, tokens), x epochs)
    per call, prompted  = (prompt + few-shot) x base input price + output x base output price
    per call, tuned     = prompt x fine-tuned input price + output x fine-tuned output price
    monthly             = per call x requests per month (+ the tuned model's hosting fee, if any)
    breakeven (months)  = training / (monthly prompted - monthly tuned), "never" when <= 0

"Prompted" is the base model given the few-shot examples (or a long system prompt) on every
call; "tuned" is the fine-tuned model given the prompt without them. Prices are per 1M tokens
and come from a small, dated price table (``dqlint/analysis/prices.toml``, overridable) -- they
change often, which is why every result carries the table's date and the entry's source.

Deliberately ignored: cached-input and batch discounts, long-context price steps, retries,
and the engineering time either option takes. Those shift the figures; the formula shows
where.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dqlint.analysis.pricing import ModelPrices, PriceTable
from dqlint.text import number, usd

__all__ = [
    "BreakEven",
    "CostAnalysis",
    "CostInputs",
    "analyse_cost",
    "readiness_note",
]

PER_MILLION = 1_000_000
# Traffic factors of the sensitivity line: the breakeven at half and one and a half times the
# stated traffic (traffic estimates are rarely better than that).
SENSITIVITY_FACTORS = (0.5, 1.5)


# -- the analysis -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CostInputs:
    """What the estimate is computed from, each with where it came from (``*_source``):
    measured on the training split, given as an option, or a stated default."""

    train_examples: int
    billed_training_tokens: int  # sum of min(limit, tokens) over the training split, x epochs
    epochs: int
    requests_per_month: float
    prompt_tokens: float  # per call, without few-shot examples: the data's mean prompt
    output_tokens: float  # per call: the data's mean reply, or given
    few_shot_tokens: float  # added to every prompted call
    epochs_source: str = ""
    prompt_tokens_source: str = ""
    output_tokens_source: str = ""
    few_shot_source: str = ""
    tokenizer: str = ""
    # (low, high) when the token counts were estimated from a sample (99 % interval).
    billed_training_tokens_interval: tuple[int, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        interval = self.billed_training_tokens_interval
        return {
            "train_examples": self.train_examples,
            "billed_training_tokens": self.billed_training_tokens,
            "epochs": self.epochs,
            "epochs_source": self.epochs_source,
            "requests_per_month": _num(self.requests_per_month),
            "prompt_tokens": round(self.prompt_tokens, 1),
            "prompt_tokens_source": self.prompt_tokens_source,
            "few_shot_tokens": round(self.few_shot_tokens, 1),
            "few_shot_source": self.few_shot_source,
            "output_tokens": round(self.output_tokens, 1),
            "output_tokens_source": self.output_tokens_source,
            "tokenizer": self.tokenizer,
            **({} if interval is None else {"billed_training_tokens_interval": list(interval), "token_counts_estimated": True}),
        }


@dataclass(frozen=True)
class BreakEven:
    """Months until the training cost is paid back by the monthly saving; ``months`` is None
    when it never is, and ``reason`` says why."""

    months: float | None
    requests_per_month: float
    reason: str = ""

    @property
    def never(self) -> bool:
        return self.months is None

    def text(self) -> str:
        if self.months is None:
            return f"never ({self.reason})"
        return f"{_months_text(self.months)} (est.)"

    def to_dict(self) -> dict[str, Any]:
        return {
            "requests_per_month": _num(self.requests_per_month),
            "months": None if self.months is None else round(self.months, 2),
            "text": "never" if self.months is None else _months_text(self.months),
            "never": self.never,
            "reason": self.reason or None,
        }


@dataclass(frozen=True)
class CostAnalysis:
    """The estimate: one-time training cost, monthly inference cost both ways, the breakeven
    and how it moves with traffic. All USD, all estimates."""

    inputs: CostInputs
    prices: ModelPrices
    price_table_as_of: str
    price_table_source: str
    training_usd: float | None
    per_call_prompted_usd: float
    per_call_tuned_usd: float
    monthly_prompted_usd: float
    monthly_tuned_usd: float
    breakeven: BreakEven
    sensitivity: tuple[BreakEven, ...]

    @property
    def monthly_saving_usd(self) -> float:
        return self.monthly_prompted_usd - self.monthly_tuned_usd

    def formulas(self) -> dict[str, str]:
        """Each figure as the arithmetic that produced it, with the numbers filled in."""
        i, p = self.inputs, self.prices
        training = (
            f"{i.billed_training_tokens:,} billed tokens x ${p.training:g}/1M = {_usd(self.training_usd)}"
            if self.training_usd is not None and p.training is not None
            else "no training price for this model"
        )
        prompted = (
            f"({_tok(i.prompt_tokens)} prompt + {_tok(i.few_shot_tokens)} few-shot) x ${p.base_input:g}/1M"
            f" + {_tok(i.output_tokens)} output x ${p.base_output:g}/1M = {_usd(self.per_call_prompted_usd)} per call"
            f"; x {_num(i.requests_per_month):,} requests = {_usd(self.monthly_prompted_usd)} per month"
        )
        tuned = (
            f"{_tok(i.prompt_tokens)} prompt x ${p.tuned_input:g}/1M + {_tok(i.output_tokens)} output x "
            f"${p.tuned_output:g}/1M = {_usd(self.per_call_tuned_usd)} per call; x {_num(i.requests_per_month):,} "
            f"requests{f' + ${p.tuned_hosting_per_month:g} hosting' if p.tuned_hosting_per_month else ''}"
            f" = {_usd(self.monthly_tuned_usd)} per month"
        )
        if self.breakeven.months is not None:
            breakeven = (
                f"{_usd(self.training_usd, precise=True)} / ({_usd(self.monthly_prompted_usd, precise=True)}"
                f" - {_usd(self.monthly_tuned_usd, precise=True)}"
                f" per month) = {_months_text(self.breakeven.months)}"
            )
        else:
            breakeven = f"never: {self.breakeven.reason}"
        return {"training": training, "prompted": prompted, "fine_tuned": tuned, "breakeven": breakeven}

    def to_dict(self) -> dict[str, Any]:
        return {
            "estimate": True,
            "model": self.prices.model,
            "price_table": {
                "as_of": self.price_table_as_of,
                "source": self.price_table_source,
                "entry_as_of": self.prices.as_of,
                "entry_source": self.prices.source,
            },
            "prices": self.prices.to_dict(),
            "inputs": self.inputs.to_dict(),
            "training_usd": _money(self.training_usd),
            "per_call_usd": {
                "prompted": _money(self.per_call_prompted_usd, 8),
                "fine_tuned": _money(self.per_call_tuned_usd, 8),
            },
            "monthly_usd": {
                "prompted": _money(self.monthly_prompted_usd),
                "fine_tuned": _money(self.monthly_tuned_usd),
                "saving": _money(self.monthly_saving_usd),
            },
            "breakeven": self.breakeven.to_dict(),
            "sensitivity": [b.to_dict() for b in self.sensitivity],
            "formulas": self.formulas(),
        }


def analyse_cost(inputs: CostInputs, prices: ModelPrices, table: PriceTable) -> CostAnalysis:
    """The whole estimate for ``inputs`` at ``prices`` (an entry of ``table``, whose date and
    source are carried into the result)."""
    training = None if prices.training is None else inputs.billed_training_tokens * prices.training / PER_MILLION
    prompted = per_call_prompted(inputs, prices)
    tuned = per_call_tuned(inputs, prices)
    rpm = inputs.requests_per_month
    return CostAnalysis(
        inputs=inputs,
        prices=prices,
        price_table_as_of=table.as_of,
        price_table_source=table.source,
        training_usd=training,
        per_call_prompted_usd=prompted,
        per_call_tuned_usd=tuned,
        monthly_prompted_usd=prompted * rpm,
        monthly_tuned_usd=monthly_tuned(tuned, rpm, prices),
        breakeven=breakeven(training, prompted, tuned, rpm, prices),
        sensitivity=tuple(breakeven(training, prompted, tuned, rpm * f, prices) for f in SENSITIVITY_FACTORS),
    )


def per_call_prompted(inputs: CostInputs, prices: ModelPrices) -> float:
    """One call to the base model with the few-shot examples in its prompt."""
    return (
        (inputs.prompt_tokens + inputs.few_shot_tokens) * prices.base_input
        + inputs.output_tokens * prices.base_output
    ) / PER_MILLION


def per_call_tuned(inputs: CostInputs, prices: ModelPrices) -> float:
    """One call to the fine-tuned model: the prompt alone, at its own per-token prices."""
    return (inputs.prompt_tokens * prices.tuned_input + inputs.output_tokens * prices.tuned_output) / PER_MILLION


def monthly_tuned(per_call: float, requests_per_month: float, prices: ModelPrices) -> float:
    return per_call * requests_per_month + prices.tuned_hosting_per_month


def breakeven(
    training_usd: float | None, prompted: float, tuned: float, requests_per_month: float, prices: ModelPrices
) -> BreakEven:
    """Months for the monthly saving to repay the training run at ``requests_per_month``."""
    if training_usd is None:
        return BreakEven(None, requests_per_month, "no training price for this model")
    saving = prompted * requests_per_month - monthly_tuned(tuned, requests_per_month, prices)
    if saving > 0:
        return BreakEven(training_usd / saving, requests_per_month)
    if requests_per_month <= 0:
        reason = "no traffic: nothing to save per month"
    elif tuned >= prompted:
        reason = "the fine-tuned model costs more per call than the prompted base model"
    else:
        reason = "the fine-tuned model's hosting fee exceeds the per-call saving at this traffic"
    return BreakEven(None, requests_per_month, reason)


# -- readiness -----------------------------------------------------------------------------------


def readiness_note(
    train_examples: int, *, min_examples: int = 100, recommended_examples: int = 500, go: bool | None = None
) -> str:
    """One sentence on whether the data is ready, next to the money: examples against the
    size tiers of ``dataset-size``, and the check's verdict when it was run (a no-go set
    makes any breakeven moot)."""
    if train_examples < min_examples:
        size = f"{train_examples:,} training examples is below the {min_examples:,}-example minimum"
    elif train_examples < recommended_examples:
        size = f"{train_examples:,} training examples meets the {min_examples:,} minimum but not the recommended {recommended_examples:,} (edge cases will be thin)"
    else:
        size = f"{train_examples:,} training examples meets the recommended {recommended_examples:,}"
    if go is None:
        verdict = "run `dqlint check` for the readiness verdict before trusting a breakeven"
    elif go:
        verdict = "the set passed the readiness check"
    else:
        verdict = "the set is NO-GO: fix the data first; until then any breakeven is moot"
    return f"{size}; {verdict}."


# -- formatting helpers (figures shown with their unit and precision) -----------------------------


def _num(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _money(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _tok(value: float) -> str:
    return number(round(value, 1))


def _usd(value: float | None, *, precise: bool = False) -> str:
    """``precise`` keeps four decimals under $100, so a quotient can be checked by hand."""
    return usd(value, decimals=4 if precise and value is not None and abs(value) < 100 else None)


def _months_text(months: float) -> str:
    """Months, or days or hours when under a month (a month counted as 30 days)."""
    days = months * 30
    if days >= 30:
        return f"{months:,.1f} months"
    if days >= 1:
        return f"{days:.0f} days"
    return f"{days * 24:.0f} hours" if days * 24 >= 1 else "under an hour"
