"""Grouping rows: exact groups by key, connected groups from pairs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:

    pass

__all__ = ['exact_groups', 'connected_groups']


def unique_ids(keys: Sequence[str]) -> tuple[list[int], list[int]]:
    """Map each key to a unique id numbered in first-occurrence order.

    Returns (id per key, first row per id)."""
    first: dict[str, int] = {}
    ids = [first.setdefault(k, len(first)) for k in keys]
    reps = [0] * len(first)
    seen = [False] * len(first)
    for row, uid in enumerate(ids):
        if not seen[uid]:
            seen[uid] = True
            reps[uid] = row
    return ids, reps


def exact_groups(keys: Sequence[str]) -> list[list[int]]:
    """Groups of indexes whose keys are equal (size >= 2, empty keys ignored), each group in
    index order, groups ordered by their first index."""
    groups: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        if k:
            groups.setdefault(k, []).append(i)
    return [g for g in groups.values() if len(g) > 1]


def connected_groups(n: int, pairs: Iterable[tuple[int, int] | tuple[int, int, float]]) -> list[list[int]]:
    """Connected components (size >= 2) of the graph on ``n`` nodes with the given edges,
    each sorted, ordered by their smallest member (union-find with path halving)."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for pair in pairs:
        a, b = find(int(pair[0])), find(int(pair[1]))
        if a != b:
            if a < b:
                parent[b] = a
            else:
                parent[a] = b
    members: dict[int, list[int]] = {}
    for i in range(n):
        if parent[i] != i:
            members.setdefault(find(i), []).append(i)
    return [[root, *rest] for root, rest in sorted(members.items())]
