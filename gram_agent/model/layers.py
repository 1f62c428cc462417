# ruff: noqa: E741  (l is the paper's low-level latent)
"""Building blocks shared by GRAM and TRM: parameter-free fp32 RMSNorm, bias-free linears with
truncated LeCun init, SwiGLU, RoPE self-attention and MLP-mixer token mixing, post-norm blocks.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def trunc_lecun_(w: torch.Tensor, fan_in: int | None = None) -> torch.Tensor:
    """Truncated normal at +-2 std with std 1/sqrt(fan_in), corrected for truncation (as JAX/TRM)."""
    fan_in = fan_in or w.shape[-1]
    std = 1.0 / math.sqrt(fan_in) / 0.87962566103423978  # std of N(0,1) truncated at +-2
    with torch.no_grad():
        return nn.init.trunc_normal_(w, 0.0, std, -2 * std, 2 * std)


class Linear(nn.Module):
    """Bias-free linear (TRM/GRAM); ``zero=True`` starts it at zero (heads whose output must start at 0)."""

    def __init__(self, d_in: int, d_out: int, *, zero: bool = False, bias: bool = False) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(d_out, d_in))
        self.bias = nn.Parameter(torch.zeros(d_out)) if bias else None
        if zero:
            nn.init.zeros_(self.weight)
        else:
            trunc_lecun_(self.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight, self.bias)


def rms_norm(x: torch.Tensor, eps: float = 1e-5, dim: int = -1) -> torch.Tensor:
    """Parameter-free RMSNorm over ``dim``, computed in fp32 (bf16 squares lose too much), cast back."""
    xf = x.float()
    return (xf * torch.rsqrt(xf.pow(2).mean(dim, keepdim=True) + eps)).to(x.dtype)


def swiglu_hidden(d: int, expansion: float) -> int:
    """TRM's rule: round(expansion * d * 2/3), rounded up to a multiple of 64 (tensor-core friendly)."""
    h = round(expansion * d * 2 / 3)
    return max(64, -(-h // 64) * 64)


class SwiGLU(nn.Module):
    """silu(gate) * up, then down; gate and up from one fused projection."""

    def __init__(self, d_in: int, hidden: int, d_out: int | None = None, *, zero_out: bool = False) -> None:
        super().__init__()
        self.gate_up = Linear(d_in, 2 * hidden)
        self.down = Linear(hidden, d_out or d_in, zero=zero_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        g, u = self.gate_up(x).chunk(2, dim=-1)
        return self.down(F.silu(g) * u)


class Rotary(nn.Module):
    """RoPE tables (half-rotation convention) for a fixed sequence length; buffers, not state."""

    def __init__(self, head_dim: int, seq_len: int, theta: float) -> None:
        super().__init__()
        inv = 1.0 / theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim)
        ang = torch.outer(torch.arange(seq_len, dtype=torch.float32), inv)
        ang = torch.cat([ang, ang], dim=-1)
        self.register_buffer("cos", ang.cos(), persistent=False)
        self.register_buffer("sin", ang.sin(), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, H, L, hd), L <= seq_len (a prefix)
        x1, x2 = x.chunk(2, dim=-1)
        rot = torch.cat([-x2, x1], dim=-1)
        n = x.shape[-2]
        return x * self.cos[:n].to(x.dtype) + rot * self.sin[:n].to(x.dtype)


class Attention(nn.Module):
    """Multi-head self-attention with RoPE through SDPA: full, or under a boolean ``mask`` (True: may
    attend; the autoregressive baseline's causal mask, cut to the length of x)."""

    def __init__(self, d: int, n_heads: int, seq_len: int, theta: float) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.qkv = Linear(d, 3 * d)
        self.out = Linear(d, d)
        self.rope = Rotary(d // n_heads, seq_len, theta)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        b, l, d = x.shape
        q, k, v = self.qkv(x).view(b, l, 3, self.n_heads, d // self.n_heads).permute(2, 0, 3, 1, 4).unbind(0)
        q, k = self.rope(q), self.rope(k)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=None if mask is None else mask[:l, :l])
        return self.out(y.transpose(1, 2).reshape(b, l, d))


#: the mixer pads the sequence axis to a multiple of this (16 bf16 = 32 bytes: aligned GEMM operands)
MIX_ALIGN = 16
#: the axis the norm after the MLP mixer runs over: 1, the sequence (TRM's mlp_t); -1, the channels,
#: which experiments.cpu_mixer_norm sets to measure what the sequence axis buys
MLP_MIX_NORM_DIM = 1


class TokenMixer(nn.Module):
    """MLP-mixer token mixing: a SwiGLU across the sequence axis (TRM's ``mlp_t``, no positions).

    The sequence axis is zero-padded to a multiple of ``MIX_ALIGN`` inside the forward, with the
    weights padded by zero columns / rows and the extra outputs dropped: the same result and the same
    parameters, but GEMMs whose inner and leading dimensions suit tensor cores (81 does not)."""

    def __init__(self, seq_len: int, expansion: float) -> None:
        super().__init__()
        self.seq_len = seq_len
        self.pad = -seq_len % MIX_ALIGN
        self.mlp = SwiGLU(seq_len, swiglu_hidden(seq_len, expansion))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.pad:
            return self.mlp(x.transpose(1, 2)).transpose(1, 2)
        w_in = F.pad(self.mlp.gate_up.weight, (0, self.pad))  # (2H, Lp): zero columns meet zero inputs
        w_out = F.pad(self.mlp.down.weight, (0, 0, 0, self.pad))  # (Lp, H): zero rows give outputs dropped below
        g, u = F.linear(F.pad(x.transpose(1, 2), (0, self.pad)), w_in).chunk(2, dim=-1)
        return F.linear(F.silu(g) * u, w_out)[..., :self.seq_len].transpose(1, 2)


class Block(nn.Module):
    """Post-norm block: x = norm(x + mix(x)); x = norm(x + SwiGLU(x)). Ends in a norm, so the
    residual stream stays at unit RMS however often the block is applied. After the MLP mixer the
    norm runs over the sequence axis, as in TRM's mlp_t (over channels, deep stacks do not train)."""

    def __init__(self, d: int, n_heads: int, seq_len: int, mixer: str, expansion: float, theta: float, eps: float):
        super().__init__()
        self.mix = Attention(d, n_heads, seq_len, theta) if mixer == "attn" else TokenMixer(seq_len, expansion)
        self.mlp = SwiGLU(d, swiglu_hidden(d, expansion))
        self.eps = eps
        self.mix_norm_dim = -1 if mixer == "attn" else MLP_MIX_NORM_DIM

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = rms_norm(x + self.mix(x), self.eps, self.mix_norm_dim)
        return rms_norm(x + self.mlp(x), self.eps)


class Reasoner(nn.Module):
    """One reasoning module f(state, injection) = blocks(state + injection) (TRM/GRAM input adding)."""

    def __init__(self, d: int, n_heads: int, n_layers: int, seq_len: int, mixer: str, expansion: float,
                 theta: float, eps: float) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(
            Block(d, n_heads, seq_len, mixer, expansion, theta, eps) for _ in range(n_layers)
        )

    def forward(self, state: torch.Tensor, injection: torch.Tensor) -> torch.Tensor:
        x = state + injection
        for blk in self.blocks:
            x = blk(x)
        return x
