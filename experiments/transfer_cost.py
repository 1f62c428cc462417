"""What a compact checkpoint transfer costs in accuracy: one run split in two legs at a transfer.

    python -m experiments.transfer_cost --env GRAM/NQueens-8 --preset small --steps 4000 --seeds 0 1 --out FILE

Each seed trains ``--steps / 2`` steps, then its checkpoint is packed at each level of
``gram_agent.checkpoint.TRANSFER_LEVELS`` (level 0 with the batch carry kept: the exact resume),
unpacked into a fresh folder, and trained to ``--steps`` under the same learning-rate schedule.
Every finished leg is scored on the test split (``--samples`` per input). Writes one JSON: per
seed and level, the packed size (MiB) and the test metrics, next to the exact resume's.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

from tqdm import trange

from gram_agent.checkpoint import TRANSFER_LEVELS, pack_parts, read_json, read_weights, unpack_parts
from gram_agent.infer import device_name
from gram_envs.core.metrics import provenance


def first_leg(env_id: str, cfg, device: str | None, steps: int, ckpt_dir: str) -> None:
    """Train ``steps`` steps under ``cfg``'s whole schedule (its max_steps) and write ``last``."""
    import torch

    from gram_agent import distributed as D
    from gram_agent.infer import make_env
    from gram_agent.train import Trainer, _default_device

    dev = torch.device(device) if device else _default_device()
    tr = Trainer(make_env(env_id), cfg, dev, D.setup(dev))
    for _ in trange(steps, desc="first leg", leave=False):
        if tr.data.augments and tr.step % max(cfg.log_every, 1) == 0:
            tr.data.augment(tr.np_rng)
        tr.train_step()
        if tr.step % cfg.log_every == 0:
            tr.history.append({**tr.read_stats(), "step": tr.step})
    tr.save(ckpt_dir, "last")


#: steps before measuring sizes: enough for the moments and the EMA's difference to hold values
#: (packing compresses, so an untouched state would measure small)
SIZE_STEPS = 20


def sizes_only(args: argparse.Namespace) -> int:
    """Packed MiB of the model's resume state at each transfer level (no training worth the name)."""
    import gram_agent

    out = []
    for model in args.model.split(","):
        cfg = gram_agent.preset(args.preset, args.env, model=model).set(*args.set)
        cfg = cfg.replace(batch_size=8, max_steps=SIZE_STEPS, compile=False, eval_every=0)
        with tempfile.TemporaryDirectory() as tmp:
            first_leg(args.env, cfg, "cpu", SIZE_STEPS, os.path.join(tmp, "ckpt"))
            n_params = sum(v.numel() for v in read_weights(
                os.path.join(tmp, "ckpt", "last", "weights.safetensors")).values())
            for level in args.levels:
                parts = os.path.join(tmp, f"parts{level}")
                pack_parts(os.path.join(tmp, "ckpt", "last"), parts, level=level)
                m = read_json(os.path.join(parts, "ckpt.manifest.json"))
                out.append({"model": model, "params": n_params, "level": level, "transfer": m["transfer"],
                            "packed_mib": m["bytes"] / 2**20})
                print(json.dumps(out[-1]), flush=True)
    with open(args.out, "w") as f:
        json.dump({**provenance(), "env": args.env, "preset": args.preset, "sets": args.set, "sizes": out}, f, indent=1)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--env", default="GRAM/NQueens-8")
    p.add_argument("--preset", default="small")
    p.add_argument("--model", default="gram")
    p.add_argument("--steps", type=int, default=4000, help="total optimiser steps; the transfer is at half")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    p.add_argument("--levels", type=int, nargs="+", default=list(range(len(TRANSFER_LEVELS))))
    p.add_argument("--samples", type=int, default=20)
    p.add_argument("--set", action="append", default=[], help="config override name=value")
    p.add_argument("--device", default=None)
    p.add_argument("--sizes-only", action="store_true",
                   help=f"only the packed size at each level, after {SIZE_STEPS} steps at batch 8 on the CPU")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    if args.sizes_only:
        return sizes_only(args)

    import gram_agent

    rows = []
    for seed in args.seeds:
        cfg = gram_agent.preset(args.preset, args.env, model=args.model, seed=seed).set(*args.set)
        cfg = cfg.replace(max_steps=args.steps, eval_every=0, checkpoint_every_s=1e9)
        with tempfile.TemporaryDirectory() as tmp:
            first = os.path.join(tmp, "first")
            t0 = time.monotonic()
            first_leg(args.env, cfg, args.device, args.steps // 2, first)
            first_s = time.monotonic() - t0
            for level in args.levels:
                parts, second = os.path.join(tmp, f"parts{level}"), os.path.join(tmp, f"second{level}")
                pack_parts(os.path.join(first, "last"), parts, keep_carry=level == 0, level=level)
                manifest = read_json(os.path.join(parts, "ckpt.manifest.json"))
                unpack_parts(parts, os.path.join(second, "last"))
                t1 = time.monotonic()
                agent = gram_agent.train(args.env, cfg, device=args.device, checkpoint_dir=second, progress=False,
                                         eval_at_end=False)
                hist = agent.meta["train"]["history"]
                tail = [h["loss"] for h in hist[-max(1, len(hist) // 10):]]
                metrics = agent.evaluate("test", samples=args.samples, seed=0, progress=False)
                rows.append({"seed": seed, "level": level, "transfer": manifest["transfer"],
                             "packed_mib": manifest["bytes"] / 2**20, "steps": agent.meta["train"]["steps"],
                             "final_train_loss": sum(tail) / len(tail), "metrics": metrics,
                             "train_s": first_s + time.monotonic() - t1})
                print(json.dumps({k: rows[-1][k] for k in ("seed", "level", "packed_mib", "final_train_loss")}
                                 | {"accuracy": metrics.get("accuracy"), "coverage": metrics.get("coverage")}),
                      flush=True)
                with open(args.out, "w") as f:  # after every leg: a cut-off run keeps what it measured
                    json.dump({**provenance(), "device": device_name(args.device), "env": args.env, "preset": args.preset, "model": args.model,
                               "steps": args.steps, "sets": args.set, "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
