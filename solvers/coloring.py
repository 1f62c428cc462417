"""Graph colouring: exact enumeration of proper k-colourings, modulo colour permutation.

A colouring is a tuple ``c`` with ``c[v]`` in ``0..k-1`` for the vertices ``0..n-1``.
Colourings that differ only by renaming colours are one *class*; its canonical form
renumbers colours by order of first appearance over vertices 0..n-1 (a "restricted
growth string": ``c[0] == 0`` and ``c[v] <= 1 + max(c[:v])``).

The search enumerates canonical colourings only (symmetry broken at the root: vertex v
may use at most one colour more than those used so far), so each class is produced once
and no k!-fold duplication is ever explored. Colour classes are int bitsets of vertices;
a vertex may take colour ``j`` iff its neighbour mask misses class ``j``. A class with j
distinct colours stands for ``k!/(k-j)!`` plain colourings, which is how ``count_all``
relates the two counts without enumerating the plain ones.

Numpy helpers (``canonicalize``, ``restricted_growth_strings``, ``monochromatic_edges``)
serve the env and the data generator with vectorised batch operations.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from math import perm

import networkx as nx
import numpy as np

from solvers.base import ExactSolver


def neighbour_masks(graph: nx.Graph) -> list[int]:
    """Bitset of neighbours per vertex; the graph's nodes must be exactly 0..n-1."""
    n = graph.number_of_nodes()
    if set(graph.nodes) != set(range(n)):
        raise ValueError(f"graph nodes must be the integers 0..{n - 1}, got {sorted(graph.nodes)[:10]}...")
    masks = [0] * n
    for u, v in graph.edges:
        if u == v:
            raise ValueError(f"graph has a self-loop at vertex {u}; no proper colouring exists")
        masks[u] |= 1 << v
        masks[v] |= 1 << u
    return masks


class ColoringSolver(ExactSolver[tuple[int, ...]]):
    """Proper colourings of ``graph`` with at most ``k`` colours.

    ``canonical=True`` (default) yields one canonical representative per colour-permutation
    class, in lexicographic order; ``canonical=False`` yields every plain colouring.
    """

    def __init__(self, graph: nx.Graph, k: int, *, canonical: bool = True) -> None:
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 0:
            raise ValueError(f"k must be a non-negative int, got {k!r}")
        self.graph = graph
        self.n = graph.number_of_nodes()
        self.k = int(k)
        self.canonical = canonical
        self.masks = neighbour_masks(graph)

    def iter_solutions(self) -> Iterator[tuple[int, ...]]:
        n, k, masks, canonical = self.n, self.k, self.masks, self.canonical
        if n == 0:
            yield ()
            return
        classes = [0] * k  # vertex bitset per colour
        colours = [0] * n

        def place(v: int, used: int) -> Iterator[tuple[int, ...]]:
            # used = number of distinct colours among vertices < v (canonical: they are 0..used-1)
            if v == n:
                yield tuple(colours)
                return
            nb = masks[v]
            top = min(k, used + 1) if canonical else k
            bit = 1 << v
            for c in range(top):
                if classes[c] & nb:
                    continue
                classes[c] |= bit
                colours[v] = c
                yield from place(v + 1, used + 1 if c == used else used)
                classes[c] ^= bit

        yield from place(0, 0)

    def count_all(self) -> int:
        """Number of plain colourings, from the canonical ones: a j-colour class is k!/(k-j)! of them."""
        if not self.canonical:
            return self.count()
        return sum(perm(self.k, len(set(c))) for c in ColoringSolver(self.graph, self.k).iter_solutions())


def is_colorable(graph: nx.Graph, k: int) -> bool:
    """True iff ``graph`` has a proper colouring with at most ``k`` colours."""
    return ColoringSolver(graph, k).solve() is not None


def chromatic_number(graph: nx.Graph) -> int:
    """Smallest k with a proper k-colouring (exact; exponential, meant for small graphs).

    Starts from the clique lower bound 2 when there is an edge and stops at the greedy
    (DSATUR) upper bound, which is always feasible.
    """
    n = graph.number_of_nodes()
    if n == 0:
        return 0
    if graph.number_of_edges() == 0:
        return 1
    upper = max(nx.greedy_color(graph, strategy="DSATUR").values()) + 1
    for k in range(2, upper):
        if is_colorable(graph, k):
            return k
    return upper


def canonical_colorings(graph: nx.Graph, k: int) -> np.ndarray:
    """Every canonical colouring as an (S, n) int8 array, lexicographically sorted."""
    sols = ColoringSolver(graph, k).enumerate()
    return np.array(sols, dtype=np.int8).reshape(len(sols), graph.number_of_nodes())


def graph_from_adjacency(adjacency: np.ndarray) -> nx.Graph:
    """networkx graph on nodes 0..n-1 from a symmetric 0/1 matrix (keeps isolated vertices)."""
    adj = np.asarray(adjacency)
    graph = nx.Graph()
    graph.add_nodes_from(range(adj.shape[0]))
    rows, cols = np.nonzero(np.triu(adj, 1))
    graph.add_edges_from(zip(rows.tolist(), cols.tolist(), strict=True))
    return graph


