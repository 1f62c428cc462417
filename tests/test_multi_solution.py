"""The multi-solution analysis helpers: coverage curves and coverage per number of completions."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.multi_solution import coverage_by_num_solutions, coverage_curve


def test_coverage_by_num_solutions_counts_distinct_valid_finds_per_group():
    # three inputs: two with 4 completions (found {0, 2} and {1}), one with 1 (found {0}); -1 = invalid
    index = np.array([[0, 2, 2, -1], [1, 1, -1, -1], [0, 0, 0, 0]])
    nsol = np.array([4, 4, 1])
    by = coverage_by_num_solutions(index, nsol)
    assert by[4] == {"instances": 2, "found_mean": 1.5, "coverage": pytest.approx((2 / 4 + 1 / 4) / 2)}
    assert by[1] == {"instances": 1, "found_mean": 1.0, "coverage": 1.0}
    # the groups' coverage, weighted by their inputs, is the overall coverage at all samples
    overall = sum(g["coverage"] * g["instances"] for g in by.values()) / len(nsol)
    assert overall == pytest.approx(coverage_curve(index, nsol)[-1])
