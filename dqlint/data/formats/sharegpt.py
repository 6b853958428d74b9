"""``sharegpt``: ``{"conversations": [{"from", "value"}], "system"?, "tools"?}``."""

from __future__ import annotations

from typing import Iterator

from dqlint.data.fields import FieldMap
from dqlint.data.formats.base import (
    Canonical,
    Format,
    Problem,
    ValidationPolicy,
    scalar_text,
)
from dqlint.data.formats.messages import TurnOrder, messages_view

SHAREGPT_ROLES = {
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "model": "assistant",
    "bot": "assistant",
    "system": "system",
    "observation": "tool",
    "tool": "tool",
    "function_call": "assistant",
    "function": "tool",
}


def detect(rec: dict, fields: FieldMap) -> bool:
    return "conversations" in rec


def to_canonical(rec: dict, fields: FieldMap) -> Canonical:
    view = messages_view(rec.get("conversations"), "from", "value", SHAREGPT_ROLES)
    system = scalar_text(rec.get("system")) if "system" in rec else view.system
    return view._replace(system=system or view.system)


def validate(rec: dict, policy: ValidationPolicy) -> Iterator[Problem]:
    conv = rec.get("conversations")
    if not isinstance(conv, list) or not conv:
        yield ("messages", "'conversations' must be a non-empty list", True)
        return
    order = TurnOrder(policy.profile)
    roles = []
    for i, turn in enumerate(conv):
        n = f"turn {i + 1}"
        if not isinstance(turn, dict) or "from" not in turn or "value" not in turn:
            yield ("message", f"{n} must be an object with 'from' and 'value'", True)
            continue
        role = SHAREGPT_ROLES.get(turn["from"])
        if role is None:
            yield ("role", f"{n}: 'from' {turn['from']!r} is not one of human, gpt, system, observation, function_call", True)
        roles.append(role)
        if not isinstance(turn["value"], str) or not turn["value"].strip():
            yield ("empty-content", f"{n} has an empty or non-string 'value'", True)
        # A function_call turn calls a tool; the observation after it answers that call.
        calls = [f"call in turn {i + 1}"] if turn["from"] == "function_call" else []
        answers = next(iter(order.open_calls), None) if role == "tool" else None
        yield from order.step(role, n, calls, answers)
    if "assistant" not in roles:
        yield ("no-assistant", "no 'gpt' turn: nothing to learn from", True)


FORMAT = Format(
    "sharegpt", order=5, priority=5, detect=detect, to_canonical=to_canonical, validate=validate,
    keys=frozenset({"conversations", "system", "tools"}),
)
