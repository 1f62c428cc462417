"""The paper's baselines (Direct Pred, Looped TF, AR, MDLM, HRM) on tiny N-Queens: training, sampling,
checkpoints, scoring through the env, config checks, and that GRAM/TRM training is unchanged."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
gym = pytest.importorskip("gymnasium")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from torch.nn import functional as F  # noqa: E402

import gram_envs  # noqa: E402,F401
from gram_agent import Agent, GRAMConfig, preset, train  # noqa: E402
from gram_agent.cli import main  # noqa: E402
from gram_agent.data import task_spec  # noqa: E402
from gram_agent.model import build_model  # noqa: E402

torch.set_num_threads(1)

KINDS = ("direct", "looped", "ar", "mdlm", "d3pm")
STOCHASTIC = ("ar", "mdlm", "d3pm")


def tiny(kind: str, **kw):
    base = dict(d_model=32, n_heads=2, batch_size=16, lr=1e-3, lr_warmup_steps=2, log_every=20, eval_samples=3,
                eval_instances=4, diffusion_steps=4)
    base.update(kw)
    return preset("tiny", model=kind, **base)


def env4():
    return gym.make("GRAM/NQueens-v0", n=4)


_AGENTS: dict[str, Agent] = {}


def trained(kind: str) -> Agent:
    """A tiny agent of ``kind`` trained 60 steps (shared by the tests of one worker)."""
    if kind not in _AGENTS:
        _AGENTS[kind] = train(env4(), tiny(kind), device="cpu", max_steps=60, progress=False, eval_at_end=False)
    return _AGENTS[kind]


@pytest.mark.parametrize("kind", KINDS)
def test_trains_with_finite_falling_loss(kind):
    hist = [h for h in trained(kind).meta["train"]["history"] if "loss" in h]
    assert len(hist) == 3
    losses = [h["loss"] for h in hist]
    assert all(math.isfinite(v) for v in losses), losses
    assert losses[-1] < losses[0], losses
    assert trained(kind).meta["train"]["steps"] == 60


@pytest.mark.parametrize("kind", KINDS)
def test_samples_have_the_right_shape_and_are_boards(kind):
    agent = trained(kind)
    env = env4()
    obs = np.stack([env.reset(seed=i, options={"split": "test"})[0] for i in range(3)])
    boards = agent.solve(obs, samples=5, select="all", seed=1)
    assert boards.shape == (3, 5, 4, 4)
    assert set(np.unique(boards)) <= {0, 1}
    same = (boards == boards[:, :1]).all(axis=(1, 2, 3))
    if kind in STOCHASTIC:
        assert not same.all()  # temperature-1 draws of a barely trained model differ
    else:
        assert same.all()
    one = agent.solve(obs[0], samples=5)  # one observation -> one voted board
    assert one.shape == (4, 4)


@pytest.mark.parametrize("kind", KINDS)
def test_save_load_round_trip_gives_the_same_samples(kind, tmp_path):
    agent = trained(kind)
    agent.save(str(tmp_path / kind))
    back = Agent.load(str(tmp_path / kind), device="cpu")
    assert back.config.model == kind
    x = agent.env.unwrapped.dataset("test").instance_inputs[:4]
    a = agent.rollout(x, samples=4, seed=5)["tokens"]
    b = back.rollout(x, samples=4, seed=5)["tokens"]
    assert torch.equal(a, b)
    cfg = json.loads((tmp_path / kind / "config.json").read_text())
    cfg["model"] = "mdlm" if kind == "ar" else "ar"  # another network: its weights are refused
    (tmp_path / kind / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ValueError, match="tensor"):
        Agent.load(str(tmp_path / kind), device="cpu")


@pytest.mark.parametrize("kind", KINDS)
def test_evaluate_scores_through_the_env(kind):
    agent = trained(kind)
    m = agent.evaluate("test", samples=3, instances=4, progress=False)
    assert m["instances"] == 4 and m["samples"] == 3
    ds = agent.env.unwrapped.dataset("test")
    boards = agent.env.unwrapped.detokenize(agent.rollout(ds.instance_inputs[:4], samples=3)["tokens"].numpy())
    res = agent.env.unwrapped.evaluate(ds.instance_ids[:4], boards, record=False)
    assert m["accuracy"] == pytest.approx(float(res["metrics"]["accuracy"]))
    assert m["coverage"] == pytest.approx(float(res["metrics"]["coverage"]))


def _untrained(kind: str, seed: int) -> Agent:
    env = env4()
    ds = env.unwrapped.dataset("train")
    spec = task_spec(env, ds)
    torch.manual_seed(seed)
    cfg = tiny(kind, seed=seed)
    return Agent(build_model(cfg, spec.vocab_size, spec.seq_len, spec.n_answer), spec, cfg, env=env)


@pytest.mark.parametrize("kind", STOCHASTIC)
@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10**6), temperature=st.sampled_from([0.0, 0.5, 1.0, 3.0]), rows=st.integers(1, 4),
       steps=st.integers(1, 6))
def test_sampled_answer_tokens_lie_in_the_answer_vocabulary(kind, seed, temperature, rows, steps):
    agent = _untrained(kind, seed)
    x = agent.env.unwrapped.dataset("test").instance_inputs[:rows]
    roll = agent.rollout(x, samples=3, seed=seed, temperature=temperature, steps=steps if kind == "mdlm" else None)
    toks = roll["tokens"].numpy()
    assert toks.shape == (len(x), 3, x.shape[1])
    out = toks[..., agent.spec.out_positions]
    assert np.isin(out, agent.spec.answer_tokens).all()
    boards = agent.env.unwrapped.detokenize(toks)
    assert boards.shape == (len(x), 3, 4, 4)


@pytest.mark.parametrize("kind", ["mdlm", "d3pm", "ar"])
def test_killed_and_resumed_run_matches_uninterrupted(kind, tmp_path):
    """MDLM and D3PM draw their diffusion times and corruptions from the trainer's generator: a
    resumed run continues the same draws and ends on the same weights."""
    cfg = tiny(kind, max_steps=8, ema=0.9, log_every=2)
    a = train(env4(), cfg, device="cpu", progress=False, eval_at_end=False, checkpoint_dir=str(tmp_path / "full"))
    train(env4(), cfg, device="cpu", progress=False, eval_at_end=False, max_steps=4,
          checkpoint_dir=str(tmp_path / "half"))
    b = train(env4(), cfg, device="cpu", progress=False, eval_at_end=False, checkpoint_dir=str(tmp_path / "half"))
    assert b.meta["train"]["steps_this_run"] == 4
    for (k, va), vb in zip(a.model.state_dict().items(), b.model.state_dict().values(), strict=True):
        assert torch.equal(va, vb), k


def test_d3pm_generates_sudokus_from_the_blank_input():
    env = gym.make("GRAM/SudokuGen-9", n_grids=50, n_test_grids=5)
    cfg = preset("tiny", "GRAM/SudokuGen-9", model="d3pm", d_model=32, n_heads=2, batch_size=8, diffusion_steps=3)
    assert cfg.mixer == "attn"
    agent = train(env, cfg, device="cpu", max_steps=3, progress=False, eval_at_end=False)
    grids = agent.generate(4, seed=2)
    assert grids.shape == (4, 9, 9) and grids.min() >= 1 and grids.max() <= 9
    assert np.array_equal(grids, agent.generate(4, seed=2))
    with pytest.raises(ValueError, match="diffusion_steps"):
        agent.generate(2, steps=5)


def test_looped_runs_more_loops_at_inference_and_direct_refuses_steps():
    x = trained("looped").env.unwrapped.dataset("test").instance_inputs[:2]
    assert trained("looped").rollout(x, samples=2, steps=7)["tokens"].shape == (2, 2, 16)
    with pytest.raises(ValueError, match="one pass"):
        trained("direct").rollout(x, samples=2, steps=3)
    with pytest.raises(ValueError, match="steps must be None"):
        trained("ar").rollout(x, samples=2, steps=3)
    with pytest.raises(ValueError, match="recursive core"):
        trained("mdlm").rollout(x, samples=2, ptrm_sigma=0.3)
    with pytest.raises(ValueError, match="temperature"):
        trained("ar").rollout(x, samples=2, temperature=[1.0, 0.5])


def test_config_validates_the_model_kind():
    with pytest.raises(ValueError, match="direct.*looped.*ar.*mdlm"):
        GRAMConfig(model="transformer")
    with pytest.raises(ValueError, match="target"):
        GRAMConfig(model="ar", target="nearest")
    with pytest.raises(ValueError, match="mixer"):
        GRAMConfig(model="ar", mixer="mlp")
    assert preset("fast", "GRAM/Sudoku-Extreme", model="ar").mixer == "attn"
    assert GRAMConfig(model="mdlm").sup_steps == 1 and GRAMConfig(model="trm", n_sup=5).sup_steps == 5


#: the paper's parameter counts (millions); the paper preset must lie within a factor of 2
PAPER_PARAMS = {"direct": 27.0, "looped": 7.0, "ar": 10.6, "mdlm": 12.6, "d3pm": 15.9}


@pytest.mark.parametrize("kind", KINDS)
def test_paper_preset_is_at_the_papers_scale(kind):
    env = gym.make("GRAM/NQueens-8")
    spec = task_spec(env, env.unwrapped.dataset("train"))
    with torch.device("meta"):  # shapes only: no memory, no init time
        model = build_model(preset("paper", "GRAM/NQueens-8", model=kind), spec.vocab_size, spec.seq_len,
                            spec.n_answer)
    n = sum(p.numel() for p in model.parameters()) / 1e6
    assert PAPER_PARAMS[kind] / 2 <= n <= PAPER_PARAMS[kind] * 2, n


def test_cli_trains_and_evaluates_a_baseline(tmp_path, capsys):
    ck = str(tmp_path / "run")
    assert main(["train", "--env", "GRAM/NQueens-v0", "--model", "mdlm", "--preset", "tiny", "--steps", "3",
                 "--checkpoint-dir", ck, "--device", "cpu", "--set", "d_model=32", "--set", "n_heads=2",
                 "--set", "batch_size=8", "--set", "eval_instances=2", "--set", "eval_samples=2",
                 "--set", "diffusion_steps=3"]) == 0
    capsys.readouterr()
    assert main(["eval", "--checkpoint", f"{ck}/last", "--samples", "2", "--instances", "2", "--device", "cpu"]) == 0
    assert "coverage" in json.loads(capsys.readouterr().out)


# ---------------------------------------------------------------------- HRM
def test_hrm_learns_saves_and_is_scored_through_the_env(tmp_path):
    cfg = preset("tiny", model="hrm", d_model=32, n_heads=2, n_layers=2, n_sup=3, batch_size=16, lr=1e-3,
                 lr_warmup_steps=2, log_every=20)
    assert (cfg.share_weights, cfg.T, cfg.K) == (False, 2, 2)
    agent = train(env4(), cfg, device="cpu", max_steps=60, progress=False, eval_at_end=False)
    hist = [h for h in agent.meta["train"]["history"] if "loss" in h]
    assert all(math.isfinite(h["loss"]) for h in hist)
    assert hist[-1]["ce"] < 0.5 * hist[0]["ce"]  # (the halting BCE rises while the answers start to be right)
    assert agent.model.f_H is not agent.model.f_L
    m = agent.evaluate("test", samples=2, instances=4, progress=False)
    assert m["instances"] == 4 and 0.0 <= m["accuracy"] <= 1.0
    agent.save(str(tmp_path / "hrm"))
    back = Agent.load(str(tmp_path / "hrm"), device="cpu")
    x = agent.env.unwrapped.dataset("test").instance_inputs[:4]
    for halt in (False, True):
        a, b = agent.rollout(x, samples=2, halt=halt), back.rollout(x, samples=2, halt=halt)
        assert torch.equal(a["tokens"], b["tokens"]) and torch.equal(a["q_halt"], b["q_halt"])


def test_hrm_backpropagates_through_the_last_low_and_high_updates_only():
    env = env4()
    spec = task_spec(env, env.unwrapped.dataset("train"))
    cfg = preset("tiny", model="hrm", d_model=16, n_heads=2, n_layers=1, T=3, K=4, n_sup=4)
    model = build_model(cfg, spec.vocab_size, spec.seq_len, spec.n_answer)
    calls = {"f_L": [], "f_H": []}
    for name in calls:
        getattr(model, name).register_forward_hook(lambda mod, inp, out, name=name: calls[name].append(
            torch.is_grad_enabled()))
    b, length = 3, spec.seq_len
    h, low = model.initial_state(b)
    x = torch.ones(b, length, dtype=torch.long)
    y = torch.zeros(b, length, dtype=torch.long)
    loss, *_ = model(h, low, x, y, y, None, None, nstep=torch.tensor([0, 2, 3]))
    assert calls["f_L"].count(True) == 1 and calls["f_H"].count(True) == 1
    # the supervision step (3 x 4 low, 3 high) and the next one for the Q target, without gradients
    assert len(calls["f_L"]) == 2 * 3 * 4 and len(calls["f_H"]) == 2 * 3
    loss.backward()
    assert model.q_continue.weight.grad is not None and model.f_H.blocks[0].mlp.down.weight.grad is not None


def test_hrm_config_and_paper_scale():
    with pytest.raises(ValueError, match="share_weights"):
        GRAMConfig(model="hrm")
    env = gym.make("GRAM/NQueens-8")
    spec = task_spec(env, env.unwrapped.dataset("train"))
    with torch.device("meta"):
        model = build_model(preset("paper", "GRAM/NQueens-8", model="hrm"), spec.vocab_size, spec.seq_len,
                            spec.n_answer)
    n = sum(p.numel() for p in model.parameters()) / 1e6
    assert 27.3 / 2 <= n <= 27.3 * 2, n


#: losses of 6 tiny training steps recorded on the commit before the baselines were added
PARITY = {
    "trm": [0.8830519914627075, 1.2746952772140503, 0.6818195581436157, 0.76002037525177, 0.6707005500793457,
            0.6654574871063232],
    "gram": [0.7135083079338074, 0.7601117491722107, 0.905818521976471, 0.9380823969841003, 1.030293583869934,
             0.7855212688446045],
}


@pytest.mark.parametrize("kind", ["trm", "gram"])
def test_gram_and_trm_training_is_unchanged(kind):
    cfg = preset("tiny", model=kind, d_model=32, n_heads=2, guidance_hidden=32, T=2, K=2, n_sup=3, batch_size=8,
                 log_every=1, lr=3e-3, lr_warmup_steps=2, seed=3)
    agent = train(env4(), cfg, device="cpu", max_steps=6, progress=False, eval_at_end=False)
    losses = [h["loss"] for h in agent.meta["train"]["history"] if "loss" in h]
    assert losses == pytest.approx(PARITY[kind], rel=1e-5)


def test_d3pm_schedule_and_posterior_match_explicit_matrices():
    """alpha_bar runs from 1 to exactly 0; the one-step matrices multiply to the closed form; the
    reverse step with a one-hot x_0 is the Bayes posterior q(x_{t-1} | x_t, x_0) of those matrices;
    a net that knows x_0 is reconstructed by the sampler."""
    from gram_agent.model.baselines import D3PMModel

    big_t, k, n = 6, 3, 4
    m = D3PMModel(preset("tiny", model="d3pm", diffusion_steps=big_t), vocab_size=k + 3, seq_len=n, n_answer=k)
    ab = m.alpha_bar(torch.arange(big_t + 1)).double()
    assert ab[0] == 1.0 and ab[-1] == 0.0 and bool((ab[1:] < ab[:-1]).all())
    eye, flat = torch.eye(k, dtype=torch.double), torch.full((k, k), 1.0 / k, dtype=torch.double)
    step = [None] + [(ab[t] / ab[t - 1]) * eye + (1 - ab[t] / ab[t - 1]) * flat for t in range(1, big_t + 1)]
    cum = eye
    for t in range(1, big_t + 1):
        cum = cum @ step[t]  # row i: q(x_t | x_0 = i)
        assert torch.allclose(cum, ab[t] * eye + (1 - ab[t]) * flat, atol=1e-6)
        prev = ab[t - 1] * eye + (1 - ab[t - 1]) * flat  # q(x_{t-1} | x_0)
        for x0 in range(k):
            for xt in range(k):
                bayes = step[t][:, xt] * prev[x0]
                got = m.reverse_probs(torch.eye(k)[x0].view(1, 1, k), torch.tensor([[xt]]), torch.tensor([t]))
                assert torch.allclose(got[0, 0].double(), bayes / bayes.sum(), atol=1e-5), (t, x0, xt)
    target = torch.randint(k, (1, n), generator=torch.Generator().manual_seed(0))
    m.logits = lambda ex, xt, t: 50.0 * F.one_hot(target.expand(xt.shape[0], -1), k).float()
    out = m.sample(torch.zeros(64, n, dtype=torch.long), None, torch.Generator().manual_seed(1), None, 1.0)
    assert bool((out == target).all())
