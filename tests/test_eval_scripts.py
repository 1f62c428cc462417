"""The evaluation drivers (experiments.depth_width, experiments.generation_eval) and the numpy pieces they
stand on: prefix selections, rating buckets and generation counts, on hand-made inputs and tiny agents."""

from __future__ import annotations

import json
from types import SimpleNamespace

import gymnasium as gym
import numpy as np
import pytest

import gram_envs  # noqa: F401
from gram_envs.core.metrics import accuracy_by_bucket, generation_counts, quantile_edges

torch = pytest.importorskip("torch")

from experiments import depth_width, generation_eval  # noqa: E402
from gram_agent.evaluation import prefix_selections  # noqa: E402
from gram_agent.infer import Agent  # noqa: E402

# ---- numpy pieces on hand-made inputs ----

def test_prefix_selections_by_hand() -> None:
    # input 0: answers A B B A (B valid); input 1: C C D D (D valid), the value head prefers sample 3
    a, b, c, d = ([v] * 3 for v in (1, 2, 3, 4))
    tokens = np.array([[a, b, b, a], [c, c, d, d]])
    valid = np.array([[False, True, True, False], [False, False, True, True]])
    value = np.array([[0.0, 0.5, 0.1, 0.9], [0.0, 0.1, 0.2, 0.8]])
    q = np.array([[0.0, 0.9, 0.1, 0.2], [0.9, 0.0, 0.0, 0.0]])
    out = prefix_selections(valid, tokens, value, q, [1, 2, 3, 4])
    assert out["sample_accuracy"].tolist() == [[0, 0.5, 2 / 3, 0.5], [0, 0, 1 / 3, 0.5]]
    assert out["pass"].tolist() == [[False, True, True, True], [False, False, True, True]]
    # n=2: A and B tie, the first (A) wins; n=3: B twice; n=4: tie again, A first
    assert out["vote"].tolist() == [[False, False, True, False], [False, False, False, False]]
    assert out["lprm"].tolist() == [[False, True, True, False], [False, False, True, True]]
    assert out["halt"].tolist() == [[False, True, True, True], [False, False, False, False]]
    with pytest.raises(ValueError, match="sample counts"):
        prefix_selections(valid, tokens, value, q, [5])
    assert "lprm" not in prefix_selections(valid, tokens, value, q, [2], heads=False)


def test_accuracy_by_bucket_by_hand() -> None:
    correct = np.array([1, 0, 1, 1, 0, 1])
    ratings = np.array([18, 22, 23, 40, 41, 326])
    rows = accuracy_by_bucket(correct, ratings, [18, 23, 41, 326])
    assert [r["instances"] for r in rows] == [2, 2, 2]  # [18,23) [23,41) [41,326]
    assert [r["accuracy"] for r in rows] == [0.5, 1.0, 0.5]
    per_sample = accuracy_by_bucket(np.array([[1, 0], [1, 1]]), np.array([1, 5]), [0, 2, 4, 6])
    assert [r["accuracy"] for r in per_sample] == [0.5, None, 1.0]
    with pytest.raises(ValueError, match="outside the edges"):
        accuracy_by_bucket(correct, ratings, [18, 23, 41])
    with pytest.raises(ValueError, match="strictly increasing"):
        accuracy_by_bucket(correct, ratings, [18, 41, 23, 326])
    assert quantile_edges(np.array([1, 2, 3, 4, 5]), 4) == [1, 2, 3, 4, 5]
    assert quantile_edges(np.array([7, 7, 7]), 4) == [7, 7]  # one bucket


