"""Grouping rows: exact groups by key, connected groups from pairs, and duplicate groups that
do not chain.

Connected components chain: A ~ B and B ~ C put A and C in one group although A and C are not
similar, and on real data a few long chains swallow thousands of rows. ``star_groups`` makes
groups a dedup can stand behind: nodes are taken in order (first occurrence first); the first
node not yet in a group becomes a centre (the kept row) and takes every not-yet-grouped node
it is directly similar to, so every member is within the threshold of its centre. Template
families (rows of one template with other slot values) are the opposite case: there chaining
is the point, and ``component_labels`` joins them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

__all__ = ['exact_groups', 'connected_groups', 'star_groups', 'component_labels']


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


def star_groups(n: int, a: np.ndarray, b: np.ndarray, order: np.ndarray | None = None) -> np.ndarray:
    """Centre of each of ``n`` nodes (itself when a centre or alone) for the undirected edges
    (a[i], b[i]). Nodes are visited by ``order`` (default: by number); a node not yet taken
    becomes a centre and takes its untaken neighbours (``order`` is a sort key per node). Only nodes with edges are visited."""
    import numpy as np
    from scipy.sparse import csr_matrix

    centre = np.arange(n, dtype=np.intp)
    if not len(a):
        return centre
    key = np.arange(n, dtype=np.intp) if order is None else np.asarray(order)
    graph = csr_matrix((np.ones(2 * len(a), dtype=np.int8), (np.concatenate([a, b]), np.concatenate([b, a]))), shape=(n, n))
    indptr, indices = graph.indptr, graph.indices
    taken = np.zeros(n, dtype=bool)
    with_edges = np.flatnonzero(np.diff(indptr))
    for node in with_edges[np.argsort(key[with_edges], kind="stable")].tolist():
        if taken[node]:
            continue
        taken[node] = True
        nbrs = indices[indptr[node] : indptr[node + 1]]
        nbrs = nbrs[~taken[nbrs]]
        taken[nbrs] = True
        centre[nbrs] = node
    return centre


def component_labels(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Component label of each of ``n`` nodes for the undirected edges (a[i], b[i])."""
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    return connected_components(graph, directed=False)[1]
