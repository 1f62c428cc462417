"""``GRAMConfig``: every architecture, objective and training choice as one flat dataclass.

The GRAM paper (arXiv:2605.19376) leaves several choices open (GRAM_PAPER_NOTES.md section 7).
Each is a field here with the default we chose and the reason next to it, so an ablation is
a flag (``GRAMConfig(sigma_param="sigmoid")`` or ``--set sigma_param=sigmoid`` on the CLI).
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from typing import Any

#: paper's KL weight per task (GRAM_PAPER_NOTES.md section 2)
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


@dataclass
class GRAMConfig:
    """Model + objective + optimiser + run settings. Defaults are the paper's where it gives one."""

    # ---- which model
    model: str = "gram"  #: "gram" (learned guidance) or "trm" (deterministic: guidance off)

    # ---- architecture (paper App. B.1; TRM for what GRAM inherits)
    d_model: int = 512
    n_heads: int = 8
    n_layers: int = 2  #: blocks per reasoning module (2 in every reimplementation, as TRM)
    ffn_expansion: float = 4.0  #: SwiGLU hidden = round(expansion*d*2/3) up to a multiple of 64 (TRM rule)
    mixer: str = "attn"  #: "attn" (RoPE self-attention) or "mlp" (MLP-mixer token mixing, Sudoku)
    rope_theta: float = 10000.0
    share_weights: bool = True  #: f_L and f_H are one network (TRM; its ablation: separate nets are worse)
    puzzle_emb_len: int = 0  #: prefix tokens (16 on ARC); 0 elsewhere: Table 6 has no puzzle emb for N-Queens
    #: rows of the puzzle-identifier embedding; with a prefix it is set from the training set's
    #: ``info["num_puzzle_identifiers"]`` (ARC: 1 + tasks x variants; row 0 is padding)
    num_puzzle_ids: int = 1
    #: puzzle embeddings train by sparse SignSGD on the rows a batch uses (TRM: lr 1e-2 on ARC,
    #: decoupled weight decay 0.1), outside AdamW and EMA; the lr follows the main warmup. The
    #: gradient is dense: under DDP the whole fp32 table is all-reduced each step (1000 variants,
    #: D=512: 1.6 GB on ARC-1, 2.3 GB on ARC-2), where TRM gathers only the used rows; fine on one
    #: GPU, slow across several.
    puzzle_emb_lr: float = 1e-2
    puzzle_emb_weight_decay: float = 0.1
    norm_eps: float = 1e-5
    decoder: str = "linear"  #: "linear" (Table 4) or "swiglu" (B.1 text); Linear is cheaper and matched TRM

    # ---- recursion
    T: int = 3  #: transitions per supervision step
    K: int = 4  #: low-level steps per transition (6 on Sudoku)
    n_sup: int = 16  #: supervision steps (training horizon; inference may go deeper)

    # ---- guidance (GRAM only)
    guidance_hidden: int = 512  #: hidden width of each mu/sigma SwiGLU head (paper: D_h = 512)
    #: "sigmoid" (bounded by sigma_max, as [W]) | "softplus" | "exp": sigma = floor + f(raw). Sigmoid because
    #: with softplus sigma grew to 1.5-2 on NQ5 (CPU) and prior samples got worse as training went on.
    sigma_param: str = "sigmoid"
    sigma_min: float = 1e-3  #: floor keeps log-sigma and the KL finite
    sigma_max: float = 1.0  #: upper bound, used by "sigmoid" only
    sigma_init: float = 0.1  #: sigma at init (output projections are zero-initialised, so mu=0)
    posterior_input: str = "add"  #: how y enters q: "add" (u + Embed(y)) or "concat" (Linear([u, Embed(y)]))
    #: which transitions of a training supervision step sample from the posterior: "last" (only the
    #: one whose KL is in the loss; earlier ones from the prior) or "all" (the literal reading of
    #: "trajectories from the posterior"). With "all", y can enter through transitions whose KL is
    #: never paid (no loss term sees them), so the core learns to rely on information the prior
    #: cannot supply at test time; "last" makes every nat of y that reaches the state pay its KL.
    posterior_transitions: str = "last"
    #: which sample of the last transition the CE trains (not in the paper, whose objective is
    #: "posterior"): "prior" trains the prior sample h = u + mu_p + sigma_p * eps itself (gradients
    #: reach mu_p and sigma_p through eps), with no posterior and no KL. Paired with a target chosen
    #: from that same sample ("nearest", or "matched" with ``match_draw="imle"``) nothing can carry
    #: the answer past the prior, so the only way to fit a drawn completion is for the prior's noise
    #: to select it (IMLE in its original form, the generator trained on its own samples). Measured
    #: on the colourings (benchmarks/RESULTS.md): with "nearest", the highest coverage at about 98%
    #: accuracy here once sampled with hot or random starts (``start_noise``); with IMLE it did not learn.
    train_rollout: str = "posterior"
    #: std of fresh Gaussian noise added to the high-level state h at the start of every trajectory
    #: (each refilled training slot and each inference sample), on top of the fixed z0 (not in the
    #: paper). With a target chosen from the model's own sample, training then starts from the random
    #: states that a hot-start schedule reaches at inference, and learns to settle each on a valid
    #: answer; unlike ``hot_start_temperature`` its scale is fixed, so the model cannot shrink its
    #: sigma to escape it. 0 = off (z0 alone).
    start_noise: float = 0.0
    guidance_mode: str = "full"  #: "full" | "zero_mean" (mu=0, learned sigma) | "zero_var" (sigma=0, learned mu)

    # ---- objective
    beta: float = 0.07  #: KL weight (per task: PAPER_BETA)
    kl_balance: float = 0.8  #: alpha in alpha*KL(sg(q)||p) + (1-alpha)*KL(q||sg(p)) (Dreamer)
    #: How the KL is reduced next to the token-mean CE (``guidance.reduce_kl``). "elbo": summed over
    #: positions and D, divided by the answer-token count, so CE + beta*KL is the paper's ELBO
    #: (eq. 13/14: summed log-likelihood, summed KL) per answer token and beta keeps the paper's
    #: meaning. The earlier default "sum" (no division) priced each nat of KL L times higher
    #: (4.5 per nat on NQ8); on the H200 it collapsed the posterior (sigma stayed at its init, KL
    #: ~0.02, zero-variance ablation at 90.8% instead of the paper's 0.0: results/table1/s1-call3/). With
    #: the paper's label target it is the more accurate at minutes-long budgets (see ``preset``).
    kl_reduce: str = "elbo"
    free_bits: float = 0.0  #: per-token KL floor in nats (paper: none)
    #: KL weight schedule (not in the paper, which states none): beta moves geometrically from
    #: ``beta_start`` to ``beta`` over ``beta_anneal_steps`` optimiser steps, then stays. A high start
    #: keeps the posterior closed while the core learns to solve; 0 disables the schedule.
    beta_start: float = 0.0
    beta_anneal_steps: int = 0
    #: weight of an extra CE on the prior sample of the last transition (the aux heads' sample), scored
    #: against the nearest valid answer (min over the instance's stored solutions, and over colour
    #: permutations where labels are symmetric), so the prior path is trained to land on *a* solution
    #: without averaging them. Not in the paper (0 = off, the paper's objective).
    prior_ce_weight: float = 0.0
    #: which answer a training row is scored against (CE, and the posterior's y): "label" (the row's
    #: stored label; the paper) or "nearest" (the valid answer closest, by token NLL, to the model's own
    #: prediction at that step: its prior sample for GRAM, its output for TRM; min over the instance's
    #: stored solutions and label permutations). Not in the paper: on inputs with several completions a
    #: fixed random label pulls a model towards their average; "nearest" scores whichever completion the
    #: trajectory is heading for. "matched": see ``match_group``.
    target: str = "label"
    #: under ``target="nearest"``: the chance that a slot is scored against the nearest completion at a
    #: step (drawn per slot and step); the others keep the row's label, which keeps the posterior
    #: encoding every completion. 1.0 = always the nearest.
    nearest_prob: float = 1.0
    #: on label-symmetric tasks (the colourings), whether the nearest / matched / prior-CE targets may
    #: be any colour permutation of a stored canonical colouring (True) or only the canonical form
    #: itself (False; the paper's labels are canonical). With permutations allowed, a sampled latent
    #: can spend its choice on colour names (6 equivalent answers, log 6 = 1.8 nats) instead of on
    #: which distinct colouring to give, which coverage counts. Not in the paper.
    target_permutations: bool = True
    #: the training counterpart of a hot-start sampling schedule (not in the paper): in the first
    #: ``hot_start_steps`` supervision steps of each slot the prior's noise (its transitions and the
    #: sample that picks the nearest target) is scaled by ``hot_start_temperature``; the posterior's
    #: is not. Under ``target="nearest"`` the model is then trained to settle wherever a hot start
    #: heads, on a valid completion, rather than to be robust to its noise. 0 steps = off.
    hot_start_steps: int = 0
    hot_start_temperature: float = 1.0
    #: ``target="matched"`` (GRAM only; not in the paper): slots come in groups of ``match_group`` that
    #: share one input and halt together; each step draws one completion per slot uniformly from the
    #: input's stored solutions and assigns the drawn completions to the group's prior samples by the
    #: cheapest one-to-one matching (token NLL, all match_group! orders tried on the device). Like
    #: "nearest" no sample is pulled towards an average of completions, but unlike it every completion
    #: is drawn as often as any other, so the prior is pushed to spread its samples over all of them
    #: (minibatch optimal transport between prior samples and the completion distribution). Measured:
    #: under the posterior objective it and "spread" lowered accuracy on every task tried
    #: (benchmarks/RESULTS.md); a target that does not follow the prior sample lets the posterior carry
    #: the answer, as the label target does. Under prior-sample training with random starts, "spread"
    #: in larger groups covers more: on GC8 graphs of edge probability 0.5, one leg from one start in
    #: groups of 4 or 8 reached 79.1 or 83.1% coverage@20, and two further legs in groups of 16 86.1%,
    #: at 98.9-99.6% per-sample accuracy (results/table1/s10-call1 to s10-call3). Those legs started
    #: from a trained groups-of-4 model: from scratch, groups of 16 collapsed (s11-call1, s11-call2).
    #: Groups cut the graphs per batch (batch_size / match_group), and that alone slows learning: on
    #: CPU GC6 with the nearest target throughout, 72.1 / 42.0 / 10.9% accuracy without groups / in
    #: groups of 4 / of 16 after 2,000 steps; with training halting off 55.7 / - / 6.3; at batch 256
    #: - / 82.3 / 47.9 (results/cpu_gc6_mode_collapse_groups*.json). So scale the batch with the group.
    match_group: int = 4
    #: which completions a matched group is assigned: "uniform" (one drawn per slot, matched one-to-one
    #: as above) or "spread" (no draw: slot by slot, each takes its nearest completion among those its
    #: group has used fewer than ceil(match_group / n) times, n the input's completions; so the group's
    #: samples are pushed onto min(match_group, n) distinct completions, each near where a sample is),
    #: or "imle" (implicit maximum likelihood: each drawn completion pulls only the group's sample
    #: nearest to it, the other samples keep their own nearest completion, so every completion keeps
    #: a sample near it while most samples are scored where they already are).
    match_draw: str = "uniform"
    #: under ``target="matched"``: the chance that a slot is scored against its matched completion at
    #: a step (drawn per slot and step); the others take their own nearest completion, as under
    #: "nearest". A small share of IMLE pulls towards drawn completions, beside the nearest target, is
    #: meant to reach completions the model never visits (which the nearest target alone never
    #: trains towards). 1.0 = always the matched one. Not in the paper. Measured only on the CPU
    #: (GC6, 0.1 with random starts: below random starts alone; benchmarks/RESULTS.md).
    match_prob: float = 1.0
    #: under ``target="matched"``: the matched share rises linearly from 0 to ``match_prob`` over the
    #: first ``match_ramp_steps`` optimiser steps (the nearest target before). Why: the spread target
    #: on every slot from the start has an early plateau (GC8, edge probability 0.5: one seed left it
    #: near step 8k, the other was still on it at 16k; results/table1/s9-call1, s9-call2), while the
    #: nearest target learns valid colourings within 2k steps. 0 = off. Not in the paper. Measured
    #: only on the CPU (GC6, ramp over 1000 steps): more accurate at 2000 steps, but at 4000 spread from
    #: the start was as accurate and covered more (benchmarks/RESULTS.md).
    match_ramp_steps: int = 0
    #: under ``target="matched"``: optimiser steps of the nearest target alone before the ramp above
    #: begins, so the model learns valid answers first. Why: spread in groups of 16, ramped in from
    #: step 0 over 8k steps, collapsed (GC8, edge probability 0.5: 1.2% of samples valid after 48k
    #: steps, results/table1/s11-call1), while the nearest target alone is 100% valid within 19k
    #: steps (s9-call1, s9-call2). 0 = the ramp starts at step 0. Not in the paper. Measured: it did
    #: not save groups of 16 (5k steps nearest, a 5k ramp: 11.3% and 9.4% valid after 25k steps on 2
    #: seeds, s11-call2); even its nearest-only steps learned far slower in groups of 16 than the
    #: nearest target without groups.
    match_ramp_start: int = 0
    loss_type: str = "softmax"  #: "softmax" CE (fp32) or "stablemax" (TRM)
    halt_weight: float = 0.5  #: BCE weight of the halting head (TRM's 0.5)
    value_weight: float = 0.5  #: MSE weight of the LPRM value head
    aux_rollout: str = "prior_last"  #: aux heads read "posterior" h or a "prior_last" sample at the last transition
    lprm_target: str = "solution"  #: r = 1[prediction is any valid solution] | "exact" (the row label) | "token_acc"
    max_solutions: int = 256  #: solutions kept per instance for on-device validity targets
    #: keyword arguments for ``env.dataset(split, ...)`` (e.g. ARC ``{"num_variants": 8}``); JSON-safe
    dataset_kwargs: dict[str, Any] = field(default_factory=dict)

    # ---- training
    batch_size: int = 768  #: global batch (split over ranks)
    lr: float = 1e-4
    lr_warmup_steps: int = 2000  #: linear warmup, then constant (TRM's effective schedule)
    lr_min_ratio: float = 1.0  #: cosine floor; 1.0 = constant after warmup
    weight_decay: float = 1.0
    betas: tuple[float, float] = (0.9, 0.95)  #: TRM's
    grad_clip: float = 1.0
    ema: float = 0.9999  #: 0 disables EMA
    train_halting: bool = True  #: ACT during training: halted slots refill from the data (TRM carry)
    halt_explore_prob: float = 0.1  #: chance a slot gets a random minimum step count (TRM)
    max_steps: int = 0  #: optimiser steps (0: until the time budget / epochs)
    epochs: float = 0.0  #: alternative stop: epochs of training rows (0: unused)
    seed: int = 0
    #: checkpoint folder (``<checkpoint_dir>/last`` or ``best``, or a packed ``ckpt``) whose weights start
    #: this run: fine-tuning a trained model under another objective (e.g. the label target after the
    #: nearest one). The optimiser, counters and data order start fresh; the architecture must match.
    #: Ignored once the run has its own checkpoint to resume from. "" = random initialisation.
    init_from: str = ""

    # ---- runtime
    dtype: str = "bfloat16"  #: autocast dtype on CUDA (CPU always fp32)
    compile: bool = True  #: torch.compile the supervision step on CUDA
    compile_mode: str = "default"  #: torch.compile mode ("default", "reduce-overhead" = CUDA graphs, "max-autotune")
    log_every: int = 50  #: host sync for metrics only every this many steps
    #: optimiser steps between evaluations on the first ``select_instances`` *training* inputs, which
    #: choose ``best/`` (0: none). The test split is scored only at the end (``eval_at_end``) and never
    #: chooses a checkpoint: a model picked on test inputs would report an optimistic test score
    eval_every: int = 0
    select_instances: int = 1000
    eval_samples: int = 20
    eval_instances: int = 0  #: 0 = whole test split
    eval_batch: int = 4096  #: trajectories per forward at evaluation
    checkpoint_every_s: float = 120.0
    #: every this many optimiser steps (a multiple of ``log_every``; 0 = never), from step
    #: ``snapshot_from`` on, ``train(..., snapshot_dir=D)`` saves the eval model as an Agent under
    #: ``D/step<N>``. Why: a GC8 colouring model's coverage moves by 1-3 points from one leg's end to the
    #: next, mostly on graphs with few colourings (results/gc8_p0.5_s13_coverage_gap.json), so picking
    #: among a leg's snapshots by coverage on *training* inputs (benchmarks/select_snapshot.py) is model
    #: selection that looks at no test input
    snapshot_every: int = 0
    snapshot_from: int = 0

    extra: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------
    def __post_init__(self) -> None:
        self.betas = tuple(self.betas)  # JSON round trip gives a list
        choices = {
            "model": ("gram", "trm"),
            "mixer": ("attn", "mlp"),
            "decoder": ("linear", "swiglu"),
            "sigma_param": ("softplus", "sigmoid", "exp"),
            "posterior_input": ("add", "concat"),
            "guidance_mode": ("full", "zero_mean", "zero_var"),
            "posterior_transitions": ("last", "all"),
            "train_rollout": ("posterior", "prior"),
            "kl_reduce": ("elbo", "sum", "token_mean", "mean"),
            "loss_type": ("softmax", "stablemax"),
            "target": ("label", "nearest", "matched"),
            "match_draw": ("uniform", "spread", "imle"),
            "aux_rollout": ("posterior", "prior_last"),
            "lprm_target": ("solution", "exact", "token_acc"),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {getattr(self, name)!r}")
        if self.prior_ce_weight > 0 and (self.aux_rollout != "prior_last" or self.model != "gram"):
            raise ValueError("prior_ce_weight needs model='gram' and aux_rollout='prior_last' (its prior sample)")
        gram_only = {  # option in use -> (its name, why TRM cannot take it)
            "target='matched'": (self.target == "matched", "it matches distinct prior samples to completions"),
            "train_rollout='prior'": (self.train_rollout == "prior", "TRM has no prior to sample"),
            "start_noise": (self.start_noise > 0, "TRM's samples are one deterministic path"),
            "hot_start_steps": (self.hot_start_steps > 0, "it scales the prior's noise"),
        }
        for what, (used, why) in gram_only.items():
            if used and self.model != "gram":
                raise ValueError(f"{what} needs model='gram' ({why})")
        # the uniform draw tries all match_group! orders; spread and IMLE go slot by slot or draw by draw
        most = 6 if self.match_draw == "uniform" else 16
        if not 2 <= self.match_group <= most:
            raise ValueError(f"match_group must lie in [2, {most}] under match_draw={self.match_draw!r}"
                             + (" (match_group! orders are tried)" if most == 6 else "") + f", got {self.match_group}")
        if self.target == "matched" and self.batch_size % self.match_group:
            raise ValueError(f"batch_size={self.batch_size} must be divisible by match_group={self.match_group}")
        if not (self.start_noise >= 0 and math.isfinite(self.start_noise)):
            raise ValueError(f"start_noise must be a finite value >= 0, got {self.start_noise}")
        if self.hot_start_steps < 0 or not self.hot_start_temperature > 0:
            raise ValueError(f"hot_start_steps must be >= 0 and hot_start_temperature > 0, got "
                             f"{self.hot_start_steps}, {self.hot_start_temperature}")
        for name in ("match_ramp_steps", "match_ramp_start"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
            if getattr(self, name) and self.target != "matched":
                raise ValueError(f"{name} schedules the matched target's share; it needs target='matched', "
                                 f"got target={self.target!r}")
        for share in ("nearest_prob", "match_prob"):
            if not 0.0 <= getattr(self, share) <= 1.0:
                raise ValueError(f"{share} must lie in [0, 1], got {getattr(self, share)}")
        if self.beta_start < 0 or self.beta_anneal_steps < 0:
            raise ValueError(f"beta_start and beta_anneal_steps must be >= 0, got {self.beta_start}, "
                             f"{self.beta_anneal_steps}")
        if not isinstance(self.dataset_kwargs, dict):
            raise ValueError(f"dataset_kwargs must be a dict, got {type(self.dataset_kwargs).__name__}")
        if self.select_instances < 1:
            raise ValueError(f"select_instances must be >= 1 (training inputs scored to choose best/), got "
                             f"{self.select_instances}")
        if self.snapshot_every < 0 or self.snapshot_from < 0:
            raise ValueError(f"snapshot_every and snapshot_from must be >= 0, got {self.snapshot_every}, "
                             f"{self.snapshot_from}")
        if self.snapshot_every % max(self.log_every, 1):
            raise ValueError(f"snapshot_every={self.snapshot_every} must be a multiple of log_every={self.log_every} "
                             "(snapshots are taken at the logging steps, where the host syncs)")
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model={self.d_model} must be divisible by n_heads={self.n_heads}")

    @property
    def guided(self) -> bool:
        return self.model == "gram"

    def beta_at(self, step: int) -> float:
        """KL weight at an optimiser step (the ``beta_start`` -> ``beta`` geometric schedule)."""
        if self.beta_start <= 0 or self.beta_anneal_steps <= 0 or step >= self.beta_anneal_steps:
            return self.beta
        frac = step / self.beta_anneal_steps
        return self.beta_start * (self.beta / self.beta_start) ** frac

    @property
    def match_share_varies(self) -> bool:
        """Whether ``match_prob_at`` can be below 1 at some step (then the trainer draws which slots
        take their own nearest completion instead)."""
        return self.match_prob < 1.0 or self.match_ramp_steps > 0 or self.match_ramp_start > 0

    def match_prob_at(self, step: int) -> float:
        """The matched target's share at an optimiser step: 0 before ``match_ramp_start``, then
        rising linearly to ``match_prob`` over ``match_ramp_steps``."""
        step -= self.match_ramp_start
        if step < 0:
            return 0.0
        if self.match_ramp_steps <= 0 or step >= self.match_ramp_steps:
            return self.match_prob
        return self.match_prob * step / self.match_ramp_steps

    def replace(self, **kw: Any) -> GRAMConfig:
        return dataclasses.replace(self, **kw)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> GRAMConfig:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})

    def set(self, *assignments: str) -> GRAMConfig:
        """Apply ``name=value`` strings (CLI ``--set``), each value parsed with its field's type, all in
        one replace: options checked together (match_group with match_draw) pass in any order; a name
        given twice takes its last value."""
        return self.replace(**dict(self._parse_assignment(a) for a in assignments))

    def _parse_assignment(self, assignment: str) -> tuple[str, Any]:
        """(field name, typed value) of one ``name=value`` string; unknown fields and bad values refused."""
        name, _, raw = assignment.partition("=")
        if not hasattr(self, name):
            raise ValueError(f"unknown config field {name!r}")
        cur = getattr(self, name)
        if isinstance(cur, bool):
            if raw.lower() not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
                raise ValueError(f"{name} takes true/false (or 1/0, yes/no, on/off), got {raw!r}")
            val: Any = raw.lower() in ("1", "true", "yes", "on")
        elif isinstance(cur, int):
            val = int(raw)
        elif isinstance(cur, float):
            val = float(raw)
        elif isinstance(cur, tuple):
            val = tuple(float(v) for v in raw.split(","))
        elif isinstance(cur, dict):
            try:
                val = json.loads(raw)
            except json.JSONDecodeError as e:
                raise ValueError(f"{name} takes a JSON object, e.g. {name}='{{\"num_variants\": 8}}'; got {raw!r}") from e
            if not isinstance(val, dict):
                raise ValueError(f"{name} takes a JSON object, got {raw!r}")
        else:
            val = raw
        return name, val


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
#: KL scale of the tiny CPU preset (see ``preset``); the others keep the paper's beta
FAST_KL: dict[str, Any] = {"kl_reduce": "token_mean", "beta": 0.3}


