"""Exact Sudoku solver for N^2 x N^2 boards (4x4, 9x9, 16x16): solve, count, rate.

Why numba: pure-Python searches are far too slow per uniqueness check on hard 9x9 puzzles for the
rating hill-climb that builds Sudoku-Extreme; compiled with numba (``cache=True``: a one-off compile,
then loaded from disk) this very code is about 100x faster (benchmarks/results/sudoku_bench.json).
A SAT solver from PyPI (pycosat) is slower still and cannot report branch points. Without numba installed the code
runs as plain Python (correct, slow), so numba stays an optional extra.

Search (an exact-cover search written with bitmasks, equivalent to DLX with the
minimum-column heuristic):

1. *Propagation* to a fixpoint: naked singles (a cell with one candidate removes it
   from its peers) and hidden singles (a digit with one place in a row/column/box goes
   there). A cell without candidates or a unit missing a digit is a contradiction.
2. *Branching* on the smallest choice among both kinds of exact-cover columns: a cell's
   candidates and a (unit, digit)'s possible positions (ties: cells first, lowest index).
   Branches are tried in increasing digit / position order, so the search is deterministic.

**Branch points** (``rate``): the number of search nodes where, after propagation, the chosen
column has >= 2 options, visited while counting solutions up to 2. For a unique puzzle this
exhausts the whole search tree, so it does not depend on luck in finding the solution first.
It is defined like the published DLX branch-point counts of the public Top1465 set, but any
single search order gives noisy numbers (a plain dict-of-sets DLX and this search correlate only
weakly on the same hard puzzles), and a
hill-climb on one order finds puzzles that are hard for that order only.

**Difficulty rating** (``difficulty``, the number shipped with Sudoku-Extreme): branch points
averaged over 8 fixed symmetry images of the puzzle (identity first), rounded. It rates the
puzzle rather than one search order. tdoku's number (the ``rating`` column of HF
sapientinc/sudoku-extreme) counts backtracks of tdoku's solver, whose propagation is stronger
(box-line interactions), so it is smaller for the same puzzle; the scales agree in order only,
and all are 0 for puzzles that singles solve.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

import numpy as np

from solvers.base import ExactSolver

try:  # numba is the optional ``sudoku`` extra; the code is valid plain Python without it
    from numba import njit
except ImportError:  # pragma: no cover - exercised only without the extra
    def njit(*args, **kwargs):  # type: ignore[no-redef]
        if args and callable(args[0]):
            return args[0]
        return lambda f: f

#: Number of valid complete 9x9 grids (Felgenhauer & Jarvis 2005).
NUM_GRIDS_9X9 = 6_670_903_752_021_072_936_960
MAX_BOX = 4  # up to 16x16 (25x25 would fit the int64 bitmasks but is untested)


@lru_cache(maxsize=8)
def unit_tables(box: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(units (3N, N) cell ids, cell_units (C, 3), peers (C, 3N-2-2(box-1)) ) for box size n."""
    n = box * box
    cells = np.arange(n * n).reshape(n, n)
    rows = [cells[r] for r in range(n)]
    cols = [cells[:, c] for c in range(n)]
    boxes = [cells[b0 : b0 + box, s0 : s0 + box].ravel() for b0 in range(0, n, box) for s0 in range(0, n, box)]
    units = np.array(rows + cols + boxes, dtype=np.int64)
    cell_units = np.zeros((n * n, 3), dtype=np.int64)
    for u, unit in enumerate(units):
        cell_units[unit, u // n] = u
    peers = []
    for c in range(n * n):
        p = set(units[cell_units[c]].ravel().tolist()) - {c}
        peers.append(sorted(p))
    return units, cell_units, np.array(peers, dtype=np.int64)


@njit(cache=True)
def _popcount(x: int) -> int:
    c = 0
    while x:
        x &= x - 1
        c += 1
    return c


@njit(cache=True)
def _bit_index(bit: int) -> int:
    i = 0
    while bit > 1:
        bit >>= 1
        i += 1
    return i


@njit(cache=True)
def _propagate(cand, queue, qlen, units, peers, n):  # pragma: no cover - compiled
    """Naked + hidden singles to a fixpoint; False on contradiction. ``queue`` holds new singles."""
    full = (1 << n) - 1
    while True:
        while qlen > 0:
            qlen -= 1
            c = queue[qlen]
            bit = cand[c]
            for k in range(peers.shape[1]):
                p = peers[c, k]
                m = cand[p]
                if m & bit:
                    m &= ~bit
                    if m == 0:
                        return False
                    cand[p] = m
                    if m & (m - 1) == 0:
                        queue[qlen] = p
                        qlen += 1
        found = False
        for u in range(units.shape[0]):
            once = 0
            twice = 0
            for k in range(n):
                m = cand[units[u, k]]
                twice |= once & m
                once |= m
            if once != full:
                return False
            hidden = once & ~twice
            while hidden:
                bit = hidden & -hidden
                hidden ^= bit
                for k in range(n):
                    c = units[u, k]
                    m = cand[c]
                    if m & bit:
                        if m != bit:
                            cand[c] = bit
                            queue[qlen] = c
                            qlen += 1
                            found = True
                        break
        if not found:
            return True


@njit(cache=True)
def _nth_bit(mask: int, k: int) -> int:
    for _ in range(k):
        mask &= mask - 1
    return mask & -mask


@njit(cache=True)
def _search(givens, box, limit, max_store, units, peers, seed):  # pragma: no cover - compiled
    """Depth-first exact-cover search. Returns (count<=limit, branch points, solutions).

    ``seed >= 0`` picks branches in random order (for random complete grids); ``-1`` is
    the deterministic order used for counting and rating.
    """
    n = box * box
    ncell = n * n
    full = (1 << n) - 1
    if seed >= 0:
        np.random.seed(seed)
    sols = np.zeros((max_store, ncell), dtype=np.int8)
    stack = np.empty((ncell + 2, ncell), dtype=np.int64)
    kind = np.empty(ncell + 2, dtype=np.int64)  # >=0: cell id; <0: -(unit*n + digit) - 1
    rem = np.empty(ncell + 2, dtype=np.int64)
    queue = np.empty(ncell * 2 + 8, dtype=np.int64)
    qlen = 0
    for c in range(ncell):
        g = givens[c]
        if g > 0:
            stack[0, c] = 1 << (g - 1)
            queue[qlen] = c
            qlen += 1
        else:
            stack[0, c] = full
    count = 0
    guesses = 0
    # givens that clash directly (two equal givens in a unit) are caught by propagation
    if not _propagate(stack[0], queue, qlen, units, peers, n):
        return 0, 0, sols
    depth = 0
    while True:
        cur = stack[depth]
        best = 0
        best_size = n + 1
        for c in range(ncell):
            m = cur[c]
            if m & (m - 1):
                s = _popcount(m)
                if s < best_size:
                    best_size = s
                    best = c
                    if s == 2:
                        break
        if best_size == n + 1:  # every cell decided: a solution
            if count < max_store:
                for c in range(ncell):
                    sols[count, c] = _bit_index(cur[c]) + 1
            count += 1
            if count >= limit:
                return count, guesses, sols
            depth -= 1
        else:
            kind[depth] = best
            rem[depth] = cur[best]
            if best_size > 2:  # a (unit, digit) with fewer places beats the cell
                for u in range(units.shape[0]):
                    for d in range(n):
                        bit = 1 << d
                        pos = 0
                        for k in range(n):
                            m = cur[units[u, k]]
                            if m & bit and m != bit:
                                pos |= 1 << k
                            elif m == bit:
                                pos = 0
                                break
                        if pos:
                            s = _popcount(pos)
                            if s < best_size:
                                best_size = s
                                kind[depth] = -(u * n + d) - 1
                                rem[depth] = pos
            guesses += 1
        # advance to the next untried branch, backtracking as needed
        while depth >= 0:
            r = rem[depth]
            if r == 0:
                depth -= 1
                continue
            bit = _nth_bit(r, np.random.randint(0, _popcount(r))) if seed >= 0 else r & -r
            rem[depth] = r ^ bit
            nxt = stack[depth + 1]
            nxt[:] = stack[depth]
            kd = kind[depth]
            if kd >= 0:
                cell = kd
                nxt[cell] = bit
            else:
                code = -kd - 1
                u = code // n
                cell = units[u, _bit_index(bit)]
                nxt[cell] = 1 << (code % n)
            queue[0] = cell
            if _propagate(nxt, queue, 1, units, peers, n):
                depth += 1
                break
        if depth < 0:
            return count, guesses, sols


def _check_board(board: np.ndarray) -> tuple[np.ndarray, int]:
    """Flat int64 givens and box size of an N^2 x N^2 board (0 = blank), else ValueError."""
    arr = np.asarray(board)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"Sudoku board must be an integer array, got dtype {arr.dtype}")
    if arr.ndim == 1:
        side = int(round(np.sqrt(arr.size)))
        arr = arr.reshape(side, side) if side * side == arr.size else arr[None]
    box = int(round(np.sqrt(arr.shape[0]))) if arr.ndim == 2 else 0
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or box * box != arr.shape[0] or not 1 <= box <= MAX_BOX:
        raise ValueError(f"Sudoku board must have shape (N^2, N^2) with N in 1..{MAX_BOX}, got {np.shape(board)}")
    n = box * box
    if arr.size and (arr.min() < 0 or arr.max() > n):
        raise ValueError(f"Sudoku board values must lie in [0, {n}] (0 = blank); got [{arr.min()}, {arr.max()}]")
    return arr.astype(np.int64).ravel(), box


