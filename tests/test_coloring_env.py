"""GraphColoringEnv: gym contract, exact scoring, class-valued solution sets, metrics, tokens."""

from __future__ import annotations

import os
from collections.abc import Iterator

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from hypothesis import given, settings
from hypothesis import strategies as st

import gram_envs  # noqa: F401  (registers the ids)
from gram_envs.coloring.env import COLOR0, GraphColoringEnv
from gram_envs.coloring.generator import _build, build_coloring
from gram_envs.coloring.logic import canonicalize, check_colorings, triu_to_adjacency
from gram_envs.core.dataset import IGNORE_LABEL
from gram_envs.core.metrics import coverage_bounds
from solvers.coloring import batch_canonical_colorings

IDS = ["GRAM/GraphColoring-8", "GRAM/GraphColoring-10", "GRAM/GraphColoring-v0"]
SMALL = {"n": 6, "k": 3, "p": 0.5, "seed": 3, "num_train": 40, "num_test": 10}


@pytest.fixture(scope="module", autouse=True)
def _tmp_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Build into a private cache so the generator itself runs (env var reaches async workers)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRAM_CACHE_DIR", str(tmp_path_factory.mktemp("gram_cache")))
        yield


@pytest.fixture
def small() -> GraphColoringEnv:
    return GraphColoringEnv(**SMALL)


# ------------------------------------------------------------------ gym contract
@pytest.mark.parametrize("env_id", IDS)
def test_check_env(env_id: str) -> None:
    env = gym.make(env_id)
    check_env(env.unwrapped)
    check_env(gym.make(env_id, render_mode="rgb_array").unwrapped)
    check_env(gym.make(env_id, render_mode="ansi").unwrapped)
    assert isinstance(env.observation_space, gym.spaces.Dict)
    assert env.action_space == gym.spaces.MultiDiscrete(np.full(env.unwrapped.n, 3))


def test_default_sizes_and_data_invariants() -> None:
    for env_id, n, (n_train, n_test) in [
        ("GRAM/GraphColoring-8", 8, (7002, 255)),
        ("GRAM/GraphColoring-10", 10, (13465, 192)),
    ]:
        ps = gym.make(env_id).unwrapped.puzzle_set
        assert (len(ps.splits["train"]), len(ps.splits["test"])) == (n_train, n_test)
        assert ps.puzzles.shape == (n_train + n_test, n, n)
        assert len(np.unique(ps.puzzles.reshape(len(ps.puzzles), -1), axis=0)) == len(ps.puzzles), "inputs unique"
        assert np.all(ps.solutions.counts > 0), "only 3-colourable graphs"
        valid, conflicts = check_colorings(ps.puzzles[ps.target_owner], ps.targets)
        assert valid.all() and not conflicts.any(), "every enumerated colouring validates"
        np.testing.assert_array_equal(canonicalize(ps.targets), ps.targets)
        if n == 8:  # an independent numpy enumeration agrees with the stored solution sets
            owner, cols = batch_canonical_colorings(ps.puzzles, 3)
            np.testing.assert_array_equal(owner, ps.target_owner)
            np.testing.assert_array_equal(cols, ps.targets)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_make_vec(mode: str) -> None:
    envs = gym.make_vec("GRAM/GraphColoring-8", num_envs=2, vectorization_mode=mode)
    try:
        obs, info = envs.reset(seed=0)
        assert obs["adjacency"].shape == (2, 8, 8) and obs["adjacency"].dtype == np.int8
        obs, reward, term, trunc, info = envs.step(np.zeros((2, 8), dtype=np.int64))
        assert term.all() and reward.shape == (2,)
        assert np.all(info["valid"] == (info["conflicts"] == 0))
    finally:
        envs.close()


def test_observation_is_a_fresh_symmetric_adjacency(small: GraphColoringEnv) -> None:
    obs, info = small.reset(seed=1)
    adj = obs["adjacency"].copy()
    assert adj.dtype == np.int8 and np.array_equal(adj, adj.T) and not adj.diagonal().any()
    obs["adjacency"][:] = 1  # mutating the observation must not touch the env's data
    obs2, _ = small.reset(options={"index": info["index"]})
    np.testing.assert_array_equal(obs2["adjacency"], adj)


