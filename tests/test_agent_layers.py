"""Building blocks: the fast paths of the layers agree with their plain definitions."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

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
    torch.manual_seed(1)
    blk = Block(32, 2, 81, "mlp", 4.0, 10000.0, 1e-5)
    x = torch.randn(4, 81, 32)
    mid = rms_norm(x + reference_mixer(blk.mix, x), blk.eps)  # the block as defined, unpadded mixer
    ref = rms_norm(mid + blk.mlp(mid), blk.eps)
    torch.testing.assert_close(blk(x), ref, rtol=1e-5, atol=1e-5)
