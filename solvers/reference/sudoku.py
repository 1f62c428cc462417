"""Sudoku as a python-constraint model: the slow, independent oracle for the fast solver.

One variable per cell (givens get a one-value domain) and an ``AllDifferentConstraint``
per row, column and box. python-constraint 1.4.0 needs milliseconds on easy puzzles and
up to seconds on hard ones, so tests use it on easy 9x9 and on 4x4 puzzles only.
"""

from __future__ import annotations

import itertools

import constraint
import numpy as np


def sudoku_problem(board: np.ndarray) -> constraint.Problem:
    """The CSP of an N^2 x N^2 board (0 = blank); variables are (row, col)."""
    board = np.asarray(board)
    side = board.shape[0]
    box = int(round(side**0.5))
    problem = constraint.Problem()
    for r, c in itertools.product(range(side), repeat=2):
        v = int(board[r, c])
        problem.addVariable((r, c), [v] if v else list(range(1, side + 1)))
    units = [[(r, c) for c in range(side)] for r in range(side)]
    units += [[(r, c) for r in range(side)] for c in range(side)]
    units += [
        [(r, c) for r in range(br, br + box) for c in range(bc, bc + box)]
        for br in range(0, side, box)
        for bc in range(0, side, box)
    ]
    for unit in units:
        problem.addConstraint(constraint.AllDifferentConstraint(), unit)
    return problem


def reference_solutions(board: np.ndarray, limit: int | None = None) -> list[np.ndarray]:
    """Solutions as boards (at most ``limit``), via python-constraint's iterator."""
    side = np.asarray(board).shape[0]
    out = []
    for sol in sudoku_problem(board).getSolutionIter():
        out.append(np.array([[sol[(r, c)] for c in range(side)] for r in range(side)], dtype=np.int8))
        if limit is not None and len(out) >= limit:
            break
    return out


def dlx_branch_points(board: np.ndarray, limit: int = 2) -> tuple[int, int]:
    """(solutions up to ``limit``, branch points) of a textbook dict-of-sets Algorithm X.

    The common formulation (A. Assaf's dict-of-sets DLX): 324 columns in blocks (cell,
    row-digit, column-digit, box-digit), smallest column first (first in dict order on ties),
    rows in set order. A branch point is a node whose smallest column has >= 2 rows: the scale
    of the Top1465 figure (median 45) published for the public Top1465 set. Pure Python, 9x9 only;
    used to put the shipped ratings on that scale, not for volume.
    """
    n, box = 9, 3
    cols: dict[tuple, set] = {}
    for kind in ("rc", "rn", "cn", "bn"):
        for a, b in itertools.product(range(n), range(n)):
            cols[(kind, a, b)] = set()
    rows: dict[tuple, list] = {}
    for r, c, d in itertools.product(range(n), range(n), range(1, n + 1)):
        b = (r // box) * box + c // box
        rows[(r, c, d)] = [("rc", r, c), ("rn", r, d - 1), ("cn", c, d - 1), ("bn", b, d - 1)]
        for col in rows[(r, c, d)]:
            cols[col].add((r, c, d))

    def select(row: tuple) -> list:
        removed = []
        for j in rows[row]:
            for i in cols[j]:
                for k in rows[i]:
                    if k != j:
                        cols[k].remove(i)
            removed.append(cols.pop(j))
        return removed

    def deselect(row: tuple, removed: list) -> None:
        for j in reversed(rows[row]):
            cols[j] = removed.pop()
            for i in cols[j]:
                for k in rows[i]:
                    if k != j:
                        cols[k].add(i)

    for (r, c), v in np.ndenumerate(np.asarray(board)):
        if v:
            if (r, c, int(v)) not in cols.get(("rc", r, c), ()):
                return 0, 0  # clashing givens
            select((r, c, int(v)))
    state = [0, 0]

    def search() -> bool:
        if not cols:
            state[0] += 1
            return state[0] >= limit
        col = min(cols, key=lambda k: len(cols[k]))
        if len(cols[col]) >= 2:
            state[1] += 1
        for row in list(cols[col]):
            removed = select(row)
            stop = search()
            deselect(row, removed)
            if stop:
                return True
        return False

    search()
    return state[0], state[1]
