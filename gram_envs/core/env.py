"""``PuzzleEnv``: the Gymnasium contract shared by every GRAM family.

An episode is one puzzle. ``reset`` serves an instance of a split, ``step(answer)``
validates a whole candidate answer exactly and terminates (reward 1.0 iff valid).
``evaluate`` scores instances x samples candidates at once with the same code path, and
both feed one ``MetricsTracker`` so ``metrics()`` reports accuracy, coverage, conflicts.

``solutions(instance_id)`` is the public ground truth (every valid answer, in the action
format) and ``instance_ids(split)`` the ids a split serves.

A family subclass provides the spaces and a handful of hooks (``_observation``,
``_check_answers``, ``_score``, tokenisation, rendering); everything else lives here.
"""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

from gram_envs.core.checks import as_integer_array, check_int, check_range, is_int
from gram_envs.core.dataset import PuzzleSet, TokenDataset
from gram_envs.core.metrics import MetricsTracker

#: candidate cells scored per chunk by ``evaluate``: peak memory stays the input plus a bounded
#: working set, whatever the batch size
EVAL_CHUNK_CELLS = 1 << 19



def choose_instance(options: dict[str, Any] | None, default_split: str, split_ids: Any,
                    rng: np.random.Generator) -> tuple[str, int, int]:
    """(split, index, instance id) from reset ``options`` (``split``, ``index``): the one parser of
    reset options for the array envs and their text wrappers; without ``index`` one is drawn."""
    options = dict(options or {})
    unknown = set(options) - {"split", "index"}
    if unknown:
        raise ValueError(f"unknown reset options {sorted(unknown)}; expected 'split' and/or 'index'")
    split = options.get("split", default_split)
    ids = split_ids(split)
    if len(ids) == 0:
        raise ValueError(f"split {split!r} has no instances")
    if "index" in options:
        index = options["index"]
        if not is_int(index) or not 0 <= int(index) < len(ids):
            raise ValueError(f"index must be an int in [0, {len(ids)}) for split {split!r}, got {index!r}")
    else:
        index = int(rng.integers(len(ids)))
    return split, int(index), int(ids[int(index)])

