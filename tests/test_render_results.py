"""The results page groups runs by the configuration in each results.json, not by job name."""

from __future__ import annotations

import json
import os
import re

import pytest

render = pytest.importorskip("benchmarks.render_results")
common = pytest.importorskip("benchmarks.common")


def cfg(**kw):
    base = {"model": "gram", "beta": 0.07, "kl_reduce": "elbo", "beta_start": 0.0, "beta_anneal_steps": 0,
            "prior_ce_weight": 0.0, "guidance_mode": "full"}
    base.update(kw)
    return base


def test_variant_labels_name_every_setting_that_changes_the_objective():
    assert render.variant(cfg(model="trm", kl_reduce="sum")) == "TRM"
    assert render.variant(cfg()) == "GRAM, ELBO KL, beta 0.07"
    assert render.variant(cfg(kl_reduce="sum")) == "GRAM, summed KL, beta 0.07"
    anneal = render.variant(cfg(beta_start=4.48, beta_anneal_steps=6000))
    assert anneal == "GRAM, ELBO KL, beta 4.48->0.07 over 6000 steps"
    assert render.variant(cfg(prior_ce_weight=1.0)).endswith("+ prior-sample CE x1")
    tuned = render.variant(cfg(init_from="/tmp/w/benchmarks/results/table1/s3-call3/nq8-gram-nearest-cg/ckpt"))
    assert tuned == "GRAM, ELBO KL, beta 0.07, started from s3-call3/nq8-gram-nearest-cg"
    assert render.variant(cfg(guidance_mode="zero_var")).endswith("zero variance")
    # configs written before the schedule / prior-CE fields existed still get a label
    old = {k: v for k, v in cfg(kl_reduce="sum").items() if k not in ("beta_start", "prior_ce_weight")}
    assert render.variant(old) == "GRAM, summed KL, beta 0.07"


def rendered(tmp_path, monkeypatch, filename: str, data: dict, section) -> str:
    """A results-page section rendered from one results file written into a scratch results folder."""
    (tmp_path / filename).write_text(json.dumps(data))
    monkeypatch.setattr(render, "RESULTS", tmp_path)
    return "\n".join(section())


def test_fmt_and_grouping_count_seeds():
    assert render.fmt([0.5]) == "50.0 (1 seed)"
    assert render.fmt([0.5, 0.7]) == "60.0±10.0 (2 seeds)"
    runs = [{"task": "nq8", "variant": "TRM", "call": c, "meta": {"headline": h}} for c, h in
            (("a", True), ("b", True), ("c", False))]
    g = render.groups(runs)
    assert len(g[("nq8", "TRM", "headline")]) == 2 and len(g[("nq8", "TRM", "c")]) == 1
    run = {"task": "nq8", "results": {"config": cfg()}}
    assert render.kl_per_sample(run, 0.5) == pytest.approx(32.0)  # per answer token x 64 tokens


def test_variant_labels_name_the_target_sigma_bound_and_cuda_graphs():
    assert render.variant(cfg(model="trm", target="nearest")) == "TRM, nearest-completion target"
    assert render.variant(cfg(target="nearest")) == "GRAM, ELBO KL, beta 0.07, nearest-completion target"
    assert render.variant(cfg(target="nearest", compile_mode="reduce-overhead")).endswith(
        "nearest-completion target, CUDA graphs")
    assert render.variant(cfg(sigma_max=0.3)) == "GRAM, ELBO KL, beta 0.07, sigma <= 0.3"
    assert render.variant(cfg(target="nearest", nearest_prob=0.5)).endswith("nearest-completion target on 0.5 of slots")
    assert render.variant(cfg(target="matched", match_group=4)).endswith("matched target (groups of 4)")
    assert render.variant(cfg(target="matched", match_draw="spread")).endswith("spread target (groups of 4)")
    assert render.variant(cfg(target="matched", match_draw="imle")).endswith("IMLE target (groups of 4)")
    assert render.variant(cfg(target="matched", match_draw="spread", match_ramp_steps=4000)).endswith(
        "spread target (groups of 4), ramped in from the nearest target over 4000 steps")
    assert render.variant(cfg(target="matched", match_draw="imle", match_prob=0.1)).endswith(
        "IMLE target (groups of 4) on 0.1 of slots, nearest elsewhere")
    assert render.variant(cfg(target="nearest", target_permutations=False)).endswith(
        "nearest-completion target, canonical colourings only")
    assert render.variant(cfg(target_permutations=False)) == "GRAM, ELBO KL, beta 0.07"  # labels are canonical
    assert render.variant(cfg(train_rollout="prior", target="nearest")) == (
        "GRAM, prior-sample training (no posterior, no KL), nearest-completion target")
    assert render.variant(cfg(target="nearest", start_noise=2.0)).endswith("nearest-completion target, random start (std 2)")
    assert render.variant(cfg(target="nearest", hot_start_steps=2, hot_start_temperature=6.0)).endswith(
        "nearest-completion target, hot-start training (prior noise x6 for 2 steps)")


def test_every_gram_table1_job_names_its_target_and_kl_reading():
    """Preset defaults move; a job's recorded meaning must not (run_table1 pins both per job)."""
    jobs = pytest.importorskip("benchmarks.run_table1").JOBS
    for name, (_, model, args, _) in jobs.items():
        if model != "gram":
            continue
        sets = [a for a in args if "=" in a]
        assert sum(a.startswith("target=") for a in sets) == 1, name
        assert sum(a.startswith("kl_reduce=") for a in sets) == 1, name
    assert "target=nearest" in jobs["nq8-gram-nearest"][2] and "target=label" in jobs["nq8-gram"][2]
    assert "target=label" not in jobs["demo-trm"][2]


