"""Output heads on h: the answer decoder, and the halting (ACT) and LPRM value heads.

The decoder emits only the task's answer tokens (``info["answer_tokens"]``): the class index
c stands for token ``answer_tokens[c]``, so argmax is restricted by construction and no logit
is spent on PAD or input-only tokens. Halting and value heads read the first token of h
(detached by the caller: they never backpropagate into the core).
"""

from __future__ import annotations

import torch
from torch import nn

from gram_agent.config import GRAMConfig
from gram_agent.model.layers import Linear, SwiGLU


class Decoder(nn.Module):
    """Linear(D -> answers) (Table 4) or a SwiGLU MLP head (App. B.1 text), per ``cfg.decoder``."""

    def __init__(self, cfg: GRAMConfig, n_answer: int) -> None:
        super().__init__()
        d = cfg.d_model
        self.net = Linear(d, n_answer) if cfg.decoder == "linear" else SwiGLU(d, d, n_answer)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.net(h)


class AuxHeads(nn.Module):
    """q_halt logit (zero weights, bias -5: start by never halting, as TRM) and an LPRM value logit."""

    def __init__(self, cfg: GRAMConfig) -> None:
        super().__init__()
        self.halt = Linear(cfg.d_model, 1, zero=True, bias=True)
        self.value = Linear(cfg.d_model, 1, zero=True, bias=True)
        with torch.no_grad():
            self.halt.bias.fill_(-5.0)

    def forward(self, first: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """first: (B, D) first token of h. Returns (halt logit, value logit), fp32, shape (B,)."""
        return self.halt(first).float().squeeze(-1), self.value(first).float().squeeze(-1)
