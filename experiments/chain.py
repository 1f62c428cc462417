"""One recipe trained as a chain of short resumable chunks, then scored: long runs on machines lent
for minutes (Sudoku ``sx-gram``, ARC ``arc1-gram``, any recipe in gram_agent.recipes).

Each invocation does one chunk of at most ``--chunk-minutes`` and exits:

- while the recipe's training minutes are not used up, it trains from ``RUN/last`` (resuming) for
  the smaller of the chunk and the minutes left, and adds the chunk's wall time to ``RUN/chain.json``;
- once they are, it scores ``RUN/last`` on the test split with the recipe's samples and temperature
  (ARC: the 400 evaluation tasks by voting over the recipe's augmented views,
  ``gram_agent.arc.vote_evaluate``, next to the copy baselines and the papers' pass@2) and writes
  ``--out``; a later call only prints it.

Moving between machines: ``--pack DIR`` writes ``RUN/last`` (with the ledger) as parts of at most
15 MiB plus a manifest, shrunk to ``--max-mib`` (``gram_agent.checkpoint.pack_parts``); ``--unpack
DIR`` rebuilds ``RUN/last`` from them before the chunk when ``RUN`` holds no checkpoint. The packed
folder also holds torch.compile's caches (``COMPILE_CACHE``, ``gram_agent.compile_cache``), which
the next chunk loads before compiling, so a fresh machine need not compile them again. The same
command runs every chunk:

    python -m experiments.chain --recipe sx-gram --run-dir runs/sx-gram --chunk-minutes 9 --pack parts
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

LEDGER = "chain.json"
#: torch.compile's caches inside the --pack / --unpack folder
COMPILE_CACHE = "compile_cache.bin"
#: the papers' ARC-AGI-1 pass@2 (per cent): TRM (arXiv 2510.04871) and GRAM's Table 8
PAPER_PASS2 = {"trm": 44.6, "gram": 52.0}
COPY_BASELINE = Path("benchmarks/results/arc_copy_baseline.json")


def read_ledger(run_dir: Path) -> dict[str, Any]:
    """The chain's ledger: the run's own copy, else the one packed inside ``last/``, else a new one."""
    for p in (run_dir / LEDGER, run_dir / "last" / LEDGER):
        if p.exists():
            led = json.loads(p.read_text())
            if not isinstance(led, dict) or not isinstance(led.get("chunks"), list):
                raise ValueError(f"{p}: expected a JSON object with a 'chunks' list")
            return led
    return {"train_s": 0.0, "chunks": []}


def write_ledger(run_dir: Path, led: dict[str, Any]) -> None:
    """Write the ledger beside the checkpoint and inside ``last/`` (so ``--pack`` carries it)."""
    text = json.dumps(led, indent=1)
    for p in (run_dir / LEDGER, run_dir / "last" / LEDGER):
        if p.parent.is_dir():
            tmp = p.with_suffix(".tmp")
            tmp.write_text(text)
            os.replace(tmp, p)


def copy_baselines(env_id: str) -> dict[str, Any] | None:
    """The stored copy baselines' evaluation-split scores for ``env_id`` (None when not stored)."""
    if not COPY_BASELINE.exists():
        return None
    entry = json.loads(COPY_BASELINE.read_text()).get("results", {}).get(env_id, {}).get("evaluation")
    if not entry:
        return None
    return {name: entry[name] for name in ("copy", "copy+demo_output") if name in entry}


def build_config(args: argparse.Namespace) -> Any:
    from gram_agent import preset

    cfg = preset(args.recipe)
    return cfg.set(*args.set) if args.set else cfg


