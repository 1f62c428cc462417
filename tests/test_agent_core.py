# ruff: noqa: E741  (l is the paper's low-level latent)
"""Core GRAM/TRM mechanics: KL, gradient truncation, stochasticity, selection, config."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from gram_agent.config import GRAMConfig, preset  # noqa: E402
from gram_agent.infer import Agent  # noqa: E402
from gram_agent.model.core import RecursiveModel  # noqa: E402
from gram_agent.model.guidance import balanced_kl, gaussian_kl, reduce_kl  # noqa: E402

torch.set_num_threads(1)


def small_cfg(**kw) -> GRAMConfig:
    base = dict(d_model=32, n_heads=2, guidance_hidden=32, T=3, K=2, n_sup=3, batch_size=8, compile=False)
    base.update(kw)
    return preset("tiny", **base)


def batch(model: RecursiveModel, b: int = 4, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    L, cfg = model.seq_len, model.cfg
    x = torch.randint(1, model.vocab_size, (b, L), generator=g)
    y_cls = torch.randint(0, model.n_answer, (b, L), generator=g)
    y_tok = y_cls + 1
    h, l = model.initial_state(b)
    noise = torch.randn(cfg.T + 1, b, model.total_len, cfg.d_model, generator=g)
    return h, l, x, y_cls, y_tok, None, noise


def test_kl_zero_when_posterior_equals_prior():
    m, s = torch.randn(5, 7), torch.rand(5, 7) + 0.1
    assert torch.allclose(gaussian_kl(m, s, m, s), torch.zeros(5, 7), atol=1e-6)
    assert torch.allclose(balanced_kl(m, s, m, s, 0.8), torch.zeros(5, 7), atol=1e-6)
    assert gaussian_kl(m, s, m + 1, s).min() > 0
    # at init the posterior and prior heads coincide (zero-init outputs): the model's KL is exactly 0
    model = RecursiveModel(small_cfg(), vocab_size=3, seq_len=9, n_answer=2)
    _, stats, *_ = model(*batch(model))
    assert stats[2].item() == pytest.approx(0.0, abs=1e-6)


def test_balanced_kl_gradients_split_by_alpha():
    mq = torch.zeros(3, requires_grad=True)
    mp = torch.ones(3, requires_grad=True)
    s = torch.ones(3)
    balanced_kl(mq, s, mp, s, 0.8).sum().backward()
    # d/dmp of 0.8*(mq-mp)^2/2 = 0.8*(mp-mq); d/dmq of 0.2*(mq-mp)^2/2 = 0.2*(mq-mp)
    assert torch.allclose(mp.grad, torch.full((3,), 0.8))
    assert torch.allclose(mq.grad, torch.full((3,), -0.2))


def test_elbo_kl_reduction_is_the_paper_objective_per_answer_token():
    """CE (token mean) + beta * KL("elbo") equals the paper's summed objective divided by each
    sample's answer-token count; "sum" prices each nat L times higher, "token_mean" averages positions."""
    g = torch.Generator().manual_seed(0)
    kl_el = torch.rand(4, 10, 6, generator=g)  # (B, Lt, D)
    nll = torch.rand(4, 8, generator=g)  # (B, L) per-token reconstruction loss
    mask = torch.rand(4, 8, generator=g) < 0.7
    mask[:, 0] = True
    ntok = mask.sum(-1)
    beta = 0.07
    ours = ((nll * mask).sum(-1) / ntok).mean() + beta * reduce_kl(kl_el, mask, "elbo")
    paper = (((nll * mask).sum(-1) + beta * kl_el.sum((1, 2))) / ntok).mean()
    assert torch.allclose(ours, paper)
    assert torch.allclose(reduce_kl(kl_el, mask, "sum"), kl_el.sum((1, 2)).mean())
    assert torch.allclose(reduce_kl(kl_el, mask, "token_mean"), kl_el.sum(-1).mean())
    assert torch.allclose(reduce_kl(kl_el, mask, "mean"), kl_el.mean())
    # free bits floor each position's KL (summed over D) before the reduction
    floored = reduce_kl(torch.zeros(2, 3, 4), torch.ones(2, 5, dtype=torch.bool), "elbo", free_bits=0.5)
    assert floored.item() == pytest.approx(3 * 0.5 / 5)


