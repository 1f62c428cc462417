"""CPU studies: the mixer-norm arms (model, depth, norm axis) and the shared job runner."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")


def test_arms_set_the_norm_axis_depth_and_model(monkeypatch):
    mn = pytest.importorskip("experiments.cpu_mixer_norm")
    from gram_agent.model import layers

    monkeypatch.setattr(layers, "MLP_MIX_NORM_DIM", 1)  # restored after the test whatever the arms set
    r = mn.run_one(("trm-l4-channel", 0, 2))
    assert layers.MLP_MIX_NORM_DIM == -1
    assert (r["model"], r["layers"], r["norm_axis"], r["steps"]) == ("trm", 4, "channel", 2)
    assert 0.0 <= r["test_accuracy"] <= 1.0
    r = mn.run_one(("hrm-l2-seq", 1, 2))
    assert layers.MLP_MIX_NORM_DIM == 1 and (r["model"], r["layers"], r["seed"]) == ("hrm", 2, 1)


def test_block_reads_the_axis_when_built():
    import torch

    from gram_agent.model import layers

    torch.manual_seed(0)
    x = torch.randn(2, 16, 8)
    seq = layers.Block(8, 2, 16, "mlp", 2.0, 10000.0, 1e-5)
    assert seq.mix_norm_dim == layers.MLP_MIX_NORM_DIM == 1
    chan = layers.Block(8, 2, 16, "mlp", 2.0, 10000.0, 1e-5)
    chan.load_state_dict(seq.state_dict())
    chan.mix_norm_dim = -1
    assert not torch.allclose(seq(x), chan(x))


def test_run_jobs_keeps_job_order_fields_and_provenance(tmp_path):
    import json

    from experiments.cpu_pool import run_jobs

    out = tmp_path / "study.json"
    assert run_jobs(abs, [-3, 2, -1], 2, out, env="E") == [3, 2, 1]
    record = json.loads(out.read_text())
    assert record["runs"] == [3, 2, 1] and record["env"] == "E" and record["device"] == "cpu"
    assert {"commit", "date", "command", "wall_s"} <= set(record)
