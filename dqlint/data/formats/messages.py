"""Chat turns shared by the conversational formats: mapping a list of turns to the canonical view,
and validating OpenAI-style messages as providers do."""

from __future__ import annotations

from typing import Any, Iterator

from dqlint.data.formats.base import (
    Canonical,
    Problem,
    ValidationPolicy,
    content_text,
    kind_name,
    scalar_text,
)

__all__ = ["CHAT_ROLES", "MESSAGE_KEYS", "messages_view", "prompt_side", "response_side", "validate_chat_messages"]

CHAT_ROLES = ("system", "user", "assistant", "tool", "function")
MESSAGE_KEYS = {"role", "content", "name", "weight", "function_call", "tool_calls", "tool_call_id", "refusal"}


def messages_view(messages: Any, role_key: str, content_key: str, role_map: dict[str, str] | None) -> Canonical:
    """Map a list of chat turns: the output is the last assistant turn; the input is every
    earlier non-system turn; system turns become the system prompt."""
    if not isinstance(messages, list):
        return Canonical("", "", "", None, 0)
    system_parts: list[str] = []
    turns: list[tuple[str, str]] = []
    for msg in messages:
        if not isinstance(msg, dict):
            continue
        role = msg.get(role_key)
        role = role_map.get(role, role) if role_map and isinstance(role, str) else role
        text = content_text(msg.get(content_key))
        if not text and msg.get("tool_calls"):
            text = scalar_text(msg.get("tool_calls"))
        if role == "system":
            system_parts.append(text)
        else:
            turns.append((role if isinstance(role, str) else "", text))
    last_assistant = max((i for i, (role, _) in enumerate(turns) if role == "assistant"), default=None)
    if last_assistant is None:
        return Canonical("\n".join(t for _, t in turns), "", "\n".join(system_parts), None, len(messages))
    return Canonical(
        "\n".join(t for _, t in turns[:last_assistant]),
        turns[last_assistant][1],
        "\n".join(system_parts),
        None,
        len(messages),
    )


def prompt_side(value: Any) -> tuple[str, str, int]:
    """A prompt that is a string or a message list -> (text, system, turns)."""
    if isinstance(value, list):
        view = messages_view(value, "role", "content", None)
        text = "\n".join(x for x in (view.input, view.output) if x)
        return text, view.system, view.turns
    return scalar_text(value), "", 1


def response_side(value: Any) -> str:
    if isinstance(value, list):
        return "\n".join(
            content_text(m.get("content")) if isinstance(m, dict) else scalar_text(m) for m in value
        )
    return scalar_text(value)


def validate_chat_messages(messages: Any, policy: ValidationPolicy, *, final_assistant: bool, where: str = "") -> Iterator[Problem]:
    if not isinstance(messages, list):
        yield ("messages", f"{where}'messages' is {kind_name(messages)}, not a list", True)
        return
    if not messages:
        yield ("messages", f"{where}'messages' is empty", True)
        return
    previous = None
    roles = []
    for i, msg in enumerate(messages):
        n = f"{where}message {i + 1}"
        if not isinstance(msg, dict):
            yield ("message", f"{n} is {kind_name(msg)}, not an object", True)
            continue
        if not MESSAGE_KEYS.issuperset(msg):
            unknown = sorted(str(k) for k in msg if k not in MESSAGE_KEYS)
            yield ("unknown-key", f"{n} has unknown key(s) {', '.join(map(repr, unknown))}", True)
        role = msg.get("role")
        if "role" not in msg:
            yield ("missing-key", f"{n} has no 'role'", True)
        elif role not in CHAT_ROLES:
            yield ("role", f"role {role!r} is not one of system, user, assistant, tool", True)
        roles.append(role)
        yield from _content(msg, n)
        if "weight" in msg and msg["weight"] not in (0, 1) or isinstance(msg.get("weight"), bool):
            yield ("weight", f"{n} weight is {msg['weight']!r}; it must be 0 or 1", True)
        yield from _tool_calls(msg, n)
        if role == "system" and i > 0:
            yield ("role-order", f"{n}: a system message may only come first", True)
        if role in ("user", "assistant") and role == previous:
            yield ("role-order", f"{n}: two '{role}' messages in a row; roles must alternate user/assistant", True)
        if role in ("user", "assistant"):
            previous = role
    if "assistant" not in roles:
        yield ("no-assistant", f"{where}no assistant message: nothing to learn from", True)
    elif final_assistant and roles and roles[-1] != "assistant":
        yield ("last-not-assistant", f"{where}last message is from {roles[-1]!r}, not the assistant: the final turn teaches nothing", False)


def _content(msg: dict, n: str) -> Iterator[Problem]:
    has_tool_calls = bool(msg.get("tool_calls") or msg.get("function_call"))
    if "content" not in msg:
        if not has_tool_calls:
            yield ("missing-key", f"{n} has no 'content'", True)
        return
    content = msg["content"]
    if content is None or content == "":
        if not has_tool_calls and not msg.get("refusal"):
            yield ("empty-content", f"{n} ({msg.get('role')}) has empty content", True)
    elif isinstance(content, list):
        if not all(isinstance(p, dict) and p.get("type") in ("text", "image_url", "input_audio", "file") for p in content):
            yield ("content-type", f"{n} content list holds parts that are not typed text/image parts", True)
    elif not isinstance(content, str):
        yield ("content-type", f"{n} content is {kind_name(content)}, not a string", True)
    elif not content.strip():
        yield ("empty-content", f"{n} ({msg.get('role')}) content is only whitespace", True)


def _tool_calls(msg: dict, n: str) -> Iterator[Problem]:
    calls = msg.get("tool_calls")
    if calls is not None:
        if not isinstance(calls, list):
            yield ("tool-call", f"{n} tool_calls is {kind_name(calls)}, not a list", True)
        else:
            for j, call in enumerate(calls):
                fn = call.get("function") if isinstance(call, dict) else None
                if not isinstance(call, dict) or not call.get("id") or not isinstance(fn, dict):
                    yield ("tool-call", f"{n} tool call {j + 1} needs 'id' and 'function'", True)
                elif not fn.get("name") or not isinstance(fn.get("arguments"), str):
                    yield ("tool-call", f"{n} tool call {j + 1} needs function.name and function.arguments as a JSON string", True)
    if msg.get("role") == "tool" and not msg.get("tool_call_id"):
        yield ("tool-call", f"{n} is a tool message without 'tool_call_id'", True)
