"""GRAM agents (PyTorch): generative recursive reasoning with learned stochastic guidance, plus the
TRM and PTRM baselines and the paper's others (HRM, Direct Pred, Looped TF, AR, MDLM, D3PM), trained
against the ``gram_envs`` Gymnasium environments (docs/agent.md).
"""

from gram_agent.config import PAPER_BETA, PRESETS, GRAMConfig, preset
from gram_agent.ensemble import Ensemble
from gram_agent.infer import Agent
from gram_agent.pretrained import list_pretrained, load_pretrained
from gram_agent.recipes import RECIPES, Recipe, recipe
from gram_agent.train import train

__all__ = ["PAPER_BETA", "PRESETS", "RECIPES", "Agent", "Ensemble", "GRAMConfig", "Recipe", "list_pretrained",
           "load_pretrained", "preset", "recipe", "train"]
