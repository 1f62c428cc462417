"""Does the posterior carry the answer on a one-answer Sudoku? The KL readings side by side on a CPU.

    python -m experiments.cpu_sudoku_kl [--steps 2000] [--readings elbo sum] [--seeds 0] [--out FILE]

GRAM (Sudoku-Extreme's beta 0.1 and KL balance 0.8, the GC6 study's D = 64 scale) trains on 1,000
generated 9x9 puzzles (``GRAM/Sudoku-v0``, each with one solution) under each ``kl_reduce`` reading,
then samples once per test puzzle through the env. The training log's last rows say where the answer
lives: the posterior path's token accuracy, the KL per answer token and the share of prior samples
that solve their puzzle. Writes benchmarks/results/cpu_sudoku_kl.json (``--out``).
"""

from __future__ import annotations

import argparse
import sys
import time

from experiments.cpu_mode_collapse import BASE
from experiments.cpu_pool import print_runs, run_jobs

ENV_ID = "GRAM/Sudoku-v0"
ENV_KWARGS = {"size": 9, "n_train": 1000, "n_test": 200}
#: the sx-gram recipe's objective apart from the reading
OBJECTIVE = {"beta": 0.1, "kl_balance": 0.8, "target": "label"}
LOGGED = ("ce", "kl", "token_acc", "correct", "sigma_p", "sigma_q")


def run_one(job: tuple[str, int, int]) -> dict:
    """Train one (reading, seed) in its own process (one CPU thread) and score one sample per test puzzle."""
    import gymnasium as gym
    import torch

    import gram_agent
    import gram_envs  # noqa: F401
    from gram_agent.config import preset

    reading, seed, steps = job
    torch.set_num_threads(1)
    env = gym.make(ENV_ID, **ENV_KWARGS)
    cfg = preset("tiny", ENV_ID, model="gram", seed=seed, max_steps=steps,
                 **{**BASE, **OBJECTIVE, "kl_reduce": reading})
    t0 = time.monotonic()
    agent = gram_agent.train(env, cfg, device="cpu", progress=False, eval_at_end=False)
    train_s = time.monotonic() - t0
    metrics = agent.evaluate("test", samples=1, seed=0, progress=False)
    history = agent.meta["train"]["history"]
    return {"reading": reading, "seed": seed, "steps": steps, "train_s": train_s,
            "test_accuracy": metrics["accuracy"], "test_conflicts_per_instance": metrics.get("conflicts_per_instance"),
            "log": [{"step": h["step"], **{k: h[k] for k in LOGGED}} for h in history[-5:]],
            "config": cfg.to_dict()}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--readings", nargs="+", default=["elbo", "sum"], choices=["elbo", "sum", "token_mean", "mean"])
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--out", default="benchmarks/results/cpu_sudoku_kl.json")
    args = p.parse_args(argv)
    if args.steps < 1 or args.workers < 1:
        p.error("--steps and --workers must be >= 1")
    jobs = [(r, s, args.steps) for r in args.readings for s in args.seeds]
    runs = run_jobs(run_one, jobs, args.workers, args.out, env=ENV_ID, env_kwargs=ENV_KWARGS)
    print_runs(runs, "reading", LOGGED)
    return 0


if __name__ == "__main__":
    sys.exit(main())
