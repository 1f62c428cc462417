"""``GRAMConfig``: every model, objective, training and inference choice as one flat dataclass.

Each field carries a group and a one-line help in its metadata (``gram train --help`` and
docs/agent.md list them); every value is checked on construction, so a bad stored config fails early.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
from dataclasses import dataclass, field
from typing import Any

#: the four parts of a config, in the order ``gram train --help`` and docs/agent.md show them
GROUPS: dict[str, str] = {
    "model": "architecture, recursion and the guidance heads",
    "objective": "what the loss scores and how the KL is weighed",
    "training": "optimiser, data, stopping, checkpoints and logging",
    "inference": "sampling and evaluation defaults",
}

#: paper's KL weight per task
PAPER_BETA: dict[str, float] = {
    "GRAM/NQueens-8": 0.07,
    "GRAM/NQueens-10": 0.045,
    "GRAM/GraphColoring-8": 0.5,
    "GRAM/GraphColoring-10": 0.45,
    "GRAM/Sudoku-Extreme": 0.1,
    "GRAM/Sudoku-v0": 0.1,
    "GRAM/SudokuGen-9": 0.05,
    "GRAM/ARC-AGI-1": 0.04,
    "GRAM/ARC-AGI-2": 0.1,
}

#: removed options -> the default they had; a stored config holding one at that default still loads (the
#: field is dropped). REMOVED_AT names the commit that still has an option's code.
REMOVED: dict[str, Any] = {
    "prior_ce_weight": 0.0,
    "beta_start": 0.0,
    "beta_anneal_steps": 0,
    "nearest_prob": 1.0,
    "hot_start_steps": 0,
    "hot_start_temperature": 1.0,
    "match_prob": 1.0,
    "match_ramp_steps": 0,
    "match_ramp_start": 0,
    "extra": {},
    "posterior_transitions": "last",
}
REMOVED_AT: dict[str, str] = {"posterior_transitions": "commit 76b2cf0"}

#: model kinds: the recursive core (gram, trm, and hrm in gram_agent.model.hrm) and the one-pass baselines of
#: gram_agent.model.baselines
RECURSIVE = ("gram", "trm", "hrm")
BASELINES = ("direct", "looped", "ar", "mdlm", "d3pm")
MODELS = RECURSIVE + BASELINES
#: blocks (n_layers) each baseline gets in every preset: the paper's parameter scale at D=512
BASELINE_LAYERS: dict[str, int] = {"direct": 8, "looped": 2, "ar": 3, "mdlm": 4, "d3pm": 4}
#: HRM's architecture in every preset: two 4-layer modules, 2 high-level cycles of 2 low-level steps
HRM_SETTINGS: dict[str, Any] = {"share_weights": False, "n_layers": 4, "T": 2, "K": 2}

_BIG = 10**9  # sane upper bound for counts (steps, instances, samples)


def _f(default: Any, group: str, help: str, *, choices: tuple[str, ...] | None = None,
       lo: float | None = None, hi: float | None = None, lo_open: bool = False) -> Any:
    """A dataclass field with its group, help line and allowed values in the metadata."""
    meta = {"group": group, "help": help, "choices": choices, "lo": lo, "hi": hi, "lo_open": lo_open}
    if isinstance(default, (dict, list)):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass
class GRAMConfig:
    """Model + objective + training + inference settings; defaults are the paper's where it gives one."""

    # ---------------------------------------------------------------- model
    model: str = _f("gram", "model", "gram (stochastic guidance), trm (deterministic), hrm, or a baseline: direct, "
                    "looped, ar, mdlm or d3pm", choices=MODELS)
    d_model: int = _f(512, "model", "width D of the latent states and the reasoning network", lo=1, hi=16384)
    n_heads: int = _f(8, "model", "attention heads (d_model must be divisible by it)", lo=1, hi=256)
    n_layers: int = _f(2, "model", "blocks per reasoning module (a baseline: its transformer's depth)", lo=1, hi=64)
    ffn_expansion: float = _f(4.0, "model", "SwiGLU hidden width as a multiple of d_model", lo=0.0, hi=64.0,
                              lo_open=True)
    mixer: str = _f("attn", "model", "token mixing: attn (RoPE self-attention) or mlp (MLP-mixer, Sudoku)",
                    choices=("attn", "mlp"))
    rope_theta: float = _f(10000.0, "model", "RoPE base frequency", lo=0.0, hi=1e9, lo_open=True)
    share_weights: bool = _f(True, "model", "f_L and f_H are one network (as TRM)")
    puzzle_emb_len: int = _f(0, "model", "prefix tokens of the puzzle-identifier embedding (ARC); 0 = none",
                             lo=0, hi=1024)
    num_puzzle_ids: int = _f(1, "model", "rows of the puzzle-identifier table (set from the data with a prefix)",
                             lo=1, hi=10**8)
    norm_eps: float = _f(1e-5, "model", "RMSNorm epsilon", lo=0.0, hi=1.0, lo_open=True)
    decoder: str = _f("linear", "model", "answer decoder: linear or swiglu", choices=("linear", "swiglu"))
    T: int = _f(3, "model", "transitions per supervision step", lo=1, hi=64)
    K: int = _f(4, "model", "low-level steps per transition", lo=1, hi=64)
    n_sup: int = _f(16, "model", "supervision steps in training (the default inference depth)", lo=1, hi=1024)
    guidance_hidden: int = _f(512, "model", "hidden width of each mu/sigma guidance head", lo=1, hi=16384)
    sigma_param: str = _f("sigmoid", "model", "sigma = floor + f(raw) with f sigmoid (bounded), softplus or exp",
                          choices=("sigmoid", "softplus", "exp"))
    sigma_min: float = _f(1e-3, "model", "sigma floor; keeps log-sigma and the KL finite", lo=0.0, hi=1e3,
                          lo_open=True)
    sigma_max: float = _f(1.0, "model", "sigma ceiling (sigmoid only)", lo=0.0, hi=1e3, lo_open=True)
    sigma_init: float = _f(0.1, "model", "sigma at initialisation (mu starts at 0)", lo=0.0, hi=1e3, lo_open=True)
    posterior_input: str = _f("add", "model", "how the answer enters the posterior: add or concat",
                              choices=("add", "concat"))
    guidance_mode: str = _f("full", "model", "full, zero_mean (mu = 0) or zero_var (sigma = 0) ablations",
                            choices=("full", "zero_mean", "zero_var"))
    start_noise: float = _f(0.0, "model", "std of Gaussian noise added to each trajectory's start state (GRAM)",
                            lo=0.0, hi=1e3)
    loops: int = _f(8, "model", "looped: applications of its block per forward pass (and the default at inference)",
                    lo=1, hi=1024)
    diffusion_steps: int = _f(32, "model", "mdlm: unmasking steps when sampling (the default of solve/evaluate); "
                              "d3pm: its T", lo=1, hi=4096)

    # ---------------------------------------------------------------- objective
    beta: float = _f(0.07, "objective", "KL weight (per task: PAPER_BETA)", lo=0.0, hi=1e4)
    kl_balance: float = _f(0.8, "objective", "alpha of the balanced KL alpha*KL(sg(q)||p) + (1-alpha)*KL(q||sg(p))",
                           lo=0.0, hi=1.0)
    kl_reduce: str = _f("elbo", "objective", "KL reduction next to the token-mean CE: elbo (the paper's ELBO per "
                        "token), sum, token_mean or mean", choices=("elbo", "sum", "token_mean", "mean"))
    free_bits: float = _f(0.0, "objective", "per-token KL floor in nats (0 = none, as the paper)", lo=0.0, hi=1e3)
    train_rollout: str = _f("posterior", "objective", "sample the CE trains: posterior (the paper) or prior "
                            "(the prior sample itself, no KL)", choices=("posterior", "prior"))
    target: str = _f("label", "objective", "answer a row is scored against: label, nearest (the closest valid "
                     "completion) or matched (groups matched to drawn ones)",
                     choices=("label", "nearest", "matched"))
    target_permutations: bool = _f(True, "objective", "label-symmetric tasks: targets may be any colour "
                                   "permutation of a stored solution")
    match_group: int = _f(4, "objective", "target=matched: slots per group sharing one input", lo=2, hi=16)
    match_draw: str = _f("uniform", "objective", "target=matched: completions assigned by uniform draw, spread "
                         "or imle", choices=("uniform", "spread", "imle"))
    loss_type: str = _f("softmax", "objective", "CE over softmax (fp32) or stablemax (TRM)",
                        choices=("softmax", "stablemax"))
    halt_weight: float = _f(0.5, "objective", "BCE weight of the halting head", lo=0.0, hi=1e3)
    value_weight: float = _f(0.5, "objective", "MSE weight of the LPRM value head", lo=0.0, hi=1e3)
    aux_rollout: str = _f("prior_last", "objective", "state the halting/value heads read: prior_last (a prior "
                          "sample) or posterior", choices=("posterior", "prior_last"))
    lprm_target: str = _f("solution", "objective", "value-head target: solution (any valid answer), exact (the "
                          "label) or token_acc", choices=("solution", "exact", "token_acc"))
    max_solutions: int = _f(256, "objective", "stored solutions kept per input for validity targets", lo=1,
                            hi=10**6)

    # ---------------------------------------------------------------- training
    dataset_kwargs: dict[str, Any] = _f({}, "training", "keyword arguments of env.dataset (e.g. ARC "
                                        "{\"num_variants\": 8}); a JSON object")
    batch_size: int = _f(768, "training", "global batch of slots (split over ranks)", lo=1, hi=10**7)
    lr: float = _f(1e-4, "training", "AdamW learning rate", lo=0.0, hi=10.0)
    lr_warmup_steps: int = _f(2000, "training", "linear warmup steps, then constant (or cosine)", lo=0, hi=_BIG)
    lr_min_ratio: float = _f(1.0, "training", "cosine floor as a share of lr; 1.0 = constant after warmup",
                             lo=0.0, hi=1.0)
    weight_decay: float = _f(1.0, "training", "AdamW decoupled weight decay", lo=0.0, hi=1e3)
    betas: tuple[float, float] = _f((0.9, 0.95), "training", "AdamW betas, two numbers in [0, 1)")
    grad_clip: float = _f(1.0, "training", "gradient-norm clip (0 = off)", lo=0.0, hi=1e6)
    ema: float = _f(0.9999, "training", "EMA decay of the evaluated weights (0 = off)", lo=0.0, hi=1.0)
    train_halting: bool = _f(True, "training", "halted slots refill from the data during training (TRM carry)")
    halt_explore_prob: float = _f(0.1, "training", "chance a slot gets a random minimum step count", lo=0.0, hi=1.0)
    max_steps: int = _f(0, "training", "optimiser steps (0 = until the time budget or epochs)", lo=0, hi=10**12)
    epochs: float = _f(0.0, "training", "stop after this many epochs of training rows (0 = unused)", lo=0.0,
                       hi=1e9)
    seed: int = _f(0, "training", "seed of data order, noise and initialisation", lo=0, hi=2**63 - 1)
    init_from: str = _f("", "training", "checkpoint folder whose weights start this run (fine-tuning); "
                        "\"\" = random init")
    puzzle_emb_lr: float = _f(1e-2, "training", "SignSGD lr of the puzzle embeddings", lo=0.0, hi=10.0)
    puzzle_emb_weight_decay: float = _f(0.1, "training", "weight decay of the puzzle embeddings", lo=0.0, hi=1e3)
    dtype: str = _f("bfloat16", "training", "autocast dtype on CUDA, training and inference (CPU is fp32)",
                    choices=("bfloat16", "float16", "float32"))
    compile: bool = _f(True, "training", "torch.compile the supervision step on CUDA")
    compile_mode: str = _f("default", "training", "torch.compile mode",
                           choices=("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs"))
    log_every: int = _f(50, "training", "steps between metric read-backs (the only host syncs)", lo=1, hi=_BIG)
    eval_every: int = _f(0, "training", "steps between scorings on training inputs that choose best/ (0 = none)",
                         lo=0, hi=_BIG)
    select_instances: int = _f(1000, "training", "training inputs scored to choose best/", lo=1, hi=_BIG)
    checkpoint_every_s: float = _f(120.0, "training", "seconds between last/ checkpoints", lo=0.0, hi=1e9)
    snapshot_every: int = _f(0, "training", "steps between saved snapshots (a multiple of log_every; 0 = none)",
                             lo=0, hi=_BIG)
    snapshot_from: int = _f(0, "training", "first step that may be snapshotted", lo=0, hi=10**12)

    # ---------------------------------------------------------------- inference
    eval_samples: int = _f(20, "inference", "samples per input in train's evaluations and Agent.act (0: none in train)",
                           lo=0, hi=10**6)
    eval_instances: int = _f(0, "inference", "test inputs in the final evaluation (0 = the whole split)",
                             lo=0, hi=_BIG)
    eval_batch: int = _f(4096, "inference", "trajectories per forward pass at evaluation", lo=1, hi=10**8)
    eval_views: int = _f(0, "inference", "ARC: augmented views per test input voted over in evaluate (<= "
                         "num_variants; 0 = no voting)", lo=0, hi=10**6)

    # ------------------------------------------------------------------
    def __post_init__(self) -> None:
        if isinstance(self.betas, list):
            self.betas = tuple(self.betas)  # JSON round trip gives a list
        for f in dataclasses.fields(self):
            setattr(self, f.name, _checked(f, getattr(self, f.name)))
        self._check_together()

    def _check_together(self) -> None:
        """Rules that span several fields."""
        gram_only = {  # option in use -> (its name, why TRM cannot take it)
            "target='matched'": (self.target == "matched", "it matches distinct prior samples to completions"),
            "train_rollout='prior'": (self.train_rollout == "prior", "TRM has no prior to sample"),
            "start_noise": (self.start_noise > 0, "TRM's samples are one deterministic path"),
        }
        for what, (used, why) in gram_only.items():
            if used and self.model != "gram":
                raise ValueError(f"{what} needs model='gram' ({why})")
        if self.model in BASELINES and self.target != "label":
            raise ValueError(f"target={self.target!r} needs model 'gram' or 'trm'; the baseline {self.model!r} "
                             "trains on the row's label (target='label')")
        if self.model == "hrm" and self.share_weights:
            raise ValueError("model 'hrm' has two modules, f_L and f_H: share_weights must be false")
        if self.model in ("ar", "d3pm") and self.mixer != "attn":
            raise ValueError(f"model {self.model!r} needs mixer='attn' (its blocks are attention blocks), "
                             f"got {self.mixer!r}")
        # the uniform draw tries all match_group! orders; spread and IMLE go slot by slot or draw by draw
        most = 6 if self.match_draw == "uniform" else 16
        if not 2 <= self.match_group <= most:
            raise ValueError(f"match_group must lie in [2, {most}] under match_draw={self.match_draw!r}"
                             + (" (match_group! orders are tried)" if most == 6 else "") + f", got {self.match_group}")
        if self.target == "matched" and self.batch_size % self.match_group:
            raise ValueError(f"batch_size={self.batch_size} must be divisible by match_group={self.match_group}")
        if self.snapshot_every % self.log_every:
            raise ValueError(f"snapshot_every={self.snapshot_every} must be a multiple of log_every={self.log_every} "
                             "(snapshots are taken at the logging steps, where the host syncs)")
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model={self.d_model} must be divisible by n_heads={self.n_heads}")
        if not self.sigma_min < self.sigma_max:
            raise ValueError(f"sigma_min={self.sigma_min} must be below sigma_max={self.sigma_max}")
        top = self.sigma_max if self.sigma_param == "sigmoid" else math.inf
        if not self.sigma_min < self.sigma_init <= top:
            raise ValueError(f"sigma_init={self.sigma_init} must lie in (sigma_min, "
                             + ("sigma_max]" if top < math.inf else "inf)") + f" = ({self.sigma_min}, {top}]")
        if self.ema >= 1.0:
            raise ValueError(f"ema must lie in [0, 1), got {self.ema}")

    @property
    def guided(self) -> bool:
        return self.model == "gram"

    @property
    def sup_steps(self) -> int:
        """Supervision steps a training row gets: ``n_sup`` for the recursive core, one pass for a baseline."""
        return self.n_sup if self.model in RECURSIVE else 1

    def replace(self, **kw: Any) -> GRAMConfig:
        _check_names(kw)
        return dataclasses.replace(self, **kw)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> GRAMConfig:
        """A config from stored JSON: removed options at their old default are dropped, any other
        unknown or removed field is refused by name."""
        if not isinstance(d, dict):
            raise ValueError(f"a config must be a JSON object, got {type(d).__name__}")
        kept = {k: v for k, v in d.items() if not (k in REMOVED and _same(v, REMOVED[k]))}
        _check_names(kept)
        return cls(**kept)

    def set(self, *assignments: str) -> GRAMConfig:
        """Apply ``name=value`` strings (CLI ``--set``), each parsed with its field's type, all in one
        replace, so fields checked together pass in any order; a name given twice takes its last value."""
        return self.replace(**dict(self._parse_assignment(a) for a in assignments))

    def _parse_assignment(self, assignment: str) -> tuple[str, Any]:
        """(field name, typed value) of one ``name=value`` string; unknown fields and bad values refused."""
        name, eq, raw = assignment.partition("=")
        name = name.strip()
        if not eq:
            raise ValueError(f"--set takes name=value, got {assignment!r}")
        _check_names({name: raw})
        cur = getattr(self, name)
        if isinstance(cur, bool):
            if raw.lower() not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
                raise ValueError(f"{name} takes true/false (or 1/0, yes/no, on/off), got {raw!r}")
            val: Any = raw.lower() in ("1", "true", "yes", "on")
        elif isinstance(cur, int):
            try:
                val = int(raw)
            except ValueError:
                raise ValueError(f"{name} takes an integer, got {raw!r}") from None
        elif isinstance(cur, float):
            try:
                val = float(raw)
            except ValueError:
                raise ValueError(f"{name} takes a number, got {raw!r}") from None
        elif isinstance(cur, tuple):
            try:
                val = tuple(float(v) for v in raw.split(","))
            except ValueError:
                raise ValueError(f"{name} takes numbers joined by commas, e.g. 0.9,0.95; got {raw!r}") from None
        elif isinstance(cur, dict):
            try:
                val = json.loads(raw)
            except json.JSONDecodeError:
                raise ValueError(f"{name} takes a JSON object, e.g. {name}='{{\"num_variants\": 8}}'; "
                                 f"got {raw!r}") from None
        else:
            val = raw
        return name, val


