"""Chat turns shared by the conversational formats: mapping a list of turns to the canonical view,
and validating OpenAI-style messages as providers do."""

from __future__ import annotations

import re
from typing import Any, Iterator

from dqlint.data.formats.base import (
    Canonical,
    Problem,
    ValidationPolicy,
    content_text,
    kind_name,
    scalar_text,
)
from dqlint.data.profiles import Profile

__all__ = ["CHAT_ROLES", "MESSAGE_KEYS", "TurnOrder", "messages_view", "prompt_side", "response_side", "validate_chat_messages"]

CHAT_ROLES = ("system", "user", "assistant", "tool", "function")
MESSAGE_KEYS = {"role", "content", "name", "weight", "function_call", "tool_calls", "tool_call_id", "refusal"}
CONTENT_PART_TYPES = ("text", "image_url", "input_audio", "file")
# Message keys that call for the tool-call and weight checks.
CALL_KEYS = frozenset({"tool_calls", "function_call", "tool_call_id", "weight"})


def messages_view(messages: Any, role_key: str, content_key: str, role_map: dict[str, str] | None) -> Canonical:
    """Map a list of chat turns: the output is the last assistant turn; the input is every
    earlier non-system turn; system turns become the system prompt."""
    if not isinstance(messages, list):
        return Canonical("", "", "", None, 0)
    system_parts: list[str] = []
    texts: list[str] = []  # the non-system turns, in order
    last_assistant = -1
    for msg in messages:
        if not isinstance(msg, dict):
            continue
        role = msg.get(role_key)
        if role_map and isinstance(role, str):
            role = role_map.get(role, role)
        content = msg.get(content_key)
        # Most contents are plain strings: only the others go through content_text.
        text = content if type(content) is str else content_text(content)
        if not text and msg.get("tool_calls"):
            text = scalar_text(msg.get("tool_calls"))
        if role == "system":
            system_parts.append(text)
            continue
        if role == "assistant":
            last_assistant = len(texts)
        texts.append(text)
    # str.join hands back a lone string itself, so a one-turn prompt is not copied.
    system = "\n".join(system_parts)
    if last_assistant < 0:
        return Canonical("\n".join(texts), "", system, None, len(messages))
    return Canonical("\n".join(texts[:last_assistant]), texts[last_assistant], system, None, len(messages))


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
    """Every problem of an OpenAI-style message list, as the target profile sees it: keys,
    roles, content, weights, tool calls, and the order of the turns with tool turns in place."""
    profile = policy.profile
    if not isinstance(messages, list):
        yield ("messages", f"{where}'messages' is {kind_name(messages)}, not a list", True)
        return
    if not messages:
        yield ("messages", f"{where}'messages' is empty", True)
        return
    order = TurnOrder(profile)
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
        elif role not in profile.roles:
            yield ("role", f"role {role!r} is not one of {', '.join(r for r in CHAT_ROLES if r in profile.roles and r != 'function')}", True)
        roles.append(role)
        # Most messages are a role and a string: skip the checks that cannot apply (a million
        # records make each generator call count).
        plain = CALL_KEYS.isdisjoint(msg)
        content = msg.get("content")
        if not (plain and type(content) is str and content.strip()):
            yield from _content(msg, n, profile)
        if not plain:
            yield from _weight(msg, n, profile)
        if not plain or role in ("tool", "function"):
            yield from _tool_calls(msg, n, profile)
        answers = _call_answered(msg) if role in ("tool", "function") else None
        yield from order.step(role, n, [] if plain else _calls_made(msg), answers)
    if "assistant" not in roles:
        yield ("no-assistant", f"{where}no assistant message: nothing to learn from", True)
    elif (final_assistant or profile.final_assistant_required) and roles and roles[-1] != "assistant":
        fatal = profile.final_assistant_required
        yield ("last-not-assistant", f"{where}last message is from {roles[-1]!r}, not the assistant: the final turn teaches nothing", fatal)


def _calls_made(msg: dict) -> list[str]:
    """Call ids an assistant turn makes (a legacy ``function_call`` is named by its function)."""
    if msg.get("role") != "assistant":
        return []
    ids = []
    calls = msg.get("tool_calls")
    if isinstance(calls, list):
        ids = [c["id"] for c in calls if isinstance(c, dict) and isinstance(c.get("id"), str) and c["id"]]
    legacy = msg.get("function_call")
    if isinstance(legacy, dict) and isinstance(legacy.get("name"), str):
        ids.append(f"function {legacy['name']}")
    return ids


def _call_answered(msg: dict) -> str | None:
    """The call a tool (or legacy function) result answers."""
    if msg.get("role") == "tool" and isinstance(msg.get("tool_call_id"), str):
        return msg["tool_call_id"]
    if msg.get("role") == "function" and isinstance(msg.get("name"), str):
        return f"function {msg['name']}"
    return None


def _weight(msg: dict, n: str, profile: Profile) -> Iterator[Problem]:
    if "weight" not in msg:
        return
    weight = msg["weight"]
    if isinstance(weight, bool) or weight not in (0, 1):
        yield ("weight", f"{n} weight is {weight!r}; it must be 0 or 1", True)
    elif profile.weight_on_assistant_only and msg.get("role") != "assistant":
        yield ("weight", f"{n}: {profile.display} takes 'weight' on assistant messages only", True)


