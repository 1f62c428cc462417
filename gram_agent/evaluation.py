"""Scoring a trained agent the way the published tables do: every metric of N samples per input,
prior-temperature schedules swept and chosen on training inputs, and snapshot selection.

The experiment drivers (``python -m experiments.multi_solution``, ``.temperature_schedule``,
``.select_snapshot``, ``.sampling_seeds``) are thin command lines over these functions.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from gram_envs.core.metrics import (
    accuracy_by_num_solutions,
    coverage_by_num_solutions,
    coverage_curve,
    provenance,
)

__all__ = ["GRID", "PAPER_SAMPLING", "accuracy_bar", "adopt_snapshot", "analyse", "choose", "prefix_selections",
           "provenance", "row_named", "schedule", "schedule_name", "snapshot_candidates", "split_inputs", "sweep"]


def analyse(env, ids: np.ndarray, cands: np.ndarray, roll=None, agent=None) -> dict:
    """Every metric of one (instances, N, ...) candidate array: the env's own metrics, coverage@n for
    n = 1..N, accuracy and coverage by number of valid answers, summed conflicts per sample, and (given
    the rollout and agent) the accuracy of the vote, LPRM and halting selections."""
    u = env.unwrapped
    res = u.evaluate(ids, cands, record=False)
    valid = np.asarray(res["valid"])
    nsol = np.asarray(u.num_solutions(ids))
    out = {k: float(v) for k, v in res["metrics"].items()}
    out["samples"] = int(cands.shape[1])
    out["conflicts_sum_per_sample"] = float(np.asarray(res["conflicts"]).sum(axis=0).mean())
    if (nsol > 0).all():
        index = np.asarray(res["solution_index"])
        out["coverage_at"] = coverage_curve(index, nsol)
        out["accuracy_by_num_solutions"] = accuracy_by_num_solutions(valid, nsol)
        out["coverage_by_num_solutions"] = coverage_by_num_solutions(index, nsol)
    if roll is not None and agent is not None:
        for how in ("vote", "lprm", "halt"):
            sel = u.detokenize(agent.select(roll, how).cpu().numpy())[:, None]
            out[f"{how}_accuracy"] = float(u.evaluate(ids, sel, record=False)["metrics"]["accuracy"])
    return out


# ---- width: every sample count from one draw ----

#: instances x samples^2 x tokens compared at once by ``prefix_selections``' vote
VOTE_CHUNK_ELEMS = 2**25


def prefix_selections(valid: np.ndarray, tokens: np.ndarray, value: np.ndarray, q_halt: np.ndarray,
                      ns: list[int], heads: bool = True) -> dict[str, np.ndarray]:
    """Per input and sample count n (the first n of the N drawn samples, so one draw of N serves every
    n <= N): (M, len(ns)) arrays ``sample_accuracy`` (share of the n samples that are valid), ``pass``
    (any of them valid), ``vote`` (the most frequent answer valid; ties: the first, as
    ``Agent.select``) and, with ``heads``, ``lprm`` and ``halt`` (the highest value / halting-Q
    sample valid). ``valid``, ``value``, ``q_halt``: (M, N); ``tokens``: (M, N, L) answer rows."""
    ok, tok = np.asarray(valid), np.asarray(tokens)
    val, q = np.asarray(value), np.asarray(q_halt)
    if ok.ndim != 2 or ok.dtype != bool or tok.shape[:2] != ok.shape or tok.ndim != 3 or \
            val.shape != ok.shape or q.shape != ok.shape:
        raise ValueError(f"valid must be (M, N) bool, tokens (M, N, L), value and q_halt (M, N); got {ok.shape} "
                         f"{ok.dtype}, {tok.shape}, {val.shape}, {q.shape}")
    m, n_max = ok.shape
    bad = [n for n in ns if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= n_max]
    if not ns or bad:
        raise ValueError(f"ns must be a non-empty list of sample counts in [1, {n_max}], got {list(ns)}")
    rows = np.arange(m)
    out = {k: np.zeros((m, len(ns)), dtype=np.float64 if k == "sample_accuracy" else bool)
           for k in ("sample_accuracy", "pass", "vote", *(("lprm", "halt") if heads else ()))}
    csum = np.cumsum(ok, axis=1)
    for j, n in enumerate(ns):
        out["sample_accuracy"][:, j] = csum[:, n - 1] / n
        out["pass"][:, j] = csum[:, n - 1] > 0
        if heads:
            out["lprm"][:, j] = ok[rows, val[:, :n].argmax(1)]
            out["halt"][:, j] = ok[rows, q[:, :n].argmax(1)]
    step = max(1, VOTE_CHUNK_ELEMS // max(1, n_max * n_max * tok.shape[2]))
    for s in range(0, m, step):  # equal-answer matrix, a few inputs at a time
        same = (tok[s:s + step, :, None, :] == tok[s:s + step, None, :, :]).all(-1)
        r = np.arange(same.shape[0])
        for j, n in enumerate(ns):
            idx = same[:, :n, :n].sum(-1).argmax(-1)
            out["vote"][s:s + step, j] = ok[s:s + step][r, idx]
    return out


# ---- prior-temperature schedules ----

#: (hot, hot_steps, cool, extra settling steps); hot_steps 0 = the constant temperature ``hot``.
#: Stored sweeps hold the subset of this grid that existed when they ran.
GRID: list[tuple[float, int, float, int]] = [
    (1.0, 0, 1.0, 0), (1.5, 0, 1.5, 0), (2.0, 0, 2.0, 0),
    (2.0, 2, 0.5, 0), (2.0, 4, 0.5, 0), (2.0, 8, 0.5, 0),
    (3.0, 2, 0.5, 0), (3.0, 4, 0.5, 0), (3.0, 8, 0.5, 0),
    (3.0, 4, 0.5, 8),
    # hotter starts, for models whose learned prior sigma is small (the colourings)
    (6.0, 2, 0.5, 0), (6.0, 4, 0.5, 0), (10.0, 2, 0.5, 0), (6.0, 2, 1.0, 0),
    (20.0, 2, 0.5, 0), (50.0, 2, 0.5, 0),
    (100.0, 2, 0.5, 0), (200.0, 2, 0.5, 0), (50.0, 4, 0.5, 0),
    (100.0, 4, 0.5, 0), (200.0, 4, 0.5, 0), (50.0, 8, 0.5, 0), (100.0, 8, 0.5, 0),
]


def schedule(hot: float, hot_steps: int, cool: float, extra: int, n_sup: int) -> list[float]:
    """One temperature per supervision step: ``hot`` for the first ``hot_steps``, then ``cool``."""
    if hot_steps == 0:
        return [hot] * (n_sup + extra)
    if hot_steps >= n_sup + extra:
        raise ValueError(f"{hot_steps} hot steps leave no cool step in {n_sup + extra} supervision steps")
    return [hot] * hot_steps + [cool] * (n_sup + extra - hot_steps)


def schedule_name(hot: float, hot_steps: int, cool: float, extra: int) -> str:
    """The label a schedule is stored and chosen under, e.g. ``T 3 for 2 steps, then 0.5``."""
    base = f"T {hot:g}" if hot_steps == 0 else f"T {hot:g} for {hot_steps} steps, then {cool:g}"
    return base + (f", +{extra} steps" if extra else "")


#: the paper's sampling (temperature 1.0 at every step): the fallback choice and the accuracy bar
PAPER_SAMPLING = schedule_name(1.0, 0, 1.0, 0)


def row_named(rows: list[dict], label: str) -> dict:
    """The sweep row of one schedule (by its ``name``)."""
    for r in rows:
        if r["name"] == label:
            return r
    raise ValueError(f"no schedule named {label!r}; expected one of {[r['name'] for r in rows]}")


def accuracy_bar(rows: list[dict], ceiling: float) -> float:
    """The selection accuracy a choice must keep: ``ceiling``, or temperature 1.0's where lower."""
    return min(ceiling, row_named(rows, PAPER_SAMPLING)["select"]["accuracy"])


