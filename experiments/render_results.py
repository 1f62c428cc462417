"""Render docs/results.md from benchmarks/results/headline.json: the headline table and its definitions.

    python -m experiments.render_results [--check]

Every number comes from headline.json (built from the stored runs by ``python -m experiments.headline``);
this module only formats. ``--check`` exits 1 when docs/results.md differs from a fresh render.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADLINE = ROOT / "benchmarks" / "results" / "headline.json"
OUT = ROOT / "docs" / "results.md"
README = ROOT / "README.md"
#: the README's short headline table sits between these two lines
README_START = "<!-- headline:start (rendered by python -m experiments.render_results; do not edit) -->"
README_END = "<!-- headline:end -->"

#: fields every record carries (a record lacking one is refused by name)
REQUIRED = ("task", "env_id", "env_kwargs", "model", "recipe", "seeds", "metrics", "gpu_minutes", "device", "commit",
            "date", "command", "paper", "comparable", "note", "link", "sampling", "test_inputs", "sources")
MODELS = ("gram", "trm", "baseline")
#: metric key -> (label in a cell, decimals)
METRIC_LABELS = {"accuracy": ("acc", 1), "conflicts": ("conflicts", 1), "coverage": ("cov@20", 1),
                 "pass@2": ("pass@2", 1)}
MAX_ROWS = 15


def check_record(record: dict) -> None:
    """Refuse a record that lacks a field or holds a value the table cannot show."""
    missing = [k for k in REQUIRED if k not in record]
    if missing:
        raise ValueError(f"headline record {record.get('task')!r}/{record.get('model')!r} lacks {missing}")
    if record["model"] not in MODELS:
        raise ValueError(f"headline record {record['task']!r}: model must be one of {MODELS}, got {record['model']!r}")
    if record["model"] != "baseline" and not record["recipe"]:
        raise ValueError(f"headline record {record['task']!r}/{record['model']}: a trained model names its recipe")
    for key, value in record["metrics"].items():
        if key not in METRIC_LABELS or not {"mean", "std", "per_seed"} <= set(value):
            raise ValueError(f"headline record {record['task']!r}: metric {key!r} needs a known name and "
                             f"mean, std and per_seed; got {value!r}")
    if not {"mean", "std", "per_seed"} <= set(record["gpu_minutes"]):
        raise ValueError(f"headline record {record['task']!r}: gpu_minutes needs mean, std and per_seed")
    if not record["comparable"] and not record["note"]:
        raise ValueError(f"headline record {record['task']!r}: a row not comparable with the paper says why (note)")


def load(path: Path = HEADLINE) -> list[dict]:
    records = json.loads(path.read_text())
    if not isinstance(records, list):
        raise ValueError(f"{path} must hold a list of records")
    for r in records:
        check_record(r)
    return records


def fmt(value: dict, decimals: int, with_std: bool) -> str:
    """``mean±std``; a mean below 1 gets one more decimal (a conflict count near zero)."""
    decimals += abs(value["mean"]) < 1
    text = f"{value['mean']:.{decimals}f}"
    return text + (f"±{value['std']:.{decimals}f}" if with_std and value.get("std") is not None else "")


def metrics_text(metrics: dict, seeds: int) -> str:
    """``acc 99.8±0.2 / cov@20 93.5±1.8``; one seed (or none) prints no spread."""
    return " / ".join(f"{METRIC_LABELS[k][0]} {fmt(v, METRIC_LABELS[k][1], seeds > 1)}" for k, v in metrics.items())


def gpu_kind(device: str) -> str:
    """The card's short name: ``NVIDIA H200`` -> ``H200``."""
    return device.replace("NVIDIA ", "").replace(" 80GB HBM3", "").replace(" (", ", ").replace(")", "")


def ours(record: dict | None) -> str:
    if record is None:
        return "not run"
    n = len(record["seeds"])
    text = metrics_text(record["metrics"], n)
    if record["model"] == "baseline":
        return f"copy baseline (no model): {text}"
    shared = {s.get("jobs_per_gpu") for s in record["sources"]} - {None, "1"}
    jobs = f", {'/'.join(sorted(shared))} jobs per GPU" if shared else ""
    return (f"{text}<br>`{record['recipe']}`, {n} seed{'s' if n > 1 else ''}, "
            f"{record['gpu_minutes']['mean']:.1f} GPU-min ({gpu_kind(record['device'])}{jobs})")


def paper(record: dict, model: str) -> str:
    cells = record["paper"].get(model)
    if not cells:
        return ""
    return " / ".join(f"{METRIC_LABELS[k][0]} {v['mean']:.1f}" + (f"±{v['std']:.1f}" if v["std"] is not None else "")
                      for k, v in cells.items())


