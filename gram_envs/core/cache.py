"""On-disk cache for generated puzzle sets, so a second build is instant.

Keys are versioned strings; bump the family's ``DATA_VERSION`` whenever generation
changes. Location: ``$GRAM_CACHE_DIR`` or ``~/.cache/gram_gym``. Writes are atomic
(temp file + rename) so parallel workers never read half a file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np


def cache_dir() -> Path:
    """Directory holding cached arrays (created on demand)."""
    root = os.environ.get("GRAM_CACHE_DIR") or Path.home() / ".cache" / "gram_gym"
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def cached_arrays(key: str, build: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Load ``key``'s arrays from disk, or build, save and return them."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in key)[:80]
    path = cache_dir() / f"{safe}-{digest}.npz"
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as data:
                return {name: data[name] for name in data.files}
        except (OSError, ValueError):
            path.unlink(missing_ok=True)  # corrupt: rebuild below
    arrays = build()
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp.npz")
    os.close(fd)
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, path)
    return arrays
