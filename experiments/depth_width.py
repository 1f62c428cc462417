"""Test accuracy against width (parallel samples N) and depth (supervision steps at inference).

    python -m experiments.depth_width --agent DIR [--agent DIR2 ...] --env GRAM/Sudoku-Extreme \\
        --samples 1 2 4 8 16 20 32 --depths 16 32 64 128 320 --instances 0 --out FILE.json [--plot FILE.png]

Width, at the depth each agent was trained with: max(--samples) samples are drawn once per test
input and every N of ``--samples`` is scored on the first N of them
(``gram_agent.evaluation.prefix_selections``): per-sample accuracy, majority-vote accuracy, the LPRM
and halting-head selections (recursive models; the one-shot baselines have no such heads), and the
oracle pass@N (any of the N samples valid). Depth, at N = 1: one rollout to max(--depths) keeps the
answer at every listed depth (``Agent.rollout(record_steps=...)``, identical to separate rollouts of
each depth); the looped and MDLM baselines take one rollout per depth, the other baselines have no
depth to vary. ``--instances 0`` scores the whole split, in chunks of ``--chunk`` inputs.

Envs whose instances carry a rating (Sudoku-Extreme's ``rating``: branch points of the solver, see
gram_envs/sudoku/data/README.md) also get every width and depth number per rating bucket
(``gram_envs.core.metrics.accuracy_by_bucket``): buckets at the quartiles of the whole split's ratings
(``--rating-buckets``), or ``--rating-edges`` given by hand. Writes FILE (JSON) and, with --plot, one
PNG of two panels (accuracy against N; accuracy against depth), one colour per agent.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

#: rating buckets by default: quartiles of the evaluated split's ratings
RATING_BUCKETS = 4


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m experiments.depth_width", description=__doc__.split("\n")[0])
    ap.add_argument("--agent", action="append", required=True, help="an Agent folder (repeat for several)")
    ap.add_argument("--env", default=None, help="the env id the agents must have been trained on (a check)")
    ap.add_argument("--split", default="test", choices=("train", "test"))
    ap.add_argument("--samples", type=int, nargs="+", default=[1, 2, 4, 8, 16, 20, 32])
    ap.add_argument("--depths", type=int, nargs="*", default=[16, 32, 64, 128, 320],
                    help="supervision steps at inference for the N = 1 depth sweep (none: skip it)")
    ap.add_argument("--instances", type=int, default=0, help="first inputs of the split (0: all)")
    ap.add_argument("--chunk", type=int, default=256, help="inputs per rollout call (width; depth takes "
                    "chunk x max(samples))")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=None, help="trajectories per forward pass (default: eval_batch)")
    ap.add_argument("--temperature", type=float, default=1.0, help="the prior's temperature, every step")
    ap.add_argument("--ptrm-sigma", type=float, default=0.0,
                    help="PTRM: add N(0, sigma^2) to the low-level latent at every supervision step (a TRM "
                         "checkpoint's noisy rollouts; halt_accuracy is then PTRM's best-Q@N); 0: none")
    ap.add_argument("--rating-buckets", type=int, default=RATING_BUCKETS)
    ap.add_argument("--rating-edges", type=float, nargs="+", default=None)
    ap.add_argument("--device", default=None, help="cuda or cpu (default: cuda when available)")
    ap.add_argument("--compile", action="store_true", help="sample with a torch.compile'd step (Agent.compile)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--plot", default=None)
    args = ap.parse_args(argv)
    for name in ("samples", "depths"):
        vals = getattr(args, name)
        if any(v < 1 for v in vals):
            ap.error(f"--{name} must be integers >= 1, got {vals}")
        setattr(args, name, sorted(set(vals)))
    if not args.ptrm_sigma >= 0:
        ap.error(f"--ptrm-sigma must be >= 0, got {args.ptrm_sigma}")
    if args.instances < 0 or args.chunk < 1 or args.rating_buckets < 1:
        ap.error("--instances must be >= 0, --chunk and --rating-buckets >= 1")
    return args


def depth_mode(agent) -> str:
    """How an agent's depth varies: "record" (one rollout kept at every depth: the recursive models),
    "separate" (a rollout per depth: looped, mdlm) or "none" (direct, ar, d3pm: fixed depth)."""
    from gram_agent.model.baselines import OneShotModel

    if not isinstance(agent.model, OneShotModel):
        return "record"
    return "separate" if agent.config.model in ("looped", "mdlm") else "none"


def chunk_seed(seed: int, chunk: int) -> int:
    """One noise stream per chunk of inputs (chunks must not share draws)."""
    return seed * 1_000_003 + chunk


def score(env, ids: np.ndarray, roll: dict) -> tuple[np.ndarray, np.ndarray]:
    """(valid (M, N) bool, answer tokens (M, N, L)) of one rollout, by the env's exact validator."""
    toks = roll["tokens"].cpu().numpy()
    res = env.unwrapped.evaluate(ids, env.unwrapped.detokenize(toks), record=False)
    return np.asarray(res["valid"], dtype=bool).reshape(toks.shape[:2]), toks


