"""``gram`` command line: train, eval, list, export, demo (docs/agent.md, docs/text.md).

    gram train --recipe nq8-gram                      # a published recipe: its env, preset, overrides, budget
    gram train --env GRAM/NQueens-8 --preset small --minutes 8 --checkpoint-dir runs/nq8 --set lr=3e-4
    gram eval --pretrained nqueens8-gram --instances 50
    gram eval --checkpoint runs/nq8/best --samples 20 --temperature 3x2,0.5x14
    gram list                                         # env ids and pretrained agents
    gram export --env GRAM/NQueens-8 --split test --format jsonl --out nq8.jsonl   # text rows (docs/text.md)
    gram demo                                         # the pretrained GRAM and TRM on N-Queens-8
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

import numpy as np

DEMO_AGENTS = ("nqueens8-gram", "nqueens8-trm")


class UserError(Exception):
    """A mistake in the command line: printed as one line, exit status 2."""


# ---------------------------------------------------------------------- help texts
def _train_epilog() -> str:
    """Presets, recipes and every config field (grouped), for ``gram train --help``."""
    from gram_agent.config import GROUPS, PRESET_HELP, fields_by_group
    from gram_agent.recipes import RECIPES, format_temperature

    lines = ["presets (--preset NAME; GRAM on the fast and small presets scores the nearest valid completion):"]
    lines += [f"  {name:8} {text}" for name, text in PRESET_HELP.items()]
    lines += ["", "recipes (--recipe NAME: the settings behind a published result, or a planned long run; "
                  "--set/--minutes override):"]
    for r in RECIPES.values():
        lines.append(f"  {r.name:14} {r.env_id}, {r.model}, preset {r.preset}, {r.train_minutes:g} GPU min, "
                     f"sampled at temperature {format_temperature(r.temperature)}"
                     + ("" if r.published else " (no published result yet)"))
        if r.description:
            lines.append(f"  {'':14} {r.description}")
    lines += ["", "config fields (--set NAME=VALUE, repeatable; defaults are the paper's unless the preset sets them):"]
    for group, fields in fields_by_group().items():
        lines.append(f" {group}: {GROUPS[group]}")
        for f in fields:
            lines.append(f"  {f.name:24} {f.metadata['help']} [{_default(f)}]")
    return "\n".join(lines)


def _default(f: Any) -> str:
    import dataclasses

    value = f.default if f.default is not dataclasses.MISSING else f.default_factory()
    if isinstance(value, tuple):
        return ",".join(f"{v:g}" for v in value)
    return json.dumps(value) if isinstance(value, (dict, str)) else str(value)


# ---------------------------------------------------------------------- train
def _train_config(args: argparse.Namespace):
    """(env id, config, minutes) from --recipe / --preset / --env / --model / --set / --seed."""
    from gram_agent.config import check_env_id, preset
    from gram_agent.recipes import recipe

    minutes = args.minutes
    if args.recipe:
        if args.preset:
            raise UserError("--recipe brings its own preset; drop --preset (or drop --recipe)")
        r = recipe(args.recipe)
        env = args.env or r.env_id
        cfg = preset(r.name, env, model=args.model)
        if minutes is None and args.steps is None and r.train_minutes:
            minutes = r.train_minutes
    else:
        env = check_env_id(args.env or "GRAM/NQueens-8")
        cfg = preset(args.preset or "fast", env, model=args.model)
    cfg = cfg.set(*(args.set or []))
    if args.seed is not None:
        cfg = cfg.replace(seed=args.seed)
    return env, cfg, minutes


def cmd_train(args: argparse.Namespace) -> int:
    from gram_agent.train import train

    env, cfg, minutes = _train_config(args)
    if args.minutes is None and minutes:
        print(f"recipe {args.recipe}: training for {minutes:g} min (--minutes changes it)", file=sys.stderr)
    agent = train(env, cfg, device=args.device, time_budget_s=minutes * 60 if minutes else None,
                  checkpoint_dir=args.checkpoint_dir, resume=not args.no_resume,
                  resume_mismatch_ok=args.resume_mismatch_ok, max_steps=args.steps, log=(print if args.verbose else None), snapshot_dir=args.snapshot_dir)
    m = agent.meta["train"]["metrics"]
    summary = {"steps": agent.meta["train"]["steps"], **{k: round(v, 4) for k, v in m.items()}}
    print(json.dumps(summary, indent=1))
    if args.out:
        agent.save(args.out)
        with open(os.path.join(args.out, "metrics.json"), "w") as f:
            json.dump({"env_id": env, "recipe": args.recipe, "config": cfg.to_dict(), **summary}, f, indent=1)
    return 0


# ---------------------------------------------------------------------- eval
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


def _checkpoint(path: str) -> str:
    if not os.path.isdir(path):
        raise UserError(f"checkpoint {path!r} does not exist (expected an Agent folder or a run's best/ or last/)")
    if not os.path.isfile(os.path.join(path, "config.json")):
        raise UserError(f"checkpoint {path!r} holds no config.json (a training run's folder? use its best/ or last/)")
    return path


def _pretrained_sampling(name: str) -> tuple[Any, int]:
    """(temperature, samples) of the recipe a pretrained agent was trained by (1.0, 20 without one)."""
    from gram_agent.pretrained import card
    from gram_agent.recipes import RECIPES

    r = RECIPES.get(card(name).get("recipe") or "")
    return (r.temperature, r.samples) if r is not None else (1.0, 20)


def cmd_eval(args: argparse.Namespace) -> int:
    from gram_agent.ensemble import Ensemble
    from gram_agent.infer import Agent
    from gram_agent.pretrained import load_pretrained
    from gram_agent.recipes import format_temperature

    if bool(args.checkpoint) == bool(args.pretrained):
        raise UserError("give --checkpoint DIR (repeatable) or --pretrained NAME")
    temperature, samples = args.temperature, args.samples
    if args.pretrained:
        agent = load_pretrained(args.pretrained, device=args.device)
        rec_temp, rec_samples = _pretrained_sampling(args.pretrained)
        temperature = rec_temp if temperature is None else temperature
        samples = rec_samples if samples is None else samples
        print(f"{args.pretrained}: {samples} samples, temperature {format_temperature(temperature)}", file=sys.stderr)
    else:
        paths = [_checkpoint(p) for p in args.checkpoint]
        agent = (Agent.load(paths[0], device=args.device) if len(paths) == 1
                 else Ensemble.load(paths, device=args.device))
    m = agent.evaluate(args.split, samples=20 if samples is None else samples, steps=args.steps,
                       instances=args.instances, ptrm_sigma=args.ptrm_sigma,
                       temperature=1.0 if temperature is None else temperature)
    print(json.dumps({k: round(v, 4) for k, v in m.items()}, indent=1))
    return 0


# ---------------------------------------------------------------------- list
def cmd_list(args: argparse.Namespace) -> int:
    import gram_envs
    from gram_agent.pretrained import list_pretrained

    print("environments (gym.make(ID); the -v0 ids take keyword arguments):")
    for env_id, (_, kwargs) in gram_envs.ENV_TABLE.items():
        print(f"  {env_id:24} {', '.join(f'{k}={v}' for k, v in kwargs.items())}")
    cards = list_pretrained()
    print("\npretrained agents (gram_agent.load_pretrained(NAME), gram eval --pretrained NAME):")
    if not cards:
        print("  none shipped")
    for c in cards:
        m = c["metrics"]
        head = ", ".join(f"{k} {100 * m[k]:.1f}%" for k in ("accuracy", "coverage") if isinstance(m.get(k), float))
        extra = f" at {m['samples']} samples" if "samples" in m else ""
        print(f"  {c['name']:16} {c['env_id']:18} {c['model']:5} recipe {c['recipe'] or '-':10} {head}{extra}")
    return 0


# ---------------------------------------------------------------------- demo
def _demo_inputs(u: Any, count: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``count`` test inputs with several valid completions (ids, token inputs)."""
    ds = u.dataset("test")
    counts = u.num_solutions(ds.instance_ids)
    pick = np.flatnonzero(counts >= 2)[:count]
    return np.asarray(ds.instance_ids)[pick], np.asarray(ds.instance_inputs)[pick]


