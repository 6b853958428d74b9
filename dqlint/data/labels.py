"""How a canonical label is written as text (multi-label joined with ``|``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass

__all__ = ['label_text']


LABEL_SEPARATOR = "|"


def label_text(label: Any) -> str:
    """A label as one string: "" when missing, labels of a multi-label row joined by ``|``."""
    if label is None:
        return ""
    if isinstance(label, tuple):
        return LABEL_SEPARATOR.join(label)
    return str(label)
