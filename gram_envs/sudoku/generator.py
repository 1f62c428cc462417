"""Sudoku instances: random complete grids, minimal unique puzzles, and a hill-climb to hard ones.

- ``random_grids``: complete grids from a seed (randomised exact search on the blank board;
  not exactly uniform over all grids, but every grid is reachable and seeds never repeat).
- ``minimal_puzzle``: remove the clues of a grid in random order while the solution stays
  unique; the result is *minimal* (no clue can go). These are easy: median 1 guess.
- ``harden``: hill-climb from a minimal puzzle toward a target difficulty (branch points of
  the solver's search, averaged over a few symmetry images so that the climb cannot exploit
  one search order). A move removes 1-2 clues, adds as many other cells of the same solution
  grid, repairs uniqueness with extra clues and re-minimises; it is kept when the score does
  not fall (plateau moves keep the walk going). Reported ratings are ``solvers.sudoku.difficulty``.

Everything is deterministic given the seed. A move costs ~1-3 ms (numba; re-minimising plus
rating 4 images) and a hard puzzle takes hundreds of moves: fine offline
(``python -m experiments.build_sudoku_extreme``) and for small parametric sets (``GRAM/Sudoku-v0``,
cached), not for CI.
"""

from __future__ import annotations

import numpy as np

from gram_envs.core.cache import cached_arrays
from gram_envs.core.dataset import PuzzleSet
from gram_envs.core.solution_sets import SolutionSets
from gram_envs.sudoku.augment import random_transforms
from solvers.sudoku import (
    branch_points_over_images,
    count_solutions,
    minimize,
    random_grid,
    random_grids_from_seeds,
)
from solvers.sudoku import difficulty as rate_difficulty

DATA_VERSION = 4
#: clue floor per box size: 16x16 stops removing at 120 of 256 clues (minimal 16x16
#: puzzles take seconds each, and below ~100 clues single checks can take a second)
MIN_CLUES = {2: 0, 3: 0, 4: 120}
#: cached arrays of a parametric set: name -> (dtype, ndim); a cache file that differs is rebuilt
SCHEMA = {"puzzles": ("int8", 3), "solutions": ("int8", 3), "ratings": ("int64", 1), "n_train": ("int64", 0)}


def random_grids(seed: int, count: int, box: int = 3) -> np.ndarray:
    """(count, N^2, N^2) int8 complete grids, deterministic per seed."""
    # consecutive search seeds from a random start: distinct (independent draws would collide
    # by the birthday bound, ~0.6 pairs per 50K seeds in 2^31, and repeat grids)
    start = int(np.random.default_rng(seed).integers(0, 2**31 - 1))
    return random_grids_from_seeds((start + np.arange(count, dtype=np.int64)) % (2**31), box)


