"""Text interface for language-model training (no torch): prompts, strict parsers, exact scores.

- ``create_dataset(name, size=, seed=, ...)``: reasoning-gym style datasets
  (``gram_nqueens``, ``gram_graph_coloring``, ``gram_sudoku``, ``gram_arc``, ``gram``);
  ``register_reasoning_gym()`` makes the same names work in ``reasoning_gym.create_dataset``.
- ``score_answer``, ``score_group``, ``score_groups``: exact scores, validity, solution ids,
  coverage and a diversity bonus for group-based RL.
- ``text_task(env_id)``: a family's renderer/parser/checker; ``TextEnv``: ``GRAM/<id>-Text``.
- ``python -m gram_envs.text.export``: prompt/answer/metadata rows as jsonl or parquet.

Names are imported lazily, so ``import gram_envs`` stays light. See docs/text.md.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "GramDataset": "dataset",
    "GramConfig": "dataset",
    "GramNQueensConfig": "dataset",
    "GramGraphColoringConfig": "dataset",
    "GramSudokuConfig": "dataset",
    "GramArcConfig": "dataset",
    "DATASETS": "dataset",
    "register_reasoning_gym": "dataset",
    "create_dataset": "api",
    "score_answer": "scoring",
    "score_texts": "scoring",
    "score_group": "scoring",
    "score_groups": "scoring",
    "text_task": "tasks",
    "TextTask": "tasks",
    "TextEnv": "env",
    "load_rows": "export",
    "export_rows": "export",
    "TEXT_ENV_TABLE": "registration",
    "register_text_envs": "registration",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"gram_envs.text.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'gram_envs.text' has no attribute {name!r}")