def preset(name: str = "fast", env_id: str | None = None, model: str = "gram", **overrides: Any) -> GRAMConfig:
    """A named configuration, adjusted for a task id and a model kind.

    - ``paper``: App. B (D=512, 8 heads, T=3, K=4/6, N_sup=16, batch 768, lr 1e-4, wd 1.0, EMA 0.9999).
    - ``fast``: paper width with a higher lr and short warmup, for runs of ~10 GPU minutes
      (NQ8's default); weight decay 0.1 because lr*wd would otherwise shrink weights 3x faster.
      GRAM's objective: the ELBO reading of the KL with the paper's beta, scored against the nearest
      valid completion (``target="nearest"``, not in the paper), the most accurate GRAM we measured at
      minutes-long budgets. NQ8 on the ``small`` preset, ~5 min, 2 seeds each (benchmarks/RESULTS.md,
      results/table1/s3-call1 and s3-call2): 98.7% +- 1.2 per-sample accuracy / 86.7% coverage@20, against
      the paper's label target: ELBO 37.0% +- 37.0 (one seed collapsed) / 38.7%, summed KL 84.7% / 74.9%.
      TRM keeps its own objective (the row's label): 84.1% / 72.7% (``target="nearest"``: 99.8% / 78.4%,
      one answer per input).
    - ``small``: D=256, for quick GPU sweeps and CPU demos of a few minutes; lr 2.5e-4 (5e-4 diverged
      to NaN on NQ8, benchmarks/results/table1_attempts/call2_small_lr5e-4); objective as ``fast``.
    - ``tiny``: D=64, 1-2 minute CPU runs and tests; per-token KL with beta 0.3 (``FAST_KL``), which won
      a CPU sweep on N-Queens 5/6 against 0.07 and 1.0 at this size.
    TRM (``model="trm"``) drops the guidance heads and uses TRM's EMA 0.999.
    """
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; expected one of {PRESETS}")
    kw: dict[str, Any] = {"model": model}
    kw.update(_task_defaults(env_id))
    if name == "paper":
        pass
    elif name == "fast":
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
        kw["ema"] = 0.999
    if model == "gram" and name in ("fast", "small"):
        kw["target"] = "nearest"
    kw.update(overrides)
    return GRAMConfig(**kw)
