"""How far a coverage@N number moves with the sampling seed alone (same checkpoint, same inputs).

    python -m experiments.sampling_seeds RUN_DIR [RUN_DIR ...] --seeds 1234 1 2 3 4 --out FILE
    python -m experiments.sampling_seeds RUN_A RUN_B RUN_A+RUN_B --seeds 1234 1 2 --out FILE

A reported coverage@20 is one draw of 20 samples per test input. Near a goal, the question is
whether another draw of the same model lands on the other side of it: this script draws the test
split again under each seed, at temperature 1.0 (the paper's sampling) and, where the run holds a
schedule sweep (RUN_DIR/schedules.json), at its chosen schedule, and scores every draw with the
same ``gram_agent.evaluation.analyse`` as ``experiments.multi_solution``. Seed 1234 is that script's default seed, so with the
default ``--batch`` (the agent's eval batch, as there) its temperature-1.0 draw repeats that
analysis. The sweep draws in batches of 8,192 trajectories, another noise stream, so its rows are
other draws. ``RUN_A+RUN_B`` draws the runs' checkpoints as one ``gram_agent.ensemble.Ensemble``
(the N samples shared out among them; temperature 1.0 only). ``--split train`` draws the first
``--instances`` training inputs instead: what a choice among runs may look at. Writes FILE (JSON:
each draw's accuracy, coverage and summed conflicts, and their mean, standard deviation and range
per run and sampling; each draw's coverage against the number of samples, ``coverage_at``, where
every input has a known solution count).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from gram_agent.evaluation import analyse, split_inputs
from gram_agent.infer import device_name
from gram_envs.core.metrics import DRAW_METRICS, provenance, summarise_draws

#: joins run folders drawn as one ensemble: RUN_A+RUN_B
ENSEMBLE_SEP = "+"

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


def member_dirs(run: str) -> list[str]:
    """The run folders of a command-line run: one, or an ensemble's (joined by ``ENSEMBLE_SEP``)."""
    dirs = run.split(ENSEMBLE_SEP)
    if any(not d for d in dirs):
        raise ValueError(f"{run!r}: an ensemble joins run folders as RUN_A{ENSEMBLE_SEP}RUN_B, with no empty part")
    return dirs


def draw_run(run: str, seeds: list[int], samples: int, instances: int, batch: int | None,
             split: str = "test") -> dict:
    """Every sampling of one run (or ensemble of runs), drawn under each seed on the run's own
    ``split`` ("test", or "train": the inputs a choice may look at)."""
    from gram_agent.ensemble import Ensemble
    from gram_agent.infer import Agent

    dirs = member_dirs(run)
    ckpts = [os.path.join(d, "ckpt") for d in dirs]
    agent = Agent.load(ckpts[0]) if len(dirs) == 1 else Ensemble.load(ckpts)
    env = agent.env
    ids, inputs = split_inputs(agent, "select" if split == "train" else "test", instances)
    out = {"run": run, "env": agent.spec.env_id, "env_kwargs": dict(agent.spec.env_kwargs),
           "split": split, "instances": int(len(ids)), "samplings": []}
    if len(dirs) == 1:
        out["trained_steps"] = agent.meta.get("step")
    else:
        out["members"] = [{"run": d, "trained_steps": m.get("step")} for d, m in zip(dirs, agent.meta["members"],
                                                                                       strict=True)]
    if split == "test":
        out["test_instances"] = out["instances"]
    draws_of = samplings(dirs[0], agent.config.n_sup) if len(dirs) == 1 else [("temperature 1.0", None)]
    for label, temps in draws_of:
        draws = []
        for seed in seeds:
            kw = {} if temps is None else {"temperature": temps, "steps": len(temps)}
            roll = agent.rollout(inputs, samples=samples, seed=seed, batch=batch, **kw)
            res = analyse(env, ids, env.unwrapped.detokenize(roll["tokens"].cpu().numpy()))
            draws.append({"seed": seed, **{k: res[k] for k in DRAW_METRICS},
                          **({"coverage_at": res["coverage_at"]} if "coverage_at" in res else {})})
        out["samplings"].append({"sampling": label, "temperatures": temps, "draws": draws,
                                 "summary": summarise_draws(draws)})
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("run_dirs", nargs="+", help="folders holding ckpt/ (an Agent saved by benchmarks.train_gpu); "
                   f"RUN_A{ENSEMBLE_SEP}RUN_B draws their checkpoints as one ensemble")
    p.add_argument("--seeds", type=int, nargs="+", default=[1234, 1, 2, 3, 4])
    p.add_argument("--samples", type=int, default=20)
    p.add_argument("--instances", type=int, default=0, help="the first M inputs of --split (0: all)")
    p.add_argument("--batch", type=int, default=None, help="trajectories per forward (default: the agent's)")
    p.add_argument("--split", choices=("test", "train"), default="test",
                   help="test: the run's test split; train: its first --instances training inputs")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    if len(set(args.seeds)) != len(args.seeds):
        p.error(f"--seeds must be distinct, got {args.seeds}")
    if args.samples < 1 or args.instances < 0:
        p.error(f"--samples must be >= 1 and --instances >= 0, got {args.samples} and {args.instances}")
    try:
        dirs = [d for run in args.run_dirs for d in member_dirs(run)]
    except ValueError as e:
        p.error(str(e))
    for d in dirs:  # before any draw: a missing checkpoint should not cost the runs before it
        if not os.path.exists(os.path.join(d, "ckpt", "config.json")):
            p.error(f"{d} holds no ckpt/config.json (an Agent saved by benchmarks.train_gpu); experiments.run_table1 copies a "
                    "job's ckpt/ to --out only when --keep-ckpt names the job")
    prov = provenance()  # the code the draws start from
    t0 = time.monotonic()
    runs = [draw_run(d, args.seeds, args.samples, args.instances, args.batch, args.split) for d in args.run_dirs]
    out = {**prov, "device": device_name(), "samples": args.samples, "seeds": args.seeds, "split": args.split,
           "runs": runs, "time_s": time.monotonic() - t0}
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
