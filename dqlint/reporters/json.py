"""The JSON report: the public contract (schema_version 1), every finding included."""

from __future__ import annotations

import json
from typing import Any, Mapping

from dqlint.reporters import RenderOptions


def render(report: Mapping[str, Any], options: RenderOptions) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"
