"""Checkpoints: weights as safetensors, config and counters as JSON, and the resume state
(optimizer, EMA, carry, RNG states) as safetensors + JSON: nothing is ever unpickled, so a
checkpoint from elsewhere cannot run code when it is loaded or resumed.

Layout of ``<dir>/<tag>/`` (tag = last | best):
  weights.safetensors  raw model (incl. the fixed z0 buffer)
  ema.safetensors      EMA model (what evaluation and Agent.load use), if EMA is on
  config.json          GRAMConfig
  state.safetensors    tensors of the resume state (optimizer moments, carry, generator states)
  state.json           the rest of the resume state, tensors referenced by name (resume only)
  task.json            TaskSpec + meta (step, metrics) + the sha256 of every other file but
                       config.json; written last, so a folder whose task.json verifies is complete

A folder is written under ``tag.tmp`` and swapped in by renames that never delete the only
complete copy: a run killed at any moment leaves a complete ``tag``, ``tag.tmp`` or ``tag.old``,
and ``find_resume`` takes the newest complete one. Older checkpoints (``state.pt``, no
checksums) still load; their ``state.pt`` only through torch's weights-only loader.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import shutil
import tarfile
import warnings
import zlib
from typing import Any

import numpy as np
import torch
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

WEIGHT_FILES = ("weights.safetensors", "ema.safetensors")
STATE_FILES = ("state.json", "state.safetensors")
LEGACY_STATE = "state.pt"
#: floating storage dtypes a weights file may hold (Agent.save casts to one of them, e.g. bf16)
FLOAT_DTYPES = (torch.float32, torch.bfloat16, torch.float16)

#: layout version of saved agents and checkpoints (task.json); files without one are version 0
FORMAT_VERSION = 1


def check_format_version(task: dict[str, Any], path: str) -> None:
    """Refuse a task.json written by a newer gram_agent than this one."""
    v = task.get("format_version", 0)
    if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= FORMAT_VERSION:
        raise ValueError(f"{path}: format_version {v!r} is newer than this gram_agent reads ({FORMAT_VERSION}); "
                         "upgrade gram_agent")


# ---------------------------------------------------------------------- small file helpers
def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_bytes(path: str, data: bytes) -> None:
    """Write and fsync, so a rename that follows publishes the data, not an empty file."""
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def read_json(path: str) -> Any:
    """A JSON file, or a ValueError naming it (missing, unreadable or not JSON)."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: not a readable JSON file ({e})") from e