# ------------------------------------------------------------------ exact scoring
def test_single_vertex_recolouring_conflicts(small: GraphColoringEnv) -> None:
    """Every recolouring of one vertex of every enumerated solution: conflicts = neighbours with the new colour."""
    ps = small.puzzle_set
    n, k = small.n, small.k
    ids = ps.target_owner  # one row per enumerated solution (instances repeat)
    base = ps.targets.astype(np.int64)
    cands, expect = [], []
    for v in range(n):
        for shift in range(1, k):
            c = base.copy()
            c[:, v] = (c[:, v] + shift) % k
            cands.append(c)
            nbr = ps.puzzles[ids, v].astype(bool)  # (rows, n) neighbours of v
            expect.append(np.sum(nbr & (base == c[:, v : v + 1]), axis=1))
    cands = np.stack(cands, axis=1)  # (rows, n*(k-1), n)
    res = small.evaluate(ids, cands, record=False)
    np.testing.assert_array_equal(res["conflicts"], np.stack(expect, axis=1))
    assert np.array_equal(res["valid"], res["conflicts"] == 0)
    assert np.all(res["solution_index"][~res["valid"]] == -1)
    # a recolouring that stays valid is another class of the same graph, found by lookup
    assert np.all(res["solution_index"][res["valid"]] >= 0)


@settings(max_examples=40, deadline=None)
@given(index=st.integers(0, 39), which=st.integers(0, 10**6), perm_seed=st.integers(0, 2**32 - 1))
def test_colour_permuted_answer_maps_to_its_class(index: int, which: int, perm_seed: int) -> None:
    env = GraphColoringEnv(**SMALL)
    _, info = env.reset(options={"index": index})
    sols = env.puzzle_set.solutions.of(info["instance_id"])
    j = which % len(sols)
    answer = np.random.default_rng(perm_seed).permutation(3)[sols[j]]
    _, reward, terminated, _, info = env.step(answer)
    assert reward == 1.0 and terminated and info["valid"] and info["conflicts"] == 0
    assert info["solution_index"] == j and info["new_solution"]
    assert info["num_solutions"] == len(sols)
    m = env.metrics()
    assert m["coverage"] == pytest.approx(1 / len(sols))
    assert m["conflicts_total"] == 0.0


def test_every_solution_validates_and_indexes_itself(small: GraphColoringEnv) -> None:
    ps = small.puzzle_set
    width = int(ps.solutions.counts.max())
    ids = np.arange(len(ps.puzzles))
    cands = np.stack([np.resize(ps.solutions.of(int(i)), (width, small.n)) for i in ids]).astype(np.int64)
    res = small.evaluate(ids, cands)
    assert res["valid"].all()
    expected = np.stack([np.arange(width) % ps.solutions.counts[i] for i in ids])
    np.testing.assert_array_equal(res["solution_index"], expected)
    assert small.metrics()["coverage"] == 1.0
    assert small.metrics()["distinct_valid"] == ps.solutions.counts.sum()


def test_batched_evaluate_agrees_with_step_and_slow_metrics(small: GraphColoringEnv) -> None:
    ps = small.puzzle_set
    rng = np.random.default_rng(0)
    ids = np.array([0, 5, 5, 17, 39, 40, 49])  # repeated instance and both splits
    samples = 12
    cands = rng.integers(0, 3, size=(len(ids), samples, small.n))
    for row, i in enumerate(ids):  # mix in colour-permuted solutions so coverage is non-trivial
        sols = ps.solutions.of(int(i))
        for s in range(0, samples, 2):
            cands[row, s] = rng.permutation(3)[sols[rng.integers(len(sols))]]
    res = small.evaluate(ids, cands)

    # step, one candidate at a time, on a fresh env
    env = GraphColoringEnv(**SMALL)
    n_train = len(ps.splits["train"])
    seen: dict[int, set] = {}
    for row, i in enumerate(ids):
        split, index = ("train", i) if i < n_train else ("test", i - n_train)
        for s in range(samples):
            env.reset(options={"split": split, "index": int(index)})
            _, reward, _, _, info = env.step(cands[row, s])
            assert info["valid"] == res["valid"][row, s] == (reward == 1.0)
            assert info["conflicts"] == res["conflicts"][row, s]
            assert info["solution_index"] == res["solution_index"][row, s]
            assert info["new_solution"] == res["new_solution"][row, s]
    assert env.metrics() == pytest.approx(small.metrics())

    # slow reference with python sets and explicit loops
    adj = ps.puzzles
    per: dict[int, dict] = {}
    for row, i in enumerate(ids):
        d = per.setdefault(int(i), {"attempts": 0, "valid": 0, "conflicts": 0, "found": set()})
        for cand in cands[row]:
            conf = sum(1 for a in range(small.n) for b in range(a + 1, small.n) if adj[i, a, b] and cand[a] == cand[b])
            d["attempts"] += 1
            d["conflicts"] += conf
            if conf == 0:
                d["valid"] += 1
                first: dict[int, int] = {}
                d["found"].add(tuple(first.setdefault(int(c), len(first)) for c in cand))
    for d_i, d in per.items():
        seen[d_i] = d["found"]
        assert d["found"] <= {tuple(s) for s in ps.solutions.of(d_i).tolist()}
    m = res["metrics"]
    total = sum(d["attempts"] for d in per.values())
    assert m["instances"] == len(per) and m["candidates"] == total
    assert m["accuracy"] == pytest.approx(sum(d["valid"] for d in per.values()) / total)
    assert m["instance_accuracy"] == pytest.approx(np.mean([d["valid"] > 0 for d in per.values()]))
    assert m["conflicts_total"] == sum(d["conflicts"] for d in per.values())
    assert m["conflicts_per_instance"] == pytest.approx(m["conflicts_total"] / len(per))
    cov = [len(d["found"]) / ps.solutions.counts[i] for i, d in per.items()]
    assert m["coverage"] == pytest.approx(np.mean(cov))
    assert m["distinct_valid"] == sum(len(d["found"]) for d in per.values())
    assert small.metrics(split="test")["instances"] == 2


