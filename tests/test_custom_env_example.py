"""Build your own environment on PuzzleEnv: Latin square completion, registered and checked.

This is the example of docs/environments.md ("Build your own environment").
"""

from itertools import permutations

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.utils.env_checker import check_env

from gram_envs.core.checks import integer_array
from gram_envs.core.dataset import PuzzleSet
from gram_envs.core.env import PuzzleEnv
from gram_envs.core.solution_sets import SolutionSets
from gram_envs.testing import fuzz_env


def latin_squares(n: int) -> np.ndarray:
    """Every n x n Latin square (symbols 1..n), stacking rows that clash with no earlier row."""
    rows = [np.array(p) + 1 for p in permutations(range(n))]
    squares: list[list[np.ndarray]] = [[]]
    for _ in range(n):
        squares = [s + [r] for s in squares for r in rows if all((r != prev).all() for prev in s)]
    return np.array(squares, dtype=np.int8)


class LatinSquareEnv(PuzzleEnv):
    """Fill the blanks (0) of an n x n grid so that every row and column holds 1..n exactly once."""

    def __init__(self, n: int = 4, blanks: int = 8, count: int = 40, seed: int = 0,
                 split: str = "train", render_mode: str | None = None) -> None:
        self.n = n
        squares = latin_squares(n)
        rng = np.random.default_rng(seed)
        puzzles = squares[rng.integers(len(squares), size=count)].copy()
        for p in puzzles:
            p.flat[rng.choice(n * n, blanks, replace=False)] = 0
        puzzles = np.unique(puzzles, axis=0)
        # every square that agrees with a puzzle's givens completes it: the exact solution set
        fits = ((squares[None] == puzzles[:, None]) | (puzzles[:, None] == 0)).all(axis=(2, 3))
        owner, which = np.nonzero(fits)
        n_train = len(puzzles) * 3 // 4
        puzzle_set = PuzzleSet(
            puzzles=puzzles,
            splits={"train": np.arange(n_train), "test": np.arange(n_train, len(puzzles))},
            solutions=SolutionSets([squares[row] for row in fits], answer_ndim=2),
            targets=squares[which],
            target_owner=owner,
        )
        self.observation_space = spaces.Box(0, n, shape=(n, n), dtype=np.int8)
        self.action_space = spaces.MultiDiscrete(np.full((n, n), n), start=np.ones((n, n), dtype=np.int64))
        super().__init__(puzzle_set, split=split, render_mode=render_mode)

    def _observation(self, instance: int) -> np.ndarray:
        return self.puzzle_set.puzzles[instance].copy()

    def _check_answers(self, answers, lead_shape):
        return integer_array(answers, (*lead_shape, self.n, self.n), 1, self.n, "Latin square answer")

    def _score(self, instance_ids, answers):
        givens = self.puzzle_set.puzzles[instance_ids][:, None]
        ones = np.eye(self.n + 1, dtype=np.int64)[answers][..., 1:]  # (..., row, col, symbol)
        conflicts = (np.maximum(ones.sum(-2) - 1, 0).sum((-2, -1))  # repeats within a row
                     + np.maximum(ones.sum(-3) - 1, 0).sum((-2, -1)))  # repeats within a column
        kept = ((givens == 0) | (answers == givens)).all(axis=(-2, -1))
        return (conflicts == 0) & kept, conflicts

    def _render_ansi(self, instance, answer):
        board = self.puzzle_set.puzzles[instance] if answer is None else answer
        return "\n".join(" ".join(str(v) for v in row) for row in board) + "\n"

    def _render_rgb(self, instance, answer):
        board = self.puzzle_set.puzzles[instance] if answer is None else answer
        gray = np.kron(board * (255 // self.n), np.ones((8, 8))).astype(np.uint8)
        return np.repeat(gray[..., None], 3, axis=-1)


ENV_ID = "Examples/LatinSquare-4"
if ENV_ID not in gym.registry:
    gym.register(id=ENV_ID, entry_point=LatinSquareEnv, kwargs={"n": 4})


def test_latin_square_env_passes_the_checkers() -> None:
    env = gym.make(ENV_ID)
    check_env(env.unwrapped)  # gymnasium's own checker, render modes included
    fuzz_env(env, budget=60).raise_if_failed()  # bad actions are refused with a ValueError
    u = env.unwrapped
    assert len(latin_squares(4)) == 576  # the known count of order-4 Latin squares
    u.reset_metrics()  # forget what the checkers submitted
    for inst in u.instance_ids("test"):
        sols = u.solutions(inst)
        res = u.evaluate([inst], sols[None])
        assert res["valid"].all() and (res["conflicts"] == 0).all()
    assert u.metrics()["coverage"] == 1.0
    obs, info = env.reset(seed=0)
    wrong = np.ones((4, 4), dtype=np.int64)  # every row repeats a symbol
    _, reward, terminated, _, step_info = env.step(wrong)
    assert reward == 0.0 and terminated and step_info["conflicts"] == 24
