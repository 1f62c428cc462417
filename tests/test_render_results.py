"""The headline results: headline.json is what experiments.headline reads from the stored runs, every
record carries the fields tools rely on, each names a recipe that matches what was run, and
docs/results.md is exactly what experiments.render_results makes of it."""

from __future__ import annotations

import copy
import json
import shlex

import pytest

from experiments import headline, render_results
from gram_agent.recipes import RECIPES

RECORDS = render_results.load()
TABLES = render_results.load_tables()


def test_docs_results_md_is_the_render_of_headline_json():
    assert render_results.OUT.read_text() == render_results.render(RECORDS, TABLES), (
        "docs/results.md is out of date: run python -m experiments.render_results")
    assert render_results.main(["--check"]) == 0


def test_headline_json_is_what_the_stored_runs_hold():
    """Every number of headline.json is read from the result files named in experiments/headline.py."""
    assert headline.HEADLINE.read_text() == headline.dumps(headline.build()), (
        "headline.json differs from the stored runs: run python -m experiments.headline")
    assert headline.PAPER_TABLES.read_text() == headline.dumps(headline.build_tables()), (
        "paper_tables.json differs from the stored runs: run python -m experiments.headline")
    assert headline.main(["--check"]) == 0


def test_paper_tables_hold_every_model_and_variant_with_the_papers_values():
    table1 = {(r["row"], r["task"]): r for r in TABLES["table1"]}
    rows = ("direct", "direct-32l", "looped", "hrm", "trm", "ar", "mdlm", "gram")
    assert set(table1) == {(m, t) for m in rows for t in ("NQ8", "NQ10", "GC8", "GC10")}
    assert table1[("mdlm", "GC8")]["paper"] == {"conflicts": {"mean": 2.7, "std": 0.6},
                                                "coverage": {"mean": 84.5, "std": 4.0}}
    assert table1[("gram", "NQ10")]["job"] == "nq10-gram-t1" and table1[("direct-32l", "NQ8")]["job"] == "nq8-direct-32l"
    assert [r["row"] for r in TABLES["table3"]] == ["looped", "hrm", "trm", "sg", "ds-sg", "gram"]
    for r in TABLES["table1"]:  # a cell without stored runs has no numbers
        assert (r["metrics"] is None) == (not r["runs"])


def _store_run(root, run: str, seed: int, analysis: dict, call: dict | None = None) -> None:
    d = root / "runs" / run
    d.mkdir(parents=True)
    (d / "results.json").write_text(json.dumps({
        "config": {"seed": seed, "init_from": ""}, "params": 25_690_000, "device": "NVIDIA H100 80GB HBM3",
        "train": {"train_time_s": 300.0, "steps": 1000}}))
    (d / "analysis.json").write_text(json.dumps(analysis))
    if call is not None:
        (d.parent / "call.json").write_text(json.dumps(call))


