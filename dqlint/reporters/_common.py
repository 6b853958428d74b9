"""Small formatting helpers shared by the human-oriented reporters."""

from __future__ import annotations

from typing import Any, Mapping

from dqlint.text import flat, number

STATUS_LABEL = {"pass": "PASS", "warn": "WARN", "fail": "FAIL", "skipped": "SKIP", "error": "ERROR"}


def metric_text(metric: Mapping[str, Any] | None) -> str:
    """'invalid_record_ratio 0.004 (threshold 0)' or '' when the rule has no metric."""
    if not metric:
        return ""
    return f"{metric['name']} {number(metric['value'])} (threshold {number(metric['threshold'])})"


def location_text(loc: Mapping[str, Any]) -> str:
    if loc.get("line") is not None:
        return f"{loc['path']}:{loc['line']}"
    if loc.get("record") is not None:
        return f"{loc['path']}#{loc['record']}"
    return str(loc.get("path"))


def locations_text(locations: list[Mapping[str, Any]], limit: int = 4) -> str:
    shown = ", ".join(location_text(loc) for loc in locations[:limit])
    more = len(locations) - limit
    return shown + (f" (+{more} more)" if more > 0 else "")


def one_line(text: str | None, limit: int = 100) -> str:
    """A snippet on one line: newlines and tabs shown as spaces, cut with an ellipsis."""
    return flat(text, limit)
