"""Unconditional generation scored by the env's exact validator: validity, novelty and speed.

    python -m experiments.generation_eval --agent DIR --env GRAM/SudokuGen-9 --samples 100000 \\
        --out FILE.json [--grid-png FILE.png]

Draws ``--samples`` grids from the blank board with ``Agent.generate`` (GRAM, TRM and the one-shot
baselines such as D3PM alike), ``--chunk`` at a time under one seed per chunk, and reports
(``gram_envs.core.metrics.generation_counts``): the share of valid grids, the share of distinct grids
among all samples and of distinct valid grids among the valid ones, the share of samples (and of
valid samples) identical to a training grid (the targets of the env's train split: SudokuGen-9's
``n_grids`` random complete grids), and samples per second (generation only, and with scoring). With
--grid-png, a picture of the first ``--grid-count`` samples, cells whose digit repeats in their row,
column or box in red.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

from gram_agent.cli import parse_temperature


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m experiments.generation_eval", description=__doc__.split("\n")[0])
    ap.add_argument("--agent", required=True, help="an Agent folder trained on an unconditional env")
    ap.add_argument("--env", default=None, help="the env id the agent must have been trained on (a check)")
    ap.add_argument("--samples", type=int, default=100_000)
    ap.add_argument("--chunk", type=int, default=8192, help="samples per generate call")
    ap.add_argument("--steps", type=int, default=None, help="supervision (or diffusion) steps; default: trained")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--temperature", type=parse_temperature, default=1.0,
                    help="prior temperature: one value, or one per step as 3x2,0.5x14 (default 1.0)")
    ap.add_argument("--device", default=None, help="cuda or cpu (default: cuda when available)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--grid-png", default=None)
    ap.add_argument("--grid-count", type=int, default=6)
    args = ap.parse_args(argv)
    if args.samples < 1 or args.chunk < 1 or args.grid_count < 1 or (args.steps is not None and args.steps < 1):
        ap.error("--samples, --chunk, --grid-count and --steps must be >= 1")
    return args


def training_grids(env) -> np.ndarray:
    """The training targets of an env's train split (SudokuGen-9: its ``n_grids`` grids)."""
    u = env.unwrapped
    owner = np.asarray(u.puzzle_set.target_owner)
    return np.asarray(u.puzzle_set.targets)[np.isin(owner, u.instance_ids("train"))]


def conflict_cells(board: np.ndarray) -> np.ndarray:
    """(side, side) bool: cells whose digit appears again in their row, column or box."""
    b = np.asarray(board)
    side = b.shape[0]
    box = int(round(side ** 0.5))
    if b.shape != (side, side) or box * box != side or b.min() < 1 or b.max() > side:
        raise ValueError(f"board must be a square Sudoku grid of digits 1..side with a square side, got {b.shape}")
    onehot = np.eye(side + 1, dtype=np.int64)[b][..., 1:]  # (row, col, digit)
    rows = onehot.sum(1, keepdims=True)
    cols = onehot.sum(0, keepdims=True)
    boxes = onehot.reshape(box, box, box, box, side).sum((1, 3))  # (box row, box col, digit)
    per_box = np.repeat(np.repeat(boxes, box, 0), box, 1)
    count = np.maximum(np.maximum(rows, cols), per_box)
    return (count * onehot).sum(-1) > 1


def grid_picture(grids: np.ndarray, valid: np.ndarray, path: str, title: str) -> None:
    """A row of generated grids: digits, box lines, conflicting cells in red; titled valid or not."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from experiments.figures import save_png

    k = len(grids)
    cols = min(k, 3)
    nrows = (k + cols - 1) // cols
    fig, axes = plt.subplots(nrows, cols, figsize=(2.3 * cols, 2.5 * nrows), squeeze=False)
    for ax in axes.flat[k:]:
        ax.axis("off")
    for ax, g, ok in zip(axes.flat[:k], grids, valid, strict=True):
        side = g.shape[0]
        box = int(round(side ** 0.5))
        ax.imshow(conflict_cells(g), cmap="Reds", vmin=0, vmax=2.5)
        for r in range(side):
            for c in range(side):
                ax.text(c, r, str(int(g[r, c])), ha="center", va="center", fontsize=6)
        for i in range(side + 1):
            lw = 1.2 if i % box == 0 else 0.3
            ax.axhline(i - 0.5, color="k", lw=lw)
            ax.axvline(i - 0.5, color="k", lw=lw)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title("valid" if ok else "invalid", fontsize=8, color="k" if ok else "tab:red")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    save_png(fig, path)


def main(argv: list[str] | None = None) -> int:
    from tqdm.auto import tqdm

    from gram_agent.infer import Agent, device_name
    from gram_envs.core.metrics import generation_counts, provenance

    args = parse_args(argv)
    prov = provenance()
    agent = Agent.load(args.agent, device=args.device)
    if args.env is not None and agent.spec.env_id != args.env:
        raise SystemExit(f"{args.agent}: trained on {agent.spec.env_id}, not --env {args.env}")
    env = agent.env
    u = env.unwrapped
    inst = u.dataset("test", **agent.config.dataset_kwargs).instance_ids[:1]  # the blank board generate uses
    grids, valid, conflicts = [], [], []
    gen_s = score_s = 0.0
    with tqdm(total=args.samples, desc="generating", unit="grid", unit_scale=True, dynamic_ncols=True) as bar:
        for c, s in enumerate(range(0, args.samples, args.chunk)):
            n = min(args.chunk, args.samples - s)
            t0 = time.monotonic()
            g = agent.generate(n, steps=args.steps, seed=args.seed * 1_000_003 + c, temperature=args.temperature)
            t1 = time.monotonic()
            scored = u.evaluate(inst, g[None], record=False)
            valid.append(np.asarray(scored["valid"][0], dtype=bool))
            conflicts.append(np.asarray(scored["conflicts"][0], dtype=float))
            score_s += time.monotonic() - t1
            gen_s += t1 - t0
            grids.append(np.asarray(g))
            bar.update(n)
    grids_a, valid_a = np.concatenate(grids), np.concatenate(valid)
    counts = generation_counts(grids_a, valid_a, training_grids(env), getattr(u, "answer_ndim", 2))
    result = {**prov, "device": device_name(agent.device), "agent": args.agent, "env": agent.spec.env_id,
              "env_kwargs": dict(agent.spec.env_kwargs), "model": agent.config.model,
              "trained_steps": agent.meta.get("step"), "seed": args.seed, "chunk": args.chunk, "steps": args.steps,
              "temperature": args.temperature, **counts,
              # duplicate digits per grid (rows, columns, boxes summed): how far the invalid ones are
              "conflicts_mean": float(np.concatenate(conflicts).mean()),
              "samples_per_s": args.samples / max(gen_s, 1e-9),
              "samples_per_s_with_scoring": args.samples / max(gen_s + score_s, 1e-9),
              "seconds": {"generate": gen_s, "score": score_s}}
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    if args.grid_png:
        k = min(args.grid_count, len(grids_a))
        grid_picture(grids_a[:k], valid_a[:k], args.grid_png,
                     f"{agent.config.model} on {agent.spec.env_id}: first {k} samples (red: conflicting cells)")
    print(f"{agent.config.model}: valid {counts['valid_rate']:.3f}, distinct {counts['distinct_rate']:.3f}, "
          f"copied {counts['copied_rate']:.3f}, {result['conflicts_mean']:.1f} conflicts per grid, "
          f"{result['samples_per_s']:.1f} samples/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
