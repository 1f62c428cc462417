"""The tracked tree stays small: code, docs, small result summaries and the shipped pretrained agents.
Logs, training histories and checkpoints of experiments are not tracked (git history keeps the old ones),
run ids are neutral (date plus number) and stored commands name no machine's absolute paths."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MB = 10**6
MAX_TRACKED_BYTES = 15 * MB
MAX_RESULTS_BYTES = 5 * MB
MAX_RESULT_FILE_BYTES = 1 * MB
#: internal run ids of the lab notebook this project grew from (stored runs use date-number ids)
RUN_ID = re.compile(r"s[0-9]+-call[0-9]")
#: absolute paths of a machine a run happened on
MACHINE_PATH = re.compile(r"(?<![\w.])/(?:work|root|tmp)/|(?<![\w.])/home/[A-Za-z]")


def tracked() -> dict[str, int]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    names = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return {n: (ROOT / n).stat().st_size for n in names.decode().split("\0") if n and (ROOT / n).is_file()}


def largest(sizes: dict[str, int]) -> str:
    return ", ".join(f"{n} ({sizes[n] / MB:.2f} MB)" for n in sorted(sizes, key=sizes.get, reverse=True)[:5])


def test_tracked_tree_is_small():
    sizes = tracked()
    total = sum(sizes.values())
    assert total < MAX_TRACKED_BYTES, f"tracked files total {total / MB:.1f} MB; largest: {largest(sizes)}"


def test_results_folder_is_small_and_holds_no_large_file():
    results = {n: s for n, s in tracked().items() if n.startswith("benchmarks/results/")}
    total = sum(results.values())
    assert total < MAX_RESULTS_BYTES, f"benchmarks/results holds {total / MB:.1f} MB; largest: {largest(results)}"
    big = {n: s for n, s in results.items() if s > MAX_RESULT_FILE_BYTES}
    assert not big, f"result files over 1 MB: {largest(big)}"


def test_no_internal_run_ids_or_machine_paths():
    """Result files and code name runs by neutral ids; stored commands carry placeholders (OUT, WORK,
    TMP) for the folders of the machine they ran on."""
    run_ids, paths = [], []
    for name in tracked():
        if name.endswith((".png", ".safetensors", ".gz", ".npz")):
            continue
        text = (ROOT / name).read_text(errors="replace")
        if RUN_ID.search(text) or RUN_ID.search(name):
            run_ids.append(name)
        if name.startswith("benchmarks/results/") and MACHINE_PATH.search(text):
            paths.append(name)
    assert not run_ids, f"files naming internal run ids: {run_ids[:10]}"
    assert not paths, f"result files with absolute machine paths: {paths[:10]}"


def test_the_patterns_catch_what_they_should():
    old_id = "s13" + "-call2"  # spelled in two parts so this file does not match itself
    assert RUN_ID.search(f"benchmarks/results/table1/{old_id}") and not RUN_ID.search("runs/2026-12-01-17")
    work, home = "/".join(["", "work", "main"]), "/".join(["", "home", "alice"])  # not spelled out: the repo holds none
    assert MACHINE_PATH.search(f"python3 {work}/benchmarks/train_gpu.py")
    assert MACHINE_PATH.search("--out /tmp/t_x") and MACHINE_PATH.search(f"cp x {home}/y")
    assert not MACHINE_PATH.search("--out-dir WORK/nq8 and OUT/t.tgz and benchmarks/results/runs/x")


def test_stored_runs_are_named_by_date_and_keep_summaries_only():
    """runs/<YYYY-MM-DD-NN>/ holds call.json and one folder per job with its JSON summaries."""
    runs = ROOT / "benchmarks" / "results" / "runs"
    if not runs.is_dir():
        pytest.skip("no stored runs")
    kept = {"results.json", "analysis.json", "schedules.json", "snapshot_selection.json"}
    for call in runs.iterdir():
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}-\d{2}", call.name), call.name
        assert "session" not in json.loads((call / "call.json").read_text()), call.name
        for job in (p for p in call.iterdir() if p.is_dir()):
            names = {p.name for p in job.iterdir()}
            assert names <= kept and "results.json" in names, (job, names - kept)
            assert "history" not in json.loads((job / "results.json").read_text()), job
