"""The fast colouring solver held to the python-constraint oracle, plus canonical-form properties."""

from __future__ import annotations

import itertools
from math import perm

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solvers.coloring import (
    ColoringSolver,
    adjacency_matrix,
    batch_canonical_colorings,
    canonical_colorings,
    canonicalize,
    chromatic_number,
    graph_from_adjacency,
    is_colorable,
    restricted_growth_strings,
)
from solvers.reference.coloring import coloring_reference_solutions


@st.composite
def small_graphs(draw, max_n: int = 7) -> nx.Graph:
    """A graph on 0..n-1 with an arbitrary edge subset (isolated vertices included)."""
    n = draw(st.integers(0, max_n))
    pairs = list(itertools.combinations(range(n), 2))
    mask = draw(st.lists(st.booleans(), min_size=len(pairs), max_size=len(pairs)))
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(p for p, keep in zip(pairs, mask, strict=True) if keep)
    return graph


def _as_set(rows) -> set[tuple[int, ...]]:
    return {tuple(int(x) for x in r) for r in rows}


@settings(max_examples=300, deadline=None)
@given(graph=small_graphs(), k=st.integers(1, 4))
def test_solver_matches_oracle(graph: nx.Graph, k: int) -> None:
    n = graph.number_of_nodes()
    oracle = coloring_reference_solutions(graph, k)
    fast = ColoringSolver(graph, k).enumerate()
    assert len(fast) == len(set(fast)), "a canonical class was produced twice"
    assert fast == sorted(fast), "canonical enumeration must be lexicographic"
    oracle_canonical = _as_set(canonicalize(np.array(sorted(oracle), dtype=np.int64).reshape(len(oracle), n)))
    assert set(fast) == oracle_canonical
    # counts: every plain colouring is found, and a j-colour class stands for k!/(k-j)! of them
    assert ColoringSolver(graph, k, canonical=False).count() == len(oracle)
    assert set(ColoringSolver(graph, k, canonical=False).enumerate()) == oracle
    assert ColoringSolver(graph, k).count_all() == len(oracle)
    assert sum(perm(k, len(set(c))) for c in fast) == len(oracle)
    assert is_colorable(graph, k) == bool(oracle)


@settings(max_examples=60, deadline=None)
@given(graph=small_graphs(max_n=8), k=st.integers(1, 4))
def test_batched_numpy_enumeration_matches_solver(graph: nx.Graph, k: int) -> None:
    n = graph.number_of_nodes()
    if n == 0:
        return
    owner, cols = batch_canonical_colorings(adjacency_matrix(graph)[None], k)
    assert np.all(owner == 0)
    np.testing.assert_array_equal(cols, canonical_colorings(graph, k))


@settings(max_examples=60, deadline=None)
@given(graph=small_graphs(max_n=6))
def test_chromatic_number_is_the_smallest_feasible_k(graph: nx.Graph) -> None:
    chi = chromatic_number(graph)
    n = graph.number_of_nodes()
    assert chi == min(k for k in range(n + 1) if coloring_reference_solutions(graph, k))


@pytest.mark.parametrize(
    ("graph", "chi"),
    [
        (nx.complete_graph(5), 5),
        (nx.cycle_graph(7), 3),
        (nx.cycle_graph(8), 2),
        (nx.petersen_graph(), 3),
        (nx.empty_graph(4), 1),
        (nx.wheel_graph(6), 4),  # hub + odd 5-cycle
    ],
)
def test_chromatic_number_known(graph: nx.Graph, chi: int) -> None:
    assert chromatic_number(graph) == chi


def test_known_counts_from_docs() -> None:
    # a known count: G(10, 0.5, seed 0) has 1584 4-colourings (= 66 classes x 4!)
    g = nx.gnp_random_graph(10, 0.5, seed=0)
    assert not is_colorable(g, 3)
    assert ColoringSolver(g, 4).count() == 66
    assert ColoringSolver(g, 4).count_all() == 1584
    assert ColoringSolver(nx.gnp_random_graph(10, 0.3, seed=0), 3).count_all() == 2592


@pytest.mark.parametrize(("n", "k", "expected"), [(10, 3, 9842), (5, 5, 52), (6, 2, 32), (1, 3, 1), (4, 1, 1)])
def test_restricted_growth_strings(n: int, k: int, expected: int) -> None:
    # S(n,1)+...+S(n,k): 9842 for (10,3), the Bell number 52 for (5,5), 2^(n-1) for k=2
    table = restricted_growth_strings(n, k)
    assert table.shape == (expected, n)
    np.testing.assert_array_equal(canonicalize(table), table)
    assert len(np.unique(table, axis=0)) == expected
    np.testing.assert_array_equal(table, canonical_colorings(nx.empty_graph(n), k))


@settings(max_examples=150, deadline=None)
@given(
    cols=st.lists(st.lists(st.integers(0, 5), min_size=7, max_size=7), min_size=1, max_size=6),
    seed=st.integers(0, 2**32 - 1),
)
def test_canonicalize_idempotent_and_permutation_invariant(cols: list[list[int]], seed: int) -> None:
    arr = np.array(cols)
    canon = canonicalize(arr)
    np.testing.assert_array_equal(canonicalize(canon), canon)
    rng = np.random.default_rng(seed)
    permuted = rng.permutation(6)[arr]
    np.testing.assert_array_equal(canonicalize(permuted), canon)
    # canonical = restricted growth string, same partition of the vertices as the input
    assert np.all(canon[:, 0] == 0)
    assert np.all(canon[:, 1:] <= np.maximum.accumulate(canon, axis=1)[:, :-1] + 1)
    for a, c in zip(arr, canon, strict=True):
        assert (a[:, None] == a[None, :]).tolist() == (c[:, None] == c[None, :]).tolist()
    big = np.array([10**9, 7, 10**9, 123456]) * np.ones((2, 1), dtype=np.int64)
    np.testing.assert_array_equal(canonicalize(big), [[0, 1, 0, 2]] * 2)
    # leading axes are preserved
    assert canonicalize(arr[None, :, None]).shape == (1, len(arr), 1, 7)


def test_adjacency_round_trip_and_bad_graphs() -> None:
    g = nx.gnp_random_graph(9, 0.4, seed=5)
    adj = adjacency_matrix(g)
    assert adj.dtype == np.int8 and np.array_equal(adj, adj.T) and not adj.diagonal().any()
    assert nx.utils.graphs_equal(graph_from_adjacency(adj), g)
    with pytest.raises(ValueError, match="0..2"):
        ColoringSolver(nx.path_graph(["a", "b", "c"]), 3)
    loop = nx.Graph([(0, 0), (0, 1)])
    with pytest.raises(ValueError, match="self-loop"):
        ColoringSolver(loop, 3)
    with pytest.raises(ValueError, match="k must"):
        ColoringSolver(g, -1)
    with pytest.raises(ValueError, match="non-negative"):
        canonicalize(np.array([[0, -1]]))
    assert ColoringSolver(g, 3).count(limit=2) <= 2
