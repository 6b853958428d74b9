"""What a fine-tuning format is, and the value helpers every format shares.

A format is one module in this package that defines ``FORMAT``, a :class:`Format`: its id,
how to recognise a record (``detect``), how to map it to the canonical view
(``to_canonical``), how to validate it the way providers do (``validate``) and which
top-level keys it defines. Mapping never raises: a record that only half fits its format maps
to what can be read, and validation says what is wrong with it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, NamedTuple

from dqlint.data.fields import FieldMap
from dqlint.data.profiles import PROFILES, Profile

__all__ = [
    "Canonical",
    "Format",
    "Problem",
    "ValidationPolicy",
    "content_text",
    "scalar_text",
    "label_value",
    "kind_name",
    "no_problems",
    "text_fields",
]

# (kind, message, fatal): one thing wrong with a record; fatal problems block it.
Problem = tuple[str, str, bool]


class Canonical(NamedTuple):
    input: str
    output: str
    system: str
    label: Any
    turns: int


@dataclass(frozen=True)
class ValidationPolicy:
    """What the user accepts beyond what a format defines (the format-consistency options), and
    the provider profile records are checked against (``--target``)."""

    allow_extra_keys: bool = False
    ignore_keys: frozenset[str] = frozenset()
    require_final_assistant: bool = True
    profile: Profile = PROFILES["generic"]


Detector = Callable[[dict, FieldMap], bool]
Mapper = Callable[[dict, FieldMap], Canonical]
Validator = Callable[[dict, ValidationPolicy], Iterator[Problem]]


def no_problems(rec: dict, policy: ValidationPolicy) -> Iterator[Problem]:
    """Validator of formats whose fields the loader picked (empty values show in the view)."""
    return iter(())


@dataclass(frozen=True)
class Format:
    """One fine-tuning record shape.

    ``order`` is its place in reports (and breaks ties when a file holds equally many records of
    two formats); ``priority`` is when it is tried during detection (lower first: shapes whose
    keys are more specific come before the generic ones). ``keys`` are the top-level keys the
    format defines (None: any key is fine).
    """

    id: str
    order: int
    priority: int
    detect: Detector
    to_canonical: Mapper
    validate: Validator = no_problems
    keys: frozenset[str] | None = field(default=None)


# -- value helpers -------------------------------------------------------------------------------


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
    return scalar_text(content)


def scalar_text(value: Any) -> str:
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


def kind_name(value: Any) -> str:
    """How a validation message names a JSON value's type ("an object", "a list", ...)."""
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}.get(type(value), type(value).__name__)


# -- validators shared by formats whose fields are plain strings ---------------------------------


def text_fields(*keys: str, optional: tuple[str, ...] = (), message_lists: bool = False) -> Validator:
    """Validator for formats whose fields are strings that must not be empty; with
    ``message_lists`` a field may also be a list of messages where the profile takes one (TRL's
    conversational prompt/completion)."""

    def validate(rec: dict, policy: ValidationPolicy) -> Iterator[Problem]:
        lists = message_lists and policy.profile.message_list_completions
        for key in keys:
            yield from text_value(rec, key, required=True, message_lists=lists, profile=policy.profile)
        for key in optional:
            if key in rec:
                yield from text_value(rec, key, required=False, message_lists=lists, profile=policy.profile)

    return validate


def text_value(rec: dict, key: str, *, required: bool, message_lists: bool = False, profile: Profile | None = None) -> Iterator[Problem]:
    if key not in rec:
        if required:
            yield ("missing-key", f"missing key {key!r}", True)
        return
    value = rec[key]
    if isinstance(value, list):
        yield from _list_value(key, value, message_lists, profile)
        return
    if value is None or (isinstance(value, float) and value != value):
        if required:
            yield ("empty-content", f"{key!r} is null", True)
    elif not isinstance(value, str):
        yield ("content-type", f"{key!r} is {kind_name(value)}, not a string", True)
    elif required and not value.strip():
        yield ("empty-content", f"{key!r} is empty", True)


def _list_value(key: str, value: list, message_lists: bool, profile: Profile | None) -> Iterator[Problem]:
    """A list where a string is expected: only a list of messages, only where the target takes
    one (TRL's conversational prompt/completion); a list of strings no provider reads."""
    if not value:
        yield ("empty-content", f"{key!r} is an empty list", True)
    elif not all(isinstance(m, dict) and "role" in m for m in value):
        yield ("content-type", f"{key!r} is a list of {_list_items(value)}, not a string: no provider reads it (join it into one string, or write a list of messages)", True)
    elif not message_lists:
        target = profile.display if profile else "this target"
        yield ("content-type", f"{key!r} is a list of messages; {target} wants a string here (TRL takes message lists)", True)


def _list_items(value: list) -> str:
    kinds = {kind_name(v) for v in value}
    return "strings" if kinds == {"a string"} else "values that are not messages"


def messages_field(key: str) -> Validator:
    """Validator for formats that only need ``key`` to be a non-empty list."""

    def validate(rec: dict, policy: ValidationPolicy) -> Iterator[Problem]:
        value = rec.get(key)
        if not isinstance(value, list) or not value:
            yield ("messages", f"{key!r} must be a non-empty list", True)

    return validate