def test_coverage_levels_one_answer_independent_and_distinct():
    analysis = {"main": {"accuracy_by_num_solutions": {"1": {"instances": 2, "accuracy": 1.0},
                                                       "4": {"instances": 1, "accuracy": 0.5},
                                                       "40": {"instances": 1, "accuracy": 0.5}}}}
    levels = render.coverage_levels(analysis)
    assert levels["one_answer"] == pytest.approx((1 + 1 + 0.25 + 0.025) / 4)
    assert levels["distinct"] == pytest.approx((1 + 1 + 1 + 0.5) / 4)
    independent = (1 + 1 + (1 - 0.75**20) + (1 - (39 / 40) ** 20)) / 4
    assert levels["independent"] == pytest.approx(independent)
    runs = [{"task": "nq8", "mode": "full", "analysis": analysis}]
    line = render.ceiling_line(runs)
    assert "N-Queens 8x8 56.9%" in line and "N-Queens 8x8 87.5%" in line
    assert f"N-Queens 8x8 {100 * independent:.1f}%" in line
    dense = {"main": {"accuracy_by_num_solutions": {"2": {"instances": 1, "accuracy": 1.0}}}}
    runs.append({"task": "nq8", "mode": "full", "analysis": dense, "results": {"env_kwargs": {"p": 0.5}}})
    line = render.ceiling_line(runs)  # other data: its own entry, not a second number beside the default's
    assert "N-Queens 8x8 56.9%" in line and "N-Queens 8x8 (graphs with edge probability 0.5) 50.0%" in line


def test_schedule_rows_report_the_choice_made_on_training_inputs():
    """A swept run gets a second row holding the chosen schedule's test metrics; the choice is the
    best training-input coverage among schedules accurate enough there, never a test number."""
    sched = pytest.importorskip("benchmarks.temperature_schedule")
    assert sched.schedule(3.0, 2, 0.5, 0, 4) == [3.0, 3.0, 0.5, 0.5]
    assert sched.schedule(1.5, 0, 1.5, 2, 4) == [1.5] * 6
    with pytest.raises(ValueError, match="no cool step"):
        sched.schedule(3.0, 4, 0.5, 0, 4)
    rows = [{"name": n, "select": {"accuracy": a, "coverage": c}, "test": {"accuracy": a, "coverage": t}}
            for n, a, c, t in (("T 1", 1.0, 0.80, 0.80), ("T 2", 0.90, 0.95, 0.99), ("hot", 0.995, 0.90, 0.85))]
    assert sched.choose(rows, 0.99) == "hot"  # T 2 has the best coverage but misses the accuracy bar
    assert sched.choose(rows, 0.999) == "T 1"
    assert sched.choose(rows[1:2], 0.99) == "T 1"  # none accurate enough: the paper's sampling
    assert sched.accuracy_bar(rows, 0.99) == 0.99  # temperature 1.0 is above the ceiling
    weak = [{**r, "select": {**r["select"], "accuracy": a}} for r, a in zip(rows, (0.8, 0.7, 0.85), strict=True)]
    assert sched.accuracy_bar(weak, 0.99) == pytest.approx(0.8)  # temperature 1.0's own accuracy
    assert sched.choose(weak, sched.accuracy_bar(weak, 0.99)) == "hot"  # at least T 1's accuracy, wider
    weak[2]["select"]["accuracy"] = 0.79
    assert sched.choose(weak, sched.accuracy_bar(weak, 0.99)) == "T 1"  # less accurate than T 1: refused

    run = {"variant": "GRAM, ELBO KL, beta 0.07", "task": "nq8", "call": "c", "seed": 0, "schedule": None,
           "analysis": {"main": {"accuracy": 1.0, "coverage": 0.8}, "temperature": {"2.0": {}}, "test_instances": 9}}
    sweep = {"schedules": rows, "chosen": "hot", "test_instances": 772}
    row = render.schedule_run(run, sweep)
    assert row["variant"] == f"GRAM, ELBO KL, beta 0.07, {render.SCHEDULED}"
    assert row["analysis"]["main"] == rows[2]["test"] and row["analysis"]["temperature"] == {}
    assert run["analysis"]["main"]["coverage"] == 0.8  # the trained run's own row is untouched
    table = render.schedule_table([run, row])
    assert len(table) == 2 + len(rows) and "**hot**" in table[-1] and "| 99.5 | 90.0 | 99.5 |" in table[-1]


def test_rechoose_applies_the_rule_to_a_stored_sweep_and_records_the_earlier_choice(tmp_path):
    sched = pytest.importorskip("benchmarks.temperature_schedule")
    rows = [{"name": "T 1", "select": {"accuracy": 0.9, "coverage": 0.2}},
            {"name": "hot", "select": {"accuracy": 0.92, "coverage": 0.3}},
            {"name": "T 2", "select": {"accuracy": 0.7, "coverage": 0.4}}]
    path = tmp_path / "schedules.json"
    path.write_text(json.dumps({"schedules": rows, "chosen": "T 1", "min_accuracy": 0.99}))
    out = sched.rechoose(str(path), 0.99)
    assert (out["chosen"], out["min_accuracy"]) == ("hot", 0.9)
    stored = json.loads(path.read_text())
    assert stored["chosen"] == "hot" and stored["rechosen"]["before"] == {"chosen": "T 1", "min_accuracy": 0.99}
    assert stored["schedules"] == rows  # the scored rows are kept as they were
    sched.rechoose(str(path), 0.99)  # the rule again: nothing changes, the record stays
    assert json.loads(path.read_text()) == stored


def test_cpu_section_adds_the_chosen_schedule_row(tmp_path, monkeypatch):
    main = {"accuracy": 0.3, "coverage": 0.4, "coverage_at": [0.05, 0.4], "vote_accuracy": 0.35,
            "conflicts_sum_per_sample": 90.0, "instances": 100.0}
    hot = {**main, "accuracy": 0.5, "coverage": 0.6, "coverage_at": [0.1, 0.6]}
    run = {"name": "GRAM (x)", "seed": 0, "steps": 5, "main": main,
           "schedules": {"rows": [{"name": "T 1", "test": main}, {"name": "hot", "test": hot}], "chosen": "hot",
                         "select_instances": 100, "min_accuracy": 0.3}}
    data = {"command": "cmd", "wall_s": 60.0, "device": "cpu", "commit": "abc", "date": "d", "runs": [run]}
    text = rendered(tmp_path, monkeypatch, "cpu_gc6_mode_collapse_x.json", data, render.cpu_section)
    assert "| GRAM (x) | 30.0 (1 seed) |" in text
    assert "| GRAM (x), temperature schedule chosen on training graphs | 50.0 (1 seed) |" in text
    assert "GRAM (x) seed 0: hot" in text


