# ruff: noqa: E741  (l is the paper's low-level latent)
"""The recursive core shared by GRAM and TRM, and one deep-supervision step of training.

State z = (h, l), token-wise (B, L, D), starting from a fixed random z0 buffer (saved in every
checkpoint). One transition: K low-level updates l <- f_L(l, h + e_x), then u = f_H(h, l), then
h = u + eps with eps from the posterior q(eps | u, y) in training, the prior p(eps | u) at test
time (GRAM), or h = u (TRM). A supervision step is T transitions; only the last one carries
gradients (the first T-1 run under no_grad) and the state is detached between steps.

Per-step loss (eq. 14 as a minimisation):
    CE(decoder(h_T), y) + beta * [alpha KL(sg q || p) + (1 - alpha) KL(q || sg p)] at transition T
    + halt_weight * BCE(q_halt, correct) + value_weight * (sigmoid(v) - r)^2,
where the aux heads see a detached state and, by default (``aux_rollout="prior_last"``), a
*prior* sample at the last transition: the posterior sees y and is right almost at once, so
heads fitted on it would learn to halt at step 1 and rank nothing (a trap a public reimplementation reports).
With ``train_rollout="prior"`` (not in the paper) the CE is taken on that prior sample instead, and
there is no posterior and no KL term.
"""

from __future__ import annotations

import itertools
import math

import torch
import torch.nn.functional as F
from torch import nn

from gram_agent.config import GRAMConfig
from gram_agent.model.guidance import Guidance, balanced_kl, reduce_kl
from gram_agent.model.heads import AuxHeads, Decoder
from gram_agent.model.layers import Reasoner


def canonical_classes(pred: torch.Tensor, mask: torch.Tensor, n_classes: int) -> torch.Tensor:
    """Relabel answer classes by order of first appearance over the masked positions (the
    colourings' canonical form), so a colour-permuted valid answer matches its stored class."""
    length = pred.shape[-1]
    pos = torch.arange(length, device=pred.device)
    is_c = (pred[..., None] == torch.arange(n_classes, device=pred.device)) & mask[..., None]
    first = torch.where(is_c, pos[:, None], length).amin(-2)  # (B, n_classes)
    rank = first.argsort(-1).argsort(-1)  # present colours have distinct first positions
    canon = rank.gather(-1, pred.clamp(0, n_classes - 1))
    return torch.where(mask, canon, pred)


def stablemax_log_probs(logits: torch.Tensor) -> torch.Tensor:
    """TRM's stablemax: s(x) = x + 1 (x >= 0) else 1 / (1 - x), normalised; log in fp32."""
    s = torch.where(logits >= 0, logits + 1, 1 / (1 - torch.clamp(logits, max=0.0)))
    return torch.log(s / s.sum(-1, keepdim=True))


def init_inputs(model: nn.Module, cfg: GRAMConfig, vocab_size: int, seq_len: int, n_answer: int,
                total_len: int) -> None:
    """What every model kind shares at its input: sizes, the token embedding (truncated normal, scaled
    by sqrt(D) in ``encode``) and the zero-initialised puzzle-identifier table where there is a prefix."""
    d = cfg.d_model
    model.cfg = cfg
    model.vocab_size, model.seq_len, model.n_answer = vocab_size, seq_len, n_answer
    model.canonical_labels = False  #: set from TaskSpec by the trainer (colourings)
    #: (G, k) answer positions whose classes must all differ, where that alone makes an answer valid
    #: (blank-board generation); set by the trainer from the dataset's ``answer_alldiff_groups``
    model.alldiff_groups = None
    model.prefix = cfg.puzzle_emb_len
    model.total_len = total_len
    model.embed = nn.Embedding(vocab_size, d)
    nn.init.trunc_normal_(model.embed.weight, 0.0, 1.0 / math.sqrt(d), -2.0 / math.sqrt(d), 2.0 / math.sqrt(d))
    model.embed_scale = math.sqrt(d)
    model.puzzle_emb = nn.Embedding(cfg.num_puzzle_ids, d) if model.prefix else None
    if model.puzzle_emb is not None:
        nn.init.zeros_(model.puzzle_emb.weight)


