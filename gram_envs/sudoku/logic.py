"""Pure, batched Sudoku rules on boards of shape (..., N^2, N^2) (0 = blank, 1..N^2 digits).

``conflicts`` counts duplicate digits: for every unit (each row, column and box) and every
digit occurring ``c >= 1`` times in it, ``c - 1`` (equivalently: per unit, its size minus
the number of distinct digits; blanks count as missing digits, never as duplicates). A
single wrong cell therefore adds 1 per unit where it duplicates a digit (2-3 in general).
A board is *valid* iff it is complete (every cell 1..N^2), has zero conflicts and keeps
every given of its puzzle. Changed givens make a board invalid but are not conflicts.

Symmetries (the Sudoku group used for augmentation and for train/test separation):
digit relabelling, transpose, permutations of bands and stacks, and of rows inside a
band and columns inside a stack. ``invariant_key`` is constant on orbits of puzzles;
``equivalent`` decides exactly whether one puzzle is an image of another.
"""

from __future__ import annotations

from itertools import permutations

import numpy as np

from solvers.sudoku import njit

_CHUNK = 1 << 14  # rows per pass: keeps the working set in cache


def box_size(side: int) -> int:
    """Box size n of an n^2 x n^2 board, or ValueError."""
    box = int(round(np.sqrt(side)))
    if box * box != side or box < 1:
        raise ValueError(f"Sudoku side must be a perfect square (4, 9, 16, ...), got {side}")
    return box


def _unit_distinct(bits: np.ndarray, box: int) -> np.ndarray:
    """(B,) number of distinct digits summed over every row, column and box.

    ORs of strided slices, not ``bitwise_or.reduce`` over a short axis: 2x faster.
    """
    b, n = bits.shape[0], box * box
    rows = bits[:, :, 0].copy()
    cols = bits[:, 0, :].copy()
    for k in range(1, n):
        rows |= bits[:, :, k]
        cols |= bits[:, k, :]
    blocks = bits.reshape(b, box, box, box, box)  # (B, band, row-in-band, stack, col-in-stack)
    boxes = blocks[:, :, 0, :, 0].copy()
    for i in range(box):
        for j in range(box):
            if i or j:
                boxes |= blocks[:, :, i, :, j]
    total = np.bitwise_count(rows).sum(axis=1, dtype=np.int64)
    total += np.bitwise_count(cols).sum(axis=1, dtype=np.int64)
    total += np.bitwise_count(boxes).reshape(b, n).sum(axis=1, dtype=np.int64)
    return total


def conflicts(boards: np.ndarray) -> np.ndarray:
    """Duplicate-digit count per board (see module docstring), int64 of shape boards.shape[:-2]."""
    boards = np.asarray(boards)
    lead, side = boards.shape[:-2], boards.shape[-1]
    box = box_size(side)
    flat = boards.reshape(-1, side, side)
    out = np.empty(len(flat), dtype=np.int64)
    if flat.size and (flat.min() < 0 or flat.max() > side):
        raise ValueError(f"board values must lie in [0, {side}]; got [{flat.min()}, {flat.max()}]")
    dtype = np.uint16 if side <= 16 else np.uint32
    lut = np.zeros(side + 1, dtype=dtype)  # digit d -> bit d-1; blank (0) -> no bit
    lut[1:] = np.left_shift(dtype(1), np.arange(side, dtype=dtype))
    for s in range(0, len(flat), _CHUNK):
        chunk = flat[s : s + _CHUNK]
        filled = np.count_nonzero(chunk.reshape(len(chunk), -1), axis=1)
        # per unit: filled cells - distinct digits; each filled cell sits in 3 units
        out[s : s + _CHUNK] = 3 * filled - _unit_distinct(lut[chunk], box)
    return out.reshape(lead)