def test_job_notes_set_one_job_apart_from_its_call(tmp_path, monkeypatch):
    """A job that ran on other terms than its call (CALL.json ``job_notes``) gets its own variant
    note and GPU share; the call's other jobs keep the call's."""
    call = tmp_path / "c1"
    meta = {"variant_note": "5.5 min budget", "jobs_per_gpu": "2",
            "job_notes": {"gc8-b": {"variant_note": "5.5 min budget, alone on a GPU", "jobs_per_gpu": "1"}}}
    for job in ("gc8-a", "gc8-b"):
        (call / job).mkdir(parents=True)
        (call / job / "results.json").write_text(json.dumps({"config": cfg(seed=0)}))
        (call / job / "analysis.json").write_text(json.dumps({}))
    (call / "CALL.json").write_text(json.dumps(meta))
    monkeypatch.setattr(render, "TABLE_DIR", tmp_path)
    runs = {r["job"]: r for r in render.load_runs()}
    assert runs["gc8-a"]["variant"].endswith(", 5.5 min budget") and runs["gc8-a"]["meta"]["jobs_per_gpu"] == "2"
    assert runs["gc8-b"]["variant"].endswith(", 5.5 min budget, alone on a GPU")
    assert runs["gc8-b"]["meta"]["jobs_per_gpu"] == "1" and runs["gc8-b"]["call_meta"]["jobs_per_gpu"] == "2"


def test_bounds_section_renders_the_sweep_and_the_smallest_p(tmp_path, monkeypatch):
    row = {"p": 0.45, "one_answer": 27.4, "independent": 85.7, "distinct": 93.7, "colourings_mean": 11.7,
           "colourings_median": 6.0, "graphs": 1000}
    data = {"command": "python benchmarks/coverage_bounds.py", "commit": "abc", "date": "d", "graphs_per_cell": 1000,
            "env_test_split": {"8": {**row, "p": 0.4, "independent": 79.9}}, "sweep": {"8": [row]},
            "paper": {"8": {"GRAM": 85.8}}, "smallest_p": {"8": {"GRAM": None}}}
    text = rendered(tmp_path, monkeypatch, "coverage_bounds.json", data, render.bounds_section)
    assert "| GC8 test split | 0.4 | 11.7 / 6 | 27.4 | 79.9 | 93.7 |" in text
    assert "| GC8 fresh | 0.45 | 11.7 / 6 | 27.4 | 85.7 | 93.7 |" in text
    assert "GC8 GRAM 85.8 at no p of the grid" in text


def test_env_note_names_the_data_a_run_used():
    assert render.env_note({}) == ""
    assert render.env_note({"p": 0.5}) == ", graphs with edge probability 0.5"
    assert render.env_note({"p": 0.5, "n": 6}) == ", env n=6, p=0.5"


def test_gap_section_lists_each_curve_with_its_largest_shares(tmp_path, monkeypatch):
    by_n = [{"n": 2, "gap_share": 0.5, "independent": 100.0}, {"n": 4, "gap_share": 3.0, "independent": 99.7},
            {"n": 8, "gap_share": 1.5, "independent": 93.1}, {"n": 1, "gap_share": 0.0, "independent": 100.0}]
    data = {"command": "python benchmarks/coverage_gap.py", "commit": "abc", "date": "d", "env": "GRAM/GraphColoring-8",
            "env_kwargs": {"p": 0.5}, "test_instances": 255,
            "curves": [{"run": "benchmarks/results/table1/s9-call1/gc8-x", "sampling": "temperature 1.0",
                        "coverage": 70.44, "independent": 91.66, "gap": 21.22, "by_n": by_n}]}
    text = rendered(tmp_path, monkeypatch, "gc8_x_coverage_gap.json", data, render.gap_section)
    assert "GRAM/GraphColoring-8, p = 0.5, 255 test inputs" in text
    assert "| s9-call1/gc8-x | temperature 1.0 | 70.4 | 91.7 | 21.2 | 3.5 | n = 4: 3.0, n = 8: 1.5, n = 2: 0.5 |" in text
    assert "![gc8_x_coverage_gap.png](results/gc8_x_coverage_gap.png)" in text


def job_config(name: str):
    """A run_table1 job's config as train_gpu.py builds it (its --preset, else small, then its --set
    pairs in order, later ones winning), with the job's arguments."""
    from gram_agent.config import preset

    env_id, model, args, _ = pytest.importorskip("benchmarks.run_table1").JOBS[name]
    sets = [args[i + 1] for i, a in enumerate(args) if a == "--set"]
    name_preset = args[args.index("--preset") + 1] if "--preset" in args else "small"
    return preset(name_preset, env_id, model=model).set(*sets), args


def test_every_table1_job_builds_a_valid_config():
    """A job's --set pairs are applied together by train_gpu.py: each job must give a config the
    checks accept (a misspelt or contradictory option fails here, not minutes into a device call)."""
    jobs = pytest.importorskip("benchmarks.run_table1").JOBS
    for name, (_, model, _, _) in jobs.items():
        cfg, _ = job_config(name)
        assert cfg.model == model, name
    ramp = jobs["gc8-edgep0.5-gram-prior-spreadramp-canon-start1"][2]
    assert "match_ramp_steps=4000" in ramp and "match_draw=spread" in ramp