def choose(rows: list[dict], min_accuracy: float) -> str:
    """The row with the best selection coverage among those at least ``min_accuracy`` accurate on the
    selection inputs (ties: the more accurate); the paper's sampling when none is."""
    ok = [r for r in rows if r["select"]["accuracy"] >= min_accuracy]
    if not ok:
        return PAPER_SAMPLING
    return max(ok, key=lambda r: (r["select"]["coverage"], r["select"]["accuracy"]))["name"]


def split_inputs(agent, split: str, m: int) -> tuple:
    """(ids, inputs) of the first ``m`` inputs (0: all) of an agent's env split: "select" is the
    training split, the one a choice may look at; "test" the test split."""
    if split not in ("select", "test"):
        raise ValueError(f"split must be 'select' or 'test', got {split!r}")
    ds = agent.env.unwrapped.dataset("train" if split == "select" else "test", **agent.config.dataset_kwargs)
    ids, inputs = ds.instance_ids, ds.instance_inputs
    return (ids[:m], inputs[:m]) if m else (ids, inputs)


def sweep(agent, splits: dict[str, tuple], samples: int, seed: int, batch: int | None = None,
          desc: str = "schedules", progress: bool = True, only: list[str] | None = None) -> list[dict]:
    """Every schedule of ``GRID`` that fits the agent's horizon (or the ``only`` ones, always with
    temperature 1.0, which the choice rule needs), scored on each split's (ids, inputs)."""
    from tqdm.auto import tqdm

    env, n_sup = agent.env, agent.config.n_sup
    rows = []
    grid = [g for g in GRID if g[1] < n_sup + g[3]]  # a short horizon drops the schedules it cannot hold
    if only is not None:
        known = [schedule_name(*g) for g in grid]
        unknown = [o for o in only if o not in known]
        if unknown:
            raise ValueError(f"unknown schedules {unknown}; expected some of {known}")
        grid = [g for g in grid if schedule_name(*g) in {*only, PAPER_SAMPLING}]
    for hot, hot_steps, cool, extra in tqdm(grid, desc=desc, disable=not progress):
        temps = schedule(hot, hot_steps, cool, extra, n_sup)
        row = {"name": schedule_name(hot, hot_steps, cool, extra), "temperatures": temps}
        for split, (ids, inputs) in splits.items():
            roll = agent.rollout(inputs, samples=samples, steps=len(temps), seed=seed, batch=batch, temperature=temps)
            cands = env.unwrapped.detokenize(roll["tokens"].cpu().numpy())
            row[split] = analyse(env, ids, cands, roll, agent)
        rows.append(row)
    return rows