def cmd_demo(args: argparse.Namespace) -> int:
    import torch

    from gram_agent.pretrained import _folders, load_pretrained
    from gram_agent.recipes import format_temperature

    if args.threads < 1:
        raise UserError(f"--threads must be >= 1, got {args.threads}")
    torch.set_num_threads(args.threads)
    t0 = time.time()
    shipped = _folders()
    if DEMO_AGENTS[0] not in shipped:
        raise UserError(f"the pretrained agent {DEMO_AGENTS[0]!r} is not installed; the demo needs it")
    agents = {name: load_pretrained(name, device=args.device) for name in DEMO_AGENTS if name in shipped}
    if DEMO_AGENTS[1] not in agents:
        print(f"{DEMO_AGENTS[1]} is not shipped in this version: showing GRAM alone")
    u = agents[DEMO_AGENTS[0]].env.unwrapped
    ids, inputs = _demo_inputs(u, args.instances)
    n_sol = u.num_solutions(ids)
    temps = {name: _pretrained_sampling(name)[0] for name in agents}
    print(f"N-Queens 8x8: {len(ids)} test inputs with several valid completions, {args.samples} samples each")
    for name, agent in agents.items():
        print(f"  {name}: {agent.config.model.upper()}, sampled at temperature {format_temperature(temps[name])}")
    head = f"\n{'input':>6} {'completions':>11}"
    for name in agents:
        head += f" | {name + ' acc':>18} {'distinct':>8} {'coverage':>8}"
    print(head, flush=True)
    valid_all: dict[str, list[np.ndarray]] = {name: [] for name in agents}
    distinct_all: dict[str, list[int]] = {name: [] for name in agents}
    for i, inst in enumerate(ids):  # one input at a time: the cost grows linearly and rows show as they come
        line = f"{int(inst):>6} {int(n_sol[i]):>11}"
        for name, agent in agents.items():
            roll = agent.rollout(inputs[i:i + 1], samples=args.samples, temperature=temps[name], seed=args.seed + i,
                                 batch=10)
            res = u.evaluate(ids[i:i + 1], u.detokenize(roll["tokens"].cpu().numpy()), record=False)
            valid, index = np.asarray(res["valid"])[0], np.asarray(res["solution_index"])[0]
            distinct = len(set(index[valid].tolist()))
            valid_all[name].append(valid)
            distinct_all[name].append(distinct)
            line += f" | {100 * valid.mean():>17.0f}% {distinct:>8} {100 * distinct / n_sol[i]:>7.0f}%"
        print(line, flush=True)
    line = f"{'all':>6} {int(n_sol.sum()):>11}"
    for name in agents:
        cov = np.mean(np.asarray(distinct_all[name]) / n_sol)
        line += (f" | {100 * np.concatenate(valid_all[name]).mean():>17.1f}% {sum(distinct_all[name]):>8} "
                 f"{100 * cov:>7.1f}%")
    print(line)
    print("\nacc: share of samples that are valid boards; distinct: different valid boards among the samples;"
          "\ncoverage: distinct / completions (the input's number of valid completions)")
    print(f"demo took {time.time() - t0:.0f} s")
    return 0