def test_generation_counts_on_known_grids() -> None:
    env = gym.make("GRAM/SudokuGen-9", n_grids=20, n_test_grids=5).unwrapped
    train = generation_eval.training_grids(env)
    assert train.shape == (20, 9, 9)
    held_out = env.puzzle_set.targets[np.asarray(env.puzzle_set.target_owner) == 1]
    broken = train[3].copy()
    broken[0, 1] = broken[0, 0]  # row 0 now repeats a digit
    samples = np.stack([train[0], train[0], train[0], train[1], held_out[0], broken])
    valid = env.evaluate(env.instance_ids("test"), samples[None], record=False)["valid"][0]
    assert valid.tolist() == [True] * 5 + [False]
    got = generation_counts(samples, valid, train, 2)
    assert got["valid_rate"] == 5 / 6
    assert got["distinct_rate"] == 4 / 6 and got["distinct_valid"] == 3 and got["distinct_valid_rate"] == 3 / 5
    assert got["copied_rate"] == 4 / 6 and got["copied_valid_rate"] == 4 / 5
    assert generation_counts(samples, valid, train[:0], 2)["copied_rate"] == 0.0
    cells = generation_eval.conflict_cells(broken)
    assert not generation_eval.conflict_cells(train[0]).any() and cells[0, 0] and cells[0, 1]


# ---- the depth_width driver ----

class StubAgent:
    """Answers known in advance: sample j of input i is the input's solution when (i + j) % 3 == 0,
    else an invalid all-ones board; the value head prefers the last sample, the halting head the first."""

    def __init__(self, env_id: str) -> None:
        self.env = gym.make(env_id)
        self.model = torch.nn.Linear(1, 1)  # not a one-shot baseline: "record" depth mode
        self.config = SimpleNamespace(model="stub", n_sup=4, dataset_kwargs={})
        self.ids = self.env.unwrapped.instance_ids("test")
        self.inputs = self.env.unwrapped.dataset("test").instance_inputs

    def rollout(self, inputs, samples, seed=None, batch=None, puzzle_ids=None, temperature=1.0, steps=None,
                record_steps=None):
        u = self.env.unwrapped
        rows = [int(np.flatnonzero((self.inputs == x).all(1))[0]) for x in np.asarray(inputs)]
        sol = u.tokenize_answers(np.stack([u.solutions(int(self.ids[r]))[0] for r in rows]))
        bad = np.full_like(sol, int(u.token_spec()["answer_tokens"][0]))
        ok = (np.array(rows)[:, None] + np.arange(samples)[None]) % 3 == 0
        toks = np.where(ok[..., None], sol[:, None], bad[:, None])
        roll = {"tokens": torch.as_tensor(toks), "value": torch.arange(samples).float().expand(len(rows), -1),
                "q_halt": -torch.arange(samples).float().expand(len(rows), -1)}
        if record_steps:
            roll["at_steps"] = {d: roll for d in record_steps}
        return roll


def test_depth_width_scores_known_answers() -> None:
    agent = StubAgent("GRAM/Sudoku-Extreme")
    ids, inputs = agent.ids[:7], agent.env.unwrapped.dataset("test").instance_inputs[:7]
    args = SimpleNamespace(samples=[1, 2, 3, 5], depths=[2, 4], chunk=3, seed=0, batch=None, temperature=1.0)
    per = depth_width.evaluate_agent(agent, ids, inputs, None, args)
    ok = (np.arange(7)[:, None] + np.arange(5)[None]) % 3 == 0
    for j, n in enumerate(args.samples):
        assert np.allclose(per["width"]["sample_accuracy"][:, j], ok[:, :n].mean(1))
        assert (per["width"]["pass"][:, j] == ok[:, :n].any(1)).all()
        assert (per["width"]["lprm"][:, j] == ok[:, n - 1]).all()
        assert (per["width"]["halt"][:, j] == ok[:, 0]).all()
    assert (per["depth"] == ok[:, :1]).all()
    rated = depth_width.instance_ratings(agent.env, "test", ids)
    edges = quantile_edges(rated[1], 4)
    res = depth_width.summarise(per, rated[0], edges, args, 4)
    assert res["width"]["pass_at_n"] == [float(ok[:, :n].any(1).mean()) for n in args.samples]
    buckets = res["by_rating"]["width"]["sample_accuracy"]["1"]
    assert sum(b["instances"] for b in buckets) == 7
    which = np.clip(np.searchsorted(edges, rated[0], side="right") - 1, 0, len(edges) - 2)
    for i, b in enumerate(buckets):
        assert b["accuracy"] == (float(ok[which == i, 0].mean()) if (which == i).any() else None)


