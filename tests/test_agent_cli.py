"""The ``gram`` command line: train a few steps into a checkpoint folder, then evaluate it."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")

from gram_agent.cli import main  # noqa: E402


def test_cli_train_then_eval(tmp_path, capsys):
    ck = str(tmp_path / "run")
    args = ["train", "--env", "GRAM/NQueens-v0", "--preset", "tiny", "--steps", "3", "--checkpoint-dir", ck,
            "--device", "cpu", "--set", "d_model=32", "--set", "n_heads=2", "--set", "guidance_hidden=32",
            "--set", "batch_size=8", "--set", "eval_instances=4", "--set", "eval_samples=2"]
    assert main(args) == 0
    capsys.readouterr()
    assert main(["eval", "--checkpoint", f"{ck}/last", "--samples", "2", "--instances", "3", "--device", "cpu"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"accuracy", "coverage", "vote_accuracy"} <= set(out)
    # a per-step temperature schedule: tiny preset has n_sup supervision steps, one value each
    from gram_agent.config import preset

    n_sup = preset("tiny").n_sup
    sched = f"3x1,0.5x{n_sup - 1}"
    assert main(["eval", "--checkpoint", f"{ck}/last", "--samples", "2", "--instances", "3", "--device", "cpu",
                 "--temperature", sched]) == 0
    assert "coverage" in json.loads(capsys.readouterr().out)
    # two checkpoints as one ensemble: the same metrics as gram_agent.Ensemble's evaluate
    from gram_agent.ensemble import Ensemble

    ck2 = str(tmp_path / "run2")
    assert main([*[ck2 if a == ck else a for a in args], "--seed", "1"]) == 0
    capsys.readouterr()
    assert main(["eval", "--checkpoint", f"{ck}/last", "--checkpoint", f"{ck2}/last", "--samples", "3",
                 "--instances", "3", "--device", "cpu"]) == 0
    got = json.loads(capsys.readouterr().out)
    want = Ensemble.load([f"{ck}/last", f"{ck2}/last"], device="cpu").evaluate(samples=3, instances=3)
    assert got["coverage"] == pytest.approx(round(want["coverage"], 4))


def test_cli_train_keeps_snapshots_where_asked(tmp_path, capsys):
    """``--set snapshot_every=N --snapshot-dir D``: step<N>/ Agents in D; the option alone is refused by name."""
    base = ["train", "--env", "GRAM/NQueens-v0", "--preset", "tiny", "--steps", "4", "--device", "cpu",
            "--set", "d_model=32", "--set", "n_heads=2", "--set", "guidance_hidden=32", "--set", "batch_size=8",
            "--set", "log_every=2", "--set", "snapshot_every=2", "--set", "eval_instances=4", "--set", "eval_samples=2"]
    assert main([*base, "--snapshot-dir", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["step0000002", "step0000004"]
    with pytest.raises(ValueError, match="snapshot_dir"):
        main(base)


def test_cli_temperature_parsing():
    from gram_agent.cli import parse_temperature

    assert parse_temperature("1.5") == 1.5
    assert parse_temperature("3x2,0.5x3") == [3.0, 3.0, 0.5, 0.5, 0.5]
    assert parse_temperature("2,1") == [2.0, 1.0]
    for bad in ("hot", "3xtwo", "3x2,,1"):
        with pytest.raises(Exception, match="temperature"):
            parse_temperature(bad)
