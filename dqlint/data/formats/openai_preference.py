"""``openai-preference`` (DPO): ``{"input": {"messages"}, "preferred_output", "non_preferred_output"}``."""

from __future__ import annotations

from typing import Iterator

from dqlint.data.fields import FieldMap
from dqlint.data.formats.base import (
    Canonical,
    Format,
    Problem,
    ValidationPolicy,
    content_text,
)
from dqlint.data.formats.messages import messages_view


def detect(rec: dict, fields: FieldMap) -> bool:
    return "preferred_output" in rec or "non_preferred_output" in rec


def to_canonical(rec: dict, fields: FieldMap) -> Canonical:
    inp = rec.get("input")
    messages = inp.get("messages") if isinstance(inp, dict) else inp
    view = messages_view(messages if isinstance(messages, list) else [], "role", "content", None)
    preferred = rec.get("preferred_output")
    out = ""
    if isinstance(preferred, list) and preferred and isinstance(preferred[0], dict):
        out = content_text(preferred[0].get("content"))
    prompt = "\n".join(x for x in (view.input, view.output) if x)
    return Canonical(prompt, out, view.system, None, view.turns + 1)


def validate(rec: dict, policy: ValidationPolicy) -> Iterator[Problem]:
    inp = rec.get("input")
    if not isinstance(inp, dict) or not isinstance(inp.get("messages"), list) or not inp["messages"]:
        yield ("messages", "'input' must be an object with a non-empty 'messages' list", True)
    elif isinstance(inp["messages"][-1], dict) and inp["messages"][-1].get("role") == "assistant":
        yield ("role-order", "the last input message is from the assistant; it must be the user's turn", True)
    for key in ("preferred_output", "non_preferred_output"):
        value = rec.get(key)
        if not isinstance(value, list) or len(value) != 1 or not isinstance(value[0], dict) or value[0].get("role") != "assistant":
            yield ("preference", f"'{key}' must be a list of exactly one assistant message", True)
        elif not isinstance(value[0].get("content"), str) or not value[0]["content"].strip():
            yield ("empty-content", f"'{key}' has empty or non-string content", True)


FORMAT = Format(
    "openai-preference", order=1, priority=3, detect=detect, to_canonical=to_canonical, validate=validate,
    keys=frozenset({"input", "preferred_output", "non_preferred_output"}),
)