# ---- snapshot selection ----

#: the name of a run's final checkpoint among its snapshot candidates
FINAL = "final"


def snapshot_candidates(run_dir: Path) -> list[tuple[str, Path]]:
    """(name, checkpoint folder): the final checkpoint (``ckpt/``, or ``ckpt_final/`` once adopted)
    first, then every ``snapshots/step<N>`` of another step."""
    run_dir = Path(run_dir)
    final = run_dir / "ckpt_final" if (run_dir / "ckpt_final").is_dir() else run_dir / "ckpt"
    if not (final / "weights.safetensors").exists():
        raise FileNotFoundError(f"{run_dir} holds no final checkpoint (ckpt/ or ckpt_final/ with weights.safetensors)")
    snaps = sorted((run_dir / "snapshots").glob("step*")) if (run_dir / "snapshots").is_dir() else []
    if not snaps:
        raise FileNotFoundError(f"{run_dir / 'snapshots'} holds no step<N> folders: train with config snapshot_every")
    final_step = json.loads((final / "task.json").read_text())["meta"].get("step")
    out = [(FINAL, final)]
    for snap in snaps:
        step = int(snap.name.removeprefix("step"))
        if step != final_step:
            out.append((f"step {step}", snap))
    return out


def adopt_snapshot(run_dir: Path, chosen: Path) -> None:
    """Make ``chosen`` the run's ``ckpt/``; the final checkpoint stays as ``ckpt_final/``."""
    run_dir, chosen = Path(run_dir), Path(chosen)
    if not (run_dir / "ckpt_final").exists():
        (run_dir / "ckpt").rename(run_dir / "ckpt_final")
        if chosen == run_dir / "ckpt":
            chosen = run_dir / "ckpt_final"
    if (run_dir / "ckpt").exists():
        shutil.rmtree(run_dir / "ckpt")
    shutil.copytree(chosen, run_dir / "ckpt")
