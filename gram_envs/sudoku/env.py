"""``GRAM/Sudoku-Extreme``, ``GRAM/Sudoku-v0``, ``GRAM/SudokuGen-9`` and ``GRAM/SudokuGen-4``.

Observation: int8 (N^2, N^2) board, 0 = blank, 1..N^2 = givens (``Box(0, N^2)``).
Action: int (N^2, N^2) board of digits 1..N^2 (``MultiDiscrete`` with ``start=1``); it must
keep every given. Reward 1.0 iff the board is a valid completion. ``info["conflicts"]``
counts duplicate digits per unit (see ``gram_envs.sudoku.logic``).

Sudoku-Extreme and Sudoku-v0 puzzles have exactly one solution, so each solution set holds
one board (coverage and ``solution_index`` work unchanged); ``info["rating"]`` is the
solver's difficulty (branch points, ``solvers.sudoku``). SudokuGen-9 serves the blank board:
every valid grid is a solution, solution sets are not enumerable (``num_solutions`` -1,
``info["num_grids"]`` the exact count as a Python int) and ``metrics()`` reports validity,
``distinct_valid``, ``distinct_rate`` and ``duplicate_rate``. SudokuGen-4 is its small sibling:
the blank 4x4 board, whose 288 grids are all enumerated (coverage is exact), half of them the
training targets, served without augmentation (which would map them onto the held-out half).

Agent tokens (``dataset``, TRM's encoding): PAD 0, blank 1, digit d -> d + 1 (vocab N^2 + 2);
sequence = cells row-major; labels = the full solution (givens included). The train split
of the puzzle envs carries ``augment`` (TRM's digit/transpose/band/stack shuffles).

``gym.make("GRAM/Sudoku-Extreme", path="test.csv", split="test")`` serves your own file in the
public Sudoku-Extreme CSV format (``source,question,answer,rating``) instead of the shipped set;
every row is checked (``gram_envs.sudoku.csv_format``).
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from gymnasium import spaces

from gram_envs.core.cache import cached_arrays
from gram_envs.core.checks import check_int, check_int_pair, check_split, integer_array, is_int
from gram_envs.core.dataset import PuzzleSet
from gram_envs.core.env import PuzzleEnv
from gram_envs.core.solution_sets import SolutionSets
from gram_envs.sudoku.augment import token_augmenter
from gram_envs.sudoku.csv_format import BadRow, load_sudoku_csv
from gram_envs.sudoku.generator import build_parametric, random_grids, unique_puzzle_set
from gram_envs.sudoku.logic import check_boards
from gram_envs.sudoku.render import board_ansi, board_rgb
from solvers.sudoku import NUM_GRIDS_9X9, search, unit_tables

PAD, BLANK = 0, 1
#: number of valid complete 4x4 grids
NUM_GRIDS_4X4 = 288
DATA_FILE = Path(__file__).parent / "data" / "sudoku_extreme.txt.gz"


class _SudokuBase(PuzzleEnv):
    """Shared Sudoku contract; subclasses only choose the puzzle set."""

    answer_ndim = 2

    def __init__(self, puzzle_set: PuzzleSet, box: int, split: str, render_mode: str | None) -> None:
        self.box = box
        self.side = box * box
        side = self.side
        self.observation_space = spaces.Box(0, side, shape=(side, side), dtype=np.int8)
        self.action_space = spaces.MultiDiscrete(np.full((side, side), side), dtype=np.int64, start=np.ones((side, side), dtype=np.int64))
        super().__init__(puzzle_set, split=split, render_mode=render_mode)

    def _observation(self, instance: int) -> np.ndarray:
        return self.puzzle_set.puzzles[instance].copy()

    def _check_answers(self, answers: Any, lead_shape: tuple[int, ...]) -> np.ndarray:
        s = self.side
        return integer_array(answers, (*lead_shape, s, s), 1, s, f"Sudoku answer (digits 1..{s})")

    def _score(self, instance_ids: np.ndarray, answers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        givens = self.puzzle_set.puzzles[instance_ids][:, None]
        return check_boards(givens, answers)

    def token_spec(self) -> dict[str, Any]:
        return {
            "vocab_size": self.side + 2,
            "seq_len": self.side * self.side,
            "answer_tokens": list(range(BLANK + 1, self.side + 2)),
            "pad_id": PAD,
            "blank_id": BLANK,
        }

    def tokenize_puzzles(self, puzzles: np.ndarray) -> np.ndarray:
        return (np.asarray(puzzles).reshape(len(puzzles), self.side**2).astype(np.int32) + BLANK).astype(np.int32)

    def tokenize_answers(self, answers: np.ndarray) -> np.ndarray:
        return (np.asarray(answers).reshape(len(answers), self.side**2).astype(np.int32) + BLANK).astype(np.int32)

    def detokenize(self, tokens: np.ndarray) -> np.ndarray:
        tokens = np.asarray(tokens)
        seq = self.side * self.side
        if not np.issubdtype(tokens.dtype, np.integer) or tokens.ndim < 1 or tokens.shape[-1] != seq:
            raise ValueError(f"tokens must be an integer array ending in seq_len={seq}, got {tokens.dtype} {tokens.shape}")
        if tokens.size and (tokens.min() < BLANK + 1 or tokens.max() > self.side + 1):
            raise ValueError(
                f"tokens must be digit tokens {BLANK + 1}..{self.side + 1}; got range [{tokens.min()}, {tokens.max()}]"
            )
        return (tokens.astype(np.int64) - BLANK).reshape(*tokens.shape[:-1], self.side, self.side)

    def _augmenter(self, split: str):
        return token_augmenter(self.box) if split == "train" else None

    def _render_ansi(self, instance: int, answer: np.ndarray | None) -> str:
        return board_ansi(self.puzzle_set.puzzles[instance], answer)

    def _render_rgb(self, instance: int, answer: np.ndarray | None) -> np.ndarray:
        return board_rgb(self.puzzle_set.puzzles[instance], answer)


class _RatedSudoku(_SudokuBase):
    """Unique-solution puzzles with a solver rating per instance."""

    def _unique_solution(self) -> bool:
        return True

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        obs, info = super().reset(seed=seed, options=options)
        info["rating"] = int(self.puzzle_set.extras["rating"][info["instance_id"]])
        return obs, info


@lru_cache(maxsize=1)
def load_extreme(path: str = str(DATA_FILE)) -> dict[str, np.ndarray]:
    """The shipped set as arrays: puzzles, solutions (n, 9, 9) int8, ratings, n_train."""
    with gzip.open(path, "rb") as f:
        lines = f.read().splitlines()[1:]
    splits, puzzles, solutions, ratings = [], [], [], []
    for line in lines:
        s, p, sol, r = line.split(b",")
        splits.append(s)
        puzzles.append(p)
        solutions.append(sol)
        ratings.append(int(r))
    order = np.argsort([s != b"train" for s in splits], kind="stable")

    def boards(rows: list[bytes]) -> np.ndarray:
        raw = np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(-1, 9, 9)
        return np.where(raw == ord("."), 0, raw.astype(np.int16) - ord("0")).astype(np.int8)

    return {
        "puzzles": boards(puzzles)[order],
        "solutions": boards(solutions)[order],
        "ratings": np.asarray(ratings, dtype=np.int64)[order],
        "n_train": np.array(sum(s == b"train" for s in splits)),
    }


class SudokuExtremeEnv(_RatedSudoku):
    """The shipped hard 9x9 set (gram_envs/sudoku/data/README.md), or your own Sudoku-Extreme CSV files.

    ``path``: None (the shipped set); one CSV in the public format (``source,question,answer,rating``,
    see ``gram_envs.sudoku.csv_format``), whose rows become the split named by ``split`` (the
    other split is empty); or ``{"train": path, "test": path}`` (either may be left out). Every
    row is checked; ``on_bad_row="skip"`` drops bad rows with a warning instead of refusing the
    file, and ``skipped_rows`` lists them. With a path, ``info["rating"]`` is the file's
    ``rating`` column and ``info["source"]`` its ``source``.
    """

    def __init__(
        self,
        split: str = "train",
        render_mode: str | None = None,
        path: str | os.PathLike | Mapping[str, str | os.PathLike] | None = None,
        on_bad_row: str = "raise",
    ) -> None:
        self.skipped_rows: list[BadRow] = []
        if on_bad_row not in ("raise", "skip"):
            raise ValueError(f"on_bad_row must be 'raise' or 'skip', got {on_bad_row!r}")
        if path is None:
            d = load_extreme()
            ps = unique_puzzle_set(d["puzzles"], d["solutions"], d["ratings"], int(d["n_train"]))
        else:
            ps = self._from_csv(path, check_split(split, ("train", "test")), on_bad_row)
        super().__init__(ps, 3, split, render_mode)

    def _from_csv(self, path: Any, split: str, on_bad_row: str) -> PuzzleSet:
        files = dict(path) if isinstance(path, Mapping) else {split: path}
        unknown = set(files) - {"train", "test"}
        if unknown or not files:
            raise ValueError(f"path mapping keys must be 'train' and/or 'test', got {sorted(files)}")
        loaded = {n: load_sudoku_csv(files[n], on_bad_row=on_bad_row) for n in ("train", "test") if n in files}
        parts = [loaded[name] for name in ("train", "test") if name in loaded]
        self.skipped_rows = [b for part in parts for b in part.skipped]
        ps = unique_puzzle_set(
            np.concatenate([x.puzzles for x in parts]),
            np.concatenate([x.solutions for x in parts]),
            np.concatenate([x.ratings for x in parts]),
            len(loaded["train"].puzzles) if "train" in loaded else 0,
        )
        ps.extras["source"] = np.concatenate([x.sources for x in parts])
        ps.extras["line"] = np.concatenate([x.lines for x in parts])
        return ps

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        obs, info = super().reset(seed=seed, options=options)
        if "source" in self.puzzle_set.extras:
            info["source"] = str(self.puzzle_set.extras["source"][info["instance_id"]])
        return obs, info


class SudokuEnv(_RatedSudoku):
    """Generated unique puzzles: ``size`` 4, 9 or 16, rating in ``difficulty`` (cached on disk)."""

    def __init__(
        self,
        size: int = 9,
        difficulty: tuple[int, int] = (0, 1000),
        n_train: int = 1000,
        n_test: int = 200,
        seed: int = 0,
        split: str = "train",
        render_mode: str | None = None,
    ) -> None:
        if not is_int(size) or size not in (4, 9, 16):
            raise ValueError(f"size must be the int 4, 9 or 16, got {size!r} ({type(size).__name__})")
        box = {4: 2, 9: 3, 16: 4}[int(size)]
        difficulty = check_int_pair("difficulty", difficulty, 0)
        n_train, n_test = check_int("n_train", n_train, 1), check_int("n_test", n_test, 1)
        ps = build_parametric(box, difficulty, n_train, n_test, check_int("seed", seed, 0))
        super().__init__(ps, box, split, render_mode)


class SudokuGenEnv(_SudokuBase):
    """Unconditional generation: the blank 9x9 board; every valid complete grid is a solution.

    Instance 0 (train) owns ``n_grids`` random complete grids as training targets (paper
    App. D.5 uses 50K); instance 1 (test) is the same blank board with ``n_test_grids``
    held-out grids, so generation can be scored on its own instance.
    """

    def __init__(
        self, n_grids: int = 50_000, n_test_grids: int = 1_000, seed: int = 0,
        split: str = "train", render_mode: str | None = None,
    ) -> None:
        n_grids, n_test_grids = check_int("n_grids", n_grids, 1), check_int("n_test_grids", n_test_grids, 1)
        seed = check_int("seed", seed, 0)
        key = f"sudokugen-v2-{n_grids}-{n_test_grids}-seed{seed}"
        build = lambda: {"grids": random_grids(seed, n_grids + n_test_grids)}  # noqa: E731
        grids = cached_arrays(key, build, {"grids": ("int8", 3)})["grids"]
        super().__init__(blank_board_set(grids.astype(np.int8), n_grids, n_test_grids), 3, split, render_mode)
        self.num_grids = NUM_GRIDS_9X9

    def token_spec(self) -> dict[str, Any]:
        # from the blank board any grid whose rows, columns and boxes hold distinct digits is a
        # solution: trainers test their samples by this, as no solution list can hold them all
        return {**super().token_spec(), "answer_alldiff_groups": unit_tables(self.box)[0].tolist()}

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        obs, info = super().reset(seed=seed, options=options)
        info["num_grids"] = self.num_grids
        return obs, info

    def step(self, action: Any):
        obs, reward, term, trunc, info = super().step(action)
        info["num_grids"] = self.num_grids
        return obs, reward, term, trunc, info


class SudokuGen4Env(SudokuGenEnv):
    """Generation of 4x4 grids: all 288 enumerated (the blank board's solution set, so coverage and
    ``solution_index`` work), ``n_grids`` of them (a seeded draw) the training targets and the next
    ``n_test_grids`` the test instance's; no augmentation, so a held-out grid is never trained on."""

    def __init__(
        self, n_grids: int = 144, n_test_grids: int = 144, seed: int = 0,
        split: str = "train", render_mode: str | None = None,
    ) -> None:
        n_grids, n_test_grids = check_int("n_grids", n_grids, 1), check_int("n_test_grids", n_test_grids, 1)
        seed = check_int("seed", seed, 0)
        grids = all_grids_4x4()
        if n_grids + n_test_grids > len(grids):
            raise ValueError(f"n_grids + n_test_grids must be at most the {len(grids)} 4x4 grids, "
                             f"got {n_grids} + {n_test_grids}")
        order = np.random.default_rng(seed).permutation(len(grids))[: n_grids + n_test_grids]
        ps = blank_board_set(grids[order], n_grids, n_test_grids, SolutionSets([grids, grids], answer_ndim=2))
        _SudokuBase.__init__(self, ps, 2, split, render_mode)
        self.num_grids = len(grids)

    def _augmenter(self, split: str):
        return None


def blank_board_set(targets: np.ndarray, n_grids: int, n_test_grids: int,
                    solutions: SolutionSets | None = None) -> PuzzleSet:
    """Two blank boards, train (instance 0) and test (instance 1), owning the first ``n_grids`` and
    the next ``n_test_grids`` of ``targets`` (complete grids) as their targets."""
    side = targets.shape[-1]
    return PuzzleSet(
        puzzles=np.zeros((2, side, side), dtype=np.int8),
        splits={"train": np.array([0]), "test": np.array([1])},
        solutions=solutions,
        targets=targets,
        target_owner=np.repeat([0, 1], [n_grids, n_test_grids]).astype(np.int64),
    )


@lru_cache(maxsize=1)
def all_grids_4x4() -> np.ndarray:
    """The 288 valid 4x4 grids, in the solver's order (read-only)."""
    count, _, boards = search(np.zeros((4, 4), dtype=np.int8), limit=1000, max_store=1000)
    if count != NUM_GRIDS_4X4 or len(boards) != NUM_GRIDS_4X4:
        raise RuntimeError(f"the solver found {count} 4x4 grids, expected {NUM_GRIDS_4X4}")
    boards = np.asarray(boards, dtype=np.int8)
    boards.setflags(write=False)
    return boards