def parse(text: str) -> np.ndarray:
    """An 81-char puzzle string ('.' or '0' blank) -> (9, 9) int8 board (also 16/256 chars)."""
    s = text.strip()
    side = int(round(len(s) ** 0.5))
    if side * side != len(s) or side not in (4, 9, 16):
        raise ValueError(f"puzzle string must have 16, 81 or 256 characters, got {len(s)}")
    alphabet = "123456789ABCDEFG"[:side]
    out = np.zeros(side * side, dtype=np.int8)
    for i, ch in enumerate(s.upper()):
        if ch in ".0":
            continue
        k = alphabet.find(ch)
        if k < 0:
            raise ValueError(f"bad character {ch!r} at {i}; expected '.', '0' or one of {alphabet!r}")
        out[i] = k + 1
    return out.reshape(side, side)


def to_string(board: np.ndarray) -> str:
    """(N^2, N^2) board -> one line, '.' for blanks (inverse of ``parse``)."""
    alphabet = ".123456789ABCDEFG"
    return "".join(alphabet[int(v)] for v in np.asarray(board).ravel())


def search(board: np.ndarray, limit: int = 2, max_store: int = 1, seed: int = -1) -> tuple[int, int, np.ndarray]:
    """(solutions found up to ``limit``, branch points, first ``max_store`` solutions as boards)."""
    flat, box = _check_board(board)
    units, _, peers = unit_tables(box)
    n = box * box
    count, guesses, sols = _search(flat, box, int(limit), int(max_store), units, peers, int(seed))
    return int(count), int(guesses), sols[: min(count, max_store)].reshape(-1, n, n).copy()