def test_continued_variants_override_their_base_recipe_and_are_labelled():
    """A continued variant's own --set pairs come last, so they override the recipe it continues
    (groups of 8 where the base has 4), and the results page names the lr decay."""
    cfg, _ = job_config("gc8-edgep0.5-gram-prior-spread-canon-start1-settle2-g8-hot")
    assert (cfg.match_group, cfg.match_draw, cfg.max_steps, cfg.lr_min_ratio) == (8, "spread", 12000, 0.1)
    assert (cfg.hot_start_steps, cfg.hot_start_temperature) == (2, 20.0)
    assert cfg.init_from.endswith("s10-call1/gc8-edgep0.5-gram-prior-spread-canon-start1-settle-g8/ckpt")
    label = render.variant(cfg.to_dict())
    assert "spread target (groups of 8)" in label
    assert "lr cosine to x0.1 over 12000 steps" in label
    assert "hot-start training (prior noise x20 for 2 steps)" in label
    assert "lr floor x0.1 unused" in render.variant({**cfg.to_dict(), "max_steps": 0})
    # the one-run recipe from scratch: groups of 16 and an 8k-step ramp override its base's 4 and 4k
    cfg, args = job_config("gc8-edgep0.5-gram-prior-spread16ramp-canon-start1-50k-s1")
    assert (cfg.match_group, cfg.match_ramp_steps, cfg.max_steps) == (16, 8000, 50000)
    assert args[args.index("--seed") + 1] == "1"
    # session 11's: the nearest target alone for 5k steps, then the spread ramp
    cfg, args = job_config("gc8-edgep0.5-gram-prior-nearest5k-spread16-canon-start1-28k-s1")
    assert (cfg.match_group, cfg.match_ramp_start, cfg.match_ramp_steps, cfg.max_steps) == (16, 5000, 5000, 28000)
    assert args[args.index("--seed") + 1] == "1"
    assert (", spread target (groups of 16), ramped in from the nearest target over 5000 steps after 5000 steps of it "
            "alone, canonical") in render.variant(cfg.to_dict())
    assert render.ramp_label(0, 300) == ", after 300 steps of the nearest target alone"
    # session 11's fourth settled leg starts from the best committed checkpoint, drawn with seed 1
    cfg, args = job_config("gc8-edgep0.5-gram-prior-spread-canon-start1-settle4-g16-s1")
    assert (cfg.match_group, cfg.max_steps, cfg.lr_min_ratio) == (16, 24000, 0.1)
    assert cfg.init_from.endswith("s10-call3/gc8-edgep0.5-gram-prior-spread-canon-start1-settle3-g16/ckpt")
    assert os.path.exists(os.path.join(cfg.init_from, "weights.safetensors"))
    assert args[args.index("--seed") + 1] == "1"
    low, args = job_config("gc8-edgep0.5-gram-prior-spread-canon-start1-settle4-g16-lowlr")
    assert (low.lr, low.max_steps, low.match_group, low.init_from) == (5e-5, 36000, 16, cfg.init_from)


def test_chained_legs_start_from_the_leg_before():
    """Session 12's chain: the nearest target without groups, then spread legs in groups of 8, 16 and
    16, each started from the checkpoint the leg before stored, with its own seed and lr decay."""
    base = "gc8-edgep0.5-gram-prior-nearest-canon-start1-18k"
    for seed in (1, 2):
        cfg, args = job_config(f"{base}-s{seed}")
        assert (cfg.target, cfg.max_steps, cfg.lr_min_ratio, cfg.init_from) == ("nearest", 18000, 0.1, "")
        assert args[args.index("--seed") + 1] == str(seed)
        start = f"s12-call1/{base}-s{seed}"
        for legs, steps, group, lr, call in (("-g8", 14000, 8, 2.5e-4, "s12-call2a"),
                                             ("-g8-g16", 12000, 16, 2.5e-4, "s12-call2b"),
                                             ("-g8-g16-g16b", 14000, 16, 2.5e-4, None)):
            cfg, args = job_config(f"{base}{legs}-s{seed}")
            assert (cfg.target, cfg.match_draw, cfg.match_group) == ("matched", "spread", group)
            assert (cfg.max_steps, cfg.lr_min_ratio, cfg.lr, cfg.start_noise) == (steps, 0.1, lr, 1.0)
            assert args[args.index("--seed") + 1] == str(seed)
            assert cfg.init_from.endswith(f"/results/table1/{start}/ckpt")
            start = f"{call}/{base}{legs}-s{seed}"
        cfg, _ = job_config(f"{base}-g8-g16-b1024-s{seed}")
        assert (cfg.batch_size, cfg.match_group, cfg.max_steps, cfg.lr) == (1024, 16, 7000, 2.5e-4)
        assert cfg.init_from.endswith(f"/results/table1/s12-call2b/{base}-g8-g16-s{seed}/ckpt")
        cfg, args = job_config(f"{base}-g8-g16-b1024-b1024b-s{seed}")
        assert (cfg.batch_size, cfg.match_group, cfg.max_steps, cfg.lr, cfg.lr_min_ratio) == (1024, 16, 8000, 1e-4, 0.1)
        assert cfg.init_from.endswith(f"/results/table1/s12-call4/{base}-g8-g16-b1024-s{seed}/ckpt")
        assert args[args.index("--seed") + 1] == str(seed)
        cfg, args = job_config(f"{base}-g8-g16-b1024-b1024b-b1024c-s{seed}")
        assert (cfg.batch_size, cfg.match_group, cfg.max_steps, cfg.lr, cfg.lr_min_ratio) == (1024, 16, 4500, 1e-4, 0.1)
        assert cfg.init_from.endswith(f"/results/table1/s13-call1/{base}-g8-g16-b1024-b1024b-s{seed}/ckpt")
        assert args[args.index("--seed") + 1] == str(seed)
        cfg, args = job_config(f"{base}-g8-g16-b1024-b1024b-long-s{seed}")
        assert (cfg.batch_size, cfg.match_group, cfg.max_steps, cfg.lr, cfg.lr_min_ratio) == (1024, 16, 9500, 5e-5, 0.1)
        assert cfg.init_from.endswith(f"/results/table1/s13-call1/{base}-g8-g16-b1024-b1024b-s{seed}/ckpt")
        assert args[args.index("--seed") + 1] == str(seed)
    cfg, args = job_config("gc8-edgep0.5-gram-prior-spread-canon-start1-settle4-g16-b1024")
    assert (cfg.batch_size, cfg.match_group, cfg.max_steps, cfg.lr, cfg.seed) == (1024, 16, 4500, 1e-4, 0)
    assert os.path.exists(os.path.join(cfg.init_from, "weights.safetensors"))  # s10-call3's, committed
    for name, start in [(f"{base}-g8-g16-b1024-b1024b-snap-s{s}", f"s13-call1/{base}-g8-g16-b1024-b1024b-s{s}")
                        for s in (1, 2)] + [("gc8-edgep0.5-gram-prior-spread-canon-start1-settle4-g16-b1024-snap",
                                             "s10-call3/gc8-edgep0.5-gram-prior-spread-canon-start1-settle3-g16")]:
        cfg, _ = job_config(name)
        assert (cfg.batch_size, cfg.match_group, cfg.max_steps, cfg.lr) == (1024, 16, 6000, 1e-4)
        assert (cfg.snapshot_every, cfg.snapshot_from) == (1000, 2000)
        assert cfg.init_from.endswith(f"/results/table1/{start}/ckpt")