def test_paper_table_cells_read_the_newest_stored_runs(tmp_path, monkeypatch):
    """Our Table 1 cell of a job holds exactly what its stored runs say (the newest call per run name);
    the rest stay "not run yet"."""
    monkeypatch.setattr(headline, "RESULTS", tmp_path)
    main = {"accuracy": 0.4, "coverage": 0.1, "samples": 20, "conflicts_sum_per_sample": 0.0}
    _store_run(tmp_path, "2026-01-01-01/nq8-direct", 0, {"test_instances": 773, "main": {**main, "accuracy": 0.9}})
    _store_run(tmp_path, "2026-01-02-01/nq8-direct", 0, {"test_instances": 773, "main": main},
               call={"jobs_per_gpu": "14"})
    second = {**main, "accuracy": 0.5, "coverage": 0.2}
    _store_run(tmp_path, "2026-01-02-01/nq8-direct-s1", 1, {"test_instances": 773, "main": second})
    tables = headline.build_tables()
    cell = next(r for r in tables["table1"] if (r["row"], r["task"]) == ("direct", "NQ8"))
    assert cell["runs"] == ["runs/2026-01-02-01/nq8-direct", "runs/2026-01-02-01/nq8-direct-s1"]
    assert cell["metrics"]["accuracy"] == {"mean": 45.0, "std": 5.0, "per_seed": [40.0, 50.0]}
    assert cell["metrics"]["coverage"]["mean"] == pytest.approx(15.0) and cell["jobs_per_gpu"] == ["14"]
    assert cell["sampling"] == ["20 samples, temperature 1"] and cell["gpu_minutes"]["mean"] == 5.0
    text = "\n".join(render_results.table1_lines(json.loads(headline.dumps(tables))["table1"]))
    row = next(line for line in text.splitlines() if line.startswith("| Direct Pred (8L)"))
    assert "27M / 25.7M" in row and "40.4±1.1<br>ours: 45.0±5.0" in row and "ours: not run yet" in row
    assert "job `nq8-direct`, seeds 0, 1, 5.0 min of training wall clock on one H100 shared by 14 jobs" in text
    assert "ours: 45.0" not in next(line for line in text.splitlines() if line.startswith("| AR"))
    # a run a call lists as failed shows why in its cell, not "not run yet"
    _store_run(tmp_path, "2026-01-03-01/other", 0, {"test_instances": 773, "main": main},
               call={"failed": {"nq8-hrm-s1": "out of GPU memory"}})
    hrm = next(r for r in headline.build_tables()["table1"] if (r["row"], r["task"]) == ("hrm", "NQ8"))
    assert hrm["runs"] == [] and hrm["failed"] == "out of GPU memory (runs/2026-01-03-01)"
    assert render_results._ours(hrm, "accuracy") == "failed: out of GPU memory (runs/2026-01-03-01)"
    bad = {**cell, "runs": []}
    with pytest.raises(ValueError, match="metrics must come with the runs"):
        render_results.check_cell(bad, "x")


def test_a_scored_row_reads_its_scoring_and_the_chain_that_trained_it(tmp_path, monkeypatch):
    """A Sudoku-Extreme row: accuracy over every drawn sample, the selections at 20, and the GPU-minutes
    of the chain up to the scored checkpoint (a checkpoint no chunk ended at is refused)."""
    monkeypatch.setattr(headline, "RESULTS", tmp_path)
    width = {"n": [1, 20], "sample_accuracy": [0.5, 0.55], "vote_accuracy": [0.5, 0.8], "lprm_accuracy": [0.5, 0.9],
             "halt_accuracy": [0.5, 0.85], "pass_at_n": [0.5, 0.95]}
    agent = {"label": "gram", "trained_steps": 200, "ptrm_sigma": 0.0, "width": width,
             "by_rating": {"width": {"lprm_accuracy": {"20": []}}}, "rating_edges": [1.0, 2.0]}
    score = {"command": "python -m experiments.depth_width", "commit": "abc", "date": "2026-01-02T00:00:00",
             "device": "NVIDIA H100 80GB HBM3", "instances": 7041, "temperature": 1.0, "agents": [agent]}
    ledger = {"device": "1x H100", "jobs_per_gpu": 1, "command": "python -m experiments.chain --recipe sx-gram",
              "ledger": {"chunks": [{"steps": 100, "wall_time_s": 60.0}, {"steps": 200, "wall_time_s": 120.0},
                                    {"steps": 300, "wall_time_s": 60.0}]}}
    (tmp_path / "score.json").write_text(json.dumps(score))
    (tmp_path / "chain.json").write_text(json.dumps(ledger))
    row = headline.Row("Sudoku-Extreme", "GRAM/Sudoku-Extreme", "gram", "sx-gram",
                       scored=("score.json", "gram", "chain.json"))
    rec = headline.scored_record(row)
    render_results.check_record(rec)
    assert {k: v["mean"] for k, v in rec["metrics"].items()} == {"accuracy": 55.0, "vote@20": 80.0,
                                                                  "lprm@20": 90.0, "halt@20": 85.0}
    assert rec["gpu_minutes"]["mean"] == 3.0 and rec["test_inputs"] == 7041
    assert rec["sources"][0]["by_rating"] == {"lprm_accuracy": {"20": []}}
    assert rec["device"] == "1x H100 (training); NVIDIA H100 80GB HBM3 (scoring)"
    ledger["chunk_devices"] = ["NVIDIA H100", "NVIDIA H100", "NVIDIA H200"]  # only chunks up to the step count
    (tmp_path / "chain.json").write_text(json.dumps(ledger))
    assert headline.scored_record(row)["device"] == "NVIDIA H100 (training); NVIDIA H100 80GB HBM3 (scoring)"
    assert "LPRM@20 90.0" in render_results.ours(rec) and "3.0 GPU-min" in render_results.ours(rec)
    with pytest.raises(ValueError, match="expected one agent labelled 'trm'"):
        headline.scored_record(headline.Row("Sudoku-Extreme", "GRAM/Sudoku-Extreme", "trm", "sx-trm",
                                            scored=("score.json", "trm", "chain.json")))
    agent["trained_steps"] = 250
    (tmp_path / "score.json").write_text(json.dumps(score))
    with pytest.raises(ValueError, match="no chunk of the chain ledger ends at step 250"):
        headline.scored_record(row)


