# ruff: noqa: E741  (l is the paper's low-level latent)
"""``train(env, config) -> Agent``: deep-supervision training of GRAM or TRM on any GRAM env (and the
one-pass baselines of ``gram_agent.model.baselines``: each training row gets one step).

Data flow (TRM's persistent carry, static shapes, no host sync inside the loop):
- the training rows live on the device; a batch is B *slots*, each holding one puzzle row and
  its latent state z = (h, l);
- every optimiser step runs one supervision step on every slot (one loss, one update);
- a slot halts after N_sup steps, or earlier when the halting head says so (ACT, with TRM's
  exploration of random minimum depths); a halted slot is refilled with a random row and z0;
- metrics accumulate on the device and are read back every ``log_every`` steps only.

All randomness (rows, exploration, guidance noise) comes from device generators drawn at the
*global* batch shape and sliced per rank, so a run is reproducible, resumable to the bit from
its checkpoint, and identical under data parallelism (up to reduction order).
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import math
import os
import signal
import sys
import threading
import time
import warnings
from typing import Any

import numpy as np
import torch
from torch._dynamo.exc import BackendCompilerFailed

from gram_agent import distributed as D
from gram_agent.checkpoint import (
    expected_sha,
    find_resume,
    finite_json,
    load_weights,
    read_json,
    read_state,
    recorded_checksums,
    write_bytes,
    write_checkpoint,
)
from gram_agent.config import PRESETS, GRAMConfig, preset
from gram_agent.data import DeviceData, task_spec
from gram_agent.infer import Agent, compile_failure_text, make_env
from gram_agent.model import build_model
from gram_agent.model.core import RecursiveModel

CARRY = ("h", "l", "row", "nstep", "min_steps", "halted")
#: a slot's own copy of its row (augmenting datasets): re-augmenting the rows mid-trajectory must not
#: swap the view a slot's latent state was built on (TRM: slots that have not halted keep their puzzle)
HELD = ("held_x", "held_y_cls", "held_y_tok", "held_pid")
STAT_NAMES = ("loss", "ce", "kl", "halt_bce", "value_mse", "token_acc", "correct", "sigma_p", "sigma_q")


def _default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def lr_at(cfg: GRAMConfig, step: int, total: int) -> float:
    """Linear warmup, then cosine down to lr*lr_min_ratio over ``total`` steps (constant when 1.0)."""
    if step < cfg.lr_warmup_steps:
        return cfg.lr * (step + 1) / cfg.lr_warmup_steps
    if cfg.lr_min_ratio >= 1.0 or total <= cfg.lr_warmup_steps:
        return cfg.lr
    p = min(1.0, (step - cfg.lr_warmup_steps) / max(1, total - cfg.lr_warmup_steps))
    return cfg.lr * (cfg.lr_min_ratio + (1 - cfg.lr_min_ratio) * 0.5 * (1 + math.cos(math.pi * p)))


class Trainer:
    """Holds the model, optimiser, EMA, carry and generators of one run (no global state)."""

    def __init__(self, env: Any, cfg: GRAMConfig, device: torch.device, dist: D.Dist) -> None:
        self.env = env
        self.u = env.unwrapped
        self.cfg = cfg
        self.device = device
        self.dist = dist
        ds = self.u.dataset("train", **cfg.dataset_kwargs)
        n_ids = dict(ds.info).get("num_puzzle_identifiers")
        if cfg.puzzle_emb_len and n_ids is not None and cfg.num_puzzle_ids != int(n_ids):
            cfg = self.cfg = cfg.replace(num_puzzle_ids=int(n_ids))
        self.spec = task_spec(env, ds)
        self.data = DeviceData(self.u, ds, self.spec, device, cfg.max_solutions,
                               use_solutions=cfg.lprm_target != "exact")
        torch.manual_seed(cfg.seed)
        self.model = build_model(cfg, self.spec.vocab_size, self.spec.seq_len, self.spec.n_answer).to(device)
        self.model.canonical_labels = self.spec.canonical_labels
        groups = dict(ds.info).get("answer_alldiff_groups")
        if groups is not None:
            self.model.alldiff_groups = torch.as_tensor(groups, dtype=torch.long, device=device)
        self.model.answer_tok.copy_(torch.as_tensor(self.spec.answer_tokens, dtype=torch.long))
        # puzzle embeddings (ARC) train by sparse SignSGD (``_puzzle_emb_step``), not AdamW
        pe = self.model.puzzle_emb
        self.puzzle_weight = pe.weight if pe is not None else None
        self.params = [p for p in self.model.parameters() if p.requires_grad and p is not self.puzzle_weight]
        fused = device.type == "cuda"
        decay = [p for p in self.params if p.ndim >= 2]
        no_decay = [p for p in self.params if p.ndim < 2]
        self.opt = torch.optim.AdamW(
            [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
            lr=cfg.lr, betas=cfg.betas, fused=fused or None,
        )
        self.ema = copy.deepcopy(self.model).eval() if cfg.ema > 0 else None
        if self.ema is not None:
            for p in self.ema.parameters():
                p.requires_grad_(False)
        if cfg.init_from:
            self._init_weights(cfg.init_from)
        self.B = cfg.batch_size
        self.sl = dist.slice(self.B)
        self.b = self.sl.stop - self.sl.start
        if cfg.target == "matched" and self.b % cfg.match_group:
            raise ValueError(f"each rank's {self.b} slots must split into groups of match_group={cfg.match_group}")
        g = torch.Generator(device=device)
        g.manual_seed(cfg.seed * 1000 + 1)
        self.gen = g
        self.np_rng = np.random.default_rng(cfg.seed)
        self.step = 0
        self.samples = 0  # rows started (refills), global
        self.best = -1.0
        self.rewarm_from: int | None = None  # step where a transfer restarted Adam (learning rate re-warms)
        self.history: list[dict[str, Any]] = []
        self.noise_dtype = getattr(torch, cfg.dtype) if device.type == "cuda" else torch.float32
        self.carry_keys = CARRY + (HELD if self.data.augments else ())
        self._init_carry()
        # several ranks: DistributedDataParallel averages gradients during backward
        self._step_fn = self._eager_fn = D.wrap(self.model, dist, device)
        self.compile_failure: str | None = None  #: why torch.compile was dropped, if it was
        if cfg.compile and device.type == "cuda":
            self._step_fn = torch.compile(self._step_fn, dynamic=False, mode=cfg.compile_mode)
        self._acc = torch.zeros(len(STAT_NAMES), device=device)
        self._acc_n = 0
        self._halted_correct = torch.zeros(2, device=device)
        self.skipped = torch.zeros((), device=device)  # optimiser steps skipped for non-finite grads

    def _init_weights(self, path: str) -> None:
        """Start from a trained model's weights (its EMA copy where saved: what it was evaluated with)."""
        files = [os.path.join(path, f) for f in ("ema.safetensors", "weights.safetensors")]
        found = [f for f in files if os.path.exists(f)]
        if not found:
            raise FileNotFoundError(f"init_from={path!r}: expected a checkpoint folder holding {' or '.join(files)}")
        task_path = os.path.join(path, "task.json")
        sums = recorded_checksums(read_json(task_path), task_path) if os.path.exists(task_path) else {}
        load_weights(self.model, found[0], expected_sha(sums, found[0]))
        if self.ema is not None:
            self.ema.load_state_dict(self.model.state_dict())

    # ------------------------------------------------------------------ carry
    def _init_carry(self) -> None:
        h, l = self.model.initial_state(self.b)
        self.h, self.l = h.float(), l.float()
        self.row = torch.zeros(self.b, dtype=torch.long, device=self.device)
        self.nstep = torch.zeros(self.b, dtype=torch.long, device=self.device)
        self.min_steps = torch.ones(self.b, dtype=torch.long, device=self.device)
        self.halted = torch.ones(self.b, dtype=torch.bool, device=self.device)  # all slots start by loading
        if self.data.augments:  # filled from the rows by the first step (every slot starts halted)
            L = self.spec.seq_len
            self.held_x = torch.zeros(self.b, L, dtype=torch.int32, device=self.device)
            self.held_y_cls = torch.zeros(self.b, L, dtype=torch.long, device=self.device)
            self.held_y_tok = torch.zeros(self.b, L, dtype=torch.int32, device=self.device)
            self.held_pid = torch.zeros(self.b, dtype=torch.long, device=self.device)

    def _hold(self, x: torch.Tensor, y_cls: torch.Tensor, y_tok: torch.Tensor, pids: torch.Tensor | None):
        """Slots that refilled this step take their row's current (augmented) view; the others keep
        the view they started on, whatever ``DeviceData.augment`` did to the rows since."""
        new = self.halted
        self.held_x = torch.where(new[:, None], x, self.held_x)
        self.held_y_cls = torch.where(new[:, None], y_cls, self.held_y_cls)
        self.held_y_tok = torch.where(new[:, None], y_tok, self.held_y_tok)
        if pids is not None:
            self.held_pid = torch.where(new, pids, self.held_pid)
        return self.held_x, self.held_y_cls, self.held_y_tok, None if pids is None else self.held_pid

    def _refill(self) -> None:
        cfg, dev, B, sl = self.cfg, self.device, self.B, self.sl
        # target="matched": groups of match_group consecutive slots share a row and halt together
        m = cfg.match_group if cfg.target == "matched" else 1

        def per_slot(per_group: torch.Tensor) -> torch.Tensor:
            return per_group.repeat_interleave(m)[sl]

        new_row = per_slot(torch.randint(self.data.rows, (B // m,), generator=self.gen, device=dev))
        explore = per_slot(torch.rand(B // m, generator=self.gen, device=dev) < cfg.halt_explore_prob)
        # n_sup = 1: every slot halts after its one step anyway (the draw only keeps randint's range valid)
        rnd_min = per_slot(torch.randint(2, max(cfg.n_sup, 2) + 1, (B // m,), generator=self.gen, device=dev))
        hz = self.halted
        self.row = torch.where(hz, new_row, self.row)
        self.min_steps = torch.where(hz, torch.where(explore, rnd_min, 1), self.min_steps)
        self.nstep = torch.where(hz, 0, self.nstep)
        h0, l0 = self.model.z0[0], self.model.z0[1]
        if cfg.start_noise > 0:  # a random start per refilled slot (drawn for the global batch, as the noise)
            h0 = self.model.initial_state(B, self.gen)[0][sl]
        self.h = torch.where(hz[:, None, None], h0, self.h)
        self.l = torch.where(hz[:, None, None], l0, self.l)

    # ------------------------------------------------------------------ one optimiser step
    def train_step(self) -> None:
        cfg, dev = self.cfg, self.device
        self._refill()
        x, y_cls, y_tok, sols, pids = self.data.gather(self.row)
        if self.data.augments:
            x, y_cls, y_tok, pids = self._hold(x, y_cls, y_tok, pids)
        lt = self.model.total_len
        noise = torch.randn((cfg.T + 1, self.B, lt, cfg.d_model), generator=self.gen, device=dev,
                            dtype=self.noise_dtype)[:, self.sl] if cfg.guided else None
        if not isinstance(self.model, RecursiveModel):  # a baseline's own draws (MDLM's times and masks)
            noise = self.model.train_noise(self.gen, self.B)
            noise = None if noise is None else noise[self.sl]
        match_u = None
        if cfg.target == "matched" and sols is not None:
            match_u = torch.rand((self.B, sols.shape[1]), generator=self.gen, device=dev)[self.sl]
        lr = lr_at(cfg, self.step, cfg.max_steps) * self.rewarm_factor()
        for gr in self.opt.param_groups:
            gr["lr"] = lr
        self.model.train()
        with torch.autocast("cuda", dtype=getattr(torch, cfg.dtype), enabled=dev.type == "cuda"):
            args = (self.h, self.l, x, y_cls, y_tok, sols, noise, pids, match_u, self.nstep)
            try:
                loss, stats, h, l, q_halt, correct = self._step_fn(*args)
            except BackendCompilerFailed as e:  # compilation fails before the step runs: nothing changed yet
                if self._step_fn is self._eager_fn:
                    raise
                first = compile_failure_text(e)
                warnings.warn(f"torch.compile could not compile this model's training step ({first}); "
                              "training without it, as with compile=false", stacklevel=2)
                self._step_fn = self._eager_fn
                self.compile_failure = first
                loss, stats, h, l, q_halt, correct = self._step_fn(*args)
        # DDP averages over ranks; each rank's loss is the mean over its slice, so the result
        # is the global-batch mean gradient (equal slices)
        loss.backward()
        # a non-finite gradient (bf16 overflow spike) skips the update instead of poisoning the
        # weights: grads are zeroed on the device, no host sync; the carry is reset below
        norm = torch.nn.utils.clip_grad_norm_(self.params, cfg.grad_clip if cfg.grad_clip > 0 else float("inf"))
        finite = torch.isfinite(norm)
        for prm in self.params:
            if prm.grad is not None:
                prm.grad.masked_fill_(~finite, 0.0)
        self.skipped = self.skipped + (~finite).float()
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        if self.puzzle_weight is not None:
            self._puzzle_emb_step(lr / cfg.lr if cfg.lr > 0 else 1.0, finite)
        if self.ema is not None:
            with torch.no_grad():
                pairs = [(e, p) for e, p in zip(self.ema.parameters(), self.model.parameters(), strict=True)
                         if p is not self.puzzle_weight]
                torch._foreach_lerp_([e for e, _ in pairs], [p.detach() for _, p in pairs], 1.0 - cfg.ema)
                if self.puzzle_weight is not None:  # TRM: the table is copied, not averaged
                    self.ema.puzzle_emb.weight.copy_(self.puzzle_weight)
        self.h = torch.where(torch.isfinite(h), h, self.model.z0[0])
        self.l = torch.where(torch.isfinite(l), l, self.model.z0[1])
        self.nstep = self.nstep + 1
        halt = self.nstep >= cfg.sup_steps
        if cfg.train_halting:
            halt = halt | ((q_halt > 0) & (self.nstep >= self.min_steps))
        if cfg.target == "matched":  # a group halts when all its slots do
            m = cfg.match_group
            halt = halt.view(-1, m).all(-1).repeat_interleave(m)
        self.halted = halt
        self._acc += stats
        self._acc_n += 1
        self._halted_correct += torch.stack([(correct * halt).sum(), halt.sum().float()])
        self.step += 1

    def rewarm_factor(self) -> float:
        """After a transfer that dropped Adam's moments: a linear re-warm over ``lr_warmup_steps``."""
        if self.rewarm_from is None:
            return 1.0
        return min(1.0, (self.step - self.rewarm_from + 1) / max(self.cfg.lr_warmup_steps, 1))

    @torch.no_grad()
    def _puzzle_emb_step(self, lr_scale: float, finite: torch.Tensor) -> None:
        """TRM's sparse SignSGD: only rows the batch used (non-zero gradient) move, by
        -lr * (sign(g) + wd * w); a non-finite step moves nothing. No host sync."""
        w = self.puzzle_weight
        g = w.grad
        if g is None:
            return
        touched = (g != 0).any(-1, keepdim=True) & torch.isfinite(g).all(-1, keepdim=True) & finite
        lr = self.cfg.puzzle_emb_lr * lr_scale
        w.sub_(torch.where(touched, lr * (torch.sign(g) + self.cfg.puzzle_emb_weight_decay * w), 0.0))
        w.grad = None

    def read_stats(self) -> dict[str, float]:
        """One host sync: means since the last read."""
        vals = (self._acc / max(self._acc_n, 1)).tolist()
        hc = self._halted_correct.tolist()
        out = dict(zip(STAT_NAMES, vals, strict=True))
        out["halted_acc"] = hc[0] / max(hc[1], 1.0)
        out["refills_per_step"] = hc[1] / max(self._acc_n, 1)
        out["skipped_steps"] = float(self.skipped)
        self._acc.zero_()
        self._halted_correct.zero_()
        self._acc_n = 0
        return out

    # ------------------------------------------------------------------ state
    def eval_model(self) -> torch.nn.Module:
        return self.ema if self.ema is not None else self.model

    def agent(self) -> Agent:
        return Agent(self.eval_model(), self.spec, self.cfg, env=self.env, meta={"step": self.step})

    def state(self) -> dict[str, Any]:
        return {
            "opt": self.opt.state_dict(),
            "carry": {k: getattr(self, k).detach().cpu() for k in self.carry_keys},
            "gen": self.gen.get_state(),
            "np_rng": self.np_rng.bit_generator.state,
            "counters": {"step": self.step, "samples": self.samples, "best": self.best,
                         **({"rewarm_from": self.rewarm_from} if self.rewarm_factor() < 1.0 else {})},
            "history": self.history,
        }

    def save(self, root: str, tag: str, metrics: dict[str, float] | None = None) -> None:
        if not self.dist.main:
            return
        task = {"spec": self.spec.to_dict(), "meta": {"step": self.step, "metrics": metrics or {}}}
        write_checkpoint(root, tag, model=self.model, ema=self.ema, config_json=self.cfg.to_json(), task=task,
                         state=self.state() if tag == "last" else None)

    def load(self, path: str) -> None:
        """Resume from a checkpoint folder: weights, EMA and state, each checked against the sha256
        recorded at save (folders written before checksums load without); nothing is unpickled."""
        task_path = os.path.join(path, "task.json")
        sums = recorded_checksums(read_json(task_path), task_path)
        for model, name in ((self.model, "weights.safetensors"), (self.ema, "ema.safetensors")):
            file = os.path.join(path, name)
            if model is not None and (name == "weights.safetensors" or os.path.exists(file)):
                load_weights(model, file, expected_sha(sums, file))
        st = read_state(path, sums)
        try:
            self._load_state(st)
        except (KeyError, TypeError, ValueError, RuntimeError) as e:
            raise ValueError(f"{path}: the resume state does not fit this run ({type(e).__name__}: {e})") from e

    def _load_state(self, st: dict[str, Any]) -> None:
        self.opt.load_state_dict(st["opt"])
        for p in self.params:
            for name, t in self.opt.state.get(p, {}).items():
                if name != "step" and isinstance(t, torch.Tensor) and t.shape != p.shape:
                    raise ValueError(f"optimizer state {name} has shape {tuple(t.shape)}, its parameter {tuple(p.shape)}")
        # a checkpoint packed for transfer may omit the carry: every slot then reloads a fresh row
        carry = st.get("carry", {})
        unknown = set(carry) - set(self.carry_keys)
        if unknown:
            raise KeyError(f"unknown carry entries {sorted(unknown)}")
        loaded = {}
        for k, v in carry.items():
            v = v.to(self.device)
            if v.shape[0] == self.B and self.b != self.B:
                v = v[self.sl]
            loaded[k] = v
        cur = {k: getattr(self, k) for k in self.carry_keys}
        if carry and (set(loaded) != set(self.carry_keys)
                      or any(v.shape != cur[k].shape or v.dtype != cur[k].dtype for k, v in loaded.items())):
            warnings.warn("the checkpoint's batch carry does not fit this run's batch: every slot reloads a row",
                          stacklevel=3)
            loaded = {}
        for k, v in loaded.items():
            setattr(self, k, v)
        self.gen.set_state(st["gen"].cpu())
        self.np_rng.bit_generator.state = st["np_rng"]
        c = st["counters"]
        self.step, self.samples, self.best = int(c["step"]), int(c["samples"]), float(c["best"])
        self.rewarm_from = int(c["rewarm_from"]) if c.get("rewarm_from") is not None else None
        self.history = list(st.get("history", []))


def train(
    env: Any,
    config: GRAMConfig | None = None,
    *,
    device: str | torch.device | None = None,
    time_budget_s: float | None = None,
    checkpoint_dir: str | None = None,
    resume: bool = True,
    max_steps: int | None = None,
    preset_name: str = "fast",
    model: str | None = None,
    progress: bool = True,
    eval_at_end: bool = True,
    reserve_s: float | None = None,
    log: Any = None,
    snapshot_dir: str | None = None,
    resume_mismatch_ok: bool = False,
    check_memory: bool = True,
) -> Agent:
    """Train GRAM (or TRM with ``model="trm"`` / ``config.model``) on an env id or instance.

    Stops at ``max_steps`` (or ``config.max_steps`` / ``config.epochs``) or before
    ``time_budget_s`` runs out. The budget is wall-clock for the whole call: training stops
    ``reserve_s`` early, the final checkpoint is written, and the final evaluation gets what is left
    (cut to the inputs that fit; its metrics say so). With ``checkpoint_dir`` it writes ``last/``
    periodically and at the end and ``best/`` at each improving evaluation on training inputs
    (``config.eval_every``; the test split is scored only at the end and chooses nothing), and
    resumes from the newest complete ``last/`` when ``resume``: a folder that holds anything but no
    resumable checkpoint, or a saved config that differs from this run's (beyond run-length and
    logging fields, ``RESUME_FREE``), is refused unless ``resume=False`` / ``resume_mismatch_ok``.
    Ctrl-C or SIGTERM stop after the step in flight and write ``last/``; Ctrl-C then returns the
    agent (no final evaluation), SIGTERM is delivered again once the checkpoint is on disk. On a
    CPU the training memory is estimated first (``check_memory``) and a run that will not fit is
    refused with the presets that do. With ``config.snapshot_every`` it saves the eval model (bf16)
    as an Agent under ``snapshot_dir/step<N>`` at those steps, for ``python -m experiments.select_snapshot``.
    Returns an ``Agent`` on the EMA weights; ``agent.meta["train"]`` holds the run's numbers.
    """
    t_start = time.monotonic()
    if time_budget_s is not None and not time_budget_s > 0:
        raise ValueError(f"time_budget_s must be a number of seconds > 0, got {time_budget_s!r}")
    env = make_env(env)
    env_id = env.spec.id if getattr(env, "spec", None) is not None else None
    if config is None:
        config = preset(preset_name, env_id, model=model or "gram")
    elif model is not None:
        config = config.replace(model=model)
    if max_steps is not None:
        config = config.replace(max_steps=max_steps)
    if bool(config.snapshot_every) != bool(snapshot_dir):
        raise ValueError("snapshots need both config.snapshot_every > 0 and snapshot_dir, got "
                         f"snapshot_every={config.snapshot_every}, snapshot_dir={snapshot_dir!r}")
    resume_path = _resume_path(checkpoint_dir, resume)
    dev = torch.device(device) if device is not None else _default_device()
    dist = D.setup(dev)
    if dist.world > 1 and dev.type == "cuda":
        dev = torch.device("cuda", dist.local_rank)
        torch.cuda.set_device(dev)
    if config.epochs and not config.max_steps:
        rows = len(env.unwrapped.dataset("train", **config.dataset_kwargs).inputs)
        config = config.replace(max_steps=int(config.epochs * rows * config.sup_steps / config.batch_size))
    tr = Trainer(env, config, dev, dist)
    cfg = config = tr.cfg  # the trainer fills data-dependent fields (puzzle-id table size)
    if dev.type == "cpu" and check_memory:
        check_cpu_memory(tr, env_id)
    if resume_path is not None:
        differ = config_diff(read_json(os.path.join(resume_path, "config.json")), cfg)
        if differ and not resume_mismatch_ok:
            raise ValueError(f"resuming from {resume_path}: its config differs from this run's in {len(differ)} "
                             f"field(s): {'; '.join(differ)}. Pass resume_mismatch_ok=True (gram train "
                             "--resume-mismatch-ok) to go on under this run's config, or start over elsewhere")
        if differ and log:
            log(f"resuming under this run's config despite: {'; '.join(differ)}")
        tr.load(resume_path)
        lossy = transfer_losses(read_json(os.path.join(resume_path, "task.json")).get("transfer"), cfg)
        if lossy:
            warnings.warn(f"{resume_path} came through a packed transfer: {lossy}", stacklevel=2)
        if log:
            log(f"resumed from {resume_path} at step {tr.step}" + (f" ({lossy})" if lossy else ""))
    if reserve_s is None:
        reserve_s = 0.0 if time_budget_s is None else min(90.0, max(5.0, 0.1 * time_budget_s))
    end = None if time_budget_s is None else t_start + time_budget_s
    deadline = None if end is None else end - reserve_s
    bar = _train_bar(cfg, tr.step, env_id, deadline, t_start) if progress and dist.main else None
    last_ckpt = time.monotonic()
    last_log_t, last_log_step = time.monotonic(), tr.step
    step_times: list[float] = []
    train_t0 = time.monotonic()
    steps_at_start = tr.step
    step_s = 0.0  # wall time of the last step: a step that would end past the deadline is not begun
    with _StopSignals() as stop_signal:
        while True:
            if cfg.max_steps and tr.step >= cfg.max_steps:
                break
            if tr.data.augments and tr.step % max(cfg.log_every, 1) == 0:
                tr.data.augment(tr.np_rng)
            t_step = time.monotonic()
            tr.train_step()
            step_s = time.monotonic() - t_step
            at_log = tr.step % cfg.log_every == 0
            if at_log:
                st = tr.read_stats()
                now = time.monotonic()
                sps = (tr.step - last_log_step) * cfg.batch_size / max(now - last_log_t, 1e-9)
                step_times.append((now - last_log_t) / max(tr.step - last_log_step, 1))
                last_log_t, last_log_step = now, tr.step
                st.update(step=tr.step, sample_steps_per_s=sps, lr=lr_at(cfg, tr.step, cfg.max_steps),
                          elapsed_s=now - t_start)
                tr.history.append(st)
                if bar is not None:
                    bar.set_postfix(step=tr.step, loss=f"{st['loss']:.3f}", kl=f"{st['kl']:.3f}",
                                    acc=f"{st['halted_acc']:.3f}", sps=f"{sps:.0f}")
                    at = tr.step if bar.unit == "step" else min(round(now - t_start), bar.total)
                    bar.update(at - bar.n)
                if log:
                    log(json.dumps({k: round(v, 5) if isinstance(v, float) else v for k, v in st.items()}))
                stop = (deadline is not None and now + step_times[-1] >= deadline) or stop_signal.received is not None
                stop = D.broadcast_flag(stop, dist, dev)
                if cfg.eval_every and tr.step % cfg.eval_every == 0 and not stop:
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is None or left > 0:
                        _evaluate(tr, cfg, checkpoint_dir, dist, log, split="train", time_budget_s=left)
                if snapshot_dir and tr.step >= cfg.snapshot_from and tr.step % cfg.snapshot_every == 0 and dist.main:
                    tr.agent().save(os.path.join(snapshot_dir, f"step{tr.step:07d}"), dtype=torch.bfloat16)
                if checkpoint_dir and now - last_ckpt >= cfg.checkpoint_every_s and not stop:
                    tr.save(checkpoint_dir, "last")
                    last_ckpt = time.monotonic()
                if stop:
                    break
            elif dist.world == 1 and (stop_signal.received is not None
                                      or (deadline is not None and time.monotonic() + step_s >= deadline)):
                break
        train_time = time.monotonic() - train_t0
        if bar is not None:
            bar.close()
        if checkpoint_dir:
            tr.save(checkpoint_dir, "last")
        interrupted = stop_signal.received
    metrics: dict[str, float] = {}
    if interrupted is not None:
        name = signal.Signals(interrupted).name
        print(f"training stopped by {name} at step {tr.step}"
              + (f"; checkpoint written to {os.path.join(checkpoint_dir, 'last')}" if checkpoint_dir else "")
              + ("; returning the agent without the final evaluation" if interrupted == signal.SIGINT else ""),
              file=sys.stderr)
        if interrupted == signal.SIGTERM:
            signal.raise_signal(signal.SIGTERM)  # handlers are restored: the default one ends the process
    elif eval_at_end and dist.main:
        left = None if end is None else end - time.monotonic()
        try:
            if left is not None and left < 1.0:
                warnings.warn(f"no time left for the final evaluation (time_budget_s={time_budget_s:g}); skipped",
                              stacklevel=2)
                metrics = {"instances": 0.0, "cut_by_time": 1.0}
            else:
                metrics = _evaluate(tr, cfg, checkpoint_dir, dist, log, split="test", time_budget_s=left,
                                    progress=progress)
        except KeyboardInterrupt:
            print("final evaluation interrupted (Ctrl-C); returning the agent without it", file=sys.stderr)
            interrupted = signal.SIGINT
    D.barrier(dist)
    agent = tr.agent()
    agent.meta["train"] = {
        "steps": tr.step,
        "steps_this_run": tr.step - steps_at_start,
        "train_time_s": train_time,
        "wall_time_s": time.monotonic() - t_start,
        "sample_steps_per_s": (tr.step - steps_at_start) * cfg.batch_size / max(train_time, 1e-9),
        "median_step_s": float(np.median(step_times)) if step_times else float("nan"),
        "history": tr.history,
        "metrics": metrics,
        "world": dist.world,
        "interrupted": None if interrupted is None else signal.Signals(interrupted).name,
        "compile_failure": tr.compile_failure,  # a run that fell back to eager says so in its results
    }
    return agent


def transfer_losses(transfer: Any, cfg: GRAMConfig) -> str:
    """What a ``pack_parts`` transfer dropped or rounded, in words ("" when the resume is exact)."""
    if not isinstance(transfer, dict):
        return ""
    said = []
    if transfer.get("carry") == "dropped":
        said.append("the batch carry was dropped (every slot reloads a row)")
    if transfer.get("moments") == "bf16":
        said.append("Adam's moments were rounded to bf16")
    elif transfer.get("moments") == "v-log8":
        said.append("Adam's first moment was dropped (it rebuilds in about 10 steps) and its second rounded "
                    "to 8-bit logs")
    elif transfer.get("moments") == "dropped":
        said.append(f"Adam's moments were dropped (Adam restarts; the learning rate re-warms over "
                    f"{cfg.lr_warmup_steps} steps)")
    if transfer.get("ema") == "bf16-delta":
        said.append("the EMA was rebuilt from a bf16 difference to the weights")
    return "; ".join(said)


#: config fields a resume may change: run length, logging, evaluation and checkpoint cadence
RESUME_FREE = ("max_steps", "epochs", "checkpoint_every_s", "log_every", "eval_every", "select_instances",
               "eval_samples", "eval_instances", "eval_batch", "snapshot_every", "snapshot_from", "compile",
               "compile_mode", "init_from")


def config_diff(saved: Any, cfg: GRAMConfig) -> list[str]:
    """``"field: saved X, now Y"`` for every field outside ``RESUME_FREE`` where a saved config
    (its JSON dict; a field it lacks counts as the default) differs from ``cfg``."""
    if not isinstance(saved, dict):
        raise ValueError(f"a saved config must be a JSON object, got {type(saved).__name__}")
    now = json.loads(cfg.to_json())
    defaults = {f.name: f.default if f.default is not dataclasses.MISSING else f.default_factory()
                for f in dataclasses.fields(GRAMConfig)}
    defaults = json.loads(json.dumps(defaults))
    out = []
    for name, value in now.items():
        if name in RESUME_FREE:
            continue
        old = saved.get(name, defaults.get(name))
        if old != value:
            out.append(f"{name}: saved {old!r}, now {value!r}")
    return out


def _resume_path(checkpoint_dir: str | None, resume: bool) -> str | None:
    """The checkpoint to resume from; a folder that holds something but nothing resumable is refused
    (the run would otherwise start from step 0 over it without a word)."""
    if not checkpoint_dir or not os.path.isdir(checkpoint_dir):
        return None
    held = sorted(os.listdir(checkpoint_dir))
    if not resume:
        if held:
            warnings.warn(f"resume=False: starting over in {checkpoint_dir}, which holds {held[:8]}; its "
                          "checkpoints will be overwritten", stacklevel=3)
        return None
    path = find_resume(checkpoint_dir)
    if path is None and held:
        raise ValueError(f"{checkpoint_dir} holds {held[:8]} but no complete last/ checkpoint to resume from; "
                         "pass resume=False (gram train --no-resume) to start over there, or use an empty folder")
    return path


def _train_bar(cfg: GRAMConfig, step: int, env_id: str | None, deadline: float | None, t_start: float) -> Any:
    """A tqdm bar with a total and an ETA: over steps with ``max_steps``, else over the time budget."""
    from tqdm.auto import tqdm

    desc = f"{cfg.model} {env_id}"
    if cfg.max_steps:
        return tqdm(total=cfg.max_steps, initial=step, desc=desc, unit="step", dynamic_ncols=True)
    if deadline is not None:
        return tqdm(total=max(1, round(deadline - t_start)), desc=desc, unit="s", dynamic_ncols=True,
                    bar_format="{l_bar}{bar}| {n}/{total} s [{elapsed}<{remaining}{postfix}]")
    return tqdm(total=None, initial=step, desc=desc + " (no step or time limit)", unit="step", dynamic_ncols=True)


class _StopSignals:
    """Ctrl-C (SIGINT) and SIGTERM set a flag the training loop reads after the step in flight, so
    it can write a checkpoint instead of dying mid-update; a second Ctrl-C interrupts at once. Only
    the main thread can take signals; elsewhere this does nothing."""

    def __init__(self) -> None:
        self.received: int | None = None
        self._old: dict[int, Any] = {}

    def __enter__(self) -> _StopSignals:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(ValueError, OSError):
                    self._old[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if signum == signal.SIGINT and self.received == signal.SIGINT:
            raise KeyboardInterrupt
        if self.received != signal.SIGTERM:
            self.received = signum
        if signum == signal.SIGINT:
            print("\nCtrl-C: stopping after this step and writing a checkpoint (Ctrl-C again to abort now)",
                  file=sys.stderr)

    def __exit__(self, *exc: Any) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)


def _evaluate(tr: Trainer, cfg: GRAMConfig, checkpoint_dir: str | None, dist: D.Dist, log: Any,
              split: str, time_budget_s: float | None = None, progress: bool = False) -> dict[str, float]:
    """Score the eval model on ``split``: the first ``select_instances`` training inputs (these alone
    choose ``best/``) or the test split (``eval_instances``; reported, never used to choose), within
    ``time_budget_s`` (the inputs that fit; the metrics say when they were cut)."""
    if not dist.main or cfg.eval_samples == 0:  # 0: no evaluation in train
        return {}
    t0 = time.monotonic()
    instances = cfg.select_instances if split == "train" else (cfg.eval_instances or None)
    metrics = tr.agent().evaluate(split, samples=cfg.eval_samples, instances=instances, progress=progress,
                                  time_budget_s=time_budget_s)
    metrics["eval_time_s"] = time.monotonic() - t0
    metrics["step"] = float(tr.step)
    tr.history.append({"eval": metrics, "split": split})
    score = metrics.get("accuracy", 0.0) + metrics.get("coverage", 0.0)
    if split == "train" and checkpoint_dir and score > tr.best and not metrics.get("cut_by_time"):
        tr.best = score
        tr.save(checkpoint_dir, "best", metrics)
    if log:
        log(f"eval {split} " + json.dumps({k: round(v, 4) for k, v in metrics.items()}))
    return metrics


# ---------------------------------------------------------------------- memory on a CPU
#: floats kept for backward per token and model width, per block application (attention + SwiGLU at
#: ffn_expansion 4) and for the rest of a step (guidance heads, decoder, losses): fitted to the peak
#: resident memory of the first CPU steps over widths, batches and K (the fit over-estimates slightly)
ACT_PER_BLOCK = 25.0
ACT_REST = 115.0
MEMORY_MARGIN = 1.25


def estimate_train_bytes(cfg: GRAMConfig, batch: int, total_len: int, n_params: int) -> int:
    """Bytes a CPU training step needs beyond what is resident before it: activations kept for the
    last transition's backward, gradients, Adam moments and the EMA copy."""
    per_block = ACT_PER_BLOCK * (0.4 + 0.6 * cfg.ffn_expansion / 4.0)
    floats = per_block * (cfg.K + 1) * cfg.n_layers + ACT_REST
    act = 4.0 * batch * total_len * cfg.d_model * floats
    states = 4.0 * n_params * (3 + (1 if cfg.ema > 0 else 0))
    return int(MEMORY_MARGIN * (act + states))


def available_bytes() -> int | None:
    """Memory this process can still take: MemAvailable, capped by a cgroup limit; None if unknown."""
    avail = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) * 1024
    except OSError:
        return None
    for limit_f, used_f in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                            ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                             "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            with open(limit_f) as f:
                limit = f.read().strip()
            with open(used_f) as f:
                used = int(f.read().strip())
        except (OSError, ValueError):
            continue
        if limit.isdigit() and int(limit) < 2**60:
            room = int(limit) - used
            avail = room if avail is None else min(avail, room)
        break
    return avail


def check_cpu_memory(tr: Trainer, env_id: str | None, available: int | None = None) -> int:
    """Refuse (MemoryError) a CPU run whose first step will not fit in memory, naming the presets
    and the batch size that would; returns the estimate in bytes."""
    cfg = tr.cfg
    n_params = sum(p.numel() for p in tr.model.parameters())
    need = estimate_train_bytes(cfg, tr.b, tr.model.total_len, n_params)
    available = available_bytes() if available is None else available
    if available is None or need <= available:
        return need
    fits = []
    for name in PRESETS:
        try:
            p = preset(name, env_id, model=cfg.model)
        except ValueError:
            continue
        p_need = estimate_train_bytes(p, p.batch_size, tr.model.total_len,
                                      int(n_params * (p.d_model / cfg.d_model) ** 2))
        if p_need <= available:
            fits.append(f"{name} (~{p_need / 2**30:.1f} GiB)")
    batch = int(tr.b * available / need)
    raise MemoryError(
        f"training {cfg.model} (d_model={cfg.d_model}, batch_size={cfg.batch_size}) on this CPU needs about "
        f"{need / 2**30:.1f} GiB for its first step, and {available / 2**30:.1f} GiB are available. "
        + (f"Presets that fit: {', '.join(fits)} (gram train --preset NAME); " if fits else "No preset fits; ")
        + (f"or set batch_size <= {batch} (--set batch_size={batch}); " if batch >= 1 else "")
        + "check_memory=False skips this check.")


# ---------------------------------------------------------------------- results file
def write_results(agent: Agent, path: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write a finished run's numbers (``agent.meta["train"]``: steps, times, final metrics, history,
    whether it was interrupted) with its env and config to ``path`` as strict JSON (NaN / inf as
    null), replacing the file atomically; returns what was written. For ``gram train --out``."""
    run = agent.meta.get("train")
    if not isinstance(run, dict):
        raise ValueError("write_results takes the Agent that train() returned (it has agent.meta['train']); "
                         f"this one has meta keys {sorted(agent.meta)}")
    out = {
        "env_id": agent.spec.env_id,
        "env_kwargs": agent.spec.env_kwargs,
        "model": agent.config.model,
        **{k: run.get(k) for k in ("steps", "steps_this_run", "train_time_s", "wall_time_s", "sample_steps_per_s",
                                   "median_step_s", "world", "interrupted", "compile_failure")},
        "metrics": run.get("metrics", {}),
        "config": agent.config.to_dict(),
        "history": run.get("history", []),
        **(extra or {}),
    }
    out = finite_json(out)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = path + ".tmp"
    write_bytes(tmp, json.dumps(out, indent=1, allow_nan=False).encode())
    os.replace(tmp, path)
    return out
