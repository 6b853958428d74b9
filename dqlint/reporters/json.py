"""The JSON report: the public contract (schema_version 1), every finding included."""

from __future__ import annotations

import json
from typing import Any, Mapping

from dqlint.report import orjson_bytes
from dqlint.reporters import RenderOptions


def render(report: Mapping[str, Any], options: RenderOptions) -> str:
    return dumps(report)


def render_bytes(report: Mapping[str, Any], options: RenderOptions) -> bytes:
    return encode(report)


def dumps(report: Mapping[str, Any]) -> str:
    """``json.dumps(report, indent=2, ensure_ascii=False)`` and a newline (see ``orjson_bytes``)."""
    data = orjson_bytes(report, indent=True)
    return data.decode("utf-8") if data is not None else _standard(report)


def encode(report: Mapping[str, Any]) -> bytes:
    """``dumps(report)`` as UTF-8, without the ``str`` in between when orjson writes it."""
    data = orjson_bytes(report, indent=True)
    return data if data is not None else _standard(report).encode("utf-8")


def _standard(report: Mapping[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"
