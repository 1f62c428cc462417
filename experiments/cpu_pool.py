"""Run a CPU study's jobs in worker processes and store the runs with their provenance."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from gram_envs.core.metrics import provenance


def run_jobs(run_one: Callable[[Any], dict], jobs: Iterable[Any], workers: int, out: str | Path,
             **fields: Any) -> list[dict]:
    """``run_one`` over ``jobs`` in ``workers`` processes; writes provenance, ``fields``, the wall
    time and the runs as JSON to ``out`` and returns the runs."""
    prov = provenance()  # the code the runs start from (commits made while they run do not count)
    t0 = time.monotonic()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        runs = list(pool.map(run_one, jobs))
    record = {**prov, "device": "cpu", **fields, "wall_s": time.monotonic() - t0, "runs": runs}
    # compact: the per-step logs of many runs would be mostly indentation (the tree stays small)
    Path(out).write_text(json.dumps(record, separators=(",", ":"), default=float) + "\n")
    return runs


def print_runs(runs: list[dict], name_key: str, logged: Iterable[str]) -> None:
    """One line per run: its name, seed, test accuracy and the ``logged`` values of its last log row."""
    logged = tuple(logged)
    width = max((len(str(r[name_key])) for r in runs), default=0)
    for r in runs:
        last = r["log"][-1] if r["log"] else {}
        print(f"{r[name_key]:{width}s} seed {r['seed']}: test accuracy {r['test_accuracy']:.3f}; last log: "
              + ", ".join(f"{k} {last.get(k, float('nan')):.3f}" for k in logged) + f"  ({r['train_s']:.0f} s)")
