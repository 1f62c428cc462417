"""N-Queens speed: fast bitmask solver vs python-constraint, and batched validation.

Run: python -m benchmarks.bench_nqueens   (writes benchmarks/results/nqueens_bench.json)
Goals (issue 2): N=8 all solutions <= 2 ms; >= 1M N-Queens-8 candidates/s on one core.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as the goal states

import numpy as np  # noqa: E402

from benchmarks.common import best_of, write_result  # noqa: E402
from gram_envs.nqueens.env import NQueensEnv  # noqa: E402
from gram_envs.nqueens.logic import check_boards  # noqa: E402
from solvers.nqueens import all_solutions  # noqa: E402
from solvers.reference.nqueens import nqueens_reference_solutions  # noqa: E402


def main() -> None:
    rows = []
    for n, reps_fast, reps_ref in ((8, 20, 3), (10, 5, 1), (12, 2, 1)):
        fast = best_of(lambda n=n: all_solutions(n), reps_fast)
        ref = best_of(lambda n=n: nqueens_reference_solutions(n), reps_ref) if n <= 10 else None
        rows.append({"n": n, "solutions": int(len(all_solutions(n))), "fast_s": fast, "python_constraint_s": ref})
        print(f"N={n:2d}  fast {fast * 1e3:8.2f} ms   python-constraint {'-' if ref is None else f'{ref * 1e3:8.1f} ms'}")

    env = NQueensEnv(n=8)
    rng = np.random.default_rng(0)
    batch = rng.integers(0, 2, (1_000_000, 8, 8)).astype(np.int8)
    givens = np.zeros((1, 8, 8), dtype=np.int8)
    t_logic = best_of(lambda: check_boards(givens, batch), 3)
    ids = env.puzzle_set.splits["test"][:1000]
    cands = rng.integers(0, 2, (len(ids), 100, 8, 8))
    t_eval = best_of(lambda: env.evaluate(ids, cands, record=False), 3)
    throughput = {"check_boards_per_s": len(batch) / t_logic, "evaluate_candidates_per_s": cands[..., 0, 0].size / t_eval}
    print(f"validation: {throughput['check_boards_per_s'] / 1e6:.2f} M boards/s (logic), "
          f"{throughput['evaluate_candidates_per_s'] / 1e6:.2f} M candidates/s (env.evaluate incl. solution lookup)")
    path = write_result("nqueens_bench", {"enumeration": rows, "validation": throughput, "threads": 1})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
