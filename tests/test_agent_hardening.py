"""Agent hardening (issue 24): nothing is unpickled, damaged or foreign checkpoints are refused with
the file and field named, checkpoint swaps survive a kill at any point, time budgets cover the final
evaluation, signals checkpoint, and bad inputs to the agent raise ValueErrors naming what was expected."""

from __future__ import annotations

import importlib
import json
import os
import pickle
import re
import shutil
import signal
import struct
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
gym = pytest.importorskip("gymnasium")

import gram_envs  # noqa: E402,F401
from gram_agent import Agent, preset, train  # noqa: E402
from gram_agent import checkpoint as C  # noqa: E402
from gram_agent import infer as I  # noqa: E402
from gram_agent.data import TaskSpec, task_spec  # noqa: E402
from gram_agent.model.core import RecursiveModel  # noqa: E402

T = importlib.import_module("gram_agent.train")  # the module (gram_agent.train is also the function)

torch.set_num_threads(1)
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def tiny(**kw):
    base = dict(d_model=32, n_heads=2, guidance_hidden=32, T=2, K=2, n_sup=3, batch_size=8, log_every=2,
                eval_samples=4, eval_instances=8, lr=3e-3, lr_warmup_steps=5, checkpoint_every_s=1e9)
    base.update(kw)
    return preset("tiny", **base)


def env4():
    return gym.make("GRAM/NQueens-v0", n=4)


def make_agent(kind: str = "gram", n: int = 4, **kw) -> Agent:
    """An untrained agent (random weights): enough for loading and input checks."""
    env = gym.make("GRAM/NQueens-v0", n=n)
    spec = task_spec(env, env.unwrapped.dataset("train"))
    cfg = tiny(model=kind, **kw)
    torch.manual_seed(0)
    return Agent(RecursiveModel(cfg, spec.vocab_size, spec.seq_len, spec.n_answer), spec, cfg, env=env)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A saved GRAM agent folder (with its checksum), copied fresh by each test that damages it."""
    path = str(tmp_path_factory.mktemp("agent") / "gram")
    make_agent().save(path)
    return path


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A checkpoint folder of a 4-step run (``last/`` resumable)."""
    root = str(tmp_path_factory.mktemp("run") / "ckpt")
    train(env4(), tiny(max_steps=4), device="cpu", progress=False, eval_at_end=False, checkpoint_dir=root)
    return root


def copy_of(src: str, dst) -> str:
    dst = str(dst)
    shutil.copytree(src, dst)
    return dst


def edit_json(path: str, fn) -> None:
    with open(path) as f:
        d = json.load(f)
    fn(d)
    with open(path, "w") as f:
        json.dump(d, f)


def drop_checksums(folder: str) -> None:
    edit_json(os.path.join(folder, "task.json"), lambda d: d.pop("checksums", None))


