"""Choose a run's checkpoint among its snapshots by coverage on training inputs, and adopt it.

    python -m experiments.select_snapshot RUN_DIR [--select-instances 772] [--samples 20] [--adopt]

Why: a colouring model's coverage@20 moves from one leg's end to the next, mostly on graphs with
few colourings, and its coverage on training inputs tracks its test coverage. So a run that keeps snapshots (config ``snapshot_every``) can pick its best one on
training inputs: model selection that looks at no test input.

Candidates: every ``RUN_DIR/snapshots/step<N>`` and the final checkpoint (``RUN_DIR/ckpt``, or
``ckpt_final`` once adopted); a snapshot of the final step is that model and is skipped. Each is
sampled at temperature 1.0 (the paper's sampling) on the first M training inputs, all under one
seed. The choice is ``gram_agent.evaluation.choose``'s rule: the best selection coverage among the
candidates whose selection accuracy reaches the bar, the smaller of ``--min-accuracy`` and the
final checkpoint's (so the final one always qualifies).

With ``--adopt`` the final checkpoint moves to ``RUN_DIR/ckpt_final`` and the chosen one is copied
to ``RUN_DIR/ckpt``, so what comes after (experiments.multi_solution, .sampling_seeds, ``--keep-ckpt``)
measures the chosen model. Writes ``RUN_DIR/snapshot_selection.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from gram_agent.evaluation import adopt_snapshot, choose, snapshot_candidates, split_inputs, sweep
from gram_envs.core.metrics import provenance


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("run_dir", type=Path, help="a benchmarks.train_gpu folder with ckpt/ and snapshots/step<N>/")
    p.add_argument("--samples", type=int, default=20)
    p.add_argument("--select-instances", type=int, default=772, help="first M training inputs used to choose")
    p.add_argument("--min-accuracy", type=float, default=0.99,
                   help="cap on the selection accuracy a choice must keep (the final checkpoint's where lower)")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--batch", type=int, default=8192, help="trajectories per forward")
    p.add_argument("--adopt", action="store_true", help="copy the chosen one to ckpt/ (the final kept as ckpt_final/)")
    args = p.parse_args()

    from tqdm.auto import tqdm

    from gram_agent.infer import Agent

    t0 = time.monotonic()
    prov = provenance()
    rows, env, selection = [], None, None
    for label, path in tqdm(snapshot_candidates(args.run_dir), desc=args.run_dir.name):
        agent = Agent.load(str(path), env=env)  # the first candidate builds the env, the others share it
        env = agent.env
        if selection is None:
            selection = {"select": split_inputs(agent, "select", args.select_instances)}
        # the schedule sweep's scoring at temperature 1.0 only (``only=[]`` keeps just that row)
        scored = sweep(agent, selection, samples=args.samples, seed=args.seed, batch=args.batch, progress=False,
                       only=[])[0]["select"]
        rows.append({"name": label, "path": str(path), "step": agent.meta.get("step"), "select": scored})
    ids = selection["select"][0]
    bar = min(args.min_accuracy, rows[0]["select"]["accuracy"])
    chosen = choose(rows, bar)
    picked = next(r for r in rows if r["name"] == chosen)
    out = {**prov, "run_dir": str(args.run_dir), "samples": args.samples, "seed": args.seed,
           "select_split": "train", "select_instances": len(ids), "min_accuracy": bar,
           "candidates": rows, "chosen": chosen, "chosen_step": picked["step"], "final_step": rows[0]["step"],
           "adopted": args.adopt, "time_s": time.monotonic() - t0}
    if args.adopt:
        adopt_snapshot(args.run_dir, Path(picked["path"]))
    (args.run_dir / "snapshot_selection.json").write_text(json.dumps(out, indent=1))
    print(json.dumps({"run": str(args.run_dir), "chosen": chosen, "step": picked["step"],
                      "select_coverage": picked["select"]["coverage"], "final_coverage": rows[0]["select"]["coverage"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
