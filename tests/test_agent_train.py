"""Training end to end on tiny N-Queens: learning, checkpoints, resume, data parallelism."""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
gym = pytest.importorskip("gymnasium")

import gram_envs  # noqa: E402,F401
from gram_agent import Agent, preset, train  # noqa: E402
from gram_agent.checkpoint import load_weights  # noqa: E402
from gram_agent.model.core import RecursiveModel  # noqa: E402

torch.set_num_threads(1)


def tiny(**kw):
    base = dict(d_model=32, n_heads=2, guidance_hidden=32, T=2, K=2, n_sup=3, batch_size=8, log_every=2,
                eval_samples=4, eval_instances=8, lr=3e-3, lr_warmup_steps=5)
    base.update(kw)
    return preset("tiny", **base)


def env4():
    return gym.make("GRAM/NQueens-v0", n=4)


@pytest.mark.parametrize("kind", ["gram", "trm"])
def test_tiny_model_learns_nqueens4(kind):
    """N-Queens 4 (every training board here has one completion): both models learn to complete
    the boards. lr 1e-3: at 3e-3 this size (no EMA) oscillates and the outcome hinges on the seed."""
    # NQ4's 16 tokens: summed KL at beta 0.07 is a per-token weight of 16 * 0.07 (what this tiny task needs)
    cfg = tiny(model=kind, d_model=48, guidance_hidden=48, batch_size=24, max_steps=300, log_every=50,
               kl_reduce="sum", beta=0.07, lr=1e-3)
    agent = train(env4(), cfg, device="cpu", progress=False, eval_at_end=False)
    m = agent.evaluate("train", samples=4)
    assert m["accuracy"] >= 0.75, m
    assert m["coverage"] >= 0.75, m
    hist = [h for h in agent.meta["train"]["history"] if "loss" in h]
    assert hist[-1]["ce"] < 0.25 * hist[0]["ce"]


