"""The packed torch.compile caches: a fresh process (empty on-disk caches) that loads them hits
inductor's graph cache instead of compiling; bad or oversized files never break a run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
import torch

from gram_agent import compile_cache

COMPILE_AND_REPORT = """
import json, sys, torch
from torch._dynamo.utils import counters
from gram_agent import compile_cache
path, mode = sys.argv[1], sys.argv[2]
loaded = compile_cache.load(path) if mode == "load" else False
f = torch.compile(lambda x: torch.tanh(x) * 3 + x.sum())
f(torch.randn(16))
size = compile_cache.save(path) if mode == "save" else None
print(json.dumps({"loaded": loaded, "size": size, "hits": counters["inductor"]["fxgraph_cache_hit"]}))
"""


def run_fresh(tmp_path, name: str, path: str, mode: str) -> dict:
    """One process whose inductor and triton caches start empty, as on a newly lent machine."""
    env = {**os.environ, "TORCHINDUCTOR_CACHE_DIR": str(tmp_path / name / "inductor"),
           "TRITON_CACHE_DIR": str(tmp_path / name / "triton")}
    out = subprocess.run([sys.executable, "-c", COMPILE_AND_REPORT, path, mode], env=env, capture_output=True,
                         text=True, timeout=600, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(shutil.which("g++") is None and shutil.which("cc") is None, reason="inductor needs a C++ compiler on CPU")
def test_a_fresh_process_loading_the_cache_skips_compilation(tmp_path):
    path = str(tmp_path / "cc.bin")
    first = run_fresh(tmp_path, "a", path, "save")
    assert first["size"] and first["hits"] == 0
    with open(path, "rb") as f:
        assert f.read(len(compile_cache.MAGIC)) == compile_cache.MAGIC
    assert run_fresh(tmp_path, "b", path, "none")["hits"] == 0  # without the file: a cold compile
    second = run_fresh(tmp_path, "c", path, "load")
    assert second["loaded"] and second["hits"] >= 1


def test_missing_or_foreign_file_is_ignored(tmp_path):
    assert compile_cache.load(str(tmp_path / "absent.bin")) is False
    foreign = tmp_path / "foreign.bin"
    foreign.write_bytes(b"not a cache")
    with pytest.warns(UserWarning, match="not a compile cache"):
        assert compile_cache.load(str(foreign)) is False
    broken = tmp_path / "broken.bin"
    broken.write_bytes(compile_cache.MAGIC + b"\x00garbage")
    with pytest.warns(UserWarning, match="could not be loaded"):
        assert compile_cache.load(str(broken)) is False


def test_nothing_compiled_or_too_large_leaves_no_file(tmp_path, monkeypatch):
    path = tmp_path / "cc.bin"
    path.write_bytes(b"stale")
    monkeypatch.setattr(torch.compiler, "save_cache_artifacts", lambda: None)
    assert compile_cache.save(str(path)) is None and not path.exists()
    monkeypatch.setattr(torch.compiler, "save_cache_artifacts", lambda: (os.urandom(4096), None))
    with pytest.warns(UserWarning, match="exceeds"):
        assert compile_cache.save(str(path), max_mib=0.001) is None
    assert not path.exists()
    assert compile_cache.save(str(path)) > 4096 and path.exists()
