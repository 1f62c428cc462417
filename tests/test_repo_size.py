"""The tracked tree must fit the GPU tool's 64 MiB working-tree limit with room for the carried
wheels and two start checkpoints; checkpoints that no longer back a quoted number are pruned (they
stay in git history)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: 64 MiB less the carry folder (~2 MiB of wheels), two start checkpoints a continued leg carries
#: untracked (~4.6 MiB each) and some slack
MAX_TRACKED_BYTES = 50 * 2**20


def test_tracked_tree_fits_the_device_limit():
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    names = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    paths = [ROOT / n for n in names.decode().split("\0") if n]
    sizes = {p: p.stat().st_size for p in paths if p.is_file()}
    total = sum(sizes.values())
    biggest = sorted(sizes, key=sizes.get, reverse=True)[:5]
    assert total <= MAX_TRACKED_BYTES, (
        f"tracked files total {total / 2**20:.1f} MiB > {MAX_TRACKED_BYTES / 2**20:.0f} MiB; largest: "
        + ", ".join(f"{p.relative_to(ROOT)} ({sizes[p] / 2**20:.1f} MiB)" for p in biggest))
