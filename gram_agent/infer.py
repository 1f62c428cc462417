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
import time
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch._dynamo.exc import BackendCompilerFailed

from gram_agent.config import GRAMConfig
from gram_agent.data import TaskSpec, instance_puzzle_ids
from gram_agent.model import build_model
from gram_agent.model.baselines import OneShotModel
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


def read_checkpoint(path: str, need_env: bool = True) -> tuple[RecursiveModel, TaskSpec, GRAMConfig, dict[str, Any]]:
    """(model with its weights, spec, config, meta) of an Agent or training checkpoint folder, each
    file checked: config.json through GRAMConfig, task.json's spec (``TaskSpec.check``), the weights
    against the model that config and spec build (``checkpoint.check_weights``) and against the
    sha256 recorded at save (folders written before checksums load without). With ``need_env`` the
    env the spec names must be made from its id and plain options: no env keyword value that names a
    file or folder (``names_location``), which would let a checkpoint make the env read any path."""
    from gram_agent.checkpoint import check_format_version, expected_sha, load_weights, read_json, recorded_checksums

    if not os.path.isdir(path):
        raise FileNotFoundError(f"{path}: no such checkpoint folder")
    cfg_path, task_path = os.path.join(path, "config.json"), os.path.join(path, "task.json")
    raw = read_json(cfg_path)
    if not isinstance(raw, dict):
        raise ValueError(f"{cfg_path}: expected a JSON object of config fields")
    try:
        cfg = GRAMConfig.from_dict(raw)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{cfg_path}: {e}") from e
    task = read_json(task_path)
    if not isinstance(task, dict) or "spec" not in task:
        raise ValueError(f"{task_path}: expected a JSON object with a 'spec'")
    check_format_version(task, task_path)
    try:
        spec = TaskSpec.from_dict(task["spec"])
    except (TypeError, ValueError) as e:
        raise ValueError(f"{task_path}: {e}") from e
    meta = task.get("meta") or {}
    if not isinstance(meta, dict):
        raise ValueError(f"{task_path}: 'meta' must be a JSON object")
    if need_env:
        for k, v in spec.env_kwargs.items():
            if names_location(v):
                raise ValueError(f"{task_path}: spec.env_kwargs[{k!r}]={v!r} names a file location, which a "
                                 "checkpoint may not choose; make the env yourself and pass env= to Agent.load")
    sums = recorded_checksums(task, task_path)
    try:
        model = build_model(cfg, spec.vocab_size, spec.seq_len, spec.n_answer)
    except (TypeError, ValueError, RuntimeError) as e:
        raise ValueError(f"{path}: config.json and task.json do not build a model ({e})") from e
    name = "ema.safetensors" if os.path.exists(os.path.join(path, "ema.safetensors")) else "weights.safetensors"
    load_weights(model, os.path.join(path, name), expected_sha(sums, os.path.join(path, name)))
    return model, spec, cfg, meta


def compile_failure_text(e: Exception) -> str:
    """The line of a torch.compile backend failure that says what failed (its last one)."""
    text = str(e).strip()
    return text.splitlines()[-1][:200] if text else type(e).__name__


