"""Average the weights of several checkpoints of one task into one model (a weight average, "soup").

    python -m experiments.average_checkpoints RUN_A RUN_B --out benchmarks/results/averaged/NAME

Why: two checkpoints of one GC8 training sampled as one (``gram_agent.Ensemble``) cover more than
either, because each drops other colourings; their weight average is one model with one model's
parameters, so if it keeps that coverage the gain needs no ensemble. Each RUN holds ``ckpt/`` (an
Agent saved by benchmarks.train_gpu); the average is computed in fp32 and stored in bf16, like the members,
as OUT/ckpt, with OUT/averaged.json naming the members (``python -m experiments.sampling_seeds OUT`` then draws it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from gram_envs.core.metrics import provenance


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("run_dirs", nargs="+", help="folders holding ckpt/ (an Agent saved by benchmarks.train_gpu)")
    p.add_argument("--out", required=True, help="folder for the averaged ckpt/ and averaged.json")
    args = p.parse_args(argv)
    if len(args.run_dirs) < 2:
        p.error(f"averaging needs at least 2 run folders, got {len(args.run_dirs)}")
    for d in args.run_dirs:
        if not os.path.exists(os.path.join(d, "ckpt", "config.json")):
            p.error(f"{d} holds no ckpt/config.json (an Agent saved by benchmarks.train_gpu)")
    if os.path.exists(os.path.join(args.out, "ckpt")):
        p.error(f"{args.out}/ckpt exists: choose another --out")
    import torch

    from gram_agent.ensemble import average_weights
    from gram_agent.infer import Agent

    members = [Agent.load(os.path.join(d, "ckpt"), device="cpu") for d in args.run_dirs]
    average_weights(members).save(os.path.join(args.out, "ckpt"), dtype=torch.bfloat16)
    with open(os.path.join(args.out, "averaged.json"), "w") as f:
        json.dump({**provenance(), "members": [{"run": d, "trained_steps": a.meta.get("step")}
                                               for d, a in zip(args.run_dirs, members, strict=True)]}, f, indent=1)
    print(f"{args.out}/ckpt: the mean of {len(members)} checkpoints' weights")
    return 0


if __name__ == "__main__":
    sys.exit(main())