# ---------------------------------------------------------------------- weights
def canonical_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The state_dict entries a weights file holds: tied modules (shared f_L/f_H) appear twice in
    state_dict, and only the first name of each storage is kept."""
    seen: set[int] = set()
    out: dict[str, torch.Tensor] = {}
    for k, v in model.state_dict().items():
        ptr = v.data_ptr()
        if ptr in seen and v.numel() > 0:
            continue
        seen.add(ptr)
        out[k] = v
    return out


def weights_bytes(model: torch.nn.Module, dtype: torch.dtype | None = None) -> bytes:
    if dtype is not None and dtype not in FLOAT_DTYPES:
        raise ValueError(f"weights are stored as one of {FLOAT_DTYPES}, got {dtype}")
    out = {}
    for k, v in canonical_state(model).items():
        t = v.detach().cpu()
        if dtype is not None and t.is_floating_point():
            t = t.to(dtype)
        out[k] = t.contiguous().clone()
    return st_save(out)


def save_weights(model: torch.nn.Module, path: str, dtype: torch.dtype | None = None) -> str:
    """Write the model's weights (floats cast to ``dtype`` if given); returns the file's sha256."""
    data = weights_bytes(model, dtype)
    write_bytes(path, data)
    return sha256_bytes(data)


def check_weights(model: torch.nn.Module, sd: dict[str, torch.Tensor], path: str) -> None:
    """Refuse weights that do not fit ``model`` exactly: missing or unexpected tensors, other shapes,
    integer buffers of another dtype, floats of mixed or non-float dtypes, NaN or inf values."""
    own = canonical_state(model)
    missing = sorted(set(own) - set(sd))
    unexpected = sorted(set(sd) - set(own))
    if unexpected:
        hint = ""
        if all(k.startswith("guidance.") for k in unexpected) and getattr(model, "guidance", 1) is None:
            hint = " (they are GRAM's guidance heads, but the config says model='trm')"
        raise ValueError(f"{path}: unexpected tensors {unexpected[:5]}{' ...' if len(unexpected) > 5 else ''}"
                         f" that the config's model does not have{hint}")
    if missing:
        raise ValueError(f"{path}: missing tensors {missing[:5]}{' ...' if len(missing) > 5 else ''} "
                         "that the config's model needs")
    float_dtypes = set()
    for k, want in own.items():
        got = sd[k]
        if tuple(got.shape) != tuple(want.shape):
            raise ValueError(f"{path}: tensor {k} has shape {tuple(got.shape)}, the config's model expects "
                             f"{tuple(want.shape)}")
        if want.is_floating_point():
            if got.dtype not in FLOAT_DTYPES:
                raise ValueError(f"{path}: tensor {k} is stored as {got.dtype}, expected a float dtype "
                                 f"({', '.join(str(d) for d in FLOAT_DTYPES)})")
            float_dtypes.add(got.dtype)
            if not bool(torch.isfinite(got).all()):
                raise ValueError(f"{path}: tensor {k} holds NaN or inf values")
        elif got.dtype != want.dtype:
            raise ValueError(f"{path}: tensor {k} is stored as {got.dtype}, expected {want.dtype}")
    if len(float_dtypes) > 1:
        raise ValueError(f"{path}: float tensors are stored in mixed dtypes {sorted(map(str, float_dtypes))}; "
                         "a weights file holds one")


def read_weights(path: str, sha256: str | None = None) -> dict[str, torch.Tensor]:
    """The tensors of a safetensors file, after checking its sha256 when one was recorded."""
    with open(path, "rb") as f:
        data = f.read()
    if sha256 is not None and sha256_bytes(data) != sha256:
        raise ValueError(f"{path}: sha256 differs from the one recorded in task.json at save: the file is "
                         "damaged or was changed")
    try:
        return st_load(data)
    except Exception as e:  # safetensors raises its own error types on a bad header
        raise ValueError(f"{path}: not a readable safetensors file ({e})") from e


def load_weights(model: torch.nn.Module, path: str, sha256: str | None = None) -> None:
    """Load a weights file into ``model`` after ``check_weights`` (and the checksum, when given)."""
    sd = read_weights(path, sha256)
    check_weights(model, sd, path)
    stored_by_ptr = {t.data_ptr(): k for k, t in canonical_state(model).items()}
    full = {}
    for k, v in model.state_dict().items():  # tied aliases (f_H == f_L) read the one stored copy
        src = sd[k] if k in sd else sd[stored_by_ptr[v.data_ptr()]]
        full[k] = src.to(v.dtype)
    model.load_state_dict(full, strict=True)


def recorded_checksums(task: dict[str, Any], path: str) -> dict[str, str]:
    """task.json's ``checksums`` ({file name: sha256}); {} for checkpoints written before them."""
    sums = task.get("checksums", {})
    if not isinstance(sums, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in sums.items()):
        raise ValueError(f"{path}: 'checksums' must map file names to sha256 strings")
    return sums


def expected_sha(sums: dict[str, str], path: str) -> str | None:
    """The sha256 task.json recorded for the file at ``path``; None for a folder written before
    checksums. A folder with checksums that does not list the file refuses it (a stale leftover)."""
    name = os.path.basename(path)
    if sums and name not in sums:
        raise ValueError(f"{path}: not listed in task.json's checksums, so not written with this checkpoint")
    return sums.get(name)


