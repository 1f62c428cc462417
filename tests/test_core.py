"""Shared core: exact solution-set lookup and the metric tracker's unenumerated path."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gram_envs.core.metrics import MetricsTracker, coverage_bounds
from gram_envs.core.solution_sets import SolutionSets


@given(st.integers(0, 2**31 - 1))
def test_lookup_matches_python_dicts(seed: int) -> None:
    rng = np.random.default_rng(seed)
    sets = []
    for _ in range(rng.integers(1, 6)):
        sols = np.unique(rng.integers(0, 3, (rng.integers(1, 8), 4)), axis=0)
        sets.append(sols)
    index = SolutionSets(sets, answer_ndim=1)
    ids = rng.integers(0, len(sets), 30)
    answers = rng.integers(0, 3, (30, 4))
    pos = index.local_index(ids, index.lookup(ids, answers))
    for inst, ans, p in zip(ids, answers, pos, strict=True):
        expected = {s.tobytes(): i for i, s in enumerate(sets[inst].astype(np.int8))}
        assert p == expected.get(ans.astype(np.int8).tobytes(), -1)


def test_duplicate_solution_rejected() -> None:
    try:
        SolutionSets([np.zeros((2, 3))], answer_ndim=1)
    except ValueError as exc:
        assert "twice" in str(exc)
    else:
        raise AssertionError("duplicate solutions must be rejected")


def test_unenumerated_distinct_and_duplicate_rate() -> None:
    tracker = MetricsTracker(2, None, answer_ndim=1)
    answers = np.array([[[1, 2], [1, 2], [3, 4]], [[5, 6], [5, 6], [0, 0]]])
    valid = np.array([[True, True, True], [True, True, False]])
    new = tracker.record(np.array([[0], [1]]), answers, valid, np.zeros((2, 3), int), None)
    assert new.tolist() == [[True, False, True], [True, False, False]]
    new = tracker.record(np.array([[0]]), answers[:1], valid[:1], np.zeros((1, 3), int), None)
    assert not new.any()
    summary = tracker.summary()
    assert summary["distinct_valid"] == 3
    assert summary["duplicate_rate"] == 1 - 3 / 8


def test_coverage_bounds_by_hand_and_refusals():
    got = coverage_bounds(np.array([1, 2, 4]), samples=2)
    assert got["one_answer"] == pytest.approx((1 + 0.5 + 0.25) / 3)
    assert got["independent"] == pytest.approx((1 + 0.75 + (1 - 0.75**2)) / 3)
    assert got["distinct"] == pytest.approx((1 + 1 + 0.5) / 3)
    for bad in (np.array([]), np.array([0, 2]), np.array([1.5]), np.array([[1, 2]]), np.array([2], dtype="m8[s]"),
                np.array([True, True]), np.ma.masked_array([2, 3], mask=[True, False])):
        with pytest.raises(ValueError, match="num_solutions"):
            coverage_bounds(bad)
    for samples in (0, True, 2.0, np.timedelta64(2)):
        with pytest.raises(ValueError, match="samples"):
            coverage_bounds(np.array([2]), samples=samples)


@given(st.integers(1, 30), st.integers(1, 25), st.integers(0, 2**31 - 1))
def test_no_independent_sampler_beats_the_uniform_bound(n, samples, seed):
    """For any draw probabilities q over n answers, the exact expected coverage of ``samples``
    independent draws, mean_i 1 - (1 - q_i)^N, stays at or below the bound, which uniform q attains."""
    q = np.random.default_rng(seed).dirichlet(np.full(n, 0.3))
    expected = float((1 - (1 - q) ** samples).sum() / n)
    bound = coverage_bounds(np.array([n]), samples)
    assert expected <= bound["independent"] + 1e-12
    assert float((1 - (1 - np.full(n, 1 / n)) ** samples).sum() / n) == pytest.approx(bound["independent"])
    assert bound["one_answer"] - 1e-12 <= bound["independent"] <= bound["distinct"] + 1e-12