def test_ptrm_is_scored_like_trm_and_shown_under_it(tmp_path, monkeypatch):
    """PTRM (a TRM checkpoint sampled with noise) names its sigma and sits in the TRM column below TRM,
    in docs/results.md and in the README, paper values included."""
    monkeypatch.setattr(headline, "RESULTS", tmp_path)
    ledger = {"device": "NVIDIA H200", "jobs_per_gpu": 1, "command": "python -m experiments.chain --recipe sx-trm",
              "ledger": {"chunks": [{"steps": 100, "wall_time_s": 120.0}]}}
    agents = [{"label": "trm", "trained_steps": 100, "ptrm_sigma": 0.0, "width": {"n": [1], "sample_accuracy": [0.4]}},
              {"label": "ptrm", "trained_steps": 100, "ptrm_sigma": 0.3,
               "width": {"n": [1, 20], "sample_accuracy": [0.3, 0.35], "halt_accuracy": [0.3, 0.7]}}]
    for agent in agents:
        (tmp_path / f"{agent['label']}.json").write_text(json.dumps(
            {"command": "python -m experiments.depth_width", "commit": "abc", "date": "2026-01-02T00:00:00",
             "device": "NVIDIA H200", "instances": 7041, "temperature": 1.0, "agents": [agent]}))
    (tmp_path / "chain.json").write_text(json.dumps(ledger))
    trm, ptrm = (headline.scored_record(headline.Row("Sudoku-Extreme", "GRAM/Sudoku-Extreme", label, "sx-trm",
                                                     scored=(f"{label}.json", label, "chain.json")))
                 for label in ("trm", "ptrm"))
    for rec in (trm, ptrm):
        render_results.check_record(rec)
    assert trm["metrics"]["accuracy"]["mean"] == 40.0 and "halt@20" not in trm["metrics"]
    assert ptrm["sampling"] == ["20 samples, temperature 1, PTRM sigma 0.3"]
    assert {k: v["mean"] for k, v in ptrm["metrics"].items()} == {"accuracy": 35.0, "halt@20": 70.0}
    row = render_results.render([trm, ptrm]).splitlines()[6]
    assert "| acc 87.4<br>PTRM: halt@100 98.75 |" in row
    assert "acc 40.0<br>`sx-trm`, 1 seed, 2.0 GPU-min (H200, training; H200, scoring)<br>PTRM: acc 35.0" in row
    assert "| acc 87.4<br>PTRM: halt@100 98.75 | acc 40.0<br>PTRM: acc 35.0 / halt@20 70.0 |" in (
        render_results.readme_table([trm, ptrm]))


