"""experiments.sampling_seeds: redraws of one checkpoint under several seeds, scored like experiments.multi_solution."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

pytest.importorskip("torch")
from experiments import sampling_seeds  # noqa: E402
from gram_agent.evaluation import analyse  # noqa: E402
from gram_envs.core.metrics import summarise_draws  # noqa: E402


def test_summary_is_mean_std_and_range():
    draws = [{"seed": s, "accuracy": a, "coverage": c, "conflicts_sum_per_sample": k}
             for s, a, c, k in [(1, 0.9, 0.5, 2.0), (2, 1.0, 0.7, 0.0), (3, 0.8, 0.6, 1.0)]]
    cov = summarise_draws(draws)["coverage"]
    assert cov == pytest.approx({"mean": 0.6, "std": 0.1, "min": 0.5, "max": 0.7})
    assert summarise_draws(draws[:1])["accuracy"]["std"] == 0.0


@pytest.fixture
def run_dir(tmp_path, small_gram_agent_dir):
    shutil.copytree(small_gram_agent_dir, tmp_path / "run" / "ckpt")
    return tmp_path / "run"


def test_each_draw_is_the_analysis_of_that_seed_and_the_chosen_schedule_is_drawn(run_dir, tmp_path):
    from gram_agent.infer import Agent

    agent = Agent.load(str(run_dir / "ckpt"))
    hot = [3.0, 3.0] + [0.5] * (agent.config.n_sup - 2)
    sweep = {"chosen": "T 3 for 2 steps, then 0.5",
             "schedules": [{"name": "T 1", "temperatures": [1.0] * agent.config.n_sup},
                           {"name": "T 3 for 2 steps, then 0.5", "temperatures": hot}]}
    (run_dir / "schedules.json").write_text(json.dumps(sweep))
    out = tmp_path / "seeds.json"
    assert sampling_seeds.main([str(run_dir), "--seeds", "7", "8", "--samples", "3", "--instances", "4",
                                "--out", str(out)]) == 0
    run = json.loads(out.read_text())["runs"][0]
    assert [s["sampling"] for s in run["samplings"]] == ["temperature 1.0", "chosen: T 3 for 2 steps, then 0.5"]
    ds = agent.env.unwrapped.dataset("test", **agent.config.dataset_kwargs)
    ids, inputs = ds.instance_ids[:4], ds.instance_inputs[:4]
    for sampling, temps in zip(run["samplings"], [None, hot], strict=True):
        for draw in sampling["draws"]:
            kw = {} if temps is None else {"temperature": temps, "steps": len(temps)}
            roll = agent.rollout(inputs, samples=3, seed=draw["seed"], **kw)
            want = analyse(agent.env, ids, agent.env.unwrapped.detokenize(roll["tokens"].cpu().numpy()))
            assert draw["coverage"] == pytest.approx(want["coverage"]), (sampling["sampling"], draw["seed"])
            assert draw["accuracy"] == pytest.approx(want["accuracy"])
            assert draw["coverage_at"] == pytest.approx(want["coverage_at"]) and len(draw["coverage_at"]) == 3
        covs = [d["coverage"] for d in sampling["draws"]]
        assert sampling["summary"]["coverage"]["mean"] == pytest.approx(np.mean(covs))


def test_a_constant_chosen_schedule_is_not_drawn_twice(run_dir):
    sweep = {"chosen": "T 1", "schedules": [{"name": "T 1", "temperatures": [1.0] * 16}]}
    (run_dir / "schedules.json").write_text(json.dumps(sweep))
    assert sampling_seeds.samplings(str(run_dir), 16) == [("temperature 1.0", None)]


def test_bad_arguments_are_named(run_dir, tmp_path, capsys):
    with pytest.raises(SystemExit):
        sampling_seeds.main([str(run_dir), "--seeds", "1", "1", "--out", str(tmp_path / "x.json")])
    assert "--seeds must be distinct" in capsys.readouterr().err
    (run_dir / "schedules.json").write_text(json.dumps({"chosen": "T 9", "schedules": []}))
    with pytest.raises(SystemExit, match="chosen schedule 'T 9' has no row"):
        sampling_seeds.samplings(str(run_dir), 16)


def test_a_run_without_its_checkpoint_is_named_before_any_draw(run_dir, tmp_path, capsys):
    """A run folder that run_table1 stored without ckpt/ (no --keep-ckpt): the error names the folder
    and the flag, and no file is written."""
    bare = tmp_path / "stored" / "gc8-x"
    bare.mkdir(parents=True)
    out = tmp_path / "x.json"
    with pytest.raises(SystemExit):
        sampling_seeds.main([str(run_dir), str(bare), "--seeds", "1", "--out", str(out)])
    err = capsys.readouterr().err
    assert f"{bare} holds no ckpt/config.json" in err and "--keep-ckpt" in err
    assert not out.exists()