@pytest.mark.parametrize("kind", ["gram", "trm"])
def test_gradients_reach_only_the_final_transition(kind):
    cfg = small_cfg(model=kind, T=3, K=2)
    model = RecursiveModel(cfg, vocab_size=3, seq_len=9, n_answer=2)
    calls: list[bool] = []
    got_grad: list[int] = []

    def hook(_mod, _inp, out):
        idx = len(calls)
        calls.append(out.requires_grad)
        if out.requires_grad:
            out.register_hook(lambda g: got_grad.append(idx))

    model.f_L.register_forward_hook(hook)  # f_H is f_L (shared weights): every core call lands here
    h, l, *rest = batch(model)
    loss, *_ = model(h, l, *rest)
    loss.backward()
    per_transition = cfg.K + 1
    assert len(calls) == cfg.T * per_transition
    # the first T-1 transitions ran without autograd; the last one carries gradients in every call
    assert calls == [False] * ((cfg.T - 1) * per_transition) + [True] * per_transition
    assert sorted(got_grad) == list(range((cfg.T - 1) * per_transition, cfg.T * per_transition))
    assert h.grad is None and l.grad is None  # the carried state is detached


def test_state_is_detached_between_supervision_steps():
    model = RecursiveModel(small_cfg(), vocab_size=3, seq_len=9, n_answer=2)
    _, _, h2, l2, *_ = model(*batch(model))
    assert not h2.requires_grad and not l2.requires_grad


class _FakeSpec:
    pass


def make_agent(kind: str, **kw) -> Agent:
    from gram_agent.data import TaskSpec

    cfg = small_cfg(model=kind, **kw)
    torch.manual_seed(0)
    model = RecursiveModel(cfg, vocab_size=3, seq_len=9, n_answer=2)
    spec = TaskSpec(None, {}, 3, 9, [1, 2], list(range(9)))
    return Agent(model, spec, cfg)


def test_trm_samples_identical_gram_samples_differ():
    x = np.ones((3, 9), dtype=np.int64)
    trm = make_agent("trm").rollout(x, samples=6)["tokens"]
    assert (trm == trm[:, :1]).all()
    gram = make_agent("gram", sigma_init=1.0).rollout(x, samples=6)["tokens"]
    assert not (gram == gram[:, :1]).all()
    # PTRM: test-time latent noise makes a deterministic model's samples differ too
    ptrm = make_agent("trm").rollout(x, samples=6, ptrm_sigma=3.0)["tokens"]
    assert not (ptrm == ptrm[:, :1]).all()


def test_rollout_depth_can_exceed_training_horizon_and_is_seeded():
    a = make_agent("gram", sigma_init=1.0)
    x = np.ones((2, 9), dtype=np.int64)
    r1 = a.rollout(x, samples=3, steps=a.config.n_sup * 3, seed=5)["tokens"]
    r2 = a.rollout(x, samples=3, steps=a.config.n_sup * 3, seed=5)["tokens"]
    assert torch.equal(r1, r2)


@pytest.mark.parametrize("kind", ["gram", "trm"])
def test_compiled_sampling_step_draws_what_the_eager_one_does(kind):
    """``Agent.compile`` changes how the step runs, not what it draws (traced by dynamo; the eager
    backend keeps the arithmetic, so the tokens match exactly)."""
    a = make_agent(kind, sigma_init=1.0)
    x = np.ones((3, 9), dtype=np.int64)
    eager = a.rollout(x, samples=4, seed=2, ptrm_sigma=0.5 if kind == "trm" else 0.0)
    a.compile(backend="eager")
    compiled = a.rollout(x, samples=4, seed=2, ptrm_sigma=0.5 if kind == "trm" else 0.0)
    assert a.compiled and a.compile_failure is None
    for key in ("tokens", "q_halt", "value"):
        assert torch.equal(eager[key], compiled[key]), key


def test_a_step_that_fails_to_compile_samples_eagerly_and_says_why():
    a = make_agent("gram", sigma_init=1.0)
    x = np.ones((2, 9), dtype=np.int64)
    eager = a.rollout(x, samples=3, seed=1)["tokens"]

    from torch._dynamo.exc import BackendCompilerFailed

    def broken(*args):  # a backend failure as torch.compile raises it (its message ends in the cause)
        e = BackendCompilerFailed.__new__(BackendCompilerFailed)
        Exception.__init__(e, "backend='inductor' raised:\nRuntimeError: no kernel for this shape")
        raise e

    a.compile(backend="eager")
    a._step = broken
    with pytest.warns(UserWarning, match="could not compile the sampling step"):
        fallback = a.rollout(x, samples=3, seed=1)["tokens"]
    assert torch.equal(eager, fallback) and not a.compiled
    assert a.compile_failure == "RuntimeError: no kernel for this shape"


