"""``GRAM/NQueens-*``: complete a partial N-Queens board.

Observation: int8 (n, n) array, 1 = given queen, 0 = empty (``Box(0, 1)``).
Action: int (n, n) array, 1 = queen, 0 = empty (``MultiDiscrete`` of 2s); it must keep
every given queen. Reward 1.0 iff the board holds n queens with no attacking pair.
``info["conflicts"]`` counts attacking pairs (see ``gram_envs.nqueens.logic``).

Agent tokens (``dataset``): PAD 0, empty 1, queen 2; sequence = the n*n cells row-major;
labels are the full target board (givens included), as in TRM.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from gram_envs.core.checks import check_int, check_int_pair, check_real, integer_array
from gram_envs.core.env import PuzzleEnv
from gram_envs.nqueens.generator import build_nqueens
from gram_envs.nqueens.logic import check_boards
from gram_envs.nqueens.render import board_ansi, board_rgb

PAD, EMPTY, QUEEN = 0, 1, 2


class NQueensEnv(PuzzleEnv):
    """Partial N-Queens boards with every valid completion known exactly."""

    answer_ndim = 2

    def __init__(
        self,
        n: int = 8,
        removals: tuple[int, int] | None = None,
        seed: int = 0,
        test_fraction: float = 0.15,
        split: str = "train",
        render_mode: str | None = None,
    ) -> None:
        n = check_int("n", n, 4, 12)
        if removals is not None:
            removals = check_int_pair("removals", removals, 1, n)
        seed = check_int("seed", seed, 0)
        test_fraction = check_real("test_fraction", test_fraction, 0.0, 1.0, open_low=True, open_high=True)
        self.n = n
        self.observation_space = spaces.Box(0, 1, shape=(n, n), dtype=np.int8)
        self.action_space = spaces.MultiDiscrete(np.full((n, n), 2), dtype=np.int64)
        super().__init__(build_nqueens(n, removals, seed, test_fraction), split=split, render_mode=render_mode)

    def _observation(self, instance: int) -> np.ndarray:
        return self.puzzle_set.puzzles[instance].copy()

    def _check_answers(self, answers: Any, lead_shape: tuple[int, ...]) -> np.ndarray:
        return integer_array(answers, (*lead_shape, self.n, self.n), 0, 1, "N-Queens answer (1 = queen)")

    def _score(self, instance_ids: np.ndarray, answers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        givens = self.puzzle_set.puzzles[instance_ids][:, None]
        return check_boards(givens, answers)

    def token_spec(self) -> dict[str, Any]:
        return {"vocab_size": 3, "seq_len": self.n * self.n, "answer_tokens": [EMPTY, QUEEN], "pad_id": PAD}

    def tokenize_puzzles(self, puzzles: np.ndarray) -> np.ndarray:
        return (puzzles.reshape(len(puzzles), -1) + EMPTY).astype(np.int32)

    def tokenize_answers(self, answers: np.ndarray) -> np.ndarray:
        return (answers.reshape(len(answers), -1) + EMPTY).astype(np.int32)

    def detokenize(self, tokens: np.ndarray) -> np.ndarray:
        tokens = np.asarray(tokens)
        if tokens.shape[-1] != self.n * self.n:
            raise ValueError(f"tokens must end in seq_len={self.n * self.n}, got shape {tokens.shape}")
        return (tokens == QUEEN).astype(np.int64).reshape(*tokens.shape[:-1], self.n, self.n)

    def _render_ansi(self, instance: int, answer: np.ndarray | None) -> str:
        return board_ansi(self.puzzle_set.puzzles[instance], answer)

    def _render_rgb(self, instance: int, answer: np.ndarray | None) -> np.ndarray:
        return board_rgb(self.puzzle_set.puzzles[instance], answer)
