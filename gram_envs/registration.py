"""Every ``GRAM/...`` id in one table.

Exact ids users type are unversioned (``GRAM/NQueens-8``); parametric families are
versioned (``GRAM/NQueens-v0`` with kwargs). Never both schemes for one name.
"""

from __future__ import annotations

import gymnasium as gym

#: id -> (entry point, default kwargs)
ENV_TABLE: dict[str, tuple[str, dict]] = {
    "GRAM/NQueens-8": ("gram_envs.nqueens.env:NQueensEnv", {"n": 8}),
    "GRAM/NQueens-10": ("gram_envs.nqueens.env:NQueensEnv", {"n": 10}),
    "GRAM/NQueens-v0": ("gram_envs.nqueens.env:NQueensEnv", {}),
    "GRAM/GraphColoring-8": ("gram_envs.coloring.env:GraphColoringEnv", {"n": 8}),
    "GRAM/GraphColoring-10": ("gram_envs.coloring.env:GraphColoringEnv", {"n": 10}),
    "GRAM/GraphColoring-v0": ("gram_envs.coloring.env:GraphColoringEnv", {}),
    "GRAM/Sudoku-Extreme": ("gram_envs.sudoku.env:SudokuExtremeEnv", {}),
    "GRAM/Sudoku-v0": ("gram_envs.sudoku.env:SudokuEnv", {}),
    "GRAM/SudokuGen-9": ("gram_envs.sudoku.env:SudokuGenEnv", {}),
    "GRAM/SudokuGen-4": ("gram_envs.sudoku.env:SudokuGen4Env", {}),
    "GRAM/ARC-AGI-1": ("gram_envs.arc.env:ArcEnv", {"version": "arc-agi-1"}),
    "GRAM/ARC-AGI-2": ("gram_envs.arc.env:ArcEnv", {"version": "arc-agi-2"}),
}


def register_all() -> None:
    """Register every id once (idempotent, so re-imports never warn)."""
    for env_id, (entry_point, kwargs) in ENV_TABLE.items():
        if env_id not in gym.registry:
            gym.register(id=env_id, entry_point=entry_point, kwargs=dict(kwargs))


# ---- text interface (gram_envs/text): the GRAM/<id>-Text ids join the table, so register_all,
# check_all and `gram list` include them
from gram_envs.text.registration import TEXT_ENV_TABLE  # noqa: E402

ENV_TABLE.update(TEXT_ENV_TABLE)
