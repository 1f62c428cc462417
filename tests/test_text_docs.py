"""Every ```python block of docs/text.md runs as written (blocks run in order, one namespace)."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "text.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.S | re.M)


def test_docs_text_python_blocks_run(capsys) -> None:
    blocks = python_blocks(DOC.read_text())
    assert len(blocks) >= 6
    namespace: dict = {"__name__": "docs_text"}
    for i, block in enumerate(blocks):
        exec(compile(block, f"{DOC.name}[python block {i + 1}]", "exec"), namespace)
    assert "Correct." not in capsys.readouterr().err