def train_chunk(args: argparse.Namespace, run_dir: Path, led: dict[str, Any], left_s: float) -> None:
    import gymnasium as gym

    import gram_envs  # noqa: F401
    from gram_agent import train
    from gram_agent.recipes import recipe

    cfg = build_config(args)
    r = recipe(args.recipe)
    env = gym.make(r.env_id, **args.env_kwargs)
    chunk_s = args.chunk_minutes * 60.0
    curve_s = min(args.curve_seconds, 0.25 * chunk_s) if args.curve_instances else 0.0
    budget = min(chunk_s - curve_s, left_s)
    agent = train(env, cfg, device=args.device, time_budget_s=budget, checkpoint_dir=str(run_dir),
                  eval_at_end=False, progress=False, reserve_s=min(20.0, 0.05 * budget),
                  log=lambda s: print(s, flush=True))
    run = agent.meta["train"]
    led["train_s"] = float(led.get("train_s", 0.0)) + float(run["wall_time_s"])
    led["chunks"].append({k: run[k] for k in ("steps", "steps_this_run", "train_time_s", "wall_time_s",
                                              "sample_steps_per_s", "median_step_s", "interrupted")})
    led.update(recipe=args.recipe, steps=int(run["steps"]))
    if args.curve_instances and run["interrupted"] is None:
        # the learning curve: one sample on the first test inputs after each chunk (reported, chooses nothing);
        # a generation env's test split is the blank board alone: then that many samples of it
        blank_only = len(env.unwrapped.instance_ids("test")) == 1
        samples, instances = (args.curve_instances, None) if blank_only else (1, args.curve_instances)
        m = agent.evaluate("test", samples=samples, instances=instances, seed=0, time_budget_s=curve_s,
                           progress=False, **({} if "ARC" in r.env_id else {"temperature": r.temperature}))
        led.setdefault("curve", []).append({"steps": int(run["steps"]), "train_minutes": led["train_s"] / 60.0,
                                            "instances": m.get("instances"), "samples": samples,
                                            "accuracy": m.get("accuracy")})
        print(f"curve: step {run['steps']}, accuracy {m.get('accuracy')} on {m.get('instances')} test inputs x "
              f"{samples} samples", flush=True)
    write_ledger(run_dir, led)


def evaluate(args: argparse.Namespace, run_dir: Path, led: dict[str, Any]) -> dict[str, Any]:
    from gram_agent import Agent
    from gram_agent.checkpoint import finite_json
    from gram_agent.infer import device_name
    from gram_agent.recipes import recipe
    from gram_envs.core.metrics import provenance

    r = recipe(args.recipe)
    agent = Agent.load(str(run_dir / "last"))
    cfg = agent.config
    arc = "ARC" in r.env_id
    metrics = agent.evaluate("test", samples=cfg.eval_samples if arc else r.samples,
                             instances=args.instances or None, seed=0, time_budget_s=args.chunk_minutes * 60.0,
                             progress=False, **({} if arc else {"temperature": r.temperature}))
    scoring = ("the top two of the votes over eval_views augmented views x eval_samples samples, each answer "
               "mapped back by its view's inverse transform; ARC Prize's task pass@k through env.evaluate" if arc
               else f"{r.samples} samples per test input at the recipe's temperature, through env.evaluate")
    out = {
        "recipe": r.name, "env_id": r.env_id, "model": r.model, "split": "evaluation" if arc else "test",
        "steps": led.get("steps"), "train_minutes": round(float(led.get("train_s", 0.0)) / 60.0, 2),
        "chunks": len(led.get("chunks", [])),
        "scoring": scoring,
        "metrics": metrics,
        **({"paper_pass@2_percent": PAPER_PASS2.get(r.model), "copy_baselines": copy_baselines(r.env_id)}
           if arc else {}),
        "config": cfg.to_dict(),
        "ledger": led,
        **provenance(),
        "device": device_name(agent.device),
    }
    out = finite_json(out)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=1, allow_nan=False) + "\n")
    led["evaluated"] = True
    write_ledger(run_dir, led)
    return out


