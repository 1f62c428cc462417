"""GRAM/NQueens-*: data protocol, episode contract, batched evaluation and metrics."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gram_envs  # noqa: F401
from gram_envs.nqueens.env import NQueensEnv
from gram_envs.nqueens.logic import check_boards
from solvers.nqueens import NQueensSolver, cols_to_boards


@pytest.fixture(scope="module")
def env8() -> NQueensEnv:
    return gym.make("GRAM/NQueens-8").unwrapped


def test_paper_protocol_sizes(env8: NQueensEnv) -> None:
    ps = env8.puzzle_set
    n_train, n_test = len(ps.splits["train"]), len(ps.splits["test"])
    assert n_train + n_test == 5148  # distinct partial boards from 92 solutions, 5-7 removed
    assert n_test == round(0.15 * 5148)
    assert len(ps.targets) == 92 * (56 + 28 + 8)  # every (input, completion) pair
    queens = ps.puzzles.sum(axis=(1, 2))
    assert set(np.unique(queens)) == {1, 2, 3}
    train_keys = {p.tobytes() for p in ps.puzzles[ps.splits["train"]]}
    assert not any(p.tobytes() in train_keys for p in ps.puzzles[ps.splits["test"]])


def test_solution_sets_equal_solver(env8: NQueensEnv) -> None:
    ps = env8.puzzle_set
    rng = np.random.default_rng(0)
    for inst in rng.choice(len(ps.puzzles), 40, replace=False):
        puzzle = ps.puzzles[inst]
        fixed = {int(r): int(c) for r, c in zip(*np.nonzero(puzzle), strict=True)}
        expected = cols_to_boards(np.array(NQueensSolver(8, fixed).enumerate()))
        got = ps.solutions.of(inst)
        assert {b.tobytes() for b in got} == {b.tobytes() for b in expected}
        assert env8.num_solutions(np.array([inst]))[0] == len(expected)


def test_step_contract(env8: NQueensEnv) -> None:
    obs, info = env8.reset(seed=3, options={"split": "test", "index": 5})
    assert obs.dtype == np.int8 and obs.shape == (8, 8)
    sols = env8.puzzle_set.solutions.of(info["instance_id"])
    _, reward, term, trunc, step_info = env8.step(sols[-1])
    assert (reward, term, trunc) == (1.0, True, False)
    assert step_info["valid"] and step_info["conflicts"] == 0
    assert step_info["solution_index"] == len(sols) - 1 and step_info["new_solution"]
    with pytest.raises(RuntimeError):
        env8.step(sols[0])
    env8.reset(options={"split": "test", "index": 5})
    assert not env8.step(sols[-1])[4]["new_solution"]  # seen before in this env
    env8.reset(options={"split": "test", "index": 5})
    _, reward, _, _, empty_info = env8.step(np.zeros((8, 8), dtype=np.int64))
    assert reward == 0.0 and not empty_info["valid"] and empty_info["solution_index"] == -1


def test_givens_must_be_kept() -> None:
    env = NQueensEnv(n=6)
    ps = env.puzzle_set
    # a full solution that does not contain the given queens is invalid for that input
    inst = int(ps.splits["test"][0])
    own = {b.tobytes() for b in ps.solutions.of(inst)}
    other = next(b for b in cols_to_boards(np.array(NQueensSolver(6).enumerate())) if b.tobytes() not in own)
    env.reset(options={"split": "test", "index": 0})
    _, reward, _, _, info = env.step(other)
    assert reward == 0.0 and not info["valid"] and info["conflicts"] == 0 and info["solution_index"] == -1


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((8, 7), dtype=np.int64),
        np.zeros((8, 8), dtype=np.float64),
        np.full((8, 8), np.nan),
        np.full((8, 8), 2),
        np.full((8, 8), -1),
        np.zeros((8, 8), dtype=bool),
        "queens",
    ],
)
def test_bad_actions_raise(env8: NQueensEnv, bad) -> None:
    env8.reset(seed=0)
    with pytest.raises(ValueError, match="N-Queens answer"):
        env8.step(bad)


def test_bad_reset_and_evaluate_inputs(env8: NQueensEnv) -> None:
    with pytest.raises(ValueError, match="split"):
        env8.reset(options={"split": "validation"})
    with pytest.raises(ValueError, match="index"):
        env8.reset(options={"split": "test", "index": 10**6})
    with pytest.raises(ValueError, match="unknown reset options"):
        env8.reset(options={"idx": 1})
    with pytest.raises(ValueError, match="instance_ids"):
        env8.evaluate(np.array([10**7]), np.zeros((1, 1, 8, 8), dtype=np.int64))
    with pytest.raises(ValueError, match="candidates"):
        env8.evaluate(np.array([0, 1]), np.zeros((1, 1, 8, 8), dtype=np.int64))
    with pytest.raises(ValueError):
        NQueensEnv(n=3)


@settings(max_examples=15)
@given(st.integers(0, 2**31 - 1))
def test_evaluate_agrees_with_step(seed: int) -> None:
    env = NQueensEnv(n=6)
    rng = np.random.default_rng(seed)
    ids = rng.choice(env.puzzle_set.splits["test"], 4, replace=False)
    sols = [env.puzzle_set.solutions.of(i) for i in ids]
    cands = rng.integers(0, 2, (4, 3, 6, 6))
    for i, s in enumerate(sols):
        cands[i, 0] = s[rng.integers(len(s))]
        cands[i, 1] = cands[i, 0]
    batch = env.evaluate(ids, cands, record=False)
    test_ids = env.puzzle_set.splits["test"]
    for i, inst in enumerate(ids):
        for j in range(3):
            env.reset(options={"split": "test", "index": int(np.flatnonzero(test_ids == inst)[0])})
            _, reward, _, _, info = env.step(cands[i, j])
            assert info["valid"] == batch["valid"][i, j] == (reward == 1.0)
            assert info["conflicts"] == batch["conflicts"][i, j]
            assert info["solution_index"] == batch["solution_index"][i, j]


def _slow_metrics(env: NQueensEnv, ids: np.ndarray, cands: np.ndarray) -> dict[str, float]:
    """Reference metrics with python sets and loops, sharing nothing with MetricsTracker."""
    from solvers.nqueens import board_symmetries

    valid_total, cov, ess = 0, [], []
    for inst, row in zip(ids, cands, strict=True):
        puzzle = env.puzzle_set.puzzles[inst]
        fixed = {int(r): int(c) for r, c in zip(*np.nonzero(puzzle), strict=True)}
        sols = {b.tobytes() for b in cols_to_boards(np.array(NQueensSolver(6, fixed).enumerate()))}
        found = set()
        for cand in row:
            ok, _ = check_boards(puzzle, cand)
            valid_total += bool(ok)
            if ok:
                found.add(cand.astype(np.int8).tobytes())
        cov.append(len(found & sols) / len(sols))

        def cls(b: bytes) -> bytes:
            board = np.frombuffer(b, dtype=np.int8).reshape(6, 6)
            return min(img.tobytes() for img in board_symmetries(board))

        ess.append(len({cls(b) for b in found}) / len({cls(b) for b in sols}))
    return {"accuracy": valid_total / cands[:, :, 0, 0].size, "coverage": float(np.mean(cov)),
            "essential_coverage": float(np.mean(ess))}


@settings(max_examples=10)
@given(st.integers(0, 2**31 - 1))
def test_metrics_equal_slow_reference(seed: int) -> None:
    env = NQueensEnv(n=6)
    rng = np.random.default_rng(seed)
    ids = rng.choice(len(env.puzzle_set.puzzles), 5, replace=False)
    cands = rng.integers(0, 2, (5, 6, 6, 6))
    for i, inst in enumerate(ids):
        sols = env.puzzle_set.solutions.of(inst)
        for j in range(rng.integers(0, 6)):
            cands[i, j] = sols[rng.integers(len(sols))]
    got = env.evaluate(ids, cands)["metrics"]
    ref = _slow_metrics(env, ids, cands)
    for key, value in ref.items():
        assert got[key] == pytest.approx(value), key
    assert env.metrics()["coverage"] == pytest.approx(ref["coverage"])


def test_same_seed_same_data(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GRAM_CACHE_DIR", str(tmp_path))
    a = NQueensEnv(n=6, seed=1).puzzle_set
    b = NQueensEnv(n=6, seed=1).puzzle_set  # second build comes from the cache
    c = NQueensEnv(n=6, seed=2).puzzle_set
    assert np.array_equal(a.puzzles, b.puzzles) and np.array_equal(a.targets, b.targets)
    assert not np.array_equal(a.puzzles, c.puzzles)
    assert len(list(tmp_path.iterdir())) == 2


def test_dataset_tokens_round_trip(env8: NQueensEnv) -> None:
    for split in ("train", "test"):
        ds = env8.dataset(split)
        assert ds.inputs.shape == ds.labels.shape == (len(ds), 64)
        assert ds.vocab_size == 3 and set(np.unique(ds.inputs)) <= {1, 2}
        boards = env8.detokenize(ds.labels)
        assert np.array_equal(boards, env8.puzzle_set.targets[np.isin(env8.puzzle_set.target_owner, ds.instance_ids)])
        owners = env8.puzzle_set.puzzles[ds.row_instance]
        assert check_boards(owners, boards)[0].all()
        assert len(ds.solutions) == len(ds.instance_ids)


def test_render_modes() -> None:
    env = gym.make("GRAM/NQueens-8", render_mode="rgb_array")
    env.reset(seed=0)
    img = env.render()
    assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
    env = gym.make("GRAM/NQueens-8", render_mode="ansi")
    env.reset(seed=0)
    assert isinstance(env.render(), str) and "Q" in env.render()


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_make_vec(mode: str) -> None:
    envs = gym.make_vec("GRAM/NQueens-8", num_envs=2, vectorization_mode=mode)
    obs, info = envs.reset(seed=0)
    assert obs.shape == (2, 8, 8)
    _, reward, term, trunc, info = envs.step(np.zeros((2, 8, 8), dtype=np.int64))
    assert reward.tolist() == [0.0, 0.0] and term.all() and not trunc.any()
    assert "conflicts" in info
    envs.close()


def test_make_with_module_prefix() -> None:
    env = gym.make("gram_envs:GRAM/NQueens-8")
    assert env.unwrapped.n == 8
