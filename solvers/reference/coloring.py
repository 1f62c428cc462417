"""Graph colouring as a python-constraint model: the slow, independent oracle for the tests.

Nodes are variables with domain ``range(k)``; every edge carries an
``AllDifferentConstraint``. It returns *all* plain colourings (no symmetry breaking),
so agreement with ``solvers.coloring`` checks both the search and the canonical forms.
"""

from __future__ import annotations

import constraint
import networkx as nx


def coloring_problem(graph: nx.Graph, k: int) -> constraint.Problem:
    """One variable per node (domain 0..k-1), endpoints of each edge all different."""
    problem = constraint.Problem()
    for node in graph.nodes:
        problem.addVariable(node, list(range(k)))
    for u, v in graph.edges:
        problem.addConstraint(constraint.AllDifferentConstraint(), (u, v))
    return problem


def coloring_reference_solutions(graph: nx.Graph, k: int) -> set[tuple[int, ...]]:
    """Every proper colouring as a tuple indexed by the nodes 0..n-1 (colour permutations included)."""
    n = graph.number_of_nodes()
    if n == 0:
        return {()}
    if k <= 0:
        return set()  # python-constraint refuses empty domains
    return {tuple(sol[v] for v in range(n)) for sol in coloring_problem(graph, k).getSolutions()}
