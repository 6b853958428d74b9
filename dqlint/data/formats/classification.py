"""``classification``: a text field and a label field (names from :class:`~dqlint.data.fields.FieldMap`)."""

from __future__ import annotations

from dqlint.data.fields import FieldMap, first_present
from dqlint.data.formats.base import Canonical, Format, label_value, scalar_text


def detect(rec: dict, fields: FieldMap) -> bool:
    return first_present(rec, fields.text) is not None and first_present(rec, fields.label) is not None


def to_canonical(rec: dict, fields: FieldMap) -> Canonical:
    text_field = first_present(rec, fields.text)
    label_field = first_present(rec, fields.label)
    text = scalar_text(rec.get(text_field)) if text_field else ""
    label = label_value(rec.get(label_field)) if label_field else None
    return Canonical(text, "", scalar_text(rec.get(fields.system)) if fields.system else "", label, 1)


FORMAT = Format("classification", order=8, priority=9, detect=detect, to_canonical=to_canonical, keys=frozenset({"text", "label", "labels"}))