def test_generation_rows_read_generation_eval_and_fill_their_own_table(tmp_path, monkeypatch):
    """Sudoku generation: valid / distinct / copied shares of generation_eval's samples, GPU-minutes of the
    chain up to the sampled checkpoint; GRAM and TRM in the headline table, D3PM beside them in the
    generation table with the paper's 99.05 and 91.33."""
    monkeypatch.setattr(headline, "RESULTS", tmp_path)
    ledger = {"device": "NVIDIA H100", "jobs_per_gpu": 1, "command": "python -m experiments.chain --recipe X",
              "ledger": {"chunks": [{"steps": 500, "wall_time_s": 300.0}]}}
    (tmp_path / "chain.json").write_text(json.dumps(ledger))
    rows = []
    for model, recipe, valid in (("gram", "sudokugen-gram", 0.9912), ("d3pm", "sudokugen-d3pm", 0.9)):
        (tmp_path / f"{model}.json").write_text(json.dumps(
            {"command": "python -m experiments.generation_eval", "commit": "abc", "date": "2026-01-02T00:00:00",
             "device": "NVIDIA H100 80GB HBM3", "env": "GRAM/SudokuGen-9", "model": model, "trained_steps": 500,
             "temperature": 1.0, "samples": 100_000, "valid_rate": valid, "distinct_rate": 1.0,
             "copied_rate": 0.0, "samples_per_s": 1234.5}))
        rows.append(headline.Row("Sudoku generation", "GRAM/SudokuGen-9", model, recipe,
                                 generated=(f"{model}.json", "chain.json")))
    gram, d3pm = (headline.generated_record(r) for r in rows)
    for rec in (gram, d3pm):
        render_results.check_record(rec)
    assert {k: v["mean"] for k, v in gram["metrics"].items()} == {"valid": 99.12, "distinct": 100.0, "copied": 0.0}
    assert gram["gpu_minutes"]["mean"] == 5.0 and gram["test_inputs"] == 100_000
    text = render_results.render([gram, d3pm])
    assert "| Sudoku generation<br>`GRAM/SudokuGen-9` | valid 99.05 |  | valid 99.12 / distinct 100.0" in text
    assert ("| D3PM | valid 91.33 | valid 90.00 / distinct 100.0 / copied 0.00 (100,000 samples) | "
            "`sudokugen-d3pm`, 5.0 (H100, training; H100, sampling) | 1,234 (H100) |") in text
    assert render_results.generation_lines([r for r in RECORDS if "valid" not in r["metrics"]]) == []
    with pytest.raises(ValueError, match="holds d3pm samples of GRAM/SudokuGen-9, not gram"):
        headline.generated_record(headline.Row("Sudoku generation", "GRAM/SudokuGen-9", "gram", "sudokugen-gram",
                                               generated=("d3pm.json", "chain.json")))