def _weights(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def test_checkpoint_round_trip(tmp_path):
    agent = train(env4(), tiny(max_steps=4), device="cpu", progress=False, eval_at_end=False)
    agent.save(str(tmp_path / "a"))
    back = Agent.load(str(tmp_path / "a"), device="cpu")
    w0, w1 = _weights(agent.model), _weights(back.model)
    assert w0.keys() == w1.keys()
    for k in w0:
        assert torch.equal(w0[k], w1[k]), k
    x = np.ones((2, 16), dtype=np.int64)
    assert torch.equal(agent.rollout(x, samples=3, seed=1)["tokens"], back.rollout(x, samples=3, seed=1)["tokens"])
    # bf16 export loads back into fp32 weights
    agent.save(str(tmp_path / "b"), dtype=torch.bfloat16)
    Agent.load(str(tmp_path / "b"), device="cpu")
    # the solve API works on raw observations
    env = back.env
    obs, _ = env.reset(seed=0)
    board = back.solve(obs, samples=3)
    assert board.shape == obs.shape
    assert back.solve(np.stack([obs, obs]), samples=3, select="all").shape == (2, 3, 4, 4)


def test_killed_and_resumed_run_matches_uninterrupted(tmp_path):
    cfg = tiny(max_steps=12, ema=0.9)
    a = train(env4(), cfg, device="cpu", progress=False, eval_at_end=False,
              checkpoint_dir=str(tmp_path / "full"))
    train(env4(), cfg, device="cpu", progress=False, eval_at_end=False, max_steps=6,
          checkpoint_dir=str(tmp_path / "half"))
    b = train(env4(), cfg, device="cpu", progress=False, eval_at_end=False,
              checkpoint_dir=str(tmp_path / "half"))
    assert b.meta["train"]["steps"] == 12 and b.meta["train"]["steps_this_run"] == 6
    for tag in ("weights", "ema"):
        ma = RecursiveModel(cfg, 3, 16, 2)
        mb = RecursiveModel(cfg, 3, 16, 2)
        path_a = tmp_path / "full" / "last" / f"{tag}.safetensors"
        if not path_a.exists():
            continue
        load_weights(ma, str(path_a))
        load_weights(mb, str(tmp_path / "half" / "last" / f"{tag}.safetensors"))
        for (k, va), vb in zip(ma.state_dict().items(), mb.state_dict().values(), strict=True):
            assert torch.equal(va, vb), (tag, k)
    assert a.meta["train"]["steps"] == 12


def test_a_step_that_fails_to_compile_trains_eagerly():
    """A backend compile failure (a Triton error on some GPUs) falls back to the eager step with a
    warning, and the step's result is the eager one; an eager failure is raised."""
    from torch._dynamo.exc import BackendCompilerFailed

    from gram_agent import distributed as D
    from gram_agent.train import Trainer

    def failing(*args):
        e = BackendCompilerFailed.__new__(BackendCompilerFailed)
        Exception.__init__(e, "backend='inductor' raised:\nRuntimeError: PassManager::run failed")
        raise e

    tr = Trainer(env4(), tiny(), torch.device("cpu"), D.setup(torch.device("cpu")))
    ref = Trainer(env4(), tiny(), torch.device("cpu"), D.setup(torch.device("cpu")))
    tr._step_fn = failing
    with pytest.warns(UserWarning, match="PassManager::run failed"):
        tr.train_step()
    ref.train_step()
    assert tr._step_fn is tr._eager_fn and tr.step == 1
    assert tr.compile_failure == "RuntimeError: PassManager::run failed" and ref.compile_failure is None
    assert all(torch.equal(a, b) for a, b in zip(tr.model.parameters(), ref.model.parameters(), strict=True))
    tr._eager_fn = tr._step_fn = failing
    with pytest.raises(BackendCompilerFailed):
        tr.train_step()


def test_eval_samples_zero_means_no_evaluation_in_train():
    agent = train(env4(), tiny(max_steps=2, eval_samples=0, eval_every=1), device="cpu", progress=False)
    assert agent.meta["train"]["metrics"] == {}
    assert not any("eval" in h for h in agent.meta["train"]["history"])


def test_time_budget_stops_with_checkpoint(tmp_path):
    agent = train(env4(), tiny(), device="cpu", progress=False, eval_at_end=False, time_budget_s=3.0,
                  reserve_s=0.5, checkpoint_dir=str(tmp_path))
    assert agent.meta["train"]["steps"] > 0
    assert os.path.exists(tmp_path / "last" / "state.safetensors")


def test_checkpoint_travels_in_parts_and_resumes(tmp_path):
    """pack_parts / unpack_parts move a resumable checkpoint through size-limited transfers: the
    rebuilt folder resumes at the same step with the same weights, without the batch carry."""
    from gram_agent import distributed as D
    from gram_agent.checkpoint import find_resume, pack_parts, read_state, unpack_parts
    from gram_agent.train import Trainer

    cfg = tiny(max_steps=4)
    train(env4(), cfg, device="cpu", progress=False, eval_at_end=False, checkpoint_dir=str(tmp_path / "a"))
    names = pack_parts(str(tmp_path / "a" / "last"), str(tmp_path / "parts"), part_mib=0.01)
    assert len(names) > 1
    assert all(os.path.getsize(tmp_path / "parts" / n) <= 0.01 * 2**20 for n in names)
    unpack_parts(str(tmp_path / "parts"), str(tmp_path / "b" / "last"))
    path = find_resume(str(tmp_path / "b"))
    assert path is not None
    st = read_state(path)
    assert "carry" not in st and st["counters"]["step"] == 4
    tr = Trainer(env4(), cfg, torch.device("cpu"), D.setup(torch.device("cpu")))
    tr.load(path)
    assert tr.step == 4 and bool(tr.halted.all())  # every slot reloads a row on the next step
    ref = load_weights_dict(tmp_path / "a" / "last" / "weights.safetensors")
    assert all(torch.equal(v, tr.model.state_dict()[k]) for k, v in ref.items())
    tr.train_step()
    assert tr.step == 5
    # resuming through train() continues the step count
    agent = train(env4(), tiny(max_steps=6), device="cpu", progress=False, eval_at_end=False,
                  checkpoint_dir=str(tmp_path / "b"))
    assert agent.meta["train"]["steps"] == 6 and agent.meta["train"]["steps_this_run"] == 2
    # a damaged part is refused, not silently loaded
    with open(tmp_path / "parts" / names[0], "r+b") as f:
        f.write(b"x")
    with pytest.raises(ValueError, match="corrupted"):
        unpack_parts(str(tmp_path / "parts"), str(tmp_path / "c" / "last"))


def test_compact_transfer_shrinks_in_order_and_says_so(tmp_path):
    """max_mib shrinks the state level by level (moments bf16, EMA as a bf16 difference, second
    moment only as 8-bit logs, moments dropped); weights stay exact, the EMA comes back close, and
    the resumed run re-warms and says so."""
    import json

    from gram_agent import distributed as D
    from gram_agent.checkpoint import TRANSFER_LEVELS, pack_parts, read_state, unpack_parts
    from gram_agent.train import Trainer, transfer_losses

    cfg = tiny(max_steps=4, lr_warmup_steps=3, ema=0.9)
    train(env4(), cfg, device="cpu", progress=False, eval_at_end=False, checkpoint_dir=str(tmp_path / "a"))
    src = tmp_path / "a" / "last"
    sizes = {}
    for mib in (None, 1e9):
        pack_parts(str(src), str(tmp_path / f"p{mib}"), max_mib=mib)
        sizes[mib] = json.loads((tmp_path / f"p{mib}" / "ckpt.manifest.json").read_text())
    assert sizes[None]["transfer"]["moments"] == "fp32" and sizes[1e9]["transfer"]["moments"] == "fp32"
    # just under each level's packed size: the next level is taken
    packed = []
    for level in range(len(TRANSFER_LEVELS)):
        pack_parts(str(src), str(tmp_path / f"l{level}"), level=level)
        packed.append(json.loads((tmp_path / f"l{level}" / "ckpt.manifest.json").read_text())["bytes"])
    assert packed == sorted(packed, reverse=True) and len(set(packed)) == len(packed)
    levels = []
    for cut in packed[:-1]:
        out = tmp_path / f"cut{cut}"
        pack_parts(str(src), str(out), max_mib=(cut - 1) / 2**20)
        m = json.loads((out / "ckpt.manifest.json").read_text())
        assert m["bytes"] < cut
        levels.append((m["transfer"]["moments"], m["transfer"]["ema"]))
    assert levels == [("bf16", "fp32"), ("bf16", "bf16-delta"), ("v-log8", "bf16-delta"), ("dropped", "bf16-delta")]
    with pytest.raises(ValueError, match="over max_mib"):
        pack_parts(str(src), str(tmp_path / "tiny"), max_mib=0.001)
    unpack_parts(str(out), str(tmp_path / "b" / "last"))
    path = tmp_path / "b" / "last"
    assert not (path / "ema_delta.safetensors").exists()
    ref_w, ref_e = (load_weights_dict(src / n) for n in ("weights.safetensors", "ema.safetensors"))
    got_w, got_e = (load_weights_dict(path / n) for n in ("weights.safetensors", "ema.safetensors"))
    assert all(torch.equal(ref_w[k], got_w[k]) for k in ref_w)
    assert all(torch.allclose(ref_e[k], got_e[k], atol=1e-2 * (ref_e[k] - ref_w[k]).abs().max().item() + 1e-7)
               for k in ref_e)
    st = read_state(str(path))
    assert st["opt"]["state"] == {} and st["counters"]["rewarm_from"] == 4
    tr = Trainer(env4(), cfg, torch.device("cpu"), D.setup(torch.device("cpu")))
    tr.load(str(path))  # checksums of the rebuilt EMA verify
    assert tr.rewarm_from == 4 and tr.rewarm_factor() == pytest.approx(1 / 3)
    tr.train_step()
    assert tr.opt.param_groups[0]["lr"] == pytest.approx(cfg.lr / 3)
    said = transfer_losses(json.loads((path / "task.json").read_text())["transfer"], cfg)
    assert "moments were dropped" in said and "bf16 difference" in said
    with pytest.warns(UserWarning, match="packed transfer"):
        train(env4(), tiny(max_steps=5, lr_warmup_steps=3, ema=0.9), device="cpu", progress=False, eval_at_end=False,
              checkpoint_dir=str(tmp_path / "b"))


def test_second_moment_transfer_keeps_adam_going(tmp_path):
    """Level v-log8: Adam's step count and second moment come back (8-bit logs, within their bound),
    the first moment restarts at zero, the learning rate does not re-warm, and the run says so."""
    import json

    from gram_agent import distributed as D
    from gram_agent.checkpoint import TRANSFER_LEVELS, pack_parts, read_state, unpack_parts
    from gram_agent.train import Trainer, transfer_losses

    cfg = tiny(max_steps=4, lr_warmup_steps=3, ema=0.9)
    train(env4(), cfg, device="cpu", progress=False, eval_at_end=False, checkpoint_dir=str(tmp_path / "a"))
    level = next(i for i, t in enumerate(TRANSFER_LEVELS) if t["moments"] == "v-log8")
    pack_parts(str(tmp_path / "a" / "last"), str(tmp_path / "p"), level=level)
    unpack_parts(str(tmp_path / "p"), str(tmp_path / "b" / "last"))
    ref, got = (read_state(str(tmp_path / d / "last"))["opt"]["state"] for d in ("a", "b"))
    assert ref.keys() == got.keys()
    for k in ref:
        assert torch.equal(got[k]["step"], ref[k]["step"]) and not got[k]["exp_avg"].any()
        v, w = ref[k]["exp_avg_sq"].float(), got[k]["exp_avg_sq"]
        assert torch.equal(w == 0, v == 0)
        assert torch.allclose(w, v, rtol=0.2, atol=0)
    tr = Trainer(env4(), cfg, torch.device("cpu"), D.setup(torch.device("cpu")))
    tr.load(str(tmp_path / "b" / "last"))
    assert tr.rewarm_from is None and tr.rewarm_factor() == 1.0
    tr.train_step()
    said = transfer_losses(json.loads((tmp_path / "b" / "last" / "task.json").read_text())["transfer"], cfg)
    assert "first moment was dropped" in said and "8-bit logs" in said


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.just(0.0), st.floats(1e-30, 1e3)), min_size=1, max_size=9000))
def test_log8_round_trip_within_its_bound(values):
    """8-bit logs of a non-negative tensor: zeros stay exact, the rest within e^(span/508) - 1 of
    their block's log span (one range per LOG8_BLOCK values)."""
    from gram_agent.checkpoint import LOG8_BLOCK, log8_decode, log8_encode

    v = torch.tensor(values, dtype=torch.float32)
    w = log8_decode(log8_encode(v))
    assert w.shape == v.shape and torch.equal(w == 0, v == 0)
    for i in range(0, v.numel(), LOG8_BLOCK):
        blk, out = v[i:i + LOG8_BLOCK], w[i:i + LOG8_BLOCK]
        pos = blk > 0
        if pos.any():
            span = float(blk[pos].log().max() - blk[pos].log().min())
            bound = math.expm1(span / 508) * 1.001 + 1e-5
            assert float(((out[pos] - blk[pos]).abs() / blk[pos]).max()) <= bound
    with pytest.raises(ValueError, match=">= 0"):
        log8_encode(torch.tensor([1.0, -1.0]))


