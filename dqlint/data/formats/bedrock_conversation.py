"""``bedrock-conversation`` (Bedrock Nova): ``{"schemaVersion", "system": [{"text"}], "messages": [{"role", "content": [{"text"}]}]}``."""

from __future__ import annotations

from dqlint.data.fields import FieldMap
from dqlint.data.formats.base import Canonical, Format, content_text, messages_field
from dqlint.data.formats.messages import messages_view


def detect(rec: dict, fields: FieldMap) -> bool:
    return "messages" in rec and "schemaVersion" in rec


def to_canonical(rec: dict, fields: FieldMap) -> Canonical:
    view = messages_view(rec.get("messages"), "role", "content", None)
    return view._replace(system=content_text(rec.get("system")))


FORMAT = Format(
    "bedrock-conversation", order=6, priority=1, detect=detect, to_canonical=to_canonical,
    validate=messages_field("messages"),
)
