"""Every ```python block in README.md and docs/ runs as written (a newcomer copies them).

Blocks of one file run in order in one fresh interpreter, so a later block may use what an
earlier one defined; each file runs in its own temporary working directory.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"^```python[^\n]*\n(.*?)^```", re.S | re.M)


def documents() -> list[Path]:
    docs = sorted((ROOT / "docs").rglob("*.md")) if (ROOT / "docs").is_dir() else []
    return [p for p in [ROOT / "README.md", *docs] if BLOCK.search(p.read_text(encoding="utf-8"))]


def test_docs_have_examples():
    assert ROOT.joinpath("README.md") in documents(), "README.md lost its python examples"


@pytest.mark.parametrize("doc", documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_python_blocks_run(doc: Path, tmp_path: Path):
    blocks = BLOCK.findall(doc.read_text(encoding="utf-8"))
    script = "\n\n".join(f"# ---- block {i + 1}\n{b}" for i, b in enumerate(blocks))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=240)
    assert proc.returncode == 0, f"{doc.relative_to(ROOT)}: a python block failed\n{proc.stderr[-3000:]}"
