"""Escaping and number formatting shared by the page and its charts.
"""

from __future__ import annotations

import html
import math
from typing import Any, Iterable

from dqlint.text import number


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def finite(value: Any) -> float:
    """A finite float, 0.0 for anything else (charts never see NaN, strings or markup)."""
    try:
        as_float = float(value)
    except (TypeError, ValueError):
        return 0.0
    return as_float if math.isfinite(as_float) else 0.0


def fmt(value: Any) -> str:
    """Numbers as the terminal writes them, 3 digits, an em dash for a missing value."""
    return number(value, missing="\u2014", digits=3)


def pct(value: float) -> str:
    return f"{value * 100:.1f} %".replace(".0 %", " %")


def joined(lines: Iterable[str]) -> str:
    return "\n".join(line.strip() for line in lines if line.strip())
