"""``create_dataset``: reasoning-gym's factory call for the GRAM datasets, without reasoning-gym."""

from __future__ import annotations

from typing import Any

from gram_envs.text.dataset import DATASETS, GramDataset


def create_dataset(name: str, **kwargs: Any) -> GramDataset:
    """``create_dataset("gram_nqueens", size=10, seed=42)``: as ``reasoning_gym.create_dataset``."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; expected one of {sorted(DATASETS)}")
    config = DATASETS[name](**kwargs)
    dataset = GramDataset(config)
    dataset.dataset_name = name
    return dataset
