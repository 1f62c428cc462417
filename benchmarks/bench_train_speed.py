"""Training-step speed of GRAM and TRM at the Sudoku and N-Queens shapes, on one GPU.

    python -m benchmarks.bench_train_speed [--steps N] [--shapes sudoku nqueens] [--set NAME=VALUE] [--out FILE]
        [--profile PREFIX] [--compile-cache FILE]

For each shape and model it trains a fixed number of optimiser steps and reports steady sample-steps/s (median
over the second half of the log intervals), MFU by ``benchmarks.train_gpu.flops_per_sample_step``
(matmul FLOPs only) over a bf16 peak of 790 TFLOP/s, the warm-up to the first logged step (compile
included) and peak GPU memory; results go to benchmarks/results/train_speed_bench.json (or --out).
``--compile-cache FILE`` loads torch.compile's caches from FILE first (when it exists) and writes
them there at the end: run twice with fresh TORCHINDUCTOR_CACHE_DIR and TRITON_CACHE_DIR to see the
warm-up a chain's chunk on a fresh machine pays with the packed caches.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

#: shape -> (env id, preset, config overrides, default steps); Sudoku: the paper's preset (D=512, MLP mixer, K=6)
SHAPES: dict[str, tuple[str, str, dict, int]] = {
    "sudoku": ("GRAM/Sudoku-Extreme", "paper", {"batch_size": 768}, 300),
    "nqueens": ("GRAM/NQueens-8", "small", {"compile_mode": "reduce-overhead"}, 3000),
}


def measure(env_id: str, preset_name: str, model: str, overrides: dict, steps: int,
            profile: str | None = None, assignments: tuple[str, ...] = ()) -> dict:
    """Train ``steps`` optimiser steps; return the speed record of one shape and model. With
    ``profile``, the steps between the second and third log are profiled (torch.profiler) and the
    kernels' table, by device time, is written to that file."""
    import torch

    import gram_agent
    from benchmarks.train_gpu import PEAK_BF16, flops_per_sample_step
    from gram_agent.infer import device_name

    cfg = gram_agent.preset(preset_name, env_id, model=model).replace(log_every=10, eval_every=0, **overrides)
    cfg = cfg.set(*assignments)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if dev.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.cuda.reset_peak_memory_stats(dev)
    first_log: list[float] = []
    logs = [0]
    prof = None
    t0 = time.monotonic()

    def log(msg: str) -> None:
        nonlocal prof
        if not msg.startswith("{"):
            return
        if not first_log:
            first_log.append(time.monotonic() - t0)
        logs[0] += 1
        if profile and logs[0] == 2:  # after compile and warm-up: one log interval of steady steps
            acts = [torch.profiler.ProfilerActivity.CPU]
            if dev.type == "cuda":
                acts.append(torch.profiler.ProfilerActivity.CUDA)
            prof = torch.profiler.profile(activities=acts)
            prof.__enter__()
        elif prof is not None and logs[0] == 3:
            prof.__exit__(None, None, None)
            key = "self_cuda_time_total" if dev.type == "cuda" else "self_cpu_time_total"
            with open(profile, "w") as f:
                f.write(f"{env_id} {preset_name} {model} {overrides}: {cfg.log_every} steps\n")
                f.write(prof.key_averages().table(sort_by=key, row_limit=40, max_name_column_width=90))
            prof = None

    agent = gram_agent.train(env_id, cfg, device=dev, max_steps=steps, progress=False, eval_at_end=False, log=log)
    tr = agent.meta["train"]
    hist = [h for h in tr["history"] if "sample_steps_per_s" in h]
    steady = float(np.median([h["sample_steps_per_s"] for h in hist[len(hist) // 2:]])) if hist else float("nan")
    flops = flops_per_sample_step(cfg, agent.spec.seq_len, agent.spec.n_answer)
    step_s = cfg.batch_size / steady
    return {
        "env": env_id, "preset": preset_name, "model": model, "overrides": overrides, "set": list(assignments),
        "d_model": cfg.d_model, "mixer": cfg.mixer, "T": cfg.T, "K": cfg.K, "batch_size": cfg.batch_size,
        "params": sum(p.numel() for p in agent.model.parameters()),
        "steps": tr["steps"], "sample_steps_per_s": steady,
        "flops_per_sample_step": flops, "tflops_per_s": steady * flops / 1e12, "mfu": steady * flops / PEAK_BF16,
        # the first log comes after log_every steps: subtract their steady time to leave the warm-up
        "warmup_s": (first_log[0] - cfg.log_every * step_s) if first_log else None,
        "peak_memory_gib": torch.cuda.max_memory_allocated(dev) / 2**30 if dev.type == "cuda" else None,
        "device": device_name(dev),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=None, help="optimiser steps per shape and model (default per shape)")
    p.add_argument("--shapes", nargs="+", default=list(SHAPES), choices=list(SHAPES))
    p.add_argument("--models", nargs="+", default=["gram", "trm"], choices=["gram", "trm"])
    p.add_argument("--out", default=None, help="results file (default benchmarks/results/train_speed_bench.json)")
    p.add_argument("--profile", default=None, metavar="PREFIX",
                   help="also write PREFIX_<shape>_<model>.txt: torch.profiler's kernel table over one log interval")
    p.add_argument("--compile-cache", default=None, metavar="FILE",
                   help="load torch.compile's caches from FILE first (if it exists), save them there at the end")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="config override on top of each shape's (repeatable), e.g. compile_mode=max-autotune")
    args = p.parse_args(argv)

    from benchmarks.common import RESULTS
    from gram_agent import compile_cache
    from gram_envs.core.metrics import provenance

    cache_loaded = bool(args.compile_cache) and compile_cache.load(args.compile_cache)
    runs = []
    for shape in args.shapes:
        env_id, preset_name, overrides, steps = SHAPES[shape]
        for model in args.models:
            prof = f"{args.profile}_{shape}_{model}.txt" if args.profile else None
            rec = {"shape": shape, "compile_cache_loaded": cache_loaded,
                   **measure(env_id, preset_name, model, overrides, args.steps or steps, prof, tuple(args.set))}
            runs.append(rec)
            print(f"{shape:8} {model:4} {rec['sample_steps_per_s']:9.0f} sample-steps/s  MFU {rec['mfu']:.3f}  "
                  f"warm-up {rec['warmup_s'] or 0:.0f} s  peak {rec['peak_memory_gib'] or 0:.1f} GiB", flush=True)
    for shape in args.shapes:
        by = {r["model"]: r for r in runs if r["shape"] == shape}
        if {"gram", "trm"} <= set(by):
            print(f"{shape}: GRAM costs {by['trm']['sample_steps_per_s'] / by['gram']['sample_steps_per_s'] - 1:+.1%} "
                  "time per sample-step over TRM")
    if args.compile_cache:
        size = compile_cache.save(args.compile_cache)
        print(f"compile cache: {'loaded, ' if cache_loaded else ''}{size or 0:,} bytes written", flush=True)
    out = args.out or str(RESULTS / "train_speed_bench.json")
    with open(out, "w") as f:
        json.dump({**provenance(), "runs": runs}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