# ---------------------------------------------------------------------- resume state
def _encode(obj: Any, tensors: dict[str, torch.Tensor]) -> Any:
    """JSON form of a state tree; tensors are moved into ``tensors`` and referenced by name."""
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (int, float)):
        return obj
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, torch.Tensor):
        name = f"t{len(tensors)}"
        tensors[name] = obj.detach().cpu().contiguous().clone()
        return {"$tensor": name}
    if isinstance(obj, np.ndarray):
        return {"$ndarray": _encode(torch.from_numpy(np.ascontiguousarray(obj)), tensors)}
    if isinstance(obj, tuple):
        return {"$tuple": [_encode(v, tensors) for v in obj]}
    if isinstance(obj, list):
        return [_encode(v, tensors) for v in obj]
    if isinstance(obj, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in obj):
            return {k: _encode(v, tensors) for k, v in obj.items()}
        if not all(isinstance(k, (str, int)) and not isinstance(k, bool) for k in obj):
            raise TypeError(f"state dict keys must be str or int, got {sorted(map(repr, obj))[:3]}")
        return {"$dict": [[k, _encode(v, tensors)] for k, v in obj.items()]}
    raise TypeError(f"cannot store a {type(obj).__name__} in a checkpoint state")


def _decode(obj: Any, tensors: dict[str, torch.Tensor], used: set[str], where: str) -> Any:
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, list):
        return [_decode(v, tensors, used, where) for v in obj]
    if not isinstance(obj, dict):
        raise ValueError(f"{where}: unexpected JSON value {obj!r}")
    tags = [k for k in obj if k.startswith("$")]
    if not tags:
        return {k: _decode(v, tensors, used, where) for k, v in obj.items()}
    if len(obj) != 1 or tags[0] not in ("$tensor", "$ndarray", "$tuple", "$dict"):
        raise ValueError(f"{where}: unknown tagged value {sorted(obj)[:3]}")
    tag, val = tags[0], obj[tags[0]]
    if tag == "$tensor":
        if not isinstance(val, str) or val not in tensors:
            raise ValueError(f"{where}: refers to a tensor {val!r} that the safetensors file lacks")
        used.add(val)
        return tensors[val]
    if tag == "$ndarray":
        t = _decode(val, tensors, used, where)
        if not isinstance(t, torch.Tensor):
            raise ValueError(f"{where}: $ndarray must wrap a tensor")
        return t.numpy()
    if not isinstance(val, list):
        raise ValueError(f"{where}: {tag} takes a list")
    if tag == "$tuple":
        return tuple(_decode(v, tensors, used, where) for v in val)
    out = {}
    for pair in val:
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], (str, int))
                and not isinstance(pair[0], bool)):
            raise ValueError(f"{where}: $dict entries are [key, value] pairs with str or int keys")
        out[pair[0]] = _decode(pair[1], tensors, used, where)
    return out


def state_files(state: dict[str, Any]) -> dict[str, bytes]:
    """A resume state as {"state.json": ..., "state.safetensors": ...} bytes."""
    tensors: dict[str, torch.Tensor] = {}
    tree = _encode(state, tensors)
    return {"state.json": json.dumps(tree).encode(), "state.safetensors": st_save(tensors)}


def read_state(path: str, checksums: dict[str, str] | None = None) -> dict[str, Any]:
    """The resume state of a checkpoint folder, without unpickling: ``state.json`` +
    ``state.safetensors``, or an older folder's ``state.pt`` through torch's weights-only loader
    (which refuses any pickle that would import or call code)."""
    checksums = checksums or {}
    js, st = (os.path.join(path, n) for n in STATE_FILES)
    if os.path.exists(js):
        for p in (js, st):
            name = os.path.basename(p)
            if name in checksums and sha256_file(p) != checksums[name]:
                raise ValueError(f"{p}: sha256 differs from the one recorded in task.json at save")
        tensors = read_weights(st)
        tree = read_json(js)
        used: set[str] = set()
        state = _decode(tree, tensors, used, js)
        if set(tensors) - used:
            raise ValueError(f"{st}: holds tensors {sorted(set(tensors) - used)[:5]} that {js} never uses")
        if not isinstance(state, dict):
            raise ValueError(f"{js}: the state must be a JSON object")
        return state
    legacy = os.path.join(path, LEGACY_STATE)
    if not os.path.exists(legacy):
        raise FileNotFoundError(f"{path} holds no resume state ({' + '.join(STATE_FILES)} or {LEGACY_STATE})")
    try:
        state = torch.load(legacy, map_location="cpu", weights_only=True)
    except Exception as e:  # the weights-only unpickler raises UnpicklingError (and others) on anything else
        raise ValueError(f"{legacy}: refused: not a plain tensor/number/container pickle that torch's "
                         f"weights-only loader accepts ({type(e).__name__}: {str(e).splitlines()[0][:200]})") from e
    if not isinstance(state, dict):
        raise ValueError(f"{legacy}: the state must be a dict, got {type(state).__name__}")
    return state