# ------------------------------------------------------------------ determinism
def test_same_seed_same_data_different_seed_different_data() -> None:
    args = dict(n=7, k=3, p=0.4, num_train=30, num_test=5)
    a = _build(seed=11, **args)
    b = _build(seed=11, **args)
    c = _build(seed=12, **args)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    assert not np.array_equal(a["edges"], c["edges"])
    e1, e2 = GraphColoringEnv(**SMALL), GraphColoringEnv(**SMALL)
    np.testing.assert_array_equal(e1.puzzle_set.puzzles, e2.puzzle_set.puzzles)
    assert e1.reset(seed=5)[1] == e2.reset(seed=5)[1]


# ------------------------------------------------------------------ bad input
def test_bad_actions_raise_value_error(small: GraphColoringEnv) -> None:
    small.reset(seed=0)
    bad = [
        (np.zeros(5, dtype=np.int64), "shape"),
        (np.zeros((6, 1), dtype=np.int64), "shape"),
        (np.zeros(6, dtype=np.float64), "integer dtype"),
        (np.full(6, np.nan), "integer dtype"),
        (np.zeros(6, dtype=bool), "integer dtype"),
        (np.full(6, 3), r"\[0, 2\]"),
        (np.full(6, -1), r"\[0, 2\]"),
        ([[0, 1], [2]], "integer array"),
    ]
    for action, match in bad:
        with pytest.raises(ValueError, match=match):
            small.step(action)
    ok = np.zeros(6, dtype=np.int32)
    small.step(ok)  # the env still works after refused actions
    with pytest.raises(ValueError, match="instance_ids"):
        small.evaluate(np.array([50]), np.zeros((1, 1, 6), dtype=np.int64))
    with pytest.raises(ValueError, match="instance_ids"):
        small.evaluate(np.array([0.0]), np.zeros((1, 1, 6), dtype=np.int64))
    with pytest.raises(ValueError, match="candidates"):
        small.evaluate(np.array([0, 1]), np.zeros((1, 1, 6), dtype=np.int64))
    with pytest.raises(ValueError, match="shape"):
        small.evaluate(np.array([0]), np.zeros((1, 1, 7), dtype=np.int64))
    with pytest.raises(ValueError, match=r"\[0, 2\]"):
        small.evaluate(np.array([0]), np.full((1, 2, 6), 5))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n": 1}, "n must"),
        ({"n": 8.0}, "n must"),
        ({"k": 1}, "k must"),
        ({"p": 0.0}, "p "),
        ({"p": 1.5}, "p "),
        ({"num_train": 0}, "num_train"),
        ({"num_test": -3}, "num_test"),
        ({"seed": -1}, "seed"),
        ({"split": "valid"}, "unknown split"),
        ({"render_mode": "human"}, "render_mode"),
        ({"n": 3, "num_train": 50, "num_test": 5}, "unique"),  # only 8 labelled graphs on 3 vertices
    ],
)
def test_bad_constructor_arguments(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        GraphColoringEnv(**{**SMALL, **kwargs})


# ------------------------------------------------------------------ tokens
def test_dataset_tokens_round_trip(small: GraphColoringEnv) -> None:
    ps = small.puzzle_set
    spec = small.token_spec()
    pairs = 15
    assert spec["vocab_size"] == 7 and spec["seq_len"] == pairs + 6
    assert spec["answer_tokens"] == [3, 4, 5] and spec["pad_id"] == 0
    assert spec["output_positions"] == list(range(pairs, pairs + 6))
    for split in ("train", "test"):
        ds = small.dataset(split)
        ids = ps.split_ids(split)
        assert len(ds) == ps.solutions.counts[ids].sum() == len(ds.labels)
        assert ds.inputs.dtype == np.int32 and ds.inputs.shape == (len(ds), spec["seq_len"])
        assert np.all(ds.labels[:, :pairs] == IGNORE_LABEL)
        assert np.all(ds.inputs[:, pairs:] == COLOR0 + 3)  # "unknown colour" slot token
        assert set(np.unique(ds.inputs[:, :pairs])) <= {1, 2}
        colours = small.detokenize(ds.labels)
        np.testing.assert_array_equal(colours, ps.targets[np.isin(ps.target_owner, ids)])
        adj = triu_to_adjacency(ds.inputs[:, :pairs] - 1, 6)
        np.testing.assert_array_equal(adj, ps.puzzles[ds.row_instance])
        assert check_colorings(adj, colours)[0].all()
        np.testing.assert_array_equal(ds.instance_ids, ids)
        assert [len(s) for s in ds.solutions] == ps.solutions.counts[ids].tolist()
        assert ds.augment is None
        # a decoder's whole predicted sequence (inputs echoed on the triangle) decodes too
        pred = ds.inputs.copy()
        pred[:, pairs:] = ds.labels[:, pairs:]
        np.testing.assert_array_equal(small.detokenize(pred[None]), colours[None])
    with pytest.raises(ValueError, match="colour tokens"):
        small.detokenize(ds.inputs)  # output slots still hold "unknown"
    with pytest.raises(ValueError, match="seq_len"):
        small.detokenize(ds.inputs[:, :-1])


def test_augmentation_preserves_validity() -> None:
    env = GraphColoringEnv(**SMALL, augment=True)
    ds = env.dataset("train")
    assert env.dataset("test").augment is None
    inputs, labels = ds.augment(np.random.default_rng(0), ds.inputs[:64], ds.labels[:64])
    assert inputs.shape == (64, 21) and labels.shape == (64, 21)
    colours = env.detokenize(labels)
    adj = triu_to_adjacency(inputs[:, :15] - 1, 6)
    assert check_colorings(adj, colours)[0].all()
    np.testing.assert_array_equal(canonicalize(colours), colours)
    np.testing.assert_array_equal(adj.sum(axis=(1, 2)), triu_to_adjacency(ds.inputs[:64, :15] - 1, 6).sum(axis=(1, 2)))


# ------------------------------------------------------------------ render
def test_render_modes() -> None:
    env = GraphColoringEnv(**SMALL, render_mode="ansi")
    _, info = env.reset(seed=2)
    before = env.render()
    assert isinstance(before, str) and "none yet" in before
    sol = env.puzzle_set.solutions.of(info["instance_id"])[0].astype(np.int64)
    adj = env.puzzle_set.puzzles[info["instance_id"]]
    v = int(np.argmax(adj.sum(axis=1)))
    sol[np.flatnonzero(adj[v])[0]] = sol[v]  # force at least one monochromatic edge
    _, _, _, _, step_info = env.step(sol)
    text = env.render()
    assert f"conflicts: {step_info['conflicts']}" in text and "!" in text
    env = GraphColoringEnv(**SMALL, render_mode="rgb_array")
    env.reset(seed=2)
    img0 = env.render()
    env.step(sol)
    img = env.render()
    assert img.dtype == np.uint8 and img.shape == img0.shape and img.shape[2] == 3
    assert not np.array_equal(img, img0)


def test_cache_makes_second_build_identical() -> None:
    a = build_coloring(**SMALL)
    b = build_coloring(**SMALL)
    np.testing.assert_array_equal(a.targets, b.targets)
    assert os.environ["GRAM_CACHE_DIR"]


def test_uniform_sampler_scored_by_evaluate_meets_the_independent_bound(small: GraphColoringEnv) -> None:
    """Twenty colourings drawn uniformly (with replacement) from each test graph's canonical ones,
    scored by the env's own ``evaluate``, average out at ``coverage_bounds``' independent level:
    the bound is stated in the env's own coverage metric."""
    ids = small.puzzle_set.split_ids("test")
    sets = small.puzzle_set.solutions
    rng = np.random.default_rng(0)
    covs = []
    for _ in range(200):
        cands = np.stack([sets.of(int(i))[rng.integers(0, sets.counts[i], 20)] for i in ids])
        covs.append(small.evaluate(ids, cands, record=False)["metrics"]["coverage"])
    bound = coverage_bounds(sets.counts[ids], 20)["independent"]
    assert np.mean(covs) == pytest.approx(bound, abs=4 * np.std(covs) / np.sqrt(len(covs)) + 1e-9)