def solve(board: np.ndarray) -> np.ndarray | None:
    """One solution (the first in the deterministic order) or None."""
    count, _, sols = search(board, limit=1)
    return sols[0] if count else None


def count_solutions(board: np.ndarray, limit: int = 2) -> int:
    """Number of solutions up to ``limit`` (``== 1`` with limit 2 means unique)."""
    return search(board, limit=limit, max_store=0)[0]


def rate(board: np.ndarray) -> tuple[int, int]:
    """(solution count up to 2, difficulty = branch points of the full limit-2 search)."""
    count, guesses, _ = search(board, limit=2, max_store=0)
    return count, guesses


def random_grid(seed: int, box: int = 3) -> np.ndarray:
    """A random complete grid: randomized search on the blank board (deterministic per seed)."""
    n = box * box
    count, _, sols = search(np.zeros((n, n), dtype=np.int64), limit=1, seed=int(seed) % (2**31))
    assert count == 1
    return sols[0]


#: seed of the fixed symmetry images behind ``difficulty`` (changing it changes every rating)
DIFFICULTY_SEED = 20261128


@lru_cache(maxsize=8)
def symmetry_images(box: int, k: int, seed: int = DIFFICULTY_SEED) -> tuple[np.ndarray, np.ndarray]:
    """k fixed Sudoku symmetries as (cell_src (k, C), digit_map (k, N+1)); the first is the identity.

    new_flat[c] = digit_map[old_flat[cell_src[c]]]: band/stack, row/column-in-band,
    transpose and digit relabelling (the group ``gram_envs.sudoku.augment`` samples from).
    """
    rng = np.random.default_rng(seed)
    n = box * box
    src = np.empty((k, n * n), dtype=np.int64)
    dmap = np.empty((k, n + 1), dtype=np.int64)
    for i in range(k):
        if i == 0:
            rows, cols, flip, digits = np.arange(n), np.arange(n), False, np.arange(1, n + 1)
        else:
            rows = (rng.permutation(box)[:, None] * box + np.stack([rng.permutation(box) for _ in range(box)])).ravel()
            cols = (rng.permutation(box)[:, None] * box + np.stack([rng.permutation(box) for _ in range(box)])).ravel()
            flip, digits = bool(rng.random() < 0.5), rng.permutation(n) + 1
        cell = rows[:, None] * n + cols[None, :]
        src[i] = (cell.T if flip else cell).ravel()
        dmap[i] = np.concatenate([[0], digits])
    return src, dmap


