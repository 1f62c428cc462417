"""Checkpoints of one task combined: ``Ensemble`` samples several as one sampler;
``average_weights`` averages their weights into one model.

Why: a colouring model's coverage@N loses most where it never samples one of a graph's few
colourings, and which colourings a checkpoint drops changes from one checkpoint to the next
(benchmarks/results/gc8_p0.5_s13_coverage_gap.json). Sharing the N samples out among checkpoints
(of one training run, say the ends of its last legs) asks whether their union covers what each
drops. It is not the paper's sampler: it holds every member's parameters, and results say so.

    ens = Ensemble.load(["runs/a/ckpt", "runs/b/ckpt"])
    boards = ens.solve(obs, samples=20, select="all")   # 10 samples from each checkpoint, in turns

An ``Ensemble`` is an ``Agent``: ``solve``, ``evaluate``, ``act`` and ``generate`` work as there,
over the pooled samples (vote and LPRM choose among all of them).

``average_weights`` asks the cheaper question: do checkpoints of one training (close in weight space)
average into one model that keeps what each covers, at one model's parameters?
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from gram_agent.infer import Agent, Temperature, make_env

#: member i of a seeded draw uses seed + i * MEMBER_SEED_STRIDE: its own noise stream, apart from
#: the seeds a single checkpoint is usually drawn under (1234, 1, 2, ...)
MEMBER_SEED_STRIDE = 1_000_003


def sample_shares(samples: int, members: int) -> list[int]:
    """How many of ``samples`` each member draws: as even as possible, the first ones one more."""
    if members < 1:
        raise ValueError(f"an ensemble needs at least one member, got {members}")
    if samples < 1:
        raise ValueError(f"samples must be >= 1, got {samples}")
    base, extra = divmod(samples, members)
    return [base + (i < extra) for i in range(members)]


def check_same_task(members: Sequence[Agent]) -> None:
    """Members that can be combined: Agents (not ensembles) of one task spec and dataset options, on
    one device, all with or all without puzzle embeddings; each mismatch is named."""
    if not all(isinstance(a, Agent) and not isinstance(a, Ensemble) for a in members):
        raise TypeError("members to combine must be Agent instances (not ensembles)")
    first = members[0]
    for i, a in enumerate(members[1:], 1):
        if a.spec.to_dict() != first.spec.to_dict():
            raise ValueError(f"member {i}'s task spec {a.spec.to_dict()} differs from member 0's "
                             f"{first.spec.to_dict()}: members must share the env, its kwargs and tokens")
        if a.config.dataset_kwargs != first.config.dataset_kwargs:
            raise ValueError(f"member {i}'s dataset options {a.config.dataset_kwargs} differ from member 0's "
                             f"{first.config.dataset_kwargs}: their splits would not be the same inputs")
        if a.device != first.device:
            raise ValueError(f"member {i} is on {a.device}, member 0 on {first.device}: move them together")
        if (a.model.puzzle_emb is None) != (first.model.puzzle_emb is None):
            raise ValueError(f"member {i} and member 0 differ in having puzzle embeddings")


class Ensemble(Agent):
    """Agents of one task (same env, env kwargs, token spec and dataset options) pooled: each
    rollout shares the N samples out among them (``sample_shares``) and puts their trajectories in
    turns (``turn_order``)."""

    def __init__(self, members: Sequence[Agent]) -> None:
        members = list(members)
        if len(members) < 2:
            raise ValueError(f"an Ensemble needs at least 2 member agents, got {len(members)}")
        check_same_task(members)
        first = members[0]
        super().__init__(first.model, first.spec, first.config, env=first._env,
                         meta={"members": [a.meta for a in members]})
        self.members = members

    @classmethod
    def load(cls, paths: Sequence[str], device: str | torch.device | None = None, env: Any = None) -> Ensemble:
        """Each path a checkpoint folder ``Agent.load`` reads. Only member 0's env is ever made:
        members' rollouts need tokens alone. A given ``env`` is made once and handed to every member."""
        if isinstance(paths, str):
            raise TypeError("Ensemble.load takes a list of checkpoint folders, got one string")
        env = make_env(env) if env is not None else None
        ens = cls([Agent.load(p, device=device, env=env) for p in paths])
        ens.meta["paths"] = [str(p) for p in paths]
        return ens

    @property
    def env(self) -> Any:
        return self.members[0].env

    def to(self, device: str | torch.device) -> Ensemble:
        for a in self.members:
            a.to(device)
        return self

    def save(self, path: str, dtype: torch.dtype | None = None) -> None:
        raise NotImplementedError("an Ensemble is stored as its members' checkpoints: save each of "
                                  "ens.members, and Ensemble.load their folders")

    @torch.no_grad()
    def rollout(self, tokens: np.ndarray | torch.Tensor, samples: int = 20, steps: int | None = None,
                ptrm_sigma: float = 0.0, ptrm_target: str = "l", halt: bool = False,
                seed: int | None = None, batch: int | None = None,
                puzzle_ids: np.ndarray | None = None, temperature: Temperature = 1.0,
                deadline: float | None = None, progress: bool | None = False) -> dict[str, torch.Tensor]:
        """tokens (M, N, L), q_halt and value (M, N), the members taking turns: sample n is the next
        one of member n mod k (k members), so any first n samples are shared out as evenly as the N
        (a coverage-against-N curve reads prefixes). Each member draws its share in one rollout under
        its own seed; a member with no share (N below the member count) draws nothing. A ``deadline``
        is shared out among the members still to draw; every member then keeps the inputs all reached."""
        shares = sample_shares(samples, len(self.members))
        rolls = []
        drawing = [i for i, share in enumerate(shares) if share > 0]
        for n_done, i in enumerate(drawing):
            agent, share = self.members[i], shares[i]
            mine = None if deadline is None else time.monotonic() + (deadline - time.monotonic()) / (
                len(drawing) - n_done)
            rolls.append(agent.rollout(tokens, share, steps, ptrm_sigma=ptrm_sigma, ptrm_target=ptrm_target,
                                       halt=halt, seed=None if seed is None else seed + i * MEMBER_SEED_STRIDE,
                                       batch=batch, puzzle_ids=puzzle_ids, temperature=temperature,
                                       deadline=mine, progress=progress))
        reached = min(int(r["tokens"].shape[0]) for r in rolls)
        order = turn_order(shares)
        return {k: torch.cat([r[k][:reached] for r in rolls], 1)[:, order] for k in ("tokens", "q_halt", "value")}


