"""experiments/jobs.py (the table run_table1 trains from) and run_table1's stored files."""

from __future__ import annotations

import json

import pytest

from experiments.jobs import JOBS, TASKS, Job

RESULTS = __import__("pathlib").Path(__file__).resolve().parents[1] / "benchmarks" / "results"
#: options removed from the config: no job may set them (runs that did are at the pre-cleanup tag)
REMOVED = ("prior_ce_weight", "beta_start", "beta_anneal_steps", "nearest_prob", "hot_start_steps",
           "hot_start_temperature", "match_prob", "match_ramp_steps", "match_ramp_start", "extra")


def test_names_are_unique_and_seeds_expand():
    names = [n for job in JOBS for n in job.runs()]
    assert len(names) == len(set(names))
    runs = Job("x", "nq8", "gram", {"target": "nearest", "kl_reduce": "elbo"}, seeds=(0, 1, 2)).runs()
    assert list(runs) == ["x", "x-s1", "x-s2"]
    assert runs["x-s2"][runs["x-s2"].index("--seed") + 1] == "2"
    with pytest.raises(ValueError, match="task must be one of"):
        Job("y", "nq9", "gram").runs()


def test_every_gram_job_names_its_target_and_kl_reading():
    """Preset defaults move; a job's recorded meaning must not."""
    for job in JOBS:
        if job.model == "gram":
            assert {"target", "kl_reduce"} <= set(job.sets), job.name
    by_name = {j.name: j for j in JOBS}
    assert by_name["nq8-gram-nearest"].sets["target"] == "nearest" and by_name["nq8-gram"].sets["target"] == "label"
    assert "target" not in by_name["demo-trm"].sets


def test_every_job_builds_a_valid_config_without_removed_options():
    """A job's settings are applied together: each must give a config the checks accept."""
    from gram_agent.config import preset

    for job in JOBS:
        assert not set(job.sets) & set(REMOVED), job.name
        for seed in job.seeds:
            cfg = preset(job.preset or "small", TASKS[job.task], model=job.model, seed=seed, **job.sets)
            assert cfg.model == job.model, job.name


def test_continued_jobs_start_from_a_stored_run_of_the_same_task():
    by_name = {n: job for job in JOBS for n in job.runs()}
    continued = [j for j in JOBS if j.init_from]
    assert continued
    for job in continued:
        stored = RESULTS / job.init_from
        assert (stored / "results.json").is_file(), job.init_from
        results = json.loads((stored / "results.json").read_text())
        assert results["env"] == TASKS[job.task] and (results.get("env_kwargs") or {}) == job.env_kwargs, job.name
        run = stored.name
        if run in by_name:  # the leg it continues is a job of the table: same model
            assert by_name[run].model == job.model
    leg = next(j for j in JOBS if j.name == "gc8-edgep0.5-gram-prior-spread-canon-start1-settle4-g16-b1024")
    assert (leg.sets["batch_size"], leg.sets["match_group"], leg.sets["max_steps"]) == (1024, 16, 4500)
    assert leg.runs()[leg.name][-2:] == [
        "--set", "init_from=benchmarks/results/runs/2026-12-01-06/gc8-edgep0.5-gram-prior-spread-canon-start1-settle3-g16/ckpt"]


def test_run_files_are_stored_without_history_or_logs(tmp_path):
    store = pytest.importorskip("experiments.run_table1").store_run_files
    run = tmp_path / "run"
    (run / "ckpt").mkdir(parents=True)
    (run / "stdout.log").write_text("step 1\n")
    results = {"steps": 200, "history": [{"step": i} for i in range(3)], "command": f"--out-dir {run}"}
    (run / "results.json").write_text(json.dumps(results))
    (run / "analysis.json").write_text('{"coverage": 0.5}')
    (run / "ckpt" / "config.json").write_text("{}")
    store(run, tmp_path / "a", keep_ckpt=False)
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["analysis.json", "results.json"]
    assert json.loads((tmp_path / "a" / "results.json").read_text()) == {"steps": 200, "command": "--out-dir WORK/run"}
    assert (tmp_path / "a" / "analysis.json").read_text() == '{"coverage":0.5}\n'
    store(run, tmp_path / "b", keep_ckpt=True)
    assert (tmp_path / "b" / "ckpt" / "config.json").exists()


