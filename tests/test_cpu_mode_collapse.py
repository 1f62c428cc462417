"""The CPU mode-collapse benchmark runs end to end; TRM's coverage curve is flat by construction
(one deterministic answer per graph), which is the collapse the benchmark displays."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
bench = pytest.importorskip("benchmarks.cpu_mode_collapse")


def test_run_one_scores_twenty_samples_and_trm_is_flat():
    r = bench.run_one(("TRM", 0, 3, 10))
    assert "schedules" not in r  # TRM has no prior to heat
    curve = r["main"]["coverage_at"]
    assert len(curve) == 20 and r["steps"] == 3
    assert max(curve) == min(curve)  # identical samples never add a solution
    assert 0.0 <= r["main"]["accuracy"] <= 1.0 and r["config"]["model"] == "trm"
    g = bench.run_one(("GRAM (ELBO KL, beta 0.5)", 0, 3, 10))
    assert g["config"]["kl_reduce"] == "elbo" and g["config"]["beta"] == 0.5
    assert g["main"]["coverage_at"][-1] >= g["main"]["coverage_at"][0]
    # the schedule sweep: chosen on training graphs, never below temperature 1.0's accuracy there
    sweep = g["schedules"]
    rows = {r["name"]: r for r in sweep["rows"]}
    assert sweep["chosen"] in rows and sweep["select_instances"] == 10
    assert all(len(r["temperatures"]) >= g["config"]["n_sup"] for r in rows.values())
    assert rows[sweep["chosen"]]["select"]["accuracy"] >= rows["T 1"]["select"]["accuracy"]
