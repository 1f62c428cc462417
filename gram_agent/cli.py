"""``gram`` command line: train, eval, demo.

    gram train --env GRAM/NQueens-8 --minutes 8 [--model gram|trm] [--preset fast] [--checkpoint-dir runs/nq8]
    gram eval --checkpoint runs/nq8/best --samples 20 [--ptrm-sigma 0.3] [--temperature 3x2,0.5x14]
    gram demo            # GRAM vs TRM on N-Queens-8 test inputs, on a CPU in a few minutes
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

CHECKPOINTS = os.path.join(os.path.dirname(__file__), "checkpoints")


def _config(args: argparse.Namespace):
    from gram_agent.config import preset

    cfg = preset(args.preset, args.env, model=args.model)
    cfg = cfg.set(*(args.set or []))
    if getattr(args, "seed", None) is not None:
        cfg = cfg.replace(seed=args.seed)
    return cfg


def cmd_train(args: argparse.Namespace) -> int:
    from gram_agent.train import train

    cfg = _config(args)
    agent = train(args.env, cfg, device=args.device, time_budget_s=args.minutes * 60 if args.minutes else None,
                  checkpoint_dir=args.checkpoint_dir, resume=not args.no_resume,
                  max_steps=args.steps, log=(print if args.verbose else None), snapshot_dir=args.snapshot_dir)
    m = agent.meta["train"]["metrics"]
    print(json.dumps({"steps": agent.meta["train"]["steps"], **{k: round(v, 4) for k, v in m.items()}}, indent=1))
    if args.out:
        agent.save(args.out)
    return 0


def parse_temperature(text: str) -> float | list[float]:
    """``"1.5"`` -> 1.5 (every step); ``"3x2,0.5x14"`` -> [3, 3, 0.5, ...] (one value per supervision step)."""
    if "," not in text and "x" not in text:
        return _number(text)
    temps: list[float] = []
    for part in text.split(","):
        value, _, count = part.partition("x")
        if count and not count.strip().isdigit():
            raise argparse.ArgumentTypeError(f"temperature part {part!r}: expected VALUE or VALUExCOUNT, e.g. 0.5x14")
        temps += [_number(value)] * (int(count) if count else 1)
    return temps


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"temperature {text!r}: expected a number, or VALUExCOUNT parts "
                                         "joined by commas (e.g. 3x2,0.5x14)") from None


def cmd_eval(args: argparse.Namespace) -> int:
    from gram_agent.ensemble import Ensemble
    from gram_agent.infer import Agent

    paths = args.checkpoint
    agent = Agent.load(paths[0], device=args.device) if len(paths) == 1 else Ensemble.load(paths, device=args.device)
    m = agent.evaluate(args.split, samples=args.samples, steps=args.steps, instances=args.instances,
                       ptrm_sigma=args.ptrm_sigma, temperature=args.temperature)
    print(json.dumps({k: round(v, 4) for k, v in m.items()}, indent=1))
    return 0


def _demo_agent(kind: str, minutes: float, device: str | None):
    """A shipped checkpoint if present, else a short CPU training (and say so)."""
    from gram_agent.config import preset
    from gram_agent.infer import Agent
    from gram_agent.train import train

    path = os.path.join(CHECKPOINTS, f"nqueens8_{kind}")
    if os.path.exists(os.path.join(path, "config.json")):
        print(f"[{kind}] loading shipped checkpoint {path}")
        return Agent.load(path, device=device or "cpu")
    print(f"[{kind}] no shipped checkpoint: training a small model on the CPU for {minutes:.1f} min "
          "(expect far below the paper's GPU numbers)")
    cfg = preset("tiny", "GRAM/NQueens-8", model=kind).replace(d_model=96, n_heads=4, guidance_hidden=96, T=2,
                                                               K=2, n_sup=6, batch_size=64)
    return train("GRAM/NQueens-8", cfg, device=device or "cpu", time_budget_s=minutes * 60, progress=True,
                 eval_at_end=False)


def cmd_demo(args: argparse.Namespace) -> int:
    import torch

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    t0 = time.time()
    results = {}
    agents = {}
    for kind in ("gram", "trm"):
        agents[kind] = _demo_agent(kind, args.minutes, args.device)
        m = agents[kind].evaluate("test", samples=args.samples, instances=args.instances)
        results[kind] = m
    print(f"\nN-Queens 8x8, {args.instances} test inputs, {args.samples} samples each")
    print(f"{'model':6} {'accuracy':>9} {'coverage@' + str(args.samples):>12} {'vote acc':>9}")
    for kind, m in results.items():
        print(f"{kind:6} {100 * m['accuracy']:8.1f}% {100 * m.get('coverage', 0):11.1f}% "
              f"{100 * m['vote_accuracy']:8.1f}%")
    env = agents["gram"].env
    obs, info = env.reset(seed=args.seed, options={"split": "test"})
    print(f"\nOne test input ({info['num_solutions']} valid completions); 4 GRAM samples, then TRM's:")
    u = env.unwrapped
    gram_boards = agents["gram"].solve(obs, samples=4, select="all")
    trm_board = agents["trm"].solve(obs, samples=1)
    inst = info["instance_id"]
    for b in list(gram_boards) + [trm_board]:
        print(u._render_ansi(inst, np.asarray(b)))
    print(f"demo took {time.time() - t0:.0f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="gram", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train GRAM or TRM on an env")
    t.add_argument("--env", default="GRAM/NQueens-8")
    t.add_argument("--model", default="gram", choices=["gram", "trm"])
    t.add_argument("--preset", default="fast", choices=["paper", "fast", "small", "tiny"])
    t.add_argument("--minutes", type=float, default=None)
    t.add_argument("--steps", type=int, default=None)
    t.add_argument("--checkpoint-dir", default=None)
    t.add_argument("--no-resume", action="store_true")
    t.add_argument("--device", default=None)
    t.add_argument("--seed", type=int, default=None)
    t.add_argument("--set", action="append", help="config override name=value (repeatable)")
    t.add_argument("--out", default=None, help="also save the final agent here")
    t.add_argument("--snapshot-dir", default=None,
                   help="with --set snapshot_every=N: keep the eval model every N steps here, as step<N>/ Agents "
                        "(benchmarks/select_snapshot.py chooses among them on training inputs)")
    t.add_argument("-v", "--verbose", action="store_true")
    e = sub.add_parser("eval", help="evaluate a checkpoint (or several as one ensemble) on its env")
    e.add_argument("--checkpoint", required=True, action="append",
                   help="an Agent folder; repeat it to sample several checkpoints of one task as one ensemble "
                        "(gram_agent.Ensemble: the samples shared out among them)")
    e.add_argument("--samples", type=int, default=20)
    e.add_argument("--steps", type=int, default=None)
    e.add_argument("--split", default="test")
    e.add_argument("--instances", type=int, default=None)
    e.add_argument("--ptrm-sigma", type=float, default=0.0)
    e.add_argument("--temperature", type=parse_temperature, default=1.0,
                   help="prior temperature (GRAM): one number, or one per supervision step as VALUExCOUNT "
                        "parts, e.g. 3x2,0.5x14 (the N-Queens-8 schedule in benchmarks/RESULTS.md)")
    e.add_argument("--device", default=None)
    d = sub.add_parser("demo", help="GRAM vs TRM on N-Queens-8 (CPU, a few minutes)")
    d.add_argument("--minutes", type=float, default=1.5, help="CPU training per model when no checkpoint ships")
    d.add_argument("--samples", type=int, default=20)
    d.add_argument("--instances", type=int, default=8, help="test inputs scored (CPU rollouts are slow)")
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--device", default=None)
    args = p.parse_args(argv)
    return {"train": cmd_train, "eval": cmd_eval, "demo": cmd_demo}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
