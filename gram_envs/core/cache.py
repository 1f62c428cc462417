"""On-disk cache for generated puzzle sets, so a second build is instant.

Keys are versioned strings; bump the family's ``DATA_VERSION`` whenever generation
changes. Location: ``$GRAM_CACHE_DIR`` or ``~/.cache/gram_gym``.

The cache can never break an env:

- every file stores a manifest (array names, dtypes, shapes) and a SHA-256 of the arrays;
  a file that fails to load, to match its manifest or the caller's schema, or its checksum
  is rebuilt with a ``CacheWarning`` naming the file;
- a cache directory that cannot be created or written is skipped: the arrays are built in
  memory with a warning;
- writes go to a temp file named after host and pid, then an atomic rename, so parallel
  workers never read half a file; temp files of writers that died (killed mid-write) are
  removed by the next writer of the same key.

Files are created with mode 0o666 minus the umask, like any cache (group/other-readable
under the usual umask 022), so a shared cache directory works across users.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import socket
import time
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

#: bump when the file layout changes (old files are then simply not looked at)
CACHE_FORMAT = 2
_MANIFEST = "__manifest__"
_STALE_SECONDS = 3600.0  # a temp file this old is orphaned whoever wrote it


class CacheWarning(UserWarning):
    """A cache file was rebuilt or the cache directory could not be used."""


def cache_dir() -> Path:
    """Directory holding cached arrays (created on demand; may raise OSError)."""
    root = os.environ.get("GRAM_CACHE_DIR") or Path.home() / ".cache" / "gram_gym"
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_path(key: str) -> Path:
    """The file that holds ``key`` (the directory is created if needed)."""
    return cache_dir() / _file_name(key)


def _file_name(key: str) -> str:
    digest = hashlib.sha256(f"{CACHE_FORMAT}:{key}".encode()).hexdigest()[:16]
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in key)[:80]
    return f"{safe}-{digest}.npz"


def _checksum(arrays: Mapping[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for name in sorted(arrays):
        arr = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{arr.dtype.str}|{arr.shape}|".encode())
        h.update(arr.tobytes())
    return h.hexdigest()


def _manifest(arrays: Mapping[str, np.ndarray]) -> dict:
    return {
        "format": CACHE_FORMAT,
        "arrays": {k: [np.asarray(v).dtype.str, list(np.shape(v))] for k, v in sorted(arrays.items())},
        "sha256": _checksum(arrays),
    }


def check_schema(arrays: Mapping[str, np.ndarray], schema: Mapping[str, tuple[str, int]] | None, what: str) -> None:
    """ValueError unless ``arrays`` has exactly the schema's names, each of that dtype and ndim."""
    if schema is None:
        return
    if set(arrays) != set(schema):
        raise ValueError(f"{what}: arrays {sorted(arrays)} differ from the expected {sorted(schema)}")
    for name, (dtype, ndim) in schema.items():
        arr = arrays[name]
        if arr.dtype != np.dtype(dtype) or arr.ndim != ndim:
            raise ValueError(f"{what}: {name!r} is {arr.dtype} with {arr.ndim} axes; expected {dtype} with {ndim}")


def _load(path: Path, schema: Mapping[str, tuple[str, int]] | None) -> dict[str, np.ndarray]:
    """The arrays of a cache file, or an exception saying what is wrong with it."""
    with np.load(path, allow_pickle=False) as data:
        if _MANIFEST not in data.files:
            raise ValueError("no manifest")
        manifest = json.loads(bytes(data[_MANIFEST]).decode())
        arrays = {name: data[name] for name in data.files if name != _MANIFEST}
    if manifest.get("format") != CACHE_FORMAT:
        raise ValueError(f"format {manifest.get('format')!r}, expected {CACHE_FORMAT}")
    for name, arr in arrays.items():
        want = manifest["arrays"].get(name)
        if want is None or [arr.dtype.str, list(arr.shape)] != want:
            raise ValueError(f"array {name!r} does not match the manifest")
    if set(manifest["arrays"]) != set(arrays):
        raise ValueError("arrays missing from the file")
    if _checksum(arrays) != manifest["sha256"]:
        raise ValueError("checksum mismatch")
    check_schema(arrays, schema, "cache file")
    return arrays


def _remove_orphans(path: Path) -> None:
    """Delete temp files of ``path`` left by dead writers on this host (or stale anywhere)."""
    host = socket.gethostname()
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        parts = tmp.name[len(path.name) + 2 : -len(".tmp")].rsplit(".", 1)
        try:
            stale = time.time() - tmp.stat().st_mtime > _STALE_SECONDS
        except OSError:
            continue
        dead = False
        if len(parts) == 2 and parts[0] == host and parts[1].isdigit():
            try:
                os.kill(int(parts[1]), 0)
            except ProcessLookupError:
                dead = True
            except OSError:  # alive but not ours (EPERM)
                pass
        if dead or stale:
            tmp.unlink(missing_ok=True)


def _write(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    """Atomic write: temp file (mode 0o666 minus umask), fsync-free rename."""
    _remove_orphans(path)
    tmp = path.with_name(f".{path.name}.{socket.gethostname()}.{os.getpid()}.tmp")
    manifest = np.frombuffer(json.dumps(_manifest(arrays)).encode(), dtype=np.uint8)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays, **{_MANIFEST: manifest})
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(buf.getbuffer())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def cached_arrays(
    key: str,
    build: Callable[[], dict[str, np.ndarray]],
    schema: Mapping[str, tuple[str, int]] | None = None,
) -> dict[str, np.ndarray]:
    """Load ``key``'s arrays from disk, or build, save and return them.

    ``schema`` maps each array name to (dtype, ndim); a cached file that does not match it
    (or its own manifest and checksum) is rebuilt with a ``CacheWarning`` naming the file.
    """
    try:
        path = cache_path(key)
    except OSError as exc:
        warnings.warn(f"cache directory unusable ({exc}); building {key!r} in memory", CacheWarning, stacklevel=2)
        return _built(build, schema, key)
    if path.exists():
        try:
            return _load(path, schema)
        except Exception as exc:  # any damage at all: BadZipFile, KeyError, EOFError, zlib.error, ...
            warnings.warn(
                f"cache file {path} is damaged ({type(exc).__name__}: {exc}); rebuilding it", CacheWarning, stacklevel=2
            )
    arrays = _built(build, schema, key)
    try:
        _write(path, arrays)
    except OSError as exc:
        warnings.warn(f"cannot write cache file {path} ({exc}); using the arrays built in memory", CacheWarning,
                      stacklevel=2)
    return arrays


def _built(build: Callable[[], dict[str, np.ndarray]], schema, key: str) -> dict[str, np.ndarray]:
    arrays = {name: np.asarray(value) for name, value in build().items()}
    if _MANIFEST in arrays:
        raise ValueError(f"array name {_MANIFEST!r} is reserved")
    check_schema(arrays, schema, f"builder of {key!r}")
    return arrays
