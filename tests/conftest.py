"""Shared test settings: a per-session cache dir so tests never touch the user's cache."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# pytest-xdist runs 2 workers on 2 cores: one thread each, or torch/numba threads spin against
# each other and the suite slows down many times over.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("GRAM_CACHE_DIR", os.path.join(tempfile.gettempdir(), "gram_gym_test_cache"))

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci")


@pytest.fixture(scope="session")
def small_gram_agent_dir(tmp_path_factory) -> Path:
    """A tiny GRAM trained for a few steps on N-Queens-8 and saved: a real agent for tests of the
    sampling machinery (ensembles, sampling seeds), made here instead of tracking a checkpoint."""
    torch = pytest.importorskip("torch")
    from gram_agent import preset, train

    torch.manual_seed(0)
    cfg = preset("tiny", "GRAM/NQueens-8", model="gram", d_model=32, n_heads=2, guidance_hidden=32, T=2, K=2,
                 n_sup=4, batch_size=16)
    agent = train("GRAM/NQueens-8", cfg, device="cpu", max_steps=20, progress=False, eval_at_end=False)
    out = tmp_path_factory.mktemp("agents") / "nq8_gram_tiny"
    agent.save(str(out))
    return out
