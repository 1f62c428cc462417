"""Baselines reachable from the same train / solve API (the one-pass networks Direct Pred, Looped TF,
AR and MDLM are ``model=`` choices too: ``gram_agent.model.baselines``).

- **TRM**: the same recursive core with guidance off (``model="trm"``): h = u, deterministic,
  so N samples are one answer repeated (coverage collapses on multi-solution tasks).
- **PTRM** (arXiv:2605.19943): a trained *deterministic* model, with isotropic Gaussian noise
  N(0, sigma^2 I) added to the latent at every supervision step at test time only, K rollouts
  in one batch, the answer chosen by the halting head (best-Q) or by vote. Noise goes into the
  low-level latent l (TRM's z_L; the "L-only perturbation" reported for PTRM) by default;
  ``ptrm_target="h"`` perturbs h instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gram_agent.config import GRAMConfig, preset
from gram_agent.infer import Agent

#: PTRM's per-task presets (K rollouts, depth, sigma, selection), as quoted in the notes
PTRM_PRESETS: dict[str, dict[str, Any]] = {
    "sudoku": {"samples": 100, "steps": 64, "sigma": 0.3, "select": "halt"},
    "arc": {"samples": 25, "steps": 16, "sigma": 0.2, "select": "halt"},
    "default": {"samples": 20, "steps": 16, "sigma": 0.3, "select": "halt"},
}


def trm_config(env_id: str | None = None, name: str = "fast", **overrides: Any) -> GRAMConfig:
    """TRM's settings on our core: no guidance, EMA 0.999, same width/recursion as the preset."""
    return preset(name, env_id, model="trm", **overrides)


def ptrm_solve(agent: Agent, obs: Any, samples: int = 20, steps: int | None = None, sigma: float = 0.3,
               select: str = "halt") -> np.ndarray:
    """PTRM answers from a deterministic agent (a GRAM agent works too: noise adds to its prior)."""
    return agent.solve(obs, samples=samples, steps=steps, select=select, ptrm_sigma=sigma)


def ptrm_evaluate(agent: Agent, sigma: float = 0.3, samples: int = 20, steps: int | None = None,
                  instances: int | None = None) -> dict[str, float]:
    """Env metrics of PTRM rollouts; ``halt_accuracy`` is PTRM's best-Q@K, ``vote_accuracy`` mode@K."""
    return agent.evaluate("test", samples=samples, steps=steps, instances=instances, ptrm_sigma=sigma)