FIELDS: dict[str, dataclasses.Field] = {f.name: f for f in dataclasses.fields(GRAMConfig)}


def fields_by_group() -> dict[str, list[dataclasses.Field]]:
    """Config fields per group, in declaration order (for help texts and docs)."""
    out: dict[str, list[dataclasses.Field]] = {g: [] for g in GROUPS}
    for f in FIELDS.values():
        out[f.metadata["group"]].append(f)
    return out


def _same(a: Any, b: Any) -> bool:
    """Equal stored values (JSON ints and floats compare by value)."""
    return type(a) is type(b) and a == b or (
        isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and a == b)


def _check_names(kw: dict[str, Any]) -> None:
    """Refuse removed and unknown field names, the latter with the closest known name."""
    for name in kw:
        if name in FIELDS:
            continue
        if name in REMOVED:
            kept_at = REMOVED_AT.get(name, "the git tag pre-cleanup (commit 34a71a7)")
            raise ValueError(f"config field {name!r} (={kw[name]!r}) was removed; {kept_at} keeps the code that used it")
        near = difflib.get_close_matches(name, FIELDS, n=1)
        raise ValueError(f"unknown config field {name!r}" + (f"; did you mean {near[0]!r}?" if near else ""))


def _checked(f: dataclasses.Field, value: Any) -> Any:
    """``value`` if it has the field's type and lies in its range, else a ValueError naming the field."""
    name, meta, default = f.name, f.metadata, f.default if f.default is not dataclasses.MISSING else None
    if f.default is dataclasses.MISSING:
        default = f.default_factory()  # type: ignore[misc]
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be true or false, got {value!r}")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name} must be an integer, got {value!r}")
    elif isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"{name} must be a finite number, got {value!r}")
        value = float(value)
    elif isinstance(default, str):
        if not isinstance(value, str):
            raise ValueError(f"{name} must be a string, got {value!r}")
        if meta["choices"] and value not in meta["choices"]:
            near = difflib.get_close_matches(value, meta["choices"], n=1)
            raise ValueError(f"{name} must be one of {meta['choices']}, got {value!r}"
                             + (f"; did you mean {near[0]!r}?" if near else ""))
        return value
    elif isinstance(default, tuple):  # betas
        if (not isinstance(value, tuple) or len(value) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0.0 <= v < 1.0 for v in value)):
            raise ValueError(f"{name} must be two numbers in [0, 1), got {value!r}")
        return tuple(float(v) for v in value)
    elif isinstance(default, dict):
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise ValueError(f"{name} must be a JSON object (a dict with string keys), got {value!r}")
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be JSON-serialisable, got {value!r}") from None
        return value
    lo, hi = meta["lo"], meta["hi"]
    if lo is not None and (value <= lo if meta["lo_open"] else value < lo) or hi is not None and value > hi:
        left = "(" if meta["lo_open"] else "["
        raise ValueError(f"{name} must lie in {left}{lo:g}, {hi:g}], got {value!r}")
    return value