def minimal_puzzle(grid: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A minimal unique-solution puzzle whose solution is ``grid`` (16x16: see MIN_CLUES)."""
    grid = np.asarray(grid, dtype=np.int8)
    return minimize(grid, rng, MIN_CLUES.get(box_of(grid), 0))


def box_of(board: np.ndarray) -> int:
    """Box size of an N^2 x N^2 board."""
    return int(round(np.sqrt(board.shape[-1])))


def _mutate(puzzle: np.ndarray, grid: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One hill-climb move: swap 1-2 clues for other cells of the grid, repair, re-minimise."""
    flat = puzzle.ravel().copy()
    solution = grid.ravel()
    clues = np.flatnonzero(flat)
    k = int(rng.integers(1, 3))
    flat[rng.choice(clues, min(k, len(clues)), replace=False)] = 0
    blanks = np.flatnonzero(flat == 0)
    added = rng.choice(blanks, min(k, len(blanks)), replace=False)
    flat[added] = solution[added]
    side = puzzle.shape[0]
    board = flat.reshape(side, side)
    while count_solutions(board) != 1:  # repair: more clues of the same grid
        blanks = np.flatnonzero(flat == 0)
        c = rng.choice(blanks)
        flat[c] = solution[c]
    return minimize(board, rng, MIN_CLUES.get(box_of(board), 0))


def harden(
    grid: np.ndarray, rng: np.random.Generator, target: float, max_moves: int, images: int = 4
) -> tuple[np.ndarray, float, int]:
    """Hill-climb a minimal puzzle of ``grid`` until its score >= target (or moves run out).

    The score is the mean branch-point count over ``images`` random symmetry images drawn
    once per climb: a single search order gets exploited (puzzles hard for that order only),
    a few fixed orders much less so. Returns (puzzle, score, moves used).
    """
    box = box_of(grid)
    src, dmap = random_transforms(rng, images, box)
    puzzle = minimal_puzzle(grid, rng)
    score = branch_points_over_images(puzzle, src, dmap)
    moves = 0
    while score < target and moves < max_moves:
        cand = _mutate(puzzle, grid, rng)
        s = branch_points_over_images(cand, src, dmap)
        moves += 1
        if s >= score:
            puzzle, score = cand, s
    return puzzle, score, moves


def generate(seed: int, box: int, difficulty: tuple[int, int], max_moves: int = 400) -> tuple[np.ndarray, np.ndarray, int]:
    """One unique puzzle with ``difficulty()`` rating in [lo, hi] (retries with fresh grids).

    The climb stops as soon as its score reaches ``lo``, so ratings cluster near ``lo``;
    ``lo`` above ~30 costs seconds a puzzle (use the shipped Sudoku-Extreme set instead).
    """
    lo, hi = difficulty
    rng = np.random.default_rng(seed)
    for _ in range(1000):
        grid = random_grid(int(rng.integers(2**31 - 1)), box)
        puzzle, _, _ = harden(grid, rng, lo, max_moves) if lo > 0 else (minimal_puzzle(grid, rng), 0, 0)
        rating = rate_difficulty(puzzle)
        if lo <= rating <= hi:
            return puzzle, grid, rating
    raise RuntimeError(f"no puzzle with rating in {difficulty} after 1000 grids; widen the range")


def _build_parametric(box: int, difficulty: tuple[int, int], n_train: int, n_test: int, seed: int):
    """Distinct puzzles only (4x4 has few: repeats are skipped), so train and test never share one."""
    total = n_train + n_test
    rng = np.random.default_rng(seed)
    n = box * box
    puzzles = np.empty((total, n, n), dtype=np.int8)
    solutions = np.empty((total, n, n), dtype=np.int8)
    ratings = np.empty(total, dtype=np.int64)
    seen: set[bytes] = set()
    i = attempts = 0
    while i < total:
        attempts += 1
        if attempts > 20 * total + 100:
            raise ValueError(f"only {i} distinct {n}x{n} puzzles found for difficulty {difficulty}; ask for fewer")
        p, sol, r = generate(int(rng.integers(2**31 - 1)), box, difficulty)
        if p.tobytes() in seen:
            continue
        seen.add(p.tobytes())
        puzzles[i], solutions[i], ratings[i] = p, sol, r
        i += 1
    n_train_arr = np.array(n_train, dtype=np.int64)
    return {"puzzles": puzzles, "solutions": solutions, "ratings": ratings, "n_train": n_train_arr}


def unique_puzzle_set(puzzles: np.ndarray, solutions: np.ndarray, ratings: np.ndarray, n_train: int) -> PuzzleSet:
    """PuzzleSet of unique-solution puzzles: each solution set holds the one solution board."""
    total = len(puzzles)
    return PuzzleSet(
        puzzles=puzzles.astype(np.int8),
        splits={"train": np.arange(n_train), "test": np.arange(n_train, total)},
        solutions=SolutionSets(list(solutions[:, None].astype(np.int8)), answer_ndim=2),
        targets=solutions.astype(np.int8),
        target_owner=np.arange(total, dtype=np.int64),
        extras={"rating": np.asarray(ratings, dtype=np.int64)},
    )


def build_parametric(
    box: int = 3, difficulty: tuple[int, int] = (0, 1000), n_train: int = 1000, n_test: int = 200, seed: int = 0
) -> PuzzleSet:
    """Generated unique puzzles with rating in ``difficulty`` (cached on disk)."""
    if not isinstance(box, int) or not 2 <= box <= 4:
        raise ValueError(f"box must be 2, 3 or 4 (boards 4x4, 9x9, 16x16), got {box!r}")
    lo, hi = difficulty
    if not 0 <= lo <= hi:
        raise ValueError(f"difficulty must be (lo, hi) with 0 <= lo <= hi, got {difficulty!r}")
    if n_train < 1 or n_test < 1:
        raise ValueError(f"n_train and n_test must be >= 1, got {n_train}, {n_test}")
    key = f"sudoku-v{DATA_VERSION}-box{box}-d{lo}-{hi}-tr{n_train}-te{n_test}-seed{seed}"
    data = cached_arrays(key, lambda: _build_parametric(box, (lo, hi), n_train, n_test, seed), SCHEMA)
    return unique_puzzle_set(data["puzzles"], data["solutions"], data["ratings"], int(data["n_train"]))