def test_lineages_follow_init_from_and_add_up_each_legs_training(tmp_path, monkeypatch):
    """Chains run from a first leg to each last leg nothing continues; a start that is not a stored run
    ends a chain; steps and slot-steps (steps x batch) add up along it; the plot is written."""
    def run(call, job, steps, batch, cov, init=""):
        config = {**cfg(), "batch_size": batch, "init_from": init}
        return {"call": call, "job": job, "task": "gc8", "schedule": None,
                "results": {"config": config, "train": {"steps": steps}, "env_kwargs": {"p": 0.5}},
                "analysis": {"main": {"coverage": cov, "accuracy": 0.99, "conflicts_sum_per_sample": 1.5}}}

    root = run("c1", "gc8-a", 100_000, 256, 0.5)
    mid = run("c2", "gc8-b", 50_000, 256, 0.7, "/w/benchmarks/results/table1/c1/gc8-a/ckpt")
    last = run("c3", "gc8-c", 10_000, 1024, 0.8, "/x/results/table1/c2/gc8-b/ckpt")
    branch = run("c3", "gc8-d", 20_000, 256, 0.6, "/x/results/table1/c1/gc8-a/ckpt")
    orphan = run("c4", "gc8-e", 30, 256, 0.9, "/x/results/table1/gone/gc8-z/ckpt")
    chains = render.lineages([root, mid, last, branch, orphan, {**last, "schedule": {}}])
    assert [[r["job"] for r in c] for c in chains] == [["gc8-a", "gc8-b", "gc8-c"], ["gc8-a", "gc8-d"]]
    monkeypatch.setattr(render, "RESULTS", tmp_path)
    text = "\n".join(render.lineage_section([root, mid, last, branch, orphan]))
    assert "| c1/gc8-a | c3/gc8-c | 3 | 160000 | 48.6 | 50.0 -> 70.0 -> 80.0 | 1.5 |" in text
    assert "| c1/gc8-a | c3/gc8-d | 2 | 120000 | 30.7 | 50.0 -> 60.0 | 1.5 |" in text
    assert (tmp_path / "training_lineages.png").stat().st_size > 0
    assert render.lineage_section([root, orphan]) == []


def test_calls_sort_in_session_order():
    names = ["s10-call1", "s2-call4", "s12-call2b", "s2-call1", "s12-call2a", "other"]
    assert sorted(names, key=render.call_order) == ["other", "s2-call1", "s2-call4", "s10-call1", "s12-call2a",
                                                     "s12-call2b"]


def test_batch_note_names_a_batch_other_than_the_presets():
    """Only a batch other than the preset's is named, with its graphs per step under matched targets."""
    cfg, _ = job_config("gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-g8-g16-b1024-s1")
    results = {"preset": "small", "env": "GRAM/GraphColoring-8", "config": cfg.to_dict()}
    assert render.batch_note(results) == ", batch 1024, 64 graphs a step"
    assert render.batch_note({**results, "config": {**cfg.to_dict(), "target": "nearest"}}) == ", batch 1024"
    assert render.batch_note({**results, "config": {**cfg.to_dict(), "batch_size": 256}}) == ""
    assert render.batch_note({"config": cfg.to_dict()}) == ""  # results written before the preset was recorded


def test_width_note_names_a_width_other_than_the_presets():
    """The paper-width job is labelled with its width and size; the preset's own width says nothing."""
    cfg, _ = job_config("gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-d512-s1")
    assert (cfg.d_model, cfg.n_heads, cfg.guidance_hidden, cfg.max_steps) == (512, 8, 512, 18000)
    results = {"preset": "small", "env": "GRAM/GraphColoring-8", "config": cfg.to_dict(), "params": 9577986}
    assert render.width_note(results) == ", width 512 (8 heads, 9.6M params)"
    small, _ = job_config("gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-s1")
    assert render.width_note({**results, "config": small.to_dict()}) == ""
    assert render.width_note({"config": cfg.to_dict()}) == ""  # results written before the preset was recorded


def test_lr_note_keeps_legs_that_differ_only_in_lr_apart():
    """Two legs from one start, one at the preset's lr and one at 1e-4, get different labels (s14-call3
    and s14-call4 had averaged as two seeds of one configuration before)."""
    high, _ = job_config("gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-d512-g8-s1")
    low, _ = job_config("gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-d512-g8-lr1e-4-s1")
    results = {"preset": "small", "env": "GRAM/GraphColoring-8"}
    assert render.lr_note({**results, "config": high.to_dict()}) == ""
    assert render.lr_note({**results, "config": low.to_dict()}) == ", peak lr 1e-4"
    assert render.lr_note({"config": low.to_dict()}) == ""  # results written before the preset was recorded


def test_snapshot_note_names_an_adopted_choice_only(tmp_path):
    """A run measured on a snapshot chosen on training inputs says so, with the step; a selection
    that was not adopted (the final checkpoint measured) and a run without one say nothing."""
    assert render.snapshot_note(render.load_selection(tmp_path)) == ""
    sel = {"adopted": True, "chosen_step": 6000, "final_step": 8000, "candidates": [{}] * 5}
    (tmp_path / "snapshot_selection.json").write_text(json.dumps(sel))
    assert render.snapshot_note(render.load_selection(tmp_path)) == \
        ", checkpoint chosen on training inputs (step 6000 of 8000, 5 candidates)"
    (tmp_path / "snapshot_selection.json").write_text(json.dumps({**sel, "adopted": False}))
    assert render.snapshot_note(render.load_selection(tmp_path)) == ""


