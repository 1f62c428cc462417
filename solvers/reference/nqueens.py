"""N-Queens as a python-constraint model: one variable per row, its column as value."""

from __future__ import annotations

import constraint


def nqueens_problem(n: int, fixed: dict[int, int] | None = None) -> constraint.Problem:
    """Rows are variables; columns all different; no two queens on a diagonal."""
    problem = constraint.Problem()
    for row in range(n):
        domain = [fixed[row]] if fixed and row in fixed else list(range(n))
        problem.addVariable(row, domain)
    problem.addConstraint(constraint.AllDifferentConstraint(), list(range(n)))
    for r1 in range(n):
        for r2 in range(r1 + 1, n):
            gap = r2 - r1
            problem.addConstraint(lambda a, b, gap=gap: abs(a - b) != gap, (r1, r2))
    return problem


def nqueens_reference_solutions(n: int, fixed: dict[int, int] | None = None) -> set[tuple[int, ...]]:
    """Every solution as a column-per-row tuple."""
    return {tuple(sol[r] for r in range(n)) for sol in nqueens_problem(n, fixed).getSolutions()}
