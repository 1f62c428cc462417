"""Ensemble: checkpoints of one task pooled into one sampler (the N samples shared out among them)."""

from __future__ import annotations

import copy
import json
import shutil

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from experiments import sampling_seeds  # noqa: E402
from gram_agent.ensemble import MEMBER_SEED_STRIDE, Ensemble, sample_shares  # noqa: E402
from gram_agent.evaluation import analyse  # noqa: E402
from gram_agent.infer import Agent  # noqa: E402


@pytest.fixture
def two_runs(tmp_path, small_gram_agent_dir):
    """The demo checkpoint and a perturbed copy of it: two members that sample differently."""
    a = tmp_path / "run_a"
    shutil.copytree(small_gram_agent_dir, a / "ckpt")
    other = Agent.load(str(small_gram_agent_dir), device="cpu")
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for prm in other.model.parameters():
            prm.add_(0.05 * torch.randn(prm.shape, generator=gen))
    b = tmp_path / "run_b"
    other.save(str(b / "ckpt"))
    return a, b


def test_turn_order_interleaves_the_stacked_shares():
    from gram_agent.ensemble import turn_order

    assert turn_order([3, 2]) == [0, 3, 1, 4, 2]
    assert turn_order([2, 2, 1]) == [0, 2, 4, 1, 3]
    assert turn_order([1, 1, 0]) == [0, 1]
    assert sorted(turn_order([7, 7, 6])) == list(range(20))


def test_shares_are_as_even_as_possible():
    assert sample_shares(20, 2) == [10, 10]
    assert sample_shares(20, 3) == [7, 7, 6]
    assert sample_shares(2, 3) == [1, 1, 0]
    with pytest.raises(ValueError, match="at least one member"):
        sample_shares(20, 0)
    with pytest.raises(ValueError, match="samples must be >= 1"):
        sample_shares(0, 2)


def test_rollout_stacks_each_members_own_draw(two_runs):
    a, b = two_runs
    ens = Ensemble.load([str(a / "ckpt"), str(b / "ckpt")], device="cpu")
    inputs = ens.env.unwrapped.dataset("test").instance_inputs[:3]
    roll = ens.rollout(inputs, samples=5, seed=11)
    assert roll["tokens"].shape[:2] == (3, 5) and roll["value"].shape == (3, 5)
    first = ens.members[0].rollout(inputs, samples=3, seed=11)
    second = ens.members[1].rollout(inputs, samples=2, seed=11 + MEMBER_SEED_STRIDE)
    # the members take turns: samples 0, 2, 4 are member 0's, samples 1, 3 member 1's
    assert torch.equal(roll["tokens"][:, [0, 2, 4]], first["tokens"])
    assert torch.equal(roll["tokens"][:, [1, 3]], second["tokens"])
    assert torch.equal(roll["q_halt"][:, [1, 3]], second["q_halt"])
    assert torch.equal(roll["value"][:, [0, 2, 4]], first["value"])
    # the perturbed member is another sampler: its draw differs from member 0's under the same seed
    assert not torch.equal(ens.members[1].rollout(inputs, samples=3, seed=11)["tokens"], first["tokens"])


def test_evaluate_scores_the_pooled_samples(two_runs):
    a, b = two_runs
    ens = Ensemble.load([str(a / "ckpt"), str(b / "ckpt")], device="cpu")
    u = ens.env.unwrapped
    ds = u.dataset("test")
    got = ens.evaluate(samples=4, instances=3, seed=5)
    roll = ens.rollout(ds.instance_inputs[:3], samples=4, seed=5)
    want = u.evaluate(ds.instance_ids[:3], u.detokenize(roll["tokens"].cpu().numpy()))["metrics"]
    assert got["coverage"] == pytest.approx(want["coverage"])
    assert got["accuracy"] == pytest.approx(want["accuracy"])
    obs, _ = ens.env.reset(seed=0)
    assert ens.solve(obs, samples=4, seed=5).shape == obs.shape  # the vote among both members' samples
    assert ens.solve(np.stack([obs, obs]), samples=4, select="all", seed=5).shape == (2, 4, *obs.shape)


def test_members_of_another_task_or_too_few_are_refused(two_runs):
    a, _ = two_runs
    agent = Agent.load(str(a / "ckpt"), device="cpu")
    with pytest.raises(ValueError, match="at least 2 member agents"):
        Ensemble([agent])
    other = copy.copy(agent)
    other.spec = copy.deepcopy(agent.spec)
    other.spec.env_kwargs = {"n": 10}
    with pytest.raises(ValueError, match="member 1's task spec .* differs from member 0's"):
        Ensemble([agent, other])
    with pytest.raises(TypeError, match="list of checkpoint folders"):
        Ensemble.load(str(a / "ckpt"))
    with pytest.raises(TypeError, match="must be Agent instances"):
        Ensemble([agent, "not an agent"])
    with pytest.raises(NotImplementedError, match="stored as its members' checkpoints"):
        Ensemble([agent, agent]).save(str(a / "nowhere"))