def turn_order(shares: Sequence[int]) -> list[int]:
    """Positions in the members' stacked samples (member 0's share, then member 1's, ...) that put
    them in turns: member 0's first, member 1's first, ..., member 0's second, ..."""
    starts = np.cumsum([0, *shares[:-1]])
    return [int(starts[i]) + j for j in range(max(shares)) for i in range(len(shares)) if j < shares[i]]


#: config fields that shape the forward pass beyond the weights' shapes: a weight average runs under
#: member 0's config, so members must agree on these (training-only fields such as lr may differ)
FORWARD_FIELDS = ("model", "decoder", "mixer", "share_weights", "rope_theta", "norm_eps", "guidance_mode",
                  "posterior_input", "sigma_param", "sigma_min", "sigma_max", "start_noise", "T", "n_sup",
                  "puzzle_emb_len")


def average_weights(members: Sequence[Agent]) -> Agent:
    """One Agent whose floating-point weights are the members' mean (computed in fp32), run under
    member 0's config. The members must be of one task (``check_same_task``), agree on
    ``FORWARD_FIELDS``, have equal parameter names and shapes, and equal integer buffers. Meta
    records each member's meta."""
    members = list(members)
    if len(members) < 2:
        raise ValueError(f"averaging needs at least 2 member agents, got {len(members)}")
    check_same_task(members)
    for i, a in enumerate(members[1:], 1):
        differ = [f for f in FORWARD_FIELDS if getattr(a.config, f) != getattr(members[0].config, f)]
        if differ:
            raise ValueError(f"member {i}'s config differs from member 0's in {differ}: their weights do not "
                             "compute the same function, so their average means nothing")
    states = [a.model.state_dict() for a in members]
    first = states[0]
    for i, sd in enumerate(states[1:], 1):
        if sd.keys() != first.keys():
            raise ValueError(f"member {i}'s parameters {sorted(set(sd) ^ set(first))[:5]} differ from member 0's")
        for k, v in sd.items():
            if v.shape != first[k].shape:
                raise ValueError(f"member {i}'s {k} has shape {tuple(v.shape)}, member 0's {tuple(first[k].shape)}")
            if not v.is_floating_point() and not torch.equal(v, first[k]):
                raise ValueError(f"member {i}'s integer buffer {k} differs from member 0's: nothing to average")
    mean = {k: (torch.stack([sd[k].float() for sd in states]).mean(0).to(v.dtype) if v.is_floating_point() else v)
            for k, v in first.items()}
    model = copy.deepcopy(members[0].model)
    model.load_state_dict(mean)
    return Agent(model, members[0].spec, members[0].config, env=members[0]._env,
                 meta={"averaged_from": [a.meta for a in members]})