def test_paper_table_suites_hold_every_model_at_one_budget():
    """Table 1: the five baselines and GRAM/TRM, two seeds each, per task; Table 3: six NQ8 variants.
    The baselines sit at the paper's width, GRAM and TRM on their headline recipes."""
    from experiments.jobs import SUITES, TABLE1_BASELINES, TABLE3_VARIANTS
    from gram_agent.recipes import RECIPES

    by_run = {n: job for job in JOBS for n in job.runs()}
    for task in TASKS:
        runs = SUITES[f"table1-{task}"]
        assert len(runs) == 14 and all(r in by_run for r in runs)
        models = sorted({by_run[r].model for r in runs})
        assert models == sorted((*TABLE1_BASELINES, "gram", "trm"))
        for m in TABLE1_BASELINES:
            job = by_run[f"{task}-{m}"]
            assert job.seeds == (0, 1) and job.sets["d_model"] == 512 and job.preset == "small"
        for m in ("gram", "trm"):
            job, recipe = by_run[f"{task}-{m}-t1"], RECIPES[f"{task}-{m}"]
            assert job.sets == recipe.overrides and job.preset == recipe.preset and job.seeds == (0, 1)
    gram = by_run["nq8-gram-t1"]
    assert gram.analysis_args() == ["--temperature", "3x2,0.5x14", "--temperatures", "1.0"]
    assert by_run["nq10-gram-t1"].analysis_args() == ["--instances", "2000"]  # its recipe samples at 1.0
    for task in TASKS:  # Direct Pred at 32 layers: its own two-run suite per task
        d32 = SUITES[f"table1-{task}-direct32"]
        assert d32 == [f"{task}-direct-32l", f"{task}-direct-32l-s1"]
        job = by_run[d32[0]]
        assert job.model == "direct" and job.sets == {"d_model": 512, "n_heads": 8, "n_layers": 32, "lr": 6e-5}
    t3 = SUITES["table3-nq8"]
    assert {r.removesuffix("-s1") for r in t3} == {f"nq8-t3-{v}" for v in TABLE3_VARIANTS}
    assert all(by_run[r].analysis_args() == ["--samples", "5"] for r in t3)
    assert sorted(SUITES["table3-nq8-seed0"] + SUITES["table3-nq8-seed1"]) == sorted(t3)
    sg, ds_sg = by_run["nq8-t3-sg"].sets, by_run["nq8-t3-ds-sg"].sets
    assert (sg["n_sup"], sg["K"]) == (1, 1) and ds_sg["K"] == 1 and "n_sup" not in ds_sg


def test_job_checks_its_model_and_analysis_options():
    assert Job("x", "nq8", "ar").runs()["x"][:4] == ["--env", "GRAM/NQueens-8", "--model", "ar"]
    with pytest.raises(ValueError, match="model one of"):
        Job("x", "nq8", "gpt").runs()
    with pytest.raises(ValueError, match="PTRM needs a recursive model"):
        Job("x", "nq8", "mdlm", ptrm=True).runs()
    with pytest.raises(ValueError, match="paper_temperature_only"):
        Job("x", "nq8", "gram", temperature="2").runs()


def test_jobs_of_one_call_split_the_cores():
    thread_env = pytest.importorskip("experiments.run_table1").thread_env
    assert thread_env(14, cores=16, environ={}) == {v: "1" for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                                                      "TORCHINDUCTOR_COMPILE_THREADS")}
    assert thread_env(4, cores=16, environ={"OMP_NUM_THREADS": "2"}) == {"MKL_NUM_THREADS": "4",
                                                                          "TORCHINDUCTOR_COMPILE_THREADS": "4"}


def test_agent_docs_name_the_table_budget_and_command():
    from pathlib import Path

    from experiments.jobs import TABLE_MINUTES

    text = (Path(__file__).resolve().parents[1] / "docs" / "agent.md").read_text()
    assert f"`TABLE_MINUTES` ({TABLE_MINUTES:g})" in text
    assert "python -m experiments.run_table1 --suite table1-nq8" in text


def test_one_seed_suites_split_the_two_seed_suite():
    from experiments.jobs import SUITES, TASKS

    for t in TASKS:
        halves = [SUITES[f"table1-{t}-seed{k}"] for k in (0, 1)]
        assert len(halves[0]) == len(halves[1]) == 7
        assert sorted(halves[0] + halves[1]) == sorted(SUITES[f"table1-{t}"])
        assert not any(n.endswith("-s1") for n in halves[0]) and all(n.endswith("-s1") for n in halves[1])
