"""``prompt-completion``: ``{"prompt", "completion"}`` (strings or message lists)."""

from __future__ import annotations

from dqlint.data.fields import FieldMap
from dqlint.data.formats.base import Canonical, Format, label_value, text_fields
from dqlint.data.formats.messages import prompt_side, response_side


def detect(rec: dict, fields: FieldMap) -> bool:
    return "prompt" in rec and "completion" in rec


def to_canonical(rec: dict, fields: FieldMap) -> Canonical:
    prompt, system, turns = prompt_side(rec.get("prompt"))
    label = label_value(rec.get("label")) if "label" in rec else None
    return Canonical(prompt, response_side(rec.get("completion")), system, label, turns + 1)


FORMAT = Format(
    "prompt-completion", order=2, priority=8, detect=detect, to_canonical=to_canonical,
    validate=text_fields("prompt", "completion", message_lists=True), keys=frozenset({"prompt", "completion", "label"}),
)