def test_select_vote_lprm_halt():
    toks = torch.tensor([[[1, 2], [2, 2], [2, 2], [1, 1]]])
    roll = {"tokens": toks, "value": torch.tensor([[0.1, 0.2, 0.3, 0.9]]), "q_halt": torch.tensor([[5.0, 0, 0, 0]])}
    assert Agent.select(roll, "vote").tolist() == [[2, 2]]
    assert Agent.select(roll, "lprm").tolist() == [[1, 1]]
    assert Agent.select(roll, "halt").tolist() == [[1, 2]]
    assert Agent.select(roll, "all").shape == (1, 4, 2)


def test_config_flags_and_json_round_trip():
    cfg = preset("paper", "GRAM/NQueens-8")
    assert cfg.beta == 0.07 and cfg.d_model == 512 and cfg.K == 4 and cfg.n_sup == 16
    assert preset("paper", "GRAM/Sudoku-Extreme").K == 6
    # the paper preset keeps the paper's objective; the short presets score GRAM against the nearest
    # completion under the ELBO reading, and TRM keeps its own label target
    assert (cfg.target, cfg.kl_reduce) == ("label", "elbo")
    for name in ("fast", "small"):
        assert (preset(name, "GRAM/NQueens-8").target, preset(name, "GRAM/NQueens-8").kl_reduce) == ("nearest", "elbo")
        assert preset(name, "GRAM/NQueens-8", model="trm").target == "label"
    assert GRAMConfig.from_dict({k: v for k, v in cfg.to_dict().items() if k != "target"}).target == "label"
    assert cfg.set("sigma_param=sigmoid").sigma_param == "sigmoid"
    assert cfg.set("kl_balance=0.5").kl_balance == 0.5
    assert cfg.set("train_halting=false").train_halting is False
    assert cfg.set("target_permutations=False").target_permutations is False
    with pytest.raises(ValueError, match="true/false"):
        cfg.set("train_halting=flase")  # a typo is refused, not read as False
    assert GRAMConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError):
        GRAMConfig(sigma_param="nope")
    assert cfg.set('dataset_kwargs={"num_variants": 8}').dataset_kwargs == {"num_variants": 8}
    # options checked together are set together, in either order; a repeated name takes its last value
    for pair in [("match_group=8", "match_draw=spread"), ("match_draw=spread", "match_group=8")]:
        got = cfg.set("target=matched", *pair)
        assert (got.match_group, got.match_draw) == (8, "spread")
    assert cfg.set("beta=0.1", "beta=0.2").beta == 0.2
    with pytest.raises(ValueError, match="JSON object"):
        cfg.set("dataset_kwargs=num_variants=8")
    with pytest.raises(ValueError, match="dataset_kwargs must be a JSON object"):
        GRAMConfig(dataset_kwargs="x")


@pytest.mark.parametrize("mode", ["zero_mean", "zero_var"])
def test_guidance_ablations_run(mode):
    model = RecursiveModel(small_cfg(guidance_mode=mode, mixer="mlp", decoder="swiglu", share_weights=False,
                                     posterior_input="concat", puzzle_emb_len=2), 3, 9, 2)
    loss, stats, *_ = model(*batch(model))
    loss.backward()
    assert torch.isfinite(loss)


def test_canonical_classes_match_the_solver_canonical_form():
    """Aux targets for colourings compare canonical forms, exactly as the env's solution sets do."""
    import numpy as np

    from gram_agent.model.core import canonical_classes
    from solvers.coloring import canonicalize

    rng = np.random.default_rng(0)
    prefix, n, k = 5, 10, 3
    colours = rng.integers(0, k, (200, n))
    pred = np.concatenate([rng.integers(0, k, (200, prefix)), colours], axis=1)
    mask = np.zeros(pred.shape, dtype=bool)
    mask[:, prefix:] = True
    got = canonical_classes(torch.as_tensor(pred), torch.as_tensor(mask), k).numpy()
    assert np.array_equal(got[:, prefix:], canonicalize(colours))
    assert np.array_equal(got[:, :prefix], pred[:, :prefix])  # unmasked positions untouched
    perm = rng.permutation(k)
    permuted = canonical_classes(torch.as_tensor(np.where(mask, perm[pred], pred)), torch.as_tensor(mask), k)
    assert np.array_equal(permuted.numpy()[:, prefix:], got[:, prefix:])


