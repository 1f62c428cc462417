"""Every ```python block of docs/environments.md runs as written, in order, in one namespace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "environments.md"
FORBIDDEN = (re.compile(r"s[0-9]+-call[0-9]"), re.compile(r"/(work|root|tmp)/"))


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def test_environments_doc_blocks_run(tmp_path, monkeypatch) -> None:
    text = DOC.read_text()
    blocks = python_blocks(text)
    assert len(blocks) >= 8
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "docs_environments"}
    for i, block in enumerate(blocks):
        try:
            exec(compile(block, f"{DOC.name}[block {i}]", "exec"), namespace)
        except Exception as exc:  # name the block that failed
            pytest.fail(f"block {i} of {DOC.name} failed: {type(exc).__name__}: {exc}\n{block}")


def test_environments_doc_has_no_run_ids_or_machine_paths() -> None:
    text = DOC.read_text()
    for pattern in FORBIDDEN:
        assert not pattern.search(text), pattern.pattern