def load_weights_dict(path) -> dict:
    from safetensors.torch import load_file

    return load_file(str(path))


def _ddp_worker(rank: int, world: int, port: int, out: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world),
                      LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    import torch.distributed as dist

    agent = train(gym.make("GRAM/NQueens-v0", n=4), tiny(max_steps=4, ema=0.0), device="cpu", progress=False,
                  eval_at_end=False)
    assert agent.meta["train"]["world"] == 2
    if rank == 0:
        torch.save(_weights(agent.model), out)
    dist.barrier()
    dist.destroy_process_group()


def test_ddp_two_gloo_processes_match_single_process(tmp_path):
    import socket

    import torch.multiprocessing as mp

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = str(tmp_path / "ddp.pt")
    mp.start_processes(_ddp_worker, args=(2, port, out), nprocs=2, join=True, start_method="fork")
    single = train(env4(), tiny(max_steps=4, ema=0.0), device="cpu", progress=False, eval_at_end=False)
    ddp = torch.load(out)
    for k, v in _weights(single.model).items():
        assert torch.allclose(v, ddp[k], atol=1e-5, rtol=1e-4), k


@pytest.mark.parametrize("kind", ["gram", "trm"])
def test_nearest_target_scores_the_completion_the_model_heads_for(kind):
    """With ``target="nearest"`` the loss of a multi-completion row is the CE to the completion
    nearest the model's own prediction, never more than the CE to the row's stored label."""
    from gram_agent import distributed as D
    from gram_agent.train import Trainer

    cfg = tiny(model=kind, max_steps=3, target="nearest")
    tr = Trainer(env4(), cfg, torch.device("cpu"), D.setup(torch.device("cpu")))
    assert tr.model.answer_tok.tolist() == tr.spec.answer_tokens
    for _ in range(3):
        tr.train_step()
    assert all(np.isfinite(v) for v in tr.read_stats().values())
    h, lo = tr.model.initial_state(tr.b)
    x, y_cls, y_tok, sols, _ = tr.data.gather(tr.row)
    noise = torch.zeros(cfg.T + 1, tr.b, tr.model.total_len, cfg.d_model)
    tr.model.eval()
    with torch.no_grad():
        near = tr.model(h, lo, x, y_cls, y_tok, sols, noise)[1][1]  # CE
        tr.model.cfg = cfg.replace(target="label")
        fixed = tr.model(h, lo, x, y_cls, y_tok, sols, noise)[1][1]
    tr.model.cfg = cfg
    assert near.item() <= fixed.item() + 1e-6