def test_an_arc_row_reads_the_chains_own_voted_scoring(tmp_path, monkeypatch):
    """ARC: pass@2 of the chain's final voting, GPU-minutes of the chain's chunks, and a results file of
    another recipe or model refused."""
    monkeypatch.setattr(headline, "RESULTS", tmp_path)
    ledger = {"device": "NVIDIA H100", "jobs_per_gpu": 1, "command": "python -m experiments.chain --recipe arc1-gram",
              "ledger": {"chunks": [{"steps": 900, "wall_time_s": 240.0}]}}
    result = {"recipe": "arc1-gram", "env_id": "GRAM/ARC-AGI-1", "model": "gram", "steps": 900,
              "scoring": "votes", "metrics": {"pass@1": 0.01, "pass@2": 0.0175, "view0_pass@1": 0.005,
                                              "test_inputs": 419.0, "views": 4.0, "samples": 4.0},
              "command": "python -m experiments.chain", "commit": "abc", "date": "2026-01-02T00:00:00",
              "device": "NVIDIA H100 80GB HBM3"}
    (tmp_path / "chain.json").write_text(json.dumps(ledger))
    (tmp_path / "arc.json").write_text(json.dumps(result))
    row = headline.Row("ARC-AGI-1", "GRAM/ARC-AGI-1", "gram", "arc1-gram", evaluated=("arc.json", "chain.json"),
                       comparable=False, note="minutes, not days")
    rec = headline.evaluated_record(row)
    render_results.check_record(rec)
    assert rec["metrics"] == {"pass@2": {"mean": 1.75, "std": 0.0, "per_seed": [1.75]}}
    assert rec["gpu_minutes"]["mean"] == 4.0 and rec["test_inputs"] == 419
    assert rec["sampling"] == ["4 views x 4 samples, vote"] and rec["sources"][0]["view0_pass@1"] == 0.005
    assert "pass@2 1.8<br>`arc1-gram`, 1 seed, 4.0 GPU-min (H100, training; H100, scoring)" in (
        render_results.ours(rec))
    with pytest.raises(ValueError, match="holds gram \\(arc1-gram\\) on GRAM/ARC-AGI-1, not trm"):
        headline.evaluated_record(headline.Row("ARC-AGI-1", "GRAM/ARC-AGI-1", "trm", "arc1-trm",
                                               evaluated=("arc.json", "chain.json")))


def test_every_record_has_the_required_fields_and_consistent_values():
    assert RECORDS, "headline.json holds no record"
    for r in RECORDS:
        render_results.check_record(r)
        for key, value in r["metrics"].items():
            assert len(value["per_seed"]) == max(len(r["seeds"]), 1), (r["task"], key)
            assert value["mean"] == pytest.approx(sum(value["per_seed"]) / len(value["per_seed"]), abs=1e-3)
        if r["model"] != "baseline":
            assert r["recipe"] in RECIPES, r["recipe"]
            recipe = RECIPES[r["recipe"]]
            model = "trm" if r["model"] == "ptrm" else r["model"]  # PTRM samples a TRM recipe's checkpoint
            assert (recipe.env_id, recipe.model) == (r["env_id"], model)
            assert r["gpu_minutes"]["mean"] > 0 and len(r["gpu_minutes"]["per_seed"]) == len(r["seeds"])
        assert {"gram", "trm"} <= set(r["paper"]) <= {"gram", "trm", "ptrm", "d3pm"}
        assert r["comparable"] or r["note"]


def test_the_published_rows_cover_each_task_and_model_once():
    keys = [(r["task"], r["model"]) for r in RECORDS]
    assert len(keys) == len(set(keys))
    for task in ("NQ8", "NQ10", "GC8", "GC10"):
        assert (task, "gram") in keys and (task, "trm") in keys
    gc8 = {r["model"]: r for r in RECORDS if r["task"] == "GC8"}
    assert not gc8["gram"]["comparable"] and gc8["gram"]["link"] == "docs/experiments/graph-coloring-data.md"


def _sets(command: str) -> tuple[dict[str, str], dict[str, str]]:
    """A stored train command's ``--set k=v`` pairs (the last of a key wins) and its other options."""
    words = shlex.split(command)
    sets, opts = {}, {}
    for i, w in enumerate(words):
        if w == "--set":
            k, v = words[i + 1].split("=", 1)
            sets[k] = v
        elif w.startswith("--") and i + 1 < len(words):
            opts[w] = words[i + 1]
    return sets, opts


def _same(a, b) -> bool:
    return str(a) == str(b) or (isinstance(a, float) and float(b) == a)


