"""``GRAM/GraphColoring-*``: colour the vertices of a graph with k colours, no edge monochromatic.

Observation: ``Dict({"adjacency": Box(0, 1, (n, n), int8)})``, symmetric with a zero
diagonal. Action: an (n,) int array, the colour 0..k-1 of each vertex
(``MultiDiscrete([k] * n)``). Reward 1.0 iff no edge joins two vertices of one colour;
``info["conflicts"]`` counts monochromatic edges.

Colourings that differ by a colour permutation are one solution: the solution sets hold
canonical colourings (colours numbered by first appearance over vertices 0..n-1), and
answers are canonicalised before lookup, so ``solution_index`` names the class of any
valid answer (``[1, 0, 2]`` and ``[0, 1, 2]`` are the same class when valid) and
``coverage`` counts classes found / classes that exist.

Agent tokens (``dataset``), following the paper with one decoder slot per output token:

- vocabulary: PAD 0, no-edge 1, edge 2, colour c -> 3 + c (3, 4, 5 for k=3), and
  UNKNOWN = 3 + k, the input token of an output slot; ``vocab_size = 4 + k``.
- sequence (``seq_len = n(n-1)/2 + n``): the strict upper triangle of the adjacency in
  row-major order (1/2), then n output slots (UNKNOWN in the inputs).
- labels: ``IGNORE_LABEL`` (-100) on the triangle, ``3 + colour`` on the output slots
  (canonical colouring); one row per (graph, canonical colouring).
- ``token_spec()["output_positions"]`` lists the output slots; ``detokenize`` reads the
  colours there and rejects any non-colour token.

``augment=True`` adds an on-the-fly training augmentation (random vertex relabelling of
graph and colouring, re-canonicalised); off by default since the paper uses none here.
"""

from __future__ import annotations

from itertools import permutations
from typing import Any

import numpy as np
from gymnasium import spaces

from gram_envs.coloring.generator import DEFAULT_K, DEFAULT_P, build_coloring
from gram_envs.coloring.logic import (
    adjacency_to_triu,
    canonicalize,
    check_colorings,
    permute_vertices,
    triu_to_adjacency,
)
from gram_envs.coloring.render import graph_ansi, graph_rgb
from gram_envs.core.checks import check_bool, integer_array
from gram_envs.core.dataset import IGNORE_LABEL
from gram_envs.core.env import PuzzleEnv

PAD, NO_EDGE, EDGE, COLOR0 = 0, 1, 2, 3


