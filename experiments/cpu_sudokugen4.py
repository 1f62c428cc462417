"""Unconditional generation at CPU scale: which models draw many of the 288 valid 4x4 grids, and
which only repeat their training grids? (GRAM/SudokuGen-4; the GPU question is SudokuGen-9.)

    python -m experiments.cpu_sudokugen4 [--steps 2000] [--seeds 0 1] [--samples 2000] [--workers 2]
        [--models NAME ...] [--temperatures T ...] [--out FILE]

Each (model, seed) trains a fixed number of optimiser steps from the blank board on 144 of the
288 grids (no augmentation; the nearest-target rows train towards the nearest of all 288, held-out
ones included) at the GC6 CPU study's scale (``cpu_mode_collapse.BASE``: D = 64), then
draws ``--samples`` grids with ``Agent.generate``. Scored through the env: the share of valid grids,
coverage of all 288 and of the 144 held-out grids (distinct valid grids drawn), the share of samples
copied from a training grid, and the share valid and new. Writes
benchmarks/results/cpu_sudokugen4.json (``--out``) and a bar chart beside it (same name, .png).

    python -m experiments.cpu_sudokugen4 --plot-only PNG FILE [FILE ...]

draws one chart from several result files; a model in a later file replaces its rows of earlier ones
(so reruns of some models can be shown beside the rest of an older run).
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

from experiments.cpu_mode_collapse import BASE
from experiments.cpu_pool import run_jobs

#: name -> (model, config overrides): the two recursive models of the GC6 study and the generative baselines
MODELS: dict[str, tuple[str, dict]] = {
    "TRM": ("trm", {}),
    "GRAM (ELBO KL, beta 0.5)": ("gram", {"kl_reduce": "elbo", "beta": 0.5}),
    # the KL weight the paper states for Sudoku generation (App. D.5)
    "GRAM (ELBO KL, beta 0.05)": ("gram", {"kl_reduce": "elbo", "beta": 0.05}),
    # the published N-Queens and Graph Coloring objectives: the nearest valid grid (of all 288) as the target
    "GRAM (nearest target)": ("gram", {"kl_reduce": "elbo", "beta": 0.5, "target": "nearest"}),
    "GRAM (prior sample, nearest target, start noise 1)": (
        "gram", {"kl_reduce": "elbo", "beta": 0.5, "train_rollout": "prior", "target": "nearest", "start_noise": 1.0}),
    "AR": ("ar", {}),
    "MDLM": ("mdlm", {}),
    "D3PM": ("d3pm", {"diffusion_steps": 50}),
}
#: KL variants of GRAM around the paper's generation weight, run only when named (``--models``)
KL_VARIANTS: dict[str, tuple[str, dict]] = {
    "GRAM (beta 0.05, KL balance 0.5)": ("gram", {"kl_reduce": "elbo", "beta": 0.05, "kl_balance": 0.5}),
    "GRAM (beta 0.05, sigma init 1.0)": ("gram", {"kl_reduce": "elbo", "beta": 0.05, "sigma_init": 1.0}),
    "GRAM (beta 0.01)": ("gram", {"kl_reduce": "elbo", "beta": 0.01}),
}
ALL_MODELS = {**MODELS, **KL_VARIANTS}
ENV_ID = "GRAM/SudokuGen-4"


def score(env, grids: np.ndarray) -> dict[str, float]:
    """Validity, coverage (all grids, held-out grids), copies and new valid grids among ``grids``."""
    from experiments.generation_eval import training_grids
    from gram_envs.core.metrics import generation_counts

    u = env.unwrapped
    res = u.evaluate([1], grids[None], record=False)
    valid, index = res["valid"][0], res["solution_index"][0]
    ps = u.puzzle_set
    held_out = ps.targets[ps.target_owner == 1]
    held_ix = set(u.evaluate([1], held_out[None], record=False)["solution_index"][0].tolist())
    counts = generation_counts(grids, valid, training_grids(env), u.answer_ndim)
    drawn = set(index[valid].tolist())
    return {
        "samples": len(grids),
        "valid": counts["valid_rate"],
        "distinct_valid": counts["distinct_valid"],
        "coverage_all": len(drawn) / int(u.num_solutions(np.array([1]))[0]),
        "coverage_held_out": len(drawn & held_ix) / len(held_ix),
        "copied": counts["copied_rate"],  # training grids are valid: a copy is a valid sample
        "valid_new": counts["valid_rate"] - counts["copied_rate"],
    }


def run_one(job: tuple[str, int, int, int, tuple[str, ...]]) -> dict:
    """Train and score one (model, seed) in its own process (one CPU thread); a recursive model's
    draws are also scored at each extra prior temperature (CLI form, e.g. ``3x2,0.5x6``)."""
    import gymnasium as gym
    import torch

    import gram_agent
    import gram_envs  # noqa: F401
    from gram_agent.cli import parse_temperature
    from gram_agent.config import RECURSIVE, preset

    name, seed, steps, samples, temperatures = job
    torch.set_num_threads(1)
    model, extra = ALL_MODELS[name]
    env = gym.make(ENV_ID)
    cfg = preset("tiny", ENV_ID, model=model, seed=seed, max_steps=steps, **{**BASE, **extra})
    t0 = time.monotonic()
    agent = gram_agent.train(env, cfg, device="cpu", progress=False, eval_at_end=False)
    train_s = time.monotonic() - t0
    grids = np.asarray(agent.generate(samples, seed=1234 + seed))
    history = agent.meta["train"]["history"]
    by_temperature = {t: score(env, np.asarray(agent.generate(samples, seed=1234 + seed,
                                                              temperature=parse_temperature(t))))
                      for t in (temperatures if model in RECURSIVE else ())}
    return {"name": name, "seed": seed, "steps": steps, "train_s": train_s, **score(env, grids),
            "by_temperature": by_temperature,
            "first_grids": grids[:4].tolist(), "last_log": history[-1] if history else {}, "config": cfg.to_dict()}


def plot(runs: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from experiments.figures import save_png

    names = list(dict.fromkeys(r["name"] for r in runs))
    keys = [("valid", "valid"), ("coverage_all", "coverage of all 288"),
            ("coverage_held_out", "coverage of the 144 held out"), ("copied", "copied from training")]
    fig, ax = plt.subplots(figsize=(8.5, 4.0))
    width = 0.8 / len(keys)
    for k, (key, label) in enumerate(keys):
        means = [100 * np.mean([r[key] for r in runs if r["name"] == n]) for n in names]
        ax.bar(np.arange(len(names)) + (k - (len(keys) - 1) / 2) * width, means, width, label=label)
    ax.set_xticks(np.arange(len(names)), [textwrap.fill(n, 18) for n in names], fontsize=6.5)
    ax.set_ylabel("% (mean over seeds)")
    ax.set_title("SudokuGen-4 (CPU): what each model draws from the blank board", fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    save_png(fig, str(path))


def merge_runs(results: list[dict]) -> list[dict]:
    """The runs of several result files, a model's rows from the last file that has it."""
    by_name: dict[str, list[dict]] = {}
    for res in results:
        for name in dict.fromkeys(r["name"] for r in res["runs"]):
            by_name[name] = [r for r in res["runs"] if r["name"] == name]
    return [r for rows in by_name.values() for r in rows]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    p.add_argument("--samples", type=int, default=2000)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--models", nargs="+", default=list(MODELS), choices=list(ALL_MODELS), metavar="NAME",
                   help="default: the study's rows; also: " + "; ".join(KL_VARIANTS))
    p.add_argument("--temperatures", nargs="*", default=[], metavar="T",
                   help="extra prior temperatures the recursive models are also scored at (e.g. 0.5 3x2,0.5x6)")
    p.add_argument("--out", default="benchmarks/results/cpu_sudokugen4.json")
    p.add_argument("--plot-only", nargs="+", default=None, metavar=("PNG", "FILE"),
                   help="no training: chart the runs of result FILEs (later files replace a model's rows) into PNG")
    args = p.parse_args(argv)
    if args.plot_only is not None:
        if len(args.plot_only) < 2:
            p.error("--plot-only: expected a PNG path and at least one result file")
        plot(merge_runs([json.loads(Path(f).read_text()) for f in args.plot_only[1:]]), Path(args.plot_only[0]))
        print(f"wrote {args.plot_only[0]}")
        return 0
    if args.steps < 1 or args.samples < 1 or args.workers < 1:
        p.error("--steps, --samples and --workers must be >= 1")
    from gram_agent.cli import parse_temperature
    from gram_agent.infer import temperature_schedule

    for t in args.temperatures:  # refuse a bad value before minutes of training, not after
        try:
            temperature_schedule(parse_temperature(t), BASE["n_sup"])
        except (ValueError, argparse.ArgumentTypeError) as e:
            p.error(f"--temperatures {t}: {e}")
    jobs = [(name, seed, args.steps, args.samples, tuple(args.temperatures)) for name in args.models
            for seed in args.seeds]
    runs = run_jobs(run_one, jobs, args.workers, args.out, env=ENV_ID)
    plot(runs, Path(args.out).with_suffix(".png"))
    for r in runs:
        print(f"{r['name']:26s} seed {r['seed']}: valid {r['valid']:.3f}  coverage {r['coverage_all']:.3f} "
              f"(held out {r['coverage_held_out']:.3f})  copied {r['copied']:.3f}  ({r['train_s']:.0f} s)")
        for t, sc in r["by_temperature"].items():
            print(f"{'':26s}   temperature {t}: valid {sc['valid']:.3f}  coverage {sc['coverage_all']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
