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
``custom``            input/output/label fields named in config
==================== ===============================================================
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Iterator

from dqlint.data.fields import FieldMap
from dqlint.data.formats.base import Canonical, Format, Problem, ValidationPolicy

__all__ = [
    "FORMATS",
    "Canonical",
    "Format",
    "FormatTally",
    "Problem",
    "ValidationPolicy",
    "detect_format",
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


def validate_record(rec: dict, fmt: str, policy: ValidationPolicy) -> Iterator[Problem]:
    """Every problem of one record against its format, as (kind, message, fatal)."""
    known = _REGISTRY.get(fmt)
    if known is None:
        keys = ", ".join(sorted(map(str, rec))[:8]) or "none"
        yield ("unknown-format", f"record matches no known fine-tuning format (keys: {keys})", True)
        return
    yield from known.validate(rec, policy)
    allowed = known.keys
    if allowed is not None and not policy.allow_extra_keys and not allowed.issuperset(rec):
        extra = sorted(str(k) for k in rec if k not in allowed and k not in policy.ignore_keys)
        if extra:
            yield ("unknown-key", f"unknown top-level key(s) {', '.join(map(repr, extra))} for {fmt} (some providers reject extra keys)", False)


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