def test_run_files_are_stored_with_the_training_log_gzipped(tmp_path):
    """The stored log and results.json (its history stored apart) read back byte for byte; the other files
    are plain copies; the checkpoint only on request."""
    import gzip

    store = pytest.importorskip("benchmarks.run_table1").store_run_files
    run = tmp_path / "run"
    (run / "ckpt").mkdir(parents=True)
    log = "".join(f'{{"step": {i}, "loss": 0.5}}\n' for i in range(200)).encode()
    (run / "stdout.log").write_bytes(log)
    results = {"steps": 200, "loss": float("nan"), "history": [{"step": i, "loss": 0.5 / (i + 1)} for i in range(3)]}
    (run / "results.json").write_text(json.dumps(results, indent=1))
    (run / "analysis.json").write_text('{"coverage": 0.5}')
    (run / "ckpt" / "config.json").write_text("{}")
    store(run, tmp_path / "a", keep_ckpt=False)
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["analysis.json", "history.json.gz", "results.json",
                                                                  "stdout.log.gz"]
    assert gzip.decompress((tmp_path / "a" / "stdout.log.gz").read_bytes()) == log
    assert (tmp_path / "a" / "analysis.json").read_text() == '{"coverage": 0.5}'
    # the history is stored apart and comes back: the same JSON, byte for byte as written
    assert "history" not in json.loads((tmp_path / "a" / "results.json").read_text())
    assert json.dumps(common.load_run_results(tmp_path / "a"), indent=1) == (run / "results.json").read_text()
    store(run, tmp_path / "b", keep_ckpt=True)
    assert (tmp_path / "b" / "ckpt" / "config.json").exists()
    # a run stored before the split reads as it is; one with the history in both places is refused
    assert common.load_run_results(run)["history"] == results["history"]
    (tmp_path / "a" / "results.json").write_text(json.dumps(results))
    with pytest.raises(ValueError, match="history both in results.json and in history.json.gz"):
        common.load_run_results(tmp_path / "a")


def test_seeds_section_renders_mean_spread_and_range(tmp_path, monkeypatch):
    draws = [{"seed": s, "accuracy": 0.99, "coverage": c, "conflicts_sum_per_sample": 1.0} for s, c in ((1, 0.84), (2, 0.86))]
    summary = {"accuracy": {"mean": 0.99, "std": 0.0, "min": 0.99, "max": 0.99},
               "coverage": {"mean": 0.85, "std": 0.01414, "min": 0.84, "max": 0.86},
               "conflicts_sum_per_sample": {"mean": 1.0, "std": 0.0, "min": 1.0, "max": 1.0}}
    data = {"command": "python benchmarks/sampling_seeds.py x", "commit": "abc", "date": "d", "seeds": [1, 2],
            "runs": [{"run": "/a/s10-call3/gc8-x", "test_instances": 255,
                      "samplings": [{"sampling": "temperature 1.0", "draws": draws, "summary": summary}]}]}
    text = rendered(tmp_path, monkeypatch, "gc8_x_sampling_seeds.json", data, render.seeds_section)
    assert "seeds 1, 2" in text
    assert "| s10-call3/gc8-x | 255 | temperature 1.0 | 99.0±0.0 | 85.0±1.4 (84.0-86.0) | 1.00±0.00 |" in text


def test_selection_section_lists_every_candidate_and_marks_the_adopted_one():
    """The page shows each candidate's training-input score, so a choice by a hair reads as one; only
    the adopted candidate carries a test number, and a run without a selection adds no rows."""
    def cand(name, step, cov):
        return {"name": name, "step": step, "select": {"coverage": cov, "accuracy": 0.998, "conflicts_sum_per_sample": 1.3}}

    sel = {"adopted": True, "chosen": "step 5000", "chosen_step": 5000, "final_step": 5201,
           "candidates": [cand("final", 5201, 0.827), cand("step 2000", 2000, 0.8168), cand("step 5000", 5000, 0.8295)]}
    run = {"call": "s14-call1", "job": "gc8-x", "schedule": None, "analysis": {"main": {"coverage": 0.828}},
           "selection": sel}
    other = {**run, "job": "gc8-y", "selection": None}
    text = "\n".join(render.selection_section([run, other]))
    rows = [line for line in text.splitlines() if line.startswith("| s14-call1/")]
    assert [row.split(" | ")[1] for row in rows] == ["2000", "5000", "5201"]  # in step order, gc8-y absent
    assert "| s14-call1/gc8-x | 5000 | 82.95 | 99.80 | 1.30 | yes | 82.8 |" in rows
    assert "| s14-call1/gc8-x | 5201 | 82.70 | 99.80 | 1.30 |  |  |" in rows
    assert render.selection_section([other]) == []


def test_the_paper_width_spread_leg_keeps_the_width_it_starts_from():
    """A leg that loads a D = 512 checkpoint must build a D = 512 model, with the spread target in
    groups of 8 as the small preset's g8 leg."""
    cfg, _ = job_config("gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-d512-g8-s1")
    assert (cfg.d_model, cfg.n_heads, cfg.guidance_hidden) == (512, 8, 512)
    assert (cfg.target, cfg.match_draw, cfg.match_group, cfg.max_steps) == ("matched", "spread", 8, 14000)
    assert cfg.init_from.endswith("s14-call2/gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-d512-s1/ckpt")
    low, _ = job_config("gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-d512-g8-lr1e-4-s1")
    assert (low.d_model, low.match_group, low.lr, low.init_from) == (512, 8, 1e-4, cfg.init_from)


