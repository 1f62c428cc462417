"""Which axis the norm after the MLP token mixer runs over, and what depth costs, on a CPU.

    python -m experiments.cpu_mixer_norm [--steps 600] [--seeds 0 1] [--arms ...] [--out FILE]

TRM's mlp_t block normalises after the token mixing while the tensor is transposed to (batch,
channels, sequence): over the sequence axis. Each arm trains one recursive model (``tiny`` preset,
D = 64) on 1,000 generated 4x4 Sudoku puzzles with the norm over the sequence (``seq``, the library's
definition) or over the channels (``channel``), at 2 or 4 layers per module, then samples once per
test puzzle through the env. Writes benchmarks/results/cpu_mixer_norm.json (``--out``).
"""

from __future__ import annotations

import argparse
import sys
import time

from experiments.cpu_pool import print_runs, run_jobs

ENV_ID = "GRAM/Sudoku-v0"
ENV_KWARGS = {"size": 4, "n_train": 1000, "n_test": 300}
#: arm -> (model, layers per module, mixer, norm axis after the mixer)
ARMS: dict[str, tuple[str, int, str, str]] = {
    "trm-l2-seq": ("trm", 2, "mlp", "seq"), "trm-l2-channel": ("trm", 2, "mlp", "channel"),
    "trm-l4-seq": ("trm", 4, "mlp", "seq"), "trm-l4-channel": ("trm", 4, "mlp", "channel"),
    "hrm-l2-seq": ("hrm", 2, "mlp", "seq"), "hrm-l4-seq": ("hrm", 4, "mlp", "seq"),
    "hrm-l4-channel": ("hrm", 4, "mlp", "channel"),
    "looped-l2-seq": ("looped", 2, "mlp", "seq"), "looped-l2-channel": ("looped", 2, "mlp", "channel"),
    "trm-l2-attn": ("trm", 2, "attn", "-"), "trm-l4-attn": ("trm", 4, "attn", "-"),
    "hrm-l4-attn": ("hrm", 4, "attn", "-"),
}
LOGGED = ("ce", "token_acc", "correct")


def run_one(job: tuple[str, int, int]) -> dict:
    """Train one (arm, seed) in its own process (one CPU thread) and score one sample per test puzzle."""
    import gymnasium as gym
    import torch

    import gram_agent
    import gram_envs  # noqa: F401
    from gram_agent.config import preset
    from gram_agent.model import layers

    arm, seed, steps = job
    model, n_layers, mixer, axis = ARMS[arm]
    layers.MLP_MIX_NORM_DIM = -1 if axis == "channel" else 1
    torch.set_num_threads(1)
    env = gym.make(ENV_ID, **ENV_KWARGS)
    cfg = preset("tiny", ENV_ID, model=model, seed=seed, max_steps=steps, n_layers=n_layers, mixer=mixer)
    t0 = time.monotonic()
    agent = gram_agent.train(env, cfg, device="cpu", progress=False, eval_at_end=False)
    train_s = time.monotonic() - t0
    metrics = agent.evaluate("test", samples=1, seed=0, progress=False)
    history = agent.meta["train"]["history"]
    every = max(1, len(history) // 6)
    return {"arm": arm, "model": model, "layers": n_layers, "mixer": mixer, "norm_axis": axis, "seed": seed,
            "steps": steps, "train_s": train_s, "test_accuracy": metrics["accuracy"],
            "log": [{"step": h["step"], **{k: h[k] for k in LOGGED}} for h in history[every - 1::every]]}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=600)
    p.add_argument("--arms", nargs="+", default=list(ARMS), choices=list(ARMS))
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--out", default="benchmarks/results/cpu_mixer_norm.json")
    args = p.parse_args(argv)
    if args.steps < 1 or args.workers < 1:
        p.error("--steps and --workers must be >= 1")
    jobs = [(a, s, args.steps) for a in args.arms for s in args.seeds]
    runs = run_jobs(run_one, jobs, args.workers, args.out, env=ENV_ID, env_kwargs=ENV_KWARGS, preset="tiny")
    print_runs(runs, "arm", LOGGED)
    return 0


if __name__ == "__main__":
    sys.exit(main())
