"""Issue 23 (env side): public ground truth ``solutions()``, one set of split names, and the
hypothesis strategies of ``gram_envs.testing`` for every family."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gram_envs  # noqa: F401
from gram_envs.arc.env import ArcEnv
from gram_envs.sudoku.logic import check_boards, is_valid_grid
from gram_envs.testing import (
    arc_datasets,
    arc_grids,
    arc_tasks,
    enumerable_ids,
    make_unwrapped,
    registered_instances,
    sudoku_grids,
    sudoku_puzzles,
)

SMALL = {"GRAM/Sudoku-v0": {"n_train": 20, "n_test": 5}, "GRAM/SudokuGen-9": {"n_grids": 50, "n_test_grids": 5}}
FAST_IDS = ["GRAM/NQueens-8", "GRAM/NQueens-v0", "GRAM/GraphColoring-8", "GRAM/Sudoku-Extreme", "GRAM/Sudoku-v0",
            "GRAM/SudokuGen-4", "GRAM/ARC-AGI-1"]


@settings(max_examples=40)
@given(registered_instances(FAST_IDS, make_kwargs=SMALL))
def test_solutions_are_exactly_the_valid_answers(item) -> None:
    env, inst, sols = item.env, item.instance_id, item.solutions
    assert len(sols) >= 1
    if isinstance(env, ArcEnv):
        res = env.evaluate([inst], [list(sols)], record=False)
        assert res["valid"].all() and len(sols) == 1
        return
    sols = np.asarray(sols)
    assert sols.dtype == np.int64 and sols.shape[1:] == env.action_space.shape
    assert len(sols) == env.num_solutions(np.array([inst]))[0]
    res = env.evaluate([inst], sols[None])
    assert res["valid"].all()
    assert sorted(res["solution_index"][0].tolist()) == list(range(len(sols)))
    assert env.metrics()["coverage"] == 1.0
    for sol in sols[:3]:
        env.reset(options={"split": "test", "index": int(np.flatnonzero(env.instance_ids("test") == inst)[0])})
        assert env.step(sol)[1] == 1.0


def test_coloring_labellings_are_every_valid_answer() -> None:
    env = make_unwrapped("GRAM/GraphColoring-8")
    inst = int(env.instance_ids("test")[0])
    every = env.solutions(inst, labellings=True)
    everything = np.array(np.meshgrid(*[np.arange(3)] * 8, indexing="ij")).reshape(8, -1).T  # all 3^8 colourings
    res = env.evaluate(np.array([inst]), everything[None], record=False)
    assert np.array_equal(np.sort(everything[res["valid"][0]], axis=0), np.sort(every, axis=0))
    assert len(np.unique(env.evaluate([inst], every[None], record=False)["solution_index"])) == len(env.solutions(inst))


def test_solutions_refuses_bad_ids_and_unenumerable_sets() -> None:
    env = make_unwrapped("GRAM/NQueens-8")
    for bad in (-1, 10**6, 1.0, True, "3", np.timedelta64(1)):
        with pytest.raises(ValueError, match="instance_id"):
            env.solutions(bad)
    gen = make_unwrapped("GRAM/SudokuGen-9", **SMALL["GRAM/SudokuGen-9"])
    with pytest.raises(ValueError, match="cannot enumerate"):
        gen.solutions(0)
    assert "GRAM/SudokuGen-9" not in enumerable_ids()


def test_arc_split_names_match_every_other_family() -> None:
    env = make_unwrapped("GRAM/ARC-AGI-1", data_path="fixtures")
    assert np.array_equal(env.instance_ids("train"), env.instance_ids("training"))
    assert np.array_equal(env.instance_ids("test"), env.instance_ids("evaluation"))
    _, info = env.reset(options={"split": "test", "index": 0})
    assert info["split"] == "evaluation" and info["instance_id"] == env.instance_ids("evaluation")[0]
    env.evaluate(env.instance_ids("test"), [env.solutions(int(i)) for i in env.instance_ids("test")])
    assert env.metrics("test") == env.metrics("evaluation") and env.metrics("test")["pass@1"] == 1.0
    assert ArcEnv(split="test", data_path="fixtures").default_split == "evaluation"
    for e in (env, make_unwrapped("GRAM/NQueens-8")):
        for bad in ("valid", "Train", 3, None):
            with pytest.raises(ValueError, match="expected one of"):
                e.instance_ids(bad)
            if bad is not None:  # reset's split None means the default split
                with pytest.raises(ValueError, match="expected one of"):
                    e.reset(options={"split": bad})


# ----------------------------------------------------------------------------- strategies
@given(st.sampled_from([2, 3]).flatmap(sudoku_grids))
def test_sudoku_grids_are_valid(grid) -> None:
    assert is_valid_grid(grid)


@given(sudoku_puzzles(3, min_blanks=1, max_blanks=60))
def test_sudoku_puzzles_are_completed_by_their_grid(pair) -> None:
    puzzle, grid = pair
    assert (puzzle == 0).sum() >= 1
    valid, conflicts = check_boards(puzzle, grid)
    assert valid and conflicts == 0


@given(arc_grids(1, 30))
def test_arc_grids_in_range(grid) -> None:
    assert grid.dtype == np.int8 and 1 <= grid.shape[0] <= 30 and 1 <= grid.shape[1] <= 30
    assert grid.min() >= 0 and grid.max() <= 9


@settings(max_examples=15)
@given(arc_datasets(max_tasks=2))
def test_arc_datasets_load_and_their_outputs_score(tmp_path_factory, data) -> None:
    path = tmp_path_factory.mktemp("arc") / "tasks.json"
    path.write_text(json.dumps(data))
    env = ArcEnv(data_path=str(path))
    assert env.data.num_tasks == len(data["train"]) + len(data["eval"])
    ids = np.arange(env.data.num_tests)
    res = env.evaluate(ids, [env.solutions(int(i)) for i in ids], record=False)
    assert res["valid"].all()


@given(arc_tasks())
def test_arc_tasks_follow_one_rule(task) -> None:
    assert task["train"] and task["test"]
    for pair in task["train"] + task["test"]:
        assert np.asarray(pair["output"]).size == np.asarray(pair["input"]).size
