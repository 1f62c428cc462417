"""The GRAM paper's metrics, accumulated from scored candidates with array operations only.

One ``MetricsTracker`` serves both ``env.step`` (one candidate) and ``env.evaluate``
(instances x samples at once), so the two can never disagree.

Definitions (per evaluated instance, then averaged over the instances that received at
least one candidate):

- ``accuracy``: fraction of all submitted candidates that are valid.
- ``instance_accuracy``: fraction of instances with at least one valid candidate (pass@N).
- ``coverage``: distinct valid answers found / number of valid answers of the instance.
- ``essential_coverage``: the same over symmetry classes, where the family defines them.
- ``conflicts_total`` / ``conflicts_mean``: violated constraints summed over all candidates,
  and per candidate; ``conflicts_per_instance``: the sum divided by evaluated instances.
- ``distinct_valid``: distinct valid answers found in total.
"""

from __future__ import annotations

import numpy as np

from gram_envs.core.checks import is_int
from gram_envs.core.solution_sets import SolutionSets, answer_keys


class MetricsTracker:
    """Running totals over candidates, keyed by global instance id."""

    def __init__(
        self,
        num_instances: int,
        solution_sets: SolutionSets | None,
        essential_class: np.ndarray | None = None,
        answer_ndim: int = 1,
    ) -> None:
        self.num_instances = num_instances
        self.solution_sets = solution_sets
        self.essential_class = essential_class
        self.answer_ndim = answer_ndim
        self.reset()

    def reset(self) -> None:
        """Forget every candidate seen so far."""
        n = self.num_instances
        self.attempts = np.zeros(n, dtype=np.int64)
        self.valid = np.zeros(n, dtype=np.int64)
        self.conflicts = np.zeros(n, dtype=np.int64)
        if self.solution_sets is not None:
            self.found = np.zeros(len(self.solution_sets.flat), dtype=bool)
        # For families whose solutions cannot be enumerated (blank-board generation),
        # distinct valid answers are kept as sorted keys per instance.
        self._seen_keys: dict[int, np.ndarray] = {}

    def record(
        self,
        instance_ids: np.ndarray,
        answers: np.ndarray,
        valid: np.ndarray,
        conflicts: np.ndarray,
        solution_pos: np.ndarray | None,
    ) -> np.ndarray:
        """Add scored candidates; return ``new_solution`` (valid and never seen before)."""
        ids = np.broadcast_to(np.asarray(instance_ids, dtype=np.int64), valid.shape)
        np.add.at(self.attempts, ids.ravel(), 1)
        np.add.at(self.valid, ids.ravel(), valid.ravel().astype(np.int64))
        np.add.at(self.conflicts, ids.ravel(), conflicts.ravel().astype(np.int64))
        if solution_pos is not None:
            pos = solution_pos.ravel()
            new = np.zeros(pos.shape, dtype=bool)
            hit = np.flatnonzero(pos >= 0)
            # first occurrence inside this batch counts, and only if not found before
            uniq_pos, first = np.unique(pos[hit], return_index=True)
            first_hits = hit[first]
            new[first_hits] = ~self.found[uniq_pos]
            self.found[uniq_pos] = True
            return new.reshape(valid.shape)
        return self._record_unenumerated(ids, answers, valid)

    def _record_unenumerated(
        self, ids: np.ndarray, answers: np.ndarray, valid: np.ndarray
    ) -> np.ndarray:
        keys = answer_keys(answers, self.answer_ndim).ravel()
        flat_ids = ids.ravel()
        flat_valid = valid.ravel()
        new = np.zeros(flat_valid.shape, dtype=bool)
        for inst in np.unique(flat_ids[flat_valid]):  # loop over instances, not samples
            where = np.flatnonzero(flat_valid & (flat_ids == inst))
            uniq, first = np.unique(keys[where], return_index=True)
            seen = self._seen_keys.get(int(inst), uniq[:0])
            fresh = ~np.isin(uniq, seen)
            new[where[first[fresh]]] = True
            self._seen_keys[int(inst)] = np.union1d(seen, uniq)
        return new.reshape(valid.shape)

    def summary(self, instance_ids: np.ndarray | None = None) -> dict[str, float]:
        """The metrics over the given instances (default: every instance with attempts)."""
        if instance_ids is None:
            ids = np.flatnonzero(self.attempts > 0)
        else:
            ids = np.unique(np.asarray(instance_ids, dtype=np.int64))
            ids = ids[self.attempts[ids] > 0]
        attempts = self.attempts[ids]
        out: dict[str, float] = {
            "instances": float(len(ids)),
            "candidates": float(attempts.sum()),
        }
        if len(ids) == 0:
            return out
        out["accuracy"] = float(self.valid[ids].sum() / attempts.sum())
        out["instance_accuracy"] = float(np.mean(self.valid[ids] > 0))
        out["conflicts_total"] = float(self.conflicts[ids].sum())
        out["conflicts_mean"] = float(self.conflicts[ids].sum() / attempts.sum())
        out["conflicts_per_instance"] = float(self.conflicts[ids].sum() / len(ids))
        if self.solution_sets is not None:
            sets = self.solution_sets
            found_counts = np.add.reduceat(self.found.astype(np.int64), sets.offsets[:-1])
            found_counts = np.where(sets.counts > 0, found_counts, 0)
            cov = found_counts[ids] / np.maximum(sets.counts[ids], 1)
            out["coverage"] = float(cov.mean())
            out["distinct_valid"] = float(found_counts[ids].sum())
            if self.essential_class is not None:
                out["essential_coverage"] = float(self._essential_coverage(ids).mean())
        else:
            out["distinct_valid"] = float(
                sum(len(self._seen_keys.get(int(i), ())) for i in ids)
            )
            valid_total = self.valid[ids].sum()
            out["distinct_rate"] = float(out["distinct_valid"] / max(valid_total, 1))
            out["duplicate_rate"] = 1.0 - out["distinct_rate"] if valid_total else 0.0
        return out

    def _essential_coverage(self, ids: np.ndarray) -> np.ndarray:
        """Per instance: symmetry classes hit / symmetry classes among its solutions."""
        sets = self.solution_sets
        assert sets is not None and self.essential_class is not None
        owner = np.repeat(np.arange(len(sets), dtype=np.int64), sets.counts)
        n_cls = int(self.essential_class.max()) + 1
        pair = owner * n_cls + self.essential_class
        all_pairs = np.unique(pair)
        hit_pairs = np.unique(pair[self.found])
        total = np.bincount(all_pairs // n_cls, minlength=len(sets))
        hit = np.bincount(hit_pairs // n_cls, minlength=len(sets))
        return hit[ids] / np.maximum(total[ids], 1)


def coverage_bounds(num_solutions: np.ndarray, samples: int = 20) -> dict[str, float]:
    """What coverage@``samples`` three kinds of sampler can reach on inputs with these solution counts.

    - ``one_answer``: a model that always gives the same valid answer (collapsed): mean 1/n.
    - ``independent``: the best *expected* coverage of any sampler whose draws are independent given
      the input (GRAM's trajectories, autoregressive or diffusion samples): for draw probabilities q
      over the n answers, E[distinct] = sum_i 1 - (1 - q_i)^N is concave and symmetric in q, so the
      uniform q maximises it: mean 1 - (1 - 1/n)^N. Invalid draws only lower it.
    - ``distinct``: N distinct valid answers (draws that avoid each other): mean min(N, n)/n.

    A reported coverage above ``independent`` is out of reach for independent samples on these
    inputs, whatever the model.
    """
    n = np.asarray(num_solutions)
    masked = isinstance(num_solutions, np.ma.MaskedArray)
    if masked or n.ndim != 1 or n.size == 0 or n.dtype.kind not in "iu" or (n < 1).any():
        raise ValueError(f"num_solutions must be a non-empty 1-D array of integers >= 1, got {n!r:.80}")
    if not is_int(samples) or samples < 1:
        raise ValueError(f"samples must be a positive int, got {samples!r}")
    inv = 1.0 / n.astype(np.float64)
    return {
        "one_answer": float(inv.mean()),
        "independent": float((1.0 - (1.0 - inv) ** samples).mean()),
        "distinct": float((np.minimum(samples, n) * inv).mean()),
    }
