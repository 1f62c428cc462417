"""Shared helpers for benchmark scripts: provenance of every number written to results/."""

from __future__ import annotations

import argparse
import datetime as _dt
import gzip
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def env_kwargs_arg(raw: str) -> dict:
    """``--env-kwargs`` (train_gpu.py, multi_solution.py): a JSON object for ``gym.make``, refused by
    name otherwise."""
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as e:
        raise argparse.ArgumentTypeError(f"--env-kwargs takes a JSON object such as '{{\"p\": 0.5}}', got {raw!r}") from e
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"--env-kwargs takes a JSON object, got {raw!r}")
    return value


#: Table-1 task key -> (env id, supervised answer tokens per sample: N*N boards, one colour per vertex)
TABLE1_TASKS: dict[str, tuple[str, int]] = {
    "nq8": ("GRAM/NQueens-8", 64), "nq10": ("GRAM/NQueens-10", 100),
    "gc8": ("GRAM/GraphColoring-8", 8), "gc10": ("GRAM/GraphColoring-10", 10),
}


#: a stored run keeps its training curve (results.json's "history") apart, gzipped: it is most of the
#: file's bytes, and the tracked tree must leave room in the GPU tool's 64 MiB for start checkpoints
HISTORY_FILE = "history.json.gz"


def store_results(src: Path, dest_dir: Path) -> None:
    """Write a run's results.json to ``dest_dir`` without its history, and the history as HISTORY_FILE
    (``load_run_results`` puts it back; ``src`` may be ``dest_dir``'s own results.json)."""
    results = json.loads(src.read_text())
    history = results.pop("history", None)
    if history is not None:
        (dest_dir / HISTORY_FILE).write_bytes(gzip.compress(json.dumps(history).encode(), compresslevel=9, mtime=0))
    (dest_dir / "results.json").write_text(json.dumps(results, indent=1))


def load_run_results(run_dir: Path) -> dict:
    """A run folder's results.json, with its training history put back from HISTORY_FILE where the
    run was stored that way (``store_results``)."""
    results = json.loads((run_dir / "results.json").read_text())
    stored = run_dir / HISTORY_FILE
    if stored.exists():
        if "history" in results:
            raise ValueError(f"{run_dir}: a history both in results.json and in {HISTORY_FILE}; expected one")
        results["history"] = json.loads(gzip.decompress(stored.read_bytes()))
    return results


def provenance() -> dict[str, str]:
    """Command, commit, machine and date: written next to every result.

    The commit is ``GIT_COMMIT`` where set: scripts/device_env.sh sets it on the GPU machine from
    .carry/GIT_COMMIT, written by scripts/build_carry.sh from the checkout the call was sent from.
    That machine's own .git is an older snapshot, so git there names the wrong code: the schedule
    sweeps stored from session 5 to 10 name it, where each call's CALL.json names the right one."""
    carried = os.environ.get("GIT_COMMIT", "unknown")
    commit = carried if carried != "unknown" else _git_commit(Path(__file__).resolve().parent)
    return {
        "command": shlex.join([Path(sys.executable).name, *sys.argv]),
        "commit": commit or "unknown",
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.processor() or ''} {os.cpu_count()} cpus".strip(),
        "python": platform.python_version(),
    }


def _git_commit(here: Path) -> str:
    """HEAD's short hash, +dirty when tracked files differ from it ("" without git)."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                check=False, cwd=here).stdout.strip()
        # a run from uncommitted edits of tracked files is not that commit's code: say so
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                               text=True, check=False, cwd=here).stdout.strip()
        return commit + ("+dirty" if commit and dirty else "")
    except OSError:
        return ""


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
