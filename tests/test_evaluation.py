"""gram_agent.evaluation: prior-temperature schedules and the choice rule (no model needed), and the
stored-sweep re-choice of experiments.temperature_schedule."""

from __future__ import annotations

import json

import pytest

from gram_agent import evaluation as ev


def test_schedules_and_their_names():
    assert ev.schedule(3.0, 2, 0.5, 0, 4) == [3.0, 3.0, 0.5, 0.5]
    assert ev.schedule(1.5, 0, 1.5, 2, 4) == [1.5] * 6
    with pytest.raises(ValueError, match="no cool step"):
        ev.schedule(3.0, 4, 0.5, 0, 4)
    assert ev.schedule_name(3.0, 2, 0.5, 0) == "T 3 for 2 steps, then 0.5"
    assert ev.schedule_name(3.0, 4, 0.5, 8) == "T 3 for 4 steps, then 0.5, +8 steps"
    assert ev.PAPER_SAMPLING == "T 1" and ev.schedule_name(*ev.GRID[0]) == ev.PAPER_SAMPLING
    assert len({ev.schedule_name(*g) for g in ev.GRID}) == len(ev.GRID)


def test_the_choice_is_made_on_training_inputs_and_never_below_temperature_one():
    """The best selection coverage among schedules accurate enough there; never a test number."""
    rows = [{"name": n, "select": {"accuracy": a, "coverage": c}, "test": {"accuracy": a, "coverage": t}}
            for n, a, c, t in (("T 1", 1.0, 0.80, 0.80), ("T 2", 0.90, 0.95, 0.99), ("hot", 0.995, 0.90, 0.85))]
    assert ev.choose(rows, 0.99) == "hot"  # T 2 has the best coverage but misses the accuracy bar
    assert ev.choose(rows, 0.999) == "T 1"
    assert ev.choose(rows[1:2], 0.99) == "T 1"  # none accurate enough: the paper's sampling
    assert ev.accuracy_bar(rows, 0.99) == 0.99  # temperature 1.0 is above the ceiling
    weak = [{**r, "select": {**r["select"], "accuracy": a}} for r, a in zip(rows, (0.8, 0.7, 0.85), strict=True)]
    assert ev.accuracy_bar(weak, 0.99) == pytest.approx(0.8)  # temperature 1.0's own accuracy
    assert ev.choose(weak, ev.accuracy_bar(weak, 0.99)) == "hot"  # at least T 1's accuracy, wider
    weak[2]["select"]["accuracy"] = 0.79
    assert ev.choose(weak, ev.accuracy_bar(weak, 0.99)) == "T 1"  # less accurate than T 1: refused
    assert ev.row_named(rows, "hot") is rows[2]
    with pytest.raises(ValueError, match="no schedule named 'T 9'"):
        ev.row_named(rows, "T 9")


def test_rechoose_applies_the_rule_to_a_stored_sweep_and_records_the_earlier_choice(tmp_path):
    sched = pytest.importorskip("experiments.temperature_schedule")
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


def test_split_inputs_names_the_splits_it_knows():
    with pytest.raises(ValueError, match="'select' or 'test'"):
        ev.split_inputs(None, "train", 1)