def adjacency_matrix(graph: nx.Graph) -> np.ndarray:
    """(n, n) int8 0/1 symmetric adjacency with zero diagonal, vertices in order 0..n-1."""
    n = graph.number_of_nodes()
    adj = np.zeros((n, n), dtype=np.int8)
    if graph.number_of_edges():
        e = np.array(list(graph.edges), dtype=np.int64)
        adj[e[:, 0], e[:, 1]] = 1
        adj[e[:, 1], e[:, 0]] = 1
    return adj


# ---------------------------------------------------------------- batched numpy helpers
def canonicalize(colorings: np.ndarray) -> np.ndarray:
    """Renumber colours by first appearance along the last axis; any leading shape, vectorised.

    Values must be non-negative ints. Idempotent, and invariant under any colour
    permutation, so two colourings are in one class iff their canonical forms are equal.
    """
    c = np.asarray(colorings)
    if c.shape[-1] == 0 or c.size == 0:
        return c.astype(np.int64)
    n = c.shape[-1]
    flat = c.reshape(-1, n)
    if not np.issubdtype(flat.dtype, np.integer):
        raise ValueError(f"colourings must be integers, got {flat.dtype}")
    if flat.min() < 0:
        raise ValueError("colours must be non-negative")
    if int(flat.max()) >= 4 * n + 8:  # sparse large labels: compact them first (the partition is unchanged)
        flat = np.unique(flat, return_inverse=True)[1].reshape(flat.shape)
    width = int(flat.max()) + 1
    hit = flat[:, None, :] == np.arange(width, dtype=flat.dtype)[:, None]  # (B, width, n), n contiguous
    first = np.where(hit.any(axis=2), hit.argmax(axis=2), n)  # first vertex of each colour, n if absent
    # new label of a colour = how many colours appear strictly earlier (present colours never tie)
    rank = (first[:, None, :] < first[:, :, None]).sum(axis=-1, dtype=np.int64)
    return np.take_along_axis(rank, flat.astype(np.intp, copy=False), axis=1).reshape(c.shape)


def colors_used(colorings: np.ndarray) -> np.ndarray:
    """Number of distinct colours per canonical colouring (max + 1), vectorised."""
    c = np.asarray(colorings)
    return c.max(axis=-1).astype(np.int64) + 1 if c.shape[-1] else np.zeros(c.shape[:-1], np.int64)


@lru_cache(maxsize=16)
def restricted_growth_strings(n: int, k: int) -> np.ndarray:
    """All canonical colourings of n vertices with at most k colours (edgeless graph), sorted.

    Built level by level in numpy: S(n,1)+...+S(n,k) rows (9,842 for n=10, k=3). Read-only.
    """
    rows = np.zeros((1, 0), dtype=np.int8)
    for v in range(n):
        if v == 0:
            rows = np.zeros((1, 1), dtype=np.int8)
            continue
        top = rows.max(axis=1) + 1  # colours allowed: 0..top (capped at k-1)
        parts = []
        for c in range(k):
            keep = rows[c <= np.minimum(top, k - 1)]
            parts.append(np.concatenate([keep, np.full((len(keep), 1), c, np.int8)], axis=1))
        rows = np.concatenate(parts)
    if n == 0:
        rows = np.zeros((1, 0), dtype=np.int8)
    order = np.lexsort(rows.T[::-1]) if n else np.arange(1)
    out = np.ascontiguousarray(rows[order])
    out.flags.writeable = False
    return out


def triu_pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the strict upper triangle, row-major (n(n-1)/2 pairs)."""
    return np.triu_indices(n, 1)


def monochromatic_edges(adjacency: np.ndarray, colorings: np.ndarray) -> np.ndarray:
    """Conflicting (same-colour) edges per colouring; adjacency (..., n, n) broadcasts against colorings (..., n)."""
    adj = np.asarray(adjacency)
    col = np.asarray(colorings)
    n = col.shape[-1]
    iu, ju = triu_pairs(n)
    edge = adj[..., iu, ju].astype(bool)
    same = col[..., iu] == col[..., ju]
    return np.count_nonzero(edge & same, axis=-1).astype(np.int64)


def batch_canonical_colorings(adjacency: np.ndarray, k: int, chunk: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """All canonical colourings of many graphs at once: (owner, colorings) sorted by owner, then lexicographically.

    Filters the table of restricted growth strings by each graph's edges with one matrix
    product per chunk of graphs: an independent, vectorised path used by the data builder
    (and cross-checked against ``ColoringSolver`` in the tests).
    """
    adj = np.asarray(adjacency)
    g, n = adj.shape[0], adj.shape[-1]
    table = restricted_growth_strings(n, k)
    iu, ju = triu_pairs(n)
    mono = (table[:, iu] == table[:, ju]).astype(np.float32)  # (R, pairs)
    edges = adj[:, iu, ju].astype(np.float32)  # (G, pairs)
    owners, rows = [], []
    for start in range(0, g, chunk):
        bad = edges[start : start + chunk] @ mono.T  # (chunk, R): monochromatic edges
        o, r = np.nonzero(bad == 0)
        owners.append(o + start)
        rows.append(r)
    owner = np.concatenate(owners).astype(np.int64) if owners else np.zeros(0, np.int64)
    row = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    return owner, table[row].copy()
