"""``text``: ``{"text"}`` (or another text field, without a label)."""

from __future__ import annotations

from dqlint.data.fields import FieldMap, first_present
from dqlint.data.formats.base import Canonical, Format, scalar_text, text_fields


def detect(rec: dict, fields: FieldMap) -> bool:
    return "text" in rec or first_present(rec, fields.text) is not None


def to_canonical(rec: dict, fields: FieldMap) -> Canonical:
    text_field = first_present(rec, fields.text) or "text"
    return Canonical(scalar_text(rec.get(text_field)), "", "", None, 1)


FORMAT = Format("text", order=9, priority=10, detect=detect, to_canonical=to_canonical, validate=text_fields("text"), keys=frozenset({"text"}))
