"""Every registered GRAM id passes gymnasium's own checker (iterating the registry)."""

from __future__ import annotations

import gymnasium as gym
import pytest

import gram_envs
from gram_envs.registration import ENV_TABLE
from gram_envs.testing import check_all


def test_table_matches_registry() -> None:
    registered = {env_id for env_id in gym.registry if env_id.startswith("GRAM/")}
    assert registered == set(ENV_TABLE)
    gram_envs.register_all()  # idempotent: no "Overriding environment" warning, no error


@pytest.mark.parametrize("env_id", sorted(ENV_TABLE))
def test_check_env(env_id: str) -> None:
    assert check_all([env_id]) == [env_id]


def test_unknown_id_is_a_clear_error() -> None:
    with pytest.raises(gym.error.NameNotFound):
        gym.make("GRAM/NQueens-9")