def main(argv: list[str] | None = None) -> int:
    from gram_agent.recipes import recipe

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--recipe", required=True, help="a recipe name (gram train --help lists them)")
    p.add_argument("--run-dir", required=True, help="checkpoint folder of the run (RUN/last, RUN/chain.json)")
    p.add_argument("--chunk-minutes", type=float, default=9.0, help="wall-clock budget of this invocation")
    p.add_argument("--total-minutes", type=float, default=None, help="training minutes of the whole chain "
                   "(default: the recipe's train_minutes)")
    p.add_argument("--set", action="append", default=[], metavar="K=V", help="config field on top of the recipe")
    p.add_argument("--env-kwargs", type=json.loads, default={}, help="JSON keyword arguments of gym.make")
    p.add_argument("--device", default=None)
    p.add_argument("--instances", type=int, default=0, help="score the first N evaluation inputs (0: all)")
    p.add_argument("--curve-instances", type=int, default=0,
                   help="after each chunk, score 1 sample on the first N test inputs (a generation env: N samples "
                        "of its blank board) into the ledger's learning curve (python -m experiments.curves plots "
                        "it; 0: no curve)")
    p.add_argument("--curve-seconds", type=float, default=60.0, help="time kept in each chunk for the curve point")
    p.add_argument("--unpack", default=None, metavar="DIR", help="rebuild RUN/last from pack_parts output first")
    p.add_argument("--pack", default=None, metavar="DIR", help="after the chunk, write RUN/last as <=15 MiB parts")
    p.add_argument("--max-mib", type=float, default=48.0,
                   help="shrink the packed state to this size (gram_agent.checkpoint.TRANSFER_LEVELS)")
    p.add_argument("--no-compile-cache", action="store_true",
                   help=f"neither load nor pack torch.compile's caches ({COMPILE_CACHE})")
    p.add_argument("--out", default=None, help="results JSON (default RUN/results.json)")
    args = p.parse_args(argv)
    r = recipe(args.recipe)
    if not args.chunk_minutes > 0:
        p.error("--chunk-minutes must be > 0")
    run_dir = Path(args.run_dir)
    args.out = args.out or str(run_dir / "results.json")
    from gram_agent import compile_cache
    from gram_agent.checkpoint import find_resume, pack_parts, unpack_parts

    if args.unpack and (not run_dir.exists() or find_resume(str(run_dir)) is None):
        unpack_parts(args.unpack, str(run_dir / "last"))
        print(f"unpacked {args.unpack} into {run_dir / 'last'}", flush=True)
    led = read_ledger(run_dir)
    total_s = 60.0 * (r.train_minutes if args.total_minutes is None else args.total_minutes)
    left_s = total_s - float(led.get("train_s", 0.0))
    if left_s > 1.0:
        cache = os.path.join(args.unpack, COMPILE_CACHE) if args.unpack else None
        if cache and not args.no_compile_cache and compile_cache.load(cache):
            print(f"loaded torch.compile caches from {cache}", flush=True)
        train_chunk(args, run_dir, led, left_s)
        done = float(led["train_s"])
        print(f"chunk {len(led['chunks'])}: step {led['steps']}, {done / 60:.1f} of {total_s / 60:g} training "
              f"minutes used" + ("; the next call evaluates" if done >= total_s - 1.0 else ""), flush=True)
    elif led.get("evaluated") and Path(args.out).exists():
        print(Path(args.out).read_text())
    else:
        out = evaluate(args, run_dir, led)
        print(json.dumps({k: out[k] for k in ("recipe", "steps", "train_minutes", "metrics")}, indent=1))
    if args.pack:
        shutil.rmtree(args.pack, ignore_errors=True)
        parts = pack_parts(str(run_dir / "last"), args.pack, 15.0, max_mib=args.max_mib)
        print(f"packed {run_dir / 'last'} into {len(parts)} parts under {args.pack}", flush=True)
        size = None if args.no_compile_cache else compile_cache.save(os.path.join(args.pack, COMPILE_CACHE))
        if size:
            print(f"packed torch.compile caches ({size / 2**20:.1f} MiB) as {COMPILE_CACHE}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
