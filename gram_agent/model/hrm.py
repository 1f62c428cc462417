# ruff: noqa: E741  (l is the paper's low-level latent)
"""HRM (``model="hrm"``): the hierarchical reasoning model that TRM simplified, on the same core.

What differs from TRM (the recursive core with guidance off):
- two networks, a low-level f_L and a high-level f_H, not weight-shared (``share_weights=False``);
- the one-step gradient: in a supervision step only the last low-level update and the last
  high-level update carry gradients (TRM backpropagates through the whole last transition);
- ACT by Q-learning: besides the halting logit (BCE against "the answer is valid", as TRM) a
  continue logit learns sigmoid(max(q_halt', q_continue')) of the next supervision step (q_halt'
  alone when that step is the last), from one extra forward pass without gradients; a slot halts
  when q_halt > q_continue.
As for every head here, the Q head reads a detached state: it never backpropagates into the core.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from gram_agent.config import GRAMConfig
from gram_agent.model.core import RecursiveModel
from gram_agent.model.layers import Linear


class HRMModel(RecursiveModel):
    """The recursive core with HRM's gradient and halting (see the module docstring)."""

    def __init__(self, cfg: GRAMConfig, vocab_size: int, seq_len: int, n_answer: int) -> None:
        super().__init__(cfg, vocab_size, seq_len, n_answer)
        self.q_continue = Linear(cfg.d_model, 1, zero=True, bias=True)
        with torch.no_grad():
            self.q_continue.bias.fill_(-5.0)  # as the halting logit: start by never deciding

    def latent(self, h: torch.Tensor, l: torch.Tensor, ex: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """K low-level steps, then u = f_H(h, l); only the last of each carries gradients."""
        with torch.no_grad():
            for _ in range(self.cfg.K - 1):
                l = self.f_L(l, h + ex)
        l = self.f_L(l, h + ex)
        return self.f_H(h, l), l

    def continue_logit(self, h: torch.Tensor) -> torch.Tensor:
        return self.q_continue(h[:, 0]).float().squeeze(-1)

    def forward(self, h, l, x, y_cls, y_tok, sols, noise, puzzle_ids=None, match_u=None, nstep=None):
        """TRM's supervision step plus the Q-learning continue loss; the returned halting logit is
        q_halt - q_continue (the trainer halts a slot when it is > 0). ``nstep`` (B,): supervision
        steps each slot had before this one (after its last step the target is the next q_halt alone)."""
        cfg = self.cfg
        loss, stats, h, l, q_halt, correct = super().forward(h, l, x, y_cls, y_tok, sols, noise, puzzle_ids, match_u)
        q_cont = self.continue_logit(h)
        with torch.no_grad():  # the next supervision step from the new carry: its Q values are the target
            ex = self.encode(x, puzzle_ids)
            h2, l2 = h, l
            for _ in range(cfg.T):
                h2, l2 = self.latent(h2, l2, ex)
            q_halt2, _ = self.aux(h2[:, 0])
            q_cont2 = self.continue_logit(h2)
            last = torch.zeros_like(correct, dtype=torch.bool) if nstep is None else nstep + 1 >= cfg.n_sup
            target = torch.sigmoid(torch.where(last, q_halt2, torch.maximum(q_halt2, q_cont2)))
        cont_loss = F.binary_cross_entropy_with_logits(q_cont, target)
        loss = loss + cfg.halt_weight * cont_loss
        bump = torch.zeros_like(stats)
        bump[0] = bump[3] = cont_loss.detach()  # into the logged loss and halting loss
        stats = stats + bump
        return loss, stats, h, l, q_halt - q_cont.detach(), correct

    @torch.no_grad()
    def infer_step(self, h, l, ex, noise, ptrm_noise=None, ptrm_target="l"):
        h, l, logits, q_halt, value = super().infer_step(h, l, ex, noise, ptrm_noise, ptrm_target)
        return h, l, logits, q_halt - self.continue_logit(h), value
