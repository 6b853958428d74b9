"""``openai-chat``: ``{"messages": [{"role", "content", ...}], "tools"?}``."""

from __future__ import annotations

from typing import Iterator

from dqlint.data.fields import FieldMap
from dqlint.data.formats.base import Canonical, Format, Problem, ValidationPolicy
from dqlint.data.formats.messages import messages_view, validate_chat_messages


def detect(rec: dict, fields: FieldMap) -> bool:
    return "messages" in rec


def to_canonical(rec: dict, fields: FieldMap) -> Canonical:
    return messages_view(rec.get("messages"), "role", "content", None)


def validate(rec: dict, policy: ValidationPolicy) -> Iterator[Problem]:
    yield from validate_chat_messages(rec.get("messages"), policy, final_assistant=policy.require_final_assistant)


FORMAT = Format(
    "openai-chat", order=0, priority=2, detect=detect, to_canonical=to_canonical, validate=validate,
    keys=frozenset({"messages", "tools", "parallel_tool_calls", "functions"}),
)
