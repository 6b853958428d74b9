"""Which record fields hold the text, the label, the prompt and the response.

Field names are usually inferred per file (:mod:`dqlint.data.schema`); config
(``[tool.dqlint.fields]``) or ``--field`` pins them. A pinned role wins over inference; a list
of names for ``input`` or ``text`` joins those fields (``text = ["title", "description"]``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["FieldMap", "DEFAULT_TEXT_FIELDS", "DEFAULT_LABEL_FIELDS", "PINNABLE_ROLES", "first_present"]

# Field names tried, in order, when a record has a text and a label but no chat shape.
DEFAULT_TEXT_FIELDS = ("text", "sentence", "content", "review", "document", "question", "utterance", "input")
DEFAULT_LABEL_FIELDS = ("label", "labels", "category", "class", "intent", "sentiment", "target")
# Roles a user can pin, in the order reports list them.
PINNABLE_ROLES = ("input", "output", "text", "label", "system", "id")


@dataclass(frozen=True)
class FieldMap:
    """Field names, overridable in config (``[tool.dqlint.fields]``) or with ``--field``.

    ``input``/``output`` name the prompt and response fields; ``text`` and ``label`` the
    classification fields; ``id`` an id column; ``split`` a split column. ``pinned`` holds the
    roles the user named: only those override what inference finds in each file.
    """

    input: tuple[str, ...] = ()
    output: str | None = None
    text: tuple[str, ...] = DEFAULT_TEXT_FIELDS
    label: tuple[str, ...] = DEFAULT_LABEL_FIELDS
    split: str = "split"
    system: str | None = None
    id: str | None = None
    pinned: frozenset[str] = frozenset()

    def pins(self) -> dict[str, tuple[str, ...]]:
        """role -> field names, for the roles the user pinned (report order)."""
        pins: dict[str, tuple[str, ...]] = {}
        for role in PINNABLE_ROLES:
            if role not in self.pinned:
                continue
            value = getattr(self, role)
            names = value if isinstance(value, tuple) else (value,)
            if role == "label":
                names = names[:1]  # one label field
            if names and all(names):
                pins[role] = names
        return pins

    def as_table(self) -> dict[str, Any]:
        """The pinned roles as a ``[fields]`` table (what ``--field`` adds to)."""
        table: dict[str, Any] = {role: list(names) for role, names in self.pins().items()}
        if self.split != "split":
            table["split"] = self.split
        return table

    @classmethod
    def from_config(cls, table: dict[str, Any]) -> FieldMap:
        from dqlint.errors import ConfigError

        known = {"input", "output", "text", "label", "split", "system", "id"}
        unknown = set(table) - known
        if unknown:
            raise ConfigError(f"[fields]: unknown key(s) {', '.join(sorted(unknown))} (known: {', '.join(sorted(known))})")

        def names(key: str) -> tuple[str, ...] | None:
            value = table.get(key)
            if value is None:
                return None
            if isinstance(value, str):
                # --field text=title,description joins two fields, as a list does in config.
                return tuple(v.strip() for v in value.split(",") if v.strip())
            if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
                return tuple(value)
            raise ConfigError(f"[fields]: {key} must be a field name or a list of names, got {value!r}")

        def one(key: str) -> str | None:
            value = table.get(key)
            if isinstance(value, list) and len(value) == 1:
                value = value[0]
            if value is not None and (not isinstance(value, str) or not value):
                raise ConfigError(f"[fields]: {key} must be one field name, got {value!r}")
            return value

        text, label, inputs = names("text"), names("label"), names("input")
        pinned = {k for k in ("input", "output", "text", "label", "system", "id") if table.get(k) is not None}
        return cls(
            input=inputs or (),
            output=one("output"),
            text=text or DEFAULT_TEXT_FIELDS,
            label=label or DEFAULT_LABEL_FIELDS,
            split=one("split") or "split",
            system=one("system"),
            id=one("id"),
            pinned=frozenset(pinned),
        )


def first_present(rec: dict, names: tuple[str, ...]) -> str | None:
    """The first of ``names`` that is a key of ``rec``, or None."""
    for name in names:
        if name in rec:
            return name
    return None
