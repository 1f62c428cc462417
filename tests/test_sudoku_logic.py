"""Batched Sudoku rules and augmentation: against slow references and as properties."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gram_envs.core.dataset import IGNORE_LABEL
from gram_envs.sudoku.augment import augment_boards, token_augmenter
from gram_envs.sudoku.generator import minimal_puzzle, random_grids
from gram_envs.sudoku.logic import check_boards, conflicts, is_valid_grid
from solvers.sudoku import count_solutions, random_grid, solve, unit_tables


def slow_conflicts(board: np.ndarray) -> int:
    """Per unit and digit with c >= 1 occurrences, c - 1 (blanks ignored)."""
    side = board.shape[0]
    box = int(round(side**0.5))
    units = [board[r] for r in range(side)] + [board[:, c] for c in range(side)]
    units += [board[r : r + box, c : c + box].ravel() for r in range(0, side, box) for c in range(0, side, box)]
    total = 0
    for unit in units:
        for d in range(1, side + 1):
            total += max(int(np.sum(unit == d)) - 1, 0)
    return total


@settings(max_examples=60, deadline=None)
@given(side=st.sampled_from([4, 9, 16]), seed=st.integers(0, 2**32 - 1), blank_p=st.floats(0, 0.5))
def test_conflicts_match_slow_reference(side: int, seed: int, blank_p: float) -> None:
    rng = np.random.default_rng(seed)
    boards = rng.integers(1, side + 1, size=(3, side, side))
    boards[rng.random(boards.shape) < blank_p] = 0
    assert conflicts(boards).tolist() == [slow_conflicts(b) for b in boards]


def test_single_cell_change_gives_three_conflicts() -> None:
    """In a valid grid every unit holds each digit once, so a changed cell duplicates in 3 units."""
    for box in (2, 3, 4):
        grid = random_grid(box, box=box).astype(np.int64)
        n = box * box
        variants = np.repeat(grid[None], n * n * (n - 1), axis=0)
        k = 0
        for cell in range(n * n):
            r, c = divmod(cell, n)
            for d in range(1, n + 1):
                if d != grid[r, c]:
                    variants[k, r, c] = d
                    k += 1
        assert conflicts(grid) == 0 and is_valid_grid(grid)
        assert np.all(conflicts(variants) == 3)
        assert not is_valid_grid(variants).any()


def test_givens_must_be_kept() -> None:
    grid = random_grid(0).astype(np.int64)
    puzzle = minimal_puzzle(grid, np.random.default_rng(0)).astype(np.int64)
    valid, conf = check_boards(puzzle, grid)
    assert valid and conf == 0
    other = random_grid(1).astype(np.int64)  # a valid grid that ignores the givens
    valid, conf = check_boards(puzzle, other)
    assert not valid and conf == 0
    incomplete = grid.copy()
    incomplete[0, 0] = 0
    assert not check_boards(np.zeros_like(grid), incomplete)[0]


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), box=st.sampled_from([2, 3]))
def test_augmentation_preserves_validity_and_uniqueness(seed: int, box: int) -> None:
    rng = np.random.default_rng(seed)
    grid = random_grid(seed, box=box)
    puzzle = minimal_puzzle(grid, rng)
    aug_p, aug_s = augment_boards(rng, np.stack([puzzle] * 4), np.stack([grid] * 4))
    for p, s in zip(aug_p, aug_s, strict=True):
        assert is_valid_grid(s)
        assert np.array_equal(p > 0, (p > 0) & (s == p))  # givens agree with the solution
        assert (p > 0).sum() == (puzzle > 0).sum()
        assert count_solutions(p) == 1 and np.array_equal(solve(p), s)


def test_augmentation_covers_the_group_and_is_seeded() -> None:
    grid = random_grids(0, 1)
    reps = np.repeat(grid, 500, axis=0)
    a1, _ = augment_boards(np.random.default_rng(5), reps, reps)
    a2, _ = augment_boards(np.random.default_rng(5), reps, reps)
    assert np.array_equal(a1, a2)
    assert len({b.tobytes() for b in a1}) == 500  # distinct variants
    assert is_valid_grid(a1).all()


def test_token_augmenter_matches_board_augmentation() -> None:
    rng = np.random.default_rng(1)
    grids = random_grids(3, 8)
    puzzles = np.stack([minimal_puzzle(g, rng) for g in grids])
    inputs = (puzzles.reshape(8, 81) + 1).astype(np.int32)
    labels = (grids.reshape(8, 81) + 1).astype(np.int32)
    labels[:, :3] = IGNORE_LABEL
    aug = token_augmenter(3)
    ai, al = aug(np.random.default_rng(9), inputs, labels)
    bi, bl = aug(np.random.default_rng(9), inputs, labels)
    assert np.array_equal(ai, bi) and np.array_equal(al, bl) and ai.dtype == inputs.dtype
    assert (ai == 1).sum() == (inputs == 1).sum() and (al == IGNORE_LABEL).sum() == 3 * 8
    ref_p, ref_s = augment_boards(np.random.default_rng(9), puzzles, grids)
    assert np.array_equal(ai, ref_p.reshape(8, 81) + 1)
    ok = al != IGNORE_LABEL
    assert np.array_equal(al[ok], (ref_s.reshape(8, 81) + 1)[ok])


@settings(max_examples=40, deadline=None)
@given(side=st.sampled_from([4, 9, 16]), seed=st.integers(0, 2**32 - 1), swaps=st.integers(0, 2))
def test_units_hold_distinct_digits_exactly_on_valid_grids(side: int, seed: int, swaps: int) -> None:
    """The solver's units (the groups a trainer checks generated grids by) agree with the exact validator."""
    rng = np.random.default_rng(seed)
    grid = random_grid(seed, box=int(round(side**0.5)))
    boards = np.stack([grid, rng.integers(1, side + 1, size=(side, side))]).reshape(2, -1).astype(np.int64)
    for _ in range(swaps):  # two cells of the grid exchanged: valid only if they hold one digit
        i, j = rng.choice(side * side, 2, replace=False)
        boards[0, [i, j]] = boards[0, [j, i]]
    grouped = np.sort(boards[:, unit_tables(int(round(side**0.5)))[0]], axis=-1)
    distinct = (np.diff(grouped, axis=-1) != 0).all(axis=(-1, -2))
    assert distinct.tolist() == is_valid_grid(boards.reshape(2, side, side)).tolist()