# ---------------------------------------------------------------------- folders
def folder_problem(path: str, need_state: bool = True, hashes: bool = True) -> str | None:
    """Why ``path`` is not a complete (with ``need_state``: resumable) checkpoint, or None when it
    is: task.json parses, config.json and weights.safetensors exist, a resume state exists, and
    every file task.json has a checksum for is present (with ``hashes``: with that checksum)."""
    task_path = os.path.join(path, "task.json")
    if not os.path.isdir(path):
        return "no such folder"
    if not os.path.exists(task_path):
        return "no task.json (an interrupted write)"
    try:
        task = read_json(task_path)
        if not isinstance(task, dict):
            return "task.json is not a JSON object"
        sums = recorded_checksums(task, task_path)
    except ValueError as e:
        return str(e)
    for name in ("config.json", "weights.safetensors"):
        if not os.path.exists(os.path.join(path, name)):
            return f"no {name}"
    if need_state and not (all(os.path.exists(os.path.join(path, n)) for n in STATE_FILES)
            or os.path.exists(os.path.join(path, LEGACY_STATE))):
        return "no resume state"
    for name, want in sums.items():
        p = os.path.join(path, name)
        if os.path.basename(name) != name or not os.path.exists(p):
            return f"{name} (listed in task.json) is missing"
        if hashes and sha256_file(p) != want:
            return f"{name} does not match its sha256 in task.json"
    return None


def _step_of(path: str) -> int:
    try:
        return int(read_json(os.path.join(path, "task.json"))["meta"]["step"])
    except (OSError, ValueError, KeyError, TypeError):
        return -1


def find_resume(root: str) -> str | None:
    """The newest complete checkpoint under root: ``last``, or ``last.tmp`` / ``last.old`` left by a
    run killed mid-swap (the highest step wins; ``last`` on a tie). A damaged ``last`` is skipped
    with a warning naming what is wrong."""
    best: tuple[int, int, str] | None = None
    # only ``last``: its checksums are verified when it loads; left-overs of a swap are hashed to choose
    alone = not any(os.path.exists(os.path.join(root, t)) for t in ("last.tmp", "last.old"))
    for rank, tag in enumerate(("last", "last.tmp", "last.old")):
        p = os.path.join(root, tag)
        if not os.path.exists(p):
            continue
        why = folder_problem(p, hashes=not alone)
        if why is not None:  # partial .tmp / .old copies are what a kill mid-swap leaves: no news
            if tag == "last":
                warnings.warn(f"checkpoint {p} skipped: {why}", stacklevel=2)
            continue
        key = (_step_of(p), -rank, p)
        if best is None or key > best:
            best = key
    return None if best is None else best[2]


def _promote(root: str, tag: str) -> None:
    """Before a write that found ``tag.tmp`` or ``tag.old`` left by a killed one: put the newest
    complete of the three copies under ``tag``, so the copies the write deletes are never the only
    complete one."""
    paths = [os.path.join(root, tag + s) for s in ("", ".tmp", ".old")]
    if not any(os.path.exists(p) for p in paths[1:]):
        return
    good = [(_step_of(p), -i, p) for i, p in enumerate(paths)
            if os.path.exists(p) and folder_problem(p, need_state=False) is None]
    if not good or max(good)[2] == paths[0]:
        return
    shutil.rmtree(paths[0], ignore_errors=True)  # damaged, or older than the copy promoted
    os.replace(max(good)[2], paths[0])
    _fsync_dir(root)


