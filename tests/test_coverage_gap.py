"""Per-n coverage against the independent level and its gap shares (gram_envs.core.metrics.gap_by_num_solutions),
and the experiments.coverage_gap driver."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from experiments import coverage_gap
from gram_envs.core.metrics import coverage_bounds, coverage_by_num_solutions, coverage_curve, gap_by_num_solutions


def test_hand_case():
    # one input with 1 completion (found), one with 2 (one found): coverage 75%
    gap = gap_by_num_solutions({"1": {"instances": 1, "coverage": 1.0},
                                             "2": {"instances": 1, "coverage": 0.5}}, samples=20)
    two_independent = 100 * (1 - 0.5 ** 20)
    assert gap["coverage"] == pytest.approx(75.0)
    assert gap["independent"] == pytest.approx((100 + two_independent) / 2)
    assert [r["n"] for r in gap["by_n"]] == [1, 2]
    assert gap["by_n"][1]["one_answer"] == pytest.approx(50.0)
    assert gap["by_n"][0]["gap_share"] == pytest.approx(0.0)
    assert gap["by_n"][1]["gap_share"] == pytest.approx((two_independent - 50) / 2)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 30), st.integers(1, 12))
def test_agrees_with_the_analysis_and_the_bounds(seed, inputs, samples):
    """On any draws: the run's coverage is the analysis' coverage@N, the independent level is
    coverage_bounds', and the per-n shares add up to the gap between them."""
    rng = np.random.default_rng(seed)
    nsol = rng.integers(1, 9, size=inputs)
    index = np.where(rng.random((inputs, samples)) < 0.2, -1, rng.integers(0, 8, size=(inputs, samples)) % nsol[:, None])
    by_n = {str(n): row for n, row in coverage_by_num_solutions(index, nsol).items()}
    gap = gap_by_num_solutions(by_n, samples)
    assert gap["coverage"] == pytest.approx(100 * coverage_curve(index, nsol)[-1])
    assert gap["independent"] == pytest.approx(100 * coverage_bounds(nsol, samples)["independent"])
    assert sum(r["gap_share"] for r in gap["by_n"]) == pytest.approx(gap["gap"])
    assert gap["instances"] == inputs


def test_refuses_an_empty_table():
    with pytest.raises(ValueError, match="no instances"):
        gap_by_num_solutions({}, samples=20)


def write_run(path, env_kwargs, coverage_2, schedule_coverage_2=None):
    """A run folder with results.json, analysis.json (and schedules.json): one input each of n = 1, 2."""
    path.mkdir(parents=True)
    by_n = {"1": {"instances": 1, "coverage": 1.0}, "2": {"instances": 1, "coverage": coverage_2}}
    (path / "results.json").write_text(json.dumps({"env": "GRAM/GraphColoring-8", "env_kwargs": env_kwargs,
                                                   "model": "gram"}))
    (path / "analysis.json").write_text(json.dumps({"test_instances": 2, "main": {
        "samples": 20, "coverage_by_num_solutions": by_n}}))
    if schedule_coverage_2 is not None:
        test = {"coverage_by_num_solutions": {**by_n, "2": {"instances": 1, "coverage": schedule_coverage_2}}}
        rows = [{"name": "T 1", "test": {"coverage_by_num_solutions": by_n}},
                {"name": "T 20 for 2 steps, then 0.5", "test": test}]
        (path / "schedules.json").write_text(json.dumps({"chosen": "T 20 for 2 steps, then 0.5", "test_instances": 2,
                                                         "schedules": rows}))


def test_main_writes_curves_and_a_plot(tmp_path, monkeypatch):
    write_run(tmp_path / "a", {"p": 0.5}, 0.5, schedule_coverage_2=1.0)
    write_run(tmp_path / "b", {"p": 0.5}, 0.5)
    out = tmp_path / "gap.json"
    monkeypatch.setattr(sys, "argv", ["coverage_gap.py", str(tmp_path / "a"), str(tmp_path / "b"), "--chosen",
                                      "--out", str(out)])
    assert coverage_gap.main() == 0
    result = json.loads(out.read_text())
    assert result["env_kwargs"] == {"p": 0.5}
    assert [c["sampling"] for c in result["curves"]] == ["temperature 1.0", "chosen: T 20 for 2 steps, then 0.5",
                                                         "temperature 1.0"]
    assert [c["coverage"] for c in result["curves"]] == pytest.approx([75.0, 100.0, 75.0])
    assert out.with_suffix(".png").stat().st_size > 0


def test_main_refuses_runs_on_different_data(tmp_path, monkeypatch):
    write_run(tmp_path / "a", {"p": 0.5}, 0.5)
    write_run(tmp_path / "b", {}, 0.5)
    monkeypatch.setattr(sys, "argv", ["coverage_gap.py", str(tmp_path / "a"), str(tmp_path / "b"),
                                      "--out", str(tmp_path / "gap.json")])
    with pytest.raises(SystemExit, match="different data"):
        coverage_gap.main()


def test_a_missing_analysis_is_named(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "results.json").write_text("{}")
    with pytest.raises(FileNotFoundError, match="analysis.json is missing"):
        coverage_gap.run_curves(tmp_path / "run", chosen=False)


def test_an_analysis_without_the_per_n_table_is_named(tmp_path):
    write_run(tmp_path / "old", {}, 0.5)
    (tmp_path / "old" / "analysis.json").write_text(json.dumps({"test_instances": 2, "main": {"samples": 20}}))
    with pytest.raises(ValueError, match="no coverage_by_num_solutions"):
        coverage_gap.run_curves(tmp_path / "old", chosen=False)


def test_a_schedule_sweep_on_other_test_inputs_is_refused(tmp_path):
    write_run(tmp_path / "run", {}, 0.5, schedule_coverage_2=1.0)
    sched = json.loads((tmp_path / "run" / "schedules.json").read_text())
    (tmp_path / "run" / "schedules.json").write_text(json.dumps({**sched, "test_instances": 1}))
    with pytest.raises(ValueError, match="schedules.json scored 1 test inputs, analysis.json 2"):
        coverage_gap.run_curves(tmp_path / "run", chosen=True)