def test_colouring_task_spec_declares_label_symmetry():
    import gymnasium as gym

    import gram_envs  # noqa: F401  (registers the ids)
    from gram_agent.data import task_spec

    env = gym.make("GRAM/GraphColoring-v0", n=5, num_train=20, num_test=5)
    assert task_spec(env, env.unwrapped.dataset("train")).canonical_labels
    nq = gym.make("GRAM/NQueens-v0", n=5)
    assert not task_spec(nq, nq.unwrapped.dataset("train")).canonical_labels


def test_nearest_answer_returns_the_closest_valid_answer_as_target():
    """``target="nearest"`` trains on the stored solution the prediction is closest to; don't-care
    cells take the label's class, unsupervised cells stay -100, permutations count for symmetric labels."""
    model = RecursiveModel(small_cfg(target="nearest"), vocab_size=5, seq_len=4, n_answer=3)
    label = torch.tensor([[0, 1, 2, -100]])
    other = torch.tensor([[2, 2, 1, 0]])
    sols = torch.stack([label.clamp(min=-2), other, torch.full_like(label, -2)], dim=1).to(torch.int8)
    logits = torch.nn.functional.one_hot(other, 3).float() * 20.0
    assert model.nearest_answer(logits, label, sols).tolist() == [[2, 2, 1, -100]]
    sols_dc = sols.clone()
    sols_dc[0, 1, 1] = -1  # don't care in the nearest solution: the label's class there
    assert model.nearest_answer(logits, label, sols_dc).tolist() == [[2, 1, 1, -100]]
    near_label = torch.nn.functional.one_hot(label.clamp(min=0), 3).float() * 20.0
    assert model.nearest_answer(near_label, label, sols).tolist() == label.tolist()
    assert model.nearest_answer(logits, label, None).tolist() == label.tolist()  # no alternatives stored
    model.canonical_labels = True
    swapped = torch.tensor([[1, 0, 2, 0]])
    sw_logits = torch.nn.functional.one_hot(swapped, 3).float() * 20.0
    assert model.nearest_answer(sw_logits, label, None).tolist() == [[1, 0, 2, -100]]
    with pytest.raises(ValueError, match="target"):
        small_cfg(target="closest")


def test_nearest_answer_without_permutations_keeps_the_stored_canonical_forms():
    """``target_permutations=False``: on a label-symmetric task the target is one of the stored
    colourings as stored, never a relabelling of one, so a colour-swapped prediction is pulled to
    the stored solution nearest token by token."""
    model = RecursiveModel(small_cfg(target="nearest", target_permutations=False), vocab_size=5, seq_len=4,
                           n_answer=3)
    model.canonical_labels = True
    label = torch.tensor([[0, 1, 2, 0]])
    other = torch.tensor([[0, 1, 1, 2]])
    sols = torch.stack([label, other], dim=1).to(torch.int8)
    swapped = torch.tensor([[1, 0, 2, 1]])  # the label with classes 0 and 1 swapped
    sw_logits = torch.nn.functional.one_hot(swapped, 3).float() * 20.0
    target = model.nearest_answer(sw_logits, label, sols)
    assert target.tolist() in (label.tolist(), other.tolist())
    assert target.tolist() == label.tolist()  # 1 token agrees with the label, none with the other
    with_perms = RecursiveModel(small_cfg(target="nearest"), vocab_size=5, seq_len=4, n_answer=3)
    with_perms.canonical_labels = True
    assert with_perms.nearest_answer(sw_logits, label, sols).tolist() == swapped.tolist()