def check_env_id(env_id: str) -> str:
    """``env_id`` if gymnasium knows it (after registering the GRAM ids), else a ValueError with the
    closest registered id."""
    import gymnasium as gym

    import gram_envs  # noqa: F401  (registers the ids)

    if not isinstance(env_id, str):
        raise ValueError(f"env id must be a string such as 'GRAM/NQueens-8', got {env_id!r}")
    if env_id in gym.registry:
        return env_id
    ids = {i.lower(): i for i in sorted(gym.registry)}
    near = difflib.get_close_matches(env_id.lower(), ids, n=1, cutoff=0.75)
    hint = f"; did you mean {ids[near[0]]!r}?" if near else "; `gram list` shows the registered ids"
    raise ValueError(f"unknown env id {env_id!r}{hint}")


def _task_defaults(env_id: str | None) -> dict[str, Any]:
    kw: dict[str, Any] = {}
    if env_id is None:
        return kw
    if env_id in PAPER_BETA:
        kw["beta"] = PAPER_BETA[env_id]
    if "Sudoku" in env_id:
        kw.update(K=6, mixer="mlp")
    if "SudokuGen" in env_id:
        kw.update(ema=0.999)
    if "ARC" in env_id:
        kw.update(puzzle_emb_len=16)
    return kw