def test_notes_read_their_measured_numbers_from_the_result_files(tmp_path, monkeypatch):
    """The prose under Table 1 types no measured number: the GC8 coverage levels follow
    coverage_bounds.json, the eight-draw means follow the sampling-seeds files (each seed's best at the
    preset's width), and every other decimal in it is a setting or a paper value."""
    bounds = {"paper": {"8": {"AR": 81.5, "MDLM": 82.5, "GRAM": 85.8}},
              "env_test_split": {"8": {"p": 0.45, "independent": 77.7, "distinct": 88.8}}}
    (tmp_path / "coverage_bounds.json").write_text(json.dumps(bounds))

    def redrawn(name, means, split="test"):
        runs = [{"run": f"/w/benchmarks/results/table1/{label}", "split": split,
                 "samplings": [{"sampling": "temperature 1.0", "summary": {"coverage": {"mean": m}}},
                               {"sampling": "chosen: T 50 for 2 steps, then 0.5",
                                "summary": {"coverage": {"mean": 0.99}}}]} for label, m in means.items()]
        (tmp_path / name).write_text(json.dumps({"runs": runs}))

    redrawn("gc8_p0.5_sampling_seeds.json", {"s10-call3/base": 0.841})
    redrawn("gc8_p0.5_s13-call1_sampling_seeds.json", {"s13-call1/leg-s2": 0.812, "s13-call1/leg-s1": 0.801})
    redrawn("gc8_p0.5_s13-call2_sampling_seeds.json", {"s13-call2/leg0": 0.834, "s13-call2/leg-s1": 0.823})
    redrawn("gc8_p0.5_s14-call2_sampling_seeds.json", {"s14-call2/wide-s2": 0.9})
    redrawn("gc8_p0.5_train_sampling_seeds.json", {"s13-call1/leg-s1": 0.95}, split="train")  # not a test mean
    monkeypatch.setattr(render, "RESULTS", tmp_path)

    def run(label, seed, results=None, **cfg):
        call, job = label.split("/")
        return {"call": call, "job": job, "seed": seed, "schedule": None, "results": results or {"config": cfg}}

    wide, _ = job_config("gc8-edgep0.5-gram-prior-nearest-canon-start1-18k-d512-s1")
    runs = [run("s10-call3/base", 0), run("s13-call1/leg-s1", 1), run("s13-call1/leg-s2", 2),
            run("s13-call2/leg0", 0, init_from="/w/benchmarks/results/table1/s10-call3/base/ckpt"),
            run("s13-call2/leg-s1", 1),
            run("s14-call2/wide-s2", 2, {"preset": "small", "env": "GRAM/GraphColoring-8", "config": wide.to_dict()})]
    text = "\n".join(render.notes(runs))
    assert "on our test split (77.7%" in text and "88.8% (`results/coverage_bounds.json`)" in text
    assert "p = 0.45 Erdos-Renyi" in text and "coverages (81.5, 82.5)" in text
    assert "raised them to 80.1 and 81.2% over eight draws" in text  # s13-call1, seeds 1 then 2
    assert "(83.4 over eight draws, from 84.1)" in text  # s13-call2's seed-0 leg and the run it started from
    assert "averages 82.3, 81.2 and 84.1% over eight draws" in text  # the wide run is not seed 2's best
    papers = {v.split("±")[0] for cell in render.PAPER.values() for v in cell.values()}
    settings = {"1.0", "0.5", "5.5"}  # sampling temperature, the schedules' settling one, a budget in minutes
    found = set(re.findall(r"\d+\.\d+", text))
    assert found - papers - settings == {"77.7", "88.8", "0.45", "81.5", "82.5", "80.1", "81.2", "83.4", "84.1", "82.3"}


def summary_of(cov: float, std: float = 0.004, acc: float = 0.996, conflicts: float = 1.0) -> dict:
    """A sampling_seeds.py summary with these means (min/max one std either side)."""
    return {"accuracy": {"mean": acc, "std": 0.001, "min": acc, "max": acc},
            "coverage": {"mean": cov, "std": std, "min": cov - std, "max": cov + std},
            "conflicts_sum_per_sample": {"mean": conflicts, "std": 0.1, "min": conflicts, "max": conflicts}}


def test_an_ensemble_is_labelled_by_its_members_and_kept_out_of_single_checkpoint_numbers(tmp_path, monkeypatch):
    """sampling_seeds.py names an ensemble RUN_A+RUN_B: the page must not read it as RUN_B's own draw
    (the label of its last folder), neither in *Sampling noise* nor in the per-checkpoint means."""
    root = "/w/benchmarks/results/table1"
    assert render.run_label(f"{root}/s1/a+{root}/s2/b") == "s1/a + s2/b"
    assert render.run_label(f"{root}/s1/a") == "s1/a" and not render.is_ensemble(f"{root}/s1/a")
    single = {"run": f"{root}/s2/b", "test_instances": 255,
              "samplings": [{"sampling": "temperature 1.0", "draws": [], "summary": summary_of(0.81)}]}
    pooled = {**single, "run": f"{root}/s1/a+{root}/s2/b", "samplings": [
        {"sampling": "temperature 1.0", "draws": [], "summary": summary_of(0.87)}]}
    data = {"command": "c", "commit": "abc", "date": "d", "seeds": [1], "runs": [single, pooled]}
    text = rendered(tmp_path, monkeypatch, "gc8_x_sampling_seeds.json", data, render.seeds_section)
    assert "| s2/b | 255 |" in text and "87.0" not in text
    assert render.redrawn_coverage() == {"s2/b": pytest.approx(81.0)}
    only_pooled = {**data, "runs": [pooled]}
    assert rendered(tmp_path, monkeypatch, "gc8_x_sampling_seeds.json", only_pooled, render.seeds_section) == ""


