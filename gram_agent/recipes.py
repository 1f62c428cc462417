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
