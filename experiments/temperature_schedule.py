"""Prior-temperature schedules at inference, chosen on training inputs and reported on the test split.

    python -m experiments.temperature_schedule RUN_DIR [RUN_DIR ...] [--samples 20] [--min-accuracy 0.99]

A GRAM sample's noise matters most in the early supervision steps, where the trajectory picks a
completion; late steps only settle it. A schedule samples wide early (``hot`` for the first
``hot_steps`` steps) and narrow late (``cool``), optionally with extra settling steps beyond the
training horizon. Each schedule is scored on the first M *training* inputs (the selection split:
no test input is looked at to choose) and on the test split. The chosen schedule is the one with
the highest selection coverage among those whose selection accuracy reaches the bar: the smaller
of ``--min-accuracy`` and the selection accuracy of the constant temperature 1.0 (the paper's
sampling), so a choice never samples less accurately than the paper's way, and a model that is
not 99% accurate can still be given a schedule that is at least as accurate as temperature 1.0.

    python -m experiments.temperature_schedule --rechoose RUN_DIR [...]

applies this rule (``gram_agent.evaluation.choose``) again to a stored schedules.json (no model is
run; the scored rows are kept).

Writes RUN_DIR/schedules.json (every schedule's metrics on both splits, the choice) and
RUN_DIR/schedules.png (test accuracy against test coverage, the choice marked).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from gram_agent.evaluation import accuracy_bar, choose, row_named, split_inputs, sweep
from gram_envs.core.metrics import command_line, provenance


def rechoose(path: str, ceiling: float) -> dict:
    """Choose again from a stored sweep under the current rule; the file records the earlier choice."""
    with open(path) as f:
        out = json.load(f)
    bar = accuracy_bar(out["schedules"], ceiling)
    chosen = choose(out["schedules"], bar)
    if (chosen, bar) != (out["chosen"], out["min_accuracy"]):
        out["rechosen"] = {"before": {"chosen": out["chosen"], "min_accuracy": out["min_accuracy"]},
                           "command": command_line(), "commit": provenance()["commit"]}
        out["chosen"], out["min_accuracy"] = chosen, bar
        with open(path, "w") as f:
            json.dump(out, f, indent=1)
    print(json.dumps({"file": path, "chosen": chosen, "min_accuracy": bar}))
    return out


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("run_dirs", nargs="+", help="folders holding ckpt/ (an Agent saved by benchmarks.train_gpu)")
    p.add_argument("--samples", type=int, default=20)
    p.add_argument("--select-instances", type=int, default=772, help="first M training inputs used to choose")
    p.add_argument("--test-instances", type=int, default=0, help="first M test inputs (0: all)")
    p.add_argument("--min-accuracy", type=float, default=0.99,
                   help="cap on the selection accuracy a choice must keep (temperature 1.0's where that is lower)")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--batch", type=int, default=8192, help="trajectories per forward")
    p.add_argument("--only", nargs="+", default=None, metavar="NAME",
                   help="sweep only these schedules of gram_agent.evaluation.GRID (and temperature 1.0), e.g. 'T 20 for 2 steps, then 0.5'")
    p.add_argument("--rechoose", action="store_true",
                   help="re-apply the choice rule to each RUN_DIR/schedules.json (no model is run)")
    args = p.parse_args()
    if args.rechoose:
        for run_dir in args.run_dirs:
            out = rechoose(os.path.join(run_dir, "schedules.json"), args.min_accuracy)
            plot(out["schedules"], out["chosen"], os.path.join(run_dir, "schedules.png"), run_dir)
        return 0

    from gram_agent.infer import Agent

    prov = provenance()  # the code the sweep starts from (commits made while it runs do not count)
    for run_dir in args.run_dirs:
        t0 = time.monotonic()
        agent = Agent.load(os.path.join(run_dir, "ckpt"))
        if not agent.config.guided:
            raise SystemExit(f"{run_dir}: a temperature schedule needs a GRAM checkpoint (guided prior)")
        splits = {split: split_inputs(agent, split, m)
                  for split, m in (("select", args.select_instances), ("test", args.test_instances))}
        rows = sweep(agent, splits, samples=args.samples, seed=args.seed, batch=args.batch,
                     desc=os.path.basename(run_dir.rstrip("/")), only=args.only)
        bar = accuracy_bar(rows, args.min_accuracy)
        chosen = choose(rows, bar)
        out = {**prov, "run_dir": run_dir, "samples": args.samples, "min_accuracy": bar,
               "select_split": "train", "select_instances": len(splits["select"][0]),
               "test_instances": len(splits["test"][0]), "trained_steps": agent.meta.get("step"),
               "schedules": rows, "chosen": chosen, "time_s": time.monotonic() - t0}
        with open(os.path.join(run_dir, "schedules.json"), "w") as f:
            json.dump(out, f, indent=1)
        plot(rows, chosen, os.path.join(run_dir, "schedules.png"), run_dir)
        best = row_named(rows, chosen)
        print(json.dumps({"run": run_dir, "chosen": chosen,
                          "test": {k: best["test"].get(k) for k in ("accuracy", "coverage", "vote_accuracy")}}))
    return 0


def plot(rows: list[dict], chosen: str, path: str, title: str) -> None:
    """Test accuracy against test coverage, one point per schedule; the choice as a star."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 5))
    for r in rows:
        x, y = 100 * r["test"]["coverage"], 100 * r["test"]["accuracy"]
        ax.scatter(x, y, marker="*" if r["name"] == chosen else "o", s=160 if r["name"] == chosen else 30)
        ax.annotate(r["name"], (x, y), fontsize=6, xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel("test coverage@N (%)")
    ax.set_ylabel("test per-sample accuracy (%)")
    ax.set_title(f"prior temperature schedules: {title}\n(star: chosen on training inputs)", fontsize=9)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
