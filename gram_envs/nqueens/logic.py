"""Pure, batched N-Queens rules on 0/1 boards of shape (..., n, n).

``conflicts`` is the number of unordered queen pairs that share a row, a column or a
diagonal (pairs on one line count even when another queen stands between them), so a
board with c queens on one line contributes c*(c-1)/2. A board is *valid* iff it holds
exactly n queens, has zero conflicts and keeps every given queen.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


@lru_cache(maxsize=32)
def _line_incidence(n: int) -> np.ndarray:
    """(n*n, 6n-2) float32 matrix: cell -> its row, column, diagonal, anti-diagonal."""
    r, c = np.divmod(np.arange(n * n), n)
    lines = np.zeros((n * n, 6 * n - 2), dtype=np.float32)
    lines[np.arange(n * n), r] = 1
    lines[np.arange(n * n), n + c] = 1
    lines[np.arange(n * n), 2 * n + r - c + n - 1] = 1
    lines[np.arange(n * n), 4 * n - 1 + r + c] = 1
    return lines


def queen_conflicts(boards: np.ndarray) -> np.ndarray:
    """Attacking pairs per board (int64, shape ``boards.shape[:-2]``)."""
    n = boards.shape[-1]
    flat = boards.reshape(*boards.shape[:-2], n * n).astype(np.float32, copy=False)
    per_line = flat @ _line_incidence(n)
    return (per_line * (per_line - 1) / 2).sum(axis=-1).round().astype(np.int64)


def check_boards(givens: np.ndarray, boards: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(valid, conflicts) of boards against their given queens (broadcasting)."""
    n = boards.shape[-1]
    conflicts = queen_conflicts(boards)
    count_ok = boards.sum(axis=(-2, -1)) == n
    givens_ok = np.all((boards >= givens), axis=(-2, -1))
    return (conflicts == 0) & count_ok & givens_ok, conflicts
