"""Graph Coloring instances following the GRAM paper (App. C.2.2).

Erdos-Renyi graphs G(n, p) drawn with ``networkx.gnp_random_graph``, each seeded by an
integer from ``numpy.random.default_rng(seed)``; graphs that are not k-colourable are
dropped and identical graphs (same adjacency) are kept once, so every input is unique.
Accepted graphs are taken in draw order: the first ``num_train`` are the train split,
the next ``num_test`` the test split (draws are i.i.d., so no shuffle is needed).
Every canonical colouring (colours renumbered by first appearance, see
``solvers.coloring``) is enumerated exactly by ``ColoringSolver``; each one is a
training target, so a graph appears once per canonical colouring in the dataset rows.

Sizes: the paper's 7,002 train / 255 test graphs for n=8 and 13,465 / 192 for n=10
(read as unique graphs, i.e. instances; rows = graphs x canonical colourings).

Edge probability (not given by the paper): ``DEFAULT_P = 0.4``, as in the one public
reimplementation, so results stay comparable. Measured by ``benchmarks/bench_coloring.py``
(3,000 draws per cell, k=3; "classes" = canonical colourings of a 3-colourable graph;
"<=20" = share of graphs whose classes all fit in the paper's 20 samples):

    n   p     3-colourable  edges  classes mean / median / p90 / p99 / max   <=20
    8   0.30  95%            8.2         54.7 / 34 / 144 / 324 /  729         36%
    8   0.35  90%            9.5         29.7 / 16 /  72 / 216 /  486         58%
    8   0.40  80%           10.5         18.5 /  9 /  48 / 144 /  324         74%
    8   0.50  50%           12.4          7.1 /  4 /  16 /  48 /   96         93%
    10  0.30  86%           12.9         78.8 / 34 / 192 / 579 / 1458         38%
    10  0.35  72%           14.6         38.1 / 14 /  96 / 384 /  972         60%
    10  0.40  54%           16.1         17.4 /  7 /  38 / 144 /  864         80%
    10  0.50  18%           18.6          4.6 /  2 /  12 /  27 /   42         97%

Why 0.4: graphs are non-trivial (mean degree 2.6-3.2; about 5-10% have a single
class), most n=8 graphs are 3-colourable and n=10 sits near the 3-colourability
threshold (the hard regime), and the class count is moderate: the median graph (9 and
7 classes) fits in 20 samples, so coverage is attainable for most graphs, while the
tail (p99 = 144) keeps the multi-solution character. Lower p inflates the tail
(thousands of classes: the task degenerates towards "anything goes"); higher p leaves
mostly one or two classes per graph. The default sets hold 132,988 (n=8) and 239,125
(n=10) (graph, colouring) rows. ``p`` is a parameter of ``build_coloring`` and the env.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from gram_envs.coloring.logic import adjacency_to_triu, triu_to_adjacency
from gram_envs.core.cache import cached_arrays
from gram_envs.core.checks import is_int
from gram_envs.core.dataset import PuzzleSet
from gram_envs.core.solution_sets import SolutionSets
from solvers.coloring import adjacency_matrix, canonical_colorings

DATA_VERSION = 1
DEFAULT_P = 0.4
DEFAULT_K = 3
#: (train graphs, test graphs) per n, from the paper; other n default to OTHER_SIZES.
PAPER_SIZES = {8: (7002, 255), 10: (13465, 192)}
OTHER_SIZES = (1000, 100)
_DRAW_CHUNK = 1024
#: cached arrays: name -> (dtype, ndim); a cache file that differs is rebuilt
SCHEMA = {
    "edges": ("int8", 2),
    "solutions": ("int8", 2),
    "counts": ("int64", 1),
    "n_train": ("int64", 0),
    "draws": ("int64", 0),
}


def default_sizes(n: int) -> tuple[int, int]:
    """The paper's (train, test) graph counts for n in {8, 10}, else ``OTHER_SIZES``."""
    return PAPER_SIZES.get(n, OTHER_SIZES)