class RecursiveModel(nn.Module):
    """GRAM (``cfg.model == "gram"``) or TRM (``"trm"``): encoder, core, guidance and heads."""

    def __init__(self, cfg: GRAMConfig, vocab_size: int, seq_len: int, n_answer: int) -> None:
        super().__init__()
        init_inputs(self, cfg, vocab_size, seq_len, n_answer, seq_len + cfg.puzzle_emb_len)
        d = cfg.d_model
        args = (d, cfg.n_heads, cfg.n_layers, self.total_len, cfg.mixer, cfg.ffn_expansion, cfg.rope_theta,
                cfg.norm_eps)
        self.f_L = Reasoner(*args)
        self.f_H = self.f_L if cfg.share_weights else Reasoner(*args)
        self.guidance = Guidance(cfg, vocab_size) if cfg.guided else None
        self.decoder = Decoder(cfg, n_answer)
        self.aux = AuxHeads(cfg)
        g = torch.Generator().manual_seed(cfg.seed + 12345)
        z0 = torch.randn(2, self.total_len, d, generator=g).clamp_(-2, 2)
        self.register_buffer("z0", z0)  # fixed random start, identical for prior and posterior
        # KL weight read inside the (compiled) step; the trainer updates it in place for schedules
        self.register_buffer("beta_now", torch.tensor(float(cfg.beta)), persistent=False)
        # answer class -> token id, for the posterior's input under ``target="nearest"`` (set by the trainer)
        self.register_buffer("answer_tok", torch.arange(n_answer), persistent=False)
        #: every order of a matched group's draws (target="matched", match_draw="uniform" only), built
        #: once rather than each step
        group = cfg.match_group if cfg.match_draw == "uniform" else 1
        orders = torch.tensor(list(itertools.permutations(range(group))))
        self.register_buffer("match_orders", orders, persistent=False)

    # ------------------------------------------------------------------ pieces
    def encode(self, x: torch.Tensor, puzzle_ids: torch.Tensor | None = None) -> torch.Tensor:
        """e_x: scaled token embedding, with the puzzle-identifier prefix (slot 0; others zero)."""
        e = self.embed(x.long()) * self.embed_scale
        if self.prefix:
            pre = torch.zeros(x.shape[0], self.prefix, e.shape[-1], dtype=e.dtype, device=e.device)
            pid = torch.zeros(x.shape[0], dtype=torch.long, device=x.device) if puzzle_ids is None else puzzle_ids
            pre[:, 0] = self.puzzle_emb(pid.long())
            e = torch.cat([pre, e], dim=1)
        return e

    def initial_state(self, batch: int, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(h, l) at the start of a trajectory: the fixed z0, with ``cfg.start_noise`` times fresh
        standard normals added to h when a generator is given (a random start per trajectory)."""
        h, l = self.z0[0].expand(batch, -1, -1).clone(), self.z0[1].expand(batch, -1, -1).clone()
        if generator is not None and self.cfg.start_noise > 0:
            h = h + self.cfg.start_noise * torch.randn(h.shape, generator=generator, device=h.device, dtype=h.dtype)
        return h, l

    def latent(self, h: torch.Tensor, l: torch.Tensor, ex: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """K low-level steps, then u = f_H(h, l)."""
        inj = h + ex  # the same injection for all K steps: summed once
        for _ in range(self.cfg.K):
            l = self.f_L(l, inj)
        return self.f_H(h, l), l

    def pad_prefix(self, t: torch.Tensor, value: int) -> torch.Tensor:
        if not self.prefix:
            return t
        return F.pad(t, (self.prefix, 0), value=value)

    def logits(self, h: torch.Tensor) -> torch.Tensor:
        return self.decoder(h[:, self.prefix:])

    # ------------------------------------------------------------------ training
    def forward(self, h, l, x, y_cls, y_tok, sols, noise, puzzle_ids=None, match_u=None, nstep=None):
        """One supervision step on a batch of slots (the DDP/compile unit).

        h, l: (B, Lt, D) fp32 carry; x: (B, L) input tokens; y_cls: (B, L) answer classes with -100
        where unsupervised; y_tok: (B, L) label tokens (0 where unsupervised) for the posterior;
        sols: (B, S, L) valid answers as classes (-1 don't-care, -2 padding rows) for aux targets;
        noise: (T + 1, B, Lt, D) standard normals (the last one for the prior sample of the aux heads);
        puzzle_ids: (B,) identifiers for the prefix embedding, or None (id 0);
        match_u: (B, S) uniforms that draw each slot's completion under ``target="matched"``;
        nstep: (B,) supervision steps each slot had before this one (HRM's Q-learning reads it; unused here).
        Returns (loss, stats (9,), h, l, q_halt (B,), correct (B,)).
        """
        cfg = self.cfg
        ex = self.encode(x, puzzle_ids)
        g = self.guidance
        yt = self.pad_prefix(y_tok.long(), 0)
        with torch.no_grad():
            for t in range(cfg.T - 1):
                u, l = self.latent(h, l, ex)
                if g is not None:
                    # earlier transitions from the prior: from the posterior (the KL paid on the last
                    # only) they collapsed generation to a few grids (docs/experiments/cpu-sudokugen4.md)
                    m_t, s_t = g.prior_params(u)
                    h = u + m_t + s_t * noise[t]
                else:
                    h = u
        u, l = self.latent(h, l, ex)
        prior_logits = None  # the prior sample of the last transition, decoded once (aux heads, targets)
        if g is not None:
            mp, sp = g.prior_params(u)
            h_prior = u + mp + sp * noise[cfg.T]
            if cfg.target != "label" or cfg.aux_rollout == "prior_last":
                with torch.no_grad():
                    prior_logits = self.logits(h_prior.detach()).float()
        if cfg.target != "label":  # a valid answer chosen by the model's own (prior) prediction
            with torch.no_grad():
                own = prior_logits if g is not None else self.logits(u).float()
                y_cls = self.training_target(own, y_cls, sols, match_u)
                y_tok = torch.where(y_cls >= 0, self.answer_tok[y_cls.clamp(min=0)], 0)
                yt = self.pad_prefix(y_tok.long(), 0)
        zero = torch.zeros((), device=x.device)
        kl, sig_p, sig_q = zero, zero, zero
        if g is not None and cfg.train_rollout == "prior":  # the prior sample itself; no posterior, no KL
            h = h_prior
            sig_p = sig_q = sp.mean().detach()
        elif g is not None:
            mq, sq = g.posterior_params(u, yt)
            h = u + mq + sq * noise[cfg.T - 1]
            kl_el = balanced_kl(mq, sq, mp, sp, cfg.kl_balance, zero_var=cfg.guidance_mode == "zero_var")
            kl = reduce_kl(kl_el, y_cls >= 0, cfg.kl_reduce, cfg.free_bits)
            sig_p, sig_q = sp.mean().detach(), sq.mean().detach()
        else:
            h = u
        logits = self.logits(h).float()
        mask = y_cls >= 0
        tgt = torch.where(mask, y_cls, 0).long()
        logp = stablemax_log_probs(logits) if cfg.loss_type == "stablemax" else F.log_softmax(logits, dim=-1)
        nll = -logp.gather(-1, tgt[..., None]).squeeze(-1)
        ntok = mask.sum(-1).clamp(min=1)
        ce = ((nll * mask).sum(-1) / ntok).mean()
        pred = logits.argmax(-1)
        tok_acc = (((pred == y_cls) & mask).sum(-1) / ntok)

        # aux heads: detached state, fitted on a prior sample at the last transition (default)
        with torch.no_grad():
            if g is not None and cfg.aux_rollout == "prior_last":
                h_aux = h_prior.detach()
                pred_aux = prior_logits.argmax(-1)
            else:
                h_aux = h.detach()
                pred_aux = pred
            correct, racc = self.correctness(pred_aux, y_cls, sols)
        q_halt, v_logit = self.aux(h_aux[:, 0])
        halt_loss = F.binary_cross_entropy_with_logits(q_halt, correct)
        r = racc if cfg.lprm_target == "token_acc" else correct
        value_loss = (torch.sigmoid(v_logit) - r).square().mean()
        loss = ce + self.beta_now * kl + cfg.halt_weight * halt_loss + cfg.value_weight * value_loss
        stats = torch.stack([
            loss.detach(), ce.detach(), kl.detach(), halt_loss.detach(), value_loss.detach(),
            tok_acc.mean().detach(), correct.mean(), sig_p, sig_q,
        ])
        return loss, stats, h.detach().float(), l.detach().float(), q_halt.detach(), correct

    def _answer_candidates(self, logits: torch.Tensor, y_cls: torch.Tensor, sols: torch.Tensor | None):
        """Every valid answer of each row (its label, the stored solutions and, for label-symmetric
        tasks unless ``target_permutations`` is off, their class permutations) with its token-mean
        NLL under ``logits``.
        Returns (candidates (B, S, L) classes with -1 don't-care / -2 padding, nll (B, S), inf on padding)."""
        cfg = self.cfg
        logp = stablemax_log_probs(logits) if cfg.loss_type == "stablemax" else F.log_softmax(logits, dim=-1)
        mask = y_cls >= 0
        ntok = mask.sum(-1).clamp(min=1)
        cands = y_cls[:, None] if sols is None else torch.cat([y_cls[:, None], sols.long()], dim=1)  # (B, S, L)
        if self.canonical_labels and cfg.target_permutations:
            perms = torch.tensor(list(itertools.permutations(range(self.n_answer))), device=logits.device)
            mapped = perms[:, cands.clamp(min=0)]  # (P, B, S, L)
            cands = torch.where(cands >= 0, mapped, cands).permute(1, 0, 2, 3).flatten(1, 2)
        b, s, length = cands.shape
        lp = logp[:, None].expand(b, s, length, logp.shape[-1])
        nll = -lp.gather(-1, cands.clamp(min=0)[..., None]).squeeze(-1)
        care = (cands >= 0) & mask[:, None]
        per = (nll * care).sum(-1) / ntok[:, None]
        pad_row = (cands == -2).all(-1)
        return cands, torch.where(pad_row, torch.full_like(per, float("inf")), per)

    def nearest_answer(self, logits: torch.Tensor, y_cls: torch.Tensor, sols: torch.Tensor | None) -> torch.Tensor:
        """(B, L) classes of the valid answer nearest to ``logits`` (``target="nearest"``): the row's
        label where the task stores no alternatives; -100 stays where the row is unsupervised and
        don't-care cells of a stored solution take the label's class."""
        cands, per = self._answer_candidates(logits, y_cls, sols)
        best = cands[torch.arange(cands.shape[0], device=cands.device), per.argmin(-1)]
        return torch.where((best >= 0) & (y_cls >= 0), best, y_cls)

    def matched_answer(self, logits: torch.Tensor, y_cls: torch.Tensor, sols: torch.Tensor | None,
                       match_u: torch.Tensor | None) -> torch.Tensor:
        """(B, L) classes under ``target="matched"``: slot i of each group of ``match_group`` (one input)
        draws a stored solution uniformly (argmax of ``match_u`` over the non-padding rows); the group's
        draws go to its slots by the one-to-one assignment of least total token NLL (every order tried),
        each in its nearest class permutation for label-symmetric tasks (the stored form itself when
        ``target_permutations`` is off). ``match_draw="spread"`` draws
        nothing: slot by slot, each takes its nearest completion not yet used ceil(m / n) times by its
        group. ``match_draw="imle"`` (implicit maximum likelihood): each of the group's draws claims
        the slot nearest to it; a claimed slot takes its nearest claiming draw, an unclaimed slot its
        own nearest completion. Without stored solutions (or uniforms, "uniform"/"imle") it is the
        row's label; -100 and don't-care cells follow ``nearest_answer``."""
        spread = self.cfg.match_draw == "spread"
        if sols is None or (match_u is None and not spread):
            return y_cls
        m = self.cfg.match_group
        cands, per = self._answer_candidates(logits, y_cls, sols)  # candidates: P blocks of (label, sols)
        b, n_sol = y_cls.shape[0], sols.shape[1]
        per = per.view(b, -1, n_sol + 1)[..., 1:]  # (B, P, S): the stored solutions, not the label copy
        cost, perm_idx = per.min(1)  # (B, S): best class permutation per solution
        valid = torch.isfinite(cost)
        g = b // m
        cost_g = cost.view(g, m, n_sol)
        if spread:  # slot by slot, the nearest completion the group has not used up
            cap = torch.ceil(m / valid.view(g, m, n_sol)[:, 0].sum(-1).clamp(min=1))[:, None]  # (G, 1)
            used = torch.zeros(g, n_sol, device=logits.device)
            picks = []
            for i in range(m):
                pick = cost_g[:, i].masked_fill(used >= cap, float("inf")).argmin(-1)  # (G,)
                used = used.scatter_add(1, pick[:, None], torch.ones_like(pick[:, None], dtype=used.dtype))
                picks.append(pick)
            sol = torch.stack(picks, 1).reshape(b)
        else:
            draw = torch.where(valid, match_u.float(), -1.0).argmax(-1)  # (B,) uniform over valid rows
            draw_g = draw.view(g, m)
            pair = cost_g.gather(2, draw_g[:, None, :].expand(g, m, m))  # [g, i, j]: slot i takes draw j
            if self.cfg.match_draw == "imle":  # every draw pulls only the sample nearest to it
                claims = pair.argmin(1)[:, None, :] == torch.arange(m, device=logits.device)[None, :, None]
                claimed = torch.where(claims, pair, float("inf"))  # [g, i, j]: draw j claimed slot i
                take = draw_g.gather(1, claimed.argmin(-1))  # (G, m) the nearest claiming draw
                sol = torch.where(claims.any(-1), take, cost_g.argmin(-1)).reshape(b)
            else:
                orders = self.match_orders  # (m!, m)
                total = pair[:, torch.arange(m, device=logits.device), orders].sum(-1)  # (G, m!)
                chosen = orders[total.argmin(-1)]  # (G, m): slot i takes draw chosen[i]
                sol = draw_g.gather(1, chosen).reshape(b)  # (B,)
        rows = torch.arange(b, device=logits.device)
        flat = perm_idx[rows, sol] * (n_sol + 1) + 1 + sol
        best = cands[rows, flat]
        ok = (best >= 0) & (y_cls >= 0) & valid.any(-1, keepdim=True)
        return torch.where(ok, best, y_cls)

    def training_target(self, own: torch.Tensor, y_cls: torch.Tensor, sols: torch.Tensor | None,
                        match_u: torch.Tensor | None) -> torch.Tensor:
        """(B, L) classes a step is scored against, from the model's own logits ``own``: the nearest
        completion (``target="nearest"``) or the matched one (``target="matched"``)."""
        if self.cfg.target == "matched":
            return self.matched_answer(own, y_cls, sols, match_u)
        return self.nearest_answer(own, y_cls, sols)

    def correctness(self, pred: torch.Tensor, y_cls: torch.Tensor, sols: torch.Tensor | None):
        """(1[pred is a valid answer], token accuracy vs the row label), both fp32 (B,)."""
        mask = y_cls >= 0
        if self.canonical_labels:
            pred = canonical_classes(pred, mask, self.n_answer)
        exact = ((pred == y_cls) | ~mask).all(-1)
        if sols is not None and self.cfg.lprm_target != "exact":
            hit = ((sols == pred[:, None].to(sols.dtype)) | (sols == -1)).all(-1).any(-1)
            exact = exact | hit
        if self.alldiff_groups is not None and self.cfg.lprm_target != "exact":
            grouped = pred[:, self.alldiff_groups].sort(-1).values  # (B, G, k)
            exact = exact | (grouped[..., 1:] != grouped[..., :-1]).all(-1).all(-1)
        acc = ((pred == y_cls) & mask).sum(-1) / mask.sum(-1).clamp(min=1)
        return exact.float(), acc.float()

    # ------------------------------------------------------------------ inference
    @torch.no_grad()
    def infer_step(self, h, l, ex, noise: torch.Tensor | None, ptrm_noise: torch.Tensor | None = None,
                   ptrm_target: str = "l"):
        """One supervision step from the prior (GRAM) or deterministic (TRM); optional PTRM
        perturbation of the latent before it. Returns (h, l, logits, q_halt, value)."""
        if ptrm_noise is not None:
            if ptrm_target == "l":
                l = l + ptrm_noise
            else:
                h = h + ptrm_noise
        for t in range(self.cfg.T):
            u, l = self.latent(h, l, ex)
            if self.guidance is not None and noise is not None:
                mp, sp = self.guidance.prior_params(u)
                h = u + mp + sp * noise[t]
            elif self.guidance is not None:
                h = u + self.guidance.prior_params(u)[0]
            else:
                h = u
        logits = self.logits(h).float()
        q_halt, v = self.aux(h[:, 0])
        return h.float(), l.float(), logits, q_halt, torch.sigmoid(v)
