"""Scores of answer texts: single, batched, and per group with a diversity bonus for RL.

Score of one answer (``partial_credit`` = p, default 0):

- 1.0 if the answer is a valid completion (any of the instance's solutions);
- p / (1 + conflicts + defects) if it parses but is not valid (conflicts: the env's exact
  count; defects: missing or extra queens, removed or changed givens), so it is at most
  p / 2 and never above p;
- 0.0 if it does not parse.

Group scores add, per answer, ``diversity_bonus`` = 1 for a valid answer whose solution no
earlier answer of the group found, and ``reward = score + diversity_weight * bonus``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from gram_envs.text.tasks import TextTask, text_task

_CHUNK = 1 << 16  # answers parsed and checked at once (bounds memory for huge batches)


def check_partial_credit(partial_credit: float) -> float:
    if isinstance(partial_credit, bool) or not isinstance(partial_credit, (int, float)) or not (
        0.0 <= float(partial_credit) < 1.0
    ):
        raise ValueError(f"partial_credit must be a number in [0, 1), got {partial_credit!r}")
    return float(partial_credit)


def score_texts(task: TextTask, instance_ids: Any, texts: Sequence, partial_credit: float = 0.0) -> dict[str, Any]:
    """Parse and score texts against instances of one task, vectorised.

    Returns arrays ``score``, ``parsed``, ``valid``, ``conflicts``, ``defects`` and
    ``solution_index`` (-1 where unparsed or invalid; ``conflicts``/``defects`` are -1 where
    unparsed) and the list ``errors`` (None where parsed).
    """
    p = check_partial_credit(partial_credit)
    ids = np.asarray(instance_ids, dtype=np.int64)
    if ids.ndim != 1 or len(ids) != len(texts):
        raise ValueError(f"instance_ids must be 1-D with one id per text ({len(texts)}), got shape {ids.shape}")
    m = len(texts)
    out = {
        "parsed": np.zeros(m, dtype=bool),
        "valid": np.zeros(m, dtype=bool),
        "conflicts": np.full(m, -1, dtype=np.int64),
        "defects": np.full(m, -1, dtype=np.int64),
        "solution_index": np.full(m, -1, dtype=np.int64),
    }
    errors: list[str | None] = []
    for lo in range(0, m, _CHUNK):
        chunk = list(texts[lo : lo + _CHUNK])
        ok, answers, errs = task.parse_many(chunk)
        errors.extend(errs)
        rows = slice(lo, lo + len(chunk)) if ok.all() else lo + np.flatnonzero(ok)
        out["parsed"][rows] = True
        if ok.any():
            res = task.check(ids[rows], answers)
            for key in ("valid", "conflicts", "defects", "solution_index"):
                out[key][rows] = res[key]
    violations = np.maximum(out["conflicts"], 0) + np.maximum(out["defects"], 0)
    out["score"] = np.where(out["valid"], 1.0, np.where(out["parsed"], p / (1.0 + violations), 0.0))
    out["errors"] = errors
    return out


def _entry_task(entry: Mapping[str, Any]) -> tuple[TextTask, int, float | None]:
    """Task, instance id and partial credit named by a dataset entry's metadata."""
    meta = entry.get("metadata") if isinstance(entry, Mapping) else None
    if not isinstance(meta, Mapping) or "env_id" not in meta or "instance_id" not in meta:
        raise ValueError("entry must be a dataset entry whose 'metadata' holds 'env_id' and 'instance_id'")
    task = text_task(meta["env_id"], meta.get("env_kwargs") or {})
    return task, int(meta["instance_id"]), meta.get("partial_credit")


def score_answer(answer: Any, entry: Mapping[str, Any], partial_credit: float | None = None) -> float:
    """Score of one answer for a dataset entry (the formula in the module docstring).

    ``partial_credit`` defaults to the entry's own ``metadata["partial_credit"]`` (0 if absent).
    """
    task, instance_id, entry_p = _entry_task(entry)
    p = partial_credit if partial_credit is not None else (entry_p or 0.0)
    return float(score_texts(task, [instance_id], [answer], p)["score"][0])


