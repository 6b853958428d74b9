"""NumPy helpers the analyses share."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

__all__ = ["sorted_unique", "sorted_unique_inverse"]


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values of a 1-D array, as ``np.unique(values)`` gives them, found by
    sorting. NumPy 2.3 and newer find them with a hash table instead, which on a million
    distinct integers is about 20x slower than a sort (1.1 s against 0.06 s, NumPy 2.4)."""
    import numpy as np

    ordered = np.sort(np.asarray(values).ravel())
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def sorted_unique_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` by sorting: the sorted distinct values of a
    1-D array, and where each value is among them."""
    import numpy as np

    distinct = sorted_unique(values)
    return distinct, np.searchsorted(distinct, values)
