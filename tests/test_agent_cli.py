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
