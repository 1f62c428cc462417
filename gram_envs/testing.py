"""Conformance checks and hypothesis strategies users can import for their own tests.

``check_all()`` runs gymnasium's ``check_env`` over every registered ``GRAM/...`` id (the
pgx ``api_test`` idea). The strategies need ``hypothesis`` (``pip install gram-gym[dev]``)
and build their examples without calling our solvers, so they can test the solvers.
"""

from __future__ import annotations

from collections.abc import Iterable

import gymnasium as gym
import numpy as np
from gymnasium.utils.env_checker import check_env

import gram_envs  # noqa: F401  (registers the ids)
from gram_envs.registration import ENV_TABLE
from solvers.nqueens import all_solutions, cols_to_boards

try:  # strategies are optional: check_all works without hypothesis
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover
    st = None


def check_all(env_ids: Iterable[str] | None = None, *, skip_render_check: bool = False) -> list[str]:
    """Run ``check_env`` on every (or the given) registered id; return the ids checked.

    Each env is made with ``gym.make`` and checked unwrapped, so the spec is attached and
    every render mode is exercised. Raises the checker's error for the first failure.
    """
    ids = list(env_ids) if env_ids is not None else sorted(ENV_TABLE)
    for env_id in ids:
        env = gym.make(env_id)
        try:
            check_env(env.unwrapped, skip_render_check=skip_render_check)
        finally:
            env.close()
    return ids


def _require_hypothesis() -> None:
    if st is None:
        raise ImportError("gram_envs.testing strategies need hypothesis: pip install 'gram-gym[dev]'")


def nqueens_solutions(n: int = 8):
    """Strategy: a full valid n x n N-Queens board (int8 0/1)."""
    _require_hypothesis()
    boards = cols_to_boards(all_solutions(n))
    return st.integers(0, len(boards) - 1).map(lambda i: boards[i].copy())


def nqueens_partial_boards(n: int = 8, min_removed: int = 1, max_removed: int | None = None):
    """Strategy: (partial board, a full solution extending it) with some queens removed."""
    _require_hypothesis()
    hi = n if max_removed is None else max_removed

    @st.composite
    def build(draw):
        full = draw(nqueens_solutions(n))
        rows = draw(st.lists(st.integers(0, n - 1), min_size=min_removed, max_size=hi, unique=True))
        partial = full.copy()
        partial[rows] = 0
        return partial, full

    return build()


def colored_graphs(min_nodes: int = 2, max_nodes: int = 10, k: int = 3, edge_prob: float = 0.5):
    """Strategy: (adjacency (n, n) int8, proper colouring (n,)) of a k-colourable graph.

    The colouring is drawn first and only edges between different colours are allowed,
    so every example is k-colourable with a known witness, independently of any solver.
    """
    _require_hypothesis()

    @st.composite
    def build(draw):
        n = draw(st.integers(min_nodes, max_nodes))
        colors = np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)), dtype=np.int64)
        adj = np.zeros((n, n), dtype=np.int8)
        for i in range(n):
            for j in range(i + 1, n):
                if colors[i] != colors[j] and draw(st.floats(0, 1)) < edge_prob:
                    adj[i, j] = adj[j, i] = 1
        return adj, colors

    return build()


def random_graphs(min_nodes: int = 1, max_nodes: int = 9):
    """Strategy: any simple graph as a symmetric (n, n) int8 adjacency with zero diagonal."""
    _require_hypothesis()

    @st.composite
    def build(draw):
        n = draw(st.integers(min_nodes, max_nodes))
        bits = draw(st.lists(st.booleans(), min_size=n * (n - 1) // 2, max_size=n * (n - 1) // 2))
        adj = np.zeros((n, n), dtype=np.int8)
        adj[np.triu_indices(n, 1)] = bits
        return adj | adj.T

    return build()