def trainer_recording_step_arg(cfg, index: int):
    """A CPU Trainer whose training-step calls record their argument at ``index`` (match_u: -1),
    so a test sees what the trainer drew for the step."""
    from gram_agent import distributed as D
    from gram_agent.train import Trainer

    tr = Trainer(env4(), cfg, torch.device("cpu"), D.setup(torch.device("cpu")))
    seen = []
    real = tr._step_fn
    tr._step_fn = lambda *a: (seen.append(a[index]), real(*a))[1]
    return tr, seen


def test_matched_target_trains_groups_that_share_an_input_and_halt_together():
    for bad, match in [({"model": "trm"}, "needs model='gram'"), ({"match_group": 7}, r"match_group must lie in \[2, 6\]"),
                       ({"match_group": 17, "match_draw": "spread"}, r"match_group must lie in \[2, 16\]"),
                       ({"batch_size": 30}, "divisible by match_group")]:
        with pytest.raises(ValueError, match=match):
            tiny(target="matched", **bad)
    tr, seen = trainer_recording_step_arg(tiny(max_steps=6, target="matched", match_group=4), -1)
    for _ in range(6):
        tr.train_step()
        rows, halted = tr.row.view(-1, 4), tr.halted.view(-1, 4)
        assert (rows == rows[:, :1]).all() and (halted == halted[:, :1]).all()
    assert all(u is not None and u.shape[0] == tr.b for u in seen)
    assert all(np.isfinite(v) for v in tr.read_stats().values())


