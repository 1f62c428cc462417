"""ARC on the agent side: per-variant puzzle identifiers reach the prefix embedding, which trains
by sparse SignSGD outside AdamW (TRM's scheme), and evaluation feeds each test input its task's id."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
gym = pytest.importorskip("gymnasium")

import gram_envs  # noqa: E402,F401
from gram_agent import distributed as D  # noqa: E402
from gram_agent import preset  # noqa: E402
from gram_agent.data import instance_puzzle_ids  # noqa: E402
from gram_agent.train import Trainer  # noqa: E402

torch.set_num_threads(1)
DS_KW = {"num_variants": 4, "exclude_eval_demos": False}


def arc_env():
    return gym.make("GRAM/ARC-AGI-1", data_path="fixtures")


def tiny_arc(**kw):
    base = dict(d_model=32, n_heads=2, guidance_hidden=32, T=1, K=1, n_sup=2, batch_size=4, log_every=1,
                lr=1e-3, lr_warmup_steps=1, dataset_kwargs=DS_KW, eval_batch=64, ema=0.9)
    base.update(kw)
    return preset("tiny", "GRAM/ARC-AGI-1", **base)


def test_instance_puzzle_ids_follow_the_task_of_each_test_input():
    ds = arc_env().unwrapped.dataset("test", **DS_KW)
    ids = instance_puzzle_ids(ds)
    nv = ds.num_variants
    assert ids.tolist() == (1 + ds.row_group[np.argsort(ds.row_instance)] * nv).tolist()
    assert instance_puzzle_ids(gym.make("GRAM/NQueens-v0", n=4).unwrapped.dataset("test")) is None


def test_puzzle_embedding_trains_sparsely_outside_adamw():
    tr = Trainer(arc_env(), tiny_arc(), torch.device("cpu"), D.setup(torch.device("cpu")))
    ds = tr.data.ds
    assert tr.cfg.num_puzzle_ids == ds.info["num_puzzle_identifiers"] == tr.model.puzzle_emb.num_embeddings
    assert all(p is not tr.puzzle_weight for g in tr.opt.param_groups for p in g["params"])
    used: set[int] = set()
    gather = tr.data.gather

    def spy(idx):
        out = gather(idx)
        used.update(out[4].tolist())
        return out

    tr.data.gather = spy
    before = tr.puzzle_weight.detach().clone()
    for _ in range(3):
        tr.data.augment(tr.np_rng)  # a random variant (and its id) per row, as train() does
        tr.train_step()
    moved = set(np.flatnonzero((tr.puzzle_weight.detach() != before).any(-1).numpy()).tolist())
    assert moved and moved <= used  # only rows a batch used move (the other rows keep their values)
    assert 0 not in moved
    # SignSGD from zero-init rows: the first update is +-lr per coordinate (some exactly 0)
    lr = tr.cfg.puzzle_emb_lr
    assert tr.puzzle_weight.detach().abs().max().item() <= 3 * lr * 1.01
    # the EMA model copies the table (averaging a sparsely-updated table would lag far behind)
    assert torch.equal(tr.ema.puzzle_emb.weight, tr.puzzle_weight.detach())


def test_ids_change_the_encoding_and_rollout_checks_them():
    tr = Trainer(arc_env(), tiny_arc(), torch.device("cpu"), D.setup(torch.device("cpu")))
    m = tr.model
    with torch.no_grad():
        m.puzzle_emb.weight[5] = 1.0
    x = torch.as_tensor(tr.data.ds.inputs[:2]).long()
    e0 = m.encode(x, torch.tensor([0, 0]))
    e5 = m.encode(x, torch.tensor([5, 5]))
    assert torch.equal(e0[:, 1:], e5[:, 1:]) and not torch.equal(e0[:, 0], e5[:, 0])
    agent = tr.agent()
    inp = tr.data.ds.instance_inputs[:2]
    with pytest.raises(ValueError, match="puzzle_ids must have shape"):
        agent.rollout(inp, samples=1, steps=1, puzzle_ids=np.array([1]))
    with pytest.raises(ValueError, match="puzzle_ids must lie in"):
        agent.rollout(inp, samples=1, steps=1, puzzle_ids=np.array([1, 10**6]))
    out = agent.evaluate("test", samples=2, steps=1)
    assert out["samples"] == 2.0 and 0.0 <= out["accuracy"] <= 1.0


def test_train_on_arc_evaluates_and_round_trips(tmp_path):
    """gram_agent.train runs end to end on an ARC env (evaluation included) and the saved agent
    keeps the puzzle table's size and values."""
    from gram_agent import Agent, train

    agent = train(arc_env(), tiny_arc(max_steps=2), device="cpu", progress=False)
    m = agent.meta["train"]["metrics"]
    assert "pass@2" in m and 0.0 <= m["accuracy"] <= 1.0
    agent.save(str(tmp_path / "arc"))
    back = Agent.load(str(tmp_path / "arc"))
    assert back.config.num_puzzle_ids == agent.config.num_puzzle_ids > 1
    assert back.config.dataset_kwargs == DS_KW
    assert torch.equal(back.model.puzzle_emb.weight.float(), agent.model.puzzle_emb.weight.float())


def test_act_plugs_into_an_arc_episode():
    """agent.act(obs) on ARC: the observation's test input is tokenized by the env and the answer
    comes back as the env's action dict; a task's puzzle id can be passed along."""
    env = arc_env()
    tr = Trainer(env, tiny_arc(eval_samples=2), torch.device("cpu"), D.setup(torch.device("cpu")))
    agent = tr.agent()
    obs, info = env.reset(seed=0)
    action = agent.act(obs, puzzle_ids=np.array([1]))
    assert set(action) == {"grid", "shape"}
    assert action["grid"].shape == (30, 30) and action["shape"].shape == (2,)
    batch = {k: np.stack([v, v]) for k, v in obs.items()}
    assert agent.tokenize(batch).shape == (2, 900)
    bad = dict(obs, test_input_shape=np.array([0, 3]))
    with pytest.raises(ValueError, match="test_input_shape"):
        agent.tokenize(bad)