def test_each_recipe_is_what_its_row_ran():
    """A recipe's preset, budget and overrides are the stored training command's; an override the command
    did not name only pins the preset's own default (so the recipe trains the same model)."""
    from gram_agent.config import preset

    sources = {}
    for r in RECORDS:
        if r["model"] == "baseline":
            continue
        if "ledger" in r["sources"][0]:  # a chain's checkpoint: the chain ran the recipe by name
            assert f"--recipe {r['recipe']} " in r["sources"][0]["training_command"] + " ", r["recipe"]
            sources[r["recipe"]] = None
            continue
        run = r["sources"][0]["run"].split("+")[-1]  # an ensemble: its later member (the last leg)
        sources[r["recipe"]] = json.loads((headline.RESULTS / run / "results.json").read_text())["command"]
    assert set(sources) == {name for name, r in RECIPES.items() if r.published}
    for name, command in sources.items():
        if command is None:
            continue
        recipe = RECIPES[name]
        sets, opts = _sets(command)
        sets.pop("init_from", None)
        assert opts["--preset"] == recipe.preset and float(opts["--minutes"]) == recipe.train_minutes, name
        for k, v in sets.items():
            assert k in recipe.overrides and _same(recipe.overrides[k], v), (name, k, v)
        default = preset(recipe.preset, recipe.env_id, model=recipe.model)
        for k, v in recipe.overrides.items():
            if k not in sets:
                assert getattr(default, k) == v, (name, k)


def test_each_recipe_builds_a_config_and_its_schedule_fits():
    from gram_agent.config import preset

    for recipe in RECIPES.values():
        cfg = preset(recipe.preset, recipe.env_id, model=recipe.model, **recipe.overrides)
        if isinstance(recipe.temperature, tuple):
            assert len(recipe.temperature) == cfg.n_sup, recipe.name


def test_a_record_lacking_a_field_or_a_reason_is_refused():
    record = copy.deepcopy(RECORDS[0])
    del record["commit"]
    with pytest.raises(ValueError, match=r"lacks \['commit'\]"):
        render_results.check_record(record)
    record = {**copy.deepcopy(RECORDS[0]), "comparable": False, "note": ""}
    with pytest.raises(ValueError, match="says why"):
        render_results.check_record(record)
    record = {**copy.deepcopy(RECORDS[0]), "metrics": {"speed": {"mean": 1, "std": 0, "per_seed": [1]}}}
    with pytest.raises(ValueError, match="metric 'speed'"):
        render_results.check_record(record)
    record = {**copy.deepcopy(RECORDS[0]), "recipe": None}
    with pytest.raises(ValueError, match="names its recipe"):
        render_results.check_record(record)


def test_render_refuses_two_records_of_one_cell_and_too_many_rows():
    with pytest.raises(ValueError, match="two headline records"):
        render_results.render([RECORDS[0], RECORDS[0]])
    many = [{**copy.deepcopy(RECORDS[0]), "task": f"T{i}"} for i in range(render_results.MAX_ROWS + 1)]
    with pytest.raises(ValueError, match="at most"):
        render_results.render(many)


def test_cells_print_spread_only_for_several_seeds():
    one = {"coverage": {"mean": 55.7, "std": 0.0, "per_seed": [55.7]}}
    assert render_results.metrics_text(one, 1) == "cov@20 55.7"
    three = {"conflicts": {"mean": 0.954, "std": 0.12, "per_seed": [1, 1, 1]},
             "coverage": {"mean": 86.3, "std": 0.65, "per_seed": [1, 1, 1]}}
    assert render_results.metrics_text(three, 3) == "conflicts 0.95±0.12 / cov@20 86.3±0.7"
    assert render_results.gpu_kind("NVIDIA H100 80GB HBM3") == "H100"


def test_readme_block_is_the_render_and_needs_its_markers():
    readme = render_results.README.read_text()
    assert render_results.readme_table(RECORDS) in readme
    assert render_results.with_readme_table(readme, RECORDS) == readme
    with pytest.raises(ValueError, match="headline markers"):
        render_results.with_readme_table("# a README without the block\n", RECORDS)