PRESETS = ("paper", "fast", "small", "tiny")
#: one line per preset, for ``gram train --help`` and the docs
PRESET_HELP: dict[str, str] = {
    "paper": "the paper's settings (D=512, batch 768, lr 1e-4, weight decay 1.0, EMA 0.9999); long GPU runs",
    "fast": "paper width, higher lr, short warmup, weight decay 0.1; GPU runs of minutes (the default)",
    "small": "D=256, batch 256, lr 2.5e-4; quick GPU runs (the N-Queens recipes use it)",
    "tiny": "D=64, T=2, K=2, N_sup=6, per-token KL with beta 0.3; CPU runs of a minute and tests",
}
#: KL scale of the tiny CPU preset (see ``preset``); the others keep the paper's beta
FAST_KL: dict[str, Any] = {"kl_reduce": "token_mean", "beta": 0.3}


def preset(name: str = "fast", env_id: str | None = None, model: str | None = None,
           **overrides: Any) -> GRAMConfig:
    """A named configuration for a task id and a model kind, or a recipe's configuration.

    ``name`` is a preset (``PRESET_HELP``) or a recipe name (``gram_agent.recipes.RECIPES``), which
    brings its own env id, model and overrides; ``overrides`` are config fields set on top.
    """
    from gram_agent.recipes import RECIPES

    if name in RECIPES:
        r = RECIPES[name]
        if env_id is not None and env_id != r.env_id:
            raise ValueError(f"recipe {name!r} trains {r.env_id}, got env id {env_id!r}")
        if model is not None and model != r.model:
            raise ValueError(f"recipe {name!r} trains model {r.model!r}, got model={model!r}")
        return preset(r.preset, r.env_id, r.model, **{**r.overrides, **overrides})
    if name not in PRESETS:
        options = list(PRESETS) + sorted(RECIPES)
        near = difflib.get_close_matches(str(name), options, n=1)
        raise ValueError(f"unknown preset or recipe {name!r}" + (f"; did you mean {near[0]!r}?" if near else "")
                         + f"; expected one of {options}")
    model = model or "gram"
    if env_id is not None:
        check_env_id(env_id)
    _check_names(overrides)
    kw: dict[str, Any] = {"model": model}
    kw.update(_task_defaults(env_id))
    if name == "fast":
        kw.update(lr=3e-4, lr_warmup_steps=300, weight_decay=0.1, ema=0.999, batch_size=768, kl_reduce="elbo")
    elif name == "small":
        kw.update(d_model=256, n_heads=4, guidance_hidden=256, lr=2.5e-4, lr_warmup_steps=200,
                  weight_decay=0.1, ema=0.999, batch_size=256, eval_batch=2048, kl_reduce="elbo")
    elif name == "tiny":
        kw.update(FAST_KL)
        kw.update(d_model=64, n_heads=2, guidance_hidden=64, T=2, K=2, n_sup=6, lr=2e-3,
                  lr_warmup_steps=20, weight_decay=0.01, ema=0.0, batch_size=64, compile=False,
                  log_every=10, eval_samples=10, eval_batch=1024, checkpoint_every_s=60.0)
    if model == "trm" and name == "paper":
        kw["ema"] = 0.999  # TRM's EMA
    if model == "hrm":
        kw.update(HRM_SETTINGS)
    if model in BASELINE_LAYERS:
        kw["n_layers"] = BASELINE_LAYERS[model]
        if model in ("ar", "d3pm"):
            kw["mixer"] = "attn"
        if name == "tiny":
            kw["loops"] = 3
    if model == "gram" and name in ("fast", "small"):
        kw["target"] = "nearest"  # the GRAM objective these presets train (docs/agent.md says why)
    kw.update(overrides)
    return GRAMConfig(**kw)
