"""How far a coverage@N number moves with the sampling seed alone (same checkpoint, same inputs).

    python benchmarks/sampling_seeds.py RUN_DIR [RUN_DIR ...] --seeds 1234 1 2 3 4 --out FILE

A reported coverage@20 is one draw of 20 samples per test input. Near a goal, the question is
whether another draw of the same model lands on the other side of it: this script draws the test
split again under each seed, at temperature 1.0 (the paper's sampling) and, where the run holds a
schedule sweep (RUN_DIR/schedules.json), at its chosen schedule, and scores every draw with the
same ``analyse`` as ``multi_solution.py``. Seed 1234 is that script's default seed, so with the
default ``--batch`` (the agent's eval batch, as there) its temperature-1.0 draw repeats that
analysis. The sweep draws in batches of 8,192 trajectories, another noise stream, so its rows are
other draws. Writes FILE (JSON: each draw's accuracy, coverage and summed conflicts, and their
mean, standard deviation and range per run and sampling).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from benchmarks.common import provenance  # noqa: E402
from benchmarks.multi_solution import analyse  # noqa: E402

#: the metrics each draw keeps (analyse() gives more; these are the table's)
METRICS = ("accuracy", "coverage", "conflicts_sum_per_sample")


def summarise(draws: list[dict]) -> dict:
    """Mean, standard deviation (ddof 1; 0 for one draw) and range of each metric over the draws."""
    out = {}
    for k in METRICS:
        v = np.array([d[k] for d in draws], dtype=float)
        out[k] = {"mean": float(v.mean()), "std": float(v.std(ddof=1)) if len(v) > 1 else 0.0,
                  "min": float(v.min()), "max": float(v.max())}
    return out


def samplings(run_dir: str, n_sup: int) -> list[tuple[str, list[float] | None]]:
    """Temperature 1.0, then the run's chosen schedule where it holds a sweep (its stored temperatures)."""
    out: list[tuple[str, list[float] | None]] = [("temperature 1.0", None)]
    path = os.path.join(run_dir, "schedules.json")
    if os.path.exists(path):
        with open(path) as f:
            sweep = json.load(f)
        row = next((r for r in sweep["schedules"] if r["name"] == sweep["chosen"]), None)
        if row is None:
            raise SystemExit(f"{path}: the chosen schedule {sweep['chosen']!r} has no row")
        if row["temperatures"] != [1.0] * n_sup:  # a chosen constant 1.0 is the row above
            out.append((f"chosen: {sweep['chosen']}", [float(t) for t in row["temperatures"]]))
    return out


def draw_run(run_dir: str, seeds: list[int], samples: int, instances: int, batch: int | None) -> dict:
    """Every sampling of one run, drawn under each seed on the run's own test split."""
    from gram_agent.infer import Agent

    agent = Agent.load(os.path.join(run_dir, "ckpt"))
    env = agent.env
    ds = env.unwrapped.dataset("test", **agent.config.dataset_kwargs)
    ids, inputs = ds.instance_ids, ds.instance_inputs
    if instances:
        ids, inputs = ids[:instances], inputs[:instances]
    out = {"run": run_dir, "env": agent.spec.env_id, "env_kwargs": dict(agent.spec.env_kwargs),
           "trained_steps": agent.meta.get("step"), "test_instances": int(len(ids)), "samplings": []}
    for label, temps in samplings(run_dir, agent.config.n_sup):
        draws = []
        for seed in seeds:
            kw = {} if temps is None else {"temperature": temps, "steps": len(temps)}
            roll = agent.rollout(inputs, samples=samples, seed=seed, batch=batch, **kw)
            res = analyse(env, ids, env.unwrapped.detokenize(roll["tokens"].cpu().numpy()))
            draws.append({"seed": seed, **{k: res[k] for k in METRICS}})
        out["samplings"].append({"sampling": label, "temperatures": temps, "draws": draws,
                                 "summary": summarise(draws)})
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("run_dirs", nargs="+", help="folders holding ckpt/ (an Agent saved by train_gpu.py)")
    p.add_argument("--seeds", type=int, nargs="+", default=[1234, 1, 2, 3, 4])
    p.add_argument("--samples", type=int, default=20)
    p.add_argument("--instances", type=int, default=0, help="the first M test inputs (0: all)")
    p.add_argument("--batch", type=int, default=None, help="trajectories per forward (default: the agent's)")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    if len(set(args.seeds)) != len(args.seeds):
        p.error(f"--seeds must be distinct, got {args.seeds}")
    if args.samples < 1 or args.instances < 0:
        p.error(f"--samples must be >= 1 and --instances >= 0, got {args.samples} and {args.instances}")
    for d in args.run_dirs:  # before any draw: a missing checkpoint should not cost the runs before it
        if not os.path.exists(os.path.join(d, "ckpt", "config.json")):
            p.error(f"{d} holds no ckpt/config.json (an Agent saved by train_gpu.py); run_table1.py copies a "
                    "job's ckpt/ to --out only when --keep-ckpt names the job")
    prov = provenance()  # the code the draws start from
    t0 = time.monotonic()
    runs = [draw_run(d, args.seeds, args.samples, args.instances, args.batch) for d in args.run_dirs]
    out = {**prov, "samples": args.samples, "seeds": args.seeds, "runs": runs, "time_s": time.monotonic() - t0}
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
    for r in runs:
        for s in r["samplings"]:
            c = s["summary"]["coverage"]
            print(f"{r['run']} | {s['sampling']}: coverage {100 * c['mean']:.1f} +- {100 * c['std']:.1f} "
                  f"({100 * c['min']:.1f}-{100 * c['max']:.1f}) over {len(args.seeds)} seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