def check_boards(givens: np.ndarray, boards: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(valid, conflicts) of boards against their puzzles' givens (broadcasting)."""
    conf = conflicts(boards)
    complete = np.all(boards > 0, axis=(-2, -1))
    kept = np.all((givens == 0) | (boards == givens), axis=(-2, -1))
    return (conf == 0) & complete & kept, conf


def is_valid_grid(boards: np.ndarray) -> np.ndarray:
    """True for complete boards with no duplicate in any unit (the SudokuGen criterion)."""
    return (conflicts(boards) == 0) & np.all(np.asarray(boards) > 0, axis=(-2, -1))


# ---------------------------------------------------------------- symmetry invariants
def _canonical_box_counts(counts: np.ndarray) -> tuple[int, ...]:
    """Smallest flattening of the box-clue-count matrix over row/col perms and transpose."""
    k = counts.shape[0]
    keys = []
    for m in (counts.tolist(), counts.T.tolist()):
        for pr in permutations(range(k)):
            rows = [m[i] for i in pr]
            for pc in permutations(range(k)):
                keys.append(tuple(row[j] for row in rows for j in pc))
    return min(keys)


def invariant_key(puzzle: np.ndarray) -> bytes:
    """A key equal for all symmetry images of a puzzle (equal keys need ``equivalent``)."""
    p = np.asarray(puzzle)
    side = p.shape[0]
    box = box_size(side)
    mask = p > 0
    digit_freq = sorted(np.bincount(p[mask], minlength=side + 1)[1:].tolist())
    row_counts = mask.sum(axis=1).reshape(box, box)
    col_counts = mask.sum(axis=0).reshape(box, box)
    bands = tuple(sorted(tuple(sorted(r.tolist())) for r in row_counts))
    stacks = tuple(sorted(tuple(sorted(r.tolist())) for r in col_counts))
    lines = tuple(sorted([bands, stacks]))
    box_counts = mask.reshape(box, box, box, box).sum(axis=(1, 3))
    key = (int(mask.sum()), tuple(digit_freq), lines, _canonical_box_counts(box_counts))
    return repr(key).encode()


@njit(cache=True)
def _perms3():  # pragma: no cover - compiled
    out = np.empty((6, 3), dtype=np.int64)
    k = 0
    for a in range(3):
        for b in range(3):
            for c in range(3):
                if a != b and b != c and a != c:
                    out[k, 0], out[k, 1], out[k, 2] = a, b, c
                    k += 1
    return out


@njit(cache=True)
def _line_maps(count_a, count_b, perms):  # pragma: no cover - compiled
    """All maps m (9,) with count_a[m[i]] == count_b[i] built from band and in-band perms."""
    res = np.empty((6 * 216, 9), dtype=np.int64)
    k = 0
    for pb in range(6):
        for p0 in range(6):
            for p1 in range(6):
                for p2 in range(6):
                    ok = True
                    m = np.empty(9, dtype=np.int64)
                    for band in range(3):
                        p = p0 if band == 0 else (p1 if band == 1 else p2)
                        for r in range(3):
                            src = 3 * perms[pb, band] + perms[p, r]
                            if count_a[src] != count_b[3 * band + r]:
                                ok = False
                            m[3 * band + r] = src
                    if ok:
                        res[k] = m
                        k += 1
    return res[:k]


@njit(cache=True)
def _equivalent_oriented(a, b, perms):  # pragma: no cover - compiled
    """Is b == relabel(a[rows][:, cols]) for some band/stack/row/column permutation?"""
    ra = np.zeros(9, dtype=np.int64)
    rb = np.zeros(9, dtype=np.int64)
    ca = np.zeros(9, dtype=np.int64)
    cb = np.zeros(9, dtype=np.int64)
    for i in range(9):
        for j in range(9):
            if a[i, j]:
                ra[i] += 1
                ca[j] += 1
            if b[i, j]:
                rb[i] += 1
                cb[j] += 1
    rmaps = _line_maps(ra, rb, perms)
    cmaps = _line_maps(ca, cb, perms)
    fwd = np.zeros(10, dtype=np.int64)
    back = np.zeros(10, dtype=np.int64)
    for x in range(rmaps.shape[0]):
        rm = rmaps[x]
        for y in range(cmaps.shape[0]):
            cm = cmaps[y]
            fwd[:] = 0
            back[:] = 0
            ok = True
            for i in range(9):
                for j in range(9):
                    u = a[rm[i], cm[j]]
                    v = b[i, j]
                    if (u == 0) != (v == 0):
                        ok = False
                        break
                    if u:
                        if fwd[u] == 0 and back[v] == 0:
                            fwd[u] = v
                            back[v] = u
                        elif fwd[u] != v or back[v] != u:
                            ok = False
                            break
                if not ok:
                    break
            if ok:
                return True
    return False


def equivalent(a: np.ndarray, b: np.ndarray) -> bool:
    """Exact: is 9x9 puzzle ``b`` a symmetry image (incl. digit relabelling) of ``a``?"""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    if a.shape != (9, 9) or b.shape != (9, 9):
        raise ValueError(f"equivalent() handles 9x9 boards, got {a.shape} and {b.shape}")
    if (a > 0).sum() != (b > 0).sum():
        return False
    perms = _perms3()
    return bool(_equivalent_oriented(a, b, perms) or _equivalent_oriented(np.ascontiguousarray(a.T), b, perms))
