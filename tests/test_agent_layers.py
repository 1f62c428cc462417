"""Building blocks: the fast paths of the layers agree with their plain definitions."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from gram_agent.config import preset  # noqa: E402
from gram_agent.model.core import RecursiveModel  # noqa: E402
from gram_agent.model.layers import MIX_ALIGN, Block, TokenMixer, rms_norm  # noqa: E402

torch.set_num_threads(1)


def reference_mixer(mixer: TokenMixer, x: torch.Tensor) -> torch.Tensor:
    """The mixer as defined: a SwiGLU over the sequence axis, unpadded."""
    return mixer.mlp(x.transpose(1, 2)).transpose(1, 2)


@pytest.mark.parametrize("seq_len", [81, 13, 2 * MIX_ALIGN])
def test_padded_token_mixer_equals_the_unpadded_swiglu(seq_len):
    torch.manual_seed(0)
    mixer = TokenMixer(seq_len, 4.0).double()
    assert mixer.pad == -seq_len % MIX_ALIGN
    x = torch.randn(3, seq_len, 24, dtype=torch.float64, requires_grad=True)
    w = torch.randn(3, seq_len, 24, dtype=torch.float64)  # a random cotangent

    y = mixer(x)
    (y * w).sum().backward()
    got = (y.detach(), x.grad.clone(), *(p.grad.clone() for p in mixer.parameters()))
    x.grad = None
    mixer.zero_grad()
    ref = reference_mixer(mixer, x)
    (ref * w).sum().backward()
    want = (ref.detach(), x.grad, *(p.grad for p in mixer.parameters()))

    assert y.shape == x.shape
    for a, b in zip(got, want, strict=True):
        assert a.shape == b.shape
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)
    # the parameters keep their unpadded shapes (checkpoints load as before)
    assert mixer.mlp.gate_up.weight.shape[1] == seq_len and mixer.mlp.down.weight.shape[0] == seq_len


def test_mixer_block_in_float32_matches_the_reference_block():
    """TRM's mlp_t block: transpose to (B, D, L), SwiGLU over L, add, RMSNorm over L (the last axis
    of the transposed tensor), transpose back; then the channel SwiGLU with RMSNorm over D."""
    torch.manual_seed(1)
    blk = Block(32, 2, 81, "mlp", 4.0, 10000.0, 1e-5)
    x = torch.randn(4, 81, 32)
    xt = x.transpose(1, 2)
    mid = rms_norm(xt + blk.mix.mlp(xt), blk.eps).transpose(1, 2)  # unpadded mixer
    ref = rms_norm(mid + blk.mlp(mid), blk.eps)
    torch.testing.assert_close(blk(x), ref, rtol=1e-5, atol=1e-5)
    # every channel has unit RMS over the sequence after the mixer's norm, not every position over D
    mixed = rms_norm(x + blk.mix(x), blk.eps, dim=1)
    torch.testing.assert_close(mixed.pow(2).mean(1), torch.ones(4, 32), rtol=1e-4, atol=1e-4)


def test_attention_block_normalises_over_channels():
    torch.manual_seed(2)
    blk = Block(32, 2, 16, "attn", 4.0, 10000.0, 1e-5)
    x = torch.randn(3, 16, 32)
    mid = rms_norm(x + blk.mix(x), blk.eps)
    torch.testing.assert_close(blk(x), rms_norm(mid + blk.mlp(mid), blk.eps), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("model", ["gram", "trm"])
def test_training_step_under_bf16_autocast_runs_in_mixed_precision(model):
    """The GPU path (bf16 autocast) through a whole supervision step, run on the CPU's autocast:
    finite, an fp32 carry out, and a loss near the fp32 one."""
    torch.manual_seed(3)
    cfg = preset("tiny", model=model, d_model=32, n_heads=2, guidance_hidden=32, mixer="mlp", compile=False)
    m = RecursiveModel(cfg, 11, 81, 9)
    g = torch.Generator().manual_seed(0)
    x = torch.randint(1, 11, (4, 81), generator=g)
    y_cls = torch.randint(0, 9, (4, 81), generator=g)
    h0, l0 = m.initial_state(4)
    noise = torch.randn(cfg.T + 1, 4, m.total_len, cfg.d_model, generator=g)
    args = (h0, l0, x, y_cls, y_cls + 1, None, noise)
    loss32 = m(*args)[0]
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss, stats, h2, l2, q_halt, correct = m(*args)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(stats).all()
    assert h2.dtype == l2.dtype == torch.float32
    assert all(torch.isfinite(p.grad).all() for p in m.parameters() if p.grad is not None)
    torch.testing.assert_close(loss.float(), loss32, rtol=0.05, atol=0.05)
