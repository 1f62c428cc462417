# ruff: noqa: E741  (l is the paper's low-level latent)
"""``Agent``: a trained GRAM/TRM model bound to its env, for solving, generating and evaluating.

Width: N trajectories per puzzle run as one batch (the puzzle rows are repeated, never a
Python loop over samples). Depth: any number of supervision steps (may exceed training's
N_sup). Selection: majority vote over identical answers, LPRM best-of-N (highest terminal
value), halting-head best-Q (PTRM's rule), or all N candidates.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from gram_agent.config import GRAMConfig
from gram_agent.data import TaskSpec, instance_puzzle_ids
from gram_agent.model.core import RecursiveModel

SELECT = ("vote", "lprm", "halt", "all")
#: a prior temperature: one number for every supervision step, or one per step
Temperature = float | Sequence[float]


def make_env(env: Any, **env_kwargs: Any) -> Any:
    """An env instance from an id string (made with ``env_kwargs``, e.g. a colouring's edge
    probability ``p``), or the env itself (which takes no kwargs: it is already made)."""
    if isinstance(env, str):
        import gymnasium as gym

        import gram_envs  # noqa: F401  (registers the ids)

        return gym.make(env, **env_kwargs)
    if env_kwargs:
        raise ValueError(f"env kwargs {sorted(env_kwargs)} need an env id, got an env instance {env!r}")
    return env


class Agent:
    """A model + its token spec (+ the env, made lazily from the spec when loaded)."""

    def __init__(self, model: RecursiveModel, spec: TaskSpec, config: GRAMConfig, env: Any = None,
                 meta: dict[str, Any] | None = None) -> None:
        self.model = model.eval()
        self.spec = spec
        self.config = config
        self._env = env
        self.meta = dict(meta or {})
        self._out_pos = torch.as_tensor(spec.out_positions, dtype=torch.long)
        self._answer = torch.as_tensor(spec.answer_tokens, dtype=torch.long)

    # ------------------------------------------------------------------ plumbing
    @property
    def env(self) -> Any:
        if self._env is None:
            import gymnasium as gym

            import gram_envs  # noqa: F401

            if self.spec.env_id is None:
                raise ValueError("this agent was trained on an unregistered env; pass env= to Agent.load")
            self._env = gym.make(self.spec.env_id, **self.spec.env_kwargs)
        return self._env

    @property
    def device(self) -> torch.device:
        return self.model.z0.device

    def to(self, device: str | torch.device) -> Agent:
        self.model.to(device)
        return self

    def cpu(self) -> Agent:
        return self.to("cpu")

    def cuda(self) -> Agent:
        return self.to("cuda")

    def save(self, path: str, dtype: torch.dtype | None = None) -> None:
        """Directory with weights.safetensors (optionally cast, e.g. bf16), config.json, task.json."""
        from gram_agent.checkpoint import FORMAT_VERSION, save_weights

        os.makedirs(path, exist_ok=True)
        save_weights(self.model, os.path.join(path, "weights.safetensors"), dtype=dtype)
        with open(os.path.join(path, "config.json"), "w") as f:
            f.write(self.config.to_json())
        with open(os.path.join(path, "task.json"), "w") as f:
            json.dump({"format_version": FORMAT_VERSION, "spec": self.spec.to_dict(), "meta": self.meta}, f, indent=1)

    @classmethod
    def load(cls, path: str, device: str | torch.device | None = None, env: Any = None) -> Agent:
        """Load an Agent saved by ``save`` or a training checkpoint folder (best/ or last/)."""
        from gram_agent.checkpoint import check_format_version, load_weights

        with open(os.path.join(path, "task.json")) as f:
            task = json.load(f)
        check_format_version(task, os.path.join(path, "task.json"))
        with open(os.path.join(path, "config.json")) as f:
            cfg = GRAMConfig.from_dict(json.load(f))
        spec = TaskSpec.from_dict(task["spec"])
        model = RecursiveModel(cfg, spec.vocab_size, spec.seq_len, spec.n_answer)
        name = "ema.safetensors" if os.path.exists(os.path.join(path, "ema.safetensors")) else "weights.safetensors"
        load_weights(model, os.path.join(path, name))
        dev = torch.device(device) if device else torch.device("cuda" if torch.cuda.is_available() else "cpu")
        return cls(model.to(dev), spec, cfg, env=make_env(env) if env is not None else None, meta=task.get("meta"))

    # ------------------------------------------------------------------ tokens
    def tokenize(self, obs: Any) -> np.ndarray:
        """Observations (one or a batch) -> (M, seq_len) tokens via the env's own tokenizer."""
        u = self.env.unwrapped
        if isinstance(obs, dict):  # Dict observation spaces (e.g. colouring): small adapter
            if hasattr(u, "tokenize_observations"):
                return np.asarray(u.tokenize_observations(obs))
            key = "puzzle" if "puzzle" in obs else next(iter(obs))
            arr = np.asarray(obs[key])
            single = arr.ndim == np.asarray(u.observation_space[key].sample()).ndim
            return np.asarray(u.tokenize_puzzles(arr[None] if single else arr))
        arr = np.asarray(obs)
        if hasattr(u, "observation_space") and arr.shape == u.observation_space.shape:
            arr = arr[None]
        return np.asarray(u.tokenize_puzzles(arr))

    def _to_tokens(self, x_tok: torch.Tensor, cls: torch.Tensor) -> torch.Tensor:
        """Answer classes at output positions -> full token rows (inputs copied elsewhere)."""
        out = x_tok.long().clone()
        pos = self._out_pos.to(out.device)
        out[..., pos] = self._answer.to(out.device)[cls[..., pos]]
        return out

    # ------------------------------------------------------------------ core rollout
    @torch.no_grad()
    def rollout(self, tokens: np.ndarray | torch.Tensor, samples: int = 20, steps: int | None = None,
                ptrm_sigma: float = 0.0, ptrm_target: str = "l", halt: bool = False,
                seed: int | None = None, batch: int | None = None,
                puzzle_ids: np.ndarray | None = None, temperature: Temperature = 1.0) -> dict[str, torch.Tensor]:
        """N trajectories per puzzle from the prior: tokens (M, N, L), q_halt and value (M, N).
        ``puzzle_ids`` (M,): prefix identifiers (ARC task variants); None uses id 0.
        ``temperature`` scales the prior's sigma (1.0: the paper's sampling; 0: its mean path); a
        sequence gives one value per supervision step (``steps`` of them), e.g. wide early steps that
        pick a completion and narrow late ones that settle it."""
        m = self.model
        cfg = self.config
        dev = self.device
        steps = steps or cfg.n_sup
        temps = temperature_schedule(temperature, steps)
        x = torch.as_tensor(np.asarray(tokens), device=dev).long()
        n_puz = x.shape[0]
        stochastic = cfg.guided or ptrm_sigma > 0
        n_eff = samples if stochastic else 1  # TRM: every sample is identical, compute one
        xr = x.repeat_interleave(n_eff, dim=0)
        pr = None
        if puzzle_ids is not None:
            pid = torch.as_tensor(np.asarray(puzzle_ids), device=dev).long()
            if pid.shape != (n_puz,):
                raise ValueError(f"puzzle_ids must have shape ({n_puz},), got {tuple(pid.shape)}")
            if m.puzzle_emb is not None and (pid.min() < 0 or pid.max() >= m.puzzle_emb.num_embeddings):
                raise ValueError(f"puzzle_ids must lie in [0, {m.puzzle_emb.num_embeddings})")
            pr = pid.repeat_interleave(n_eff, dim=0)
        total = xr.shape[0]
        bs = batch or cfg.eval_batch
        gen = torch.Generator(device=dev).manual_seed(cfg.seed + 777 if seed is None else seed)
        amp = dev.type == "cuda"
        cls_all = torch.empty(total, m.seq_len, dtype=torch.long, device=dev)
        q_all = torch.empty(total, device=dev)
        v_all = torch.empty(total, device=dev)
        for s in range(0, total, bs):
            xb = xr[s:s + bs]
            b = xb.shape[0]
            with torch.autocast("cuda", dtype=getattr(torch, cfg.dtype), enabled=amp):
                ex = m.encode(xb, None if pr is None else pr[s:s + bs])
                h, l = m.initial_state(b, gen)  # config start_noise: a random start per sample
                frozen = None
                for step in range(steps):
                    noise = None
                    if cfg.guided:
                        noise = torch.randn((cfg.T, b, m.total_len, cfg.d_model), generator=gen, device=dev)
                        if temps[step] != 1.0:
                            noise = noise * temps[step]
                    pn = None
                    if ptrm_sigma > 0:
                        pn = ptrm_sigma * torch.randn((b, m.total_len, cfg.d_model), generator=gen, device=dev)
                    h, l, logits, q, v = m.infer_step(h, l, ex, noise, pn, ptrm_target)
                    pred = logits.argmax(-1)
                    if halt:  # freeze each trajectory at its first halting step (static shapes)
                        if frozen is None:
                            frozen = (pred, q, v, q > 0)
                        else:
                            fp, fq, fv, done = frozen
                            keep = done[:, None]
                            frozen = (torch.where(keep, fp, pred), torch.where(done, fq, q),
                                      torch.where(done, fv, v), done | (q > 0))
            if halt and frozen is not None:
                pred, q, v, _ = frozen
            cls_all[s:s + b], q_all[s:s + b], v_all[s:s + b] = pred, q, v
        toks = self._to_tokens(xr, cls_all).view(n_puz, n_eff, -1)
        q_all, v_all = q_all.view(n_puz, n_eff), v_all.view(n_puz, n_eff)
        if n_eff != samples:
            toks = toks.expand(n_puz, samples, -1)
            q_all, v_all = q_all.expand(n_puz, samples), v_all.expand(n_puz, samples)
        return {"tokens": toks, "q_halt": q_all, "value": v_all}

    @staticmethod
    def select(roll: dict[str, torch.Tensor], how: str) -> torch.Tensor:
        """(M, N, L) candidates -> (M, L) by majority vote, LPRM value or halting Q; or all."""
        toks = roll["tokens"]
        if how == "all":
            return toks
        if how == "vote":
            same = (toks[:, :, None, :] == toks[:, None, :, :]).all(-1)
            idx = same.sum(-1).argmax(-1)  # ties: the first most frequent
        elif how == "lprm":
            idx = roll["value"].argmax(-1)
        elif how == "halt":
            idx = roll["q_halt"].argmax(-1)
        else:
            raise ValueError(f"select must be one of {SELECT}, got {how!r}")
        return toks[torch.arange(toks.shape[0], device=toks.device), idx]

    # ------------------------------------------------------------------ public API
    def solve(self, obs_or_batch: Any, samples: int = 20, steps: int | None = None, select: str = "vote",
              ptrm_sigma: float = 0.0, halt: bool = False, seed: int | None = None,
              puzzle_ids: np.ndarray | None = None, temperature: Temperature = 1.0) -> Any:
        """Answers in the env's user encoding: one per puzzle (vote/lprm/halt) or (M, N, ...) for "all".
        A single observation gives a single answer. ``puzzle_ids``: prefix identifiers (ARC), one
        per puzzle; without them the padding id 0 is used."""
        if select not in SELECT:
            raise ValueError(f"select must be one of {SELECT}, got {select!r}")
        if isinstance(obs_or_batch, dict):
            tok = self.tokenize(obs_or_batch)
            single = len(tok) == 1
        else:
            single = np.asarray(obs_or_batch).shape == getattr(self.env.unwrapped.observation_space, "shape", None)
            tok = self.tokenize(obs_or_batch)
        if puzzle_ids is not None:
            puzzle_ids = np.atleast_1d(np.asarray(puzzle_ids))
        roll = self.rollout(tok, samples, steps, ptrm_sigma=ptrm_sigma, halt=halt, seed=seed, puzzle_ids=puzzle_ids,
                            temperature=temperature)
        out = self.env.unwrapped.detokenize(self.select(roll, select).cpu().numpy())
        if not single:
            return out
        return {k: v[0] for k, v in out.items()} if isinstance(out, dict) else out[0]

    def act(self, obs: Any, puzzle_ids: np.ndarray | None = None) -> Any:
        """One action for a Gymnasium loop: the majority vote of the config's eval sample count."""
        return self.solve(obs, samples=self.config.eval_samples, select="vote", puzzle_ids=puzzle_ids)

    def generate(self, n: int, steps: int | None = None, seed: int | None = None) -> np.ndarray:
        """n samples for an unconditional task: n trajectories from the blank input."""
        u = self.env.unwrapped
        blank = u.dataset("test", **self.config.dataset_kwargs).instance_inputs[:1] if hasattr(u, "dataset") else None
        if blank is None:
            raise ValueError("generate needs an env with a blank-board test split")
        roll = self.rollout(blank, samples=n, steps=steps, seed=seed)
        return u.detokenize(roll["tokens"][0].cpu().numpy())

    def evaluate(self, split: str = "test", samples: int = 20, steps: int | None = None,
                 instances: int | None = None, ptrm_sigma: float = 0.0, seed: int | None = None,
                 record: bool = False, temperature: Temperature = 1.0) -> dict[str, float]:
        """Env metrics over N samples per test instance, plus vote / LPRM / best-Q accuracy."""
        u = self.env.unwrapped
        ds = u.dataset(split, **self.config.dataset_kwargs)
        ids, inp = ds.instance_ids, ds.instance_inputs
        pids = instance_puzzle_ids(ds) if self.model.puzzle_emb is not None else None
        if instances:
            ids, inp = ids[:instances], inp[:instances]
            pids = None if pids is None else pids[:instances]
        roll = self.rollout(inp, samples, steps, ptrm_sigma=ptrm_sigma, seed=seed, puzzle_ids=pids,
                            temperature=temperature)
        cands = u.detokenize(roll["tokens"].cpu().numpy())
        res = u.evaluate(ids, cands, record=record)
        out = {k: float(v) for k, v in res["metrics"].items()}
        if "accuracy" not in out:  # ARC reports pass@k; accuracy = share of valid samples, as elsewhere
            out["accuracy"] = float(np.asarray(res["valid"]).mean())
        out["samples"] = float(samples)
        valid = np.asarray(res["valid"])
        out["pass_at_n"] = float(valid.any(1).mean())
        for how in ("vote", "lprm", "halt"):
            sel = _one_attempt(u.detokenize(self.select(roll, how).cpu().numpy()))
            ev = u.evaluate(ids, sel, record=False)
            out[f"{how}_accuracy"] = float(ev["metrics"].get("accuracy", np.asarray(ev["valid"]).mean()))
        return out


def temperature_schedule(temperature: Temperature, steps: int) -> list[float]:
    """One prior temperature per supervision step, each a finite number >= 0."""
    if isinstance(temperature, (int, float)) and not isinstance(temperature, bool):
        temps = [float(temperature)] * steps
    elif isinstance(temperature, Sequence) and not isinstance(temperature, str):
        temps = [float(t) for t in temperature]
        if len(temps) != steps:
            raise ValueError(f"a temperature schedule needs one value per supervision step ({steps}), "
                             f"got {len(temps)}")
    else:
        raise ValueError(f"temperature must be a number or a sequence of {steps} numbers, got {temperature!r}")
    bad = [t for t in temps if not 0.0 <= t < math.inf]
    if bad:
        raise ValueError(f"temperature must be a finite number >= 0, got {bad[0]!r}")
    return temps


def _one_attempt(answers: Any) -> Any:
    """(M, ...) answers -> (M, 1, ...) for ``env.evaluate``; ARC's dict form gets the axis per array."""
    if isinstance(answers, dict):
        return {k: np.asarray(v)[:, None] for k, v in answers.items()}
    return np.asarray(answers)[:, None]
