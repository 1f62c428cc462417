"""Batched scoring speed of N-Queens-8 answer strings (gram_envs.text.score_texts) on one core.

Run: python -m benchmarks.bench_text_scoring   (writes benchmarks/results/text_scoring_bench.json)
Goal (issue 26): >= 1M answers/s, valid or not, with full conflict counts. Every answer is
parsed, checked by the env's exact validator and, when valid, located in the solution set.
Where reasoning-gym is installed its own n_queens ``score_answer`` is timed for reference.
Timing: each 64K-answer chunk is scored ``--repeats`` times and its best time counts (the
machine may be shared); the reported rate is all answers over the sum of those times.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import shlex
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as the goal states
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from benchmarks.common import best_of, write_result  # noqa: E402
from gram_envs.nqueens.logic import check_boards  # noqa: E402
from gram_envs.text import score_texts, text_task  # noqa: E402

CHUNK = 1 << 16


def _answer_sets(n_answers: int, seed: int) -> tuple[np.ndarray, dict[str, list[str]]]:
    """Instance ids and four kinds of answer text for the same instances."""
    task = text_task("GRAM/NQueens-8")
    rng = np.random.default_rng(seed)
    ids = rng.choice(task.split_ids("test"), n_answers)
    distinct = 4096  # texts are built for this many rows and tiled (building 1M strings dominates otherwise)
    sols = np.stack([(s := task.solutions(i))[rng.integers(len(s))] for i in ids[:distinct]])
    flipped = sols.copy()
    cells = rng.integers(0, 64, distinct)
    flipped[np.arange(distinct), cells // 8, cells % 8] ^= 1  # one cell changed: conflicts or a missing queen
    rows = np.resize(np.arange(distinct), n_answers)
    ids = ids[rows]

    def texts(boards: np.ndarray) -> list[str]:
        base = [task.render_answer(b) for b in boards]
        return [base[r] for r in rows]

    valid = texts(sols)
    garbage_base = ["".join(chr(c) for c in rng.integers(32, 127, rng.integers(1, 200))) for _ in range(distinct)]
    return ids, {
        "valid": valid,
        "one_cell_changed": texts(flipped),
        "random_board": texts(rng.integers(0, 2, (distinct, 8, 8))),
        "valid_in_answer_tags": [f"<answer>\n{t}\n</answer>" for t in valid],
        "random_text": [garbage_base[r] for r in rows],
    }


def _reasoning_gym_reference(n: int, seed: int) -> dict[str, float] | None:
    """reasoning-gym's own n_queens score_answer on its entries (valid: string lookup; wrong: eval)."""
    try:
        import reasoning_gym
    except ImportError:
        return None
    import time

    data = reasoning_gym.create_dataset("n_queens", n=8, min_remove=5, max_remove=7, size=64, seed=seed)
    entries = [data[i] for i in range(64)]
    out = {}
    for name, make in (("valid", lambda e: e["answer"]), ("wrong", lambda e: e["answer"].replace("Q", "_", 1))):
        answers = [make(entries[i % 64]) for i in range(n)]
        t = time.perf_counter()
        for i, a in enumerate(answers):
            data.score_answer(a, entries[i % 64])
        out[f"{name}_answers_per_s"] = n / (time.perf_counter() - t)
    out["version"] = importlib.metadata.version("reasoning-gym")  # its __version__ string lags the release
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", type=int, default=1_000_000, help="answers per kind (default 1M)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per kind; the best is kept")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # pin to one core
    task = text_task("GRAM/NQueens-8")
    ids, kinds = _answer_sets(args.answers, args.seed)
    rows = {}
    for name, texts in kinds.items():
        res = score_texts(task, ids, texts)  # warm-up, and the counts reported below
        # best of the repeats per chunk of 64K answers, summed over all chunks: the machine is shared,
        # and short chunks let the best-of skip other processes' time slices
        seconds = sum(
            best_of(lambda lo=lo, texts=texts: score_texts(task, ids[lo : lo + CHUNK], texts[lo : lo + CHUNK]),
                    args.repeats)
            for lo in range(0, len(texts), CHUNK)
        )
        rows[name] = {
            "answers": len(texts),
            "seconds": seconds,
            "answers_per_s": len(texts) / seconds,
            "valid_fraction": float(res["valid"].mean()),
            "parsed_fraction": float(res["parsed"].mean()),
            "mean_conflicts_of_parsed": float(res["conflicts"][res["parsed"]].mean()) if res["parsed"].any() else None,
        }
        print(f"{name:22s} {rows[name]['answers_per_s'] / 1e6:6.2f} M answers/s  "
              f"(valid {rows[name]['valid_fraction']:.3f}, parsed {rows[name]['parsed_fraction']:.3f})")
    # the env's own validator alone on the same boards: the ceiling for the text path on this machine
    boards = task.parse_many(kinds["random_board"][:65536])[1]
    givens = task.env.puzzle_set.puzzles[ids[:65536]]
    check_s = best_of(lambda: check_boards(givens, boards), args.repeats)
    validator = {"boards": len(boards), "boards_per_s": len(boards) / check_s}
    print(f"env validator alone (nqueens.logic.check_boards): {validator['boards_per_s'] / 1e6:.2f} M boards/s")
    reference = _reasoning_gym_reference(20_000, args.seed)
    if reference is not None:
        print(f"reasoning-gym n_queens score_answer: {reference['valid_answers_per_s'] / 1e6:.2f} M/s valid, "
              f"{reference['wrong_answers_per_s'] / 1e3:.0f} k/s wrong (no conflict counts)")
    path = write_result("text_scoring_bench", {
        "command": shlex.join(["python", "-m", "benchmarks.bench_text_scoring", *(argv if argv is not None else sys.argv[1:])]),
        "env_id": "GRAM/NQueens-8", "split": "test", "threads": 1, "chunk": CHUNK, "repeats": args.repeats, "kinds": rows,
        "env_validator_alone": validator, "reasoning_gym_reference": reference, "goal_answers_per_s": 1_000_000,
    })
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
