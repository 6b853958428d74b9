"""The ``cost`` section of a report (the fine-tuning cost estimate) as rows of text, shared by the
terminal, markdown and HTML reporters and by ``dqlint cost``. Reads only the report dictionary.
"""

from __future__ import annotations

from typing import Any, Mapping

from dqlint.text import number, usd

__all__ = ["cost_notes", "cost_rows", "cost_title"]


def cost_title(cost: Mapping[str, Any]) -> str:
    table = cost.get("price_table") or {}
    if not table:
        return f"Is fine-tuning worth it? Estimates for {cost.get('model')}"
    return (
        f"Is fine-tuning worth it? Estimates for {cost.get('model')} "
        f"(prices as of {table.get('entry_as_of') or table.get('as_of')}, {table.get('source')} price table)"
    )


def cost_rows(cost: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(what, estimate, how it was computed) per figure."""
    if cost.get("skipped"):
        return [("cost estimate", "skipped", str(cost["skipped"]))]
    formulas = cost.get("formulas") or {}
    breakeven = cost.get("breakeven") or {}
    monthly = cost.get("monthly_usd") or {}
    rpm = (cost.get("inputs") or {}).get("requests_per_month")
    sensitivity = [s for s in cost.get("sensitivity") or [] if isinstance(s, Mapping)]
    return [
        ("training (one-time)", usd(cost.get("training_usd")), formulas.get("training", "")),
        ("prompted base model", f"{usd(monthly.get('prompted'))} / month", formulas.get("prompted", "")),
        ("fine-tuned model", f"{usd(monthly.get('fine_tuned'))} / month", formulas.get("fine_tuned", "")),
        ("monthly saving", usd(monthly.get("saving")), f"at {number(rpm)} requests per month"),
        (
            "breakeven",
            _short(breakeven),
            (breakeven.get("reason") or "") if _never(breakeven) else formulas.get("breakeven", ""),
        ),
        (
            "breakeven at -50 % / +50 % traffic",
            " / ".join(_short(s) for s in sensitivity),
            "at " + " and ".join(f"{number(s.get('requests_per_month'))}" for s in sensitivity) + " requests per month",
        ),
    ]


def _never(entry: Mapping[str, Any]) -> bool:
    return bool(entry.get("never")) or entry.get("months") is None


def _short(entry: Mapping[str, Any]) -> str:
    return "never" if _never(entry) else str(entry.get("text") or f"{entry.get('months')} months")


def cost_notes(cost: Mapping[str, Any]) -> list[str]:
    """The inputs behind the figures, the prices' source, and the readiness note."""
    if cost.get("skipped"):
        return []
    i = cost.get("inputs") or {}
    prices = cost.get("prices") or {}
    per_m = prices.get("usd_per_million") or {}
    notes = [
        f"Inputs: {i.get('train_examples', 0):,} training examples, {i.get('billed_training_tokens', 0):,} billed "
        f"training tokens ({i.get('epochs')} epochs: {i.get('epochs_source')}); "
        f"{number(i.get('requests_per_month'))} requests per month; prompt {number(i.get('prompt_tokens'))} tokens "
        f"({i.get('prompt_tokens_source')}); few-shot {number(i.get('few_shot_tokens'))} tokens ({i.get('few_shot_source')}); "
        f"output {number(i.get('output_tokens'))} tokens ({i.get('output_tokens_source')}); counted with {i.get('tokenizer')}.",
        f"Prices (USD per 1M tokens): training {per_m.get('training')}, base {per_m.get('base_input')} in / "
        f"{per_m.get('base_output')} out, fine-tuned {per_m.get('fine_tuned_input')} in / "
        f"{per_m.get('fine_tuned_output')} out"
        + (f", hosting ${prices['fine_tuned_hosting_usd_per_month']:g}/month" if prices.get("fine_tuned_hosting_usd_per_month") else "")
        + f"; source: {prices.get('source')}"
        + (f" (training: {prices['training_source']})" if prices.get("training_source") else "")
        + (f". Note: {prices['note']}" if prices.get("note") else "")
        + ". Every figure is an estimate: check your provider's current prices.",
    ]
    if cost.get("readiness"):
        notes.append(f"Readiness: {cost['readiness']}")
    return notes