def branch_points_over_images(board: np.ndarray, cell_src: np.ndarray, digit_map: np.ndarray) -> float:
    """Mean branch points of the limit-2 search over the given symmetry images of ``board``."""
    flat, box = _check_board(board)
    units, _, peers = unit_tables(box)
    total = 0
    for src, dm in zip(cell_src, digit_map, strict=True):
        total += _search(dm[flat[src]], box, 2, 0, units, peers, -1)[1]
    return total / len(cell_src)


def difficulty(board: np.ndarray, images: int = 8) -> int:
    """The shipped difficulty rating: branch points averaged over ``images`` fixed symmetry images.

    One search order can be exploited: a hill-climb on ``rate`` alone finds puzzles that are hard
    for *that* order only (measured on 300 such puzzles: median 47 branch points, but 20 averaged
    over 8 images and 26 for a textbook DLX). Averaging over fixed relabelled/permuted copies of the puzzle (identity
    first) rates the puzzle, not the order. Rounded to an int; deterministic.
    """
    _, box = _check_board(board)
    src, dmap = symmetry_images(box, images)
    return int(round(branch_points_over_images(board, src, dmap)))


@njit(cache=True)
def _random_grids(seeds, box, units, peers):  # pragma: no cover - compiled
    n = box * box
    blank = np.zeros(n * n, dtype=np.int64)
    out = np.empty((seeds.shape[0], n * n), dtype=np.int8)
    for i in range(seeds.shape[0]):
        out[i] = _search(blank, box, 1, 1, units, peers, seeds[i])[2][0]
    return out


def random_grids_from_seeds(seeds: np.ndarray, box: int = 3) -> np.ndarray:
    """``random_grid(s, box)`` for every seed, in one compiled loop: (len(seeds), N^2, N^2) int8."""
    units, _, peers = unit_tables(box)
    seeds = np.asarray(seeds, dtype=np.int64) % (2**31)
    n = box * box
    return _random_grids(seeds, box, units, peers).reshape(len(seeds), n, n)


class SudokuSolver(ExactSolver[np.ndarray]):
    """ExactSolver view of one board: solutions as (N^2, N^2) int8 boards, deterministic order."""

    def __init__(self, board: np.ndarray, chunk: int = 64) -> None:
        self.flat, self.box = _check_board(board)
        self.chunk = chunk

    def iter_solutions(self) -> Iterator[np.ndarray]:
        # The compiled search cannot yield; re-run it with a growing limit (cheap: Sudoku
        # callers ask for 1 or 2 solutions, enumeration of many is a test-only path).
        n = self.box * self.box
        board = self.flat.reshape(n, n)
        limit = self.chunk
        done = 0
        while True:
            count, _, sols = search(board, limit=limit, max_store=limit)
            for s in sols[done:count]:
                yield s.copy()
            if count < limit:
                return
            done = count
            limit *= 4

    def solve(self) -> np.ndarray | None:
        return solve(self.flat.reshape(self.box**2, -1))

    def count(self, limit: int | None = None) -> int:
        if limit is None:
            return super().count(None)
        if not isinstance(limit, int) or limit < 0:
            raise ValueError(f"limit must be None or a non-negative int, got {limit!r}")
        return 0 if limit == 0 else count_solutions(self.flat.reshape(self.box**2, -1), limit)

    def rating(self) -> int:
        """The difficulty rating (see module docstring)."""
        return difficulty(self.flat.reshape(self.box**2, -1))


@njit(cache=True)
def _minimize(puzzle, order, box, units, peers, min_clues):  # pragma: no cover - compiled
    """Drop clues in ``order`` while the puzzle stays unique (stop at ``min_clues``)."""
    out = puzzle.copy()
    clues = 0
    for i in range(out.shape[0]):
        clues += out[i] > 0
    for i in range(order.shape[0]):
        if clues <= min_clues:
            break
        c = order[i]
        v = out[c]
        if v == 0:
            continue
        out[c] = 0
        if _search(out, box, 2, 0, units, peers, -1)[0] != 1:
            out[c] = v
        else:
            clues -= 1
    return out


def minimize(puzzle: np.ndarray, rng: np.random.Generator, min_clues: int = 0) -> np.ndarray:
    """A minimal unique puzzle inside ``puzzle`` (which must be unique): every clue needed.

    ``min_clues > 0`` stops removing at that many clues (then not necessarily minimal):
    16x16 minimal puzzles take seconds each, a half-filled one milliseconds.
    """
    flat, box = _check_board(puzzle)
    units, _, peers = unit_tables(box)
    order = rng.permutation(flat.size).astype(np.int64)
    n = box * box
    return _minimize(flat, order, box, units, peers, int(min_clues)).reshape(n, n).astype(np.int8)
