"""The CPU mode-collapse benchmark runs end to end; TRM's coverage curve is flat by construction
(one deterministic answer per graph), which is the collapse the benchmark displays."""

from __future__ import annotations

import sys

import pytest

pytest.importorskip("torch")
bench = pytest.importorskip("experiments.cpu_mode_collapse")


def test_run_one_scores_twenty_samples_and_trm_is_flat():
    r = bench.run_one(("TRM", 0, 3, 10, None))
    assert "schedules" not in r  # TRM has no prior to heat
    curve = r["main"]["coverage_at"]
    assert len(curve) == 20 and r["steps"] == 3
    assert max(curve) == min(curve)  # identical samples never add a solution
    assert 0.0 <= r["main"]["accuracy"] <= 1.0 and r["config"]["model"] == "trm"
    g = bench.run_one(("GRAM (ELBO KL, beta 0.5)", 0, 3, 10, None))
    assert g["config"]["kl_reduce"] == "elbo" and g["config"]["beta"] == 0.5
    assert g["main"]["coverage_at"][-1] >= g["main"]["coverage_at"][0]
    # the schedule sweep: chosen on training graphs, never below temperature 1.0's accuracy there
    sweep = g["schedules"]
    rows = {r["name"]: r for r in sweep["rows"]}
    assert sweep["chosen"] in rows and sweep["select_instances"] == 10
    assert all(len(r["temperatures"]) >= g["config"]["n_sup"] for r in rows.values())
    assert rows[sweep["chosen"]]["select"]["accuracy"] >= rows["T 1"]["select"]["accuracy"]


def test_sweep_only_runs_the_named_schedules_beside_temperature_one():
    import gymnasium as gym

    import gram_agent
    import gram_envs  # noqa: F401
    from experiments.cpu_mode_collapse import BASE
    from gram_agent.config import preset
    from gram_agent.evaluation import PAPER_SAMPLING, sweep

    env = gym.make("GRAM/GraphColoring-v0", n=6)
    cfg = preset("tiny", None, model="gram", seed=0, max_steps=2, **BASE)
    agent = gram_agent.train(env, cfg, device="cpu", progress=False, eval_at_end=False)
    ds = env.unwrapped.dataset("test")
    splits = {"select": (ds.instance_ids[:4], ds.instance_inputs[:4])}
    hot = "T 20 for 2 steps, then 0.5"
    rows = sweep(agent, splits, samples=2, seed=0, progress=False, only=[hot])
    assert [r["name"] for r in rows] == [PAPER_SAMPLING, hot]
    assert rows[1]["temperatures"][:3] == [20.0, 20.0, 0.5]
    with pytest.raises(ValueError, match="unknown schedules"):
        sweep(agent, splits, samples=2, seed=0, progress=False, only=["T 7"])


def test_sudoku_kl_check_trains_each_reading_and_logs_where_the_answer_lives(monkeypatch):
    kl = pytest.importorskip("experiments.cpu_sudoku_kl")
    monkeypatch.setitem(kl.BASE, "log_every", 2)
    r = kl.run_one(("sum", 0, 4))
    assert r["config"]["kl_reduce"] == "sum" and r["config"]["beta"] == 0.1 and r["config"]["target"] == "label"
    assert r["steps"] == 4 and 0.0 <= r["test_accuracy"] <= 1.0 and r["test_conflicts_per_instance"] > 0
    assert [row["step"] for row in r["log"]] == [2, 4] and set(kl.LOGGED) <= set(r["log"][-1])


def test_print_runs_shows_each_runs_last_log(capsys):
    from experiments.cpu_pool import print_runs

    runs = [{"arm": "seq", "seed": 0, "test_accuracy": 0.5, "train_s": 3.0, "log": [{"ce": 1.0}, {"ce": 0.25}]},
            {"arm": "channel", "seed": 1, "test_accuracy": 0.0, "train_s": 4.0, "log": []}]
    print_runs(runs, "arm", ("ce",))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "seq     seed 0: test accuracy 0.500; last log: ce 0.250  (3 s)"
    assert lines[1] == "channel seed 1: test accuracy 0.000; last log: ce nan  (4 s)"


def test_plot_only_redraws_a_stored_results_file(tmp_path, monkeypatch):
    """The coverage plots are not kept in git: --plot-only draws one from its stored results file."""
    png = tmp_path / "table3.png"
    monkeypatch.setattr(sys, "argv", ["cpu_mode_collapse", "--plot-only",
                                      "benchmarks/results/cpu_gc6_mode_collapse_table3.json", str(png)])
    assert bench.main() == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