def _build(n: int, k: int, p: float, seed: int, num_train: int, num_test: int) -> dict[str, np.ndarray]:
    need = num_train + num_test
    rng = np.random.default_rng(seed)
    seen: set[bytes] = set()
    graphs: list[np.ndarray] = []
    solutions: list[np.ndarray] = []
    max_draws = 100 * need + 10_000  # guard: tiny n or extreme p cannot yield enough unique graphs
    draws = 0
    while len(graphs) < need:
        if draws >= max_draws:
            raise ValueError(
                f"only {len(graphs)} unique {k}-colourable G({n}, {p}) graphs in {draws} draws; "
                f"{need} requested (lower num_train/num_test or change p/k)"
            )
        for s in rng.integers(0, 2**32, size=_DRAW_CHUNK, dtype=np.uint64):
            draws += 1
            graph = nx.gnp_random_graph(n, p, seed=int(s))
            bits = adjacency_to_triu(adjacency_matrix(graph))
            key = bits.tobytes()
            if key in seen:
                continue
            seen.add(key)
            sols = canonical_colorings(graph, k)
            if len(sols) == 0:
                continue
            graphs.append(bits)
            solutions.append(sols)
            if len(graphs) == need:
                break
    counts = np.array([len(s) for s in solutions], dtype=np.int64)
    return {
        "edges": np.stack(graphs).astype(np.int8),
        "solutions": np.concatenate(solutions).astype(np.int8),
        "counts": counts,
        "n_train": np.array(num_train, dtype=np.int64),
        "draws": np.array(draws, dtype=np.int64),
    }


def build_coloring(
    n: int = 8,
    k: int = DEFAULT_K,
    p: float = DEFAULT_P,
    seed: int = 0,
    num_train: int | None = None,
    num_test: int | None = None,
) -> PuzzleSet:
    """The full instance set (train ids first), cached on disk under a versioned key.

    ``puzzles`` are (G, n, n) int8 adjacency matrices; solution sets and targets hold
    canonical colourings (G_rows, n) int8.
    """
    if not is_int(n) or not 2 <= n <= 20:
        raise ValueError(f"n must be an int in [2, 20] (all colourings are enumerated), got {n!r}")
    if not is_int(k) or not 2 <= k <= 9:
        raise ValueError(f"k must be an int in [2, 9], got {k!r}")
    if isinstance(p, bool) or not isinstance(p, (int, float, np.floating)) or not 0.0 < float(p) <= 1.0:
        raise ValueError(f"p (edge probability) must be a number in (0, 1], got {p!r}")
    d_train, d_test = default_sizes(int(n))
    num_train = d_train if num_train is None else num_train
    num_test = d_test if num_test is None else num_test
    for name, value in (("num_train", num_train), ("num_test", num_test)):
        if not is_int(value) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if not is_int(seed) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    n, k, p, seed, num_train, num_test = int(n), int(k), float(p), int(seed), int(num_train), int(num_test)
    key = f"coloring-v{DATA_VERSION}-n{n}-k{k}-p{p!r}-seed{seed}-train{num_train}-test{num_test}"
    data = cached_arrays(key, lambda: _build(n, k, p, seed, num_train, num_test), SCHEMA)
    puzzles = triu_to_adjacency(data["edges"], n)
    counts = data["counts"]
    flat = data["solutions"]
    offsets = np.concatenate([[0], np.cumsum(counts)])
    per_instance = [flat[offsets[i] : offsets[i + 1]] for i in range(len(counts))]
    owner = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    n_train = int(data["n_train"])
    return PuzzleSet(
        puzzles=puzzles,
        splits={"train": np.arange(n_train), "test": np.arange(n_train, len(puzzles))},
        solutions=SolutionSets(per_instance, answer_ndim=1),
        targets=flat.copy(),
        target_owner=owner,
        essential_class=None,
        extras={"draws": np.asarray(data["draws"])},
    )
