"""N-Queens instances following the GRAM paper (App. C.2.1).

Every full solution of the n x n board, every way of removing k queens for k in the
removal range (5-7 on 8x8, 7-9 on 10x10): each distinct partial board is one instance,
all its completions are its solution set and its training targets. Instances are split
85:15 train:test by unique input with a seeded permutation, so no test input is ever
seen in training. Sizes: n=8 gives 5,148 inputs (8,464 pairs); n=10 43,420 (126,700).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from gram_envs.core.cache import cached_arrays
from gram_envs.core.checks import is_int
from gram_envs.core.dataset import PuzzleSet
from gram_envs.core.solution_sets import SolutionSets
from solvers.nqueens import all_solutions, cols_to_boards, essential_classes

DATA_VERSION = 1
PAPER_REMOVALS = {8: (5, 7), 10: (7, 9)}
#: cached arrays: name -> (dtype, ndim); a cache file that differs is rebuilt
SCHEMA = {
    "inputs_cols": ("int8", 2),
    "solutions_cols": ("int8", 2),
    "pair_owner": ("int64", 1),
    "pair_solution": ("int64", 1),
    "n_train": ("int64", 0),
    "essential": ("int64", 1),
}


def default_removals(n: int) -> tuple[int, int]:
    """The paper's removal range, or (n-3, n-1) for other sizes."""
    return PAPER_REMOVALS.get(n, (max(1, n - 3), n - 1))


def _build(n: int, removals: tuple[int, int], seed: int, test_fraction: float) -> dict[str, np.ndarray]:
    sols = all_solutions(n)  # (S, n) columns per row
    if len(sols) == 0:
        raise ValueError(f"the {n}x{n} board has no solution; choose n=1 or n>=4")
    lo, hi = removals
    partial = []
    for k in range(lo, hi + 1):
        for removed in combinations(range(n), k):
            cols = sols.astype(np.int16).copy()
            cols[:, list(removed)] = -1  # -1: row left empty
            partial.append(cols)
    inputs_cols = np.unique(np.concatenate(partial), axis=0)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(inputs_cols))
    inputs_cols = inputs_cols[order]
    n_test = int(round(test_fraction * len(inputs_cols)))
    n_train = len(inputs_cols) - n_test
    # completion matrix: input i is completed by solution s iff every given queen agrees
    given = inputs_cols >= 0
    agree = (inputs_cols[:, None, :] == sols[None, :, :]) | ~given[:, None, :]
    owner, sol_idx = np.nonzero(agree.all(axis=-1))
    return {
        "inputs_cols": inputs_cols.astype(np.int8),
        "solutions_cols": sols,
        "pair_owner": owner.astype(np.int64),
        "pair_solution": sol_idx.astype(np.int64),
        "n_train": np.array(n_train, dtype=np.int64),
        "essential": essential_classes(sols).astype(np.int64),
    }


def build_nqueens(
    n: int, removals: tuple[int, int] | None = None, seed: int = 0, test_fraction: float = 0.15
) -> PuzzleSet:
    """The full instance set (train ids first), cached on disk under a versioned key."""
    if not is_int(n) or not 4 <= n <= 12:
        raise ValueError(f"n must be an int in [4, 12] (all solutions are enumerated), got {n!r}")
    n = int(n)
    lo, hi = removals or default_removals(n)
    if not 1 <= lo <= hi <= n:
        raise ValueError(f"removals must satisfy 1 <= lo <= hi <= n={n}, got ({lo}, {hi})")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must lie in (0, 1), got {test_fraction}")
    key = f"nqueens-v{DATA_VERSION}-n{n}-rm{lo}-{hi}-seed{seed}-test{test_fraction}"
    data = cached_arrays(key, lambda: _build(n, (lo, hi), seed, test_fraction), SCHEMA)
    inputs_cols = data["inputs_cols"]
    puzzles = (inputs_cols[..., None] == np.arange(n)).astype(np.int8)
    sol_boards = cols_to_boards(data["solutions_cols"])
    owner, sol_idx = data["pair_owner"], data["pair_solution"]
    split_at = np.searchsorted(owner, np.arange(len(inputs_cols) + 1))
    per_instance = [sol_boards[sol_idx[split_at[i] : split_at[i + 1]]] for i in range(len(inputs_cols))]
    n_train = int(data["n_train"])
    return PuzzleSet(
        puzzles=puzzles,
        splits={"train": np.arange(n_train), "test": np.arange(n_train, len(puzzles))},
        solutions=SolutionSets(per_instance, answer_ndim=2),
        targets=sol_boards[sol_idx],
        target_owner=owner,
        essential_class=data["essential"][sol_idx],
    )
