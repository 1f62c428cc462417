"""GRAM / TRM model (layers, guidance, heads and the recursive core), HRM and the one-shot baselines."""

from __future__ import annotations

from torch import nn

from gram_agent.config import GRAMConfig
from gram_agent.model.baselines import BASELINE_MODELS, OneShotModel
from gram_agent.model.core import RecursiveModel
from gram_agent.model.hrm import HRMModel

__all__ = ["BASELINE_MODELS", "HRMModel", "OneShotModel", "RecursiveModel", "build_model"]


def build_model(cfg: GRAMConfig, vocab_size: int, seq_len: int, n_answer: int) -> nn.Module:
    """The network ``cfg.model`` names: the recursive core (gram, trm), HRM or a one-pass baseline."""
    if cfg.model in BASELINE_MODELS:
        return BASELINE_MODELS[cfg.model](cfg, vocab_size, seq_len, n_answer)
    if cfg.model == "hrm":
        return HRMModel(cfg, vocab_size, seq_len, n_answer)
    return RecursiveModel(cfg, vocab_size, seq_len, n_answer)
