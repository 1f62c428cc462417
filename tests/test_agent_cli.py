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
    capsys.readouterr()
    assert main(base) == 2
    assert "snapshot_dir" in capsys.readouterr().err


def test_cli_temperature_parsing():
    from gram_agent.cli import parse_temperature

    assert parse_temperature("1.5") == 1.5
    assert parse_temperature("3x2,0.5x3") == [3.0, 3.0, 0.5, 0.5, 0.5]
    assert parse_temperature("2,1") == [2.0, 1.0]
    for bad in ("hot", "3xtwo", "3x2,,1"):
        with pytest.raises(Exception, match="temperature"):
            parse_temperature(bad)


def test_train_help_lists_every_field_preset_and_recipe(capsys):
    from gram_agent.config import FIELDS, PRESETS
    from gram_agent.recipes import RECIPES

    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for name, f in FIELDS.items():
        assert f"  {name} " in out and f.metadata["help"] in out, name
    for group in ("model:", "objective:", "training:", "inference:"):
        assert f" {group}" in out
    for name in (*PRESETS, *RECIPES):
        assert f"  {name} " in out, name


def test_every_option_has_help():
    from gram_agent.cli import build_parser

    parser = build_parser()
    subs = next(a for a in parser._actions if a.dest == "cmd").choices
    for cmd, sub in subs.items():
        for action in sub._actions:
            assert action.help, (cmd, action.option_strings)


@pytest.mark.parametrize("argv, message", [
    (["eval", "--checkpoint", "no/such/dir"], "does not exist"),
    (["eval", "--pretrained", "nqueens8-gramm"], "did you mean 'nqueens8-gram'"),
    (["eval"], "--checkpoint DIR"),
    (["train", "--env", "GRAM/NQueens8", "--steps", "1"], "did you mean 'GRAM/NQueens-8'"),
    (["train", "--preset", "tinny", "--steps", "1"], "did you mean 'tiny'"),
    (["train", "--recipe", "nq8-gramm", "--steps", "1"], "did you mean 'nq8-gram'"),
    (["train", "--recipe", "nq8-gram", "--env", "GRAM/NQueens-10"], "trains GRAM/NQueens-8"),
    (["train", "--set", "sigma_inti=0.2", "--steps", "1"], "did you mean 'sigma_init'"),
    (["train", "--set", "n_sup=lots", "--steps", "1"], "n_sup takes an integer"),
    (["train", "--set", "T=0", "--steps", "1"], "T must lie in [1, 64]"),
    (["train", "--set", "prior_ce_weight=1", "--steps", "1"], "was removed"),
])
def test_user_errors_print_one_line_and_exit_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err


def test_list_shows_envs_and_pretrained_agents(capsys):
    import gram_envs
    from gram_agent.pretrained import list_pretrained

    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for env_id in gram_envs.ENV_TABLE:
        assert env_id in out
    for card in list_pretrained():
        assert card["name"] in out and card["recipe"] in out


def test_eval_pretrained_uses_its_recipe_sampling(capsys):
    assert main(["eval", "--pretrained", "nqueens8-gram", "--instances", "1", "--samples", "2", "--device", "cpu"]) == 0
    cap = capsys.readouterr()
    assert "temperature 3x2,0.5x14" in cap.err
    out = json.loads(cap.out)
    assert out["samples"] == 2 and 0.0 <= out["accuracy"] <= 1.0


def test_train_recipe_uses_its_settings(tmp_path, capsys):
    """``--recipe`` trains the recipe's env, model, preset and overrides; --set still applies on top."""
    from gram_agent.config import preset

    out = tmp_path / "agent"
    args = ["train", "--recipe", "nq8-trm", "--steps", "1", "--device", "cpu", "--out", str(out),
            "--set", "batch_size=4", "--set", "eval_instances=1", "--set", "eval_samples=1"]
    assert main(args) == 0
    saved = json.loads((out / "metrics.json").read_text())
    want = preset("nq8-trm").replace(batch_size=4, eval_instances=1, eval_samples=1)
    assert saved["env_id"] == "GRAM/NQueens-8" and saved["recipe"] == "nq8-trm"
    assert saved["config"] == json.loads(want.to_json())
    assert (out / "weights.safetensors").exists()


def test_export_writes_text_rows_that_score(tmp_path):
    from gram_envs.text.export import load_rows

    out = tmp_path / "nq8.jsonl"
    assert main(["export", "--env", "GRAM/NQueens-8", "--split", "test", "--format", "jsonl", "--out", str(out),
                 "--limit", "4"]) == 0
    rows = load_rows(str(out))
    assert len(rows) == 4
    assert all(r["metadata"]["env_id"] == "GRAM/NQueens-8" for r in rows)
