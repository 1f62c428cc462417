"""Train one model (GRAM, TRM or a baseline of gram_agent.config.MODELS) on one GPU under a time
budget, evaluate, and write a results JSON.

    python -m benchmarks.train_gpu --env GRAM/NQueens-8 --model gram --preset fast --minutes 8 --out-dir $OUT/nq8

Under ``torchrun --nproc_per_node G`` it trains one model with DistributedDataParallel over G
GPUs (the global batch split across ranks); rank 0 alone evaluates and writes the files.

``--minutes`` is the whole wall time: training stops early enough to leave ``--eval-reserve-s``
for the final evaluation (20 samples on every test instance) and the checkpoint.

Writes <out-dir>/results.json (metrics, config, steady-state sample-steps/s, estimated MFU,
peak memory, device, torch version, date, command, GIT_COMMIT) and <out-dir>/ckpt/ (a bf16
safetensors Agent), and with config ``snapshot_every`` <out-dir>/snapshots/step<N>/ (Agents for
python -m experiments.select_snapshot). Several instances may share one GPU: nothing global is touched.
MFU counts matmul FLOPs only (2mnk): forward of the network's calls + backward (2x) of those with
gradients (``network_calls``: T*(K+1) and K+1 for GRAM/TRM), guidance heads and decoder included,
attention scores included, over bf16 peak 790 TFLOP/s (a measured H200 bf16 matmul rate).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time

import numpy as np
import torch

from benchmarks.common import env_kwargs_arg
from gram_agent.config import MODELS
from gram_envs.core.metrics import command_line

PEAK_BF16 = 790e12


def network_calls(cfg) -> tuple[int, int]:
    """(forward, backward) applications of the ``n_layers`` network in one training step of one row.
    GRAM/TRM: T*(K+1) forward, the last transition's K+1 with gradients; HRM: the same plus its
    Q-target pass, gradients through the last f_L and f_H only; Looped TF: every loop both ways;
    Direct Pred, AR, MDLM, D3PM: one pass (D3PM's adaLN and AR's embeddings are not counted)."""
    if cfg.model in ("gram", "trm"):
        return cfg.T * (cfg.K + 1), cfg.K + 1
    if cfg.model == "hrm":
        return 2 * cfg.T * (cfg.K + 1), 2
    if cfg.model == "looped":
        return cfg.loops, cfg.loops
    return 1, 1


def flops_per_sample_step(cfg, seq_len: int, n_answer: int) -> float:
    """Matmul FLOPs of one training supervision step for one sample (fwd + bwd)."""
    # AR reads the puzzle and the answer as one sequence
    d, L = cfg.d_model, seq_len * (2 if cfg.model == "ar" else 1) + cfg.puzzle_emb_len
    from gram_agent.model.layers import swiglu_hidden

    ffn = swiglu_hidden(d, cfg.ffn_expansion)
    # multiply-adds per token: attention = qkv+out projections + scores + AV; mixer = a SwiGLU over L per channel
    mix = 4 * d * d + 2 * L * d if cfg.mixer == "attn" else 3 * swiglu_hidden(L, cfg.ffn_expansion) * d
    per_call = 2 * cfg.n_layers * (mix + 3 * d * ffn)  # FLOPs per token per core application
    calls, grad_calls = network_calls(cfg)
    head = 2 * 2 * 3 * d * cfg.guidance_hidden if cfg.model == "gram" else 0  # mu+sigma SwiGLU heads
    fwd = per_call * calls + head * (cfg.T + 1) + 2 * d * n_answer * 2
    bwd = 2 * (per_call * grad_calls + head * 2 + 2 * d * n_answer)
    return float((fwd + bwd) * L)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--env", default="GRAM/NQueens-8")
    p.add_argument("--env-kwargs", type=env_kwargs_arg, default={},
                   help='JSON object passed to gym.make, e.g. \'{"p": 0.5}\' (a colouring\'s edge probability)')
    p.add_argument("--model", default="gram", choices=MODELS)
    p.add_argument("--preset", default="fast")
    p.add_argument("--minutes", type=float, default=8.0)
    p.add_argument("--out-dir", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--samples", type=int, default=20)
    p.add_argument("--set", action="append", default=[], help="config override name=value")
    p.add_argument("--no-compile", action="store_true")
    p.add_argument("--eval-reserve-s", type=float, default=45.0, help="wall time kept for the final evaluation")
    p.add_argument("--checkpoint-dir", default=None, help="resumable training checkpoints (default: none)")
    args = p.parse_args()
    t_launch = time.monotonic()

    import gram_agent
    from gram_agent.config import preset
    from gram_agent.infer import device_name, make_env

    cfg = preset(args.preset, args.env, model=args.model, seed=args.seed)
    cfg = cfg.set(*args.set)
    if args.no_compile:
        cfg = cfg.replace(compile=False)
    cfg = cfg.replace(eval_samples=args.samples)
    rank = int(os.environ.get("RANK", "0"))
    os.makedirs(args.out_dir, exist_ok=True)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if dev.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.cuda.reset_peak_memory_stats(dev)
    log_path = os.path.join(args.out_dir, "train_log.jsonl" if rank == 0 else f"train_log.rank{rank}.jsonl")
    logf = open(log_path, "w")  # noqa: SIM115 (kept open for the whole run)

    def log(msg: str) -> None:
        logf.write(msg + "\n")
        logf.flush()
        if rank == 0:
            print(msg, flush=True)

    budget = args.minutes * 60 - (time.monotonic() - t_launch) - args.eval_reserve_s
    env = make_env(args.env, **args.env_kwargs)
    snapshot_dir = os.path.join(args.out_dir, "snapshots") if cfg.snapshot_every else None
    agent = gram_agent.train(env, cfg, device=dev, time_budget_s=budget, checkpoint_dir=args.checkpoint_dir,
                             progress=False, eval_at_end=False, reserve_s=min(60.0, 0.12 * budget), log=log,
                             snapshot_dir=snapshot_dir)
    tr = agent.meta["train"]
    if rank != 0:  # data-parallel workers: rank 0 evaluates and writes
        return 0
    t_eval = time.monotonic()
    # --samples 0: skip (experiments.multi_solution evaluates the checkpoint in more detail)
    metrics = agent.evaluate("test", samples=args.samples) if args.samples > 0 else {}
    metrics["eval_time_s"] = time.monotonic() - t_eval
    # steady state: sample-steps/s over the log intervals of the second half of the run
    hist = [h for h in tr["history"] if "sample_steps_per_s" in h]
    steady = [h["sample_steps_per_s"] for h in hist[len(hist) // 2:]] or [tr["sample_steps_per_s"]]
    sps = float(np.median(steady))
    fl = flops_per_sample_step(cfg, agent.spec.seq_len, agent.spec.n_answer)
    out = {
        "env": args.env,
        "env_kwargs": args.env_kwargs,
        "model": args.model,
        "preset": args.preset,
        "metrics": metrics,
        "train": {k: v for k, v in tr.items() if k not in ("history", "metrics")},
        "throughput": {
            "sample_steps_per_s_steady": sps,
            "sample_steps_per_s_overall": tr["sample_steps_per_s"],
            "optimizer_steps_per_s_steady": sps / cfg.batch_size,
            "flops_per_sample_step": fl,
            "tflops_per_s": sps * fl / 1e12,
            "mfu_vs_790tflops": sps * fl / PEAK_BF16,
        },
        "peak_memory_gib": (torch.cuda.max_memory_allocated(dev) / 2**30) if dev.type == "cuda" else None,
        "device": device_name(dev),
        "torch": torch.__version__,
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": command_line(),
        "git_commit": os.environ.get("GIT_COMMIT", "unknown"),
        "config": cfg.to_dict(),
        "params": sum(p.numel() for p in agent.model.parameters()),
        "wall_s": time.monotonic() - t_launch,
        "history": tr["history"],
    }
    with open(os.path.join(args.out_dir, "results.json"), "w") as f:
        json.dump(out, f, indent=1, default=float)
    agent.save(os.path.join(args.out_dir, "ckpt"), dtype=torch.bfloat16)
    print(json.dumps({"metrics": {k: round(v, 4) for k, v in metrics.items()}, "throughput": out["throughput"],
                      "peak_memory_gib": out["peak_memory_gib"], "steps": tr["steps"]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
