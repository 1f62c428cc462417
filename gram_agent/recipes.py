"""Named recipes: the exact training and sampling settings behind each published results row.

A recipe is a preset plus the overrides, budget and sampling that one headline row used, so a
user reproduces the row with one command (``gram train --recipe NAME``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Recipe:
    """One published training + sampling setting."""

    name: str
    env_id: str
    model: str  #: "gram" or "trm"
    preset: str  #: base preset in ``gram_agent.config.PRESETS``
    overrides: dict[str, Any] = field(default_factory=dict)  #: GRAMConfig fields set on top of the preset
    train_minutes: float = 0.0  #: wall-clock training budget on one GPU (0 = until max_steps)
    #: prior temperature at sampling: one float, or one value per supervision step
    temperature: float | tuple[float, ...] = 1.0
    samples: int = 20
    description: str = ""


RECIPES: dict[str, Recipe] = {
    r.name: r
    for r in [
        Recipe(
            name="nq8-gram",
            env_id="GRAM/NQueens-8",
            model="gram",
            preset="small",
            overrides={"kl_reduce": "elbo", "target": "nearest", "compile_mode": "reduce-overhead"},
            train_minutes=2.6,
            temperature=(3.0, 3.0) + (0.5,) * 14,
            description="GRAM, ELBO KL, nearest-completion target; sampled hot for 2 steps, then at 0.5",
        ),
        Recipe(
            name="nq8-trm",
            env_id="GRAM/NQueens-8",
            model="trm",
            preset="small",
            overrides={"compile_mode": "reduce-overhead"},
            train_minutes=2.6,
            description="TRM with its own objective (the row's label)",
        ),
    ]
}
