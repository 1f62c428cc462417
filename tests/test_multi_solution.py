"""The multi-solution analysis (gram_envs.core.metrics): coverage curves and tables per number of completions."""

from __future__ import annotations

import numpy as np
import pytest

from gram_envs.core.metrics import (
    accuracy_by_num_solutions,
    coverage_by_num_solutions,
    coverage_curve,
    distinct_found,
    summarise_draws,
)


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


def test_distinct_found_counts_new_valid_answers_sample_by_sample():
    found = distinct_found(np.array([[0, 2, 2, -1], [-1, -1, 1, 1]]))
    assert found.tolist() == [[1, 2, 2, 2], [0, 0, 1, 1]]


def test_accuracy_by_num_solutions_is_the_valid_share_per_group():
    valid = np.array([[True, False], [True, True], [False, False]])
    by = accuracy_by_num_solutions(valid, np.array([2, 2, 5]))
    assert by == {2: {"instances": 2, "accuracy": 0.75}, 5: {"instances": 1, "accuracy": 0.0}}


def test_bad_shapes_are_refused_by_name():
    with pytest.raises(ValueError, match="solution_index"):
        coverage_curve(np.zeros(3, dtype=int), np.ones(3, dtype=int))
    with pytest.raises(ValueError, match="num_solutions"):
        coverage_by_num_solutions(np.zeros((3, 2), dtype=int), np.ones(2, dtype=int))
    with pytest.raises(ValueError, match="valid"):
        accuracy_by_num_solutions(np.zeros((3, 2), dtype=bool), np.ones(4, dtype=int))
    with pytest.raises(ValueError, match="at least one draw"):
        summarise_draws([])
