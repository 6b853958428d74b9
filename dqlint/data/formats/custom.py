"""``custom``: input/output/label fields named in config (``[tool.dqlint.fields]``)."""

from __future__ import annotations

from dqlint.data.fields import FieldMap, first_present
from dqlint.data.formats.base import Canonical, Format, label_value, scalar_text


def detect(rec: dict, fields: FieldMap) -> bool:
    return bool(fields.input) and fields.input in rec


def to_canonical(rec: dict, fields: FieldMap) -> Canonical:
    label_field = first_present(rec, fields.label)
    return Canonical(
        scalar_text(rec.get(fields.input)) if fields.input else "",
        scalar_text(rec.get(fields.output)) if fields.output else "",
        scalar_text(rec.get(fields.system)) if fields.system else "",
        label_value(rec.get(label_field)) if label_field else None,
        2 if fields.output else 1,
    )


FORMAT = Format("custom", order=10, priority=0, detect=detect, to_canonical=to_canonical)
