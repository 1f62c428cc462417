"""GRAM agents (PyTorch): generative recursive reasoning with learned stochastic guidance,
plus TRM and PTRM baselines, trained against the ``gram_envs`` Gymnasium environments.

    import gram_agent
    agent = gram_agent.train("GRAM/NQueens-8", time_budget_s=480)
    boards = agent.solve(obs, samples=20)
"""

from gram_agent.config import PAPER_BETA, PRESETS, GRAMConfig, preset
from gram_agent.ensemble import Ensemble
from gram_agent.infer import Agent
from gram_agent.train import train

__all__ = ["PAPER_BETA", "PRESETS", "Agent", "Ensemble", "GRAMConfig", "preset", "train"]
