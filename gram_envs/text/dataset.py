"""reasoning-gym compatible procedural datasets over the GRAM envs.

Same interface and semantics as ``reasoning_gym.dataset.ProceduralDataset``: built from a
config dataclass (``size``, ``seed``), ``len``, iteration, ``dataset[idx]`` deterministic
from ``seed`` and ``idx``, entries ``{"question", "answer", "metadata"}`` and
``score_answer(answer, entry) -> float`` in [0, 1] (formula: ``gram_envs.text.scoring``).
``answer`` is one valid completion drawn with the entry's seed (for SFT); any other valid
completion scores 1.0 too. ``metadata`` names the env id, its kwargs, the instance id and
its number of solutions, so the env can score the same instance.

``register_reasoning_gym()`` adds the names ``gram_nqueens``, ``gram_graph_coloring``,
``gram_sudoku``, ``gram_arc`` and ``gram`` (any env id) to reasoning-gym's registry when
it is installed; scoring reads everything from the entry, so reasoning-gym's
``get_score_answer_fn(name)`` (which builds a default-config dataset) scores any entry.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gram_envs.text.scoring import check_partial_credit, score_answer
from gram_envs.text.tasks import TextTask, text_task


def _check_common(config: Any) -> None:
    if isinstance(config.size, bool) or not isinstance(config.size, int) or config.size < 1:
        raise ValueError(f"size must be a positive int, got {config.size!r}")
    if config.seed is not None and (isinstance(config.seed, bool) or not isinstance(config.seed, int)
                                    or config.seed < 0):
        raise ValueError(f"seed must be None or a non-negative int, got {config.seed!r}")
    check_partial_credit(config.partial_credit)


@dataclass
class GramConfig:
    """Any supported env id (``GRAM/NQueens-8``, ``GRAM/ARC-AGI-1``, ...) with its kwargs."""

    env_id: str = "GRAM/NQueens-8"
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    split: str = "train"
    partial_credit: float = 0.0
    size: int = 500
    seed: int | None = None

    def env_spec(self) -> tuple[str, dict[str, Any]]:
        return self.env_id, dict(self.env_kwargs)

    def validate(self) -> None:
        _check_common(self)
        if not isinstance(self.env_kwargs, dict):
            raise ValueError(f"env_kwargs must be a dict, got {self.env_kwargs!r}")


@dataclass
class GramNQueensConfig:
    """N-Queens completions: n = 8 or 10 are the paper's sets, 4..12 are generated the same way."""

    n: int = 8
    split: str = "train"
    partial_credit: float = 0.0
    size: int = 500
    seed: int | None = None

    def env_spec(self) -> tuple[str, dict[str, Any]]:
        return (f"GRAM/NQueens-{self.n}", {}) if self.n in (8, 10) else ("GRAM/NQueens-v0", {"n": self.n})

    def validate(self) -> None:
        _check_common(self)
        if isinstance(self.n, bool) or not isinstance(self.n, int) or not 4 <= self.n <= 12:
            raise ValueError(f"n must be an int in [4, 12], got {self.n!r}")


@dataclass
class GramGraphColoringConfig:
    """3-colourings of the paper's Erdos-Renyi graphs: n = 8 or 10 vertices."""

    n: int = 8
    split: str = "train"
    partial_credit: float = 0.0
    size: int = 500
    seed: int | None = None

    def env_spec(self) -> tuple[str, dict[str, Any]]:
        return f"GRAM/GraphColoring-{self.n}", {}

    def validate(self) -> None:
        _check_common(self)
        if self.n not in (8, 10) or isinstance(self.n, bool):
            raise ValueError(f"n must be 8 or 10 (use the 'gram' dataset with env_kwargs for others), got {self.n!r}")


@dataclass
class GramSudokuConfig:
    """The shipped hard 9x9 Sudoku-Extreme set (one solution per puzzle)."""

    split: str = "train"
    partial_credit: float = 0.0
    size: int = 500
    seed: int | None = None

    def env_spec(self) -> tuple[str, dict[str, Any]]:
        return "GRAM/Sudoku-Extreme", {}

    def validate(self) -> None:
        _check_common(self)


@dataclass
class GramArcConfig:
    """ARC-AGI test inputs with their demonstrations; ``data_path`` as in ``ArcEnv``."""

    version: str = "arc-agi-1"
    split: str = "training"
    data_path: str | None = None
    partial_credit: float = 0.0
    size: int = 500
    seed: int | None = None

    def env_spec(self) -> tuple[str, dict[str, Any]]:
        kwargs = {} if self.data_path is None else {"data_path": self.data_path}
        return f"GRAM/{self.version.upper()}", kwargs

    def validate(self) -> None:
        _check_common(self)
        if self.version not in ("arc-agi-1", "arc-agi-2"):
            raise ValueError(f"version must be 'arc-agi-1' or 'arc-agi-2', got {self.version!r}")