def device_name(device: str | torch.device | None = None) -> str:
    """The accelerator's name for results files (provenance names only the host); None: the default
    device (CUDA when available)."""
    dev = torch.device(device) if device else torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu"


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
        self._step: Any = None  #: the compiled supervision step (``compile``), else None: eager
        self.compile_failure: str | None = None  #: why a compiled step was dropped, if it was

    # ------------------------------------------------------------------ plumbing
    @property
    def env(self) -> Any:
        if self._env is None:
            import gymnasium as gym

            import gram_envs  # noqa: F401

            if self.spec.env_id is None:
                raise ValueError("this agent was trained on an unregistered env; pass env= to Agent.load")
            if ":" in self.spec.env_id or self.spec.env_id not in gym.registry:
                raise ValueError(f"env id {self.spec.env_id!r} is not a registered gymnasium id (a 'module:' "
                                 "prefix is never imported); register it first or pass env= to Agent.load")
            self._env = gym.make(self.spec.env_id, **self.spec.env_kwargs)
        return self._env

    @property
    def device(self) -> torch.device:
        return self.model.z0.device

    @property
    def stochastic(self) -> bool:
        """Whether N samples of one input can differ: GRAM's prior, or a sampling baseline (AR, MDLM,
        D3PM). The deterministic models (TRM, HRM, Direct Pred, Looped TF) compute one answer per
        input and repeat it N times (``rollout``), unless PTRM noise is asked for."""
        return self.config.guided or bool(getattr(self.model, "stochastic", False))

    def to(self, device: str | torch.device) -> Agent:
        self.model.to(device)  # a compiled step recompiles for the new device (its guards see it)
        return self

    def compile(self, backend: str = "inductor") -> Agent:
        """Sample with a ``torch.compile``d supervision step (recursive models): each batch shape
        compiles once, so it pays off on long scorings. A step that fails to compile falls back to
        eager with a warning (``compile_failure`` says why)."""
        if not hasattr(self.model, "infer_step"):
            raise ValueError(f"compile needs a recursive model (gram, trm or hrm), not {self.config.model!r}")
        self._step = torch.compile(self.model.infer_step, dynamic=False, backend=backend)
        self.compile_failure = None
        return self

    @property
    def compiled(self) -> bool:
        """Whether sampling runs a compiled step (``compile``, and it has not fallen back to eager)."""
        return self._step is not None

    def _infer_step(self, *args: Any) -> tuple:
        """``model.infer_step``, compiled where ``compile`` asked for it and it compiles."""
        if self._step is not None:
            try:
                return self._step(*args)
            except BackendCompilerFailed as e:  # compilation fails before the step runs: nothing changed yet
                self.compile_failure = compile_failure_text(e)
                warnings.warn(f"torch.compile could not compile the sampling step ({self.compile_failure}); "
                              "sampling without it", stacklevel=3)
                self._step = None
        return self.model.infer_step(*args)

    def cpu(self) -> Agent:
        return self.to("cpu")

    def cuda(self) -> Agent:
        return self.to("cuda")

    def save(self, path: str, dtype: torch.dtype | None = None) -> None:
        """Directory with weights.safetensors (optionally cast, e.g. bf16), config.json, task.json (the
        spec, meta and the weights' sha256, which ``load`` verifies)."""
        from gram_agent.checkpoint import FORMAT_VERSION, finite_json, save_weights, write_bytes

        os.makedirs(path, exist_ok=True)
        sha = save_weights(self.model, os.path.join(path, "weights.safetensors"), dtype=dtype)
        write_bytes(os.path.join(path, "config.json"), self.config.to_json().encode())
        task = {"format_version": FORMAT_VERSION, "spec": self.spec.to_dict(), "meta": finite_json(self.meta),
                "checksums": {"weights.safetensors": sha}}
        write_bytes(os.path.join(path, "task.json"), json.dumps(task, indent=1).encode())

    @classmethod
    def load(cls, path: str, device: str | torch.device | None = None, env: Any = None) -> Agent:
        """Load an Agent saved by ``save`` or a training checkpoint folder (best/ or last/). Every file
        is checked before use (``read_checkpoint``): a damaged or foreign checkpoint raises a
        ValueError naming the file and the field or tensor."""
        model, spec, cfg, meta = read_checkpoint(path, need_env=env is None)
        dev = torch.device(device) if device else torch.device("cuda" if torch.cuda.is_available() else "cpu")
        return cls(model.to(dev), spec, cfg, env=make_env(env) if env is not None else None, meta=meta)

    # ------------------------------------------------------------------ tokens
    def tokenize(self, obs: Any) -> np.ndarray:
        """Observations (one or a batch) -> (M, seq_len) tokens via the env's own tokenizer."""
        return self._tokenize(obs)[0]

    def _tokenize(self, obs: Any) -> tuple[np.ndarray, bool]:
        """(tokens (M, seq_len), whether ``obs`` was a single observation), after checking ``obs``
        against the env's observation space (``check_observation``)."""
        u = self.env.unwrapped
        space = getattr(u, "observation_space", None)
        if isinstance(obs, dict):  # Dict observation spaces (e.g. colouring): small adapter
            single = check_observation(obs, space)
            if hasattr(u, "tokenize_observations"):
                return np.asarray(u.tokenize_observations(obs)), single
            key = "puzzle" if "puzzle" in obs else next(iter(obs))
            arr = np.asarray(obs[key])
            return np.asarray(u.tokenize_puzzles(arr[None] if single else arr)), single
        single = check_observation(obs, space)
        arr = np.asarray(obs)
        return np.asarray(u.tokenize_puzzles(arr[None] if single else arr)), single

    def _to_tokens(self, x_tok: torch.Tensor, cls: torch.Tensor) -> torch.Tensor:
        """Answer classes at output positions -> full token rows (inputs copied elsewhere)."""
        out = x_tok.long().clone()
        pos = self._out_pos.to(out.device)
        out[..., pos] = self._answer.to(out.device)[cls[..., pos]]
        return out

    # ------------------------------------------------------------------ core rollout
    def cpu_chunk(self) -> int:
        """Trajectories per forward pass on a CPU: a chunk whose largest activation (the (L, D)
        states or the attention scores) stays near ``CPU_CHUNK_BYTES``, so cost grows linearly with
        the number of inputs instead of paging in ever larger fresh buffers."""
        m, cfg = self.model, self.config
        per_traj = 4 * m.total_len * max(cfg.d_model, cfg.n_heads * m.total_len)
        return max(8, CPU_CHUNK_BYTES // per_traj)

    @torch.no_grad()
    def rollout(self, tokens: np.ndarray | torch.Tensor, samples: int = 20, steps: int | None = None,
                ptrm_sigma: float = 0.0, ptrm_target: str = "l", halt: bool = False,
                seed: int | None = None, batch: int | None = None,
                puzzle_ids: np.ndarray | None = None, temperature: Temperature = 1.0,
                deadline: float | None = None, progress: bool | None = False,
                record_steps: Sequence[int] | None = None) -> dict[str, Any]:
        """N trajectories per puzzle from the prior: tokens (M, N, L), q_halt and value (M, N).
        ``puzzle_ids`` (M,): prefix identifiers (ARC task variants); None uses id 0.
        ``temperature`` scales the prior's sigma (1.0: the paper's sampling; 0: its mean path); a
        sequence gives one value per supervision step (``steps`` of them), e.g. wide early steps that
        pick a completion and narrow late ones that settle it.

        Noise is drawn per ``batch`` trajectories (config ``eval_batch``) as always; on a CPU each
        batch is computed in chunks of ``cpu_chunk()`` (the same draws, bounded memory). With a
        ``deadline`` (a ``time.monotonic()`` value) the rollout stops before it and returns the first
        M' < M puzzles only (each with the draws an uncut rollout gives it). ``progress``: a tqdm bar
        with an ETA (None: only on a terminal). ``record_steps``: supervision steps (each in
        [1, ``steps``]) whose answers are also kept, under ``roll["at_steps"][d]`` as a dict like the
        rollout's own; they equal a rollout of ``d`` steps with the same seed and a constant
        temperature, so one rollout serves a whole depth sweep (recursive models only)."""
        m = self.model
        cfg = self.config
        dev = self.device
        check_count("samples", samples)
        if steps is not None:
            check_count("steps", steps)
        if batch is not None:
            check_count("batch", batch)
        if isinstance(m, OneShotModel):
            if ptrm_sigma > 0 or halt:
                raise ValueError(f"ptrm_sigma and halt need the recursive core (gram or trm), not {cfg.model!r}")
            if record_steps is not None:
                raise ValueError(f"record_steps needs the recursive core (gram, trm or hrm), not {cfg.model!r}")
            return self._sample_baseline(tokens, samples, steps, seed, batch, puzzle_ids, temperature, deadline)
        steps = steps or cfg.n_sup
        temps = temperature_schedule(temperature, steps)
        record = _check_record_steps(record_steps, steps, deadline)
        x = self._check_tokens(tokens)
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
        sub = bs if dev.type == "cuda" else min(bs, self.cpu_chunk())
        gen = torch.Generator(device=dev).manual_seed(cfg.seed + 777 if seed is None else seed)
        amp = dev.type == "cuda"
        cls_all = torch.empty(total, m.seq_len, dtype=torch.long, device=dev)
        q_all = torch.empty(total, device=dev)
        v_all = torch.empty(total, device=dev)
        rec = {d: (torch.empty(total, m.seq_len, dtype=torch.long, device=dev), torch.empty(total, device=dev),
                   torch.empty(total, device=dev)) for d in record}
        bar = None
        if progress is not False:
            from tqdm.auto import tqdm

            bar = tqdm(total=total * steps, desc=f"sampling {n_puz} inputs x {samples}", unit="traj-step",
                       unit_scale=True, dynamic_ncols=True, leave=False, disable=None if progress is None else False)
        clock = _Clock(deadline)
        done = 0  # trajectories finished (whole puzzles only once the deadline cuts)
        for s in range(0, total, bs):
            xb = xr[s:s + bs]
            b = xb.shape[0]
            active = b  # trajectories of this batch still computed (fewer once the deadline cuts)
            with torch.autocast("cuda", dtype=getattr(torch, cfg.dtype), enabled=amp):
                ex = m.encode(xb, None if pr is None else pr[s:s + bs])
                h, l = m.initial_state(b, gen)  # config start_noise: a random start per sample
                pred_b = torch.zeros(b, m.seq_len, dtype=torch.long, device=dev)
                q_b = torch.zeros(b, device=dev)
                v_b = torch.zeros(b, device=dev)
                halted = torch.zeros(b, dtype=torch.bool, device=dev)
                for step in range(steps):
                    noise = None
                    if cfg.guided:
                        noise = torch.randn((cfg.T, b, m.total_len, cfg.d_model), generator=gen, device=dev)
                        if temps[step] != 1.0:
                            noise = noise * temps[step]
                    pn = None
                    if ptrm_sigma > 0:
                        pn = ptrm_sigma * torch.randn((b, m.total_len, cfg.d_model), generator=gen, device=dev)
                    c = 0
                    while c < active:
                        e = min(c + sub, active)
                        whole = c == 0 and e == b
                        hc, lc, logits, q, v = self._infer_step(h if whole else h[c:e], l if whole else l[c:e],
                                                            ex if whole else ex[c:e],
                                                            None if noise is None else noise[:, c:e],
                                                            None if pn is None else pn[c:e], ptrm_target)
                        if whole:
                            h, l = hc, lc
                        else:
                            h[c:e], l[c:e] = hc, lc
                        pred = logits.argmax(-1)
                        if halt:  # freeze each trajectory at its first halting step (static shapes)
                            keep = halted[c:e]
                            pred_b[c:e] = torch.where(keep[:, None], pred_b[c:e], pred)
                            q_b[c:e] = torch.where(keep, q_b[c:e], q)
                            v_b[c:e] = torch.where(keep, v_b[c:e], v)
                            halted[c:e] = keep | (q > 0)
                        else:
                            pred_b[c:e], q_b[c:e], v_b[c:e] = pred, q, v
                        clock.tick(e - c)
                        if bar is not None:
                            bar.update(e - c)
                        c = e
                        active = clock.fit(active, c, steps - step - 1, s, n_eff)
                    if step + 1 in rec:  # no deadline here: every trajectory of the batch is active
                        rc, rq, rv = rec[step + 1]
                        rc[s:s + b], rq[s:s + b], rv[s:s + b] = pred_b, q_b, v_b
                    if active == 0:
                        break
            cls_all[s:s + active], q_all[s:s + active], v_all[s:s + active] = (
                pred_b[:active], q_b[:active], v_b[:active])
            done = s + active
            if active < b:
                break
        if bar is not None:
            bar.close()
        n_done = done // n_eff
        keep = n_done * n_eff
        out: dict[str, Any] = self._shaped(xr[:keep], cls_all[:keep], q_all[:keep], v_all[:keep], n_done, n_eff,
                                           samples)
        if rec:
            out["at_steps"] = {d: self._shaped(xr[:keep], rc[:keep], rq[:keep], rv[:keep], n_done, n_eff, samples)
                               for d, (rc, rq, rv) in rec.items()}
        return out

    def _shaped(self, xr: torch.Tensor, cls: torch.Tensor, q: torch.Tensor, v: torch.Tensor, n_done: int,
                n_eff: int, samples: int) -> dict[str, torch.Tensor]:
        """Flat trajectory results -> tokens (M, N, L), q_halt and value (M, N); a deterministic model's
        one computed trajectory per input is repeated N times."""
        toks = self._to_tokens(xr, cls).view(n_done, n_eff, xr.shape[1])
        q, v = q.view(n_done, n_eff), v.view(n_done, n_eff)
        if n_eff != samples:
            toks = toks.expand(n_done, samples, -1)
            q, v = q.expand(n_done, samples), v.expand(n_done, samples)
        return {"tokens": toks, "q_halt": q, "value": v}

    @torch.no_grad()
    def _sample_baseline(self, tokens: Any, samples: int, steps: int | None, seed: int | None, batch: int | None,
                         puzzle_ids: np.ndarray | None, temperature: Temperature,
                         deadline: float | None) -> dict[str, torch.Tensor]:
        """``rollout`` for a one-shot baseline: ``samples`` draws per input from ``model.sample``
        (one computed and repeated for the deterministic ones), whole inputs per batch of ``batch``
        trajectories; a ``deadline`` stops before the next batch. No halting or value head: q_halt
        and value are 0, so "halt" and "lprm" select the first sample."""
        m, cfg, dev = self.model, self.config, self.device
        x = self._check_tokens(tokens)
        n_eff = samples if m.stochastic else 1
        pid = None
        if puzzle_ids is not None:
            pid = torch.as_tensor(np.asarray(puzzle_ids), device=dev).long()
            if pid.shape != (x.shape[0],):
                raise ValueError(f"puzzle_ids must have shape ({x.shape[0]},), got {tuple(pid.shape)}")
            if m.puzzle_emb is not None and (pid.min() < 0 or pid.max() >= m.puzzle_emb.num_embeddings):
                raise ValueError(f"puzzle_ids must lie in [0, {m.puzzle_emb.num_embeddings})")
        bs = batch or cfg.eval_batch
        if dev.type != "cuda":
            bs = min(bs, self.cpu_chunk())
        per = max(1, bs // n_eff)  # inputs per batch
        gen = torch.Generator(device=dev).manual_seed(cfg.seed + 777 if seed is None else seed)
        amp = dev.type == "cuda"
        out = []
        for s in range(0, x.shape[0], per):
            if deadline is not None and s and time.monotonic() >= deadline:
                break
            xb = x[s:s + per].repeat_interleave(n_eff, dim=0)
            pb = None if pid is None else pid[s:s + per].repeat_interleave(n_eff, dim=0)
            with torch.autocast("cuda", dtype=getattr(torch, cfg.dtype), enabled=amp):
                cls = m.sample(xb, pb, gen, steps, temperature)
            out.append(self._to_tokens(xb, cls).view(-1, n_eff, x.shape[1]))
        toks = torch.cat(out).expand(-1, samples, -1)
        zeros = torch.zeros(toks.shape[:2], device=dev)
        return {"tokens": toks, "q_halt": zeros, "value": zeros}

    def _check_tokens(self, tokens: Any) -> torch.Tensor:
        """Model input rows as a long tensor on the device, or a ValueError naming what was expected."""
        if isinstance(tokens, torch.Tensor):
            bad_kind = tokens.is_floating_point() or tokens.is_complex()
            x = tokens
        else:
            arr = np.asarray(tokens)
            bad_kind = arr.dtype.kind not in "iub"
            x = None if bad_kind else torch.as_tensor(arr)
        if bad_kind:
            raise ValueError(f"tokens must be integers, got dtype {tokens.dtype}")
        L, V = self.model.seq_len, self.model.vocab_size
        if x.ndim != 2 or x.shape[1] != L or x.shape[0] < 1:
            raise ValueError(f"tokens must have shape (M, {L}) with M >= 1, got {tuple(x.shape)}")
        if x.numel() and (int(x.min()) < 0 or int(x.max()) >= V):
            raise ValueError(f"tokens must lie in [0, {V}), got values in [{int(x.min())}, {int(x.max())}]")
        return x.to(self.device).long()

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
        check_count("samples", samples)
        tok, single = self._tokenize(obs_or_batch)
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

    def generate(self, n: int, steps: int | None = None, seed: int | None = None,
                 temperature: Temperature = 1.0) -> np.ndarray:
        """n samples for an unconditional task: n trajectories from the blank input, at the prior
        ``temperature`` (one value or one per supervision step, as ``rollout``)."""
        u = self.env.unwrapped
        blank = u.dataset("test", **self.config.dataset_kwargs).instance_inputs[:1] if hasattr(u, "dataset") else None
        if blank is None:
            raise ValueError("generate needs an env with a blank-board test split")
        roll = self.rollout(blank, samples=n, steps=steps, seed=seed, temperature=temperature)
        return u.detokenize(roll["tokens"][0].cpu().numpy())

    def evaluate(self, split: str = "test", samples: int = 20, steps: int | None = None,
                 instances: int | None = None, ptrm_sigma: float = 0.0, seed: int | None = None,
                 record: bool = False, temperature: Temperature = 1.0, progress: bool | None = None,
                 time_budget_s: float | None = None) -> dict[str, float]:
        """Env metrics over N samples per test instance, plus vote / LPRM / best-Q accuracy; on ARC with
        config ``eval_views`` the views' votes instead (``gram_agent.arc.vote_evaluate``).

        ``progress``: a bar with an ETA (None: only on a terminal). ``time_budget_s``: sampling stops
        in time to score within it; the metrics then cover the first ``instances`` inputs of the
        ``instances_requested`` (``cut_by_time`` = 1) and a warning says so."""
        if instances is not None and (not isinstance(instances, (int, np.integer)) or isinstance(instances, bool)
                                      or instances < 0):
            raise ValueError(f"instances must be an integer >= 0 (0 or None: the whole split), got {instances!r}")
        if time_budget_s is not None and not time_budget_s > 0:
            raise ValueError(f"time_budget_s must be a number > 0, got {time_budget_s!r}")
        t0 = time.monotonic()
        u = self.env.unwrapped
        ds = u.dataset(split, **self.config.dataset_kwargs)
        if self.config.eval_views:
            from gram_agent.arc import is_arc_dataset, vote_evaluate

            if not is_arc_dataset(ds):
                raise ValueError(f"config eval_views={self.config.eval_views} votes over ARC views; "
                                 f"{type(u).__name__} has none (set eval_views=0)")
            return vote_evaluate(self, split, views=self.config.eval_views, samples=samples, steps=steps,
                                 instances=instances, seed=seed, temperature=temperature, record=record,
                                 progress=progress, time_budget_s=time_budget_s, ptrm_sigma=ptrm_sigma)
        ids, inp = ds.instance_ids, ds.instance_inputs
        pids = instance_puzzle_ids(ds) if self.model.puzzle_emb is not None else None
        if instances:
            ids, inp = ids[:instances], inp[:instances]
            pids = None if pids is None else pids[:instances]
        wanted = len(ids)
        # sampling gets the budget less a share kept for detokenizing and scoring
        deadline = None if time_budget_s is None else t0 + 0.9 * time_budget_s
        roll = self.rollout(inp, samples, steps, ptrm_sigma=ptrm_sigma, seed=seed, puzzle_ids=pids,
                            temperature=temperature, deadline=deadline,
                            progress=None if progress is None else bool(progress))
        got = int(roll["tokens"].shape[0])
        extra: dict[str, float] = {}
        if got < wanted:  # the env's own metrics count the inputs scored ("instances")
            extra.update(instances_requested=float(wanted), cut_by_time=1.0)
            warnings.warn(f"evaluation on {split!r} cut to {got} of {wanted} inputs to fit time_budget_s="
                          f"{time_budget_s:g}", stacklevel=2)
            if got == 0:
                return {"instances": 0.0, "samples": float(samples), **extra}
            ids = ids[:got]
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
        out.update(extra)
        return out


#: bytes of the largest activation of one CPU forward chunk (``Agent.cpu_chunk``): small enough to
#: stay in cache-friendly, reused buffers
CPU_CHUNK_BYTES = 4 * 2**20


class _Clock:
    """Measured seconds per trajectory-step, and how many trajectories of a batch still fit a deadline."""

    def __init__(self, deadline: float | None) -> None:
        self.deadline = deadline
        self.t0 = time.monotonic()
        self.work = 0

    def tick(self, n: int) -> None:
        self.work += n

    def fit(self, active: int, c: int, steps_left: int, start: int, n_eff: int) -> int:
        """The most trajectories (a prefix of whole puzzles; the batch starts at trajectory ``start``)
        whose remaining work fits: those past ``c`` still need this step, all need ``steps_left`` more."""
        if self.deadline is None:
            return active
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        now = time.monotonic()
        rate = (now - self.t0) / max(self.work, 1)
        budget = (self.deadline - now) / max(rate, 1e-12)  # trajectory-steps that still fit
        if max(active - c, 0) + steps_left * active <= budget:
            return active
        fits = min(c, budget / steps_left) if steps_left else c
        if budget + c > c * (1 + steps_left):  # some trajectories past c fit too
            fits = max(fits, min(active, (budget + c) / (1 + steps_left)))
        whole = (start + int(fits)) // n_eff * n_eff - start  # whole puzzles only
        return max(0, min(active, whole))


def names_location(value: Any) -> bool:
    """Whether an env keyword value could name a file or folder: a string with a path separator, a
    leading ``~`` or ``.``, an absolute path, or one that exists relative to the working directory
    (symbolic values such as ARC's ``data_path="fixtures"`` pass)."""
    if not isinstance(value, str):
        return any(names_location(v) for v in value) if isinstance(value, (list, tuple)) else False
    return ("/" in value or "\\" in value or value.startswith(("~", ".")) or os.path.isabs(value)
            or (value != "" and os.path.exists(value)))


def check_count(name: str, value: Any) -> int:
    """``value`` as an int >= 1, or a ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


def check_observation(obs: Any, space: Any) -> bool:
    """Check observations against the env's observation space (Box, or a Dict of Boxes): integer
    values (bool only for 0/1 spaces) inside the space's bounds, shaped as one observation or a
    non-empty batch of them. Returns whether ``obs`` is a single observation."""
    from gymnasium import spaces

    if isinstance(obs, dict):
        if not isinstance(space, spaces.Dict):
            raise ValueError(f"expected an array observation for {space}, got a dict with keys {sorted(obs)}")
        unknown = sorted(set(obs) - set(space.spaces))
        if unknown or not obs:
            raise ValueError(f"observation keys must be among {sorted(space.spaces)}, got {sorted(obs)}")
        singles = {k: _check_box(v, space.spaces[k], f"observation[{k!r}]") for k, v in obs.items()
                   if isinstance(space.spaces[k], spaces.Box)}
        if len(set(singles.values())) > 1:
            raise ValueError(f"observation arrays mix single and batched shapes: {singles}")
        return next(iter(singles.values()), True)
    if isinstance(space, spaces.Dict):
        raise ValueError(f"expected a dict observation with keys {sorted(space.spaces)}, got {type(obs).__name__}")
    if isinstance(space, spaces.Box):
        return _check_box(obs, space, "observation")
    arr = np.asarray(obs)
    return arr.shape == getattr(space, "shape", None)


def _check_box(value: Any, space: Any, name: str) -> bool:
    if isinstance(value, np.ma.MaskedArray):
        raise ValueError(f"{name}: a masked array is not an observation; pass a plain integer array")
    try:
        arr = np.asarray(value)
    except ValueError as e:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular integer array of shape {space.shape}: {e}") from None
    shape = tuple(space.shape)
    low, high = np.min(space.low), np.max(space.high)
    if arr.dtype.kind not in "iu" and not (arr.dtype.kind == "b" and low >= 0 and high >= 1):
        raise ValueError(f"{name} must hold integers (the space's dtype is {space.dtype}), got dtype {arr.dtype}")
    if arr.shape == shape:
        single = True
    elif arr.ndim == len(shape) + 1 and arr.shape[1:] == shape and arr.shape[0] >= 1:
        single = False
    else:
        raise ValueError(f"{name} must have shape {shape} (one observation) or (M, {', '.join(map(str, shape))}) "
                         f"with M >= 1 (a batch), got {arr.shape}")
    if arr.size and (np.any(arr < space.low) or np.any(arr > space.high)):
        raise ValueError(f"{name} values must lie in [{low}, {high}], got values in [{arr.min()}, {arr.max()}]")
    return single


def _check_record_steps(record_steps: Sequence[int] | None, steps: int, deadline: float | None) -> list[int]:
    """The sorted distinct supervision steps a rollout of ``steps`` keeps answers at, each in [1, steps]."""
    if record_steps is None:
        return []
    if deadline is not None:
        raise ValueError("record_steps and deadline cannot be combined: a cut batch would leave recorded rows unset")
    got = [check_count("record_steps entry", d) for d in record_steps]
    if not got or max(got) > steps:
        raise ValueError(f"record_steps must be a non-empty list of steps in [1, {steps}], got {list(record_steps)}")
    return sorted(set(got))


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
