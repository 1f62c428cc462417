"""Gaussian stochastic guidance: prior p(eps | u) and posterior q(eps | u, y), and their KL.

Decisions the GRAM paper leaves open (all are config fields; docs/agent.md):
- one SwiGLU MLP per distribution parameter, applied per token (the paper's Table 4 as a public reimplementation quotes it);
  output projections zero-initialised, so mu starts at 0 and sigma at ``sigma_init`` and the
  posterior equals the prior at init (KL = 0, training starts from TRM plus small noise);
- sigma = sigma_min + (sigma_max - sigma_min) * sigmoid(raw + b0) (``sigma_param``), in
  [1e-3, 1]: bounded like that reimplementation, since h is unit-RMS per token and an unbounded (softplus) sigma
  grew until it drowned the state; the floor keeps log-sigma finite;
- y enters the posterior as ``norm(u + Embed(y))`` (``posterior_input="add"``, as there; "concat"
  is the alternative); unsupervised positions embed as PAD;
- ablations: ``zero_mean`` (mu == 0, learned sigma) and ``zero_var`` (eps = mu, no sampling;
  its "KL" is 0.5*||mu_q - mu_p||^2, the sigma-free limit, since a Gaussian KL with sigma=0 is infinite).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from gram_agent.config import GRAMConfig
from gram_agent.model.layers import Linear, SwiGLU, rms_norm


def _inverse(kind: str, target: float, lo: float, hi: float) -> float:
    """Offset b0 with sigma(raw=0) == target, so zero-init heads start at ``sigma_init``."""
    t = max(target - lo, 1e-6)
    if kind == "softplus":
        return t + math.log(-math.expm1(-t))
    if kind == "exp":
        return math.log(t)
    p = min(max(t / (hi - lo), 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


class GaussianHead(nn.Module):
    """(mu, sigma) per token from a feature map; fp32 outputs (the KL is computed in fp32)."""

    def __init__(self, cfg: GRAMConfig) -> None:
        super().__init__()
        d, hdim = cfg.d_model, cfg.guidance_hidden
        self.mode, self.kind = cfg.guidance_mode, cfg.sigma_param
        self.lo, self.hi = cfg.sigma_min, cfg.sigma_max
        self.b0 = _inverse(self.kind, cfg.sigma_init, self.lo, self.hi)
        self.mu = SwiGLU(d, hdim, d, zero_out=True) if self.mode != "zero_mean" else None
        self.sigma = SwiGLU(d, hdim, d, zero_out=True) if self.mode != "zero_var" else None

    def forward(self, feat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu = self.mu(feat).float() if self.mu is not None else torch.zeros(feat.shape, device=feat.device)
        if self.sigma is None:
            return mu, torch.zeros_like(mu)
        raw = self.sigma(feat).float() + self.b0
        if self.kind == "softplus":
            s = self.lo + F.softplus(raw)
        elif self.kind == "exp":
            s = self.lo + torch.exp(raw.clamp(max=10.0))
        else:
            s = self.lo + (self.hi - self.lo) * torch.sigmoid(raw)
        return mu, s


class Guidance(nn.Module):
    """Prior and posterior heads plus the target embedding the posterior conditions on."""

    def __init__(self, cfg: GRAMConfig, vocab_size: int) -> None:
        super().__init__()
        d = cfg.d_model
        self.eps = cfg.norm_eps
        self.prior = GaussianHead(cfg)
        self.posterior = GaussianHead(cfg)
        self.y_embed = nn.Embedding(vocab_size, d)
        nn.init.trunc_normal_(self.y_embed.weight, 0.0, 1.0 / math.sqrt(d), -2.0 / math.sqrt(d), 2.0 / math.sqrt(d))
        self.y_scale = math.sqrt(d)
        self.concat = Linear(2 * d, d) if cfg.posterior_input == "concat" else None

    def prior_params(self, u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.prior(u)

    def posterior_params(self, u: torch.Tensor, y_tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """y_tokens: (B, L_total) label tokens, PAD (0) where unsupervised or in the prefix."""
        ey = self.y_embed(y_tokens) * self.y_scale
        ey = ey.to(u.dtype)
        feat = self.concat(torch.cat([u, ey], dim=-1)) if self.concat is not None else u + ey
        return self.posterior(rms_norm(feat, self.eps))


def gaussian_kl(mq: torch.Tensor, sq: torch.Tensor, mp: torch.Tensor, sp: torch.Tensor) -> torch.Tensor:
    """Elementwise KL(N(mq, sq^2) || N(mp, sp^2)) in fp32."""
    return torch.log(sp / sq) + (sq.square() + (mq - mp).square()) / (2 * sp.square()) - 0.5


def balanced_kl(mq, sq, mp, sp, alpha: float, zero_var: bool = False) -> torch.Tensor:
    """alpha*KL(sg(q)||p) + (1-alpha)*KL(q||sg(p)): the prior moves towards the posterior faster
    than the posterior is pulled to the prior (Dreamer's balancing, against posterior collapse)."""
    if zero_var:
        return alpha * 0.5 * (mq.detach() - mp).square() + (1 - alpha) * 0.5 * (mq - mp.detach()).square()
    a = gaussian_kl(mq.detach(), sq.detach(), mp, sp)
    b = gaussian_kl(mq, sq, mp.detach(), sp.detach())
    return alpha * a + (1 - alpha) * b


def reduce_kl(kl_el: torch.Tensor, answer_mask: torch.Tensor, how: str, free_bits: float = 0.0) -> torch.Tensor:
    """Batch-mean KL from elementwise (B, Lt, D) values, scaled to sit beside a token-mean CE.

    ``answer_mask``: (B, L) supervised answer positions (the CE averages over them).
    - "elbo": sum over positions and D, divided by the sample's answer-token count. Then
      CE + beta*KL is the paper's per-sample ELBO (summed log-likelihood - beta * summed KL)
      divided by a per-sample constant, so beta prices one nat of KL against one nat of
      reconstruction exactly as eq. 13/14 do.
    - "sum": sum over positions and D (L times the ELBO's price per nat against the token-mean CE).
    - "token_mean": sum over D, mean over positions; "mean": mean over everything.
    ``free_bits`` floors each position's KL (summed over D) before the reduction.
    """
    if how == "mean":
        return kl_el.mean()
    kl_tok = kl_el.sum(-1)
    if free_bits > 0:
        kl_tok = torch.clamp(kl_tok, min=free_bits)
    if how == "token_mean":
        return kl_tok.mean()
    per_sample = kl_tok.sum(-1)
    if how == "elbo":
        per_sample = per_sample / answer_mask.sum(-1).clamp(min=1)
    return per_sample.mean()