def test_depth_width_script_on_a_tiny_agent(small_gram_agent_dir, tmp_path) -> None:
    out, png = tmp_path / "dw.json", tmp_path / "dw.png"
    assert depth_width.main(["--agent", str(small_gram_agent_dir), "--env", "GRAM/NQueens-8", "--samples", "1", "2",
                             "4", "--depths", "2", "5", "--instances", "5", "--chunk", "5", "--out", str(out),
                             "--plot", str(png)]) == 0
    res = json.loads(out.read_text())
    assert res["instances"] == 5 and res["samples"] == [1, 2, 4] and len(res["agents"]) == 1
    assert res["device"] == "cpu"
    row = res["agents"][0]
    w = row["width"]
    keys = ("sample_accuracy", "vote_accuracy", "lprm_accuracy", "halt_accuracy", "pass_at_n")
    assert all(len(w[k]) == 3 and all(0.0 <= x <= 1.0 for x in w[k]) for k in keys)
    assert w["pass_at_n"] == sorted(w["pass_at_n"])
    assert all(p >= v for p, v in zip(w["pass_at_n"], w["vote_accuracy"], strict=True))
    assert row["depth"]["steps"] == [2, 5] and row["trained_depth"] == 4 and "by_rating" not in row
    assert 0 < png.stat().st_size < 200_000
    # one chunk: the same draws as Agent.evaluate under the chunk's seed
    agent = Agent.load(str(small_gram_agent_dir), device="cpu")
    ev = agent.evaluate("test", samples=4, instances=5, seed=depth_width.chunk_seed(0, 0), progress=False)
    assert [w[k][-1] for k in keys] == [ev[k] for k in ("accuracy", "vote_accuracy", "lprm_accuracy",
                                                        "halt_accuracy", "pass_at_n")]


def test_depth_width_ptrm_noise_is_the_agents_ptrm(small_gram_agent_dir, tmp_path) -> None:
    """--ptrm-sigma scores the same draws as Agent.evaluate(ptrm_sigma=...) under the chunk's seed."""
    out = tmp_path / "ptrm.json"
    assert depth_width.main(["--agent", str(small_gram_agent_dir), "--samples", "1", "4", "--depths",
                             "--instances", "5", "--chunk", "5", "--ptrm-sigma", "0.3", "--out", str(out)]) == 0
    row = json.loads(out.read_text())["agents"][0]
    assert row["ptrm_sigma"] == 0.3 and "PTRM" in row["label"]
    agent = Agent.load(str(small_gram_agent_dir), device="cpu")
    ev = agent.evaluate("test", samples=4, instances=5, seed=depth_width.chunk_seed(0, 0), ptrm_sigma=0.3,
                        progress=False)
    assert [row["width"][k][-1] for k in ("sample_accuracy", "halt_accuracy")] == [ev["accuracy"],
                                                                                   ev["halt_accuracy"]]


def test_record_steps_equal_separate_rollouts(small_gram_agent_dir) -> None:
    agent = Agent.load(str(small_gram_agent_dir), device="cpu")
    inputs = agent.env.unwrapped.dataset("test").instance_inputs[:3]
    full = agent.rollout(inputs, samples=2, steps=5, seed=3, record_steps=[5, 1, 3])
    assert sorted(full["at_steps"]) == [1, 3, 5]
    for d in (1, 3, 5):
        alone = agent.rollout(inputs, samples=2, steps=d, seed=3)
        assert all(torch.equal(alone[k], full["at_steps"][d][k]) for k in ("tokens", "q_halt", "value"))
    with pytest.raises(ValueError, match="record_steps"):
        agent.rollout(inputs, samples=2, steps=2, record_steps=[3])


# ---- the generation_eval driver ----