def evaluate_agent(agent, ids: np.ndarray, inputs: np.ndarray, pids: np.ndarray | None, args) -> dict:
    """Per-input width and depth correctness of one agent: {"width": {key: (M, len(samples))},
    "depth": (M, len(depths)) or None, "mode": depth_mode, "seconds": {...}}."""
    from tqdm.auto import tqdm

    from gram_agent.evaluation import prefix_selections

    env, ns, n_max = agent.env, args.samples, max(args.samples)
    mode = depth_mode(agent)
    heads = mode == "record"
    sigma = getattr(args, "ptrm_sigma", 0.0)
    if sigma and mode != "record":
        raise SystemExit(f"--ptrm-sigma needs a recursive model's latent; {agent.config.model} has none")
    noise = {"ptrm_sigma": sigma} if sigma else {}
    parts: dict[str, list[np.ndarray]] = {}
    t0 = time.monotonic()
    starts = range(0, len(ids), args.chunk)
    for c, s in enumerate(tqdm(starts, desc=f"width N<={n_max}", unit="chunk", dynamic_ncols=True)):
        sl = slice(s, s + args.chunk)
        roll = agent.rollout(inputs[sl], samples=n_max, seed=chunk_seed(args.seed, c), batch=args.batch,
                             puzzle_ids=None if pids is None else pids[sl], temperature=args.temperature, **noise)
        valid, toks = score(env, ids[sl], roll)
        sel = prefix_selections(valid, toks, roll["value"].float().cpu().numpy(),
                                roll["q_halt"].float().cpu().numpy(), ns, heads=heads)
        for k, v in sel.items():
            parts.setdefault(k, []).append(v)
    width_s = time.monotonic() - t0
    depth = None
    t0 = time.monotonic()
    if args.depths and mode != "none":
        step = args.chunk * n_max
        cols = []
        for c, s in enumerate(tqdm(range(0, len(ids), step), desc=f"depth <= {max(args.depths)}", unit="chunk",
                                   dynamic_ncols=True)):
            sl = slice(s, s + step)
            kw = dict(samples=1, seed=chunk_seed(args.seed + 1, c), batch=args.batch,
                      puzzle_ids=None if pids is None else pids[sl], **noise)
            if mode == "record":
                roll = agent.rollout(inputs[sl], steps=max(args.depths), record_steps=args.depths,
                                     temperature=args.temperature, **kw)
                rolls = [roll["at_steps"][d] for d in args.depths]
            else:
                rolls = [agent.rollout(inputs[sl], steps=d, temperature=args.temperature, **kw) for d in args.depths]
            cols.append(np.stack([score(env, ids[sl], r)[0][:, 0] for r in rolls], axis=1))
        depth = np.concatenate(cols)
    return {"width": {k: np.concatenate(v) for k, v in parts.items()}, "depth": depth, "mode": mode,
            "seconds": {"width": width_s, "depth": time.monotonic() - t0}}


#: JSON name of each width selection
WIDTH_KEYS = {"sample_accuracy": "sample_accuracy", "vote": "vote_accuracy", "lprm": "lprm_accuracy",
              "halt": "halt_accuracy", "pass": "pass_at_n"}


def summarise(per: dict, ratings: np.ndarray | None, edges: list[float] | None, args, trained_depth) -> dict:
    """Means over inputs of ``evaluate_agent``'s arrays, and the same per rating bucket."""
    from gram_envs.core.metrics import accuracy_by_bucket

    width = {"n": list(args.samples)}
    width.update({WIDTH_KEYS[k]: [float(x) for x in v.mean(0)] for k, v in per["width"].items()})
    out: dict = {"trained_depth": trained_depth, "depth_mode": per["mode"], "width": width,
                 "seconds": per["seconds"]}
    if per["depth"] is not None:
        out["depth"] = {"steps": list(args.depths), "accuracy": [float(x) for x in per["depth"].mean(0)]}
    else:
        out["depth"] = None
    if ratings is not None:
        by: dict = {"width": {}, "depth": {}}
        for k, v in per["width"].items():
            by["width"][WIDTH_KEYS[k]] = {str(n): accuracy_by_bucket(v[:, j], ratings, edges)
                                          for j, n in enumerate(args.samples)}
        if per["depth"] is not None:
            by["depth"] = {str(d): accuracy_by_bucket(per["depth"][:, j], ratings, edges)
                           for j, d in enumerate(args.depths)}
        out["by_rating"] = by
    return out


