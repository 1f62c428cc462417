"""The paper's mode-collapse claim at CPU scale: TRM vs GRAM on 3-colourings of 6-vertex graphs.

    python -m experiments.cpu_mode_collapse [--steps 2000] [--seeds 0 1] [--workers 2] [--schedule-graphs 100]

GRAM/GraphColoring-v0 with n=6 has 100 test graphs with about 12 valid colourings each (up to
colour permutation), and 21-token inputs, so a D=64 model trains in a few CPU minutes.
Each (model, seed) trains for a fixed number of optimiser steps (not a time budget, so the
numbers do not depend on the machine's speed). It is then scored with 20 prior samples per test
graph through the env's ``evaluate`` (gram_agent.evaluation.analyse). Writes
benchmarks/results/cpu_gc6_mode_collapse.json (``--out``) and the coverage plot beside it (same name, .png);
``--plot-only RESULTS_JSON PNG`` draws that plot again from a stored results file.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from experiments.cpu_pool import run_jobs

#: name -> (model, config overrides); the GRAM rows differ only in how the KL is priced
RUNS: dict[str, tuple[str, dict]] = {
    "TRM": ("trm", {}),
    "GRAM (ELBO KL, beta 0.5)": ("gram", {"kl_reduce": "elbo", "beta": 0.5}),
    "GRAM (summed KL, beta 0.5)": ("gram", {"kl_reduce": "sum", "beta": 0.5}),
}
#: prior-sample training with the spread target (groups of 4, canonical colourings, random starts of std 1)
PRIOR_SPREAD = {"train_rollout": "prior", "target": "matched", "match_group": 4, "match_draw": "spread",
                "target_permutations": False, "start_noise": 1.0}
#: further settings for ``--runs`` (the objective options of gram_agent.config); settings of options
#: since removed from the config ran at the ``pre-cleanup`` tag
VARIANTS: dict[str, tuple[str, dict]] = {
    "GRAM (ELBO KL, beta 1.0)": ("gram", {"kl_reduce": "elbo", "beta": 1.0}),
    "GRAM (ELBO KL, beta 0.5, KL balance 0.95)": ("gram", {"kl_reduce": "elbo", "beta": 0.5, "kl_balance": 0.95}),
    "TRM (nearest-completion target)": ("trm", {"target": "nearest"}),
    "GRAM (ELBO KL, beta 0.5, nearest-completion target)": ("gram", {"kl_reduce": "elbo", "beta": 0.5,
                                                                     "target": "nearest"}),
    "GRAM (ELBO KL, beta 0.5, nearest target, canonical colourings only)": (
        "gram", {"kl_reduce": "elbo", "beta": 0.5, "target": "nearest", "target_permutations": False}),
    "GRAM (ELBO KL, beta 0.5, IMLE target, groups of 4, canonical colourings only)": (
        "gram", {"kl_reduce": "elbo", "beta": 0.5, "target": "matched", "match_group": 4, "match_draw": "imle",
                 "target_permutations": False}),
    "GRAM (prior-sample training, IMLE target, groups of 4, canonical colourings only)": (
        "gram", {"train_rollout": "prior", "target": "matched", "match_group": 4, "match_draw": "imle",
                 "target_permutations": False}),
    "GRAM (prior-sample training, nearest target, canonical colourings only)": (
        "gram", {"train_rollout": "prior", "target": "nearest", "target_permutations": False}),
    "GRAM (prior-sample training, nearest target, canonical colourings only, random start std 1)": (
        "gram", {"train_rollout": "prior", "target": "nearest", "target_permutations": False, "start_noise": 1.0}),
    "GRAM (prior-sample training, nearest target, canonical colourings only, random start std 2)": (
        "gram", {"train_rollout": "prior", "target": "nearest", "target_permutations": False, "start_noise": 2.0}),
    "GRAM (prior-sample training, spread target, groups of 4, canonical colourings only, random start std 1)": (
        "gram", PRIOR_SPREAD),
    # does a decaying lr settle a spread model?
    "GRAM (prior-sample training, spread target, groups of 4, canonical colourings only, random start std 1, "
    "lr cosine to 0.1)": ("gram", {**PRIOR_SPREAD, "lr_min_ratio": 0.1}),
    # without ACT halting in training (every slot runs all n_sup steps)
    "GRAM (prior-sample training, nearest target, canonical colourings only, random start std 1, no training "
    "halting)": ("gram", {"train_rollout": "prior", "target": "nearest", "target_permutations": False,
                          "start_noise": 1.0, "train_halting": False}),
    "GRAM (ELBO KL, beta 0.5, sigma init 0.5)": ("gram", {"kl_reduce": "elbo", "beta": 0.5, "sigma_init": 0.5}),
    "GRAM (ELBO KL, beta 0.5, sigma init 0.9)": ("gram", {"kl_reduce": "elbo", "beta": 0.5, "sigma_init": 0.9}),
    "GRAM (ELBO KL, beta 0.5, nearest target, canonical colourings only, sigma init 0.5)": (
        "gram", {"kl_reduce": "elbo", "beta": 0.5, "target": "nearest", "target_permutations": False,
                 "sigma_init": 0.5}),
    "GRAM (ELBO KL, beta 0.5, matched target, groups of 4)": (
        "gram", {"kl_reduce": "elbo", "beta": 0.5, "target": "matched", "match_group": 4}),
    # Table 3's guidance-only rows (paper's ablation): one transition of one low-level step per supervision
    # step (K = 1), with one supervision step (+SG) or the usual 8 (+DS+SG)
    "GRAM (ELBO KL, beta 0.5, +SG: K 1, 1 supervision step)": (
        "gram", {"kl_reduce": "elbo", "beta": 0.5, "K": 1, "n_sup": 1}),
    "GRAM (ELBO KL, beta 0.5, +DS+SG: K 1)": ("gram", {"kl_reduce": "elbo", "beta": 0.5, "K": 1}),
    "GRAM (ELBO KL, beta 0.5, spread target, groups of 4)": (
        "gram", {"kl_reduce": "elbo", "beta": 0.5, "target": "matched", "match_group": 4, "match_draw": "spread"}),
}
#: the paper's Table 1 baselines at the same CPU scale (D = 64, the tiny preset's depths per model)
BASELINES: dict[str, tuple[str, dict]] = {
    "Direct Pred": ("direct", {}), "Looped TF": ("looped", {}), "HRM": ("hrm", {}), "AR": ("ar", {}),
    "MDLM": ("mdlm", {}),
}
ALL = {**RUNS, **VARIANTS, **BASELINES}
BASE = dict(d_model=64, n_heads=2, guidance_hidden=64, batch_size=64, n_sup=8, T=2, K=2, log_every=50,
            lr=1e-3, lr_warmup_steps=100, ema=0.0, compile=False)


def run_one(job: tuple[str, int, int, int, list[str] | None]) -> dict:
    """Train and analyse one (configuration, seed) in its own process (one CPU thread). With
    ``schedule_graphs`` > 0, GRAM also sweeps prior-temperature schedules (all of the grid, or the
    named ones beside temperature 1.0) on that many test graphs, chosen on as many training graphs."""
    import gymnasium as gym
    import torch

    import gram_agent
    import gram_envs  # noqa: F401
    from gram_agent.config import preset
    from gram_agent.evaluation import analyse

    name, seed, steps, schedule_graphs, only = job
    torch.set_num_threads(1)
    model, extra = ALL[name]
    env = gym.make("GRAM/GraphColoring-v0", n=6)
    cfg = preset("tiny", None, model=model, seed=seed, max_steps=steps, **{**BASE, **extra})
    t0 = time.monotonic()
    agent = gram_agent.train(env, cfg, device="cpu", progress=False, eval_at_end=False)
    train_s = time.monotonic() - t0
    ds = env.unwrapped.dataset("test")
    roll = agent.rollout(ds.instance_inputs, samples=20, seed=1234)
    cands = env.unwrapped.detokenize(roll["tokens"].numpy())
    main = analyse(env, ds.instance_ids, cands, roll, agent)
    history = agent.meta["train"]["history"]
    out = {"name": name, "seed": seed, "steps": steps, "train_s": train_s, "main": main,
           "config": cfg.to_dict(), "last_log": history[-1] if history else {}}
    if schedule_graphs and model == "gram":
        from gram_agent.evaluation import accuracy_bar, choose, sweep

        train_ds = env.unwrapped.dataset("train")
        m = schedule_graphs
        splits = {"select": (train_ds.instance_ids[:m], train_ds.instance_inputs[:m]),
                  "test": (ds.instance_ids[:m], ds.instance_inputs[:m])}
        rows = sweep(agent, splits, samples=20, seed=1234, progress=False, only=only)
        bar = accuracy_bar(rows, 0.99)  # the GPU sweeps' rule: no GC6 model here is 99% accurate
        out["schedules"] = {"rows": rows, "chosen": choose(rows, bar), "min_accuracy": bar, "select_instances": m}
    return out


def plot(runs: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(6, 4))
    colours = {n: plt.cm.tab10(i % 10) for i, n in enumerate(ALL)}
    for r in runs:
        curve = 100 * np.array(r["main"]["coverage_at"])
        ax.plot(np.arange(1, len(curve) + 1), curve, "--s" if r["name"] == "TRM" else "-o", ms=3,
                color=colours[r["name"]], label=f"{r['name']} seed {r['seed']}")
    ax.set_xlabel("samples N")
    ax.set_ylabel("coverage (%)")
    ax.set_title("Graph Coloring 6 (CPU): coverage vs samples")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--runs", nargs="+", default=list(RUNS), choices=list(ALL), metavar="NAME",
                   help=f"configurations to run (default: the three of RUNS); any of {list(ALL)}")
    p.add_argument("--out", default="benchmarks/results/cpu_gc6_mode_collapse.json")
    p.add_argument("--schedule-graphs", type=int, default=0,
                   help="GRAM runs also sweep prior-temperature schedules (experiments.temperature_schedule) on "
                        "the first N test graphs, chosen on the first N training graphs (100: the whole test split)")
    p.add_argument("--schedules-only", nargs="+", default=None, metavar="NAME",
                   help="sweep only these schedules of gram_agent.evaluation.GRID (and temperature 1.0)")
    p.add_argument("--plot-only", nargs=2, default=None, metavar=("RESULTS_JSON", "PNG"),
                   help="draw the coverage plot of a stored results file and exit (no training)")
    args = p.parse_args()
    if args.plot_only:
        plot(json.loads(Path(args.plot_only[0]).read_text())["runs"], Path(args.plot_only[1]))
        return 0
    jobs = [(name, seed, args.steps, args.schedule_graphs, args.schedules_only)
            for name in args.runs for seed in args.seeds]
    runs = run_jobs(run_one, jobs, args.workers, args.out)
    plot(runs, Path(args.out).with_suffix(".png"))
    for r in runs:
        m = r["main"]
        print(f"{r['name']:28s} seed {r['seed']}: accuracy {m['accuracy']:.3f}  coverage@20 {m['coverage']:.3f}  "
              f"vote {m['vote_accuracy']:.3f}  conflicts/sample {m['conflicts_sum_per_sample']:.1f}  ({r['train_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
