"""The training jobs of the multi-solution table (``python -m experiments.run_table1 --jobs NAME ...``).

``SUITES`` names the runs of one paper table that share one GPU call: ``table1-<task>`` (paper Table 1:
GRAM, TRM and the five baselines, two seeds each) and ``table3-nq8`` (Table 3, the architecture
ablation on N-Queens 8x8); ``python -m experiments.run_table1 --suite NAME --out OUT`` runs one at
its budget ``TABLE_MINUTES``. The section "Paper tables" below says how each model is sized.

One ``Job`` per trained configuration, as run and stored under benchmarks/results/runs/. A job with
several seeds expands to NAME (seed 0) and NAME-s1, NAME-s2. ``init_from`` names the stored run whose
checkpoint the job continues (checkpoints are not tracked: restore one from git history, or train the
run it names first). Every GRAM job names its target and KL reading, so a job keeps the meaning its
results were recorded under when preset defaults change. Jobs that used configuration options since
removed ran at the ``pre-cleanup`` git tag.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from gram_agent.config import MODELS, RECURSIVE
from gram_agent.recipes import RECIPES, format_temperature

#: task key -> env id
TASKS: dict[str, str] = {
    "nq8": "GRAM/NQueens-8",
    "nq10": "GRAM/NQueens-10",
    "gc8": "GRAM/GraphColoring-8",
    "gc10": "GRAM/GraphColoring-10",
}
#: NQ10's test split has 6,513 inputs: the analysis reads the first 2,000, as every stored NQ10 row does
ANALYSIS_ARGS: dict[str, list[str]] = {"nq10": ["--instances", "2000"]}
#: test-time noise levels a PTRM analysis adds (``ptrm=True``)
PTRM_SIGMAS = ["0.1", "0.3", "1.0"]


@dataclass(frozen=True)
class Job:
    """One trained configuration: ``sets`` are GRAMConfig fields (``--set k=v`` of benchmarks.train_gpu)."""

    name: str
    task: str
    model: str
    sets: dict[str, Any] = field(default_factory=dict)
    seeds: tuple[int, ...] = (0,)
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    init_from: str | None = None  #: runs/<id>/<job> whose ckpt/ this job starts from
    preset: str | None = None  #: overrides run_table1's --preset
    ptrm: bool = False  #: also analyse with test-time noise (PTRM)
    #: no sweep of extra constant prior temperatures (long test splits; the paper tables)
    paper_temperature_only: bool = False
    samples: int = 20  #: samples per test input in the analysis
    #: the main analysis's temperature (CLI form, e.g. "3x2,0.5x14"); other than 1, 1.0 is analysed too
    temperature: str = "1"

    def runs(self) -> dict[str, list[str]]:
        """Run name -> benchmarks.train_gpu arguments, one per seed."""
        if self.task not in TASKS or self.model not in MODELS:
            raise ValueError(f"job {self.name}: task must be one of {sorted(TASKS)} and model one of {MODELS}")
        if self.ptrm and self.model not in RECURSIVE:
            raise ValueError(f"job {self.name}: PTRM needs a recursive model {RECURSIVE}, not {self.model!r}")
        if self.temperature != "1" and not self.paper_temperature_only:
            raise ValueError(f"job {self.name}: a main temperature other than 1 analyses 1.0 beside it; set "
                             "paper_temperature_only so run_table1's sweep does not replace that")
        out = {}
        for seed in self.seeds:
            name = self.name if len(self.seeds) == 1 or seed == 0 else f"{self.name}-s{seed}"
            args = ["--env", TASKS[self.task], "--model", self.model, "--seed", str(seed)]
            args += [x for k, v in self.sets.items() for x in ("--set", f"{k}={v}")]
            if self.env_kwargs:
                args += ["--env-kwargs", json.dumps(self.env_kwargs)]
            if self.init_from:
                args += ["--set", f"init_from=benchmarks/results/{self.init_from}/ckpt"]
            if self.preset:
                args += ["--preset", self.preset]
            out[name] = args
        return out

    def analysis_args(self) -> list[str]:
        """experiments.multi_solution arguments of every run of this job."""
        out = ["--ptrm-sigma", *PTRM_SIGMAS] if self.ptrm else []
        if self.samples != 20:
            out += ["--samples", str(self.samples)]
        if self.temperature != "1":
            out += ["--temperature", self.temperature, "--temperatures", "1.0"]
        return out + ANALYSIS_ARGS.get(self.task, [])


#: settings many jobs share: prior-sample training (no posterior, no KL) on canonical colourings
PRIOR: dict[str, Any] = {"kl_reduce": "elbo", "train_rollout": "prior", "target_permutations": False}
#: groups of slots of one input pushed onto distinct nearby completions; IMLE: each drawn completion pulls one
SPREAD: dict[str, Any] = {"target": "matched", "match_draw": "spread"}
IMLE: dict[str, Any] = {"target": "matched", "match_draw": "imle"}
CUDA_GRAPHS: dict[str, Any] = {"compile_mode": "reduce-overhead"}
P05: dict[str, Any] = {"p": 0.5}  #: the labelled denser-graph colouring variant

JOBS: list[Job] = [
    # N-Queens 8x8
    Job(
        "demo-gram",
        "nq8",
        "gram",
        {"d_model": 128, "guidance_hidden": 128, "target": "label", "kl_reduce": "sum"},
        preset="small",
    ),
    Job("nq8-gram", "nq8", "gram", {"kl_reduce": "elbo", "target": "label"}, seeds=(0, 1)),
    Job("nq8-gram-b0.3", "nq8", "gram", {"kl_reduce": "elbo", "beta": 0.3, "target": "label"}),
    Job("nq8-gram-b1.0", "nq8", "gram", {"kl_reduce": "elbo", "beta": 1.0, "target": "label"}),
    Job(
        "nq8-gram-ft-label",
        "nq8",
        "gram",
        {"kl_reduce": "elbo", "target": "label"},
        init_from="runs/2026-11-30-03/nq8-gram-nearest-cg",
    ),
    Job("nq8-gram-nearest", "nq8", "gram", {"kl_reduce": "elbo", "target": "nearest"}, seeds=(0, 1, 2)),
    Job("nq8-gram-nearest-cg", "nq8", "gram", {**CUDA_GRAPHS, "kl_reduce": "elbo", "target": "nearest"}),
    Job("nq8-gram-nearest-smax0.3", "nq8", "gram", {"kl_reduce": "elbo", "target": "nearest", "sigma_max": 0.3}),
    Job("nq8-gram-spread", "nq8", "gram", {**SPREAD, "kl_reduce": "elbo", "match_group": 4}),
    Job("nq8-gram-sum", "nq8", "gram", {"kl_reduce": "sum", "target": "label"}, seeds=(0, 1)),
    Job("nq8-gram-sum-cg", "nq8", "gram", {**CUDA_GRAPHS, "kl_reduce": "sum", "target": "label"}),
    Job("nq8-gram-sum-nearest", "nq8", "gram", {"kl_reduce": "sum", "target": "nearest"}),
    Job("nq8-gramtm", "nq8", "gram", {"kl_reduce": "token_mean", "beta": 0.3, "target": "label"}),
    Job("nq8-zeromean", "nq8", "gram", {"kl_reduce": "elbo", "guidance_mode": "zero_mean", "target": "label"}),
    Job("nq8-zerovar", "nq8", "gram", {"kl_reduce": "elbo", "guidance_mode": "zero_var", "target": "label"}),
    Job("demo-trm", "nq8", "trm", {"d_model": 128, "guidance_hidden": 128}, preset="small"),
    Job("nq8-trm", "nq8", "trm", {}, seeds=(0, 1), ptrm=True),
    Job("nq8-trm-nearest", "nq8", "trm", {"target": "nearest"}, seeds=(0, 1)),
    # N-Queens 10x10
    Job("nq10-gram", "nq10", "gram", {"kl_reduce": "elbo", "target": "label"}, paper_temperature_only=True),
    Job("nq10-gram-nearest", "nq10", "gram", {"kl_reduce": "elbo", "target": "nearest"}, paper_temperature_only=True),
    Job(
        "nq10-gram-spread",
        "nq10",
        "gram",
        {**SPREAD, "kl_reduce": "elbo", "match_group": 4},
        paper_temperature_only=True,
    ),
    Job("nq10-gram-sum", "nq10", "gram", {"kl_reduce": "sum", "target": "label"}, paper_temperature_only=True),
    Job(
        "nq10-gram-sum-nearest",
        "nq10",
        "gram",
        {"kl_reduce": "sum", "target": "nearest"},
        seeds=(0, 1),
        paper_temperature_only=True,
    ),
    Job("nq10-trm", "nq10", "trm", {}, seeds=(0, 1)),
    Job("nq10-trm-nearest", "nq10", "trm", {"target": "nearest"}, seeds=(0, 1)),
    # Graph Coloring 8 (graphs with edge probability 0.5 where env_kwargs say so)
    Job(
        "gc8-edgep0.5-gram-prior-nearest-canon-start1",
        "gc8",
        "gram",
        {**PRIOR, "target": "nearest", "start_noise": 1.0},
        seeds=(0, 1),
        env_kwargs=P05,
    ),
    Job(
        "gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-d512-g8-lr1e-4-s1",
        "gc8",
        "gram",
        {
            **PRIOR,
            **SPREAD,
            "match_group": 8,
            "start_noise": 1.0,
            "max_steps": 14000,
            "lr_min_ratio": 0.1,
            "lr": 0.0001,
            "d_model": 512,
            "n_heads": 8,
            "guidance_hidden": 512,
        },
        seeds=(1,),
        env_kwargs=P05,
        init_from="runs/2026-12-01-21/gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-d512-s1",
    ),
    Job(
        "gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-d512-g8-s1",
        "gc8",
        "gram",
        {
            **PRIOR,
            **SPREAD,
            "match_group": 8,
            "start_noise": 1.0,
            "max_steps": 14000,
            "lr_min_ratio": 0.1,
            "d_model": 512,
            "n_heads": 8,
            "guidance_hidden": 512,
        },
        seeds=(1,),
        env_kwargs=P05,
        init_from="runs/2026-12-01-21/gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-d512-s1",
    ),
    Job(
        "gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-d512-s1",
        "gc8",
        "gram",
        {
            **PRIOR,
            "target": "nearest",
            "start_noise": 1.0,
            "max_steps": 18000,
            "lr_min_ratio": 0.1,
            "d_model": 512,
            "n_heads": 8,
            "guidance_hidden": 512,
        },
        seeds=(1,),
        env_kwargs=P05,
    ),
    Job(
        "gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-g8-g16-b1024-b1024b-b1024c-s1",
        "gc8",
        "gram",
        {
            **PRIOR,
            **SPREAD,
            "match_group": 16,
            "start_noise": 1.0,
            "batch_size": 1024,
            "max_steps": 4500,
            "lr_min_ratio": 0.1,
            "lr": 0.0001,
        },
        seeds=(1,),
        env_kwargs=P05,
        init_from="runs/2026-12-01-16/gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-g8-g16-b1024-b1024b-s1",
    ),
    Job(
        "gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-g8-g16-b1024-b1024b-b1024c-s2",
        "gc8",
        "gram",
        {
            **PRIOR,
            **SPREAD,
            "match_group": 16,
            "start_noise": 1.0,
            "batch_size": 1024,
            "max_steps": 4500,
            "lr_min_ratio": 0.1,
            "lr": 0.0001,
        },
        seeds=(2,),
        env_kwargs=P05,
        init_from="runs/2026-12-01-16/gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-g8-g16-b1024-b1024b-s2",
    ),
    Job(
        "gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-g8-g16-b1024-b1024b-long-s1",
        "gc8",
        "gram",
        {
            **PRIOR,
            **SPREAD,
            "match_group": 16,
            "start_noise": 1.0,
            "batch_size": 1024,
            "max_steps": 9500,
            "lr_min_ratio": 0.1,
            "lr": 5e-05,
        },
        seeds=(1,),
        env_kwargs=P05,
        init_from="runs/2026-12-01-16/gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-g8-g16-b1024-b1024b-s1",
    ),
    Job(
        "gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-g8-g16-b1024-b1024b-long-s2",
        "gc8",
        "gram",
        {
            **PRIOR,
            **SPREAD,
            "match_group": 16,
            "start_noise": 1.0,
            "batch_size": 1024,
            "max_steps": 9500,
            "lr_min_ratio": 0.1,
            "lr": 5e-05,
        },
        seeds=(2,),
        env_kwargs=P05,
        init_from="runs/2026-12-01-16/gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-g8-g16-b1024-b1024b-s2",
    ),
    Job(
        "gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-g8-g16-b1024-b1024b-s1",
        "gc8",
        "gram",
        {
            **PRIOR,
            **SPREAD,
            "match_group": 16,
            "start_noise": 1.0,
            "batch_size": 1024,
            "max_steps": 8000,
            "lr_min_ratio": 0.1,
            "lr": 0.0001,
        },
        seeds=(1,),
        env_kwargs=P05,
        init_from="runs/2026-12-01-15/gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-g8-g16-b1024-s1",
    ),
    Job(
        "gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-g8-g16-b1024-b1024b-s2",
        "gc8",
        "gram",
        {
            **PRIOR,
            **SPREAD,
            "match_group": 16,
            "start_noise": 1.0,
            "batch_size": 1024,
            "max_steps": 8000,
            "lr_min_ratio": 0.1,
            "lr": 0.0001,
        },
        seeds=(2,),
        env_kwargs=P05,
        init_from="runs/2026-12-01-15/gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-g8-g16-b1024-s2",
    ),
    Job(
        "gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-g8-g16-b1024-b1024b-snap-s1",
        "gc8",
        "gram",
        {
            **PRIOR,
            **SPREAD,
            "match_group": 16,
            "start_noise": 1.0,
            "batch_size": 1024,
            "max_steps": 6000,
            "lr_min_ratio": 0.1,
            "lr": 0.0001,
            "snapshot_every": 1000,
            "snapshot_from": 2000,
        },
        seeds=(1,),
        env_kwargs=P05,
        init_from="runs/2026-12-01-16/gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-g8-g16-b1024-b1024b-s1",
    ),
    Job(
        "gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-g8-g16-b1024-b1024b-snap-s2",
        "gc8",
        "gram",
        {
            **PRIOR,
            **SPREAD,
            "match_group": 16,
            "start_noise": 1.0,
            "batch_size": 1024,
            "max_steps": 6000,
            "lr_min_ratio": 0.1,
            "lr": 0.0001,
            "snapshot_every": 1000,
            "snapshot_from": 2000,
        },
        seeds=(2,),
        env_kwargs=P05,
        init_from="runs/2026-12-01-16/gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-g8-g16-b1024-b1024b-s2",
    ),
    Job(
        "gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-g8-g16-b1024-s1",
        "gc8",
        "gram",
        {
            **PRIOR,
            **SPREAD,
            "match_group": 16,
            "start_noise": 1.0,
            "batch_size": 1024,
            "max_steps": 7000,
            "lr_min_ratio": 0.1,
        },
        seeds=(1,),
        env_kwargs=P05,
        init_from="runs/2026-12-01-13/gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-g8-g16-s1",
    ),
    Job(
        "gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-g8-g16-b1024-s2",
        "gc8",
        "gram",
        {
            **PRIOR,
            **SPREAD,
            "match_group": 16,
            "start_noise": 1.0,
            "batch_size": 1024,
            "max_steps": 7000,
            "lr_min_ratio": 0.1,
        },
        seeds=(2,),
        env_kwargs=P05,
        init_from="runs/2026-12-01-13/gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-g8-g16-s2",
    ),
    Job(
        "gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-g8-g16-g16b-s1",
        "gc8",
        "gram",
        {**PRIOR, **SPREAD, "match_group": 16, "start_noise": 1.0, "max_steps": 14000, "lr_min_ratio": 0.1},
        seeds=(1,),
        env_kwargs=P05,
        init_from="runs/2026-12-01-13/gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-g8-g16-s1",
    ),
    Job(
        "gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-g8-g16-g16b-s2",
        "gc8",
        "gram",
        {**PRIOR, **SPREAD, "match_group": 16, "start_noise": 1.0, "max_steps": 14000, "lr_min_ratio": 0.1},
        seeds=(2,),
        env_kwargs=P05,
        init_from="runs/2026-12-01-13/gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-g8-g16-s2",
    ),
    Job(
        "gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-g8-g16-s1",
        "gc8",
        "gram",
        {**PRIOR, **SPREAD, "match_group": 16, "start_noise": 1.0, "max_steps": 12000, "lr_min_ratio": 0.1},
        seeds=(1,),
        env_kwargs=P05,
        init_from="runs/2026-12-01-12/gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-g8-s1",
    ),
    Job(
        "gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-g8-g16-s2",
        "gc8",
        "gram",
        {**PRIOR, **SPREAD, "match_group": 16, "start_noise": 1.0, "max_steps": 12000, "lr_min_ratio": 0.1},
        seeds=(2,),
        env_kwargs=P05,
        init_from="runs/2026-12-01-12/gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-g8-s2",
    ),
    Job(
        "gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-g8-s1",
        "gc8",
        "gram",
        {**PRIOR, **SPREAD, "match_group": 8, "start_noise": 1.0, "max_steps": 14000, "lr_min_ratio": 0.1},
        seeds=(1,),
        env_kwargs=P05,
        init_from="runs/2026-12-01-11/gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-s1",
    ),
    Job(
        "gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-g8-s2",
        "gc8",
        "gram",
        {**PRIOR, **SPREAD, "match_group": 8, "start_noise": 1.0, "max_steps": 14000, "lr_min_ratio": 0.1},
        seeds=(2,),
        env_kwargs=P05,
        init_from="runs/2026-12-01-11/gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-s2",
    ),
    Job(
        "gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-s1",
        "gc8",
        "gram",
        {**PRIOR, "target": "nearest", "start_noise": 1.0, "max_steps": 18000, "lr_min_ratio": 0.1},
        seeds=(1,),
        env_kwargs=P05,
    ),
    Job(
        "gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-s2",
        "gc8",
        "gram",
        {**PRIOR, "target": "nearest", "start_noise": 1.0, "max_steps": 18000, "lr_min_ratio": 0.1},
        seeds=(2,),
        env_kwargs=P05,
    ),
    Job(
        "gc8-edgep0.5-gram-prior-spread-canon-start1",
        "gc8",
        "gram",
        {**PRIOR, **SPREAD, "match_group": 4, "start_noise": 1.0},
        seeds=(0, 1),
        env_kwargs=P05,
    ),
    Job(
        "gc8-edgep0.5-gram-prior-spread-canon-start1-cont",
        "gc8",
        "gram",
        {**PRIOR, **SPREAD, "match_group": 4, "start_noise": 1.0},
        env_kwargs=P05,
        init_from="runs/2026-11-30-25/gc8-edgep0.5-gram-prior-spread-canon-start1",
    ),
    Job(
        "gc8-edgep0.5-gram-prior-spread-canon-start1-cont2",
        "gc8",
        "gram",
        {**PRIOR, **SPREAD, "match_group": 4, "start_noise": 1.0},
        env_kwargs=P05,
        init_from="runs/2026-12-01-01/gc8-edgep0.5-gram-prior-spread-canon-start1-cont",
    ),
    Job(
        "gc8-edgep0.5-gram-prior-spread-canon-start1-s1-cont",
        "gc8",
        "gram",
        {**PRIOR, **SPREAD, "match_group": 4, "start_noise": 1.0},
        seeds=(1,),
        env_kwargs=P05,
        init_from="runs/2026-12-01-01/gc8-edgep0.5-gram-prior-spread-canon-start1-s1",
    ),
    Job(
        "gc8-edgep0.5-gram-prior-spread-canon-start1-settle",
        "gc8",
        "gram",
        {**PRIOR, **SPREAD, "match_group": 4, "start_noise": 1.0, "max_steps": 16000, "lr_min_ratio": 0.1},
        env_kwargs=P05,
        init_from="runs/2026-12-01-01/gc8-edgep0.5-gram-prior-spread-canon-start1-cont",
    ),
    Job(
        "gc8-edgep0.5-gram-prior-spread-canon-start1-settle-g8",
        "gc8",
        "gram",
        {**PRIOR, **SPREAD, "match_group": 8, "start_noise": 1.0, "max_steps": 16000, "lr_min_ratio": 0.1},
        env_kwargs=P05,
        init_from="runs/2026-12-01-01/gc8-edgep0.5-gram-prior-spread-canon-start1-cont",
    ),
    Job(
        "gc8-edgep0.5-gram-prior-spread-canon-start1-settle2-g16",
        "gc8",
        "gram",
        {**PRIOR, **SPREAD, "match_group": 16, "start_noise": 1.0, "max_steps": 12000, "lr_min_ratio": 0.1},
        env_kwargs=P05,
        init_from="runs/2026-12-01-04/gc8-edgep0.5-gram-prior-spread-canon-start1-settle-g8",
    ),
    Job(
        "gc8-edgep0.5-gram-prior-spread-canon-start1-settle2-g8",
        "gc8",
        "gram",
        {**PRIOR, **SPREAD, "match_group": 8, "start_noise": 1.0, "max_steps": 12000, "lr_min_ratio": 0.1},
        env_kwargs=P05,
        init_from="runs/2026-12-01-04/gc8-edgep0.5-gram-prior-spread-canon-start1-settle-g8",
    ),
    Job(
        "gc8-edgep0.5-gram-prior-spread-canon-start1-settle3-g16",
        "gc8",
        "gram",
        {**PRIOR, **SPREAD, "match_group": 16, "start_noise": 1.0, "max_steps": 14000, "lr_min_ratio": 0.1},
        env_kwargs=P05,
        init_from="runs/2026-12-01-05/gc8-edgep0.5-gram-prior-spread-canon-start1-settle2-g16",
    ),
    Job(
        "gc8-edgep0.5-gram-prior-spread-canon-start1-settle3-g16-s1",
        "gc8",
        "gram",
        {**PRIOR, **SPREAD, "match_group": 16, "start_noise": 1.0, "max_steps": 14000, "lr_min_ratio": 0.1},
        seeds=(1,),
        env_kwargs=P05,
        init_from="runs/2026-12-01-05/gc8-edgep0.5-gram-prior-spread-canon-start1-settle2-g16",
    ),
    Job(
        "gc8-edgep0.5-gram-prior-spread-canon-start1-settle3-g8",
        "gc8",
        "gram",
        {**PRIOR, **SPREAD, "match_group": 8, "start_noise": 1.0, "max_steps": 14000, "lr_min_ratio": 0.1},
        env_kwargs=P05,
        init_from="runs/2026-12-01-05/gc8-edgep0.5-gram-prior-spread-canon-start1-settle2-g16",
    ),
    Job(
        "gc8-edgep0.5-gram-prior-spread-canon-start1-settle4-g16",
        "gc8",
        "gram",
        {**PRIOR, **SPREAD, "match_group": 16, "start_noise": 1.0, "max_steps": 24000, "lr_min_ratio": 0.1},
        env_kwargs=P05,
        init_from="runs/2026-12-01-06/gc8-edgep0.5-gram-prior-spread-canon-start1-settle3-g16",
    ),
    Job(
        "gc8-edgep0.5-gram-prior-spread-canon-start1-settle4-g16-b1024",
        "gc8",
        "gram",
        {
            **PRIOR,
            **SPREAD,
            "match_group": 16,
            "start_noise": 1.0,
            "batch_size": 1024,
            "max_steps": 4500,
            "lr_min_ratio": 0.1,
            "lr": 0.0001,
        },
        env_kwargs=P05,
        init_from="runs/2026-12-01-06/gc8-edgep0.5-gram-prior-spread-canon-start1-settle3-g16",
    ),
    Job(
        "gc8-edgep0.5-gram-prior-spread-canon-start1-settle4-g16-b1024-snap",
        "gc8",
        "gram",
        {
            **PRIOR,
            **SPREAD,
            "match_group": 16,
            "start_noise": 1.0,
            "batch_size": 1024,
            "max_steps": 6000,
            "lr_min_ratio": 0.1,
            "lr": 0.0001,
            "snapshot_every": 1000,
            "snapshot_from": 2000,
        },
        env_kwargs=P05,
        init_from="runs/2026-12-01-06/gc8-edgep0.5-gram-prior-spread-canon-start1-settle3-g16",
    ),
    Job(
        "gc8-edgep0.5-gram-prior-spread-canon-start1-settle4-g16-lowlr",
        "gc8",
        "gram",
        {
            **PRIOR,
            **SPREAD,
            "match_group": 16,
            "start_noise": 1.0,
            "max_steps": 36000,
            "lr_min_ratio": 0.1,
            "lr": 5e-05,
        },
        env_kwargs=P05,
        init_from="runs/2026-12-01-06/gc8-edgep0.5-gram-prior-spread-canon-start1-settle3-g16",
    ),
    Job(
        "gc8-edgep0.5-gram-prior-spread-canon-start1-settle4-g16-s1",
        "gc8",
        "gram",
        {**PRIOR, **SPREAD, "match_group": 16, "start_noise": 1.0, "max_steps": 24000, "lr_min_ratio": 0.1},
        seeds=(1,),
        env_kwargs=P05,
        init_from="runs/2026-12-01-06/gc8-edgep0.5-gram-prior-spread-canon-start1-settle3-g16",
    ),
    Job("gc8-gram", "gc8", "gram", {"kl_reduce": "elbo", "target": "label"}, seeds=(0, 1)),
    Job(
        "gc8-gram-imle-canon",
        "gc8",
        "gram",
        {**IMLE, "kl_reduce": "elbo", "match_group": 4, "target_permutations": False},
    ),
    Job("gc8-gram-nearest", "gc8", "gram", {"kl_reduce": "elbo", "target": "nearest"}, seeds=(0, 1)),
    Job(
        "gc8-gram-nearest-canon",
        "gc8",
        "gram",
        {"kl_reduce": "elbo", "target": "nearest", "target_permutations": False},
        seeds=(0, 1, 2),
    ),
    Job("gc8-gram-prior-imle-canon", "gc8", "gram", {**PRIOR, **IMLE, "match_group": 4}),
    Job("gc8-gram-prior-nearest-canon", "gc8", "gram", {**PRIOR, "target": "nearest"}, seeds=(0, 1, 2)),
    Job(
        "gc8-gram-prior-nearest-canon-start1",
        "gc8",
        "gram",
        {**PRIOR, "target": "nearest", "start_noise": 1.0},
        seeds=(0, 1),
    ),
    Job("gc8-gram-prior-nearest-canon-start2", "gc8", "gram", {**PRIOR, "target": "nearest", "start_noise": 2.0}),
    Job("gc8-gram-prior-spread-canon-start1", "gc8", "gram", {**PRIOR, **SPREAD, "match_group": 4, "start_noise": 1.0}),
    Job("gc8-gram-spread", "gc8", "gram", {**SPREAD, "kl_reduce": "elbo", "match_group": 4}),
    Job("gc8-gram-sum-nearest", "gc8", "gram", {"kl_reduce": "sum", "target": "nearest"}, seeds=(0, 1)),
    Job("gc8-edgep0.5-trm-nearest", "gc8", "trm", {"target": "nearest"}, seeds=(0, 1), env_kwargs=P05),
    Job("gc8-trm", "gc8", "trm", {}, seeds=(0, 1)),
    Job("gc8-trm-nearest", "gc8", "trm", {"target": "nearest"}, seeds=(0, 1)),
    # Graph Coloring 10
    Job("gc10-gram", "gc10", "gram", {"kl_reduce": "elbo", "target": "label"}, seeds=(0, 1)),
    Job(
        "gc10-gram-imle-canon",
        "gc10",
        "gram",
        {**IMLE, "kl_reduce": "elbo", "match_group": 4, "target_permutations": False},
    ),
    Job("gc10-gram-nearest", "gc10", "gram", {"kl_reduce": "elbo", "target": "nearest"}, seeds=(0, 1)),
    Job(
        "gc10-gram-nearest-canon",
        "gc10",
        "gram",
        {"kl_reduce": "elbo", "target": "nearest", "target_permutations": False},
        seeds=(0, 1, 2),
    ),
    Job("gc10-gram-prior-imle-canon", "gc10", "gram", {**PRIOR, **IMLE, "match_group": 4}),
    Job("gc10-gram-prior-nearest-canon", "gc10", "gram", {**PRIOR, "target": "nearest"}, seeds=(0, 1)),
    Job(
        "gc10-gram-prior-nearest-canon-start1",
        "gc10",
        "gram",
        {**PRIOR, "target": "nearest", "start_noise": 1.0},
        seeds=(0, 1, 2),
    ),
    Job("gc10-gram-prior-nearest-canon-start2", "gc10", "gram", {**PRIOR, "target": "nearest", "start_noise": 2.0}),
    Job("gc10-gram-sum-nearest", "gc10", "gram", {"kl_reduce": "sum", "target": "nearest"}, seeds=(0, 1)),
    Job("gc10-trm", "gc10", "trm", {}, seeds=(0, 1)),
    Job("gc10-trm-nearest", "gc10", "trm", {"target": "nearest"}, seeds=(0, 1)),
]


# ---------------------------------------------------------------------- paper tables
# Table 1 (multi-solution tasks) and Table 3 (architecture ablation) at ONE budget per table: every
# run of a suite trains for TABLE_MINUTES (wall clock, compile included) on one shared GPU.
# Sizes: the baselines are at the paper's parameter scale (width 512 and each baseline's preset depth:
# Direct Pred 8 layers 25.7M vs the paper's 27M, Looped TF 6.4M vs 7M, HRM 25.7M vs 27M, AR 9.6M vs
# 10.6M, MDLM 12.9M vs 12.6M), with the 'small' preset's optimiser and batch (256), as GRAM and TRM.
# GRAM and TRM keep their headline recipes (gram_agent/recipes.py) and so their width 256: about a
# quarter of the paper's 10M and 7M, the size those recipes were tuned at on this budget; the
# asymmetry gives the baselines the larger networks.

#: training minutes of every run of a paper-table suite (one GPU call holds a suite)
TABLE_MINUTES = 5.5
#: the baselines' common settings: paper width on the 'small' preset (its batch, lr and schedule)
PAPER_WIDTH: dict[str, Any] = {"d_model": 512, "n_heads": 8}
TABLE1_BASELINES = ("direct", "looped", "hrm", "ar", "mdlm")
TABLE_SEEDS = (0, 1)


def recipe_job(name: str, recipe_name: str, task: str, *, sampling: bool = True, **sets: Any) -> Job:
    """A job training recipe ``recipe_name``'s settings (plus ``sets``); analysed at the recipe's own
    temperature (and 1.0) when ``sampling``, else at 1.0 only."""
    r = RECIPES[recipe_name]
    temperature = format_temperature(r.temperature) if sampling else "1"
    return Job(name, task, r.model, {**r.overrides, **sets}, seeds=TABLE_SEEDS, preset=r.preset,
               paper_temperature_only=True, temperature=temperature, samples=r.samples if sampling else 5)


TABLE1_JOBS: list[Job] = []
for _task in TASKS:
    TABLE1_JOBS += [Job(f"{_task}-{m}", _task, m, dict(PAPER_WIDTH), seeds=TABLE_SEEDS, preset="small")
                    for m in TABLE1_BASELINES]
    TABLE1_JOBS += [recipe_job(f"{_task}-{m}-t1", f"{_task}-{m}", _task) for m in ("gram", "trm")]

#: Direct Pred at the paper's 32 layers (100M parameters): two runs per task, in suites of their own
#: (table1-<task>-direct32) so the 14 runs of table1-<task> keep their share of the GPU. A quarter of
#: the shared lr: at 2.5e-4 the 32-block stack collapses to the empty board (table1-equal-budget.md)
DIRECT32_JOBS: list[Job] = [Job(f"{t}-direct-32l", t, "direct", {**PAPER_WIDTH, "n_layers": 32, "lr": 6e-5},
                                seeds=TABLE_SEEDS, preset="small") for t in TASKS]

#: Table 3 rows (5 samples, temperature 1.0) -> job; each variant changes one thing from its neighbour:
#: looped: Looped TF as in Table 1.  hrm / trm: +deep supervision +hierarchical recursion (HRM as in
#: Table 1, TRM on its recipe).  sg: +stochastic guidance on a Looped-TF-like core: GRAM's recipe with
#: one supervision step (n_sup=1: no deep supervision) and one low-level step per transition (K=1: no
#: hierarchical recursion).  ds-sg: the same with the recipe's 16 supervision steps.  gram: the recipe.
#: Approximate: K=1 keeps the two latents h and l (updated at one rate, not one state), and only the
#: last of T transitions carries gradients where Looped TF backpropagates through every loop.
TABLE3_VARIANTS: dict[str, str] = {
    "looped": "Looped TF", "hrm": "+DS+HR: HRM", "trm": "+DS+HR: TRM", "sg": "+SG", "ds-sg": "+DS+SG",
    "gram": "+DS+HR+SG (GRAM)",
}
#: variant -> its configuration in words (docs/results.md prints it)
TABLE3_CONFIGS: dict[str, str] = {
    "looped": "`model=looped`, as Table 1", "hrm": "`model=hrm`, as Table 1", "trm": "recipe `nq8-trm`",
    "sg": "recipe `nq8-gram` with `n_sup=1`, `K=1`", "ds-sg": "recipe `nq8-gram` with `K=1`",
    "gram": "recipe `nq8-gram`",
}
TABLE3_JOBS: list[Job] = [
    Job("nq8-t3-looped", "nq8", "looped", dict(PAPER_WIDTH), seeds=TABLE_SEEDS, preset="small", samples=5),
    Job("nq8-t3-hrm", "nq8", "hrm", dict(PAPER_WIDTH), seeds=TABLE_SEEDS, preset="small", samples=5),
    recipe_job("nq8-t3-trm", "nq8-trm", "nq8", sampling=False),
    recipe_job("nq8-t3-sg", "nq8-gram", "nq8", sampling=False, K=1, n_sup=1),
    recipe_job("nq8-t3-ds-sg", "nq8-gram", "nq8", sampling=False, K=1),
    recipe_job("nq8-t3-gram", "nq8-gram", "nq8", sampling=False),
]
JOBS += TABLE1_JOBS + DIRECT32_JOBS + TABLE3_JOBS


def seed_runs(jobs: list[Job], seed: int) -> list[str]:
    """Each job's run name for one of its seeds (NAME for seed 0, NAME-s1, ...)."""
    return [list(j.runs())[j.seeds.index(seed)] for j in jobs]


#: suite -> the run names one GPU call trains (all seeds), at TABLE_MINUTES each
SUITES: dict[str, list[str]] = {
    **{f"table1-{t}": [n for j in TABLE1_JOBS if j.task == t for n in j.runs()] for t in TASKS},
    # one seed per call: half the jobs share a GPU, twice the share of the two-seed suite
    **{f"table1-{t}-seed{k}": seed_runs([j for j in TABLE1_JOBS if j.task == t], k) for t in TASKS for k in TABLE_SEEDS},
    **{f"table1-{j.task}-direct32": list(j.runs()) for j in DIRECT32_JOBS},
    "table3-nq8": [n for j in TABLE3_JOBS for n in j.runs()],
    **{f"table3-nq8-seed{k}": seed_runs(TABLE3_JOBS, k) for k in TABLE_SEEDS},
}
