"""experiments.coverage_bounds: the levels it reports and the p it names."""

from __future__ import annotations

import numpy as np
import pytest

script = pytest.importorskip("experiments.coverage_bounds")


def test_levels_are_percent_coverage_bounds_with_the_count_summary():
    got = script.levels(np.array([1, 2, 4]))
    assert got["one_answer"] == pytest.approx(100 * (1 + 0.5 + 0.25) / 3)
    assert got["distinct"] == pytest.approx(100.0)  # 20 samples cover up to 20 colourings
    assert (got["graphs"], got["colourings_mean"], got["colourings_median"]) == (3, pytest.approx(7 / 3), 2.0)


def test_smallest_p_allowing_a_coverage():
    sweep = [{"p": 0.4, "independent": 79.9}, {"p": 0.45, "independent": 86.0}, {"p": 0.5, "independent": 92.0}]
    assert script.smallest_p_allowing(sweep, 85.8) == 0.45
    assert script.smallest_p_allowing(sweep, 70.0) == 0.4
    assert script.smallest_p_allowing(sweep, 95.0) is None
