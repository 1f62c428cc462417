"""Where coverage@20 is lost: trained runs against the best independent sampler, by number of completions.

    python -m experiments.coverage_gap RUN_DIR [RUN_DIR ...] --out benchmarks/results/NAME.json [--chosen]

Each RUN_DIR is a run of ``experiments.run_table1`` / ``benchmarks.train_gpu`` (``results.json`` and ``analysis.json``;
with ``--chosen`` also ``schedules.json``, whose chosen schedule's test row is added as a second
curve). All runs must be scored on the same data (env id, env kwargs and test inputs).

Why: a coverage number alone does not say whether a model misses completions on inputs with few
(collapse) or with many (too few samples to find them). Per number of completions n this reports the
run's coverage next to ``gram_envs.core.metrics.gap_by_num_solutions``' levels for n (one answer 1/n; the
best sampler of 20 independent draws, 1 - (1 - 1/n)^20), and splits the gap between the run's
coverage and the independent level into each n's share (its share of inputs times its gap), so the
shares add up to the whole gap. Writes JSON and a PNG beside it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from gram_envs.core.metrics import gap_by_num_solutions, provenance


def read_json(path: Path) -> dict:
    """One of a run folder's files; a missing one is named with what was expected."""
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: expected a run folder written by experiments.run_table1 or benchmarks.train_gpu")
    return json.loads(path.read_text())


def run_curves(run_dir: Path, chosen: bool) -> tuple[dict, list[dict]]:
    """The run's data (env, env kwargs) and its curves: temperature 1.0, and the chosen schedule if asked."""
    results = read_json(run_dir / "results.json")
    analysis = read_json(run_dir / "analysis.json")
    data = {"env": results["env"], "env_kwargs": results.get("env_kwargs") or {},
            "test_instances": analysis["test_instances"]}
    if "coverage_by_num_solutions" not in analysis["main"]:
        raise ValueError(f"{run_dir / 'analysis.json'} has no coverage_by_num_solutions (written before the analysis "
                         "kept it): score the run again with python -m experiments.multi_solution RUN_DIR --out FILE")
    samples = int(analysis["main"]["samples"])
    curves = [{"run": str(run_dir), "model": results["model"], "sampling": "temperature 1.0", "samples": samples,
               **gap_by_num_solutions(analysis["main"]["coverage_by_num_solutions"], samples)}]
    if chosen and (run_dir / "schedules.json").is_file():
        sched = read_json(run_dir / "schedules.json")
        if sched["test_instances"] != analysis["test_instances"]:
            raise ValueError(f"{run_dir}: schedules.json scored {sched['test_instances']} test inputs, analysis.json "
                             f"{analysis['test_instances']}; the curves must cover the same inputs")
        row = next(r for r in sched["schedules"] if r["name"] == sched["chosen"])
        curves.append({"run": str(run_dir), "model": results["model"], "sampling": f"chosen: {sched['chosen']}",
                       "samples": samples, **gap_by_num_solutions(row["test"]["coverage_by_num_solutions"], samples)})
    return data, curves


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run_dirs", nargs="+", type=Path)
    ap.add_argument("--out", required=True, type=Path, help="JSON to write (the PNG goes beside it)")
    ap.add_argument("--chosen", action="store_true", help="also plot each GRAM run's chosen schedule (schedules.json)")
    args = ap.parse_args()
    datas, curves = [], []
    for run_dir in args.run_dirs:
        data, run = run_curves(run_dir, args.chosen)
        datas.append(data)
        curves += run
    if any(d != datas[0] for d in datas):
        raise SystemExit("the runs were scored on different data: "
                         + "; ".join(f"{r}: {d}" for r, d in zip(args.run_dirs, datas, strict=True)))
    out = {**provenance(), **datas[0], "curves": curves}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1) + "\n")
    plot(out, args.out.with_suffix(".png"))
    for c in curves:
        worst = sorted(c["by_n"], key=lambda r: -r["gap_share"])[:3]
        print(f"{c['run']} ({c['sampling']}): coverage {c['coverage']:.1f}% of {c['independent']:.1f}% "
              f"independent; largest gap shares: " + ", ".join(f"n={r['n']} {r['gap_share']:.1f}" for r in worst))
    print(f"wrote {args.out} and {args.out.with_suffix('.png')}")
    return 0


def plot(result: dict, path: Path) -> None:
    """Coverage against the number of completions (left) and each n's share of the gap (right)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5.2))
    ref = result["curves"][0]["by_n"]
    ns = [r["n"] for r in ref]
    left.plot(ns, [r["independent"] for r in ref], "k-", lw=2, label="best independent sampler")
    left.plot(ns, [r["one_answer"] for r in ref], "k--", lw=1, label="one answer")
    width = 0.8 / len(result["curves"])
    for i, c in enumerate(result["curves"]):
        label = f"{Path(c['run']).name} ({c['sampling']}): {c['coverage']:.1f}%"
        left.plot([r["n"] for r in c["by_n"]], [r["coverage"] for r in c["by_n"]], "o-", ms=3, label=label)
        right.bar(np.arange(len(c["by_n"])) + i * width, [r["gap_share"] for r in c["by_n"]], width, label=label)
    left.set_xscale("log")
    left.set_xlabel("completions of the input (n)")
    left.set_ylabel("coverage@20 (%)")
    kwargs = ", ".join(f"{k}={v}" for k, v in result["env_kwargs"].items())
    left.set_title(f"{result['env']}{f' ({kwargs})' if kwargs else ''}: coverage by n", fontsize=10)
    left.grid(alpha=0.3)
    right.set_xticks(np.arange(len(ref)) + 0.4 - width / 2, [str(n) for n in ns], fontsize=7)
    right.set_xlabel("completions of the input (n)")
    right.set_ylabel("share of the gap to the independent level (points)")
    right.set_title("where the coverage is lost (shares add up to the gap)", fontsize=10)
    right.grid(alpha=0.3, axis="y")
    fig.legend(*left.get_legend_handles_labels(), loc="lower center", ncol=2, fontsize=7)
    fig.tight_layout(rect=(0, 0.04 * (2 + len(result["curves"]) // 2), 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    raise SystemExit(main())
