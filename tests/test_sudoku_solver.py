"""Fast Sudoku solver vs the python-constraint oracle, and its contract (tests only; no timing)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gram_envs.sudoku.augment import augment_boards
from gram_envs.sudoku.generator import minimal_puzzle, random_grids
from gram_envs.sudoku.logic import equivalent, invariant_key, is_valid_grid
from solvers.reference.sudoku import reference_solutions
from solvers.sudoku import (
    NUM_GRIDS_9X9,
    SudokuSolver,
    count_solutions,
    parse,
    random_grid,
    rate,
    search,
    solve,
    to_string,
)

ESCARGOT = "1....7.9..3..2...8..96..5....53..9...1..8...26....4...3......1..4......7..7...3.."
EASTER_MONSTER = "1.......2.9.4...5...6...7...5.9.3.......7.......85..4.7.....6...3...9.8...2.....1"
NORVIG_HARD1 = ".....6....59.....82....8....45........3........6..3.54...325..6.................."  # many solutions


def _keys(boards) -> set[bytes]:
    return {np.asarray(b, dtype=np.int8).tobytes() for b in boards}


def test_known_hard_puzzles() -> None:
    for text in (ESCARGOT, EASTER_MONSTER):
        p = parse(text)
        count, rating = rate(p)
        assert count == 1 and rating > 0
        sol = solve(p)
        assert sol is not None and is_valid_grid(sol) and np.all((p == 0) | (sol == p))
        assert rate(p) == (count, rating)  # deterministic
    p = parse(NORVIG_HARD1)  # the 6.5 s case of a plain bitmask DFS
    count, _, sols = search(p, limit=10, max_store=10)
    assert count == 10 and len(_keys(sols)) == 10
    assert all(is_valid_grid(s) and np.all((p == 0) | (s == p)) for s in sols)
    assert count_solutions(p, limit=2) == 2


def test_parse_roundtrip_and_errors() -> None:
    assert to_string(parse(ESCARGOT)) == ESCARGOT
    with pytest.raises(ValueError, match="81"):
        parse("123")
    with pytest.raises(ValueError, match="bad character"):
        parse("x" * 81)


@pytest.mark.parametrize(
    "board, match",
    [
        (np.zeros((9, 8), dtype=int), "shape"),
        (np.zeros((9, 9)), "integer"),
        (np.full((9, 9), 10), r"\[0, 9\]"),
        (np.zeros((5, 5), dtype=int), "shape"),
    ],
)
def test_bad_boards_raise(board, match) -> None:
    with pytest.raises(ValueError, match=match):
        count_solutions(board)


def test_contradictory_givens_have_no_solution() -> None:
    p = np.zeros((9, 9), dtype=int)
    p[0, 0] = p[0, 5] = 3
    assert count_solutions(p) == 0 and solve(p) is None


def test_4x4_blank_enumeration_matches_oracle() -> None:
    blank = np.zeros((4, 4), dtype=int)
    fast = SudokuSolver(blank, chunk=16).enumerate()
    assert len(fast) == 288 == len(_keys(fast))
    assert _keys(fast) == _keys(reference_solutions(blank))
    assert SudokuSolver(blank).count(limit=5) == 5 and SudokuSolver(blank).count() == 288


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), holes=st.integers(4, 16))
def test_4x4_partial_boards_match_oracle(seed: int, holes: int) -> None:
    rng = np.random.default_rng(seed)
    board = random_grid(seed, box=2).astype(int)
    board[np.unravel_index(rng.choice(16, holes, replace=False), (4, 4))] = 0
    if rng.random() < 0.3:  # sometimes an inconsistent given
        board[rng.integers(4), rng.integers(4)] = rng.integers(1, 5)
    assert _keys(SudokuSolver(board).enumerate()) == _keys(reference_solutions(board))


@pytest.mark.parametrize("seed", range(8))
def test_easy_9x9_matches_oracle(seed: int) -> None:
    """Minimal (easy/medium) puzzles, and the same with extra holes (several solutions)."""
    rng = np.random.default_rng(seed)
    grid = random_grid(seed)
    p = minimal_puzzle(grid, rng)
    assert count_solutions(p) == 1
    ref = reference_solutions(p, limit=2)
    assert len(ref) == 1 and np.array_equal(ref[0], solve(p)) and np.array_equal(ref[0], grid)
    q = p.copy()
    q[np.unravel_index(rng.choice(np.flatnonzero(q), 2, replace=False), q.shape)] = 0
    fast = search(q, limit=3, max_store=3)
    ref = reference_solutions(q, limit=3)
    assert fast[0] == len(ref) >= 2
    if len(ref) < 3:
        assert _keys(fast[2]) == _keys(ref)


def test_random_grids_valid_distinct_and_seeded() -> None:
    g = random_grids(7, 50)
    assert is_valid_grid(g).all() and len(_keys(g)) == 50
    assert np.array_equal(g, random_grids(7, 50))
    g16 = random_grid(3, box=4)
    assert is_valid_grid(g16)
    assert NUM_GRIDS_9X9 == 6670903752021072936960


def test_symmetry_equivalence_exact() -> None:
    p = parse(ESCARGOT)
    rng = np.random.default_rng(0)
    imgs, _ = augment_boards(rng, np.repeat(p[None], 6, axis=0), np.repeat(p[None], 6, axis=0))
    for img in imgs:  # about half of them transposed
        assert invariant_key(img) == invariant_key(p)
        assert equivalent(p, img) and equivalent(img, p)
    img = imgs[0]
    other = parse(EASTER_MONSTER)
    assert not equivalent(p, other)
    swapped = img.copy()  # swap two rows of different bands: not a Sudoku symmetry
    swapped[[0, 3]] = swapped[[3, 0]]
    assert not equivalent(p, swapped)


def test_difficulty_is_invariant_in_definition_and_deterministic() -> None:
    """The rating averages fixed symmetry images, the first being the puzzle itself."""
    from solvers.reference.sudoku import dlx_branch_points
    from solvers.sudoku import difficulty, symmetry_images

    src, dmap = symmetry_images(3, 8)
    assert np.array_equal(src[0], np.arange(81)) and np.array_equal(dmap[0], np.arange(10))
    grid = random_grid(4)
    images = np.take_along_axis(dmap, grid.ravel()[src].astype(np.int64), axis=1).reshape(8, 9, 9)
    assert is_valid_grid(images).all() and len(_keys(images)) == 8
    p = parse(ESCARGOT)
    assert difficulty(p) == difficulty(p.copy()) > 0
    assert dlx_branch_points(p)[0] == 1 and dlx_branch_points(parse(NORVIG_HARD1))[0] == 2
    assert difficulty(minimal_puzzle(grid, np.random.default_rng(0))) < difficulty(p)
