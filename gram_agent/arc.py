"""ARC evaluation as TRM scores it: each test input is answered under V augmented views of its task,
every answer is mapped back by its view's inverse transform, and the views vote.

View ``v`` of a test input is variant ``v`` of its task (``ArcTokenDataset.variant_rows``: a fixed
dihedral map and colour permutation, variant 0 the identity) fed with that variant's puzzle
identifier, the one trained on the same variant of the task's demonstration pairs. With S samples
per view (GRAM draws S different answers; TRM's are identical) all V*S answers vote
(``gram_envs.arc.voting.vote``): answers rank by how many views and samples gave them, ties by the
mean sigmoid of the halting logit, then by the first view and sample that gave them; the top two
are the two attempts the env scores (pass@2).
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np
import torch

from gram_agent.data import instance_positions
from gram_envs.arc.logic import decode_predictions
from gram_envs.arc.voting import vote


def is_arc_dataset(ds: Any) -> bool:
    """Whether a dataset has ARC's per-variant rows (what view voting needs)."""
    return hasattr(ds, "variant_rows") and hasattr(ds, "variant_transforms")


def instance_rows(ds: Any) -> np.ndarray:
    """Row of each of ``ds.instance_ids`` (the test pair's row; a "train" split also holds demos)."""
    pos, found = instance_positions(ds.row_instance, ds.instance_ids)
    if not found.all():
        raise ValueError("the dataset has test inputs without a row; expected one row per instance id")
    return pos


def vote_evaluate(agent: Any, split: str = "test", views: int = 8, samples: int = 1, k: int = 2,
                  steps: int | None = None, instances: int | None = None, seed: int | None = None,
                  batch: int | None = None, temperature: Any = 1.0, record: bool = False,
                  progress: bool | None = None, time_budget_s: float | None = None,
                  ptrm_sigma: float = 0.0) -> dict[str, float]:
    """Env metrics of the top-``k`` voted answers over ``views`` augmented views x ``samples``.

    Returns the env's ``pass@1``/``pass@2`` (per task, ARC Prize's score) and ``test_pass@k`` of the
    voted attempts, ``accuracy`` (share of all view answers that are exact after mapping back),
    ``view0_pass@1`` (the identity view's first sample alone, the no-voting reference),
    ``views`` and ``samples``. ``time_budget_s`` cuts to the inputs whose every view fits.
    """
    t0 = time.monotonic()
    u = agent.env.unwrapped
    ds = u.dataset(split, **agent.config.dataset_kwargs)
    if not is_arc_dataset(ds):
        raise ValueError(f"view voting needs an ARC env (per-variant rows); {type(u).__name__}'s dataset has none")
    if agent.model.puzzle_emb is None:
        raise ValueError("view voting feeds each view its puzzle identifier: the model needs puzzle_emb_len > 0")
    if isinstance(views, bool) or not isinstance(views, (int, np.integer)) or not 1 <= views <= ds.num_variants:
        raise ValueError(f"views must be an integer in [1, num_variants={ds.num_variants}] (the variants with "
                         f"trained identifiers), got {views!r}")
    ids, rows = ds.instance_ids, instance_rows(ds)
    if instances:
        ids, rows = ids[:instances], rows[:instances]
    n, V = len(ids), int(views)
    view_rows = np.repeat(rows, V)
    variants = np.tile(np.arange(V), n)
    x, _, pids = ds.variant_rows(view_rows, variants)  # at the canvas origin (no translation at test)
    deadline = None if time_budget_s is None else t0 + 0.9 * time_budget_s
    roll = agent.rollout(x, samples, steps, ptrm_sigma=ptrm_sigma, seed=seed, batch=batch, puzzle_ids=pids,
                         temperature=temperature, deadline=deadline, progress=progress)
    got = int(roll["tokens"].shape[0]) // V  # whole inputs only
    extra: dict[str, float] = {}
    if got < n:
        extra.update(instances_requested=float(n), cut_by_time=1.0)
        warnings.warn(f"view voting on {split!r} cut to {got} of {n} inputs to fit time_budget_s={time_budget_s:g}",
                      stacklevel=2)
        if got == 0:
            return {"instances": 0.0, "views": float(V), "samples": float(samples), **extra}
        ids, view_rows, variants = ids[:got], view_rows[:got * V], variants[:got * V]
    S = samples
    tokens = roll["tokens"][:got * V].cpu().numpy()  # (got*V, S, 900)
    q = torch.sigmoid(roll["q_halt"][:got * V].float()).cpu().numpy()
    grids, shapes = decode_predictions(tokens)  # (got*V, S, 30, 30), (got*V, S, 2), augmented frames
    dih, perms = ds.variant_transforms(view_rows, variants)
    top = vote(grids.reshape(got, V * S, *grids.shape[2:]), shapes.reshape(got, V * S, 2), k,
               dihedral=np.repeat(dih, S).reshape(got, V * S),
               perms=np.repeat(perms, S, axis=0).reshape(got, V * S, 10),
               confidence=q.reshape(got, V * S))
    res = u.evaluate(ids, {"grid": top["grids"], "shape": top["shapes"]}, record=record)
    out = {key: float(v) for key, v in res["metrics"].items()}
    # every single answer, mapped back, against the truth; and the identity view alone
    from gram_envs.arc.augment import inverse_augment

    flat_g, flat_s = inverse_augment(grids.reshape(-1, *grids.shape[2:]), shapes.reshape(-1, 2),
                                     np.repeat(dih, S), np.repeat(perms, S, axis=0))
    every = u.evaluate(np.repeat(ids, V * S), {"grid": flat_g[:, None], "shape": flat_s[:, None]}, record=False)
    out["accuracy"] = float(np.asarray(every["valid"]).mean())
    first = np.arange(got) * V * S  # view 0 (the identity), sample 0
    view0 = u.evaluate(ids, {"grid": flat_g[first][:, None], "shape": flat_s[first][:, None]}, record=False)
    out["view0_pass@1"] = float(view0["metrics"]["pass@1"])
    out.update(views=float(V), samples=float(S), vote_time_s=time.monotonic() - t0, **extra)
    return out
