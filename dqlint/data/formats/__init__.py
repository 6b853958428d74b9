"""Record shapes: detect which fine-tuning format a record has, map it to the canonical view and
validate it as the providers do.

Each format is one module of this package defining ``FORMAT`` (see
:class:`~dqlint.data.formats.base.Format`); adding a format is adding a module. Formats (ids
used in reports):

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
==================== ===============================================================
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Iterator

from dqlint.data.fields import FieldMap
from dqlint.data.formats.base import Canonical, Format, Problem, ValidationPolicy
from dqlint.data.schema import Schema

PLAIN = Schema()

__all__ = [
    "FORMATS",
    "Canonical",
    "Format",
    "FormatTally",
    "Problem",
    "ValidationPolicy",
    "detect_format",
    "file_problems",
    "to_canonical",
    "validate_record",
]

# Modules of this package that hold shared helpers, not a format.
_HELPER_MODULES = {"base", "messages"}


def _discover() -> dict[str, Format]:
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name in _HELPER_MODULES:
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.append(module.FORMAT)
    return {f.id: f for f in sorted(found, key=lambda f: f.order)}


_REGISTRY = _discover()
FORMATS = tuple(_REGISTRY)
_BY_PRIORITY = sorted(_REGISTRY.values(), key=lambda f: f.priority)
_UNKNOWN = Canonical("", "", "", None, 0)


def detect_format(rec: dict, fields: FieldMap) -> str:
    """The format id of one record, or ``"unknown"``."""
    for fmt in _BY_PRIORITY:
        if fmt.detect(rec, fields):
            return fmt.id
    return "unknown"


def to_canonical(rec: dict, fmt: str, fields: FieldMap) -> Canonical:
    """Map a record of format ``fmt``. Never raises: odd shapes map to what can be read."""
    known = _REGISTRY.get(fmt)
    if known is None:
        return _UNKNOWN
    try:
        return known.to_canonical(rec, fields)
    except (TypeError, AttributeError, ValueError, KeyError, IndexError):
        return _UNKNOWN


def validate_record(rec: dict, fmt: str, policy: ValidationPolicy, schema: Schema = PLAIN) -> Iterator[Problem]:
    """Every problem of one record against its format, as (kind, message, fatal). The record is
    read through its file's ``schema`` (renamed keys), and messages name the record's own keys."""
    known = _REGISTRY.get(fmt)
    if known is None:
        keys = ", ".join(sorted(map(str, rec))[:8]) or "none"
        yield ("unknown-format", f"record matches no known fine-tuning format (keys: {keys})", True)
        return
    view = schema.view(rec)
    for kind, message, fatal in known.validate(view, policy):
        yield kind, schema.in_record_names(message), fatal
    yield from _extra_keys(view, known, policy, schema)


def _extra_keys(view: dict, known: Format, policy: ValidationPolicy, schema: Schema) -> Iterator[Problem]:
    """Top-level keys the format does not define. A profile that rejects extra columns blocks
    every one; otherwise a key is worth a warning only on the few records that carry it (a key
    most records share is part of the file's schema, e.g. metadata columns)."""
    allowed = known.keys
    if allowed is None or allowed.issuperset(view):
        return
    used = schema.used_keys()
    extra = sorted(str(k) for k in view if k not in allowed and k not in used)
    if policy.profile.extra_keys == "ignore":
        return
    if policy.profile.extra_keys == "reject":
        if extra:
            yield ("unknown-key", f"extra top-level key(s) {', '.join(map(repr, extra))}: {policy.profile.display} rejects any key {known.id} does not define", True)
        return
    if policy.allow_extra_keys:
        return
    extra = [k for k in extra if k not in policy.ignore_keys and k not in schema.common]
    if extra:
        yield ("unknown-key", f"unknown top-level key(s) {', '.join(map(repr, extra))} for {known.id}, on few records of this file (some providers reject extra keys)", False)


def file_problems(fmt: str, schema: Schema, policy: ValidationPolicy) -> Iterator[Problem]:
    """What the target refuses about a whole file: its format, or key names that are not the
    format's own (a provider's upload reads fixed names; a trainer's config can map them); and,
    once per file, the extra keys most of its records share."""
    profile = policy.profile
    if fmt in ("empty", "unknown"):
        return
    known = _REGISTRY.get(fmt)
    if known is not None and known.keys is not None and profile.extra_keys == "warn" and not policy.allow_extra_keys:
        shared = sorted(str(k) for k in schema.common - known.keys - schema.used_keys() - policy.ignore_keys if k not in schema.renamed_targets())
        if shared:
            yield ("unknown-key", f"unknown top-level key(s) {', '.join(map(repr, shared))} for {fmt}, on most records of this file: read as metadata (some providers reject extra keys; see --target)", False)
    if fmt not in profile.formats:
        takes = ", ".join(f for f in FORMATS if f in profile.formats)
        yield ("unsupported-format", f"{profile.display} does not take {fmt} files (it takes {takes})", True)
        return
    renamed = [(t, s) for t, s in schema.renames if (t,) != s]
    if renamed and not profile.renamed_keys:
        how = ", ".join(f"{'+'.join(s)} -> {t}" for t, s in renamed)
        yield ("field-names", f"{profile.display} reads only {fmt}'s own key names: rename {how}", True)


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