def _content(msg: dict, n: str, profile: Profile) -> Iterator[Problem]:
    has_tool_calls = bool(msg.get("tool_calls") or msg.get("function_call"))
    if "content" not in msg:
        if not has_tool_calls:
            yield ("missing-key", f"{n} has no 'content'", True)
        return
    content = msg["content"]
    if has_tool_calls and content not in (None, "", []) and not profile.content_with_tool_calls:
        yield ("tool-call", f"{n}: {profile.display} wants content or tool calls in an assistant message, not both", True)
    if content is None or content == "":
        if not has_tool_calls and not msg.get("refusal"):
            yield ("empty-content", f"{n} ({msg.get('role')}) has empty content", True)
    elif isinstance(content, list):
        if not profile.content_parts:
            yield ("content-type", f"{n} content is a list of parts; {profile.display} wants a string", True)
        elif not all(isinstance(p, dict) and p.get("type") in CONTENT_PART_TYPES for p in content):
            yield ("content-type", f"{n} content list holds parts that are not typed text/image parts", True)
        elif not content_text(content).strip() and not any(p.get("type") != "text" for p in content):
            yield ("empty-content", f"{n} ({msg.get('role')}) content parts hold no text", True)
    elif not isinstance(content, str):
        yield ("content-type", f"{n} content is {kind_name(content)}, not a string", True)
    elif not content.strip():
        yield ("empty-content", f"{n} ({msg.get('role')}) content is only whitespace", True)


def _tool_calls(msg: dict, n: str, profile: Profile) -> Iterator[Problem]:
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
                else:
                    yield from _call_id(call["id"], f"{n} tool call {j + 1}", profile)
    legacy = msg.get("function_call")
    if legacy is not None and (not isinstance(legacy, dict) or not legacy.get("name") or not isinstance(legacy.get("arguments"), str)):
        yield ("tool-call", f"{n} function_call needs 'name' and 'arguments' as a JSON string", True)
    # A tool message's id is checked against the calls (see TurnOrder): its shape is the call's.
    if msg.get("role") == "tool" and not msg.get("tool_call_id"):
        yield ("tool-call", f"{n} is a tool message without 'tool_call_id'", True)
    if msg.get("role") == "function" and not msg.get("name"):
        yield ("tool-call", f"{n} is a function message without 'name'", True)


def _call_id(call_id: Any, n: str, profile: Profile) -> Iterator[Problem]:
    if profile.tool_call_id and not (isinstance(call_id, str) and re.fullmatch(profile.tool_call_id, call_id)):
        yield ("tool-call", f"{n} id {call_id!r}: {profile.display} wants {profile.tool_call_id_rule}", True)


class TurnOrder:
    """Checks the order of a conversation's turns one at a time, with tool turns in their place.

    A conversation alternates user and assistant turns after an optional system prompt; an
    assistant turn that calls tools is followed by one tool result per call (in any order, each
    answering its call id) and then by another assistant turn. What a profile tolerates
    (the same role twice, the assistant first, a late system prompt) is not reported.
    """

    def __init__(self, profile: Profile, where: str = "") -> None:
        self.profile = profile
        self.where = where
        self.previous: str | None = None  # "system", "user", "assistant", "calls", "tool" or "unknown"
        self.open_calls: dict[str, str] = {}  # call id -> the message that made it
        self.answered: set[str] = set()

    def step(self, role: Any, n: str, calls: list[str], answers: str | None) -> Iterator[Problem]:
        """One turn: its role, its label (``message 3``), the call ids it makes and the call id
        it answers (tool results)."""
        p = self.profile
        if role == "system":
            if self.previous is not None and not p.late_system:
                yield ("role-order", f"{n}: a system message may only come first", True)
            if self.previous is None:
                self.previous = "system"
            return
        if role in ("tool", "function"):
            yield from self._tool_result(role, n, answers)
            self.previous = "tool"
            return
        if role not in ("user", "assistant"):
            self.previous = "unknown"  # reported as an unknown role; the order around it is moot
            return
        yield from self._unanswered(n)
        if role == "user":
            if self.previous == "user" and not p.same_role_twice:
                yield ("role-order", f"{n}: two 'user' messages in a row; roles must alternate user/assistant", True)
            self.previous = "user"
            return
        if self.previous in (None, "system") and not p.assistant_first:
            yield ("role-order", f"{n}: the assistant speaks before any user message; the first turn after the system prompt must be the user's", True)
        elif self.previous in ("assistant", "calls") and not p.same_role_twice:
            yield ("role-order", f"{n}: two 'assistant' messages in a row; roles must alternate user/assistant (tool results go between a tool call and the reply)", True)
        for call_id in calls:
            self.open_calls[call_id] = n
        self.previous = "calls" if calls else "assistant"

    def _tool_result(self, role: str, n: str, answers: str | None) -> Iterator[Problem]:
        if self.previous not in ("calls", "tool"):
            yield ("role-order", f"{n}: a {role} message must follow an assistant turn that calls a tool", True)
            return
        if answers is None:
            return  # a tool message without tool_call_id is reported by its own check
        if answers in self.open_calls:
            del self.open_calls[answers]
            self.answered.add(answers)
        elif answers in self.answered:
            yield ("tool-call", f"{n} answers call id {answers!r} a second time", True)
        elif role == "tool":
            # Most often the id of an open call mistyped: report it once, here.
            open_call = next(iter(self.open_calls), None)
            hint = f" (the open call is {open_call!r})" if open_call else ""
            self.open_calls.pop(open_call, None)
            yield ("tool-call", f"{n} answers call id {answers!r}, which no earlier assistant turn made{hint}", True)

    def _unanswered(self, n: str) -> Iterator[Problem]:
        if self.open_calls:
            ids = ", ".join(map(repr, self.open_calls))
            yield ("tool-call", f"{n}: tool call(s) {ids} got no tool result before this turn", True)
            self.open_calls.clear()