class PuzzleEnv(gym.Env):
    """Base class: one episode = one puzzle, one whole answer per step."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}
    #: number of trailing axes that make up one answer (2 for boards, 1 for colourings)
    answer_ndim: ClassVar[int] = 2

    def __init__(self, puzzle_set: PuzzleSet, *, split: str = "train", render_mode: str | None = None) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode must be None or one of {self.metadata['render_modes']}, got {render_mode!r}"
            )
        self.render_mode = render_mode
        self.puzzle_set = puzzle_set
        puzzle_set.split_ids(split)  # validates the name
        self.default_split = split
        self.tracker = MetricsTracker(
            len(puzzle_set.puzzles),
            puzzle_set.solutions,
            puzzle_set.essential_class,
            answer_ndim=self.answer_ndim,
        )
        self._instance: int | None = None
        self._last_answer: np.ndarray | None = None
        self._done = False

    # ------------------------------------------------------------------ hooks
    def _observation(self, instance: int) -> Any:
        """A fresh observation object for a global instance id."""
        raise NotImplementedError

    def _check_answers(self, answers: Any, lead_shape: tuple[int, ...]) -> np.ndarray:
        """Return answers as an int array of shape lead_shape + answer shape, or raise ValueError."""
        raise NotImplementedError

    def _score(self, instance_ids: np.ndarray, answers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Batched exact check: (valid bool, conflicts int) over the leading axes of answers."""
        raise NotImplementedError

    def tokenize_puzzles(self, puzzles: np.ndarray) -> np.ndarray:
        """Model input tokens (n, seq_len) for puzzles in the user encoding."""
        raise NotImplementedError

    def tokenize_answers(self, answers: np.ndarray) -> np.ndarray:
        """Label tokens (n, seq_len) for answers; IGNORE_LABEL where not supervised."""
        raise NotImplementedError

    def detokenize(self, tokens: np.ndarray) -> np.ndarray:
        """Answers in the user encoding from predicted tokens (..., seq_len)."""
        raise NotImplementedError

    def token_spec(self) -> dict[str, Any]:
        """vocab_size, seq_len and ``answer_tokens`` (token ids a decoder may emit)."""
        raise NotImplementedError

    def _render_ansi(self, instance: int, answer: np.ndarray | None) -> str:
        raise NotImplementedError

    def _render_rgb(self, instance: int, answer: np.ndarray | None) -> np.ndarray:
        raise NotImplementedError

    def _canonical_answers(self, answers: np.ndarray) -> np.ndarray:
        """Map answers to the form stored in the solution sets (identity by default).

        Families whose solutions are equivalence classes (colourings up to colour
        permutation) override this, so ``solution_index`` names the class.
        """
        return answers

    def num_solutions(self, instance_ids: np.ndarray) -> np.ndarray:
        """Exact number of valid answers per instance (-1 where not enumerable)."""
        sets = self.puzzle_set.solutions
        ids = np.asarray(instance_ids, dtype=np.int64)
        if sets is None:
            return np.full(ids.shape, -1, dtype=np.int64)
        return sets.counts[ids]

    # ------------------------------------------------------------------ ground truth
    def instance_ids(self, split: str) -> np.ndarray:
        """Global instance ids of a split ("train" or "test"), what ``evaluate`` and ``solutions`` take."""
        return self.puzzle_set.split_ids(split).astype(np.int64)

    def solutions(self, instance_id: int) -> np.ndarray:
        """Every valid answer of one instance, as int64 actions of shape (count, *action shape).

        This is the exact ground truth the env scores against (enumerated by the solvers), so
        a test can check an agent's answers without re-implementing the rules: each row passed
        to ``step`` gets reward 1.0, and ``solution_index`` is the row's position. Families whose
        answers are equivalence classes list one representative per class (see the family's
        docs); ``num_solutions`` gives the count. Raises ValueError where the set cannot be
        enumerated (``num_solutions`` -1, e.g. generation from a blank board).
        """
        n = len(self.puzzle_set.puzzles)
        inst = check_int("instance_id", instance_id, 0, n - 1)
        if self.puzzle_set.solutions is None:
            raise ValueError(
                f"{type(self).__name__} cannot enumerate its solutions (num_solutions is -1): every valid "
                "answer counts; score answers with step() or evaluate() instead"
            )
        return self.puzzle_set.solutions.of(inst).astype(np.int64)

    # ------------------------------------------------------------------ gym API
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        split, index, self._instance = choose_instance(options, self.default_split, self.puzzle_set.split_ids,
                                                       self.np_random)
        self._last_answer = None
        self._done = False
        info = {
            "instance_id": self._instance,
            "split": split,
            "index": int(index),
            "num_solutions": int(self.num_solutions(np.array([self._instance]))[0]),
        }
        return self._observation(self._instance), info

    def step(self, action: Any):
        if self._instance is None:
            raise RuntimeError("call reset() before step()")
        if self._done:
            raise RuntimeError("the episode has terminated; call reset() for a new puzzle")
        answer = self._check_answers(action, ())
        result = self._score_and_record(np.array([self._instance]), answer[None, None])
        self._last_answer = answer.copy()
        self._done = True
        valid = bool(result["valid"][0, 0])
        info = {
            "valid": valid,
            "conflicts": int(result["conflicts"][0, 0]),
            "num_solutions": int(self.num_solutions(np.array([self._instance]))[0]),
            "instance_id": self._instance,
            "solution_index": int(result["solution_index"][0, 0]),
            "new_solution": bool(result["new_solution"][0, 0]),
        }
        return self._observation(self._instance), float(valid), True, False, info

    def render(self):
        if self.render_mode is None:
            gym.logger.warn("render() called with render_mode=None; pass render_mode='ansi' or 'rgb_array'")
            return None
        if self._instance is None:
            raise RuntimeError("call reset() before render()")
        if self.render_mode == "ansi":
            return self._render_ansi(self._instance, self._last_answer)
        return self._render_rgb(self._instance, self._last_answer)

    # ------------------------------------------------------------------ batched API
    def evaluate(self, instance_ids: Any, candidates: Any, *, record: bool = True) -> dict[str, Any]:
        """Score candidates (instances x samples x answer), vectorised over bounded chunks.

        Every candidate is checked before any is recorded; chunking keeps peak memory at the
        input plus about ``EVAL_CHUNK_CELLS`` cells of working arrays. Returns per-candidate ``valid``, ``conflicts``, ``solution_index`` (-1 if not a
        solution), ``new_solution`` (first time this env saw it) and ``metrics`` of this
        batch alone. With ``record=True`` the candidates also count in ``metrics()``.
        """
        ids = self._check_instance_ids(instance_ids)
        expected = f"an integer array of shape (instances={len(ids)}, samples, *answer_shape)"
        if len(ids) == 0 and isinstance(candidates, (list, tuple)) and len(candidates) == 0:
            candidates = np.zeros((0, 0, *self.action_space.shape), dtype=np.int64)  # evaluate([], []) is empty
        cands = as_integer_array(candidates, "candidates", expected)
        if cands.ndim < 2 or cands.shape[0] != len(ids):
            raise ValueError(f"candidates must be {expected}; got shape {cands.shape}")
        chunks = self._chunks(cands)
        for sl in chunks:  # validate everything before anything is recorded
            self._check_answers(cands[sl], cands[sl].shape[:2])
        batch_tracker = MetricsTracker(
            len(self.puzzle_set.puzzles),
            self.puzzle_set.solutions,
            self.puzzle_set.essential_class,
            answer_ndim=self.answer_ndim,
        )
        lead = cands.shape[:2]
        result: dict[str, Any] = {
            "valid": np.zeros(lead, dtype=bool),
            "conflicts": np.zeros(lead, dtype=np.int64),
            "solution_index": np.full(lead, -1, dtype=np.int64),
            "new_solution": np.zeros(lead, dtype=bool),
        }
        for sl in chunks:
            answers = self._check_answers(cands[sl], cands[sl].shape[:2])
            part = self._score_and_record(ids[sl[0]], answers, tracker=batch_tracker)
            if record:
                part["new_solution"] = self._record(ids[sl[0]], answers, part, self.tracker)
            for key in result:
                result[key][sl] = part[key]
        result["metrics"] = batch_tracker.summary(ids)
        return result

    def _chunks(self, cands: np.ndarray) -> list[tuple[slice, slice]]:
        """(rows, samples) slices covering ``cands`` in row-major order, each of at most
        ``EVAL_CHUNK_CELLS`` cells (one row split over samples when a row alone is larger)."""
        rows, samples = cands.shape[:2]
        cells = max(1, int(np.prod(cands.shape[2:], dtype=np.int64)))
        if samples * cells <= EVAL_CHUNK_CELLS:
            step = max(1, EVAL_CHUNK_CELLS // max(1, samples * cells))
            return [(slice(r, r + step), slice(None)) for r in range(0, rows, step)]
        step = max(1, EVAL_CHUNK_CELLS // cells)
        return [(slice(r, r + 1), slice(s, s + step)) for r in range(rows) for s in range(0, samples, step)]

    def metrics(self, split: str | None = None) -> dict[str, float]:
        """Accumulated metrics over every candidate seen by step/evaluate (optionally one split)."""
        ids = None if split is None else self.puzzle_set.split_ids(split)
        return self.tracker.summary(ids)

    def reset_metrics(self) -> None:
        """Forget all recorded candidates."""
        self.tracker.reset()

    def dataset(self, split: str) -> TokenDataset:
        """Training/evaluation tokens for a split (see ``TokenDataset``)."""
        ps = self.puzzle_set
        ids = ps.split_ids(split)
        rows = np.flatnonzero(np.isin(ps.target_owner, ids))
        owner = ps.target_owner[rows]
        spec = self.token_spec()
        solutions = None if ps.solutions is None else [ps.solutions.of(int(i)) for i in ids]
        return TokenDataset(
            split=split,
            inputs=self.tokenize_puzzles(ps.puzzles[owner]).astype(np.int32),
            labels=self.tokenize_answers(ps.targets[rows]).astype(np.int32),
            row_instance=owner.astype(np.int64),
            instance_ids=ids.astype(np.int64),
            instance_inputs=self.tokenize_puzzles(ps.puzzles[ids]).astype(np.int32),
            vocab_size=int(spec["vocab_size"]),
            seq_len=int(spec["seq_len"]),
            solutions=solutions,
            augment=self._augmenter(split),
            info=dict(spec),
        )

    def _augmenter(self, split: str):
        """Optional on-the-fly augmentation for training rows (None: the family has none)."""
        return None

    # ------------------------------------------------------------------ internals
    def _check_instance_ids(self, instance_ids: Any) -> np.ndarray:
        return instance_id_array(instance_ids, len(self.puzzle_set.puzzles))

    def _score_and_record(self, ids: np.ndarray, answers: np.ndarray, tracker: MetricsTracker | None = None):
        lead = answers.shape[:2]
        valid, conflicts = self._score(ids, answers)
        valid = np.broadcast_to(valid, lead).copy()
        conflicts = np.broadcast_to(conflicts, lead).astype(np.int64)
        sets = self.puzzle_set.solutions
        if sets is not None:
            # only valid answers can be solutions: look those up (cheap when accuracy is low)
            pos = np.full(lead, -1, dtype=np.int64)
            hit = np.nonzero(valid)
            if hit[0].size:
                valid_answers = self._canonical_answers(answers[hit])
                pos[hit] = sets.lookup(ids[hit[0]], valid_answers)
            if np.any(valid & (pos < 0)):
                raise AssertionError("internal: a valid answer is missing from the solution set")
            solution_index = sets.local_index(ids[:, None], pos)
        else:
            pos = None
            solution_index = np.where(valid, 0, -1) if self._unique_solution() else np.full(lead, -1)
        result: dict[str, Any] = {
            "valid": valid,
            "conflicts": conflicts,
            "solution_index": solution_index.astype(np.int64),
            "_pos": pos,
        }
        result["new_solution"] = self._record(ids, answers, result, tracker or self.tracker)
        return result

    def _record(self, ids, answers, result, tracker: MetricsTracker) -> np.ndarray:
        return tracker.record(ids[:, None], answers, result["valid"], result["conflicts"], result["_pos"])

    def _unique_solution(self) -> bool:
        """True when each instance has exactly one solution (solution_index is then 0)."""
        return False


def instance_id_array(instance_ids: Any, n: int, what: str = "instance_ids") -> np.ndarray:
    """A 1-D int64 array of ids in [0, n) (an empty list is fine), else ValueError."""
    if isinstance(instance_ids, (list, tuple)) and len(instance_ids) == 0:
        return np.zeros(0, dtype=np.int64)
    if type(instance_ids) is np.ndarray and instance_ids.shape == (0,) and instance_ids.dtype.kind in "iuf":
        return np.zeros(0, dtype=np.int64)  # np.array([]) is float64: no id is lost by reading it as int
    ids = as_integer_array(instance_ids, what, f"a 1-D integer array of ids in [0, {n})")
    if ids.ndim != 1:
        raise ValueError(f"{what} must be a 1-D integer array of ids in [0, {n}); got shape {ids.shape}")
    check_range(ids, 0, n - 1, what)
    return ids.astype(np.int64)
