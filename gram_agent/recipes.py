"""Named recipes: the exact training and sampling settings behind each published results row.

A recipe is a preset plus the overrides, budget and sampling that one headline row used, so a
user reproduces the row with one command (``gram train --recipe NAME``).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Recipe:
    """One published training + sampling setting."""

    name: str
    env_id: str
    model: str  #: a model kind of gram_agent.config.MODELS
    preset: str  #: base preset in ``gram_agent.config.PRESETS``
    overrides: dict[str, Any] = field(default_factory=dict)  #: GRAMConfig fields set on top of the preset
    train_minutes: float = 0.0  #: wall-clock training budget on one GPU (0 = until max_steps)
    #: prior temperature at sampling: one float, or one value per supervision step
    temperature: float | tuple[float, ...] = 1.0
    samples: int = 20
    description: str = ""
    published: bool = True  #: False: no headline row yet (a long run that has not been made)


#: the prior-sample colouring objective (no posterior, no KL): canonical colourings, random starts of std 1
_PRIOR_GC = {"kl_reduce": "elbo", "train_rollout": "prior", "target_permutations": False, "start_noise": 1.0}
_CUDA_GRAPHS = {"compile_mode": "reduce-overhead"}
#: TRM's own objective: the row's stored label as the target
_TRM = {"target": "label"}
#: ARC-AGI-1 at two GPU-hours: TRM's data, 4 dihedral x colour variants per task (own puzzle ids), voted at
#: test; TRM's ARC optimiser; width 256, batch 384, so training fits one H100 and a checkpoint packs under
#: 44 MiB; voting 256 sequences at a time (4096 ran out of memory on an H100 at this length)
_ARC1 = {"d_model": 256, "n_heads": 4, "guidance_hidden": 256, "batch_size": 384, "lr": 1e-4,
         "lr_warmup_steps": 1000, "weight_decay": 0.1, "puzzle_emb_lr": 1e-2, "puzzle_emb_weight_decay": 0.1,
         "ema": 0.999, "target": "label", "dataset_kwargs": {"num_variants": 4, "exclude_eval_demos": False},
         "eval_views": 4, "eval_batch": 256}


def _hot(t: float, steps: int = 2, cool: float = 0.5, n_sup: int = 16) -> tuple[float, ...]:
    """A prior-temperature schedule: ``t`` for the first ``steps`` supervision steps, then ``cool``."""
    return (t,) * steps + (cool,) * (n_sup - steps)


#: one recipe per headline row (benchmarks/results/headline.json names them; docs/results.md renders them),
#: and the ARC recipes, whose rows await their runs
RECIPES: dict[str, Recipe] = {
    r.name: r
    for r in [
        Recipe(
            name="nq8-gram", env_id="GRAM/NQueens-8", model="gram", preset="small",
            overrides={"kl_reduce": "elbo", "target": "nearest", **_CUDA_GRAPHS}, train_minutes=2.6,
            temperature=_hot(3.0),
            description="GRAM, ELBO KL, nearest-completion target; sampled at temperature 3 for 2 steps, then 0.5 "
                        "(the schedule chosen on training inputs)",
        ),
        Recipe(
            name="nq8-trm", env_id="GRAM/NQueens-8", model="trm", preset="small", overrides={**_TRM, **_CUDA_GRAPHS},
            train_minutes=5.0, description="TRM with its own objective (the row's label)",
        ),
        Recipe(
            name="nq10-gram", env_id="GRAM/NQueens-10", model="gram", preset="small",
            overrides={"kl_reduce": "sum", "target": "nearest", **_CUDA_GRAPHS}, train_minutes=6.5,
            description="GRAM, summed KL, nearest-completion target; temperature 1.0",
        ),
        Recipe(
            name="nq10-trm", env_id="GRAM/NQueens-10", model="trm", preset="small", overrides=dict(_TRM),
            train_minutes=6.7, description="TRM with its own objective (the row's label)",
        ),
        Recipe(
            name="gc8-gram", env_id="GRAM/GraphColoring-8", model="gram", preset="small",
            overrides={**_PRIOR_GC, "target": "matched", "match_group": 4, "match_draw": "spread", **_CUDA_GRAPHS},
            train_minutes=5.5, temperature=_hot(20.0),
            description="GRAM trained on its prior samples, spread target in groups of 4, random starts; sampled "
                        "at temperature 20 for 2 steps, then 0.5 (chosen on training inputs)",
        ),
        Recipe(
            name="gc8-trm", env_id="GRAM/GraphColoring-8", model="trm", preset="small", overrides=dict(_TRM),
            train_minutes=6.7, description="TRM with its own objective (the row's label)",
        ),
        Recipe(
            name="gc10-gram", env_id="GRAM/GraphColoring-10", model="gram", preset="small",
            overrides={**_PRIOR_GC, "target": "nearest", **_CUDA_GRAPHS}, train_minutes=5.5, temperature=_hot(20.0),
            description="GRAM trained on its prior samples, nearest-completion target, random starts; each seed's "
                        "schedule is chosen on training inputs (seed 0: temperature 20 for 2 steps, then 0.5)",
        ),
        Recipe(
            name="gc10-trm", env_id="GRAM/GraphColoring-10", model="trm", preset="small", overrides=dict(_TRM),
            train_minutes=6.7, description="TRM with its own objective (the row's label)",
        ),
        Recipe(
            name="gc8-p0.5-gram", env_id="GRAM/GraphColoring-8", model="gram", preset="small",
            overrides={**_PRIOR_GC, "target": "matched", "match_draw": "spread", "match_group": 16,
                       "batch_size": 1024, "max_steps": 4500, "lr_min_ratio": 0.1, "lr": 1e-4, **_CUDA_GRAPHS},
            train_minutes=6.0,
            description="graphs with edge probability 0.5 (env kwargs p=0.5). The last leg of a training continued "
                        "over several legs (init_from; headline.json lists them); two checkpoints of that training "
                        "(the leg's start and end) are sampled as one gram_agent.Ensemble, 10 samples each",
        ),
        Recipe(
            name="sx-gram", env_id="GRAM/Sudoku-Extreme", model="gram", preset="paper", train_minutes=120.0,
            overrides={"ema": 0.999},
            description="GRAM at the paper's Sudoku settings (D=512, MLP mixer, T=3, K=6, batch 768) on the 1,000 "
                        "training puzzles with on-the-fly augmentation; the paper's ELBO KL (on an H100 its prior "
                        "solved 14% of training puzzles at step 2,250 where summed KL's solved none: "
                        "docs/experiments/posterior-and-kl.md); EMA 0.999 as TRM's (0.9999 would still weigh the "
                        "initial weights at the chain's early curve points); 20 samples. Run as resumable chunks "
                        "(python -m experiments.chain)",
        ),
        Recipe(
            name="sx-trm", env_id="GRAM/Sudoku-Extreme", model="trm", preset="paper",
            overrides={**_TRM, "ema": 0.999}, train_minutes=120.0, samples=1,
            description="TRM's Sudoku recipe (its objective, EMA 0.999) at the same width and data; 1 sample "
                        "(PTRM: 20 noisy rollouts of this checkpoint). Run as resumable chunks (python -m "
                        "experiments.chain)",
        ),
        Recipe(
            name="sudokugen-gram", env_id="GRAM/SudokuGen-9", model="gram", preset="paper", train_minutes=60.0,
            description="GRAM generating 9x9 grids from the blank board (every valid grid is an answer), on the "
                        "paper's objective and generation KL weight (ELBO, beta 0.05): on 4x4 it drew 94-96% valid "
                        "grids covering 88-97% of all grids, ahead of MDLM, AR and D3PM "
                        "(docs/experiments/cpu-sudokugen4.md)",
            published=True,
        ),
        Recipe(
            name="sudokugen-trm", env_id="GRAM/SudokuGen-9", model="trm", preset="paper", overrides=dict(_TRM),
            train_minutes=30.0, samples=1, description="TRM from the blank board: one grid, the collapse reference",
            published=False,
        ),
        Recipe(
            name="sudokugen-d3pm", env_id="GRAM/SudokuGen-9", model="d3pm", preset="paper",
            overrides={"d_model": 768, "n_heads": 12, "n_layers": 5, "diffusion_steps": 1000}, train_minutes=60.0,
            samples=1, published=False,
            description="the paper's D3PM-Uniform (Big): DiT 768 wide, 5 blocks, 12 heads (54.9M parameters), "
                        "1,000 diffusion steps; the generation baseline beside sudokugen-gram",
        ),
        Recipe(
            name="arc1-gram", env_id="GRAM/ARC-AGI-1", model="gram", preset="paper",
            overrides={**_ARC1, "eval_samples": 4}, train_minutes=108.0, samples=4,
            description="GRAM on ARC-AGI-1 (paper beta 0.04, ELBO KL), TRM's data and augmentation at 4 variants "
                        "per task; pass@2 of the votes of 4 views x 4 samples. Run as resumable chunks "
                        "(python -m experiments.chain)",
            published=True,
        ),
        Recipe(
            name="arc1-trm", env_id="GRAM/ARC-AGI-1", model="trm", preset="paper",
            overrides={**_ARC1, "eval_samples": 1}, train_minutes=108.0, samples=1,
            description="TRM on ARC-AGI-1 with its own objective, data and augmentation at 4 variants per task; "
                        "pass@2 of the votes of 4 views. Run as resumable chunks (python -m experiments.chain)",
            published=False,
        ),
    ]
}


def recipe(name: str) -> Recipe:
    """The recipe called ``name``; a ValueError lists the known names."""
    if name not in RECIPES:
        near = difflib.get_close_matches(str(name), RECIPES, n=1)
        raise ValueError(f"unknown recipe {name!r}" + (f"; did you mean {near[0]!r}?" if near else "")
                         + f"; known recipes: {sorted(RECIPES)}")
    return RECIPES[name]


def format_temperature(temperature: float | tuple[float, ...] | list[float]) -> str:
    """A temperature or schedule as the CLI writes it: ``1`` or ``3x2,0.5x14`` (runs of equal values)."""
    if isinstance(temperature, (int, float)):
        return f"{temperature:g}"
    parts: list[list[float]] = []
    for t in temperature:
        if parts and parts[-1][0] == t:
            parts[-1][1] += 1
        else:
            parts.append([t, 1])
    return ",".join(f"{v:g}" if n == 1 else f"{v:g}x{n:g}" for v, n in parts)
