"""ARC augmentation with exact inverses: 8 dihedral transforms x colour permutations.

The dihedral numbering follows TRM's ``dihedral_transform`` so variant names port over:
0 identity, 1 rot90 (counter-clockwise, ``np.rot90``), 2 rot180, 3 rot270, 4 flip
left-right, 5 flip up-down, 6 transpose, 7 anti-transpose; ``DIHEDRAL_INVERSE[k]`` undoes
``k``. Colour permutations are (10,) arrays mapping colour c -> perm[c]; random ones keep
black (0) fixed, as in TRM, because black is the background in most tasks.

All functions work on batches of padded grids (n, 30, 30) with sizes (n, 2), one transform
per row, looping over the 8 transforms at most (never over rows).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from gram_envs.arc.logic import MAX_SIZE, clean_grids

NUM_DIHEDRAL = 8
DIHEDRAL_INVERSE = np.array([0, 3, 2, 1, 4, 5, 6, 7])
#: transforms that swap rows and columns
_SWAPS = np.array([False, True, False, True, False, False, True, True])
_R, _C = np.meshgrid(np.arange(MAX_SIZE), np.arange(MAX_SIZE), indexing="ij")


def _source_index(k: int, h: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For output cell (r, c) of transform k, the input cell it copies (input size h x w)."""
    r, c = _R, _C
    table = {
        0: (r, c),
        1: (c, w - 1 - r),
        2: (h - 1 - r, w - 1 - c),
        3: (h - 1 - c, r),
        4: (r, w - 1 - c),
        5: (h - 1 - r, c),
        6: (c, r),
        7: (h - 1 - c, w - 1 - r),
    }
    sr, sc = table[k]
    return np.broadcast_to(sr, np.broadcast_shapes(np.shape(sr), np.shape(sc))), np.broadcast_to(
        sc, np.broadcast_shapes(np.shape(sr), np.shape(sc))
    )


def dihedral(grids: np.ndarray, shapes: np.ndarray, k: np.ndarray | int) -> tuple[np.ndarray, np.ndarray]:
    """Apply dihedral transform ``k[i]`` to grid ``i``: (grids, shapes) of the result."""
    grids = np.asarray(grids)
    shapes = np.asarray(shapes, dtype=np.int64)
    n = len(grids)
    ks = np.broadcast_to(np.asarray(k, dtype=np.int64), (n,))
    if ks.size and (ks.min() < 0 or ks.max() >= NUM_DIHEDRAL):
        raise ValueError(f"dihedral index must lie in [0, {NUM_DIHEDRAL}), got range [{ks.min()}, {ks.max()}]")
    out = np.zeros((n, MAX_SIZE, MAX_SIZE), dtype=np.int8)
    out_shapes = np.where(_SWAPS[ks][:, None], shapes[:, ::-1], shapes)
    for t in np.unique(ks):
        rows = np.flatnonzero(ks == t)
        h = shapes[rows, 0, None, None]
        w = shapes[rows, 1, None, None]
        sr, sc = _source_index(int(t), h, w)
        sr = np.clip(sr, 0, MAX_SIZE - 1)
        sc = np.clip(sc, 0, MAX_SIZE - 1)
        out[rows] = grids[rows[:, None, None], sr, sc]
    return clean_grids(out, out_shapes), out_shapes


def random_color_perms(rng: np.random.Generator, n: int) -> np.ndarray:
    """(n, 10) permutations of colours with 0 (black) fixed."""
    perms = np.zeros((n, 10), dtype=np.int64)
    perms[:, 1:] = rng.permuted(np.broadcast_to(np.arange(1, 10), (n, 9)), axis=1)
    return perms


def invert_perms(perms: np.ndarray) -> np.ndarray:
    """Inverse permutations, row by row."""
    return np.argsort(np.asarray(perms), axis=-1)


def permute_colors(grids: np.ndarray, shapes: np.ndarray, perms: np.ndarray) -> np.ndarray:
    """Recolour grid i with perms[i] (cells outside the size stay 0)."""
    grids = np.asarray(grids)
    n = len(grids)
    perms = np.broadcast_to(np.asarray(perms, dtype=np.int64), (n, 10))
    mapped = np.take_along_axis(perms, grids.reshape(n, -1).astype(np.int64), axis=1)
    return clean_grids(mapped.reshape(grids.shape), shapes)


def augment(
    grids: np.ndarray, shapes: np.ndarray, k: np.ndarray | int, perms: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Dihedral ``k`` then colour permutation ``perms`` (per row)."""
    out, out_shapes = dihedral(grids, shapes, k)
    return permute_colors(out, out_shapes, perms), out_shapes


def inverse_augment(
    grids: np.ndarray, shapes: np.ndarray, k: np.ndarray | int, perms: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Exact inverse of ``augment`` with the same ``k`` and ``perms``."""
    un = permute_colors(grids, shapes, invert_perms(np.broadcast_to(perms, (len(grids), 10))))
    return dihedral(un, shapes, DIHEDRAL_INVERSE[np.asarray(k, dtype=np.int64)])


def random_offsets(rng: np.random.Generator, *shapes: np.ndarray) -> np.ndarray:
    """(n, 2) top-left offsets that keep every given grid of a row inside the canvas.

    The input and output of one pair share the offset (as in TRM), so pass both sizes.
    """
    hw = np.max(np.stack([np.asarray(s, dtype=np.int64) for s in shapes]), axis=0)
    room = MAX_SIZE - hw + 1
    return (rng.random(hw.shape) * room).astype(np.int64)


@lru_cache(maxsize=4)
def variant_table(num_tasks: int, num_variants: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Per task, ``num_variants`` distinct (dihedral, colour permutation) pairs; variant 0 is the identity.

    Deterministic in ``seed``, so every call (train and test datasets, the voting step)
    agrees on what variant ``v`` of task ``t`` is. Returns (T, V) dihedral indices and
    (T, V, 10) permutations, read-only because they are memoised (a second dataset call
    is then instant).
    """
    if not 1 <= num_variants <= NUM_DIHEDRAL * 362880:
        raise ValueError(f"num_variants must lie in [1, {NUM_DIHEDRAL * 362880}], got {num_variants}")
    rng = np.random.default_rng(seed)
    ks = rng.integers(NUM_DIHEDRAL, size=(num_tasks, num_variants))
    perms = random_color_perms(rng, num_tasks * num_variants).reshape(num_tasks, num_variants, 10)
    ks[:, 0] = 0
    perms[:, 0] = np.arange(10)
    digits = 10 ** np.arange(10, dtype=np.int64)
    for _ in range(100):  # resample duplicates (rare) until each task's variants are distinct
        keys = ks * 10**10 + (perms * digits).sum(axis=-1)
        order = np.argsort(keys, axis=1, kind="stable")
        sorted_keys = np.take_along_axis(keys, order, axis=1)
        dup_sorted = np.zeros_like(sorted_keys, dtype=bool)
        dup_sorted[:, 1:] = sorted_keys[:, 1:] == sorted_keys[:, :-1]
        dup = np.zeros_like(dup_sorted)
        np.put_along_axis(dup, order, dup_sorted, axis=1)
        dup[:, 0] = False  # never move the identity
        t, v = np.nonzero(dup)
        if len(t) == 0:
            break
        ks[t, v] = rng.integers(NUM_DIHEDRAL, size=len(t))
        perms[t, v] = random_color_perms(rng, len(t))
    ks, perms = ks.astype(np.int8), perms.astype(np.int8)
    ks.flags.writeable = False
    perms.flags.writeable = False
    return ks, perms
