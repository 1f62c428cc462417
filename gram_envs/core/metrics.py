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

import datetime
import os
import platform
import shlex
import subprocess
import sys
from pathlib import Path

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


# ---- analysis of scored samples (numpy only): what the experiment drivers and the agent share ----


def _check_indices(solution_index: np.ndarray, num_solutions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    idx, nsol = np.asarray(solution_index), np.asarray(num_solutions)
    if idx.ndim != 2 or not np.issubdtype(idx.dtype, np.integer):
        raise ValueError(f"solution_index must be an (inputs, samples) integer array, got shape {idx.shape}")
    if nsol.shape != idx.shape[:1] or not np.issubdtype(nsol.dtype, np.integer):
        raise ValueError(f"num_solutions must be an integer array of {idx.shape[0]} counts, got shape {nsol.shape}")
    return idx, nsol


def distinct_found(solution_index: np.ndarray) -> np.ndarray:
    """(M, N) distinct valid answers found per input within its first n = 1..N samples, from
    per-sample solution indices (-1: invalid)."""
    idx = np.asarray(solution_index)
    if idx.ndim != 2:
        raise ValueError(f"solution_index must be an (inputs, samples) array, got shape {idx.shape}")
    m, n = idx.shape
    seen = np.zeros((m, int(idx.max()) + 2 if idx.size else 1), dtype=bool)
    rows = np.arange(m)
    found = np.zeros((m, n))
    for j in range(n):  # loop over the sample count only: each step is a vectorised update
        seen[rows, idx[:, j] + 1] = True  # column 0 collects the invalid samples (-1)
        found[:, j] = seen[:, 1:].sum(axis=1)
    return found


def coverage_curve(solution_index: np.ndarray, num_solutions: np.ndarray) -> list[float]:
    """Coverage using the first n samples, n = 1..N (coverage@n), from per-sample solution indices."""
    idx, nsol = _check_indices(solution_index, num_solutions)
    found = distinct_found(idx)
    return [float(v) for v in (found / np.maximum(nsol, 1)[:, None]).mean(axis=0)]


def coverage_by_num_solutions(solution_index: np.ndarray, num_solutions: np.ndarray) -> dict[int, dict]:
    """Per number n of valid answers: how many inputs have n, the mean number of distinct valid
    answers their samples found, and their mean coverage (found / n)."""
    idx, nsol = _check_indices(solution_index, num_solutions)
    found = distinct_found(idx)[:, -1]
    out = {}
    for k in np.unique(nsol):
        sel = nsol == k
        out[int(k)] = {"instances": int(sel.sum()), "found_mean": float(found[sel].mean()),
                       "coverage": float((found[sel] / max(int(k), 1)).mean())}
    return out


def accuracy_by_num_solutions(valid: np.ndarray, num_solutions: np.ndarray) -> dict[int, dict]:
    """Per number n of valid answers: how many inputs have n and the share of their samples that are
    valid (the paper's Fig. 4 right)."""
    ok, nsol = np.asarray(valid), np.asarray(num_solutions)
    if ok.ndim != 2 or nsol.shape != ok.shape[:1]:
        raise ValueError(f"valid must be (inputs, samples) with one count per input, got {ok.shape} and {nsol.shape}")
    return {int(k): {"instances": int((nsol == k).sum()), "accuracy": float(ok[nsol == k].mean())}
            for k in np.unique(nsol)}


def quantile_edges(values: np.ndarray, buckets: int = 4) -> list[float]:
    """Bucket edges at the ``buckets``-quantiles of ``values`` (minimum and maximum included); tied
    quantiles (integer ratings) merge, so fewer buckets may come back. For ``accuracy_by_bucket``."""
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1 or v.size == 0 or not np.isfinite(v).all():
        raise ValueError(f"values must be a non-empty 1-D array of finite numbers, got shape {v.shape}")
    if not is_int(buckets) or buckets < 1:
        raise ValueError(f"buckets must be an int >= 1, got {buckets!r}")
    edges = np.unique(np.quantile(v, np.linspace(0.0, 1.0, int(buckets) + 1)))
    if edges.size == 1:  # every value equal: one bucket holding them all
        edges = np.array([edges[0], edges[0]])
    return [float(e) for e in edges]


def accuracy_by_bucket(correct: np.ndarray, values: np.ndarray, edges: list[float]) -> list[dict]:
    """Per bucket ``[edges[i], edges[i+1])`` of ``values`` (the last bucket also holds its upper edge):
    its bounds, how many inputs fall in it and their mean correctness (None when empty). ``correct`` is
    (M,) per input or (M, S) per sample; every value must fall in some bucket, none is dropped."""
    ok = np.asarray(correct)
    v = np.asarray(values, dtype=np.float64)
    e = np.asarray(edges, dtype=np.float64)
    if ok.ndim not in (1, 2) or ok.dtype.kind not in "biuf" or v.shape != ok.shape[:1]:
        raise ValueError(f"correct must be (M,) or (M, S) numbers with one value per input, got correct "
                         f"{ok.shape} {ok.dtype} and values {v.shape}")
    one_point = e.size == 2 and e[0] == e[1]  # quantile_edges of equal values
    if e.ndim != 1 or e.size < 2 or not np.isfinite(e).all() or ((np.diff(e) <= 0).any() and not one_point):
        raise ValueError(f"edges must be >= 2 finite, strictly increasing numbers, got {list(edges)}")
    outside = (v < e[0]) | (v > e[-1]) | ~np.isfinite(v)
    if outside.any():
        raise ValueError(f"{int(outside.sum())} values lie outside the edges [{e[0]:g}, {e[-1]:g}], e.g. "
                         f"{v[outside][0]:g}")
    which = np.clip(np.searchsorted(e, v, side="right") - 1, 0, e.size - 2)
    per_input = ok.reshape(len(v), -1).astype(np.float64).mean(axis=1)
    out = []
    for i in range(e.size - 1):
        sel = which == i
        out.append({"low": float(e[i]), "high": float(e[i + 1]), "closed_high": i == e.size - 2,
                    "instances": int(sel.sum()), "accuracy": float(per_input[sel].mean()) if sel.any() else None})
    return out


def generation_counts(samples: np.ndarray, valid: np.ndarray, reference: np.ndarray, answer_ndim: int) -> dict:
    """How new a set of unconditional samples is: the share that is valid, the share of distinct
    samples (distinct / all) and of distinct valid ones (distinct valid / valid), and the share of
    all and of valid samples identical to a row of ``reference`` (the training grids)."""
    arr, ok, ref = np.asarray(samples), np.asarray(valid), np.asarray(reference)
    if arr.ndim != answer_ndim + 1 or len(arr) == 0 or arr.dtype.kind not in "iu" or ok.shape != arr.shape[:1] \
            or ok.dtype != bool:
        raise ValueError(f"samples must be a non-empty (n, ...) integer array with {answer_ndim} answer axes and "
                         f"valid an (n,) bool array, got {arr.shape} {arr.dtype} and {ok.shape} {ok.dtype}")
    if ref.shape[1:] != arr.shape[1:] or (ref.size and ref.dtype.kind not in "iu"):
        raise ValueError(f"reference must be integer rows of the samples' shape {arr.shape[1:]}, got {ref.shape}")
    both = answer_keys(np.concatenate([arr, ref.astype(arr.dtype)]), answer_ndim)  # one key width for both
    keys, ref_keys = both[:len(arr)], np.unique(both[len(arr):])
    copied = np.zeros(keys.size, dtype=bool)
    if ref_keys.size:
        pos = np.clip(np.searchsorted(ref_keys, keys), 0, ref_keys.size - 1)
        copied = ref_keys[pos] == keys
    n, n_valid = keys.size, int(ok.sum())
    return {
        "samples": n,
        "valid": n_valid,
        "valid_rate": n_valid / n,
        "distinct_rate": np.unique(keys).size / n,
        "distinct_valid": int(np.unique(keys[ok]).size),
        "distinct_valid_rate": np.unique(keys[ok]).size / n_valid if n_valid else None,
        "copied_rate": float(copied.mean()),
        "copied_valid_rate": float(copied[ok].mean()) if n_valid else None,
        "reference_rows": int(len(ref)),
    }


def gap_by_num_solutions(by_n: dict, samples: int) -> dict:
    """Where coverage is lost against the best independent sampler (``coverage_bounds``).

    ``by_n`` is ``coverage_by_num_solutions``' output (keys may be strings, as read from JSON). Per n:
    the coverage, the one-answer and independent levels, and n's share of the gap (its share of inputs
    times its gap), so the shares add up to the whole gap. All values in percent."""
    total = sum(int(row["instances"]) for row in by_n.values())
    if total == 0:
        raise ValueError("coverage_by_num_solutions holds no instances")
    rows = []
    for n_text, row in sorted(by_n.items(), key=lambda kv: int(kv[0])):
        n, count = int(n_text), int(row["instances"])
        level = coverage_bounds(np.array([n]), samples)
        weight = count / total
        rows.append({"n": n, "instances": count, "coverage": 100 * row["coverage"],
                     "one_answer": 100 * level["one_answer"], "independent": 100 * level["independent"],
                     "gap_share": 100 * weight * (level["independent"] - row["coverage"])})
    coverage = sum(r["coverage"] * r["instances"] for r in rows) / total
    independent = sum(r["independent"] * r["instances"] for r in rows) / total
    return {"instances": total, "coverage": coverage, "independent": independent,
            "gap": independent - coverage, "by_n": rows}


#: the metrics a repeated draw keeps (``summarise_draws``)
DRAW_METRICS = ("accuracy", "coverage", "conflicts_sum_per_sample")


def summarise_draws(draws: list[dict], metrics: tuple[str, ...] = DRAW_METRICS) -> dict:
    """Mean, standard deviation (ddof 1; 0 for one draw) and range of each metric over repeated draws."""
    if not draws:
        raise ValueError("summarise_draws needs at least one draw")
    out = {}
    for k in metrics:
        v = np.array([d[k] for d in draws], dtype=float)
        out[k] = {"mean": float(v.mean()), "std": float(v.std(ddof=1)) if len(v) > 1 else 0.0,
                  "min": float(v.min()), "max": float(v.max())}
    return out


def provenance() -> dict[str, str]:
    """Command, commit, machine and date: written next to every stored number.

    The commit is ``GIT_COMMIT`` where set (a machine that runs a copied tree without its .git, or
    with a stale one, gets it from scripts/build_carry.sh); otherwise git's HEAD, +dirty when tracked
    files differ from it."""
    carried = os.environ.get("GIT_COMMIT", "unknown")
    commit = carried if carried != "unknown" else git_commit(Path(__file__).resolve().parent)
    return {
        "command": command_line(),
        "commit": commit or "unknown",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.processor() or ''} {os.cpu_count()} cpus".strip(),
        "python": platform.python_version(),
    }


def command_line() -> str:
    """How this process was started, without the machine's paths: ``python -m pkg.mod ARGS`` for a module
    run with -m (whose argv[0] is the module's absolute path), else the interpreter's name and argv."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    head = ["-m", spec.name] if spec is not None and spec.name not in (None, "__main__") else sys.argv[:1]
    return shlex.join([Path(sys.executable).name, *head, *sys.argv[1:]])


def git_commit(here: Path) -> str:
    """HEAD's short hash, +dirty when tracked files differ from it ("" without git)."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                check=False, cwd=here).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                               text=True, check=False, cwd=here).stdout.strip()
        return commit + ("+dirty" if commit and dirty else "")
    except OSError:
        return ""