def write_checkpoint(root: str, tag: str, *, model: torch.nn.Module, ema: torch.nn.Module | None,
                     config_json: str, task: dict[str, Any], state: dict[str, Any] | None) -> str:
    """Write ``root/tag`` crash-safely: into ``tag.tmp`` (task.json, with the checksums, last), then
    ``tag`` -> ``tag.old``, ``tag.tmp`` -> ``tag``, and ``tag.old`` removed. At every point a
    complete copy exists under one of the three names (``find_resume`` takes the newest)."""
    os.makedirs(root, exist_ok=True)
    final, tmp, old = (os.path.join(root, s) for s in (tag, tag + ".tmp", tag + ".old"))
    _promote(root, tag)
    shutil.rmtree(tmp, ignore_errors=True)  # stale partial write: ``tag`` is complete (or there is none)
    os.makedirs(tmp)
    sums = {"weights.safetensors": save_weights(model, os.path.join(tmp, "weights.safetensors"))}
    if ema is not None:
        sums["ema.safetensors"] = save_weights(ema, os.path.join(tmp, "ema.safetensors"))
    write_bytes(os.path.join(tmp, "config.json"), config_json.encode())
    if state is not None:
        for name, data in state_files(state).items():
            write_bytes(os.path.join(tmp, name), data)
            sums[name] = sha256_bytes(data)
    write_bytes(os.path.join(tmp, "task.json"),
                json.dumps({"format_version": FORMAT_VERSION, **task, "checksums": sums}, indent=1).encode())
    _fsync_dir(tmp)
    if os.path.exists(final):
        shutil.rmtree(old, ignore_errors=True)  # safe: ``tag`` is complete
        os.replace(final, old)
    os.replace(tmp, final)
    _fsync_dir(root)
    shutil.rmtree(old, ignore_errors=True)
    return final


# ---------------------------------------------------------------------- transfer in parts
PART_PREFIX = "ckpt.part"


#: what a transfer may shrink, tried in this order until the packed checkpoint fits ``max_mib``:
#: Adam moments to bf16, the EMA as a bf16 difference from the weights, then only Adam's second
#: moment as 8-bit logs (the first rebuilds in ~10 steps), then no moments (Adam restarts, the
#: learning rate re-warms). The weights always travel exact; every level is zlib-compressed.
TRANSFER_LEVELS: tuple[dict[str, str], ...] = (
    {"moments": "fp32", "ema": "fp32"},
    {"moments": "bf16", "ema": "fp32"},
    {"moments": "bf16", "ema": "bf16-delta"},
    {"moments": "v-log8", "ema": "bf16-delta"},
    {"moments": "dropped", "ema": "bf16-delta"},
)
EMA_DELTA = "ema_delta.safetensors"


def _shrink_state(state: dict[str, Any], moments: str) -> dict[str, Any]:
    """The resume state with Adam's moments cast to bf16, reduced to the second moment as 8-bit logs
    (``_expand_state`` undoes it on unpacking), or dropped (the step counts are kept only with the
    moments: a fresh Adam state restarts its bias correction)."""
    if moments == "fp32":
        return state
    opt = dict(state["opt"])
    if moments == "dropped":
        opt["state"] = {}
        counters = {**state["counters"], "rewarm_from": int(state["counters"]["step"])}
        return {**state, "opt": opt, "counters": counters}
    if moments == "v-log8":
        opt["state"] = {}
        for k, v in state["opt"]["state"].items():
            if set(v) != {"step", "exp_avg", "exp_avg_sq"}:
                raise ValueError(f"optimizer state {k} holds {sorted(v)}, expected Adam's step, exp_avg, exp_avg_sq")
            opt["state"][k] = {"step": v["step"], V_LOG8: log8_encode(v["exp_avg_sq"])}
        return {**state, "opt": opt}
    opt["state"] = {k: {n: t.to(torch.bfloat16) if isinstance(t, torch.Tensor) and n != "step"
                        and t.is_floating_point() else t for n, t in v.items()}
                    for k, v in state["opt"]["state"].items()}
    return {**state, "opt": opt}


V_LOG8 = "exp_avg_sq_log8"
LOG8_BLOCK = 4096