def score_groups(
    groups: Sequence[Sequence[Any]],
    entries: Sequence[Mapping[str, Any]],
    *,
    partial_credit: float | None = None,
    diversity_weight: float = 0.5,
) -> list[dict[str, Any]]:
    """``score_group`` for many (answers, entry) pairs at once: one parse and check per env."""
    if len(groups) != len(entries):
        raise ValueError(f"need one entry per group, got {len(groups)} groups and {len(entries)} entries")
    if isinstance(diversity_weight, bool) or not isinstance(diversity_weight, (int, float)) or diversity_weight < 0:
        raise ValueError(f"diversity_weight must be a non-negative number, got {diversity_weight!r}")
    by_task: dict[int, tuple[TextTask, list[int]]] = {}
    meta = []
    for g, entry in enumerate(entries):
        task, instance_id, entry_p = _entry_task(entry)
        p = partial_credit if partial_credit is not None else (entry_p or 0.0)
        meta.append((task, instance_id, check_partial_credit(p)))
        by_task.setdefault(id(task), (task, []))[1].append(g)
    results: list[dict[str, Any] | None] = [None] * len(groups)
    for task, members in by_task.values():
        texts, ids, owner = [], [], []
        for g in members:
            answers = list(groups[g])
            texts.extend(answers)
            ids.extend([meta[g][1]] * len(answers))
            owner.extend([g] * len(answers))
        scored = score_texts(task, ids, texts, 0.0)
        owner_arr = np.asarray(owner, dtype=np.int64)
        for g in members:
            rows = np.flatnonzero(owner_arr == g)
            results[g] = _group_result(task, meta[g][1], meta[g][2], diversity_weight, scored, rows)
    return results  # type: ignore[return-value]


def score_group(
    answers: Sequence[Any],
    entry: Mapping[str, Any],
    *,
    partial_credit: float | None = None,
    diversity_weight: float = 0.5,
) -> dict[str, Any]:
    """Scores of a group of answers to one entry, with validity, solution ids and diversity.

    Returns lists ``scores``, ``valid``, ``parsed``, ``errors``, ``conflicts``,
    ``solution_index``, ``diversity_bonus``, ``rewards`` (one item per answer) and the
    group's ``distinct_valid``, ``num_solutions`` and ``coverage`` (distinct / solutions).
    """
    return score_groups([answers], [entry], partial_credit=partial_credit, diversity_weight=diversity_weight)[0]


def _group_result(task, instance_id, p, weight, scored, rows) -> dict[str, Any]:
    valid = scored["valid"][rows]
    violations = np.maximum(scored["conflicts"][rows], 0) + np.maximum(scored["defects"][rows], 0)
    scores = np.where(valid, 1.0, np.where(scored["parsed"][rows], p / (1.0 + violations), 0.0))
    index = scored["solution_index"][rows]
    bonus = np.zeros(len(rows))
    seen: set[int] = set()
    for j in np.flatnonzero(valid).tolist():
        if int(index[j]) not in seen:
            seen.add(int(index[j]))
            bonus[j] = 1.0
    count = task.num_solutions(instance_id)
    return {
        "scores": scores.tolist(),
        "valid": valid.tolist(),
        "parsed": scored["parsed"][rows].tolist(),
        "errors": [scored["errors"][r] for r in rows.tolist()],
        "conflicts": scored["conflicts"][rows].tolist(),
        "solution_index": index.tolist(),
        "diversity_bonus": bonus.tolist(),
        "rewards": (scores + weight * bonus).tolist(),
        "distinct_valid": len(seen),
        "num_solutions": count,
        "coverage": len(seen) / count if count > 0 else 0.0,
    }
