"""Exact, vectorised membership of answers in per-instance solution sets.

Every instance owns a (possibly large) set of valid answers enumerated by a solver.
Answers are compared by their raw int8 bytes (a numpy void view), so lookup is exact,
needs no family-specific hashing and runs as a few ``searchsorted`` calls however many
candidates arrive at once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def answer_keys(answers: np.ndarray, answer_ndim: int) -> np.ndarray:
    """One opaque, exactly comparable key per answer (the last ``answer_ndim`` axes).

    Values are stored as int8 bytes when they fit (every current family) and as int32
    otherwise, so no value is ever wrapped; keys of one call share one width.
    """
    answers = np.asarray(answers)
    lead = answers.shape[: answers.ndim - answer_ndim]
    cells = int(np.prod(answers.shape[answers.ndim - answer_ndim :], dtype=np.int64))
    fits = answers.size == 0 or (answers.min() >= -128 and answers.max() <= 127)
    dtype = np.int8 if fits else np.int32
    flat = np.ascontiguousarray(answers.reshape(*lead, cells).astype(dtype, copy=False))
    return flat.view(np.dtype((np.void, cells * flat.itemsize))).reshape(lead)


class SolutionSets:
    """All valid answers of every instance, flattened, with O(log n) exact lookup.

    ``solutions[i]`` lists instance ``i``'s answers in a fixed order; the position in
    that list is the ``solution_index`` reported by the envs.
    """

    def __init__(self, solutions: Sequence[np.ndarray], answer_ndim: int) -> None:
        if len(solutions) == 0:
            raise ValueError("SolutionSets needs at least one instance")
        self.answer_ndim = answer_ndim
        self.counts = np.array([len(s) for s in solutions], dtype=np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(self.counts)]).astype(np.int64)
        self.flat = np.concatenate([np.asarray(s, dtype=np.int8) for s in solutions], axis=0)
        keys = answer_keys(self.flat, answer_ndim)
        self._unique_keys, key_rank = np.unique(keys, return_inverse=True)
        owner = np.repeat(np.arange(len(solutions), dtype=np.int64), self.counts)
        combined = owner * len(self._unique_keys) + key_rank.ravel()
        self._order = np.argsort(combined, kind="stable")
        self._combined_sorted = combined[self._order]
        if np.any(np.diff(self._combined_sorted) == 0):
            raise ValueError("an instance lists the same solution twice")

    def __len__(self) -> int:
        return len(self.counts)

    def of(self, instance: int) -> np.ndarray:
        """A copy of one instance's solutions, shape (count, *answer_shape)."""
        return self.flat[self.offsets[instance] : self.offsets[instance + 1]].copy()

    def lookup(self, instance_ids: np.ndarray, answers: np.ndarray) -> np.ndarray:
        """Global solution position of each answer (-1 if not a solution of its instance).

        ``instance_ids`` broadcasts against the leading axes of ``answers``.
        """
        answers = np.asarray(answers)
        if answers.size and (answers.min() < -128 or answers.max() > 127):
            raise ValueError("solution sets hold int8 answers; values outside [-128, 127] cannot be solutions")
        keys = answer_keys(answers, self.answer_ndim)
        ids = np.broadcast_to(np.asarray(instance_ids, dtype=np.int64), keys.shape)
        rank = np.searchsorted(self._unique_keys, keys)
        rank_clipped = np.minimum(rank, len(self._unique_keys) - 1)
        known = self._unique_keys[rank_clipped] == keys
        combined = ids * len(self._unique_keys) + rank_clipped
        pos = np.searchsorted(self._combined_sorted, combined)
        pos_clipped = np.minimum(pos, len(self._combined_sorted) - 1)
        hit = known & (self._combined_sorted[pos_clipped] == combined)
        return np.where(hit, self._order[pos_clipped], -1)

    def local_index(self, instance_ids: np.ndarray, global_pos: np.ndarray) -> np.ndarray:
        """Index within the instance's own list (the env's ``solution_index``), -1 stays -1."""
        ids = np.broadcast_to(np.asarray(instance_ids, dtype=np.int64), np.shape(global_pos))
        return np.where(global_pos >= 0, global_pos - self.offsets[ids], -1)