def render(records: list[dict]) -> str:
    """docs/results.md: one row per task, paper against ours, then the definitions."""
    tasks: dict[str, dict[str, dict]] = {}
    for r in records:
        by_model = tasks.setdefault(r["task"], {})
        if r["model"] in by_model:
            raise ValueError(f"two headline records for {r['task']} / {r['model']}")
        by_model[r["model"]] = r
    if len(tasks) > MAX_ROWS:
        raise ValueError(f"{len(tasks)} tasks: the headline table holds at most {MAX_ROWS} rows")
    lines = [
        "# Results",
        "",
        "<!-- generated by `python -m experiments.render_results` from benchmarks/results/headline.json; "
        "do not edit -->",
        "",
        "| Task | Paper GRAM | Paper TRM | Our GRAM | Our TRM | Notes |",
        "|---|---|---|---|---|---|",
    ]
    for task, by_model in tasks.items():
        first = next(iter(by_model.values()))
        gram = by_model.get("gram") or by_model.get("baseline")
        notes = []
        for r in by_model.values():
            if r["note"]:
                who = {"gram": "GRAM", "trm": "TRM", "baseline": "baseline"}[r["model"]]
                link = f" ([why]({Path(r['link']).relative_to('docs').as_posix()}))" if r["link"] else ""
                notes.append(f"{who}: {r['note']}{link}")
        comparable = "" if all(r["comparable"] for r in by_model.values()) else "**not comparable with the paper.** "
        kwargs = ", ".join(f"{k}={v}" for k, v in first["env_kwargs"].items())
        label = f"{task}<br>`{first['env_id']}`" + (f" ({kwargs})" if kwargs else "")
        lines.append(f"| {label} | {paper(first, 'gram')} | {paper(first, 'trm')} | {ours(gram)} | "
                     f"{ours(by_model.get('trm'))} | {comparable}{'; '.join(notes)} |")
    lines += [
        "",
        "## Definitions",
        "",
        "- *acc*: share of all 20 samples per test input that are valid (per-sample accuracy).",
        "- *cov@20*: distinct valid answers found in 20 samples / all valid answers of the input, averaged over inputs.",
        "- *conflicts*: monochromatic edges summed over the test set for one sample per graph, averaged over the "
        "20 samples (lower is better).",
        "- *pass@2*: share of tasks whose test outputs are matched within 2 attempts (ARC Prize scoring).",
        "- *±*: standard deviation over training seeds (population, ddof 0); no ± for one seed. Paper values: GRAM "
        "paper Table 1 (N-Queens, graph colouring) and Table 8 (ARC), mean±std, seeds not stated.",
        "- *GPU-min*: wall-clock training minutes per seed, summed over every leg a continued training ran; "
        "*jobs per GPU*: how many trainings shared the card. The paper trains for hours on 8 GPUs.",
        "- *recipe*: the named setting in `gram_agent.recipes.RECIPES`; `headline.json` lists each row's runs, "
        "commits, commands and per-seed values.",
        "",
    ]
    return "\n".join(lines)


def short_cell(record: dict | None) -> str:
    """A README cell: means only, a star where the row is not comparable with the paper."""
    if record is None:
        return "not run"
    text = " / ".join(f"{METRIC_LABELS[k][0]} {fmt(v, METRIC_LABELS[k][1], False)}" for k, v in record["metrics"].items())
    if record["model"] == "baseline":
        text = f"copy baseline (no model): {text}"
    return text + ("" if record["comparable"] else " \\*")


def readme_table(records: list[dict]) -> str:
    """The README's headline block (means only; docs/results.md has spreads, recipes and notes)."""
    tasks: dict[str, dict[str, dict]] = {}
    for r in records:
        tasks.setdefault(r["task"], {})[r["model"]] = r
    lines = [README_START, "| Task | Paper GRAM | Our GRAM | Paper TRM | Our TRM |", "|---|---|---|---|---|"]
    for task, by_model in tasks.items():
        first = next(iter(by_model.values()))
        plain = {m: {k: {**v, "std": None} for k, v in cells.items()} for m, cells in first["paper"].items()}
        paper_cell = {m: paper({"paper": plain}, m) for m in ("gram", "trm")}
        lines.append(f"| {task} | {paper_cell['gram']} | {short_cell(by_model.get('gram') or by_model.get('baseline'))} "
                     f"| {paper_cell['trm']} | {short_cell(by_model.get('trm'))} |")
    lines += ["", "\\* not comparable with the paper: see the notes in [docs/results.md](docs/results.md).", README_END]
    return "\n".join(lines)


def with_readme_table(readme: str, records: list[dict]) -> str:
    """``readme`` with its headline block replaced by a fresh render (refused if the markers are missing)."""
    start, end = readme.find(README_START), readme.find(README_END)
    if start < 0 or end < start:
        raise ValueError(f"README.md lacks the headline markers {README_START!r} ... {README_END!r}")
    return readme[:start] + readme_table(records) + readme[end + len(README_END):]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="exit 1 when docs/results.md differs from a fresh render")
    p.add_argument("--headline", type=Path, default=HEADLINE)
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--readme", type=Path, default=README, help="README whose headline block is refreshed")
    args = p.parse_args(argv)
    records = load(args.headline)
    outputs = {args.out: render(records), args.readme: with_readme_table(args.readme.read_text(), records)}
    if args.check:
        stale = [str(path) for path, text in outputs.items() if not (path.is_file() and path.read_text() == text)]
        print("out of date (run python -m experiments.render_results): " + ", ".join(stale) if stale else "up to date")
        return 1 if stale else 0
    for path, text in outputs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    print(f"wrote {args.out.name} and the headline block of {args.readme.name} from {args.headline.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
