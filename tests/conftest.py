"""Shared test settings: a per-session cache dir so tests never touch the user's cache."""

from __future__ import annotations

import os
import tempfile

from hypothesis import HealthCheck, settings

# pytest-xdist runs 2 workers on 2 cores: one thread each, or torch/numba threads spin against
# each other and the suite slows down many times over.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("GRAM_CACHE_DIR", os.path.join(tempfile.gettempdir(), "gram_gym_test_cache"))

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci")
