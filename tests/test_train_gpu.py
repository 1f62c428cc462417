"""benchmarks.train_gpu end to end on the CPU: --env-kwargs reaches the env, the results and the
checkpoint, so the analyses rebuild the same data."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
train_gpu = pytest.importorskip("benchmarks.train_gpu")
ROOT = Path(__file__).resolve().parents[1]


def test_env_kwargs_arg_takes_a_json_object_only():
    from benchmarks.common import env_kwargs_arg

    assert env_kwargs_arg('{"p": 0.5}') == {"p": 0.5}
    for bad in ("p=0.5", "[0.5]"):
        with pytest.raises(argparse.ArgumentTypeError, match="JSON object"):
            env_kwargs_arg(bad)


def test_env_kwargs_reach_results_and_checkpoint(tmp_path, monkeypatch):
    kwargs = {"n": 5, "p": 0.5, "num_train": 30, "num_test": 6}
    cmd = [sys.executable, "-m", "benchmarks.train_gpu", "--env", "GRAM/GraphColoring-v0",
           "--env-kwargs", json.dumps(kwargs), "--preset", "tiny", "--minutes", "0.15", "--eval-reserve-s", "1",
           "--samples", "2", "--no-compile", "--out-dir", str(tmp_path)]
    env = {**os.environ, "GRAM_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["env_kwargs"] == kwargs
    spec = json.loads((tmp_path / "ckpt" / "task.json").read_text())["spec"]
    assert spec["env_id"] == "GRAM/GraphColoring-v0" and spec["env_kwargs"]["p"] == 0.5
    from gram_agent.infer import Agent, make_env

    monkeypatch.setenv("GRAM_CACHE_DIR", env["GRAM_CACHE_DIR"])  # the loaded agent rebuilds the same data there
    agent = Agent.load(str(tmp_path / "ckpt"))
    assert agent.env.unwrapped.puzzle_set.solutions.counts.size == 36  # 30 train + 6 test graphs
    with pytest.raises(ValueError, match="need an env id"):
        make_env(agent.env, p=0.5)
    # the same checkpoint scored on other data of its env (multi_solution --env-kwargs): recorded in the
    # output; other token shapes and a missing --out are refused by name
    side = tmp_path / "side.json"
    ms = [sys.executable, "-m", "experiments.multi_solution", str(tmp_path), "--samples", "3"]
    done = subprocess.run([*ms, "--env-kwargs", '{"p": 0.6}', "--out", str(side)], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    scored = json.loads(side.read_text())
    assert scored["env_kwargs"]["p"] == 0.6 and scored["env_kwargs"]["n"] == 5 and scored["test_instances"] == 6
    refused = subprocess.run([*ms, "--env-kwargs", '{"n": 6}', "--out", str(side)], capture_output=True, text=True,
                             env=env, cwd=ROOT, timeout=300)
    assert refused.returncode != 0 and "the model takes" in refused.stderr
    refused = subprocess.run([*ms, "--env-kwargs", '{"p": 0.6}'], capture_output=True, text=True, env=env, cwd=ROOT,
                             timeout=300)
    assert refused.returncode != 0 and "--out" in refused.stderr


def test_a_baseline_trains_and_is_analysed(tmp_path):
    """train_gpu -> multi_solution for a one-shot baseline: a deterministic model is sampled once and
    its answer repeated (the analysis says so), and PTRM noise, which needs a recursive latent, is refused."""
    env = {**os.environ, "GRAM_CACHE_DIR": str(tmp_path / "cache"), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "benchmarks.train_gpu", "--env", "GRAM/NQueens-v0", "--env-kwargs", '{"n": 5}',
           "--model", "direct", "--preset", "tiny", "--minutes", "1", "--eval-reserve-s", "1", "--samples", "0",
           "--no-compile", "--set", "max_steps=3", "--set", "d_model=32", "--out-dir", str(tmp_path)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["model"] == "direct" and results["train"]["steps"] == 3
    assert results["throughput"]["flops_per_sample_step"] > 0
    ms = [sys.executable, "-m", "experiments.multi_solution", str(tmp_path), "--samples", "3", "--instances", "4"]
    done = subprocess.run(ms, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    analysis = json.loads((tmp_path / "analysis.json").read_text())
    assert analysis["model"] == "direct" and analysis["sampling"].startswith("deterministic")
    assert analysis["test_instances"] == 4 and len(analysis["main"]["coverage_at"]) == 3
    assert 0.0 <= analysis["main"]["accuracy"] <= 1.0
    # one answer repeated: coverage cannot grow after the first sample
    assert analysis["main"]["coverage_at"][0] == analysis["main"]["coverage_at"][-1]
    refused = subprocess.run([*ms, "--ptrm-sigma", "0.3"], capture_output=True, text=True, env=env, cwd=ROOT,
                             timeout=300)
    assert refused.returncode != 0 and "recursive latent" in refused.stderr


def test_network_calls_follow_the_model_kind():
    from gram_agent.config import preset

    assert train_gpu.network_calls(preset("tiny", model="trm")) == (2 * 3, 3)  # tiny: T=2, K=2
    assert train_gpu.network_calls(preset("tiny", model="hrm")) == (2 * 2 * 3, 2)
    assert train_gpu.network_calls(preset("tiny", model="looped")) == (3, 3)  # tiny: 3 loops
    assert train_gpu.network_calls(preset("tiny", model="direct")) == (1, 1)
