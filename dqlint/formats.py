"""Record shapes: detect which fine-tuning format a record has and map it to the canonical view.

Each format knows two things: how to recognise a record (``detect_format``) and how to turn it
into canonical columns (``to_canonical``). Mapping never raises: a record that only half fits
its format maps to what can be read, and ``format-consistency`` reports what is wrong with it.

Formats (ids used in reports):

==================== ===============================================================
``openai-chat``       ``{"messages": [{"role", "content", ...}], "tools"?}``
``openai-preference`` ``{"input": {"messages"}, "preferred_output", "non_preferred_output"}``
``prompt-completion`` ``{"prompt", "completion"}`` (strings or message lists)
``trl-preference``    ``{"prompt"?, "chosen", "rejected"}``
``alpaca``            ``{"instruction", "input"?, "output", "system"?, "history"?}``
``sharegpt``          ``{"conversations": [{"from", "value"}], "system"?}``
``bedrock-conversation`` ``{"schemaVersion", "system": [{"text"}], "messages": [{"role", "content": [{"text"}]}]}``
``gemini``            ``{"systemInstruction"?, "contents": [{"role", "parts": [{"text"}]}]}``
``classification``    a text field and a label field
``text``              ``{"text"}``
``custom``            input/output/label fields named in config
==================== ===============================================================
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple

__all__ = ["FieldMap", "Canonical", "FORMATS", "detect_format", "to_canonical", "content_text"]

FORMATS = (
    "openai-chat",
    "openai-preference",
    "prompt-completion",
    "trl-preference",
    "alpaca",
    "sharegpt",
    "bedrock-conversation",
    "gemini",
    "classification",
    "text",
    "custom",
)

# Field names tried, in order, when a record has a text and a label but no chat shape.
DEFAULT_TEXT_FIELDS = ("text", "sentence", "content", "review", "document", "question", "utterance", "input")
DEFAULT_LABEL_FIELDS = ("label", "labels", "category", "class", "intent", "sentiment", "target")

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


@dataclass(frozen=True)
class FieldMap:
    """Field names, overridable in config (``[tool.dqlint.fields]``).

    ``input``/``output`` name custom prompt and response fields; ``text`` and ``label`` name the
    classification fields (several candidates allowed); ``split`` names a split column.
    """

    input: str | None = None
    output: str | None = None
    text: tuple[str, ...] = DEFAULT_TEXT_FIELDS
    label: tuple[str, ...] = DEFAULT_LABEL_FIELDS
    split: str = "split"
    system: str | None = None

    @classmethod
    def from_config(cls, table: dict[str, Any]) -> FieldMap:
        from dqlint.errors import ConfigError

        known = {"input", "output", "text", "label", "split", "system"}
        unknown = set(table) - known
        if unknown:
            raise ConfigError(f"[fields]: unknown key(s) {', '.join(sorted(unknown))} (known: {', '.join(sorted(known))})")

        def names(value: Any, default: tuple[str, ...]) -> tuple[str, ...]:
            if value is None:
                return default
            if isinstance(value, str):
                return (value,)
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                return tuple(value)
            raise ConfigError(f"[fields]: expected a field name or list of names, got {value!r}")

        def one(key: str) -> str | None:
            value = table.get(key)
            if value is not None and not isinstance(value, str):
                raise ConfigError(f"[fields]: {key} must be a field name, got {value!r}")
            return value

        return cls(
            input=one("input"),
            output=one("output"),
            text=names(table.get("text"), DEFAULT_TEXT_FIELDS),
            label=names(table.get("label"), DEFAULT_LABEL_FIELDS),
            split=one("split") or "split",
            system=one("system"),
        )


class Canonical(NamedTuple):
    input: str
    output: str
    system: str
    label: Any
    turns: int


# -- detection ---------------------------------------------------------------------------------


def detect_format(rec: dict, fields: FieldMap) -> str:
    """The format id of one record, or ``"unknown"``."""
    if fields.input and fields.input in rec:
        return "custom"
    if "messages" in rec:
        if "schemaVersion" in rec:
            return "bedrock-conversation"
        return "openai-chat"
    if "preferred_output" in rec or "non_preferred_output" in rec:
        return "openai-preference"
    if "chosen" in rec and "rejected" in rec:
        return "trl-preference"
    if "conversations" in rec:
        return "sharegpt"
    if "contents" in rec:
        return "gemini"
    if "instruction" in rec and "output" in rec:
        return "alpaca"
    if "prompt" in rec and "completion" in rec:
        return "prompt-completion"
    text_field = _first_present(rec, fields.text)
    if text_field is not None and _first_present(rec, fields.label) is not None:
        return "classification"
    if "text" in rec or text_field is not None:
        return "text"
    return "unknown"


def _first_present(rec: dict, names: tuple[str, ...]) -> str | None:
    for name in names:
        if name in rec:
            return name
    return None


# -- mapping -----------------------------------------------------------------------------------


def content_text(content: Any) -> str:
    """Text of a message content: a string, a list of parts ({"text"} / {"type":"text"}), or ""."""
    if isinstance(content, str):
        return content
    if content is None:
        return ""
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict):
                text = part.get("text")
                if isinstance(text, str):
                    parts.append(text)
        return "\n".join(parts)
    if isinstance(content, dict) and isinstance(content.get("text"), str):
        return content["text"]
    return _scalar_text(content)


def _scalar_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def label_value(value: Any) -> Any:
    """Canonical label: None when missing, a string, or a tuple of strings (multi-label).

    Spelling is kept as written ("Positive " stays) so format-consistency can report variants.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return tuple(str(label_value(v)) for v in value if label_value(v) is not None)
    if hasattr(value, "tolist"):  # NumPy arrays from Parquet / datasets
        return label_value(value.tolist())
    text = str(value)
    return text if text != "" else None