class GramDataset:
    """Procedural dataset over one GRAM env split (see module docstring)."""

    def __init__(self, config: Any = None, seed: int | None = None, size: int | None = None) -> None:
        config = GramConfig() if config is None else config
        if hasattr(config, "validate"):
            config.validate()
        self.config = config
        self.size = config.size if size is None else size
        seed = config.seed if seed is None else seed
        self.seed = seed if seed is not None else random.Random().randint(0, 2**32)
        self._task: TextTask | None = None
        self._ids: np.ndarray | None = None

    @property
    def task(self) -> TextTask:
        """The env's text adapter, built on first use (so scoring-only datasets stay cheap)."""
        if self._task is None:
            self._task = text_task(*self.config.env_spec())
        return self._task

    @property
    def instance_ids(self) -> np.ndarray:
        if self._ids is None:
            self._ids = self.task.split_ids(self.config.split)
            if len(self._ids) == 0:
                raise ValueError(f"split {self.config.split!r} of {self.task.env_id} has no instances")
        return self._ids

    def __len__(self) -> int:
        return self.size

    def __iter__(self):
        self._current_idx = 0
        return self

    def __next__(self) -> dict[str, Any]:
        if self._current_idx >= self.size:
            raise StopIteration
        item = self[self._current_idx]
        self._current_idx += 1
        return item

    def __getitem__(self, idx: int) -> dict[str, Any]:
        if isinstance(idx, bool) or not isinstance(idx, (int, np.integer)) or not 0 <= idx < self.size:
            raise IndexError(f"index must be an int in [0, {self.size}), got {idx!r}")
        rng = np.random.default_rng([self.seed, int(idx)])
        ids = self.instance_ids
        entry = make_entry(self.task, int(ids[rng.integers(len(ids))]), rng, self.config.partial_credit,
                           self.config.split)
        entry["metadata"].update(source_dataset=getattr(self, "dataset_name", "gram"), source_index=int(idx))
        return entry

    def score_answer(self, answer: Any, entry: dict[str, Any]) -> float:
        """1.0 for any valid completion; partial credit from the exact conflict count; 0.0 if unparsable."""
        p = entry.get("metadata", {}).get("partial_credit") if isinstance(entry, dict) else None
        return score_answer(answer, entry, self.config.partial_credit if p is None else p)


def make_entry(task: TextTask, instance_id: int, rng: np.random.Generator, partial_credit: float,
               split: str) -> dict[str, Any]:
    """One ``{"question", "answer", "metadata"}`` row for an instance (answer: a random solution)."""
    sols = task.solutions(instance_id)
    answer = task.render_answer(sols[int(rng.integers(len(sols)))])
    metadata = {
        "env_id": task.env_id,
        "env_kwargs": dict(task.env_kwargs),
        "split": split,
        "instance_id": int(instance_id),
        "num_solutions": task.num_solutions(instance_id),
        "partial_credit": float(partial_credit),
        "family": task.family,
        **task.instance_metadata(instance_id),
    }
    return {"question": task.question(instance_id), "answer": answer, "metadata": metadata}


#: reasoning-gym name -> config class
DATASETS: dict[str, type] = {
    "gram_nqueens": GramNQueensConfig,
    "gram_graph_coloring": GramGraphColoringConfig,
    "gram_sudoku": GramSudokuConfig,
    "gram_arc": GramArcConfig,
    "gram": GramConfig,
}


def register_reasoning_gym() -> list[str]:
    """Register every name in ``DATASETS`` with reasoning-gym (idempotent); return the names.

    Raises ImportError naming the extra when reasoning-gym is not installed.
    """
    try:
        import reasoning_gym
        from reasoning_gym.dataset import ProceduralDataset
        from reasoning_gym.factory import DATASETS as RG_DATASETS
    except ImportError as exc:
        raise ImportError("register_reasoning_gym needs reasoning-gym: pip install 'gram-gym[text]'") from exc
    for name, config_cls in DATASETS.items():
        if name in RG_DATASETS:
            continue
        cls_name = "".join(part.title() for part in name.split("_")) + "Dataset"
        # GramDataset first: its __init__, iteration and score_answer win over the abstract base
        dataset_cls = type(cls_name, (GramDataset, ProceduralDataset), {"dataset_name": name,
                                                                       "__module__": __name__})
        reasoning_gym.register_dataset(name, dataset_cls, config_cls)
    return list(DATASETS)
