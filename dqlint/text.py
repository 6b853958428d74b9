"""Text for reports: cutting dataset text down and writing numbers, one way each everywhere."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["clip", "flat", "number", "usd"]


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when it was cut."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def flat(text: str | None, limit: int) -> str:
    """``text`` on one line (runs of whitespace as one space), then clipped."""
    if not text:
        return ""
    return clip(" ".join(text.split()), limit)


def number(value: Any, *, missing: str = "-", digits: int = 4) -> str:
    """A value as a person reads it: thousands separated, whole floats without ".0", large
    floats rounded to units, others to ``digits`` significant digits."""
    if value is None:
        return missing
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
        return f"{value:.{digits}g}"
    return str(value)


def usd(value: Any, *, decimals: int | None = None, missing: str = "n/a") -> str:
    """US dollars: two decimals, or two significant digits under a cent (``$0.000055``, so a
    per-call price does not read as $0.00); ``decimals`` fixes the count (``$0.1153``)."""
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return missing
    sign, value = ("-" if value < 0 else ""), abs(float(value))
    if decimals is None:
        decimals = 2 if value == 0 or value >= 0.01 else 1 - math.floor(math.log10(value))
    return f"{sign}${value:,.{decimals}f}"
