"""One small interface shared by every exact solver (N-Queens, colouring, Sudoku).

A solver only has to yield solutions lazily; ``solve``, ``count`` and ``enumerate``
follow from that, so a uniqueness check is ``count(limit=2) == 1`` for every family.
"""

from __future__ import annotations

import itertools
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Generic, TypeVar

Solution = TypeVar("Solution")


class ExactSolver(ABC, Generic[Solution]):
    """Exhaustive solver of one problem instance."""

    @abstractmethod
    def iter_solutions(self) -> Iterator[Solution]:
        """Yield every solution exactly once, lazily (so limits stop the search early)."""

    def solve(self) -> Solution | None:
        """First solution, or None when the instance is unsatisfiable."""
        return next(iter(self.iter_solutions()), None)

    def count(self, limit: int | None = None) -> int:
        """Number of solutions, stopping at ``limit`` (``count(2) == 1`` means unique)."""
        _check_limit(limit)
        return sum(1 for _ in itertools.islice(self.iter_solutions(), limit))

    def enumerate(self, limit: int | None = None) -> list[Solution]:
        """All solutions (at most ``limit``) in the solver's deterministic order."""
        _check_limit(limit)
        return list(itertools.islice(self.iter_solutions(), limit))


def _check_limit(limit: int | None) -> None:
    if limit is not None and (not isinstance(limit, int) or limit < 0):
        raise ValueError(f"limit must be None or a non-negative int, got {limit!r}")