# ---------------------------------------------------------------------- 1. no unpickling
class _Payload:
    """Unpickling this runs ``open(marker, "w")``: the code execution a checkpoint must never get."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _plant_pickle(folder: str, marker: str) -> None:
    """Turn a checkpoint folder into the old layout with a malicious state.pt."""
    for name in ("state.json", "state.safetensors", "state.pt"):
        if os.path.exists(os.path.join(folder, name)):
            os.remove(os.path.join(folder, name))
    drop_checksums(folder)
    with open(os.path.join(folder, "state.pt"), "wb") as f:
        pickle.dump({"opt": _Payload(marker)}, f)


def test_crafted_state_pickle_is_refused_without_running_code(run_dir, tmp_path):
    root = copy_of(run_dir, tmp_path / "ckpt")
    marker = str(tmp_path / "pwned")
    _plant_pickle(os.path.join(root, "last"), marker)
    with pytest.raises(ValueError, match="state.pt: refused"):
        train(env4(), tiny(max_steps=6), device="cpu", progress=False, eval_at_end=False, checkpoint_dir=root)
    with pytest.raises(ValueError, match="refused"):
        C.pack_parts(os.path.join(root, "last"), str(tmp_path / "parts"))
    assert not os.path.exists(marker)


def test_resume_state_is_json_and_safetensors_and_an_old_state_pt_still_loads(run_dir, tmp_path):
    last = os.path.join(run_dir, "last")
    assert sorted(os.listdir(last)) == sorted(["config.json", "task.json", "weights.safetensors", *C.STATE_FILES])
    state = C.read_state(last)
    assert state["counters"]["step"] == 4 and set(state["carry"]) == set(T.CARRY)
    # a real state written the old way (torch.save) loads through the weights-only loader
    root = copy_of(run_dir, tmp_path / "old")
    old = os.path.join(root, "last")
    for name in C.STATE_FILES:
        os.remove(os.path.join(old, name))
    drop_checksums(old)
    torch.save(state, os.path.join(old, "state.pt"))
    agent = train(env4(), tiny(max_steps=6), device="cpu", progress=False, eval_at_end=False, checkpoint_dir=root)
    assert agent.meta["train"]["steps_this_run"] == 2


def test_no_source_file_unpickles():
    """No project code calls pickle loaders or torch.load outside the weights-only mode."""
    bad = re.compile(r"weights_only\s*=\s*False|pickle\.loads?\(|allow_pickle\s*=\s*True|import dill|cloudpickle\.load")
    hits = []
    for top in ("gram_agent", "gram_envs", "solvers", "scripts", "benchmarks"):
        for dirpath, _, files in os.walk(os.path.join(REPO, top)):
            for name in files:
                if name.endswith(".py"):
                    with open(os.path.join(dirpath, name), encoding="utf-8") as f:
                        hits += [f"{name}:{i}" for i, line in enumerate(f, 1) if bad.search(line)]
    assert hits == []


# ---------------------------------------------------------------------- 5. checked checkpoints
def test_agent_round_trip_records_and_verifies_a_checksum(saved):
    with open(os.path.join(saved, "task.json")) as f:
        task = json.load(f)
    assert set(task["checksums"]) == {"weights.safetensors"}
    back = Agent.load(saved, device="cpu")
    for k, v in make_agent().model.state_dict().items():
        assert torch.equal(v, back.model.state_dict()[k]), k


@FAST
@given(offset=st.floats(0.0, 1.0, exclude_max=True), xor=st.integers(1, 255))
def test_any_changed_byte_of_the_weights_is_refused(saved, tmp_path_factory, offset, xor):
    folder = copy_of(saved, tmp_path_factory.mktemp("flip") / "a")
    path = os.path.join(folder, "weights.safetensors")
    data = bytearray(Path(path).read_bytes())
    data[int(offset * len(data))] ^= xor
    Path(path).write_bytes(bytes(data))
    with pytest.raises(ValueError, match=re.escape(path)):
        Agent.load(folder, device="cpu")


def _rewrite_header(path: str, fn) -> None:
    """Edit a safetensors header (JSON after an 8-byte length) in place, keeping the data bytes."""
    data = Path(path).read_bytes()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    fn(header)
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    Path(path).write_bytes(struct.pack("<Q", len(raw)) + raw + data[8 + n:])


def test_bf16_weights_relabelled_as_f16_or_int16_are_refused(tmp_path):
    agent = make_agent()
    folder = str(tmp_path / "bf16")
    agent.save(folder, dtype=torch.bfloat16)
    Agent.load(folder, device="cpu")  # a bf16 export loads
    path = os.path.join(folder, "weights.safetensors")
    relabel = {"F16": lambda h: [v.update(dtype="F16") for k, v in h.items() if k != "__metadata__"],
               "I16": lambda h: h["embed.weight"].update(dtype="I16")}
    _rewrite_header(path, relabel["F16"])
    with pytest.raises(ValueError, match="sha256"):  # same bytes, other meaning: only the checksum sees it
        Agent.load(folder, device="cpu")
    agent.save(folder, dtype=torch.bfloat16)
    drop_checksums(folder)
    _rewrite_header(path, relabel["I16"])
    with pytest.raises(ValueError, match=r"embed\.weight is stored as torch\.int16"):
        Agent.load(folder, device="cpu")


@pytest.mark.parametrize("damage, message", [
    ("nan", r"guidance\.prior\.\S+ holds NaN"),
    ("extra", r"unexpected tensors \['bogus'\]"),
    ("missing", r"missing tensors \['decoder\.\S+'\]"),
    ("shape", r"embed\.weight has shape"),
    ("mixed", "mixed dtypes"),
])
def test_damaged_weights_without_a_checksum_are_refused_by_name(saved, tmp_path, damage, message):
    from safetensors.torch import load_file, save_file

    folder = copy_of(saved, tmp_path / "a")
    drop_checksums(folder)  # an older checkpoint: the structural checks alone
    path = os.path.join(folder, "weights.safetensors")
    sd = load_file(path)
    if damage == "nan":
        k = next(k for k in sd if k.startswith("guidance.prior"))
        sd[k] = sd[k].clone()
        sd[k].view(-1)[0] = float("nan")
    elif damage == "extra":
        sd["bogus"] = torch.zeros(2)
    elif damage == "missing":
        del sd[next(k for k in sd if k.startswith("decoder."))]
    elif damage == "shape":
        sd["embed.weight"] = torch.zeros(sd["embed.weight"].shape[0] + 1, sd["embed.weight"].shape[1])
    elif damage == "mixed":
        sd["embed.weight"] = sd["embed.weight"].to(torch.bfloat16)
    save_file(sd, path)
    with pytest.raises(ValueError, match=message) as err:
        Agent.load(folder, device="cpu")
    assert path in str(err.value)


def test_a_gram_checkpoint_relabelled_trm_is_refused(saved, tmp_path):
    for checksum in (True, False):
        folder = copy_of(saved, tmp_path / f"trm{checksum}")
        if not checksum:
            drop_checksums(folder)
        edit_json(os.path.join(folder, "config.json"), lambda d: d.update(model="trm"))
        with pytest.raises(ValueError, match=r"unexpected tensors \['guidance\..*model='trm'"):
            Agent.load(folder, device="cpu")


@pytest.mark.parametrize("edit, message", [
    (lambda s: s.update(answer_tokens=[1, 3]), r"spec\.answer_tokens must lie in \[0, 3\)"),
    (lambda s: s.update(out_positions=[0, 16]), r"spec\.out_positions must lie in \[0, 16\)"),
    (lambda s: s.update(vocab_size="3"), r"spec\.vocab_size must be an integer"),
    (lambda s: s.update(canonical_labels="yes"), r"spec\.canonical_labels"),
    (lambda s: s.update(surprise=1), r"unknown \['surprise'\]"),
    (lambda s: s.update(env_kwargs={"n": 4, "data_path": "/etc"}), r"names a file location"),
    (lambda s: s.update(env_kwargs={"n": 4, "split": "../../x"}), r"names a file location"),
])
def test_bad_task_json_fields_are_named(saved, tmp_path, edit, message):
    folder = copy_of(saved, tmp_path / "a")
    edit_json(os.path.join(folder, "task.json"), lambda d: edit(d["spec"]))
    with pytest.raises(ValueError, match=message) as err:
        Agent.load(folder, device="cpu")
    assert "task.json" in str(err.value)


def test_task_json_cannot_make_gymnasium_import_a_module(saved, tmp_path, monkeypatch):
    """``env_id="module:Id"`` would make gym.make import ``module``; the id is refused first."""
    mod = tmp_path / "evil_gram_mod.py"
    marker = tmp_path / "imported"
    mod.write_text(f"open({str(marker)!r}, 'w').close()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    folder = copy_of(saved, tmp_path / "a")
    edit_json(os.path.join(folder, "task.json"), lambda d: d["spec"].update(env_id="evil_gram_mod:GRAM/NQueens-8"))
    with pytest.raises(ValueError, match="module"):
        Agent.load(folder, device="cpu").env  # noqa: B018
    agent = Agent.load(saved, device="cpu")
    agent.spec.env_id = "evil_gram_mod:Anything-v0"  # set after loading: the env property refuses it too
    agent._env = None
    with pytest.raises(ValueError, match="not a registered"):
        agent.env  # noqa: B018
    assert not marker.exists() and "evil_gram_mod" not in sys.modules


def test_shipped_checkpoints_without_checksums_still_load():
    for kind in ("gram", "trm"):
        path = os.path.join(REPO, "gram_agent", "checkpoints", f"nqueens8_{kind}")
        if os.path.exists(path):
            assert Agent.load(path, device="cpu").config.model == kind


def test_init_from_verifies_the_checksum(saved, tmp_path):
    folder = copy_of(saved, tmp_path / "a")
    path = os.path.join(folder, "weights.safetensors")
    data = bytearray(Path(path).read_bytes())
    data[-1] ^= 1
    Path(path).write_bytes(bytes(data))
    with pytest.raises(ValueError, match="sha256"):
        train(env4(), tiny(max_steps=1, init_from=folder), device="cpu", progress=False, eval_at_end=False)


# ---------------------------------------------------------------------- 7. crash-safe swap, resume
class _Crash(Exception):
    pass


def _tiny_model() -> RecursiveModel:
    torch.manual_seed(0)
    return RecursiveModel(tiny(), 3, 16, 2)


def _write(root: str, model: RecursiveModel, step: int) -> None:
    C.write_checkpoint(root, "last", model=model, ema=None, config_json=tiny().to_json(),
                       task={"spec": {}, "meta": {"step": step}},
                       state={"counters": {"step": step}, "t": torch.full((3,), float(step))})


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kills=st.lists(st.integers(0, 40), min_size=1, max_size=4))
def test_a_kill_at_any_point_of_the_swap_leaves_the_newest_complete_checkpoint(tmp_path_factory, kills):
    """Each write is killed at its k-th file operation (rmtree may delete part of a folder first);
    afterwards find_resume returns a complete copy of the newest step whose write got that far, and
    never nothing once a write has completed."""
    root = str(tmp_path_factory.mktemp("swap"))
    model = _tiny_model()
    real = {"replace": os.replace, "rmtree": shutil.rmtree, "write": C.write_bytes}
    budget = [10**9]

    def op(kind):
        def run(*a, **kw):
            budget[0] -= 1
            if budget[0] < 0:
                if kind == "rmtree" and os.path.isdir(a[0]):  # a partial delete, then the kill
                    for name in sorted(os.listdir(a[0]))[:1]:
                        os.remove(os.path.join(a[0], name))
                raise _Crash
            return real[kind](*a, **kw)
        return run

    _write(root, model, 0)
    newest_complete = 0
    for step, k in enumerate(kills, 1):
        budget[0] = k
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(C.os, "replace", op("replace"))
            mp.setattr(C.shutil, "rmtree", op("rmtree"))
            mp.setattr(C, "write_bytes", op("write"))
            try:
                _write(root, model, step)
                newest_complete = step
            except _Crash:
                pass
        path = C.find_resume(root)
        assert path is not None
        got = C.read_state(path)["counters"]["step"]
        assert got in (newest_complete, step) and got >= newest_complete
        newest_complete = got
    _write(root, model, 99)  # a clean write afterwards leaves last/ alone
    assert C.find_resume(root) == os.path.join(root, "last")
    assert sorted(os.listdir(root)) == ["last"]


def test_resume_from_a_complete_last_tmp(run_dir, tmp_path):
    root = copy_of(run_dir, tmp_path / "ckpt")
    os.rename(os.path.join(root, "last"), os.path.join(root, "last.tmp"))  # killed between the renames
    agent = train(env4(), tiny(max_steps=6), device="cpu", progress=False, eval_at_end=False, checkpoint_dir=root)
    assert agent.meta["train"]["steps"] == 6 and agent.meta["train"]["steps_this_run"] == 2


def test_a_folder_with_content_but_nothing_resumable_is_not_silently_restarted(run_dir, tmp_path):
    root = copy_of(run_dir, tmp_path / "ckpt")
    os.remove(os.path.join(root, "last", "task.json"))  # an interrupted write, nothing else
    with pytest.raises(ValueError, match="no complete last/"):
        train(env4(), tiny(max_steps=6), device="cpu", progress=False, eval_at_end=False, checkpoint_dir=root)
    with pytest.warns(UserWarning, match="starting over"):
        agent = train(env4(), tiny(max_steps=2), device="cpu", progress=False, eval_at_end=False,
                      checkpoint_dir=root, resume=False)
    assert agent.meta["train"]["steps"] == 2


def test_a_damaged_last_is_refused_at_resume_by_name(run_dir, tmp_path):
    root = copy_of(run_dir, tmp_path / "ckpt")
    path = os.path.join(root, "last", "state.safetensors")
    data = bytearray(Path(path).read_bytes())
    data[-1] ^= 1
    Path(path).write_bytes(bytes(data))
    with pytest.raises(ValueError, match=re.escape(path) + ": sha256"):
        train(env4(), tiny(max_steps=6), device="cpu", progress=False, eval_at_end=False, checkpoint_dir=root)


def test_a_resume_under_another_config_names_the_fields_and_needs_consent(run_dir, tmp_path):
    root = copy_of(run_dir, tmp_path / "ckpt")
    other = tiny(max_steps=6, lr=1e-3, seed=3)
    with pytest.raises(ValueError, match=r"2 field\(s\): lr: saved 0\.003, now 0\.001; seed: saved 0, now 3"):
        train(env4(), other, device="cpu", progress=False, eval_at_end=False, checkpoint_dir=root)
    agent = train(env4(), other, device="cpu", progress=False, eval_at_end=False, checkpoint_dir=root,
                  resume_mismatch_ok=True)
    assert agent.meta["train"]["steps_this_run"] == 2
    # run-length fields may change freely
    assert T.config_diff(json.loads(tiny(max_steps=4).to_json()), tiny(max_steps=9, eval_samples=2)) == []


def _signal_at_step(monkeypatch, signum: int, at: int) -> None:
    real = T.Trainer.train_step

    def step(self):
        real(self)
        if self.step == at:
            os.kill(os.getpid(), signum)

    monkeypatch.setattr(T.Trainer, "train_step", step)


def test_ctrl_c_checkpoints_and_returns_the_agent(monkeypatch, tmp_path):
    before = signal.getsignal(signal.SIGINT)  # default, or SIG_IGN where pytest runs in the background
    _signal_at_step(monkeypatch, signal.SIGINT, 3)
    agent = train(env4(), tiny(max_steps=50), device="cpu", progress=False, checkpoint_dir=str(tmp_path))
    run = agent.meta["train"]
    assert run["interrupted"] == "SIGINT" and run["steps"] == 3 and run["metrics"] == {}
    assert C.read_state(C.find_resume(str(tmp_path)))["counters"]["step"] == 3
    assert signal.getsignal(signal.SIGINT) is before  # handlers restored


def test_sigterm_writes_a_checkpoint_then_reaches_the_previous_handler(monkeypatch, tmp_path):
    seen = []
    old = signal.signal(signal.SIGTERM, lambda s, f: seen.append(s))
    try:
        _signal_at_step(monkeypatch, signal.SIGTERM, 3)
        agent = train(env4(), tiny(max_steps=50), device="cpu", progress=False, checkpoint_dir=str(tmp_path))
    finally:
        signal.signal(signal.SIGTERM, old)
    assert seen == [signal.SIGTERM] and agent.meta["train"]["interrupted"] == "SIGTERM"
    assert C.read_state(C.find_resume(str(tmp_path)))["counters"]["step"] == 3


# ---------------------------------------------------------------------- 6. budgets and memory
class _FakeClock:
    """time.monotonic stand-in for the infer module: every call is one second later."""

    def __init__(self) -> None:
        self.t = 0.0

    def monotonic(self) -> float:
        self.t += 1.0
        return self.t


def test_evaluation_is_cut_to_what_fits_and_says_so(monkeypatch):
    agent = make_agent(n=5)  # 34 test inputs
    full = agent.rollout(agent.env.unwrapped.dataset("test").instance_inputs, 4, seed=1)
    monkeypatch.setattr(I, "time", _FakeClock())
    monkeypatch.setattr(I, "CPU_CHUNK_BYTES", 1)  # chunks of 8 trajectories: many deadline checks
    with pytest.warns(UserWarning, match=r"cut to \d+ of 34 inputs"):
        m = agent.evaluate("test", samples=4, seed=1, time_budget_s=40.0, progress=False)
    assert m["cut_by_time"] == 1.0 and m["instances_requested"] == 34.0 and 0 < m["instances"] < 34
    # the inputs kept have exactly the draws of an uncut rollout
    monkeypatch.setattr(I, "time", _FakeClock())
    part = agent.rollout(agent.env.unwrapped.dataset("test").instance_inputs, 4, seed=1, deadline=30.0)
    n = part["tokens"].shape[0]
    assert 0 < n < 34 and torch.equal(part["tokens"], full["tokens"][:n])
    # a deadline already past: nothing sampled, nothing scored, and it says so
    none = agent.rollout(agent.env.unwrapped.dataset("test").instance_inputs, 4, deadline=-1.0)
    assert none["tokens"].shape == (0, 4, 25) and none["value"].shape == (0, 4)
    with pytest.warns(UserWarning, match="cut to 0 of 34"):
        m = agent.evaluate("test", samples=4, time_budget_s=1e-9, progress=False)
    assert m["instances"] == 0.0 and m["cut_by_time"] == 1.0


def test_train_gives_the_final_evaluation_only_the_time_left(monkeypatch):
    seen = {}
    real = Agent.evaluate

    def spy(self, *a, **kw):
        seen.update(kw)
        return real(self, *a, **kw)

    monkeypatch.setattr(Agent, "evaluate", spy)
    # a few steps end training long before the budget, so the evaluation gets what is left of it
    # whatever the machine's load (a tight budget could leave nothing and skip it)
    train(env4(), tiny(), device="cpu", progress=False, max_steps=3, time_budget_s=60.0, reserve_s=1.0)
    assert seen["time_budget_s"] is not None and 0 < seen["time_budget_s"] <= 60.0


def test_a_cpu_run_that_will_not_fit_is_refused_before_its_first_step(monkeypatch):
    monkeypatch.setattr(T, "available_bytes", lambda: 20 * 2**20)
    steps = []
    monkeypatch.setattr(T.Trainer, "train_step", lambda self: steps.append(1))
    with pytest.raises(MemoryError, match=r"GiB are available.*(Presets that fit|No preset fits).*batch_size"):
        train(env4(), tiny(batch_size=4096, d_model=128, guidance_hidden=128), device="cpu", progress=False,
              max_steps=1)
    assert steps == []


def test_the_memory_estimate_names_presets_that_fit():
    from gram_agent import distributed as D

    tr = T.Trainer(gym.make("GRAM/NQueens-8"), preset("fast", "GRAM/NQueens-8"), torch.device("cpu"),
                   D.setup(torch.device("cpu")))
    need = T.check_cpu_memory(tr, "GRAM/NQueens-8", available=2**50)
    with pytest.raises(MemoryError, match=r"Presets that fit: .*tiny"):
        T.check_cpu_memory(tr, "GRAM/NQueens-8", available=need // 4)
    assert need > 16 * 2**30  # the default preset's batch of 768 at width 512 is far beyond a laptop


# ---------------------------------------------------------------------- 8. agent inputs, progress, results
def test_solve_refuses_bad_inputs_by_name():
    agent = make_agent(n=8)
    with pytest.raises(ValueError, match=r"shape \(8, 8\).*got \(7, 7\)"):
        agent.solve(np.zeros((7, 7), dtype=np.int8))
    with pytest.raises(ValueError, match="integers.*float64"):
        agent.solve(np.zeros((8, 8)))
    with pytest.raises(ValueError, match="samples must be an integer >= 1"):
        agent.solve(np.zeros((8, 8), dtype=np.int8), samples=0)
    with pytest.raises(ValueError, match=r"values must lie in \[0, 1\]"):
        agent.solve(np.full((8, 8), 2, dtype=np.int8))
    with pytest.raises(ValueError, match="masked"):
        agent.solve(np.ma.masked_array(np.zeros((8, 8), dtype=np.int8)))
    with pytest.raises(ValueError, match="M >= 1"):
        agent.solve(np.zeros((0, 8, 8), dtype=np.int8))
    with pytest.raises(ValueError, match=r"tokens must have shape \(M, 64\)"):
        agent.rollout(np.zeros((2, 63), dtype=np.int64), samples=2)
    assert agent.solve(np.zeros((8, 8), dtype=np.int8), samples=2).shape == (8, 8)


@settings(max_examples=40, deadline=None)
@given(shape=st.lists(st.integers(0, 5), min_size=0, max_size=4),
       dtype=st.sampled_from(["int8", "int64", "uint8", "bool", "float32", "float64", "complex64", "object"]),
       samples=st.integers(-1, 3))
def test_solve_gives_an_answer_or_a_value_error(shape, dtype, samples):
    agent = _AGENT4[0]
    obs = np.zeros(shape, dtype=dtype)
    try:
        out = agent.solve(obs, samples=samples)
    except ValueError:
        return
    assert samples >= 1 and np.asarray(out).shape[-2:] == (4, 4)


_AGENT4 = [make_agent(n=4)]


def test_cpu_rollouts_run_in_bounded_chunks_with_the_same_draws(monkeypatch):
    agent = make_agent(n=5)
    x = agent.env.unwrapped.dataset("test").instance_inputs
    whole = agent.rollout(x, 6, seed=3)
    sizes = []
    real = agent.model.infer_step

    def spy(h, *a, **kw):
        sizes.append(h.shape[0])
        return real(h, *a, **kw)

    monkeypatch.setattr(agent.model, "infer_step", spy)
    monkeypatch.setattr(I, "CPU_CHUNK_BYTES", 1)
    chunked = agent.rollout(x, 6, seed=3)
    assert max(sizes) == agent.cpu_chunk() == 8 and sum(sizes) == len(x) * 6 * agent.config.n_sup
    for k in ("tokens", "q_halt", "value"):
        assert torch.allclose(whole[k].float(), chunked[k].float(), atol=1e-5), k


def test_evaluation_shows_a_bar_with_an_eta_unless_asked_not_to(capsys):
    agent = make_agent(n=4)
    agent.evaluate("test", samples=2, progress=True)
    err = capsys.readouterr().err
    assert "sampling 4 inputs x 2" in err and "<" in err
    agent.evaluate("test", samples=2, progress=False)
    assert capsys.readouterr().err == ""


def test_a_time_budgeted_training_bar_has_a_total(capsys):
    train(env4(), tiny(), device="cpu", progress=True, eval_at_end=False, time_budget_s=2.0, reserve_s=0.5)
    err = capsys.readouterr().err
    assert re.search(r"/2 s \[", err), err[-500:]


def test_write_results_writes_strict_json(tmp_path):
    agent = train(env4(), tiny(max_steps=2), device="cpu", progress=False)
    path = str(tmp_path / "out" / "results.json")
    T.write_results(agent, path, extra={"note": "x"})
    with open(path) as f:
        data = json.loads(f.read(), parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))
    assert data["steps"] == 2 and data["env_id"] == "GRAM/NQueens-v0" and data["note"] == "x"
    assert data["metrics"]["accuracy"] == agent.meta["train"]["metrics"]["accuracy"]
    assert data["config"]["model"] == "gram"
    with pytest.raises(ValueError, match="train"):
        T.write_results(make_agent(), path)


def test_taskspec_round_trip_and_refusals():
    spec = TaskSpec("GRAM/NQueens-8", {"n": 8}, 3, 64, [1, 2], list(range(64)))
    assert TaskSpec.from_dict(spec.to_dict()) == spec
    with pytest.raises(ValueError, match="module"):
        TaskSpec.from_dict({**spec.to_dict(), "env_id": "os:system"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        TaskSpec.from_dict({k: v for k, v in spec.to_dict().items() if k != "canonical_labels"})
