"""The ``GRAM/<id>-Text`` ids: one multi-turn text env per puzzle id (imports nothing heavy)."""

from __future__ import annotations

_ENTRY = "gram_envs.text.env:TextEnv"

#: id -> (entry point, default kwargs); merged into ``gram_envs.registration.ENV_TABLE``
TEXT_ENV_TABLE: dict[str, tuple[str, dict]] = {
    "GRAM/NQueens-8-Text": (_ENTRY, {"env_id": "GRAM/NQueens-8"}),
    "GRAM/NQueens-10-Text": (_ENTRY, {"env_id": "GRAM/NQueens-10"}),
    "GRAM/GraphColoring-8-Text": (_ENTRY, {"env_id": "GRAM/GraphColoring-8"}),
    "GRAM/GraphColoring-10-Text": (_ENTRY, {"env_id": "GRAM/GraphColoring-10"}),
    "GRAM/Sudoku-Extreme-Text": (_ENTRY, {"env_id": "GRAM/Sudoku-Extreme"}),
    "GRAM/ARC-AGI-1-Text": (_ENTRY, {"env_id": "GRAM/ARC-AGI-1", "max_turns": 2}),
    "GRAM/ARC-AGI-2-Text": (_ENTRY, {"env_id": "GRAM/ARC-AGI-2", "max_turns": 2}),
}


def register_text_envs() -> None:
    """Register every text id once (idempotent); ``import gram_envs`` already does it."""
    import gymnasium as gym

    for env_id, (entry_point, kwargs) in TEXT_ENV_TABLE.items():
        if env_id not in gym.registry:
            gym.register(id=env_id, entry_point=entry_point, kwargs=dict(kwargs))
