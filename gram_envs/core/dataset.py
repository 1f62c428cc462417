"""Containers shared by every family: the puzzle set an env serves, and the token
dataset an agent trains on.

Token conventions (all families): 0 is PAD, labels use ``IGNORE_LABEL`` (-100) where a
position is not supervised; each family documents the rest of its vocabulary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from gram_envs.core.checks import check_split
from gram_envs.core.solution_sets import SolutionSets

IGNORE_LABEL = -100
SPLITS = ("train", "test")


@dataclass(frozen=True)
class PuzzleSet:
    """Every instance of a family configuration, train first then test.

    ``puzzles[i]`` is instance ``i`` in the user encoding (the observation's board);
    ``splits[name]`` lists the global ids of a split; ``solutions`` holds all valid
    answers per instance when they can be enumerated (None for blank-board generation);
    ``targets``/``target_owner`` are the (input, label) training pairs;
    ``essential_class`` gives each flat solution its symmetry class, where defined.
    """

    puzzles: np.ndarray
    splits: dict[str, np.ndarray]
    solutions: SolutionSets | None
    targets: np.ndarray
    target_owner: np.ndarray
    essential_class: np.ndarray | None = None
    extras: dict[str, np.ndarray] = field(default_factory=dict)

    def split_ids(self, split: str) -> np.ndarray:
        """Global ids of a split, with a clear error for an unknown split name."""
        return self.splits[check_split(split, sorted(self.splits))]


@dataclass(frozen=True)
class TokenDataset:
    """What ``env.unwrapped.dataset(split)`` returns: model-ready integer tokens.

    - ``inputs``/``labels``: (rows, seq_len) int32; one row per (input, target) pair, so a
      multi-solution input appears once per valid completion.
    - ``row_instance``: (rows,) global instance id of each row.
    - ``instance_ids``/``instance_inputs``: each distinct instance once, for evaluation.
    - ``solutions``: the instance's full solution set (user encoding), per ``instance_ids``.
    - ``augment``: optional ``f(rng, inputs, labels) -> (inputs, labels)`` that maps a
      batch of rows to random validity-preserving variants (applied on the fly).
    """

    split: str
    inputs: np.ndarray
    labels: np.ndarray
    row_instance: np.ndarray
    instance_ids: np.ndarray
    instance_inputs: np.ndarray
    vocab_size: int
    seq_len: int
    solutions: list[np.ndarray] | None = None
    augment: Callable[[np.random.Generator, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None
    info: dict[str, object] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.inputs)
