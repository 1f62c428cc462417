"""GRAM/Sudoku-Extreme, GRAM/Sudoku-v0, GRAM/SudokuGen-9 and -4: the shared env contract."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import gram_envs  # noqa: F401  (registers the ids)
from gram_envs.registration import register_all
from gram_envs.sudoku.env import load_extreme
from gram_envs.sudoku.logic import equivalent, invariant_key, is_valid_grid
from solvers.sudoku import NUM_GRIDS_9X9, difficulty, rate

register_all()
SMALL = {
    "GRAM/Sudoku-Extreme": {},
    "GRAM/Sudoku-v0": {"n_train": 30, "n_test": 10},
    "GRAM/SudokuGen-9": {"n_grids": 200, "n_test_grids": 20},
    "GRAM/SudokuGen-4": {},
}


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory, monkeypatch) -> None:
    monkeypatch.setenv("GRAM_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "sudoku_cache"))


def make(env_id: str, **kw):
    return gym.make(env_id, **{**SMALL[env_id], **kw}).unwrapped


@pytest.mark.parametrize("env_id", list(SMALL))
def test_check_env(env_id: str) -> None:
    check_env(make(env_id))
    for mode in ("ansi", "rgb_array"):
        env = make(env_id, render_mode=mode)
        env.reset(seed=0)
        out = env.render()
        assert isinstance(out, str) if mode == "ansi" else (out.dtype == np.uint8 and out.ndim == 3)
        env.step(np.full(env.action_space.shape, env.side // 2 + 1))
        assert env.render() is not None


def test_check_env_other_sizes() -> None:
    for size in (4, 16):
        env = gym.make("GRAM/Sudoku-v0", size=size, n_train=3, n_test=2).unwrapped
        check_env(env)
        obs, _ = env.reset(seed=0)
        assert obs.shape == (size, size)
        assert env.token_spec()["vocab_size"] == size + 2


@pytest.mark.parametrize("env_id", ["GRAM/Sudoku-Extreme", "GRAM/Sudoku-v0"])
def test_dataset_solutions_validate_and_evaluate_agrees_with_step(env_id: str) -> None:
    env = make(env_id)
    for split in ("train", "test"):
        ds = env.dataset(split)
        spec = env.token_spec()
        assert spec["answer_tokens"] == list(range(2, 11)) and spec["pad_id"] == 0
        assert ds.inputs.shape == ds.labels.shape == (len(ds.instance_ids), 81)
        boards = env.detokenize(ds.labels)
        assert is_valid_grid(boards).all()
        puzzles = env.puzzle_set.puzzles[ds.row_instance]
        assert np.array_equal(ds.inputs, puzzles.reshape(len(puzzles), 81) + 1)
        assert (split == "train") == (ds.augment is not None)
    ids = env.puzzle_set.split_ids("test")[:6]
    sols = np.stack([env.puzzle_set.solutions.of(int(i))[0] for i in ids])
    rng = np.random.default_rng(0)
    cands = np.repeat(sols[:, None], 4, axis=1).astype(np.int64)
    cands[:, 1, 0, 0] = cands[:, 1, 0, 0] % 9 + 1  # one wrong cell: 3 conflicts
    cands[:, 2] = rng.integers(1, 10, size=(6, 9, 9))
    res = env.evaluate(ids, cands, record=False)
    assert res["valid"][:, 0].all() and res["valid"][:, 3].all() and not res["valid"][:, 1:3].any()
    assert (res["conflicts"][:, 1] == 3).all()
    assert (res["solution_index"][:, 0] == 0).all() and (res["solution_index"][:, 1] == -1).all()
    for i, inst in enumerate(ids):
        for s in range(4):
            env.reset(options={"split": "test", "index": int(np.flatnonzero(env.puzzle_set.split_ids("test") == inst)[0])})
            _, reward, term, trunc, info = env.step(cands[i, s])
            assert term and not trunc and reward == float(res["valid"][i, s])
            assert info["conflicts"] == res["conflicts"][i, s] and info["valid"] == res["valid"][i, s]
            assert info["num_solutions"] == 1


def test_metrics_match_slow_reference() -> None:
    env = make("GRAM/Sudoku-v0")
    ids = env.puzzle_set.split_ids("train")[:5]
    sols = np.stack([env.puzzle_set.solutions.of(int(i))[0] for i in ids]).astype(np.int64)
    rng = np.random.default_rng(3)
    cands = np.repeat(sols[:, None], 3, axis=1)
    wrong = rng.random((5, 3)) < 0.5
    cands[wrong, 4, 4] = cands[wrong, 4, 4] % 9 + 1
    env.evaluate(ids, cands)
    m = env.metrics()
    valid = ~wrong
    assert m["accuracy"] == pytest.approx(valid.mean())
    assert m["instance_accuracy"] == pytest.approx(valid.any(axis=1).mean())
    assert m["coverage"] == pytest.approx(valid.any(axis=1).mean())  # one solution each
    assert m["conflicts_total"] == 3 * wrong.sum()


def test_sudoku_gen_metrics_and_info() -> None:
    env = make("GRAM/SudokuGen-9")
    obs, info = env.reset(seed=0)
    assert not obs.any() and info["num_solutions"] == -1 and info["num_grids"] == NUM_GRIDS_9X9
    assert isinstance(info["num_grids"], int)
    grids = env.detokenize(env.dataset("train").labels[:4]).astype(np.int64)
    cands = np.stack([grids[0], grids[1], grids[0], grids[2], grids[3]])
    cands[4, 0, 0] = cands[4, 0, 0] % 9 + 1
    res = env.evaluate(np.array([0]), cands[None])
    assert res["valid"].tolist() == [[True, True, True, True, False]]
    assert res["new_solution"].tolist() == [[True, True, False, True, False]]
    m = env.metrics()
    assert m["distinct_valid"] == 3 and m["distinct_rate"] == pytest.approx(3 / 4)
    assert m["duplicate_rate"] == pytest.approx(1 / 4) and m["accuracy"] == pytest.approx(4 / 5)
    assert env.dataset("train").augment is not None


@pytest.mark.parametrize(
    "action, match",
    [
        (np.zeros((9, 9), dtype=int), r"\[1, 9\]"),
        (np.ones((9, 8), dtype=int), r"shape \(9, 9\)"),
        (np.ones((9, 9)), "integer dtype"),
        (np.full((9, 9), 10), r"\[1, 9\]"),
    ],
)
def test_bad_actions_raise(action, match) -> None:
    env = make("GRAM/Sudoku-Extreme")
    env.reset(seed=0)
    with pytest.raises(ValueError, match=match):
        env.step(action)


def test_bad_tokens_and_options_raise() -> None:
    env = make("GRAM/Sudoku-Extreme")
    with pytest.raises(ValueError, match="digit tokens 2..10"):
        env.detokenize(np.ones((2, 81), dtype=np.int64))
    with pytest.raises(ValueError, match="seq_len=81"):
        env.detokenize(np.full((2, 80), 2))
    with pytest.raises(ValueError, match="index"):
        env.reset(options={"split": "train", "index": 10**6})
    with pytest.raises(ValueError, match="split"):
        env.reset(options={"split": "val"})
    with pytest.raises(ValueError, match="size"):
        gym.make("GRAM/Sudoku-v0", size=8)


def test_same_seed_same_data(tmp_path, monkeypatch) -> None:
    a = make("GRAM/Sudoku-v0", seed=5)
    monkeypatch.setenv("GRAM_CACHE_DIR", str(tmp_path))  # rebuilt from scratch
    b = make("GRAM/Sudoku-v0", seed=5)
    assert np.array_equal(a.puzzle_set.puzzles, b.puzzle_set.puzzles)
    assert np.array_equal(a.puzzle_set.targets, b.puzzle_set.targets)
    ra = [a.reset(seed=11)[1]["instance_id"] for _ in range(3)]
    rb = [b.reset(seed=11)[1]["instance_id"] for _ in range(3)]
    assert ra == rb
    for p in a.puzzle_set.puzzles[:10]:
        assert rate(p)[0] == 1


def test_shipped_extreme_set() -> None:
    d = load_extreme()
    n_train = int(d["n_train"])
    n = len(d["puzzles"])
    assert n_train >= 100 and n - n_train >= 100
    assert is_valid_grid(d["solutions"]).all()
    assert np.all((d["puzzles"] == 0) | (d["puzzles"] == d["solutions"]))
    rng = np.random.default_rng(0)
    for i in rng.choice(n, 40, replace=False):  # sample: unique and rated as recorded
        assert rate(d["puzzles"][i])[0] == 1 and difficulty(d["puzzles"][i]) == d["ratings"][i]
    # train and test are inequivalent: invariant buckets, exact check on collisions
    train_keys: dict[bytes, list[int]] = {}
    for i in range(n_train):
        train_keys.setdefault(invariant_key(d["puzzles"][i]), []).append(i)
    for j in range(n_train, n):
        for i in train_keys.get(invariant_key(d["puzzles"][j]), []):
            assert not equivalent(d["puzzles"][i], d["puzzles"][j])
    env = make("GRAM/Sudoku-Extreme")
    _, info = env.reset(options={"split": "train", "index": 0})
    assert info["rating"] == d["ratings"][0] and info["num_solutions"] == 1


def test_dataset_augment_keeps_pairs_consistent() -> None:
    env = make("GRAM/Sudoku-Extreme")
    ds = env.dataset("train")
    rng = np.random.default_rng(0)
    rows = rng.choice(len(ds), 16, replace=False)
    inputs, labels = ds.augment(rng, ds.inputs[rows], ds.labels[rows])
    assert inputs.shape == (16, 81) and not np.array_equal(inputs, ds.inputs[rows])
    sols = env.detokenize(labels)
    assert is_valid_grid(sols).all()
    puzzles = (inputs - 1).reshape(16, 9, 9)
    assert np.all((puzzles == 0) | (puzzles == sols))
    for p, s in zip(puzzles[:4], sols[:4], strict=True):
        count, _ = rate(p)
        assert count == 1
        assert env._score(np.array([0]), s[None, None])[1][0, 0] == 0


def test_rgb_render_draws_digits() -> None:
    env = make("GRAM/Sudoku-Extreme", render_mode="rgb_array")
    env.reset(seed=0)
    blank = env.render()
    env.step(env.puzzle_set.solutions.of(env._instance)[0].astype(np.int64))
    full = env.render()
    assert blank.shape == full.shape == (9 * 24 + 1, 9 * 24 + 1, 3)
    assert (full != blank).any(axis=-1).sum() > (blank == 20).all(axis=-1).sum() > 0


def test_parametric_puzzles_are_distinct_and_in_range() -> None:
    env = gym.make("GRAM/Sudoku-v0", size=4, n_train=150, n_test=50).unwrapped
    keys = {p.tobytes() for p in env.puzzle_set.puzzles}
    assert len(keys) == 200
    env = make("GRAM/Sudoku-v0", difficulty=(3, 40), n_train=4, n_test=2)
    assert np.all((env.puzzle_set.extras["rating"] >= 3) & (env.puzzle_set.extras["rating"] <= 40))
    assert all(difficulty(p) == r for p, r in zip(env.puzzle_set.puzzles, env.puzzle_set.extras["rating"], strict=True))


def test_sudokugen4_holds_every_4x4_grid_and_splits_them() -> None:
    """The 288 grids equal a brute-force enumeration (rows as permutations, units checked); the
    training and test targets are disjoint seeded draws; nothing is augmented."""
    import itertools

    perms = np.array(list(itertools.permutations(range(1, 5))), dtype=np.int8)
    rows = np.stack(np.meshgrid(*[np.arange(24)] * 4, indexing="ij"), -1).reshape(-1, 4)
    boards = perms[rows]  # (24^4, 4, 4): every board whose rows are permutations
    cols_ok = np.all(np.sort(boards, axis=1) == np.arange(1, 5)[None, :, None], axis=(1, 2))
    boxes = boards.reshape(-1, 2, 2, 2, 2).transpose(0, 1, 3, 2, 4).reshape(-1, 4, 4)
    boxes_ok = np.all(np.sort(boxes, axis=2) == np.arange(1, 5), axis=(1, 2))
    brute = {b.tobytes() for b in boards[cols_ok & boxes_ok]}
    env = make("GRAM/SudokuGen-4")
    every = env.solutions(0)
    assert len(brute) == 288 and {b.astype(np.int8).tobytes() for b in every} == brute
    assert env.num_solutions(np.array([0, 1])).tolist() == [288, 288]
    ps = env.puzzle_set
    train, test = (ps.targets[ps.target_owner == i] for i in (0, 1))
    assert len(train) == len(test) == 144
    assert not {b.tobytes() for b in train} & {b.tobytes() for b in test}
    assert np.array_equal(make("GRAM/SudokuGen-4").puzzle_set.targets, ps.targets)
    assert not np.array_equal(make("GRAM/SudokuGen-4", seed=1).puzzle_set.targets, ps.targets)
    assert env.dataset("train").augment is None
    res = env.evaluate([1], every[None, :10])
    assert res["valid"].all() and res["metrics"]["coverage"] == pytest.approx(10 / 288)
    _, info = env.reset(seed=0)
    assert info["num_grids"] == 288 and info["num_solutions"] == 288
    with pytest.raises(ValueError, match="at most the 288"):
        make("GRAM/SudokuGen-4", n_grids=200, n_test_grids=100)