def test_prior_temperature_scales_the_sampling_noise():
    """Temperature 0 follows the prior mean (all N samples equal), 1 is the default sampling, a
    per-step schedule applies one value per supervision step, and a negative or non-finite
    temperature or a schedule of the wrong length is refused by name."""
    agent = train(env4(), tiny(max_steps=4), device="cpu", progress=False, eval_at_end=False)
    x = np.ones((2, 16), dtype=np.int64)
    cold = agent.rollout(x, samples=5, seed=3, temperature=0.0)["tokens"]
    assert (cold == cold[:, :1]).all()
    assert torch.equal(agent.rollout(x, samples=5, seed=3)["tokens"],
                       agent.rollout(x, samples=5, seed=3, temperature=1.0)["tokens"])
    for bad in (-0.5, float("nan"), float("inf"), [1.0, -1.0, 1.0], "hot"):
        with pytest.raises(ValueError, match="temperature"):
            agent.rollout(x, samples=2, steps=3, temperature=bad)
    # a schedule: one value per supervision step; a constant one is the scalar
    steps = agent.config.n_sup
    assert torch.equal(agent.rollout(x, samples=5, seed=3, temperature=[0.7] * steps)["tokens"],
                       agent.rollout(x, samples=5, seed=3, temperature=0.7)["tokens"])
    cold_schedule = agent.rollout(x, samples=5, seed=3, steps=steps + 2, temperature=[0.0] * (steps + 2))["tokens"]
    assert (cold_schedule == cold_schedule[:, :1]).all()
    with pytest.raises(ValueError, match="one value per supervision step"):
        agent.rollout(x, samples=2, temperature=[1.0] * (steps - 1))