def test_matched_answer_assigns_the_groups_draws_one_to_one():
    """``target="matched"``: each slot draws a stored solution (never a padding row); the group's
    draws go to its prior samples by the cheapest one-to-one assignment, so a slot can be trained
    towards a completion it is not nearest to when its group drew that completion twice."""
    model = RecursiveModel(small_cfg(target="matched", match_group=2), vocab_size=5, seq_len=4, n_answer=3)
    a, b = torch.tensor([0, 1, 2, 0]), torch.tensor([2, 2, 1, 0])
    label = torch.stack([a, a])
    sols = torch.stack([a, b, torch.full_like(a, -2)])[None].expand(2, 3, 4).to(torch.int8)
    logits = torch.nn.functional.one_hot(torch.stack([b, a]), 3).float() * 20.0  # slot 0 heads for b
    draws_a_b = torch.tensor([[0.9, 0.1, 0.99], [0.1, 0.9, 0.99]])  # the padding row's 0.99 must not count
    assert model.matched_answer(logits, label, sols, draws_a_b).tolist() == [b.tolist(), a.tolist()]
    draws_a_a = torch.tensor([[0.9, 0.1, 0.99], [0.8, 0.1, 0.99]])
    assert model.matched_answer(logits, label, sols, draws_a_a).tolist() == [a.tolist(), a.tolist()]
    assert model.matched_answer(logits, label, None, draws_a_b).tolist() == label.tolist()
    assert model.matched_answer(logits, label, sols, None).tolist() == label.tolist()
    # label-symmetric tasks: the drawn colouring in the class permutation nearest the sample
    model.canonical_labels = True
    a_swapped = torch.tensor([1, 0, 2, 1])
    sw = torch.nn.functional.one_hot(torch.stack([a_swapped, a]), 3).float() * 20.0
    assert model.matched_answer(sw, label, sols, draws_a_a).tolist() == [a_swapped.tolist(), a.tolist()]


def imle_two_completion_case():
    """A group of 2 IMLE slots on one input with completions a and b (and a padding row): both
    samples sit nearest to a, slot 1 agrees with b on one more token than slot 0, both draws are b.
    Returns (model, a, b, label, sols, own logits, draws)."""
    model = RecursiveModel(small_cfg(target="matched", match_group=2, match_draw="imle"), vocab_size=5, seq_len=4,
                           n_answer=3)
    a, b = torch.tensor([0, 1, 2, 0]), torch.tensor([2, 2, 1, 0])
    label = torch.stack([a, a])
    sols = torch.stack([a, b, torch.full_like(a, -2)])[None].expand(2, 3, 4).to(torch.int8)
    own = torch.nn.functional.one_hot(torch.stack([a, a]), 3).float() * 20.0
    own[1, 0] = torch.tensor([0.0, 0.0, 20.0])
    draws_b_b = torch.tensor([[0.1, 0.9, 0.99], [0.2, 0.9, 0.99]])
    return model, a, b, label, sols, own, draws_b_b


def test_imle_draws_pull_only_their_nearest_sample():
    """``match_draw="imle"``: a drawn completion is given to the group's sample nearest to it; a
    sample no draw claimed keeps its own nearest completion (it is never pulled to a far one)."""
    model, a, b, label, sols, slot1_nearer_b, draws_b_b = imle_two_completion_case()
    # both draws are b: they claim slot 1 (nearest to b); slot 0 is unclaimed and stays at a
    assert model.matched_answer(slot1_nearer_b, label, sols, draws_b_b).tolist() == [a.tolist(), b.tolist()]
    draws_a_a = torch.tensor([[0.9, 0.1, 0.99], [0.9, 0.2, 0.99]])
    assert model.matched_answer(slot1_nearer_b, label, sols, draws_a_a).tolist() == [a.tolist(), a.tolist()]


