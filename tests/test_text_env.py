"""GRAM/<id>-Text multi-turn envs: gymnasium's checker, exact feedback, turn limits."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from hypothesis import given, settings
from hypothesis import strategies as st

import gram_envs  # noqa: F401
from gram_envs.registration import ENV_TABLE
from gram_envs.text import TEXT_ENV_TABLE, TextEnv, text_task


def test_text_ids_are_registered() -> None:
    assert set(TEXT_ENV_TABLE) <= set(ENV_TABLE)
    assert "GRAM/NQueens-8-Text" in gym.registry


@pytest.mark.parametrize("env_id", ["GRAM/NQueens-8-Text", "GRAM/GraphColoring-8-Text", "GRAM/Sudoku-Extreme-Text"])
def test_check_env(env_id: str) -> None:
    env = gym.make(env_id)
    check_env(env.unwrapped)
    env.close()


def test_check_env_arc_fixtures() -> None:
    check_env(TextEnv("GRAM/ARC-AGI-1", {"data_path": "fixtures"}, max_turns=2), skip_render_check=True)


def test_episode_feedback_then_correct() -> None:
    env = gym.make("GRAM/NQueens-8-Text", max_turns=3, render_mode="ansi")
    question, info = env.reset(seed=0, options={"split": "test", "index": 4})
    task = env.unwrapped.task
    assert "N-Queens" in question and env.render() == question
    assert info["num_solutions"] == len(task.solutions(info["instance_id"]))
    obs, reward, term, trunc, step = env.step("I think the answer is 42")
    assert (reward, term, trunc) == (0.0, False, False)
    assert "Could not read your answer" in obs and "Turns left: 2" in obs and not step["parsed"]
    sol = task.solutions(info["instance_id"])[0]
    wrong = sol.copy()
    wrong[0] = np.roll(wrong[0], 1)  # move the first row's queen
    obs, reward, term, trunc, step = env.step(task.render_answer(wrong))
    assert step["parsed"] and not step["valid"] and not term
    assert f"{step['conflicts']} attacking pair" in obs or step["conflicts"] == 0
    obs, reward, term, trunc, step = env.step(f"<answer>{task.render_answer(sol)}</answer>")
    assert (obs, reward, term, trunc) == ("Correct.", 1.0, True, False)
    assert step["solution_index"] == 0
    with pytest.raises(RuntimeError):
        env.step("x")


def test_turn_limit_truncates() -> None:
    env = TextEnv("GRAM/GraphColoring-8", max_turns=2)
    env.reset(seed=1)
    assert env.step("0")[3] is False
    obs, reward, term, trunc, info = env.step("0")
    assert (term, trunc, info["turns_left"]) == (False, True, 0) and "No turns left" in obs
    for bad in ({"max_turns": 0}, {"partial_credit": 1.0}, {"split": "dev"}, {"render_mode": "human"}):
        with pytest.raises(ValueError):
            TextEnv("GRAM/NQueens-8", **bad)
    with pytest.raises(ValueError, match="unknown reset options"):
        env.reset(options={"task": 1})


@settings(max_examples=30)
@given(bits=st.lists(st.integers(0, 1), min_size=64, max_size=64), index=st.integers(0, 700))
def test_nqueens_feedback_lists_exactly_the_env_conflicts(bits, index: int) -> None:
    task = text_task("GRAM/NQueens-8")
    instance = int(task.split_ids("test")[index])
    board = np.array(bits, dtype=np.int64).reshape(8, 8)
    ref = task.env.evaluate(np.array([instance]), board[None, None], record=False)
    pairs = task.attacking_pairs(board)
    assert len(pairs) == ref["conflicts"][0, 0]
    text = task.feedback(instance, board)
    assert (text == "") == bool(ref["valid"][0, 0])
    if pairs:
        assert f"{len(pairs)} attacking pair(s)" in text


@settings(max_examples=30)
@given(colours=st.lists(st.integers(0, 2), min_size=8, max_size=8), index=st.integers(0, 250))
def test_coloring_feedback_counts_monochromatic_edges(colours, index: int) -> None:
    task = text_task("GRAM/GraphColoring-8")
    instance = int(task.split_ids("test")[index])
    answer = np.array(colours)
    ref = task.env.evaluate(np.array([instance]), answer[None, None], record=False)
    text = task.feedback(instance, answer)
    conflicts = int(ref["conflicts"][0, 0])
    assert (text == "") == (conflicts == 0)
    if conflicts:
        assert text.startswith(f"{conflicts} edge(s)") and text.count(" (both colour ") == conflicts


@settings(max_examples=20)
@given(data=st.data())
def test_sudoku_feedback_repeats_sum_to_env_conflicts(data) -> None:
    task = text_task("GRAM/Sudoku-Extreme")
    ids = task.split_ids("test")
    instance = int(ids[data.draw(st.integers(0, len(ids) - 1))])
    board = task.solutions(instance)[0].astype(np.int64)
    for _ in range(data.draw(st.integers(1, 4))):
        board[data.draw(st.integers(0, 8)), data.draw(st.integers(0, 8))] = data.draw(st.integers(1, 9))
    ref = task.env.evaluate(np.array([instance]), board[None, None], record=False)
    assert sum(t - 1 for *_, t in task.repeats(board)) == ref["conflicts"][0, 0]
    assert (task.feedback(instance, board) == "") == bool(ref["valid"][0, 0])


def test_arc_feedback_and_two_attempts() -> None:
    env = TextEnv("GRAM/ARC-AGI-1", {"data_path": "fixtures"}, max_turns=2)
    question, info = env.reset(options={"index": 0})
    target = env.task.solutions(info["instance_id"])[0]
    wrong = target.copy()
    wrong[0, 0] = (wrong[0, 0] + 1) % 10
    obs, reward, term, trunc, step = env.step(env.task.render_answer(wrong))
    assert "1 of" in obs and step["conflicts"] == 1 and not term
    obs, reward, term, trunc, step = env.step(env.task.render_answer(target[:, :1]) if target.shape[1] > 1 else "1 1")
    assert "another size" in obs and trunc