def test_sampling_seeds_draws_an_ensemble_on_training_inputs(two_runs, tmp_path):
    a, b = two_runs
    out = tmp_path / "ens.json"
    assert sampling_seeds.main([str(a), f"{a}+{b}", "--seeds", "3", "--samples", "4", "--instances", "5",
                                "--split", "train", "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    single, pooled = data["runs"]
    assert data["split"] == "train" and pooled["split"] == "train" and pooled["instances"] == 5
    assert data["device"] == (torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu")
    assert [m["run"] for m in pooled["members"]] == [str(a), str(b)]
    assert [s["sampling"] for s in pooled["samplings"]] == ["temperature 1.0"]
    ens = Ensemble.load([str(a / "ckpt"), str(b / "ckpt")], device="cpu")
    ds = ens.env.unwrapped.dataset("train")
    roll = ens.rollout(ds.instance_inputs[:5], samples=4, seed=3)
    want = analyse(ens.env, ds.instance_ids[:5], ens.env.unwrapped.detokenize(roll["tokens"].cpu().numpy()))
    assert pooled["samplings"][0]["draws"][0]["coverage"] == pytest.approx(want["coverage"])
    assert "members" not in single and single["split"] == "train"


def test_sampling_seeds_names_a_bad_ensemble_before_any_draw(two_runs, tmp_path, capsys):
    a, _ = two_runs
    out = tmp_path / "x.json"
    with pytest.raises(SystemExit):
        sampling_seeds.main([f"{a}+", "--seeds", "1", "--out", str(out)])
    assert "no empty part" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        sampling_seeds.main([f"{a}+{tmp_path / 'missing'}", "--seeds", "1", "--out", str(out)])
    assert "missing holds no ckpt/config.json" in capsys.readouterr().err
    assert not out.exists()


def test_average_weights_is_the_members_mean_and_refuses_other_shapes(two_runs):
    from gram_agent.ensemble import average_weights

    a, b = two_runs
    first, second = Agent.load(str(a / "ckpt"), device="cpu"), Agent.load(str(b / "ckpt"), device="cpu")
    mean = average_weights([first, second])
    for k, v in mean.model.state_dict().items():
        want = (first.model.state_dict()[k].float() + second.model.state_dict()[k].float()) / 2
        assert torch.allclose(v.float(), want), k
    assert mean.meta["averaged_from"] == [first.meta, second.meta]
    assert mean.model is not first.model  # the members keep their weights
    inputs = mean.env.unwrapped.dataset("test").instance_inputs[:2]
    assert mean.rollout(inputs, samples=2, seed=1)["tokens"].shape[:2] == (2, 2)
    other = copy.copy(second)
    other.model = copy.deepcopy(second.model)
    with torch.no_grad():
        other.model.z0.data = torch.zeros(1, *other.model.z0.shape)  # one more leading dimension
    with pytest.raises(ValueError, match="member 1's z0 has shape"):
        average_weights([first, other])
    deeper = copy.copy(second)
    deeper.config = second.config.replace(n_sup=second.config.n_sup + 1)
    with pytest.raises(ValueError, match=r"member 1's config differs from member 0's in \['n_sup'\]"):
        average_weights([first, deeper])


def test_average_checkpoints_script_writes_a_loadable_bf16_average(two_runs, tmp_path, capsys):
    from experiments import average_checkpoints

    a, b = two_runs
    out = tmp_path / "averaged" / "pair"
    assert average_checkpoints.main([str(a), str(b), "--out", str(out)]) == 0
    back = Agent.load(str(out / "ckpt"), device="cpu")
    first, second = Agent.load(str(a / "ckpt"), device="cpu"), Agent.load(str(b / "ckpt"), device="cpu")
    w = next(iter(back.model.state_dict()))
    want = ((first.model.state_dict()[w].float() + second.model.state_dict()[w].float()) / 2).bfloat16().float()
    assert torch.equal(back.model.state_dict()[w].float(), want)
    meta = json.loads((out / "averaged.json").read_text())
    assert [m["run"] for m in meta["members"]] == [str(a), str(b)] and "commit" in meta
    with pytest.raises(SystemExit):
        average_checkpoints.main([str(a), str(b), "--out", str(out)])
    assert "exists" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        average_checkpoints.main([str(a), "--out", str(tmp_path / "x")])
    assert "at least 2 run folders" in capsys.readouterr().err
