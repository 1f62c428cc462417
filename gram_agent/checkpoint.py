"""Checkpoints: weights as safetensors, config and counters as JSON, optimizer / EMA / carry /
RNG state via torch.save, written to a temporary folder and swapped in by rename so a run
killed at any moment leaves a loadable ``last/`` (or ``last.old/``) behind.

Layout of ``<dir>/<tag>/`` (tag = last | best):
  weights.safetensors  raw model (incl. the fixed z0 buffer)
  ema.safetensors      EMA model (what evaluation and Agent.load use), if EMA is on
  config.json          GRAMConfig
  task.json            TaskSpec + meta (step, metrics)
  state.pt             optimizer, training carry, generator states (resume only)
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
from typing import Any

import torch
from safetensors.torch import load_file, save_file

#: layout version of saved agents and checkpoints (task.json); files without one are version 0
FORMAT_VERSION = 1


def check_format_version(task: dict[str, Any], path: str) -> None:
    """Refuse a task.json written by a newer gram_agent than this one."""
    v = task.get("format_version", 0)
    if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= FORMAT_VERSION:
        raise ValueError(f"{path}: format_version {v!r} is newer than this gram_agent reads ({FORMAT_VERSION}); "
                         "upgrade gram_agent")


def save_weights(model: torch.nn.Module, path: str, dtype: torch.dtype | None = None) -> None:
    sd = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    # tied modules (shared f_L/f_H) appear twice in state_dict: keep one name per storage
    seen: dict[int, str] = {}
    out: dict[str, torch.Tensor] = {}
    for k, v in sd.items():
        ptr = v.data_ptr()
        if ptr in seen and v.numel() > 0:
            continue
        seen[ptr] = k
        t = v.cpu()
        if dtype is not None and t.is_floating_point():
            t = t.to(dtype)
        out[k] = t.clone()
    save_file(out, path)


def load_weights(model: torch.nn.Module, path: str) -> None:
    sd = load_file(path)
    own = model.state_dict()
    # fill tied aliases (f_H == f_L) from the one stored copy
    for k in own:
        if k not in sd and k.startswith("f_H.") and "f_L." + k[4:] in sd:
            sd[k] = sd["f_L." + k[4:]]
    sd = {k: v.to(own[k].dtype) for k, v in sd.items() if k in own}
    missing = set(own) - set(sd)
    if missing:
        raise KeyError(f"checkpoint {path} lacks {sorted(missing)[:5]}")
    model.load_state_dict(sd)


def write_checkpoint(root: str, tag: str, *, model: torch.nn.Module, ema: torch.nn.Module | None,
                     config_json: str, task: dict[str, Any], state: dict[str, Any] | None) -> str:
    """Write ``root/tag`` atomically (tmp folder, then rename; the previous copy kept as tag.old
    until the new one is in place)."""
    os.makedirs(root, exist_ok=True)
    final, tmp, old = (os.path.join(root, s) for s in (tag, tag + ".tmp", tag + ".old"))
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    save_weights(model, os.path.join(tmp, "weights.safetensors"))
    if ema is not None:
        save_weights(ema, os.path.join(tmp, "ema.safetensors"))
    with open(os.path.join(tmp, "config.json"), "w") as f:
        f.write(config_json)
    with open(os.path.join(tmp, "task.json"), "w") as f:
        json.dump({"format_version": FORMAT_VERSION, **task}, f, indent=1)
    if state is not None:
        torch.save(state, os.path.join(tmp, "state.pt"))
    shutil.rmtree(old, ignore_errors=True)
    if os.path.exists(final):
        os.replace(final, old)
    os.replace(tmp, final)
    shutil.rmtree(old, ignore_errors=True)
    return final


def find_resume(root: str) -> str | None:
    """The newest complete checkpoint folder under root (last, or last.old if killed mid-swap)."""
    for tag in ("last", "last.old"):
        p = os.path.join(root, tag)
        if os.path.exists(os.path.join(p, "state.pt")) and os.path.exists(os.path.join(p, "task.json")):
            return p
    return None


# ---------------------------------------------------------------------- transfer in parts
PART_PREFIX = "ckpt.part"


def pack_parts(ckpt_dir: str, out_dir: str, part_mib: float = 15.0, keep_carry: bool = False) -> list[str]:
    """Tar a resumable checkpoint folder into numbered parts of at most ``part_mib`` MiB plus a
    ``ckpt.manifest.json`` (sizes, sha256), so it fits size-limited transfers (the device tool
    returns files of 16 MiB at most). The training carry (the batch's latent states, the largest
    piece of state.pt) is dropped unless ``keep_carry``; resuming then reloads every slot."""
    if not os.path.exists(os.path.join(ckpt_dir, "task.json")):
        raise FileNotFoundError(f"{ckpt_dir} is not a checkpoint folder (no task.json)")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name in sorted(os.listdir(ckpt_dir)):
            path = os.path.join(ckpt_dir, name)
            if name == "state.pt" and not keep_carry:
                state = torch.load(path, map_location="cpu", weights_only=False)
                state.pop("carry", None)
                data = io.BytesIO()
                torch.save(state, data)
                info = tarfile.TarInfo(name)
                info.size = data.tell()
                data.seek(0)
                tar.addfile(info, data)
            else:
                tar.add(path, arcname=name)
    blob = buf.getvalue()
    size = max(1, int(part_mib * 2**20))
    os.makedirs(out_dir, exist_ok=True)
    names = []
    for i in range(0, len(blob), size):
        name = f"{PART_PREFIX}{i // size:03d}"
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(blob[i:i + size])
        names.append(name)
    manifest = {"parts": names, "bytes": len(blob), "sha256": hashlib.sha256(blob).hexdigest(),
                "keep_carry": keep_carry}
    with open(os.path.join(out_dir, "ckpt.manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    return names


def unpack_parts(parts_dir: str, ckpt_dir: str) -> str:
    """Rebuild a checkpoint folder from ``pack_parts`` output, checking size and sha256 first."""
    with open(os.path.join(parts_dir, "ckpt.manifest.json")) as f:
        manifest = json.load(f)
    chunks = []
    for name in manifest["parts"]:
        with open(os.path.join(parts_dir, name), "rb") as f:
            chunks.append(f.read())
    blob = b"".join(chunks)
    if len(blob) != manifest["bytes"] or hashlib.sha256(blob).hexdigest() != manifest["sha256"]:
        raise ValueError(f"checkpoint parts in {parts_dir} are incomplete or corrupted (size/sha256 mismatch)")
    os.makedirs(ckpt_dir, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r") as tar:
        for member in tar.getmembers():
            if not member.isfile() or os.path.basename(member.name) != member.name:
                raise ValueError(f"unexpected entry {member.name!r} in checkpoint parts")
        tar.extractall(ckpt_dir, filter="data")
    return ckpt_dir
