"""Which record fields hold the text, the label, the prompt and the response.

Field names are overridable in config (``[tool.dqlint.fields]``) or with ``--field``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["FieldMap", "DEFAULT_TEXT_FIELDS", "DEFAULT_LABEL_FIELDS", "first_present"]

# Field names tried, in order, when a record has a text and a label but no chat shape.
DEFAULT_TEXT_FIELDS = ("text", "sentence", "content", "review", "document", "question", "utterance", "input")
DEFAULT_LABEL_FIELDS = ("label", "labels", "category", "class", "intent", "sentiment", "target")


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



def first_present(rec: dict, names: tuple[str, ...]) -> str | None:
    """The first of ``names`` that is a key of ``rec``, or None."""
    for name in names:
        if name in rec:
            return name
    return None
