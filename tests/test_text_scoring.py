"""Text scores agree with the envs' exact checks; group scoring, diversity and batching."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gram_envs.text import create_dataset, score_answer, score_group, score_groups, score_texts, text_task
from gram_envs.text.scoring import check_partial_credit

PUZZLE_TASKS = {
    "nq8": ("GRAM/NQueens-8", {}),
    "gc8": ("GRAM/GraphColoring-8", {}),
    "sudoku": ("GRAM/Sudoku-Extreme", {}),
}


def _changed(task, answer: np.ndarray, cell: int, value: int) -> np.ndarray:
    """``answer`` with one cell set to another legal value."""
    out = answer.copy()
    flat = out.reshape(-1)
    if task.family == "nqueens":
        flat[cell] ^= 1
    elif task.family == "coloring":
        flat[cell] = (flat[cell] + 1 + value % (task.env.k - 1)) % task.env.k
    else:
        flat[cell] = (flat[cell] + value % 8) % 9 + 1 if value % 8 else flat[cell] % 9 + 1
    return out


@pytest.mark.parametrize("key", sorted(PUZZLE_TASKS))
@settings(max_examples=30)
@given(data=st.data(), partial=st.sampled_from([0.0, 0.5]))
def test_single_cell_changes_match_env_evaluate(key: str, data, partial: float) -> None:
    task = text_task(*PUZZLE_TASKS[key])
    ids = task.split_ids("test")
    instance = int(ids[data.draw(st.integers(0, len(ids) - 1))])
    sols = task.solutions(instance)
    sol = sols[data.draw(st.integers(0, len(sols) - 1))]
    cells = data.draw(st.lists(st.integers(0, sol.size - 1), min_size=1, max_size=3, unique=True))
    answer = sol
    for c in cells:
        answer = _changed(task, answer, c, data.draw(st.integers(1, 50)))
    res = score_texts(task, [instance], [task.render_answer(answer)], partial)
    ref = task.env.evaluate(np.array([instance]), answer[None, None].astype(np.int64), record=False)
    assert res["parsed"][0]
    assert res["valid"][0] == ref["valid"][0, 0]
    assert res["conflicts"][0] == ref["conflicts"][0, 0]
    assert res["solution_index"][0] == ref["solution_index"][0, 0]
    if ref["valid"][0, 0]:
        assert res["score"][0] == 1.0 and res["defects"][0] == 0
    else:
        assert res["conflicts"][0] + res["defects"][0] >= 1
        assert res["score"][0] == pytest.approx(partial / (1 + res["conflicts"][0] + res["defects"][0]))


def test_one_flipped_queen_has_the_exact_conflict_count() -> None:
    task = text_task("GRAM/NQueens-8")
    instance = int(task.split_ids("test")[0])
    sol = task.solutions(instance)[0]
    for cell in range(64):
        board = sol.copy().reshape(-1)
        board[cell] ^= 1
        board = board.reshape(8, 8)
        res = score_texts(task, [instance], [task.render_answer(board)])
        assert res["conflicts"][0] == len(task.attacking_pairs(board))
        if board.sum() == 7:  # a queen removed: no conflict, one missing queen (more if it was given)
            assert res["conflicts"][0] == 0 and res["defects"][0] >= 1
        else:  # a ninth queen attacks at least one
            assert res["conflicts"][0] >= 1


@settings(max_examples=20)
@given(boards=st.lists(st.lists(st.integers(0, 1), min_size=64, max_size=64), min_size=1, max_size=30),
       data=st.data())
def test_random_boards_batched_equal_env_evaluate(boards, data) -> None:
    task = text_task("GRAM/NQueens-8")
    ids = task.split_ids("test")
    inst = np.array([ids[data.draw(st.integers(0, len(ids) - 1))] for _ in boards])
    arr = np.array(boards, dtype=np.int64).reshape(-1, 8, 8)
    res = score_texts(task, inst, [task.render_answer(b) for b in arr])
    for i, b in enumerate(arr):
        ref = task.env.evaluate(inst[i : i + 1], b[None, None], record=False)
        assert (res["valid"][i], res["conflicts"][i]) == (ref["valid"][0, 0], ref["conflicts"][0, 0])


def test_group_scores_count_distinct_solutions() -> None:
    ds = create_dataset("gram_graph_coloring", size=50, seed=3)
    entry = next(e for e in ds if e["metadata"]["num_solutions"] >= 3)
    task = ds.task
    sols = task.solutions(entry["metadata"]["instance_id"])
    perm = (sols[1] + 1) % 3  # the same class as sols[1] with colours renamed
    answers = [task.render_answer(sols[0]), task.render_answer(sols[0]), task.render_answer(perm), "nonsense",
               "<answer>" + task.render_answer(sols[2]) + "</answer>"]
    g = score_group(answers, entry)
    assert g["valid"] == [True, True, True, False, True]
    assert g["solution_index"][:3] == [0, 0, 1] and g["solution_index"][4] == 2
    assert g["diversity_bonus"] == [1.0, 0.0, 1.0, 0.0, 1.0]
    assert g["rewards"] == [1.5, 1.0, 1.5, 0.0, 1.5]
    assert g["distinct_valid"] == 3 and g["num_solutions"] == len(sols)
    assert g["coverage"] == pytest.approx(3 / len(sols))
    assert g["parsed"][3] is False and "expected 8 colours" in g["errors"][3]


def test_score_groups_batches_many_entries_and_families() -> None:
    nq = create_dataset("gram_nqueens", size=8, seed=0, split="test")
    gc = create_dataset("gram_graph_coloring", size=8, seed=0)
    entries = [nq[i] for i in range(8)] + [gc[i] for i in range(8)]
    groups = [[e["answer"], "x", e["answer"]] for e in entries]
    batched = score_groups(groups, entries, diversity_weight=0.25)
    for g, e, res in zip(groups, entries, batched, strict=True):
        assert res == score_group(g, e, diversity_weight=0.25)
        assert res["rewards"] == [1.25, 0.0, 1.0]
        assert res["coverage"] == pytest.approx(1 / e["metadata"]["num_solutions"])


def test_partial_credit_from_entry_and_argument() -> None:
    ds = create_dataset("gram_nqueens", size=4, seed=1, partial_credit=0.5)
    entry = ds[0]
    assert entry["metadata"]["partial_credit"] == 0.5
    board = "\n".join(" ".join("Q" if c == r else "_" for c in range(8)) for r in range(8))  # 28 diagonal pairs
    given_count = int(ds.task.env.puzzle_set.puzzles[entry["metadata"]["instance_id"]].sum())
    res = score_texts(ds.task, [entry["metadata"]["instance_id"]], [board], 0.5)
    expected = 0.5 / (1 + res["conflicts"][0] + res["defects"][0])
    assert res["conflicts"][0] == 28 and res["defects"][0] <= given_count
    assert ds.score_answer(board, entry) == pytest.approx(expected)
    assert score_answer(board, entry, partial_credit=0.0) == 0.0
    assert score_answer(entry["answer"], entry) == 1.0


@pytest.mark.parametrize("bad", [-0.1, 1.0, 2, True, "0.5", None])
def test_partial_credit_is_checked(bad) -> None:
    with pytest.raises(ValueError, match="partial_credit"):
        check_partial_credit(bad)


def test_bad_entries_and_arguments_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="metadata"):
        score_answer("x", {"question": "q"})
    with pytest.raises(ValueError, match="one entry per group"):
        score_groups([["x"]], [])
    with pytest.raises(ValueError, match="one id per text"):
        score_texts(text_task("GRAM/NQueens-8"), [0, 1], ["x"])
    with pytest.raises(ValueError, match="registered GRAM puzzle id"):
        text_task("GRAM/NQueens-9")
    with pytest.raises(ValueError, match="no text interface"):
        text_task("GRAM/SudokuGen-9", {"n_grids": 2, "n_test_grids": 1})


@pytest.mark.parametrize(("env_id", "kwargs", "n"), [("GRAM/NQueens-8", {}, 8), ("GRAM/NQueens-v0", {"n": 6}, 6),
                                                     ("GRAM/NQueens-10", {}, 10)])
def test_nqueens_fast_check_equals_the_env_check_path(env_id: str, kwargs: dict, n: int) -> None:
    from gram_envs.text.tasks import TextTask

    task = text_task(env_id, kwargs)
    rng = np.random.default_rng(1)
    ids = rng.choice(task.split_ids("test"), 600)
    boards = rng.integers(0, 2, (600, n, n)).astype(np.int8)
    for k in range(0, 600, 3):  # a third valid, a third one cell off a solution
        sols = task.solutions(ids[k])
        boards[k] = sols[rng.integers(len(sols))]
        boards[k + 1] = boards[k]
        boards[k + 1].reshape(-1)[rng.integers(n * n)] ^= 1
    boards[2] = task.solutions(ids[5])[0]  # a solution of another instance is no solution here
    fast, generic = task.check(ids, boards), TextTask.check(task, ids, boards)
    assert fast.keys() == generic.keys()
    for key in fast:
        assert np.array_equal(fast[key], generic[key]), key
    assert fast["valid"].sum() >= 200
    if n * n <= 64:
        assert np.array_equal(task._lookup64(ids, boards), task.env.puzzle_set.solutions.lookup(ids, boards))