def log8_encode(v: torch.Tensor) -> dict[str, Any]:
    """A non-negative tensor (Adam's second moment) as uint8 codes of its log, evenly spaced between
    each block's smallest and largest log (code 0 is an exact 0): relative error <= e^(span/508) - 1."""
    flat = v.detach().float().reshape(-1).cpu()
    if bool((flat < 0).any()) or not bool(torch.isfinite(flat).all()):
        raise ValueError("log8_encode takes finite values >= 0 (Adam's second moment)")
    n = flat.numel()
    blocks = torch.cat([flat, flat.new_zeros((-n) % LOG8_BLOCK)]).view(-1, LOG8_BLOCK)
    pos = blocks > 0
    logs = blocks.clamp_min(torch.finfo(torch.float32).tiny / 2**23).log()
    lo = torch.where(pos, logs, torch.inf).amin(1).nan_to_num(0.0, posinf=0.0)
    hi = torch.where(pos, logs, -torch.inf).amax(1).nan_to_num(0.0, neginf=0.0)
    span = (hi - lo).clamp_min(1e-12)
    codes = torch.where(pos, 1 + ((logs - lo[:, None]) / span[:, None] * 254).round(), 0).to(torch.uint8)
    return {"codes": codes.reshape(-1)[:n].clone(), "lo": lo, "hi": hi, "shape": list(v.shape)}


