"""Escaping and number formatting shared by the page and its charts.
"""

from __future__ import annotations

import html
import math
from typing import Any, Iterable


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def finite(value: Any) -> float:
    """A finite float, 0.0 for anything else (charts never see NaN, strings or markup)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) else 0.0


def fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value.is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.3g}"
    return str(value)


def pct(value: float) -> str:
    return f"{value * 100:.1f} %".replace(".0 %", " %")


def joined(lines: Iterable[str]) -> str:
    return "\n".join(line.strip() for line in lines if line.strip())
