"""Shared helpers for the speed benchmarks and drivers: provenance of every number written to results/."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

from gram_envs.core.metrics import provenance

RESULTS = Path(__file__).resolve().parent / "results"


def env_kwargs_arg(raw: str) -> dict:
    """``--env-kwargs`` (benchmarks.train_gpu, experiments.multi_solution): a JSON object for ``gym.make``, refused by
    name otherwise."""
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as e:
        raise argparse.ArgumentTypeError(f"--env-kwargs takes a JSON object such as '{{\"p\": 0.5}}', got {raw!r}") from e
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"--env-kwargs takes a JSON object, got {raw!r}")
    return value


def write_result(name: str, payload: dict) -> Path:
    """Write ``results/<name>.json`` with provenance merged in; return the path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({**provenance(), **payload}, indent=2, sort_keys=True) + "\n")
    return path


def best_of(fn: Callable[[], object], repeats: int) -> float:
    """Best wall time of several runs: the one least disturbed by other load on the machine."""
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)