def _messages_view(messages: Any, role_key: str, content_key: str, role_map: dict[str, str] | None) -> Canonical:
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
            text = _scalar_text(msg.get("tool_calls"))
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


def _openai_chat(rec: dict, fields: FieldMap) -> Canonical:
    return _messages_view(rec.get("messages"), "role", "content", None)


def _openai_preference(rec: dict, fields: FieldMap) -> Canonical:
    inp = rec.get("input")
    messages = inp.get("messages") if isinstance(inp, dict) else inp
    view = _messages_view(messages if isinstance(messages, list) else [], "role", "content", None)
    preferred = rec.get("preferred_output")
    out = ""
    if isinstance(preferred, list) and preferred and isinstance(preferred[0], dict):
        out = content_text(preferred[0].get("content"))
    prompt = "\n".join(x for x in (view.input, view.output) if x)
    return Canonical(prompt, out, view.system, None, view.turns + 1)


def _prompt_side(value: Any) -> tuple[str, str, int]:
    """A prompt that is a string or a message list -> (text, system, turns)."""
    if isinstance(value, list):
        view = _messages_view(value, "role", "content", None)
        text = "\n".join(x for x in (view.input, view.output) if x)
        return text, view.system, view.turns
    return _scalar_text(value), "", 1


def _response_side(value: Any) -> str:
    if isinstance(value, list):
        return "\n".join(
            content_text(m.get("content")) if isinstance(m, dict) else _scalar_text(m) for m in value
        )
    return _scalar_text(value)


def _prompt_completion(rec: dict, fields: FieldMap) -> Canonical:
    prompt, system, turns = _prompt_side(rec.get("prompt"))
    label = label_value(rec.get("label")) if "label" in rec else None
    return Canonical(prompt, _response_side(rec.get("completion")), system, label, turns + 1)


def _trl_preference(rec: dict, fields: FieldMap) -> Canonical:
    prompt, system, turns = _prompt_side(rec.get("prompt"))
    chosen = rec.get("chosen")
    if "prompt" not in rec and isinstance(chosen, list):
        # Implicit prompt: the conversation up to the chosen reply.
        view = _messages_view(chosen, "role", "content", None)
        return Canonical(view.input, view.output, view.system, None, view.turns)
    return Canonical(prompt, _response_side(chosen), system, None, turns + 1)


