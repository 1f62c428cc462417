"""Issue 24 (env side): self-healing cache, read-only cache, strict answer types, bad constructor
arguments, ARC edge cases, bounded evaluate memory, and the fuzz harness over every id."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tracemalloc
import warnings

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gram_envs  # noqa: F401
from gram_envs.core import cache
from gram_envs.core.cache import CacheWarning, cache_path, cached_arrays
from gram_envs.registration import ENV_TABLE
from gram_envs.testing import fuzz_env, make_unwrapped

SCHEMA = {"a": ("int64", 1), "b": ("int8", 2)}


def _arrays() -> dict[str, np.ndarray]:
    return {"a": np.arange(50, dtype=np.int64), "b": np.arange(60, dtype=np.int8).reshape(6, 10)}


@pytest.fixture
def cache_root(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAM_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _same(x: dict, y: dict) -> bool:
    return x.keys() == y.keys() and all(np.array_equal(x[k], y[k]) and x[k].dtype == y[k].dtype for k in x)


# ----------------------------------------------------------------------------- cache (items 2, 3, 9)
def _corrupt(path, kind: str, where: float, byte: int) -> None:
    data = bytearray(path.read_bytes())
    if kind == "truncate":
        path.write_bytes(bytes(data[: int(where * len(data))]))
    elif kind == "flip":
        i = min(len(data) - 1, int(where * len(data)))
        data[i] ^= byte or 1
        path.write_bytes(bytes(data))
    elif kind == "garbage":
        path.write_bytes(bytes([byte]) * (1 + int(where * 1000)))
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "other_npz":  # a well-formed npz that is not ours
        np.savez(path, a=np.zeros(3))
    elif kind == "wrong_dtype":  # right keys, manifest and checksum, wrong dtype: only the schema catches it
        arr = {"a": np.arange(50, dtype=np.float64), "b": np.zeros((6, 10), np.int8)}
        cache._write(path, arr)


@settings(max_examples=40)
@given(
    st.sampled_from(["truncate", "flip", "garbage", "empty", "other_npz", "wrong_dtype"]),
    st.floats(0.0, 0.999),
    st.integers(0, 255),
)
def test_damaged_cache_file_is_rebuilt_with_a_warning(tmp_path_factory, kind, where, byte) -> None:
    root = tmp_path_factory.mktemp("c")
    os.environ["GRAM_CACHE_DIR"] = str(root)
    try:
        first = cached_arrays("k", _arrays, SCHEMA)
        path = cache_path("k")
        _corrupt(path, kind, where, byte)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            again = cached_arrays("k", _arrays, SCHEMA)
        assert _same(first, again)
        msgs = [str(w.message) for w in caught if issubclass(w.category, CacheWarning)]
        # a flip inside zip padding can leave the file intact; anything else must be named and rebuilt
        damaged = not _loads_cleanly(path) if kind == "flip" else True
        if damaged:
            assert any(str(path) in m for m in msgs), msgs
        assert _loads_cleanly(path)  # the rebuilt file is whole
    finally:
        os.environ.pop("GRAM_CACHE_DIR")


def _loads_cleanly(path) -> bool:
    try:
        return _same(cache._load(path, SCHEMA), _arrays())
    except Exception:
        return False


def test_corrupt_nqueens_cache_heals(cache_root) -> None:
    env = gym.make("GRAM/NQueens-v0", n=6).unwrapped
    files = list(cache_root.glob("nqueens-*.npz"))
    assert len(files) == 1
    files[0].write_bytes(files[0].read_bytes()[:100])  # truncated: BadZipFile on the old code
    with pytest.warns(CacheWarning, match=str(files[0].name)):
        again = gym.make("GRAM/NQueens-v0", n=6).unwrapped
    assert np.array_equal(env.puzzle_set.puzzles, again.puzzle_set.puzzles)


def test_unwritable_cache_builds_in_memory(cache_root, monkeypatch) -> None:
    real_open = os.open

    def refuse(path, *a, **k):
        if str(path).startswith(str(cache_root)):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *a, **k)

    monkeypatch.setattr(os, "open", refuse)
    with pytest.warns(CacheWarning, match="cannot write cache file"):
        got = cached_arrays("ro", _arrays, SCHEMA)
    assert _same(got, _arrays())
    assert not list(cache_root.glob("*"))  # nothing half-written left behind


def test_cache_dir_that_cannot_be_created(tmp_path, monkeypatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("GRAM_CACHE_DIR", str(blocker / "cache"))
    with pytest.warns(CacheWarning, match="in memory"):
        env = gym.make("GRAM/NQueens-v0", n=5).unwrapped
    assert len(env.puzzle_set.puzzles) > 0


def test_cache_files_are_group_and_other_readable(cache_root) -> None:
    old = os.umask(0o022)
    try:
        cached_arrays("perm", _arrays, SCHEMA)
    finally:
        os.umask(old)
    mode = stat.S_IMODE(cache_path("perm").stat().st_mode)
    assert mode & 0o044 == 0o044, oct(mode)


def test_killed_write_leaves_no_orphan(cache_root) -> None:
    code = (
        "import os, numpy as np\n"
        "from gram_envs.core import cache\n"
        "os.replace = lambda *a: os._exit(9)  # die between the temp write and the rename\n"
        "cache.cached_arrays('orphan', lambda: {'a': np.arange(5)})\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], env={**os.environ}, capture_output=True)
    assert proc.returncode == 9, proc.stderr
    assert list(cache_root.glob(".*.tmp")), "the killed writer should have left its temp file"
    cached_arrays("orphan", lambda: {"a": np.arange(5)})
    assert not list(cache_root.glob("*.tmp")) and not list(cache_root.glob(".*.tmp"))
    assert cache_path("orphan").exists()


# ----------------------------------------------------------------------------- strict answers (item 4)
SMALL = {"GRAM/Sudoku-v0": {"n_train": 20, "n_test": 5}, "GRAM/SudokuGen-9": {"n_grids": 50, "n_test_grids": 5}}
PUZZLE_IDS = ["GRAM/NQueens-8", "GRAM/GraphColoring-8", "GRAM/Sudoku-Extreme", "GRAM/Sudoku-v0"]


def _solution(env_id: str):
    env = make_unwrapped(env_id, **SMALL.get(env_id, {}))
    env.reset_metrics()
    inst = int(env.instance_ids("test")[0])
    return env, inst, env.solutions(inst)[0]


def _bad_forms(sol: np.ndarray, cell: int) -> list:
    as_list = sol.tolist()
    flat = sol.ravel().tolist()
    flat[cell % len(flat)] = True
    with_true = np.array(flat, dtype=object).reshape(sol.shape).tolist()
    return [
        sol.astype("m8[s]"),
        sol.astype("M8[D]"),
        sol.astype(object),
        sol.astype(float),
        np.ma.masked_array(sol, mask=True),
        with_true,
        [np.ma.masked_array(np.asarray(r), mask=True) for r in as_list] if sol.ndim > 1 else with_true,
    ]


@settings(max_examples=30)
@given(st.sampled_from(PUZZLE_IDS), st.integers(0, 10**6), st.integers(0, 6))
def test_non_integer_answers_are_refused(env_id, cell, form) -> None:
    env, inst, sol = _solution(env_id)
    bad = _bad_forms(sol, cell)[form]
    env.reset(options={"split": "test", "index": 0})
    with pytest.raises(ValueError, match="integer|masked|bool"):
        env.step(bad)
    with pytest.raises(ValueError, match="integer|masked|bool"):
        env.evaluate(np.array([inst]), [[bad]] if isinstance(bad, list) else bad[None, None], record=False)
    assert env.step(sol)[1] == 1.0  # the refused answers did not end the episode


@pytest.mark.parametrize(
    "ids",
    [np.array([0], dtype="m8[s]"), np.array([True]), np.array([0.0]), np.ma.masked_array([0], mask=[True]), [True],
     np.array([[0]]), np.array(["0"]), [0.5]],
)
def test_instance_ids_must_be_integers(ids) -> None:
    env = make_unwrapped("GRAM/NQueens-8")
    sol = env.solutions(0)[0]
    with pytest.raises(ValueError, match="instance_ids|integer"):
        env.evaluate(ids, sol[None, None], record=False)
    arc = make_unwrapped("GRAM/ARC-AGI-1", data_path="fixtures")
    with pytest.raises(ValueError, match="ids|integer"):
        arc.evaluate(ids, [[np.zeros((2, 2), int)]], record=False)


def test_reset_index_must_be_an_int() -> None:
    env = make_unwrapped("GRAM/NQueens-8")
    arc = make_unwrapped("GRAM/ARC-AGI-1", data_path="fixtures")
    for e in (env, arc):
        for index in (True, np.bool_(False), 1.0, np.timedelta64(0), "0", -1):
            with pytest.raises(ValueError, match="index"):
                e.reset(options={"index": index})
    with pytest.raises(ValueError, match="test_index"):
        arc.reset(options={"task": arc.data.task_ids[0], "test_index": True})


# ----------------------------------------------------------------------------- evaluate edge cases (item 9)
def test_evaluate_empty_input() -> None:
    env = make_unwrapped("GRAM/NQueens-8")
    for ids, cands in (([], []), (np.zeros(0, np.int64), np.zeros((0, 3, 8, 8), np.int64)), (np.array([]), [])):
        res = env.evaluate(ids, cands, record=False)
        assert res["valid"].shape[0] == 0 and res["metrics"]["instances"] == 0.0
    arc = make_unwrapped("GRAM/ARC-AGI-1", data_path="fixtures")
    res = arc.evaluate([], [], record=False)
    assert res["solved_at"].shape == (0,) and res["metrics"]["test_inputs"] == 0.0
    res = arc.evaluate([0, 1], [[], []], record=False)  # inputs without attempts: unsolved, no argmax error
    assert res["solved_at"].tolist() == [0, 0]


@pytest.mark.parametrize(
    "cands",
    [
        [[1, 2], [3]],  # items are not lists of grids
        [np.zeros((2, 2), int), np.zeros((3, 3), int)],  # a grid per input instead of a list of attempts
        [[np.zeros((2, 2), int)], [[[1, 2], [3]]]],  # a ragged grid
        {"grid": [np.zeros((1, 30, 30), int), np.zeros((2, 30, 30), int)], "shape": np.ones((2, 1, 2), int)},
        {"grid": np.zeros((2, 1, 30, 30)), "shape": np.ones((2, 1, 2), int)},  # float grids
        [[np.zeros((0, 3), int)], [np.zeros((2, 2), int)]],  # an empty grid
    ],
)
def test_arc_evaluate_bad_input_is_a_value_error(cands) -> None:
    arc = make_unwrapped("GRAM/ARC-AGI-1", data_path="fixtures")
    with pytest.raises(ValueError):
        arc.evaluate([0, 1], cands, record=False)


def test_evaluate_memory_is_a_small_multiple_of_the_input() -> None:
    env = make_unwrapped("GRAM/NQueens-8")
    ids = env.instance_ids("test")
    rng = np.random.default_rng(0)
    cands = rng.integers(0, 2, size=(len(ids), 300, 8, 8), dtype=np.int8)
    cands[:, 0] = np.stack([env.solutions(int(i))[0] for i in ids])
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        res = env.evaluate(ids, cands, record=False)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert res["valid"][:, 0].all()
    assert peak < 2 * cands.nbytes, f"peak {peak} bytes for {cands.nbytes} bytes of candidates"


def test_chunked_evaluate_equals_one_pass(monkeypatch) -> None:
    from gram_envs.core import env as core_env

    env = make_unwrapped("GRAM/GraphColoring-8")
    ids = env.instance_ids("test")[:40]
    rng = np.random.default_rng(1)
    cands = rng.integers(0, 3, size=(len(ids), 25, 8))
    whole = env.evaluate(ids, cands, record=False)
    monkeypatch.setattr(core_env, "EVAL_CHUNK_CELLS", 8 * 7)  # 7 samples per chunk: rows split over samples
    parts = env.evaluate(ids, cands, record=False)
    for key in ("valid", "conflicts", "solution_index", "new_solution"):
        assert np.array_equal(whole[key], parts[key]), key
    assert whole["metrics"] == parts["metrics"]


# ----------------------------------------------------------------------------- constructor arguments (item 8)
BAD_KWARGS = [
    ("GRAM/NQueens-v0", {"n": "8"}, "n must be an int"),
    ("GRAM/NQueens-v0", {"n": 8.0}, "n must be an int"),
    ("GRAM/NQueens-v0", {"removals": (5, "7")}, "removals"),
    ("GRAM/NQueens-v0", {"test_fraction": "0.1"}, "test_fraction"),
    ("GRAM/NQueens-v0", {"seed": 1.5}, "seed"),
    ("GRAM/GraphColoring-v0", {"n": "8"}, "n must be an int"),
    ("GRAM/GraphColoring-v0", {"augment": "yes"}, "augment must be a bool"),
    ("GRAM/GraphColoring-v0", {"p": "0.4"}, "p "),
    ("GRAM/Sudoku-v0", {"size": "9"}, "size must be"),
    ("GRAM/Sudoku-v0", {"size": 9.0}, "size must be"),
    ("GRAM/Sudoku-v0", {"difficulty": (0, "5")}, "difficulty"),
    ("GRAM/Sudoku-v0", {"n_train": "3"}, "n_train"),
    ("GRAM/SudokuGen-9", {"n_grids": "5"}, "n_grids"),
    ("GRAM/SudokuGen-9", {"seed": None}, "seed"),
    ("GRAM/ARC-AGI-1", {"max_demos": True}, "max_demos"),
    ("GRAM/ARC-AGI-1", {"split": 1}, "split"),
    ("GRAM/ARC-AGI-1", {"version": ["arc-agi-1"]}, "version"),
    ("GRAM/Sudoku-Extreme", {"split": "valid"}, "split"),
]


@pytest.mark.parametrize(("env_id", "kwargs", "match"), BAD_KWARGS)
def test_bad_constructor_arguments_name_the_expected_type(env_id, kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        gym.make(env_id, **kwargs)


# ----------------------------------------------------------------------------- fuzz harness over every id
@pytest.mark.parametrize("env_id", sorted(ENV_TABLE))
def test_fuzz_harness_refuses_every_bad_input(env_id: str) -> None:
    arc = {"data_path": "fixtures"} if env_id.startswith("GRAM/ARC") else {}
    kwargs = {"env_kwargs": arc} if env_id.endswith("-Text") else {**SMALL.get(env_id, {}), **arc}
    report = fuzz_env(make_unwrapped(env_id, **kwargs), budget=60, seed=1, check_reset=True)
    assert report.checked >= 40
    report.raise_if_failed()


@pytest.mark.filterwarnings("ignore")  # the lax env's own float casts warn
def test_fuzz_harness_reports_a_lax_env() -> None:
    """The harness must fail an env that accepts anything (else it could not catch a regression)."""
    from gram_envs.nqueens.env import NQueensEnv

    class Lax(NQueensEnv):
        def _check_answers(self, answers, lead_shape):
            return np.asarray(answers, dtype=float).astype(np.int64).reshape(*lead_shape, self.n, self.n)

    report = fuzz_env(Lax(n=5), budget=40, seed=0)
    assert not report.ok and any("accepted" in f for f in report.failures)
