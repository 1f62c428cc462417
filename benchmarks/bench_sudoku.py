"""Sudoku benchmark: solver speed (solve + uniqueness), python-constraint oracle, validator throughput.

    python -m benchmarks.bench_sudoku [--easy 500] [--grids 1000000]

Writes benchmarks/results/sudoku_bench.json (command, date, machine). Timings are
per puzzle and include the Python call overhead; the numba compile is warmed up first.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from gram_envs.core.metrics import command_line
from gram_envs.sudoku.augment import apply_transforms, random_transforms
from gram_envs.sudoku.env import load_extreme
from gram_envs.sudoku.generator import minimal_puzzle, random_grids
from gram_envs.sudoku.logic import check_boards, conflicts
from solvers.reference.sudoku import dlx_branch_points, reference_solutions
from solvers.sudoku import difficulty, rate, search, solve

ROOT = Path(__file__).resolve().parents[1]

NAMED = {
    "AI Escargot": "1....7.9..3..2...8..96..5....53..9...1..8...26....4...3......1..4......7..7...3..",
    "Easter Monster": "1.......2.9.4...5...6...7...5.9.3.......7.......85..4.7.....6...3...9.8...2.....1",
    "Norvig hard1 (many solutions)": ".....6....59.....82....8....45........3........6..3.54...325..6..................",
    "17-clue anti-brute-force": "..............3.85..1.2.......5.7.....4...1...9.......5......73..2.1........4...9",
}


def _stats_ms(times: list[float]) -> dict[str, float]:
    t = np.array(times) * 1e3
    return {
        "n": len(t),
        "mean_ms": round(float(t.mean()), 4),
        "median_ms": round(float(np.median(t)), 4),
        "p99_ms": round(float(np.percentile(t, 99)), 4),
        "max_ms": round(float(t.max()), 4),
    }


def time_each(fn, boards) -> list[float]:
    out = []
    for b in boards:
        t0 = time.perf_counter()
        fn(b)
        out.append(time.perf_counter() - t0)
    return out


def machine() -> dict[str, object]:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import numba

    return {
        "cpu": cpu,
        "logical_cpus": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "platform": platform.platform(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--easy", type=int, default=500, help="generated minimal puzzles to time")
    ap.add_argument("--grids", type=int, default=1_000_000, help="grids for the validator throughput")
    ap.add_argument("--oracle", type=int, default=5, help="easy puzzles timed with python-constraint")
    ap.add_argument("--pure", type=int, default=100, help="hard puzzles timed without numba")
    ap.add_argument("--dlx", type=int, default=300, help="hard puzzles rated by a plain DLX too")
    a = ap.parse_args()
    from solvers.sudoku import parse

    rate(parse(NAMED["AI Escargot"]))  # warm-up: load/compile numba
    d = load_extreme()
    n_train = int(d["n_train"])
    test = d["puzzles"][n_train:]
    result: dict[str, object] = {
        "command": command_line(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine": machine(),
        "note": "rate() = count solutions up to 2 (solve + uniqueness proof) and the branch-point rating",
    }
    # 1. shipped hard test set
    t_rate = time_each(rate, test)
    t_solve = time_each(solve, test)
    result["extreme_test"] = {
        "puzzles": len(test),
        "rating_median": float(np.median(d["ratings"][n_train:])),
        "solve_plus_uniqueness": _stats_ms(t_rate),
        "first_solution": _stats_ms(t_solve),
    }
    # 2. generated easy puzzles
    rng = np.random.default_rng(0)
    grids = random_grids(0, a.easy)
    easy = [minimal_puzzle(g, rng) for g in grids]
    result["generated_easy"] = {
        "puzzles": len(easy),
        "rating_median": float(np.median([rate(p)[1] for p in easy])),
        "solve_plus_uniqueness": _stats_ms(time_each(rate, easy)),
    }
    # 3. named hard cases (the pathological one for plain bitmask DFS included)
    named = {}
    for name, text in NAMED.items():
        p = parse(text)
        t = time_each(lambda b: search(b, limit=2, max_store=0), [p] * 20)
        count, guesses, _ = search(p, limit=2, max_store=0)
        named[name] = {"count_upto_2": count, "rating": guesses, "median_ms": round(float(np.median(t)) * 1e3, 4)}
    result["named"] = named
    # 4. python-constraint oracle on a few easy puzzles (each in a fresh subprocess-free call)
    oracle = easy[: a.oracle]
    t_pc = time_each(lambda b: reference_solutions(b, limit=2), oracle)
    result["python_constraint_easy"] = {
        "puzzles": len(oracle),
        "count_upto_2": _stats_ms(t_pc),
        "fast_solver_same_puzzles": _stats_ms(time_each(rate, oracle)),
    }
    # 4a. the shipped rating on other scales: one search order, and a textbook DLX
    sample = test[: a.dlx]
    single = np.array([rate(p)[1] for p in sample])
    shipped = np.array([difficulty(p) for p in sample])
    dlx = np.array([dlx_branch_points(p)[1] for p in sample])
    result["rating_scales"] = {
        "puzzles": len(sample),
        "difficulty_median (shipped rating, 8 images)": float(np.median(shipped)),
        "single_order_branch_points_median": float(np.median(single)),
        "dlx_branch_points_median (Top1465: 45)": float(np.median(dlx)),
        "log_corr_difficulty_dlx": round(float(np.corrcoef(np.log1p(shipped), np.log1p(dlx))[0, 1]), 3),
        "log_corr_single_dlx": round(float(np.corrcoef(np.log1p(single), np.log1p(dlx))[0, 1]), 3),
        "difficulty_ms": _stats_ms(time_each(difficulty, sample)),
    }
    # 4b. the same solver as plain Python (NUMBA_DISABLE_JIT=1): why numba is worth it
    code = (
        "import time, numpy as np; from gram_envs.sudoku.env import load_extreme; from solvers.sudoku import rate;"
        f"d = load_extreme(); ps = d['puzzles'][int(d['n_train']):][:{a.pure}]; t = [];"
        "[(t.append(-time.perf_counter()), rate(p), t.append(t.pop() + time.perf_counter())) for p in ps];"
        "print(' '.join(map(str, t)))"
    )
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    result["extreme_test_pure_python"] = {
        "note": "same code, NUMBA_DISABLE_JIT=1, first puzzles of the test split",
        "solve_plus_uniqueness": _stats_ms([float(x) for x in out.stdout.split()]),
    }
    # 5. 16x16
    g16 = random_grids(1, 5, box=4)
    p16 = [minimal_puzzle(g, rng) for g in g16]
    result["16x16_half_filled"] = {"solve_plus_uniqueness": _stats_ms(time_each(rate, p16))}
    # 6. validator throughput (one process; numpy element-wise ops are single-threaded)
    base = random_grids(2, 1000)
    boards = np.empty((a.grids, 9, 9), dtype=np.int8)
    vrng = np.random.default_rng(0)
    for s in range(0, a.grids, 100_000):  # distinct valid grids: random symmetry images
        k = min(100_000, a.grids - s)
        src, dmap = random_transforms(vrng, k, 3)
        boards[s : s + k] = apply_transforms(base[np.arange(k) % len(base)], src, dmap)
    givens = np.zeros((1, 9, 9), dtype=np.int8)
    conflicts(boards[:1000])
    t0 = time.perf_counter()
    conf = conflicts(boards)
    t_conf = time.perf_counter() - t0
    t0 = time.perf_counter()
    valid, _ = check_boards(givens, boards)
    t_check = time.perf_counter() - t0
    assert not conf.any() and valid.all()
    result["validator"] = {
        "grids": len(boards),
        "conflicts_grids_per_s": round(len(boards) / t_conf),
        "check_boards_grids_per_s": round(len(boards) / t_check),
        "dtype": "int8",
    }
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        result["git_commit"] = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    out = ROOT / "benchmarks" / "results" / "sudoku_bench.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
