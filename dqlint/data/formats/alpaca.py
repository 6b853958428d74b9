"""``alpaca``: ``{"instruction", "input"?, "output", "system"?, "history"?}``."""

from __future__ import annotations

from dqlint.data.fields import FieldMap
from dqlint.data.formats.base import Canonical, Format, scalar_text, text_fields


def detect(rec: dict, fields: FieldMap) -> bool:
    return "instruction" in rec and "output" in rec


def to_canonical(rec: dict, fields: FieldMap) -> Canonical:
    instruction = scalar_text(rec.get("instruction"))
    extra = scalar_text(rec.get("input"))
    prompt = instruction + ("\n" + extra if extra else "")
    history = rec.get("history")
    turns = 1 + (len(history) if isinstance(history, list) else 0)
    return Canonical(prompt, scalar_text(rec.get("output")), scalar_text(rec.get("system")), None, turns + 1)


FORMAT = Format(
    "alpaca", order=4, priority=7, detect=detect, to_canonical=to_canonical,
    validate=text_fields("instruction", "output", optional=("input", "system")),
    keys=frozenset({"instruction", "input", "output", "system", "history"}),
)