def test_ensemble_section_sets_each_ensemble_beside_its_members_and_the_paper(tmp_path, monkeypatch):
    root = "/w/benchmarks/results/table1"
    monkeypatch.setattr(render, "RESULTS", tmp_path)

    def sampling(runs, name, split="test", device=None):
        data = {"command": f"python benchmarks/sampling_seeds.py {name}", "commit": "abc", "date": "d",
                "seeds": [1, 2], "split": split, "runs": runs, "time_s": 61.4, **({"device": device} if device else {})}
        (tmp_path / name).write_text(json.dumps(data))

    def entry(labels, cov, conflicts=1.0, split="test"):
        return {"run": "+".join(f"{root}/{label}" for label in labels), "split": split,
                "samplings": [{"sampling": "temperature 1.0", "draws": [{}, {}], "summary": summary_of(cov, conflicts=conflicts)}]}

    sampling([entry(["s1/a0"], 0.85), entry(["s2/b0"], 0.83), entry(["s1/a1"], 0.82), entry(["s2/b1"], 0.80)],
             "gc8_m_sampling_seeds.json")
    sampling([entry(["s1/a0", "s2/b0"], 0.872, 0.9), entry(["s1/a1", "s2/b1"], 0.860, 1.3),
              entry(["s1/a0", "s1/a1"], 0.89)], "gc8_e_ensemble_sampling_seeds.json", device="NVIDIA H100 80GB HBM3")
    sampling([entry(["s1/a0"], 0.86, split="train"), entry(["s1/a0", "s2/b0"], 0.88, split="train")],
             "gc8_e_ensemble_train_inputs.json", split="train")
    # the weight average of seed 0's pair (average_checkpoints.py), drawn on test and training inputs
    (tmp_path / "averaged" / "pair0").mkdir(parents=True)
    (tmp_path / "averaged" / "pair0" / "averaged.json").write_text(json.dumps(
        {"command": "python benchmarks/average_checkpoints.py a0 b0", "commit": "abc", "date": "d", "machine": "m",
         "members": [{"run": f"{root}/s1/a0"}, {"run": f"{root}/s2/b0"}]}))
    avg = {"run": "/w/benchmarks/results/averaged/pair0", "samplings": [
        {"sampling": "temperature 1.0", "draws": [{}, {}], "summary": summary_of(0.857)}]}
    sampling([avg], "gc8_a_sampling_seeds.json")
    sampling([{**avg, "split": "train", "samplings": [{"sampling": "temperature 1.0", "summary": summary_of(0.861)}]}],
             "gc8_a_train_inputs.json", split="train")
    # two graphs with 1 colouring, two with 40: 20 uniform draws find all of the first and
    # 1 - (39/40)^20 = 39.7% of the second's, so the independent level is (100 + 39.7) / 2 = 69.9%
    analysis = {"main": {"accuracy_by_num_solutions": {"1": {"instances": 2}, "40": {"instances": 2}}}}

    def run(label, seed):
        call, job = label.split("/")
        return {"call": call, "job": job, "seed": seed, "schedule": None, "analysis": analysis,
                "results": {"params": 2_400_000, "config": {}}}

    runs = [run("s1/a0", 0), run("s2/b0", 0), run("s1/a1", 1), run("s2/b1", 1)]
    text = "\n".join(render.ensemble_section(runs))
    assert "| seed 0 | s1/a0<br>s2/b0 | 85.0 / 83.0 | 99.6±0.1 | 87.2±0.4 (86.8-87.6) | 0.90±0.10 | 86.0 / - | 88.0 | 4.8M | 85.7 (86.1) |" in text
    assert "| seed 1 | s1/a1<br>s2/b1 | 82.0 / 80.0 |" in text and text.count(" | 4.8M | - |") == 2  # seed 1 and across seeds: no average
    assert "- `python benchmarks/average_checkpoints.py a0 b0` (commit abc, d, m)" in text
    assert "| seeds 0, 1 | s1/a0<br>s1/a1 |" in text
    assert text.index("| seed 0 |") < text.index("| seed 1 |") < text.index("| seeds 0, 1 |")
    # the summary takes the one-seed pairs only, each seed once: (87.2 + 86.0) / 2, ± over the seeds
    assert "2 pairs over seeds 0, 1, each the mean of its 2 draws, cover 86.0-87.2% at 0.90-1.30 conflicts" in text
    assert "2 of 2 reach the paper's 85.8." in text
    assert "1.10±0.20 conflicts, 86.6±0.6% coverage@20" in text
    assert f"paper GRAM {render.PAPER[('gc8', 'gram')]['conf']} / {render.PAPER[('gc8', 'gram')]['cov']}" in text
    # two deterministic answers cover a 1-colouring graph's one and 2 of a 40-colouring graph's: (100 + 5) / 2
    assert "expects 69.9%" in text and "at most 52.5% here" in text
    assert "(commit abc, d, NVIDIA H100 80GB HBM3, 61 s of sampling)" in text and "NVIDIA H100 80GB HBM3" in text
    assert (tmp_path / "gc8_p0.5_ensembles.png").stat().st_size > 0
    # seed 1 ran its last leg twice: a second pair of that seed counts within the seed, not as a seed
    sampling([entry(["s1/a1", "s3/a2"], 0.852, 1.7)], "gc8_g_ensemble_sampling_seeds.json")
    twice = "\n".join(render.ensemble_section([*runs, run("s3/a2", 1)]))
    assert "3 pairs over seeds 0, 1, each the mean of its 2 draws, cover 85.2-87.2% at 0.90-1.70 conflicts" in twice
    assert "2 of 3 reach the paper's 85.8 (the others: 85.20)." in twice
    assert "1.20±0.30 conflicts, 86.4±0.8% coverage@20" in twice  # seed 1: (86.0 + 85.2) / 2, (1.3 + 1.7) / 2
    (tmp_path / "gc8_g_ensemble_sampling_seeds.json").unlink()
    assert render.pairs_vs_paper(runs) == ("Each of the 2 one-seed pairs (seeds 0, 1) covers more than its members alone, and its "
                                           "mean over its draws reaches the paper's GC8 cell (coverage and conflicts).")
    sampling([entry(["s1/a0", "s2/b0"], 0.84, 0.9), entry(["s1/a1", "s2/b1"], 0.86, 3.0)],
             "gc8_f_ensemble_sampling_seeds.json")  # below a member; above the paper's conflicts
    assert render.pairs_vs_paper(runs) == ("Each of the 4 one-seed pairs (seeds 0, 1) covers not always more than its members "
                                           "alone, and its mean over its draws does not always reach the paper's "
                                           "GC8 cell (coverage and conflicts).")
    (tmp_path / "gc8_f_ensemble_sampling_seeds.json").unlink()
    with pytest.raises(SystemExit, match=r"ensemble members \['s2/b1'\] have no stored run"):
        render.ensemble_section(runs[:3])
    assert render.curves_plot(runs) is None and "gc8_p0.5_ensemble_curves.png" not in text  # no curves file yet

    def curve(labels, top):
        return {"run": "+".join(f"{root}/{label}" for label in labels), "samplings": [
            {"sampling": "temperature 1.0", "draws": [{"coverage_at": [0.4, top - 0.01]}, {"coverage_at": [0.4, top + 0.01]}]}]}

    sampling([curve(["s1/a0", "s2/b0"], 0.87), curve(["s1/a0"], 0.85), curve(["s2/b0"], 0.83)],
             "gc8_c_ensemble_curves.json")
    with_curves = "\n".join(render.ensemble_section(runs))
    assert "![gc8_p0.5_ensemble_curves.png](results/gc8_p0.5_ensemble_curves.png)" in with_curves
    assert (tmp_path / "gc8_p0.5_ensemble_curves.png").stat().st_size > 0
    assert text.count("| seed 0 |") == with_curves.count("| seed 0 |")  # a curves file adds no table row
    (tmp_path / "gc8_e_ensemble_sampling_seeds.json").unlink()
    assert render.ensemble_section(runs) == []