def test_generation_eval_script(tmp_path) -> None:
    from gram_agent import preset, train

    torch.manual_seed(0)
    env = gym.make("GRAM/SudokuGen-9", n_grids=30, n_test_grids=5)
    cfg = preset("tiny", "GRAM/SudokuGen-9", model="d3pm", d_model=32, n_heads=2, batch_size=8, diffusion_steps=3)
    folder = tmp_path / "d3pm"
    train(env, cfg, device="cpu", max_steps=2, progress=False, eval_at_end=False).save(str(folder))
    out, png = tmp_path / "gen.json", tmp_path / "gen.png"
    assert generation_eval.main(["--agent", str(folder), "--env", "GRAM/SudokuGen-9", "--samples", "10", "--chunk",
                                 "4", "--out", str(out), "--grid-png", str(png), "--grid-count", "4",
                                 "--temperature", "0.5"]) == 0
    res = json.loads(out.read_text())
    assert res["samples"] == 10 and res["reference_rows"] == 30 and res["model"] == "d3pm" and res["device"] == "cpu"
    assert res["temperature"] == 0.5
    for k in ("valid_rate", "distinct_rate", "copied_rate"):
        assert 0.0 <= res[k] <= 1.0
    assert res["samples_per_s"] > 0 and 0 < png.stat().st_size < 200_000
    # generated grids are complete, so a grid is invalid exactly when it has a duplicate digit
    assert (res["conflicts_mean"] > 0) == (res["valid_rate"] < 1)


def test_generate_takes_a_prior_temperature() -> None:
    """GRAM's generate: temperature 0 is the prior's mean path (one grid n times), a constant schedule
    equals its number, and a schedule of the wrong length is refused."""
    from gram_agent import preset, train

    torch.manual_seed(0)
    env = gym.make("GRAM/SudokuGen-4")
    cfg = preset("tiny", "GRAM/SudokuGen-4", model="gram", d_model=32, n_heads=2, batch_size=8)
    agent = train(env, cfg, device="cpu", max_steps=3, progress=False, eval_at_end=False)
    mean_path = agent.generate(5, seed=3, temperature=0.0)
    assert mean_path.shape == (5, 4, 4) and (mean_path == mean_path[:1]).all()
    assert len({g.tobytes() for g in agent.generate(5, seed=3, temperature=1.0)}) > 1  # noise reaches the grid
    assert np.array_equal(agent.generate(5, seed=3, temperature=[1.0] * cfg.n_sup), agent.generate(5, seed=3))
    with pytest.raises(ValueError, match="one value per supervision step"):
        agent.generate(2, temperature=[1.0, 0.5])


def test_sudokugen4_scores_by_hand() -> None:
    """experiments.cpu_sudokugen4.score on a training grid (twice), a held-out grid and a broken grid."""
    from experiments.cpu_sudokugen4 import score

    env = gym.make("GRAM/SudokuGen-4")
    ps = env.unwrapped.puzzle_set
    train, test = ps.targets[ps.target_owner == 0], ps.targets[ps.target_owner == 1]
    broken = train[0].copy()
    broken[0, :2] = broken[0, 1::-1]  # swap two cells of a row: a column now repeats
    got = score(env, np.stack([train[0], train[0], test[0], broken]).astype(np.int64))
    assert got["valid"] == 0.75 and got["distinct_valid"] == 2 and got["copied"] == 0.5
    assert got["coverage_all"] == 2 / 288 and got["coverage_held_out"] == 1 / 144 and got["valid_new"] == 0.25


def test_sudokugen4_plot_only_merges_result_files(tmp_path) -> None:
    """--plot-only charts several result files; a model rerun in a later file replaces its old rows."""
    import json

    from experiments.cpu_sudokugen4 import main, merge_runs

    row = {"valid": 0.5, "coverage_all": 0.5, "coverage_held_out": 0.5, "copied": 0.5}
    old = {"runs": [{"name": n, "seed": s, **row} for n in ("TRM", "AR") for s in (0, 1)]}
    new = {"runs": [{"name": "TRM", "seed": 0, **row, "valid": 1.0}]}
    merged = merge_runs([old, new])
    assert [(r["name"], r["seed"], r["valid"]) for r in merged] == [("TRM", 0, 1.0), ("AR", 0, 0.5), ("AR", 1, 0.5)]
    files = []
    for i, res in enumerate((old, new)):
        files.append(tmp_path / f"r{i}.json")
        files[-1].write_text(json.dumps(res))
    png = tmp_path / "chart.png"
    assert main(["--plot-only", str(png), *map(str, files)]) == 0 and png.stat().st_size > 0
    with pytest.raises(SystemExit):
        main(["--plot-only", str(png)])
