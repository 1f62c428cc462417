"""torch.compile's caches as one portable file, so that a chain's chunk on a fresh machine can skip much
of the compilation its predecessor paid for (``torch.compiler.save_cache_artifacts``).

The file is zlib-compressed and refused above ``MAX_MIB`` when written: it travels beside the
checkpoint parts inside the same carry limit. Loading never fails a run: a cache from another torch
or GPU is reported and ignored, and the step compiles from scratch as without it.
"""

from __future__ import annotations

import os
import warnings
import zlib

import torch

#: largest compressed cache written (MiB); the checkpoint parts need the rest of the carry
MAX_MIB = 8.0
#: magic prefix of the file, so that a wrong file is named rather than fed to torch
MAGIC = b"GRAMCC1\n"


def load(path: str) -> bool:
    """Seed this process's compile caches from ``path`` before the first compile; True when loaded."""
    if not os.path.isfile(path):
        return False
    with open(path, "rb") as f:
        blob = f.read()
    if not blob.startswith(MAGIC):
        warnings.warn(f"{path} is not a compile cache written by gram_agent.compile_cache; ignored", stacklevel=2)
        return False
    try:
        info = torch.compiler.load_cache_artifacts(zlib.decompress(blob[len(MAGIC):]))
    except Exception as e:  # noqa: BLE001 - a stale cache must never stop training
        warnings.warn(f"compile cache {path} could not be loaded ({type(e).__name__}: {e}); compiling anew",
                      stacklevel=2)
        return False
    return info is not None


def save(path: str, max_mib: float = MAX_MIB) -> int | None:
    """Write what this process compiled to ``path``; its size in bytes, or None when there was nothing
    to save or it exceeds ``max_mib`` (then no file is left at ``path``)."""
    artifacts = torch.compiler.save_cache_artifacts()
    if os.path.exists(path):
        os.remove(path)
    if artifacts is None:
        return None
    blob = MAGIC + zlib.compress(artifacts[0], 6)
    if len(blob) > max_mib * 2**20:
        warnings.warn(f"compile cache of {len(blob) / 2**20:.1f} MiB exceeds {max_mib:g} MiB; not written",
                      stacklevel=2)
        return None
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(blob)
    os.replace(tmp, path)
    return len(blob)