def log8_decode(q: dict[str, Any]) -> torch.Tensor:
    """The fp32 tensor ``log8_encode`` stored."""
    codes, lo, hi, shape = q["codes"], q["lo"], q["hi"], q["shape"]
    n = codes.numel()
    if math.prod(shape) != n or lo.shape != hi.shape or lo.numel() != -(-n // LOG8_BLOCK):
        raise ValueError(f"8-bit log tensor: {n} codes, {lo.numel()} block ranges and shape {shape} disagree")
    c = torch.cat([codes, codes.new_zeros((-n) % LOG8_BLOCK)]).view(-1, LOG8_BLOCK).float()
    v = torch.exp(lo[:, None] + (c - 1).clamp_min(0) / 254 * (hi - lo)[:, None])
    return torch.where(c > 0, v, 0.0).reshape(-1)[:n].reshape(shape)


def _expand_state(state: dict[str, Any]) -> dict[str, Any]:
    """A ``v-log8`` state back in Adam's form: the second moment decoded, the first moment zero."""
    opt = dict(state["opt"])
    opt["state"] = {}
    for k, v in state["opt"]["state"].items():
        if set(v) != {"step", V_LOG8}:
            raise ValueError(f"optimizer state {k} holds {sorted(v)}, expected step and {V_LOG8}")
        sq = log8_decode(v[V_LOG8])
        opt["state"][k] = {"step": v["step"], "exp_avg": torch.zeros_like(sq), "exp_avg_sq": sq}
    return {**state, "opt": opt}


def _ema_delta(weights: bytes, ema: bytes) -> bytes:
    """EMA minus weights in bf16: the difference is small, so its bf16 rounding is far below the EMA's."""
    w, e = st_load(weights), st_load(ema)
    if set(w) != set(e):
        raise ValueError("ema.safetensors and weights.safetensors hold different tensors")
    return st_save({k: (e[k].float() - w[k].float()).to(torch.bfloat16) if w[k].is_floating_point() else e[k]
                    for k in sorted(e)})


def _ema_from_delta(weights: bytes, delta: bytes) -> bytes:
    w, d = st_load(weights), st_load(delta)
    if set(w) != set(d):
        raise ValueError(f"{EMA_DELTA} and weights.safetensors hold different tensors")
    return st_save({k: (w[k].float() + d[k].float()).to(w[k].dtype) if w[k].is_floating_point() else d[k]
                    for k in sorted(w)})


#: a packed safetensors file is stored zlib-compressed by byte planes under its name + this suffix
PLANES_SUFFIX = ".z4"


def _compress_planes(data: bytes) -> bytes:
    """zlib of ``data`` regrouped by byte position within 4-byte words (fp32 exponent bytes, and bf16
    sign/exponent bytes, then sit together and compress well; lossless)."""
    words = np.frombuffer(data + b"\0" * (-len(data) % 4), np.uint8).reshape(-1, 4)
    return len(data).to_bytes(8, "little") + zlib.compress(words.T.tobytes(), 6)


def _decompress_planes(blob: bytes, name: str) -> bytes:
    n = int.from_bytes(blob[:8], "little")
    planes = np.frombuffer(zlib.decompress(blob[8:]), np.uint8)
    if planes.size != n + (-n % 4):
        raise ValueError(f"{name}: decompressed to {planes.size} bytes, expected {n} (+ padding)")
    return planes.reshape(4, -1).T.tobytes()[:n]


def _tar(files: dict[str, bytes], compressed: dict[str, bytes] | None = None) -> bytes:
    """A tar of ``files``, safetensors files byte-plane compressed (``compressed`` memoises them by
    sha256, as the same weights are packed at each level tried)."""
    memo = {} if compressed is None else compressed
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            if name.endswith(".safetensors"):
                key = sha256_bytes(data)
                if key not in memo:
                    memo[key] = _compress_planes(data)
                name, data = name + PLANES_SUFFIX, memo[key]
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def pack_parts(ckpt_dir: str, out_dir: str, part_mib: float = 15.0, keep_carry: bool = False,
               max_mib: float | None = None, level: int = 0) -> list[str]:
    """Tar a resumable checkpoint folder into numbered parts of at most ``part_mib`` MiB plus a
    ``ckpt.manifest.json`` (sizes, sha256), so it fits size-limited transfers (the device tool
    returns files of 16 MiB at most). The training carry (the batch's latent states, the largest
    piece of the state) is dropped unless ``keep_carry``; resuming then reloads every slot. With
    ``max_mib`` the state shrinks by ``TRANSFER_LEVELS`` until the whole fits, and the manifest and
    task.json say what was shrunk; ``level`` starts at that entry (to measure each). An older folder's
    ``state.pt`` is converted (read weights-only)."""
    if not os.path.exists(os.path.join(ckpt_dir, "task.json")):
        raise FileNotFoundError(f"{ckpt_dir} is not a checkpoint folder (no task.json)")
    why = folder_problem(ckpt_dir)
    if why is not None:
        raise ValueError(f"{ckpt_dir} is not a complete checkpoint: {why}")
    if not (isinstance(level, int) and 0 <= level < len(TRANSFER_LEVELS)):
        raise ValueError(f"level must be an index into TRANSFER_LEVELS (0..{len(TRANSFER_LEVELS) - 1}), got {level!r}")
    if max_mib is not None and not max_mib > 0:
        raise ValueError(f"max_mib must be a size in MiB > 0, got {max_mib!r}")
    task = read_json(os.path.join(ckpt_dir, "task.json"))
    sums = recorded_checksums(task, ckpt_dir)
    base: dict[str, bytes] = {}
    for name in sorted(os.listdir(ckpt_dir)):
        if name in (*STATE_FILES, LEGACY_STATE, "task.json"):
            continue
        with open(os.path.join(ckpt_dir, name), "rb") as f:
            base[name] = f.read()
    state = read_state(ckpt_dir, sums)
    if not keep_carry:
        state.pop("carry", None)
    has_ema = "ema.safetensors" in base
    compressed: dict[str, bytes] = {}
    for step in TRANSFER_LEVELS[level:]:
        files = dict(base)
        if has_ema and step["ema"] == "bf16-delta":
            files[EMA_DELTA] = _ema_delta(files["weights.safetensors"], files.pop("ema.safetensors"))
        files.update(state_files(_shrink_state(state, step["moments"])))
        transfer = {"carry": "kept" if keep_carry else "dropped", "moments": step["moments"],
                    "ema": step["ema"] if has_ema else "none"}
        new_sums = {k: v for k, v in sums.items() if k in files}
        new_sums.update({n: sha256_bytes(files[n]) for n in (*STATE_FILES, EMA_DELTA) if n in files})
        files["task.json"] = json.dumps({**task, "checksums": new_sums, "transfer": transfer}, indent=1).encode()
        blob = _tar(files, compressed)
        if max_mib is None or len(blob) <= max_mib * 2**20:
            break
    else:
        raise ValueError(f"{ckpt_dir} packs into {len(blob) / 2**20:.1f} MiB even with the moments dropped and "
                         f"the EMA as a bf16 difference, over max_mib={max_mib:g}")
    size = max(1, int(part_mib * 2**20))
    os.makedirs(out_dir, exist_ok=True)
    names = []
    for i in range(0, len(blob), size):
        name = f"{PART_PREFIX}{i // size:03d}"
        write_bytes(os.path.join(out_dir, name), blob[i:i + size])
        names.append(name)
    manifest = {"parts": names, "bytes": len(blob), "sha256": sha256_bytes(blob), "keep_carry": keep_carry,
                "transfer": transfer}
    with open(os.path.join(out_dir, "ckpt.manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    return names


def unpack_parts(parts_dir: str, ckpt_dir: str) -> str:
    """Rebuild a checkpoint folder from ``pack_parts`` output, checking size and sha256 first; an
    EMA sent as a bf16 difference is rebuilt into ``ema.safetensors``."""
    manifest = read_json(os.path.join(parts_dir, "ckpt.manifest.json"))
    parts = manifest.get("parts") if isinstance(manifest, dict) else None
    if not (isinstance(parts, list) and all(isinstance(n, str) and n.startswith(PART_PREFIX)
                                            and os.path.basename(n) == n for n in parts)):
        raise ValueError(f"{parts_dir}/ckpt.manifest.json: 'parts' must list {PART_PREFIX}NNN file names")
    chunks = []
    for name in parts:
        with open(os.path.join(parts_dir, name), "rb") as f:
            chunks.append(f.read())
    blob = b"".join(chunks)
    if len(blob) != manifest.get("bytes") or sha256_bytes(blob) != manifest.get("sha256"):
        raise ValueError(f"checkpoint parts in {parts_dir} are incomplete or corrupted (size/sha256 mismatch)")
    os.makedirs(ckpt_dir, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r") as tar:
        members = tar.getmembers()
        for member in members:
            if not member.isfile() or os.path.basename(member.name) != member.name:
                raise ValueError(f"unexpected entry {member.name!r} in checkpoint parts")
        for member in members:
            data = tar.extractfile(member).read()
            name = member.name
            if name.endswith(PLANES_SUFFIX):
                name = name[: -len(PLANES_SUFFIX)]
                data = _decompress_planes(data, name)
            write_bytes(os.path.join(ckpt_dir, name), data)
    task_path = os.path.join(ckpt_dir, "task.json")
    task = read_json(task_path)
    sums = recorded_checksums(task, task_path)
    for name in os.listdir(ckpt_dir):
        if name in sums and sha256_file(os.path.join(ckpt_dir, name)) != sums[name]:
            raise ValueError(f"{ckpt_dir}/{name}: sha256 differs from the one recorded in task.json")
    delta_path = os.path.join(ckpt_dir, EMA_DELTA)
    if os.path.exists(delta_path):
        with open(os.path.join(ckpt_dir, "weights.safetensors"), "rb") as f:
            weights = f.read()
        with open(delta_path, "rb") as f:
            ema = _ema_from_delta(weights, f.read())
        write_bytes(os.path.join(ckpt_dir, "ema.safetensors"), ema)
        sums = {k: v for k, v in sums.items() if k != EMA_DELTA}
        sums["ema.safetensors"] = sha256_bytes(ema)
        os.remove(delta_path)
    if (task.get("transfer") or {}).get("moments") == "v-log8":
        for name, data in state_files(_expand_state(read_state(ckpt_dir))).items():
            write_bytes(os.path.join(ckpt_dir, name), data)
            sums[name] = sha256_bytes(data)
    write_bytes(task_path, json.dumps({**task, "checksums": sums}, indent=1).encode())
    return ckpt_dir


def finite_json(obj: Any) -> Any:
    """``obj`` with NaN / inf floats replaced by None, for strict JSON files."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): finite_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite_json(v) for v in obj]
    if isinstance(obj, np.generic):
        return finite_json(obj.item())
    return obj