def test_init_from_starts_a_new_objective_from_trained_weights(tmp_path):
    """Fine-tuning: a run started from a saved model holds its weights (raw and EMA) at step 0,
    then trains on under its own objective; a folder without weights or another architecture
    is refused."""
    from gram_agent import distributed as D
    from gram_agent.train import Trainer

    first = train(env4(), tiny(max_steps=6), device="cpu", progress=False, eval_at_end=False)
    first.save(str(tmp_path / "a"))
    cfg = tiny(max_steps=3, target="nearest", ema=0.9, init_from=str(tmp_path / "a"))
    tr = Trainer(env4(), cfg, torch.device("cpu"), D.setup(torch.device("cpu")))
    saved = _weights(first.model)
    for model in (tr.model, tr.ema):
        got = _weights(model)
        for k in saved:
            assert torch.equal(got[k], saved[k]), k
    tuned = train(env4(), cfg, device="cpu", progress=False, eval_at_end=False)
    assert tuned.meta["train"]["steps"] == 3
    assert any(not torch.equal(v, saved[k]) for k, v in _weights(tuned.model).items())
    with pytest.raises(FileNotFoundError, match="init_from"):
        train(env4(), tiny(max_steps=1, init_from=str(tmp_path)), device="cpu", progress=False, eval_at_end=False)
    with pytest.raises(ValueError, match="has shape"):
        train(env4(), tiny(max_steps=1, d_model=16, init_from=str(tmp_path / "a")), device="cpu", progress=False,
              eval_at_end=False)


@pytest.mark.parametrize("target", [{"target": "nearest"}, {"target": "matched", "match_draw": "imle"},
                                    {"target": "matched", "match_draw": "spread", "start_noise": 1.0}])
def test_prior_rollout_trains_end_to_end_without_kl(target):
    """``train_rollout="prior"`` trains with the targets chosen from the prior sample, pays no KL
    and moves the prior's sigma away from its initial value (its only gradient is the CE's)."""
    tr, _ = trainer_recording_step_arg(tiny(max_steps=8, train_rollout="prior", sigma_init=0.3, **target), -1)
    for _ in range(8):
        tr.train_step()
    stats = tr.read_stats()
    assert all(np.isfinite(v) for v in stats.values())
    assert stats["kl"] == 0.0 and stats["sigma_p"] == pytest.approx(stats["sigma_q"])
    assert stats["sigma_p"] != pytest.approx(0.3, abs=1e-6)


def test_start_noise_gives_each_refilled_slot_its_own_random_start():
    """``start_noise``: a refilled slot starts from z0 plus fresh noise of that std (its own draw);
    a slot that carries on keeps its state; TRM and a negative or non-finite std are refused by name."""
    for bad, match in [({"model": "trm", "start_noise": 0.5}, "start_noise needs model='gram'"),
                       ({"start_noise": -1.0}, "start_noise must lie in"),
                       ({"start_noise": float("nan")}, "start_noise must be a finite number"),
                       ({"start_noise": float("inf")}, "start_noise must be a finite number")]:
        with pytest.raises(ValueError, match=match):
            tiny(**bad)
    tr, _ = trainer_recording_step_arg(tiny(max_steps=4, start_noise=2.0, train_halting=False), -1)
    tr._refill()
    z0 = tr.model.z0[0]
    dev = tr.h - z0
    assert dev.std().item() == pytest.approx(2.0, rel=0.05)
    assert not torch.allclose(dev[0], dev[1])  # each slot its own start
    tr.halted = torch.zeros_like(tr.halted)
    tr.halted[0] = True
    before = tr.h.clone()
    tr._refill()
    assert torch.equal(tr.h[1:], before[1:]) and not torch.equal(tr.h[0], before[0])
    plain, _ = trainer_recording_step_arg(tiny(max_steps=4), -1)
    plain._refill()
    assert torch.equal(plain.h, plain.model.z0[0].expand_as(plain.h))