def test_imle_targets_against_a_brute_force():
    """Random costs, groups of 3, padded tables: each slot's target is its nearest claiming draw, or
    its own nearest completion when no draw has it as nearest sample."""
    gen = torch.Generator().manual_seed(1)
    model = RecursiveModel(small_cfg(target="matched", match_group=3, batch_size=6, match_draw="imle"),
                           vocab_size=5, seq_len=5, n_answer=3)
    for _ in range(20):
        b, n_sol, length = 6, 4, 5
        sols = torch.randint(0, 3, (b // 3, n_sol, length), generator=gen).repeat_interleave(3, 0)
        sols[:, 3] = -2
        label = sols[:, 0].long()
        logits = torch.randn(b, length, 3, generator=gen) * 3
        u = torch.rand(b, n_sol, generator=gen)
        got = model.matched_answer(logits, label, sols.to(torch.int8), u)
        _, per = model._answer_candidates(logits, label, sols.to(torch.int8))
        cost = per[:, 1:]
        draw = torch.where(cost < float("inf"), u, -1.0).argmax(-1)
        for g in range(b // 3):
            idx = list(range(3 * g, 3 * g + 3))
            claims = {i: [] for i in idx}
            for j in idx:
                claims[min(idx, key=lambda i: cost[i, draw[j]].item())].append(int(draw[j]))
            for i in idx:
                want = min(claims[i], key=lambda d: cost[i, d].item()) if claims[i] else int(cost[i].argmin())
                nll = -torch.log_softmax(logits[i], -1).gather(-1, got[i][:, None]).squeeze(-1).mean()
                assert nll.item() == pytest.approx(cost[i, want].item(), rel=1e-5)


def test_matched_answer_is_the_least_cost_assignment():
    """Against a brute force over every order, for random costs, groups of 3 and padded tables."""
    gen = torch.Generator().manual_seed(0)
    model = RecursiveModel(small_cfg(target="matched", match_group=3, batch_size=6), vocab_size=5, seq_len=5, n_answer=3)
    for _ in range(20):
        b, n_sol, length = 6, 4, 5
        sols = torch.randint(0, 3, (b // 3, n_sol, length), generator=gen).repeat_interleave(3, 0)
        sols[:, 3] = -2  # one padding row per table
        label = sols[:, 0].long()
        logits = torch.randn(b, length, 3, generator=gen) * 3
        u = torch.rand(b, n_sol, generator=gen)
        got = model.matched_answer(logits, label, sols.to(torch.int8), u)
        cands, per = model._answer_candidates(logits, label, sols.to(torch.int8))
        draw = torch.where(per[:, 1:] < float("inf"), u, -1.0).argmax(-1)
        for g in range(b // 3):
            idx = range(3 * g, 3 * g + 3)
            best = min(sum(per[i, 1 + draw[3 * g + j]].item() for i, j in zip(idx, order, strict=True))
                       for order in itertools.permutations(range(3)))
            nll = -torch.log_softmax(logits[list(idx)], -1).gather(-1, got[list(idx)][..., None]).squeeze(-1)
            assert nll.mean(-1).sum().item() == pytest.approx(best, rel=1e-5)
            # every slot's target is one of the group's draws, each draw used once
            assert sorted(got[i].tolist() for i in idx) == sorted(sols[3 * g + j, draw[3 * g + j]].tolist()
                                                                for j in range(3))


def test_spread_matching_pushes_a_collapsed_group_onto_distinct_completions():
    """``match_draw="spread"``: four samples all heading for completion a are split 2/2 over the
    input's two completions (cap ceil(4/2)); with one completion all four keep it; each slot's pick
    is its nearest among those still free."""
    model = RecursiveModel(small_cfg(target="matched", match_group=4, match_draw="spread"),
                           vocab_size=5, seq_len=4, n_answer=3)
    a, b = torch.tensor([0, 1, 2, 0]), torch.tensor([2, 2, 1, 0])
    label = a.expand(4, 4)
    pad = torch.full_like(a, -2)
    sols = torch.stack([a, b, pad])[None].expand(4, 3, 4).to(torch.int8)
    toward_a = torch.nn.functional.one_hot(label, 3).float() * 20.0
    assert model.matched_answer(toward_a, label, sols, None).tolist() == [a.tolist()] * 2 + [b.tolist()] * 2
    mixed = torch.nn.functional.one_hot(torch.stack([b, a, b, a]), 3).float() * 20.0
    assert model.matched_answer(mixed, label, sols, None).tolist() == [b.tolist(), a.tolist(), b.tolist(), a.tolist()]
    only_a = torch.stack([a, pad, pad])[None].expand(4, 3, 4).to(torch.int8)
    assert model.matched_answer(mixed, label, only_a, None).tolist() == [a.tolist()] * 4
    # groups larger than the uniform draw's 6 (no orders are tried): 8 slots share 2 completions 4 and 4
    big = RecursiveModel(small_cfg(target="matched", match_group=8, match_draw="spread"), vocab_size=5, seq_len=4,
                         n_answer=3)
    sols8 = torch.stack([a, b, pad])[None].expand(8, 3, 4).to(torch.int8)
    toward_a8 = torch.nn.functional.one_hot(a.expand(8, 4), 3).float() * 20.0
    assert big.matched_answer(toward_a8, a.expand(8, 4), sols8, None).tolist() == [a.tolist()] * 4 + [b.tolist()] * 4
    with pytest.raises(ValueError, match="match_draw"):
        small_cfg(target="matched", match_draw="greedy")


def test_prior_rollout_trains_the_prior_sample_without_a_posterior():
    """``train_rollout="prior"``: the CE is taken on h = u + mu_p + sigma_p * eps_T (the prior
    sample), so its gradients reach the prior head and never the posterior's, no KL is paid, and the
    posterior's noise draw does not change the loss. TRM, which has no prior, is refused by name."""
    with pytest.raises(ValueError, match="train_rollout='prior' needs model='gram'"):
        small_cfg(model="trm", train_rollout="prior")
    with pytest.raises(ValueError, match="train_rollout must be one of"):
        small_cfg(train_rollout="both")
    torch.manual_seed(0)
    model = RecursiveModel(small_cfg(train_rollout="prior", sigma_init=0.5), vocab_size=3, seq_len=9, n_answer=2)
    h, l, x, y_cls, y_tok, sols, noise = batch(model)
    loss, stats, h_out, *_ = model(h, l, x, y_cls, y_tok, sols, noise)
    assert stats[2].item() == 0.0 and stats[7].item() == stats[8].item()  # no KL; sigma_q reports sigma_p
    loss.backward()
    g = model.guidance
    assert all(p.grad is None for p in g.posterior.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in g.prior.parameters())
    # the returned state is the prior sample, rebuilt by hand from the same noise
    with torch.no_grad():
        ex, hh, ll = model.encode(x), h, l
        for t in range(model.cfg.T - 1):
            u, ll = model.latent(hh, ll, ex)
            mp, sp = g.prior_params(u)
            hh = u + mp + sp * noise[t]
        u, ll = model.latent(hh, ll, ex)
        mp, sp = g.prior_params(u)
        assert torch.allclose(h_out, u + mp + sp * noise[model.cfg.T], atol=1e-5)
        other = noise.clone()
        other[model.cfg.T - 1] = torch.randn_like(other[0])  # the posterior's draw: unused
        assert torch.allclose(model(h, l, x, y_cls, y_tok, sols, other)[0], loss)
        other[model.cfg.T] = torch.randn_like(other[0])  # the prior sample's draw: it is the trained sample
        assert not torch.allclose(model(h, l, x, y_cls, y_tok, sols, other)[0], loss)


def test_start_noise_makes_mean_path_samples_differ():
    """At temperature 0 every GRAM sample follows the prior mean from z0, so all are equal; with
    ``start_noise`` each sample starts from its own random state, and a seed repeats them. (One
    supervision step: an untrained core contracts every start onto one state within a few.)"""
    x = np.ones((2, 9), dtype=np.int64)
    flat = make_agent("gram").rollout(x, samples=6, steps=1, temperature=0.0, seed=3)["tokens"]
    assert (flat == flat[:, :1]).all()
    agent = make_agent("gram", start_noise=3.0)
    a = agent.rollout(x, samples=6, steps=1, temperature=0.0, seed=3)["tokens"]
    assert not (a == a[:, :1]).all()
    assert torch.equal(a, agent.rollout(x, samples=6, steps=1, temperature=0.0, seed=3)["tokens"])


def test_training_target_follows_the_config_target():
    """``target="matched"`` scores every row against its matched completion, ``target="nearest"``
    against the completion nearest its own prediction, whatever the row's label."""
    model, a, b, label, sols, own, draws_b_b = imle_two_completion_case()
    matched = model.matched_answer(own, label, sols, draws_b_b)
    assert matched.tolist() == [a.tolist(), b.tolist()]  # the draws pull slot 1 to b
    assert torch.equal(model.training_target(own, label, sols, draws_b_b), matched)
    nearest = RecursiveModel(small_cfg(target="nearest"), vocab_size=5, seq_len=4, n_answer=3)
    swapped_label = torch.stack([b, b])
    assert nearest.training_target(own, swapped_label, sols, None).tolist() == [a.tolist(), a.tolist()]