# ---------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    from gram_agent.config import MODELS, PRESETS
    from gram_agent.recipes import RECIPES

    fmt = argparse.RawDescriptionHelpFormatter
    p = argparse.ArgumentParser(prog="gram", description=__doc__, formatter_class=fmt)
    sub = p.add_subparsers(dest="cmd", required=True, metavar="{train,eval,list,export,demo}")
    t = sub.add_parser("train", help="train GRAM or TRM on an env (a preset or a recipe)", formatter_class=fmt,
                       description="Train GRAM, TRM or a baseline; checkpoints resume where a run stopped.",
                       epilog=_train_epilog())
    t.add_argument("--env", default=None, help="env id (default GRAM/NQueens-8, or the recipe's)")
    t.add_argument("--model", default=None, choices=list(MODELS),
                   help="model kind (default gram, or the recipe's); hrm, direct, looped, ar, mdlm, d3pm: the "
                   "paper's baselines")
    t.add_argument("--preset", default=None, metavar="NAME",
                   help=f"base configuration, one of {', '.join(PRESETS)} (default fast; see below)")
    t.add_argument("--recipe", default=None, metavar="NAME",
                   help=f"train a published recipe: {', '.join(RECIPES) or 'none'} (see below)")
    t.add_argument("--minutes", type=float, default=None, help="wall-clock training budget (default: the recipe's, "
                   "else until --steps)")
    t.add_argument("--steps", type=int, default=None, help="optimiser steps to train (config max_steps)")
    t.add_argument("--checkpoint-dir", default=None, metavar="DIR",
                   help="write last/ (periodically) and best/ here, and resume from last/")
    t.add_argument("--no-resume", action="store_true", help="start afresh even if --checkpoint-dir holds a run")
    t.add_argument("--resume-mismatch-ok", action="store_true",
                   help="resume even though the saved run's config differs from this one (the fields are listed)")
    t.add_argument("--device", default=None, help="torch device, e.g. cpu or cuda (default: cuda if available)")
    t.add_argument("--seed", type=int, default=None, help="config seed (data order, noise, initialisation)")
    t.add_argument("--set", action="append", metavar="NAME=VALUE",
                   help="set a config field (repeatable); the fields are listed below")
    t.add_argument("--out", default=None, metavar="DIR", help="also save the final agent and its metrics.json here")
    t.add_argument("--snapshot-dir", default=None, metavar="DIR",
                   help="with --set snapshot_every=N: keep the eval model every N steps here, as step<N>/ agents")
    t.add_argument("-v", "--verbose", action="store_true", help="print the training log")

    e = sub.add_parser("eval", help="evaluate a checkpoint, an ensemble or a pretrained agent on its env")
    e.add_argument("--checkpoint", action="append", default=None, metavar="DIR",
                   help="an Agent folder; repeat it to sample several checkpoints of one task as one ensemble")
    e.add_argument("--pretrained", default=None, metavar="NAME",
                   help="a shipped agent (gram list); sampled with its recipe's temperature and samples")
    e.add_argument("--samples", type=int, default=None, help="samples per input (default 20, or the recipe's)")
    e.add_argument("--steps", type=int, default=None, help="supervision steps at inference (default config n_sup)")
    e.add_argument("--split", default="test", help="dataset split to score (default test)")
    e.add_argument("--instances", type=int, default=None, help="score only the first M inputs of the split")
    e.add_argument("--ptrm-sigma", type=float, default=0.0, help="PTRM: std of noise added to the latent (0 = off)")
    e.add_argument("--temperature", type=parse_temperature, default=None,
                   help="prior temperature (GRAM): one number, or one per supervision step as VALUExCOUNT "
                        "parts, e.g. 3x2,0.5x14 (default 1, or the pretrained agent's recipe)")
    e.add_argument("--device", default=None, help="torch device (default: cuda if available)")

    sub.add_parser("list", help="list the env ids and the pretrained agents")

    sub.add_parser("export", add_help=False, help="write an env's puzzles as prompt/answer/metadata text rows "
                   "(jsonl or parquet; see gram export --help)")

    d = sub.add_parser("demo", help="the pretrained GRAM and TRM on N-Queens-8 test inputs (CPU, under a minute)")
    d.add_argument("--samples", type=int, default=20, help="samples per input (default 20)")
    d.add_argument("--instances", type=int, default=3, help="test inputs shown (default 3)")
    d.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    d.add_argument("--device", default="cpu", help="torch device (default cpu)")
    d.add_argument("--threads", type=int, default=1,
                   help="torch CPU threads (default 1: more help only on idle cores, and slow a shared machine)")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["export"]:  # the text export owns its options (gram_envs.text.export, no torch)
        from gram_envs.text.export import main as export_main

        return export_main(argv[1:])
    args = build_parser().parse_args(argv)
    run = {"train": cmd_train, "eval": cmd_eval, "list": cmd_list, "demo": cmd_demo}[args.cmd]
    try:
        return run(args)
    except (UserError, ValueError, FileNotFoundError, MemoryError) as err:
        print(f"gram {args.cmd}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