class GraphColoringEnv(PuzzleEnv):
    """Erdos-Renyi graphs with every colouring class known exactly (see ``generator``)."""

    answer_ndim = 1

    def __init__(
        self,
        n: int = 8,
        k: int = DEFAULT_K,
        p: float = DEFAULT_P,
        seed: int = 0,
        num_train: int | None = None,
        num_test: int | None = None,
        augment: bool = False,
        split: str = "train",
        render_mode: str | None = None,
    ) -> None:
        puzzle_set = build_coloring(n, k, p, seed, num_train, num_test)  # validates the arguments
        self.n, self.k = int(n), int(k)
        self.num_pairs = self.n * (self.n - 1) // 2
        self.unknown_id = COLOR0 + self.k
        self.augment = check_bool("augment", augment)
        self.observation_space = spaces.Dict({"adjacency": spaces.Box(0, 1, shape=(self.n, self.n), dtype=np.int8)})
        self.action_space = spaces.MultiDiscrete(np.full(self.n, self.k), dtype=np.int64)
        super().__init__(puzzle_set, split=split, render_mode=render_mode)

    # ------------------------------------------------------------------ env hooks
    def _observation(self, instance: int) -> dict[str, np.ndarray]:
        return {"adjacency": self.puzzle_set.puzzles[instance].copy()}

    def _check_answers(self, answers: Any, lead_shape: tuple[int, ...]) -> np.ndarray:
        return integer_array(
            answers,
            (*lead_shape, self.n),
            0,
            self.k - 1,
            f"Graph colouring answer (a colour 0..{self.k - 1} per vertex)",
        )

    def _score(self, instance_ids: np.ndarray, answers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        adjacency = self.puzzle_set.puzzles[instance_ids][:, None]
        return check_colorings(adjacency, answers.astype(np.int8))  # k <= 9; int8 gathers are ~3x faster

    def _canonical_answers(self, answers: np.ndarray) -> np.ndarray:
        return canonicalize(answers.astype(np.int8))

    def solutions(self, instance_id: int, *, labellings: bool = False) -> np.ndarray:
        """Valid colourings of one graph, int64 (count, n).

        By default one canonical colouring per class (colours numbered by first appearance),
        which is what ``num_solutions``, ``solution_index`` and ``coverage`` count. With
        ``labellings=True``: every valid answer, i.e. each class under every colour permutation
        (sorted, no duplicates), so ``step`` gives reward 1.0 to exactly these arrays.
        """
        canon = super().solutions(instance_id)
        if not check_bool("labellings", labellings):
            return canon
        perms = np.array(list(permutations(range(self.k))), dtype=np.int64)
        every = perms[:, canon].reshape(-1, self.n)  # perm p relabels colour c as p[c]
        return np.unique(every, axis=0)

    # ------------------------------------------------------------------ tokens
    def token_spec(self) -> dict[str, Any]:
        return {
            "vocab_size": COLOR0 + self.k + 1,
            "seq_len": self.num_pairs + self.n,
            "answer_tokens": list(range(COLOR0, COLOR0 + self.k)),
            "pad_id": PAD,
            "output_positions": list(range(self.num_pairs, self.num_pairs + self.n)),
            "input_tokens": {"no_edge": NO_EDGE, "edge": EDGE, "unknown_colour": self.unknown_id},
            # solutions are colourings up to colour permutation: a model's answer must be
            # canonicalised before it is compared with a stored solution
            "answer_symmetry": "label_permutation",
        }

    def tokenize_puzzles(self, puzzles: np.ndarray) -> np.ndarray:
        puzzles = np.asarray(puzzles)
        tri = adjacency_to_triu(puzzles).astype(np.int32) + NO_EDGE
        slots = np.full((*puzzles.shape[:-2], self.n), self.unknown_id, dtype=np.int32)
        return np.concatenate([tri, slots], axis=-1)

    def tokenize_answers(self, answers: np.ndarray) -> np.ndarray:
        answers = np.asarray(answers)
        ignore = np.full((*answers.shape[:-1], self.num_pairs), IGNORE_LABEL, dtype=np.int32)
        return np.concatenate([ignore, answers.astype(np.int32) + COLOR0], axis=-1)

    def detokenize(self, tokens: np.ndarray) -> np.ndarray:
        tokens = np.asarray(tokens)
        seq_len = self.num_pairs + self.n
        if tokens.ndim < 1 or tokens.shape[-1] != seq_len or not np.issubdtype(tokens.dtype, np.integer):
            raise ValueError(
                f"tokens must be an integer array ending in seq_len={seq_len}, got {tokens.dtype} {tokens.shape}"
            )
        out = tokens[..., self.num_pairs :].astype(np.int64)
        if out.size and (out.min() < COLOR0 or out.max() >= COLOR0 + self.k):
            raise ValueError(
                f"output slots must hold colour tokens {COLOR0}..{COLOR0 + self.k - 1}; "
                f"got values in [{out.min()}, {out.max()}]"
            )
        return out - COLOR0

    def _augmenter(self, split: str):
        if not self.augment or split != "train":
            return None
        n, pairs = self.n, self.num_pairs

        def augment(rng: np.random.Generator, inputs: np.ndarray, labels: np.ndarray):
            """Random vertex relabelling per row (graph and canonical colouring together)."""
            adj = triu_to_adjacency(inputs[:, :pairs] - NO_EDGE, n)
            colours = labels[:, pairs:] - COLOR0
            perms = np.argsort(rng.random((len(inputs), n)), axis=1)
            adj, colours = permute_vertices(adj, colours, perms)
            return self.tokenize_puzzles(adj), self.tokenize_answers(colours)

        return augment

    # ------------------------------------------------------------------ render
    def _render_ansi(self, instance: int, answer: np.ndarray | None) -> str:
        return graph_ansi(self.puzzle_set.puzzles[instance], answer)

    def _render_rgb(self, instance: int, answer: np.ndarray | None) -> np.ndarray:
        return graph_rgb(self.puzzle_set.puzzles[instance], answer)
