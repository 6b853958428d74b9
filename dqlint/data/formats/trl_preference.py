"""``trl-preference``: ``{"prompt"?, "chosen", "rejected"}``."""

from __future__ import annotations

from typing import Iterator

from dqlint.data.fields import FieldMap
from dqlint.data.formats.base import (
    Canonical,
    Format,
    Problem,
    ValidationPolicy,
    text_fields,
)
from dqlint.data.formats.messages import messages_view, prompt_side, response_side


def detect(rec: dict, fields: FieldMap) -> bool:
    return "chosen" in rec and "rejected" in rec


def to_canonical(rec: dict, fields: FieldMap) -> Canonical:
    prompt, system, turns = prompt_side(rec.get("prompt"))
    chosen = rec.get("chosen")
    if "prompt" not in rec and isinstance(chosen, list):
        # Implicit prompt: the conversation up to the chosen reply.
        view = messages_view(chosen, "role", "content", None)
        return Canonical(view.input, view.output, view.system, None, view.turns)
    return Canonical(prompt, response_side(chosen), system, None, turns + 1)


_fields = text_fields("chosen", "rejected", optional=("prompt",), message_lists=True)


def validate(rec: dict, policy: ValidationPolicy) -> Iterator[Problem]:
    yield from _fields(rec, policy)
    if rec.get("chosen") == rec.get("rejected") and rec.get("chosen"):
        yield ("preference", "'chosen' and 'rejected' are identical: the pair teaches no preference", True)


FORMAT = Format(
    "trl-preference", order=3, priority=4, detect=detect, to_canonical=to_canonical, validate=validate,
    keys=frozenset({"prompt", "chosen", "rejected"}),
)