def instance_ratings(env, split: str, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(ratings of ``ids``, ratings of the whole split) where the env's instances carry a rating."""
    ps = getattr(env.unwrapped, "puzzle_set", None)
    rating = None if ps is None else ps.extras.get("rating")
    if rating is None:
        return None
    rating = np.asarray(rating)
    return rating[ids], rating[env.unwrapped.instance_ids(split)]


def plot(result: dict, path: str) -> None:
    """Accuracy against N (vote solid, LPRM dashed, pass@N dotted) and against depth at N = 1."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from experiments.figures import save_png

    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.6))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, r in enumerate(result["agents"]):
        col, name, w = colours[i % len(colours)], r["label"], r["width"]
        a.plot(w["n"], w["vote_accuracy"], "-o", color=col, ms=3, label=f"{name}: vote")
        if "lprm_accuracy" in w:
            a.plot(w["n"], w["lprm_accuracy"], "--s", color=col, ms=3, label=f"{name}: LPRM")
        a.plot(w["n"], w["pass_at_n"], ":", color=col, label=f"{name}: pass@N")
        if r["depth"] is not None:
            b.plot(r["depth"]["steps"], r["depth"]["accuracy"], "-o", color=col, ms=3, label=name)
            if r["trained_depth"]:
                b.axvline(r["trained_depth"], color=col, lw=0.6, alpha=0.5)
    a.set_xscale("log", base=2)
    a.set_xlabel("parallel samples N")
    a.set_ylabel(f"{result['split']} accuracy")
    a.set_title("width (at the trained depth)", fontsize=9)
    b.set_xscale("log", base=2)
    b.set_xlabel("supervision steps at inference")
    b.set_title("depth (N = 1; thin line: trained depth)", fontsize=9)
    ticks = [sorted({int(x) for r in result["agents"] for x in r["width"]["n"]}),
             sorted({int(x) for r in result["agents"] if r["depth"] for x in r["depth"]["steps"]})]
    for ax, t in zip((a, b), ticks, strict=True):
        if t:
            ax.set_xticks(t, [str(x) for x in t], fontsize=7)
            ax.minorticks_off()
        ax.grid(alpha=0.3)
        ax.set_ylim(-0.02, 1.02)
        ax.legend(fontsize=6)
    fig.suptitle(f"{result['env']}: {result['instances']} {result['split']} inputs", fontsize=10)
    fig.tight_layout()
    save_png(fig, path)


def main(argv: list[str] | None = None) -> int:
    from gram_agent.data import instance_puzzle_ids
    from gram_agent.infer import Agent, device_name
    from gram_envs.core.metrics import provenance, quantile_edges

    args = parse_args(argv)
    prov = provenance()  # the code the draws start from
    agents_out, env_id, n_inputs = [], None, None
    for path in args.agent:
        agent = Agent.load(path, device=args.device)
        if args.compile:
            agent.compile()
        if args.env is not None and agent.spec.env_id != args.env:
            raise SystemExit(f"{path}: trained on {agent.spec.env_id}, not --env {args.env}")
        env = agent.env
        ds = env.unwrapped.dataset(args.split, **agent.config.dataset_kwargs)
        ids, inputs = ds.instance_ids, ds.instance_inputs
        pids = instance_puzzle_ids(ds) if agent.model.puzzle_emb is not None else None
        if args.instances:
            ids, inputs = ids[:args.instances], inputs[:args.instances]
            pids = None if pids is None else pids[:args.instances]
        if n_inputs is not None and (len(ids) != n_inputs or agent.spec.env_id != env_id):
            raise SystemExit(f"{path}: {agent.spec.env_id} with {len(ids)} inputs, unlike the first agent's "
                             f"{env_id} with {n_inputs}; compare agents of one task")
        env_id, n_inputs = agent.spec.env_id, len(ids)
        rated = instance_ratings(env, args.split, ids)
        ratings, edges = None, None
        if rated is not None:
            ratings = rated[0]
            edges = args.rating_edges or quantile_edges(rated[1], args.rating_buckets)
        trained_depth = agent.config.n_sup if depth_mode(agent) == "record" else None
        per = evaluate_agent(agent, ids, inputs, pids, args)
        label = agent.config.model + (f" + PTRM sigma {args.ptrm_sigma:g}" if args.ptrm_sigma else "")
        row = {"agent": path, "label": label, "model": agent.config.model, "ptrm_sigma": args.ptrm_sigma,
               "compiled": agent.compiled, "compile_failure": agent.compile_failure,
               "trained_steps": agent.meta.get("step"), **summarise(per, ratings, edges, args, trained_depth)}
        if edges is not None:
            row["rating_edges"] = edges
        agents_out.append(row)
    labels = [r["label"] for r in agents_out]
    for r in agents_out:  # two agents of one model: tell them apart by their folder
        if labels.count(r["label"]) > 1:
            r["label"] = f"{r['model']} ({r['agent'].rstrip('/').split('/')[-1]})"
    result = {**prov, "device": device_name(agent.device), "env": env_id, "split": args.split,
              "instances": n_inputs, "samples": args.samples,
              "depths": args.depths, "seed": args.seed, "chunk": args.chunk, "temperature": args.temperature,
              "rating_buckets": None if args.rating_edges else args.rating_buckets,
              "bucket_rule": "[low, high) per bucket, the last one closed; edges: --rating-edges, else the "
                             "quantiles of the whole split's ratings", "agents": agents_out}
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    if args.plot:
        plot(result, args.plot)
    for r in agents_out:
        w = r["width"]
        print(f"{r['label']}: N={w['n'][0]} accuracy {w['sample_accuracy'][0]:.3f}; N={w['n'][-1]} vote "
              f"{w['vote_accuracy'][-1]:.3f} pass@N {w['pass_at_n'][-1]:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
