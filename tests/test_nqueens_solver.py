"""The fast N-Queens solver against known counts and the python-constraint oracle."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gram_envs.nqueens.logic import check_boards, queen_conflicts
from gram_envs.testing import nqueens_partial_boards
from solvers.nqueens import (
    KNOWN_COUNTS,
    KNOWN_ESSENTIAL,
    NQueensSolver,
    all_solutions,
    cols_to_boards,
    essential_classes,
)
from solvers.reference.nqueens import nqueens_reference_solutions


@pytest.mark.parametrize("n", range(1, 13))
def test_counts_match_oeis(n: int) -> None:
    sols = all_solutions(n)
    assert len(sols) == KNOWN_COUNTS[n - 1]
    if len(sols):
        assert len(np.unique(essential_classes(sols))) == KNOWN_ESSENTIAL[n - 1]


@pytest.mark.parametrize("n", range(4, 9))
def test_full_enumeration_equals_oracle(n: int) -> None:
    fast = {tuple(map(int, s)) for s in all_solutions(n)}
    assert fast == nqueens_reference_solutions(n)


@given(st.integers(4, 8).flatmap(lambda n: st.tuples(st.just(n), st.dictionaries(
    st.integers(0, n - 1), st.integers(0, n - 1), max_size=3))))
def test_completions_equal_oracle(case) -> None:
    n, fixed = case
    fast = set(NQueensSolver(n, fixed).enumerate())
    assert fast == nqueens_reference_solutions(n, fixed)


def test_every_solution_validates() -> None:
    for n in (4, 6, 8, 10):
        boards = cols_to_boards(all_solutions(n))
        valid, conflicts = check_boards(np.zeros_like(boards), boards)
        assert valid.all() and (conflicts == 0).all()


def test_count_limit_and_solve() -> None:
    solver = NQueensSolver(8)
    assert solver.count(limit=5) == 5
    assert solver.count() == 92
    assert solver.solve() == tuple(int(c) for c in all_solutions(8)[0])
    assert NQueensSolver(3).solve() is None
    with pytest.raises(ValueError):
        solver.count(limit=-1)
    with pytest.raises(ValueError):
        NQueensSolver(4, {5: 0})


def _slow_conflicts(board: np.ndarray) -> int:
    """Reference: check every pair of queens directly."""
    queens = list(zip(*np.nonzero(board), strict=True))
    pairs = 0
    for i, (r1, c1) in enumerate(queens):
        for r2, c2 in queens[i + 1 :]:
            pairs += r1 == r2 or c1 == c2 or abs(r1 - r2) == abs(c1 - c2)
    return pairs


@given(st.integers(4, 10).flatmap(lambda n: st.lists(st.integers(0, 1), min_size=n * n, max_size=n * n).map(
    lambda bits: np.array(bits, dtype=np.int8).reshape(n, n))))
def test_conflicts_equal_pairwise_reference(board: np.ndarray) -> None:
    assert int(queen_conflicts(board)) == _slow_conflicts(board)


@given(nqueens_partial_boards(8, 1, 8), st.integers(0, 63))
def test_single_cell_change_is_caught(case, cell: int) -> None:
    partial, full = case
    changed = full.copy()
    r, c = divmod(cell, 8)
    changed[r, c] ^= 1
    valid, conflicts = check_boards(partial, changed)
    assert not valid
    assert int(conflicts) == _slow_conflicts(changed)
