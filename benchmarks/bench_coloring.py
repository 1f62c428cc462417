"""Graph Coloring benchmark: fast solver vs python-constraint, batched validation, data build.

Run: ``.venv/bin/python -m benchmarks.bench_coloring [--graphs 50] [--samples 1000]``.
Writes ``benchmarks/results/coloring_bench.json`` and prints a short table. The data-build
timing uses a fresh temporary cache, so it measures generation, not a cache hit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import networkx as nx
import numpy as np

from benchmarks.common import best_of
from gram_envs.core.metrics import command_line
from solvers.coloring import ColoringSolver
from solvers.reference.coloring import coloring_reference_solutions

ROOT = Path(__file__).resolve().parents[1]


def bench_solvers(num_graphs: int, n: int, p: float, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    graphs = [nx.gnp_random_graph(n, p, seed=int(s)) for s in rng.integers(0, 2**32, num_graphs, dtype=np.uint64)]
    rows = []
    for k in (3, 4):
        canon_counts = [ColoringSolver(g, k).count() for g in graphs]
        plain_counts = [ColoringSolver(g, k).count_all() for g in graphs]
        t_canon = best_of(lambda k=k: [ColoringSolver(g, k).enumerate() for g in graphs], 3)
        t_plain = best_of(lambda k=k: [ColoringSolver(g, k, canonical=False).enumerate() for g in graphs], 1)
        t0 = time.perf_counter()
        ref = [coloring_reference_solutions(g, k) for g in graphs]
        t_ref = time.perf_counter() - t0
        assert [len(r) for r in ref] == plain_counts, "fast solver disagrees with python-constraint"
        rows.append(
            {
                "graphs": num_graphs,
                "n": n,
                "p": p,
                "k": k,
                "colourable": int(sum(c > 0 for c in canon_counts)),
                "canonical_total": int(sum(canon_counts)),
                "plain_total": int(sum(plain_counts)),
                "fast_canonical_s": t_canon,
                "fast_plain_s": t_plain,
                "python_constraint_s": t_ref,
                "speedup_canonical_vs_pc": t_ref / t_canon,
                "speedup_plain_vs_pc": t_ref / t_plain,
            }
        )
    return rows


def bench_validation(samples: int, seed: int) -> dict:
    import gymnasium as gym

    import gram_envs  # noqa: F401

    env = gym.make("GRAM/GraphColoring-10").unwrapped
    ids = env.puzzle_set.split_ids("test")
    rng = np.random.default_rng(seed)
    cands = rng.integers(0, env.k, size=(len(ids), samples, env.n))
    for row, i in enumerate(ids):  # a quarter valid (colour-permuted solutions), like a decent agent
        sols = env.puzzle_set.solutions.of(int(i))
        pick = sols[rng.integers(len(sols), size=samples // 4)]
        cands[row, : samples // 4] = rng.permutation(env.k)[pick]
    total = cands.size // env.n
    ids64 = ids.astype(np.int64)
    t_score = best_of(lambda: env._score(ids64, cands), 3)
    t_canon = best_of(lambda: env._canonical_answers(cands), 3)
    t_eval = best_of(lambda: env.evaluate(ids, cands, record=False), 3)
    res = env.evaluate(ids, cands, record=False)
    return {
        "env": "GRAM/GraphColoring-10",
        "instances": int(len(ids)),
        "samples": samples,
        "candidates": int(total),
        "valid_fraction": float(res["valid"].mean()),
        "score_s": t_score,
        "canonicalize_s": t_canon,
        "evaluate_s": t_eval,
        "score_candidates_per_s": total / t_score,
        "evaluate_candidates_per_s": total / t_eval,
    }


def bench_p_scan(draws: int, seed: int) -> list[dict]:
    """The edge-probability scan behind ``generator.DEFAULT_P`` (k=3): colourability and class counts."""
    from solvers.coloring import adjacency_matrix, batch_canonical_colorings

    rows = []
    rng = np.random.default_rng(seed)
    for n in (8, 10):
        for p in (0.25, 0.3, 0.35, 0.4, 0.45, 0.5):
            seeds = rng.integers(0, 2**32, draws, dtype=np.uint64)
            adj = np.stack([adjacency_matrix(nx.gnp_random_graph(n, p, seed=int(s))) for s in seeds])
            owner, _ = batch_canonical_colorings(adj, 3)
            counts = np.bincount(owner, minlength=draws)
            ok = counts > 0
            c = counts[ok]
            rows.append(
                {
                    "n": n,
                    "p": p,
                    "draws": draws,
                    "colourable": float(ok.mean()),
                    "edges_mean": float(adj[ok].sum(axis=(1, 2)).mean() / 2),
                    "classes_mean": float(c.mean()),
                    "classes_median": float(np.median(c)),
                    "classes_p90": float(np.percentile(c, 90)),
                    "classes_p99": float(np.percentile(c, 99)),
                    "classes_max": int(c.max()),
                    "frac_unique_class": float(np.mean(c == 1)),
                    "frac_le_20_classes": float(np.mean(c <= 20)),
                }
            )
    return rows


def bench_build() -> list[dict]:
    from gram_envs.coloring.generator import build_coloring

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        old = os.environ.get("GRAM_CACHE_DIR")
        os.environ["GRAM_CACHE_DIR"] = tmp
        try:
            for n in (8, 10):
                t0 = time.perf_counter()
                ps = build_coloring(n)
                t_build = time.perf_counter() - t0
                t0 = time.perf_counter()
                build_coloring(n)
                t_cached = time.perf_counter() - t0
                counts = ps.solutions.counts
                tr, te = ps.splits["train"], ps.splits["test"]
                rows.append(
                    {
                        "n": n,
                        "train_graphs": int(len(tr)),
                        "test_graphs": int(len(te)),
                        "train_rows": int(counts[tr].sum()),
                        "test_rows": int(counts[te].sum()),
                        "draws": int(ps.extras["draws"]),
                        "classes_mean": float(counts.mean()),
                        "classes_median": float(np.median(counts)),
                        "classes_p90": float(np.percentile(counts, 90)),
                        "classes_max": int(counts.max()),
                        "frac_le_20_classes": float(np.mean(counts <= 20)),
                        "frac_unique_class": float(np.mean(counts == 1)),
                        "build_s": t_build,
                        "cached_s": t_cached,
                    }
                )
        finally:
            if old is None:
                os.environ.pop("GRAM_CACHE_DIR", None)
            else:
                os.environ["GRAM_CACHE_DIR"] = old
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graphs", type=int, default=50)
    parser.add_argument("--n", type=int, default=10)
    parser.add_argument("--p", type=float, default=0.4)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scan-draws", type=int, default=3000, help="graphs per (n, p) in the edge-probability scan")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "coloring_bench.json")
    args = parser.parse_args()

    p_scan = bench_p_scan(args.scan_draws, args.seed)
    build = bench_build()
    solvers = bench_solvers(args.graphs, args.n, args.p, args.seed)
    validation = bench_validation(args.samples, args.seed)
    report = {
        "command": command_line(),
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "networkx": nx.__version__,
            "cpu_count": os.cpu_count(),
        },
        "p_scan": p_scan,
        "data_build": build,
        "solvers": solvers,
        "validation": validation,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")

    print(f"edge-probability scan, k=3, {args.scan_draws} draws each (classes of 3-colourable graphs)")
    print(
        f"{'n':>3} {'p':>5} {'3-col':>6} {'edges':>6} {'mean':>6} {'median':>6} {'p90':>5} {'p99':>6} {'max':>5} {'<=20':>5}"
    )
    for r in p_scan:
        print(
            f"{r['n']:>3} {r['p']:>5.2f} {r['colourable']:>6.1%} {r['edges_mean']:>6.1f} {r['classes_mean']:>6.1f} "
            f"{r['classes_median']:>6.0f} {r['classes_p90']:>5.0f} {r['classes_p99']:>6.0f} {r['classes_max']:>5} "
            f"{r['frac_le_20_classes']:>5.0%}"
        )
    print("\ndata build (fresh cache)")
    print(f"{'n':>3} {'train':>6} {'test':>5} {'rows':>7} {'median':>6} {'build s':>8} {'cached s':>8}")
    for r in build:
        print(
            f"{r['n']:>3} {r['train_graphs']:>6} {r['test_graphs']:>5} {r['train_rows'] + r['test_rows']:>7} "
            f"{r['classes_median']:>6.0f} {r['build_s']:>8.2f} {r['cached_s']:>8.3f}"
        )
    print(f"\nenumeration, {args.graphs} graphs G({args.n}, {args.p})")
    print(f"{'k':>2} {'classes':>8} {'plain':>8} {'fast canon s':>12} {'fast plain s':>12} {'p-c s':>8} {'speedup':>8}")
    for r in solvers:
        print(
            f"{r['k']:>2} {r['canonical_total']:>8} {r['plain_total']:>8} {r['fast_canonical_s']:>12.4f} "
            f"{r['fast_plain_s']:>12.4f} {r['python_constraint_s']:>8.3f} {r['speedup_canonical_vs_pc']:>7.0f}x"
        )
    v = validation
    print(f"\nvalidation, {v['env']}: {v['instances']} graphs x {v['samples']} samples = {v['candidates']} candidates")
    print(f"  _score   {v['score_s'] * 1e3:8.1f} ms  {v['score_candidates_per_s']:>12,.0f} candidates/s")
    print(f"  evaluate {v['evaluate_s'] * 1e3:8.1f} ms  {v['evaluate_candidates_per_s']:>12,.0f} candidates/s")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
