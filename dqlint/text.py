"""Cutting dataset text down for reports: one way to do it everywhere."""

from __future__ import annotations

__all__ = ["clip", "flat"]


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when it was cut."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def flat(text: str | None, limit: int) -> str:
    """``text`` on one line (runs of whitespace as one space), then clipped."""
    if not text:
        return ""
    return clip(" ".join(text.split()), limit)
