"""Test-time voting over augmented predictions (TRM's ARC evaluator, in batched numpy).

Each test input gets S candidate answers, usually one per augmented variant. ``vote``
undoes each candidate's augmentation, groups identical grids (same size, same cells),
ranks the groups by how many candidates produced them, breaks ties by the mean supplied
confidence (e.g. sigmoid of the halt logit) and then by first appearance, and returns the
top k per test input, ready for ``env.evaluate`` (missing ranks get size (0, 0)).
"""

from __future__ import annotations

import numpy as np

from gram_envs.arc.augment import inverse_augment
from gram_envs.arc.logic import MAX_SIZE, clean_grids


def vote(
    grids: np.ndarray,
    shapes: np.ndarray,
    k: int = 2,
    *,
    dihedral: np.ndarray | None = None,
    perms: np.ndarray | None = None,
    confidence: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Top-k de-augmented answers per test input.

    grids (n, S, 30, 30), shapes (n, S, 2): candidates in the augmented frame; dihedral
    (n, S) and perms (n, S, 10): the augmentation each was made under (None: identity);
    confidence (n, S): tie-breaker (None: zeros). Candidates of size (0, 0) are ignored.
    Returns grids (n, k, 30, 30), shapes (n, k, 2), votes (n, k) and confidence (n, k).
    """
    grids = np.asarray(grids)
    shapes = np.asarray(shapes, dtype=np.int64)
    if grids.ndim != 4 or grids.shape[2:] != (MAX_SIZE, MAX_SIZE) or shapes.shape != (*grids.shape[:2], 2):
        raise ValueError(f"grids must be (n, S, 30, 30) and shapes (n, S, 2); got {grids.shape} and {shapes.shape}")
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    n, s = grids.shape[:2]
    flat_g = grids.reshape(n * s, MAX_SIZE, MAX_SIZE)
    flat_s = shapes.reshape(n * s, 2)
    if dihedral is not None or perms is not None:
        ks = np.zeros(n * s, dtype=np.int64) if dihedral is None else np.asarray(dihedral).reshape(n * s)
        ps = np.broadcast_to(np.arange(10), (n * s, 10)) if perms is None else np.asarray(perms).reshape(n * s, 10)
        flat_g, flat_s = inverse_augment(flat_g, flat_s, ks, ps)
    else:
        flat_g = clean_grids(flat_g, flat_s)
    conf = np.zeros(n * s) if confidence is None else np.asarray(confidence, dtype=np.float64).reshape(n * s)
    row = np.repeat(np.arange(n, dtype=np.int64), s)
    present = np.all(flat_s > 0, axis=1)
    # one exact key per (test input, size, cells)
    key_cols = np.concatenate(
        [row[:, None].view(np.int8).reshape(n * s, 8), flat_s.astype(np.int8), flat_g.reshape(n * s, -1)], axis=1
    )
    keys = np.ascontiguousarray(key_cols).view(np.dtype((np.void, key_cols.shape[1]))).ravel()
    idx = np.flatnonzero(present)
    uniq, first, inverse, counts = np.unique(keys[idx], return_index=True, return_inverse=True, return_counts=True)
    group_conf = np.bincount(inverse, weights=conf[idx], minlength=len(uniq)) / np.maximum(counts, 1)
    group_first = idx[first]
    group_row = row[group_first]
    order = np.lexsort((group_first, -group_conf, -counts, group_row))
    g_row = group_row[order]
    starts = np.searchsorted(g_row, g_row, side="left")
    rank = np.arange(len(order)) - starts
    keep = rank < k
    sel, sel_rank, sel_row = order[keep], rank[keep], g_row[keep]
    out_g = np.zeros((n, k, MAX_SIZE, MAX_SIZE), dtype=np.int8)
    out_s = np.zeros((n, k, 2), dtype=np.int64)
    out_v = np.zeros((n, k), dtype=np.int64)
    out_c = np.zeros((n, k), dtype=np.float64)
    out_g[sel_row, sel_rank] = flat_g[group_first[sel]]
    out_s[sel_row, sel_rank] = flat_s[group_first[sel]]
    out_v[sel_row, sel_rank] = counts[sel]
    out_c[sel_row, sel_rank] = group_conf[sel]
    return {"grids": out_g, "shapes": out_s, "votes": out_v, "confidence": out_c}
