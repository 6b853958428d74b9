"""Small formatting helpers shared by the human-oriented reporters."""

from __future__ import annotations

import re
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


# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional-text overrides: what
# dataset text can use to retitle or recolour a terminal, rewrite a CI log line (CR, backspace)
# or make the shown text read differently from the real one.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(text: str, keep: str = "") -> str:
    """``text`` with every control character (but those in ``keep``) shown as an escape
    (``\\x1b``, ``\\u202e``)."""
    return _CONTROL.sub(lambda m: m.group() if m.group() in keep else _escape_control(m.group()), text)


def _escape_control(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible_report(value: Any, keep: str = "") -> Any:
    """The report with :func:`visible` applied to every string (keys too): the terminal, Markdown
    and GitHub reporters write text a terminal or a log viewer interprets, so dataset text must
    not carry raw escape sequences into it (HTML, XML and JSON escape on their own)."""
    if isinstance(value, str):
        return visible(value, keep)
    if isinstance(value, list):
        return [visible_report(item, keep) for item in value]
    if isinstance(value, dict):
        return {visible(k, keep) if isinstance(k, str) else k: visible_report(v, keep) for k, v in value.items()}
    return value
