"""The paper's one-shot baselines on the GRAM data path: Direct Pred, Looped TF, AR, MDLM and D3PM.

Each trains in one pass per training row (no deep supervision, no carried state) and shares the
recursive core's interface where the trainer and the Agent touch it: ``encode``, ``forward`` (one
training step: loss, stats and an unchanged dummy carry), ``initial_state`` / ``z0`` (that dummy
carry), ``correctness``, and ``sample`` (answer classes for a batch of inputs). Answers are classes
of the task's answer tokens, as the core's decoder emits, so a sample is always a decodable board.

- ``direct``: a plain transformer, ``n_layers`` blocks applied once.
- ``looped``: one block of ``n_layers`` layers applied ``loops`` times with the input re-added each
  time; the loss is scored only after the last loop (gradients through every loop).
- ``ar``: the answer is generated cell by cell after the puzzle: the puzzle tokens see one another,
  each answer cell sees the puzzle and the answer cells before it (a causal mask over the answer).
- ``mdlm``: masked diffusion (absorbing state, linear schedule, SUBS parameterisation): training
  masks each answer cell with probability t ~ U(0, 1) and weighs the masked cells' cross-entropy by
  the continuous-time ELBO's 1/t; sampling unmasks from all-masked in a fixed number of steps.
- ``d3pm``: discrete diffusion with uniform transitions on a DiT backbone (adaLN-zero time
  conditioning), trained on the hybrid loss, sampled in its ``diffusion_steps`` times.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from gram_agent.config import GRAMConfig
from gram_agent.model.core import RecursiveModel, init_inputs, stablemax_log_probs
from gram_agent.model.heads import Decoder
from gram_agent.model.layers import Attention, Linear, Reasoner, SwiGLU, rms_norm, swiglu_hidden

#: the smallest diffusion time drawn in training: the ELBO weight 1/t stays finite
T_MIN = 1e-3


class OneShotModel(nn.Module):
    """What the baselines share: the token and puzzle-identifier embeddings, a dummy carry for the
    trainer's slots, the loss and stats of one training step, and validity of a prediction."""

    stochastic = False  #: whether N samples of one input differ (AR, MDLM)

    def __init__(self, cfg: GRAMConfig, vocab_size: int, seq_len: int, n_answer: int, total_len: int) -> None:
        super().__init__()
        init_inputs(self, cfg, vocab_size, seq_len, n_answer, total_len)
        # the trainer's per-slot carry (h, l): nothing is carried, so one number per position
        self.register_buffer("z0", torch.zeros(2, self.prefix + seq_len, 1), persistent=False)
        self.register_buffer("answer_tok", torch.arange(n_answer), persistent=False)

    encode = RecursiveModel.encode
    correctness = RecursiveModel.correctness

    def initial_state(self, batch: int, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        return self.z0[0].expand(batch, -1, -1).clone(), self.z0[1].expand(batch, -1, -1).clone()

    def train_noise(self, generator: torch.Generator, batch: int) -> torch.Tensor | None:
        """Random numbers one training step needs for the global batch (sliced per rank), or None."""
        return None

    def log_probs(self, logits: torch.Tensor) -> torch.Tensor:
        logits = logits.float()
        return stablemax_log_probs(logits) if self.cfg.loss_type == "stablemax" else F.log_softmax(logits, dim=-1)

    def step_loss(self, x: torch.Tensor, y_cls: torch.Tensor, noise: torch.Tensor | None,
                  puzzle_ids: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(loss, token-mean CE, predicted classes (B, L)) of one batch."""
        raise NotImplementedError

    def forward(self, h, l, x, y_cls, y_tok, sols, noise, puzzle_ids=None, match_u=None, nstep=None):  # noqa: E741
        """One training step in the recursive core's signature (the trainer's unit); h and l pass
        through, every slot halts (``q_halt`` is 0 and the trainer's depth is one step)."""
        loss, ce, pred = self.step_loss(x, y_cls, noise, puzzle_ids)
        mask = y_cls >= 0
        ntok = mask.sum(-1).clamp(min=1)
        tok_acc = ((pred == y_cls) & mask).sum(-1) / ntok
        with torch.no_grad():
            correct, _ = self.correctness(pred, y_cls, sols)
        zero = torch.zeros((), device=x.device)
        stats = torch.stack([loss.detach(), ce.detach(), zero, zero, zero, tok_acc.mean().detach(), correct.mean(),
                             zero, zero])
        return loss, stats, h, l, torch.zeros(x.shape[0], device=x.device), correct

    def sample(self, x: torch.Tensor, puzzle_ids: torch.Tensor | None, generator: torch.Generator,
               steps: int | None, temperature: float) -> torch.Tensor:
        """(B, L) answer classes for input rows x (B, L)."""
        raise NotImplementedError


def masked_ce(logp: torch.Tensor, y_cls: torch.Tensor) -> torch.Tensor:
    """Per-row token-mean NLL over the supervised cells (y_cls >= 0)."""
    mask = y_cls >= 0
    nll = -logp.gather(-1, torch.where(mask, y_cls, 0).long()[..., None]).squeeze(-1)
    return (nll * mask).sum(-1) / mask.sum(-1).clamp(min=1)


def _check_temperature(temperature: float) -> float:
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not 0 <= temperature < math.inf:
        raise ValueError(f"temperature must be one finite number >= 0 for this model, got {temperature!r}")
    return float(temperature)


def draw_classes(logits: torch.Tensor, temperature: float, generator: torch.Generator) -> torch.Tensor:
    """One class per row of ``logits`` (..., C): softmax(logits / temperature), argmax at 0."""
    if temperature == 0:
        return logits.argmax(-1)
    probs = torch.softmax(logits.float() / temperature, dim=-1)
    flat = probs.reshape(-1, probs.shape[-1])
    return torch.multinomial(flat, 1, generator=generator).view(probs.shape[:-1])


# ---------------------------------------------------------------------- Direct Pred and Looped TF
class TransformerBaseline(OneShotModel):
    """Direct Pred (``model="direct"``: the blocks once) or Looped TF (``"looped"``: ``loops`` times)."""

    def __init__(self, cfg: GRAMConfig, vocab_size: int, seq_len: int, n_answer: int) -> None:
        super().__init__(cfg, vocab_size, seq_len, n_answer, cfg.puzzle_emb_len + seq_len)
        self.net = Reasoner(cfg.d_model, cfg.n_heads, cfg.n_layers, self.total_len, cfg.mixer, cfg.ffn_expansion,
                            cfg.rope_theta, cfg.norm_eps)
        self.decoder = Decoder(cfg, n_answer)

    def logits(self, x: torch.Tensor, puzzle_ids: torch.Tensor | None, loops: int) -> torch.Tensor:
        ex = self.encode(x, puzzle_ids)
        h = torch.zeros_like(ex)
        for _ in range(loops):
            h = self.net(h, ex)  # the input is re-added every loop (input injection)
        return self.decoder(h[:, self.prefix:])

    def default_loops(self) -> int:
        return self.cfg.loops if self.cfg.model == "looped" else 1

    def step_loss(self, x, y_cls, noise, puzzle_ids):
        logits = self.logits(x, puzzle_ids, self.default_loops())
        ce = masked_ce(self.log_probs(logits), y_cls).mean()
        return ce, ce, logits.argmax(-1)

    def sample(self, x, puzzle_ids, generator, steps, temperature):
        if self.cfg.model == "direct" and steps not in (None, 1):
            raise ValueError(f"model 'direct' makes one pass; steps must be None or 1, got {steps!r}")
        _check_temperature(temperature)  # deterministic: the value is checked, never used
        return self.logits(x, puzzle_ids, steps or self.default_loops()).argmax(-1)


# ---------------------------------------------------------------------- AR
class CausalBlock(nn.Module):
    """The core's post-norm block with a masked attention."""

    def __init__(self, cfg: GRAMConfig, seq_len: int) -> None:
        super().__init__()
        self.attn = Attention(cfg.d_model, cfg.n_heads, seq_len, cfg.rope_theta)
        self.mlp = SwiGLU(cfg.d_model, swiglu_hidden(cfg.d_model, cfg.ffn_expansion))
        self.eps = cfg.norm_eps

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = rms_norm(x + self.attn(x, mask), self.eps)
        return rms_norm(x + self.mlp(x), self.eps)


class ARModel(OneShotModel):
    """Autoregressive answer generation given the puzzle (``model="ar"``).

    Sequence: [puzzle-id prefix, puzzle (L), answer (L)]. Answer cell i's input is its puzzle cell's
    embedding plus the embedding of answer class i-1 (a start class for i = 0); its output predicts
    class i. Unsupervised cells are read as class 0 and not scored."""

    stochastic = True

    def __init__(self, cfg: GRAMConfig, vocab_size: int, seq_len: int, n_answer: int) -> None:
        super().__init__(cfg, vocab_size, seq_len, n_answer, cfg.puzzle_emb_len + 2 * seq_len)
        d = cfg.d_model
        self.answer_emb = nn.Embedding(n_answer + 1, d)  # the last row is the start class
        nn.init.trunc_normal_(self.answer_emb.weight, 0.0, 1.0 / math.sqrt(d), -2.0 / math.sqrt(d), 2.0 / math.sqrt(d))
        self.blocks = nn.ModuleList(CausalBlock(cfg, self.total_len) for _ in range(cfg.n_layers))
        self.decoder = Decoder(cfg, n_answer)
        ctx = self.prefix + seq_len
        i = torch.arange(self.total_len)
        self.register_buffer("mask", (i[None, :] < ctx) | ((i[:, None] >= ctx) & (i[None, :] <= i[:, None])),
                             persistent=False)

    def logits(self, ex: torch.Tensor, prev: torch.Tensor) -> torch.Tensor:
        """Logits of answer cells 0..n-1 given the encoded puzzle ex and the classes before them
        ``prev`` (B, n): prev[:, 0] is the start class."""
        n = prev.shape[1]
        a = ex[:, self.prefix:self.prefix + n] + self.answer_emb(prev) * self.embed_scale
        h = torch.cat([ex, a], dim=1)
        for blk in self.blocks:
            h = blk(h, self.mask)
        return self.decoder(h[:, ex.shape[1]:])

    def step_loss(self, x, y_cls, noise, puzzle_ids):
        ex = self.encode(x, puzzle_ids)
        start = torch.full_like(y_cls[:, :1], self.n_answer)
        prev = torch.cat([start, y_cls[:, :-1].clamp(min=0)], dim=1).long()  # teacher forcing
        logits = self.logits(ex, prev)
        ce = masked_ce(self.log_probs(logits), y_cls).mean()
        return ce, ce, logits.argmax(-1)

    def sample(self, x, puzzle_ids, generator, steps, temperature):
        if steps is not None:
            raise ValueError(f"model 'ar' samples one cell per step over the whole answer; steps must be None, "
                             f"got {steps!r}")
        temperature = _check_temperature(temperature)
        ex = self.encode(x, puzzle_ids)
        out = torch.full((x.shape[0], self.seq_len + 1), self.n_answer, dtype=torch.long, device=x.device)
        for i in range(self.seq_len):  # one cell at a time, without a cache: the prefix is recomputed
            logits = self.logits(ex, out[:, :i + 1])[:, -1]
            out[:, i + 1] = draw_classes(logits, temperature, generator)
        return out[:, 1:]


# ---------------------------------------------------------------------- MDLM
class MDLMModel(OneShotModel):
    """Masked diffusion over the answer given the puzzle (``model="mdlm"``). Each cell's input is
    its puzzle token plus its answer class or the mask class; the net sees the whole sequence."""

    stochastic = True

    def __init__(self, cfg: GRAMConfig, vocab_size: int, seq_len: int, n_answer: int) -> None:
        super().__init__(cfg, vocab_size, seq_len, n_answer, cfg.puzzle_emb_len + seq_len)
        d = cfg.d_model
        self.answer_emb = nn.Embedding(n_answer + 1, d)  # the last row is the mask class
        nn.init.trunc_normal_(self.answer_emb.weight, 0.0, 1.0 / math.sqrt(d), -2.0 / math.sqrt(d), 2.0 / math.sqrt(d))
        self.net = Reasoner(d, cfg.n_heads, cfg.n_layers, self.total_len, cfg.mixer, cfg.ffn_expansion,
                            cfg.rope_theta, cfg.norm_eps)
        self.decoder = Decoder(cfg, n_answer)

    def logits(self, ex: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        h = torch.cat([ex[:, :self.prefix], ex[:, self.prefix:] + self.answer_emb(z) * self.embed_scale], dim=1)
        for blk in self.net.blocks:
            h = blk(h)
        return self.decoder(h[:, self.prefix:])

    def train_noise(self, generator, batch):
        """Per row: the diffusion time (column 0) and one uniform per cell that decides its mask."""
        return torch.rand((batch, 1 + self.seq_len), generator=generator, device=self.z0.device)

    def step_loss(self, x, y_cls, noise, puzzle_ids):
        t = noise[:, :1].clamp(min=T_MIN)  # (B, 1)
        masked = noise[:, 1:] < t  # each cell masked with probability t (alpha_t = 1 - t)
        y = y_cls.clamp(min=0).long()
        z = torch.where(masked, self.n_answer, y)
        logits = self.logits(self.encode(x, puzzle_ids), z)
        nll = -self.log_probs(logits).gather(-1, y[..., None]).squeeze(-1)
        scored = masked & (y_cls >= 0)
        # the continuous-time ELBO per cell: the masked cells' CE weighed by -alpha'_t / (1 - alpha_t) = 1 / t
        loss = ((nll * scored / t).sum(-1) / (y_cls >= 0).sum(-1).clamp(min=1)).mean()
        ce = (nll * scored).sum() / scored.sum().clamp(min=1)  # plain CE of the masked cells, for the logs
        return loss, ce, torch.where(masked, logits.argmax(-1), y)

    def sample(self, x, puzzle_ids, generator, steps, temperature):
        temperature = _check_temperature(temperature)
        n = steps or self.cfg.diffusion_steps
        ex = self.encode(x, puzzle_ids)
        z = torch.full((x.shape[0], self.seq_len), self.n_answer, dtype=torch.long, device=x.device)
        for s in range(n, 0, -1):  # from t = s/n to (s-1)/n: a masked cell unmasks with probability 1/s
            cand = draw_classes(self.logits(ex, z), temperature, generator)
            u = torch.rand(z.shape, generator=generator, device=z.device)
            z = torch.where((z == self.n_answer) & (u * s < 1.0), cand, z)
        return z


# ---------------------------------------------------------------------- D3PM
class DiTBlock(nn.Module):
    """A DiT block: pre-norm attention and SwiGLU, each modulated by the diffusion time (adaLN-zero:
    shift, scale and a gate per branch from the time embedding; the gates start at 0)."""

    def __init__(self, cfg: GRAMConfig, seq_len: int) -> None:
        super().__init__()
        d = cfg.d_model
        self.attn = Attention(d, cfg.n_heads, seq_len, cfg.rope_theta)
        self.mlp = SwiGLU(d, swiglu_hidden(d, cfg.ffn_expansion))
        self.ada = Linear(d, 6 * d, zero=True, bias=True)
        self.eps = cfg.norm_eps

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        s1, m1, g1, s2, m2, g2 = self.ada(F.silu(c))[:, None].chunk(6, dim=-1)
        x = x + g1 * self.attn(rms_norm(x, self.eps) * (1 + m1) + s1)
        return x + g2 * self.mlp(rms_norm(x, self.eps) * (1 + m2) + s2)


class D3PMModel(OneShotModel):
    """Discrete diffusion with uniform transitions (``model="d3pm"``; Austin et al. 2021) on a DiT
    backbone, conditioned on the puzzle (blank for unconditional generation).

    ``diffusion_steps`` = T discrete times on the cosine schedule D3PM uses for uniform transitions
    (alpha_bar_0 = 1, alpha_bar_T = 0): x_t keeps x_0 with probability alpha_bar_t, else takes a
    uniform class. The net predicts p(x_0 | x_t, t); the reverse step is
    p(x_{t-1} | x_t) proportional to q(x_t | x_{t-1}) * sum_x0 p(x_0 | x_t) q(x_{t-1} | x_0). Loss:
    the variational bound's KL term plus ``D3PM_CE`` times the cross-entropy on x_0 (the hybrid loss)."""

    stochastic = True

    def __init__(self, cfg: GRAMConfig, vocab_size: int, seq_len: int, n_answer: int) -> None:
        super().__init__(cfg, vocab_size, seq_len, n_answer, cfg.puzzle_emb_len + seq_len)
        d = cfg.d_model
        self.answer_emb = nn.Embedding(n_answer, d)
        nn.init.trunc_normal_(self.answer_emb.weight, 0.0, 1.0 / math.sqrt(d), -2.0 / math.sqrt(d), 2.0 / math.sqrt(d))
        self.time_mlp = SwiGLU(d, d)
        self.blocks = nn.ModuleList(DiTBlock(cfg, self.total_len) for _ in range(cfg.n_layers))
        self.decoder = Decoder(cfg, n_answer)
        half = d // 2
        self.register_buffer("freqs", torch.exp(-math.log(10000.0) * torch.arange(half) / max(half, 1)),
                             persistent=False)

    def alpha_bar(self, t: torch.Tensor) -> torch.Tensor:
        """Cosine schedule (Nichol and Dhariwal's offset 0.008), exactly 0 at t = T (the uniform start)."""
        big_t = self.cfg.diffusion_steps
        f = torch.cos((t.double() / big_t + 0.008) / 1.008 * (math.pi / 2)).square()
        return torch.where(t >= big_t, 0.0, f / math.cos(0.008 / 1.008 * math.pi / 2) ** 2).float()

    def logits(self, ex: torch.Tensor, xt: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """Logits of p(x_0 | x_t, t): ex (B, Lt, D) encoded puzzle, xt (B, L) classes, t (B,) integer times."""
        ang = t.float()[:, None] * self.freqs
        c = self.time_mlp(torch.cat([ang.sin(), ang.cos()], dim=-1).to(ex.dtype))
        h = torch.cat([ex[:, :self.prefix], ex[:, self.prefix:] + self.answer_emb(xt) * self.embed_scale], dim=1)
        for blk in self.blocks:
            h = blk(h, c)
        return self.decoder(rms_norm(h[:, self.prefix:], self.cfg.norm_eps))

    def reverse_probs(self, p0: torch.Tensor, xt: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """p(x_{t-1} | x_t) (B, L, C) from p(x_0 | x_t) = p0, at integer times t (B,) >= 1."""
        k = self.n_answer
        a_t, a_prev = self.alpha_bar(t)[:, None, None], self.alpha_bar(t - 1)[:, None, None]
        beta = 1.0 - a_t / a_prev  # one step's chance to resample uniformly
        fwd = (1 - beta) * F.one_hot(xt, k) + beta / k  # q(x_t | x_{t-1} = j), per j
        prior = a_prev * p0 + (1 - a_prev) / k  # sum_x0 p(x_0) q(x_{t-1} = j | x_0)
        un = fwd * prior
        return un / un.sum(-1, keepdim=True)

    def train_noise(self, generator, batch):
        """Per row: the time (column 0), then per cell whether it is resampled and the class it takes."""
        return torch.rand((batch, 1 + 2 * self.seq_len), generator=generator, device=self.z0.device)

    def step_loss(self, x, y_cls, noise, puzzle_ids):
        n, k, big_t = self.seq_len, self.n_answer, self.cfg.diffusion_steps
        t = (noise[:, 0] * big_t).long().clamp(max=big_t - 1) + 1  # uniform on 1..T
        y = y_cls.clamp(min=0).long()
        keep = noise[:, 1:1 + n] < self.alpha_bar(t)[:, None]
        xt = torch.where(keep, y, (noise[:, 1 + n:] * k).long().clamp(max=k - 1))
        logits = self.logits(self.encode(x, puzzle_ids), xt, t).float()
        logp0 = self.log_probs(logits)
        mask = y_cls >= 0
        ntok = mask.sum(-1).clamp(min=1)
        ce = ((-logp0.gather(-1, y[..., None]).squeeze(-1) * mask).sum(-1) / ntok).mean()
        # the bound's term at t: KL(q(x_{t-1} | x_t, x_0) || p(x_{t-1} | x_t)); at t = 1 the NLL of x_0
        q = self.reverse_probs(F.one_hot(y, k).float(), xt, t)
        p = self.reverse_probs(logp0.exp(), xt, t)
        kl = (q * (torch.log(q.clamp(min=1e-12)) - torch.log(p.clamp(min=1e-12)))).sum(-1)
        first = -torch.log(p.gather(-1, y[..., None]).squeeze(-1).clamp(min=1e-12))
        vb = torch.where((t == 1)[:, None], first, kl)
        loss = ((vb * mask).sum(-1) / ntok).mean() + D3PM_CE * ce
        return loss, ce, logits.argmax(-1)

    def sample(self, x, puzzle_ids, generator, steps, temperature):
        big_t = self.cfg.diffusion_steps
        if steps not in (None, big_t):
            raise ValueError(f"model 'd3pm' samples in its diffusion_steps={big_t} steps; steps must be None or "
                             f"{big_t}, got {steps!r}")
        temperature = _check_temperature(temperature)
        ex = self.encode(x, puzzle_ids)
        b = x.shape[0]
        xt = torch.randint(self.n_answer, (b, self.seq_len), generator=generator, device=x.device)
        for s in range(big_t, 0, -1):
            t = torch.full((b,), s, device=x.device, dtype=torch.long)
            logits = self.logits(ex, xt, t).float()
            p0 = torch.softmax(logits / temperature, -1) if temperature > 0 else F.one_hot(logits.argmax(-1),
                                                                                             self.n_answer).float()
            probs = self.reverse_probs(p0, xt, t)
            xt = torch.multinomial(probs.reshape(-1, self.n_answer), 1, generator=generator).view(b, self.seq_len)
        return xt


#: weight of the x_0 cross-entropy next to the variational bound in D3PM's hybrid loss (Austin et al.)
D3PM_CE = 0.01

BASELINE_MODELS: dict[str, type[OneShotModel]] = {
    "direct": TransformerBaseline, "looped": TransformerBaseline, "ar": ARModel, "mdlm": MDLMModel,
    "d3pm": D3PMModel,
}