def _alpaca(rec: dict, fields: FieldMap) -> Canonical:
    instruction = _scalar_text(rec.get("instruction"))
    extra = _scalar_text(rec.get("input"))
    prompt = instruction + ("\n" + extra if extra else "")
    history = rec.get("history")
    turns = 1 + (len(history) if isinstance(history, list) else 0)
    return Canonical(prompt, _scalar_text(rec.get("output")), _scalar_text(rec.get("system")), None, turns + 1)


def _sharegpt(rec: dict, fields: FieldMap) -> Canonical:
    view = _messages_view(rec.get("conversations"), "from", "value", SHAREGPT_ROLES)
    system = _scalar_text(rec.get("system")) if "system" in rec else view.system
    return view._replace(system=system or view.system)


def _bedrock(rec: dict, fields: FieldMap) -> Canonical:
    view = _messages_view(rec.get("messages"), "role", "content", None)
    return view._replace(system=content_text(rec.get("system")))


def _gemini(rec: dict, fields: FieldMap) -> Canonical:
    view = _messages_view(rec.get("contents"), "role", "parts", {"model": "assistant", "user": "user"})
    sys_inst = rec.get("systemInstruction")
    system = content_text(sys_inst.get("parts")) if isinstance(sys_inst, dict) else ""
    return view._replace(system=system)


def _classification(rec: dict, fields: FieldMap) -> Canonical:
    text_field = _first_present(rec, fields.text)
    label_field = _first_present(rec, fields.label)
    text = _scalar_text(rec.get(text_field)) if text_field else ""
    label = label_value(rec.get(label_field)) if label_field else None
    return Canonical(text, "", _scalar_text(rec.get(fields.system)) if fields.system else "", label, 1)


def _text(rec: dict, fields: FieldMap) -> Canonical:
    text_field = _first_present(rec, fields.text) or "text"
    return Canonical(_scalar_text(rec.get(text_field)), "", "", None, 1)


def _custom(rec: dict, fields: FieldMap) -> Canonical:
    label_field = _first_present(rec, fields.label)
    return Canonical(
        _scalar_text(rec.get(fields.input)) if fields.input else "",
        _scalar_text(rec.get(fields.output)) if fields.output else "",
        _scalar_text(rec.get(fields.system)) if fields.system else "",
        label_value(rec.get(label_field)) if label_field else None,
        2 if fields.output else 1,
    )


def _unknown(rec: dict, fields: FieldMap) -> Canonical:
    return Canonical("", "", "", None, 0)


MAPPERS: dict[str, Callable[[dict, FieldMap], Canonical]] = {
    "openai-chat": _openai_chat,
    "openai-preference": _openai_preference,
    "prompt-completion": _prompt_completion,
    "trl-preference": _trl_preference,
    "alpaca": _alpaca,
    "sharegpt": _sharegpt,
    "bedrock-conversation": _bedrock,
    "gemini": _gemini,
    "classification": _classification,
    "text": _text,
    "custom": _custom,
    "unknown": _unknown,
}


def to_canonical(rec: dict, fmt: str, fields: FieldMap) -> Canonical:
    """Map a record of format ``fmt``. Never raises: odd shapes map to what can be read."""
    try:
        return MAPPERS[fmt](rec, fields)
    except (TypeError, AttributeError, ValueError, KeyError, IndexError):
        return Canonical("", "", "", None, 0)


@dataclass
class FormatTally:
    """Counts of detected formats in one file; the file's format is the most common one."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, fmt: str) -> None:
        self.counts[fmt] = self.counts.get(fmt, 0) + 1

    def dominant(self) -> str:
        known = {k: v for k, v in self.counts.items() if k != "unknown"}
        if not known:
            return "unknown" if self.counts else "empty"
        return max(known.items(), key=lambda kv: (kv[1], -FORMATS.index(kv[0])))[0]
