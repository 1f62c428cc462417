"""Pure, batched graph-colouring rules on adjacency matrices (..., n, n) and colourings (..., n).

``conflicts`` is the number of monochromatic edges (both endpoints share a colour); a
colouring is *valid* iff it has none. Colour range is checked at the env boundary, so
here any non-negative ints are accepted. Everything broadcasts over leading axes, so
one call scores instances x samples candidates.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from solvers.coloring import canonicalize

__all__ = [
    "canonicalize",
    "check_colorings",
    "conflict_edges",
    "count_conflicts",
    "permute_vertices",
    "triu_index",
    "triu_to_adjacency",
    "adjacency_to_triu",
]


@lru_cache(maxsize=64)
def triu_index(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Row/column indices of the strict upper triangle in row-major order (read-only)."""
    iu, ju = np.triu_indices(n, 1)
    iu.flags.writeable = False
    ju.flags.writeable = False
    return iu, ju


def adjacency_to_triu(adjacency: np.ndarray) -> np.ndarray:
    """(..., n, n) adjacency -> (..., n(n-1)/2) 0/1 int8 edge indicators, row-major."""
    adj = np.asarray(adjacency)
    iu, ju = triu_index(adj.shape[-1])
    return adj[..., iu, ju].astype(np.int8)


def triu_to_adjacency(bits: np.ndarray, n: int) -> np.ndarray:
    """Inverse of ``adjacency_to_triu``: symmetric int8 (..., n, n) with zero diagonal."""
    bits = np.asarray(bits)
    iu, ju = triu_index(n)
    if bits.shape[-1] != len(iu):
        raise ValueError(f"expected {len(iu)} upper-triangle entries for n={n}, got {bits.shape[-1]}")
    adj = np.zeros((*bits.shape[:-1], n, n), dtype=np.int8)
    adj[..., iu, ju] = bits
    adj[..., ju, iu] = bits
    return adj


def conflict_edges(adjacency: np.ndarray, colorings: np.ndarray) -> np.ndarray:
    """Bool (..., n(n-1)/2): upper-triangle pair is an edge whose endpoints share a colour."""
    col = np.asarray(colorings)
    iu, ju = triu_index(col.shape[-1])
    edge = np.asarray(adjacency)[..., iu, ju] != 0
    return edge & (col[..., iu] == col[..., ju])


def count_conflicts(adjacency: np.ndarray, colorings: np.ndarray) -> np.ndarray:
    """Monochromatic edges per colouring (int64), broadcasting adjacency against colorings."""
    return np.count_nonzero(conflict_edges(adjacency, colorings), axis=-1).astype(np.int64)


def check_colorings(adjacency: np.ndarray, colorings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(valid, conflicts): valid iff no monochromatic edge."""
    conflicts = count_conflicts(adjacency, colorings)
    return conflicts == 0, conflicts


def permute_vertices(adjacency: np.ndarray, colorings: np.ndarray, perms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Relabel vertices of B graphs and their colourings: new vertex i is old ``perms[b, i]``.

    Validity and conflict counts are preserved; the colouring is re-canonicalised so it
    stays in the stored (canonical) form.
    """
    b = np.arange(len(perms))[:, None]
    adj = np.asarray(adjacency)[b[:, :, None], perms[:, :, None], perms[:, None, :]]
    col = np.asarray(colorings)[b, perms]
    return adj, canonicalize(col)
