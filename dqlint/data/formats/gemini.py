"""``gemini`` (Vertex AI): ``{"systemInstruction"?, "contents": [{"role", "parts": [{"text"}]}]}``."""

from __future__ import annotations

from dqlint.data.fields import FieldMap
from dqlint.data.formats.base import Canonical, Format, content_text, messages_field
from dqlint.data.formats.messages import messages_view


def detect(rec: dict, fields: FieldMap) -> bool:
    return "contents" in rec


def to_canonical(rec: dict, fields: FieldMap) -> Canonical:
    view = messages_view(rec.get("contents"), "role", "parts", {"model": "assistant", "user": "user"})
    sys_inst = rec.get("systemInstruction")
    system = content_text(sys_inst.get("parts")) if isinstance(sys_inst, dict) else ""
    return view._replace(system=system)


FORMAT = Format(
    "gemini", order=7, priority=6, detect=detect, to_canonical=to_canonical, validate=messages_field("contents"),
)
