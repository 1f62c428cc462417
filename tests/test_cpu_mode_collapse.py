"""The CPU mode-collapse benchmark runs end to end; TRM's coverage curve is flat by construction
(one deterministic answer per graph), which is the collapse the benchmark displays."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
bench = pytest.importorskip("benchmarks.cpu_mode_collapse")


def test_run_one_scores_twenty_samples_and_trm_is_flat():
    r = bench.run_one(("TRM", 0, 3))
    curve = r["main"]["coverage_at"]
    assert len(curve) == 20 and r["steps"] == 3
    assert max(curve) == min(curve)  # identical samples never add a solution
    assert 0.0 <= r["main"]["accuracy"] <= 1.0 and r["config"]["model"] == "trm"
    g = bench.run_one(("GRAM (ELBO KL, beta 0.5)", 0, 3))
    assert g["config"]["kl_reduce"] == "elbo" and g["config"]["beta"] == 0.5
    assert g["main"]["coverage_at"][-1] >= g["main"]["coverage_at"][0]