def test_snapshots_save_the_eval_model_at_their_steps(tmp_path):
    """``snapshot_every``/``snapshot_from``: an Agent (bf16) under ``snapshot_dir/step<N>`` at each such
    logging step, loadable and equal to the EMA model of that step (the last one: the returned agent);
    a request without a folder (or a folder without a request) and steps off the logging grid are refused."""
    cfg = tiny(max_steps=8, snapshot_every=4, snapshot_from=4)
    agent = train(env4(), cfg, device="cpu", progress=False, eval_at_end=False, snapshot_dir=str(tmp_path))
    assert sorted(os.listdir(tmp_path)) == ["step0000004", "step0000008"]
    last = Agent.load(str(tmp_path / "step0000008"), device="cpu")
    assert last.meta["step"] == 8
    want = {k: v.to(torch.bfloat16).float() for k, v in _weights(agent.model).items()}
    for k, v in _weights(last.model).items():
        assert torch.equal(v, want[k]), k
    assert any(not torch.equal(v, _weights(last.model)[k])
               for k, v in _weights(Agent.load(str(tmp_path / "step0000004"), device="cpu").model).items())
    with pytest.raises(ValueError, match="snapshot_dir"):
        train(env4(), cfg, device="cpu", progress=False, eval_at_end=False)
    with pytest.raises(ValueError, match="snapshot_every"):
        train(env4(), tiny(max_steps=2), device="cpu", progress=False, eval_at_end=False, snapshot_dir=str(tmp_path))
    with pytest.raises(ValueError, match="multiple of log_every"):
        tiny(snapshot_every=3)
    with pytest.raises(ValueError, match=r"snapshot_every must lie in \[0, "):
        tiny(snapshot_every=-2)


def test_best_checkpoint_is_chosen_on_training_inputs_never_on_test(tmp_path):
    """Periodic evaluations score the first ``select_instances`` training inputs and alone choose
    best/; the test split is scored once at the end, reported, and leaves best/ as it was."""
    cfg = tiny(max_steps=4, eval_every=2, select_instances=5, eval_instances=3)
    agent = train(env4(), cfg, device="cpu", progress=False, checkpoint_dir=str(tmp_path))
    evals = [h for h in agent.meta["train"]["history"] if "eval" in h]
    assert [(h["split"], h["eval"]["step"]) for h in evals] == [("train", 2.0), ("train", 4.0), ("test", 4.0)]
    assert agent.meta["train"]["metrics"] == evals[-1]["eval"]
    best = json.loads((tmp_path / "best" / "task.json").read_text())["meta"]["metrics"]
    assert best in [h["eval"] for h in evals[:2]]
    with pytest.raises(ValueError, match="select_instances"):
        tiny(select_instances=0)


def test_one_supervision_step_trains_and_samples():
    """n_sup = 1 (no deep supervision, the Table 3 "+SG" variant): every slot halts after one step and
    the agent samples one step deep."""
    cfg = tiny(n_sup=1, K=1, max_steps=4)
    agent = train(env4(), cfg, device="cpu", progress=False, eval_at_end=False)
    assert agent.meta["train"]["steps"] == 4
    hist = [h for h in agent.meta["train"]["history"] if "refills_per_step" in h]
    assert hist and all(h["refills_per_step"] == cfg.batch_size for h in hist)
    obs, _ = env4().reset(seed=0, options={"split": "test"})
    assert agent.solve(obs, samples=3, select="all").shape == (3, 4, 4)


@pytest.mark.parametrize("kind", ["gram", "mdlm"])
def test_blank_board_training_counts_any_valid_grid_as_correct(kind):
    """From the blank board every valid grid is a solution: the trainer's ``correct`` (halting and
    value targets, the log's share) accepts a valid grid unlike the row's label, not a broken one."""
    from gram_agent import distributed as D
    from gram_agent.train import Trainer

    env = gym.make("GRAM/SudokuGen-4")
    tr = Trainer(env, tiny(model=kind, max_steps=1), torch.device("cpu"), D.setup(torch.device("cpu")))
    assert tr.model.alldiff_groups is not None and tuple(tr.model.alldiff_groups.shape) == (12, 4)
    label = tr.data.gather(tr.row)[1][0]
    every = torch.as_tensor(tr.spec.labels_to_cls(env.unwrapped.tokenize_answers(env.unwrapped.puzzle_set.targets)))
    other = every[(every != label).any(-1)][0]  # a valid grid that is not this row's label
    broken = other.clone()
    broken[[0, 1]] = broken[[1, 0]]  # two cells of a row swapped: their columns now repeat
    pred = torch.stack([label, other, broken])
    correct, _ = tr.model.correctness(pred, label[None].expand(3, -1), None)
    assert correct.tolist() == [1.0, 1.0, 0.0]
    tr.train_step()
    assert np.isfinite(tr.read_stats()["correct"])
