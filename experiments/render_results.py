"""Render docs/results.md from benchmarks/results/headline.json (the headline table) and
benchmarks/results/paper_tables.json (the paper's Tables 1 and 3 beside ours), and the definitions.

    python -m experiments.render_results [--check]

Every number comes from headline.json (built from the stored runs by ``python -m experiments.headline``);
this module only formats. ``--check`` exits 1 when docs/results.md differs from a fresh render.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from experiments.headline import GC_DATA_PAGE

ROOT = Path(__file__).resolve().parents[1]
HEADLINE = ROOT / "benchmarks" / "results" / "headline.json"
PAPER_TABLES = ROOT / "benchmarks" / "results" / "paper_tables.json"
OUT = ROOT / "docs" / "results.md"
README = ROOT / "README.md"
#: the README's short headline table sits between these two lines
README_START = "<!-- headline:start (rendered by python -m experiments.render_results; do not edit) -->"
README_END = "<!-- headline:end -->"

#: fields every record carries (a record lacking one is refused by name)
REQUIRED = ("task", "env_id", "env_kwargs", "model", "recipe", "seeds", "metrics", "gpu_minutes", "device", "commit",
            "date", "command", "paper", "comparable", "note", "link", "sampling", "test_inputs", "sources")
MODELS = ("gram", "trm", "ptrm", "d3pm", "baseline")
#: the generation section's models, in its order
GENERATION_MODELS = {"gram": "GRAM", "trm": "TRM", "d3pm": "D3PM"}
#: metric key -> (label in a cell, decimals)
METRIC_LABELS = {"accuracy": ("acc", 1), "conflicts": ("conflicts", 1), "coverage": ("cov@20", 1),
                 "pass@2": ("pass@2", 1), "vote@20": ("vote@20", 1), "lprm@20": ("LPRM@20", 1),
                 "halt@20": ("halt@20", 1), "halt@100": ("halt@100", 2), "valid": ("valid", 2),
                 "distinct": ("distinct", 1), "copied": ("copied", 1)}
MAX_ROWS = 15
#: fields of every cell of ours in paper_tables.json
CELL = ("job", "runs", "seeds", "metrics", "params", "gpu_minutes", "jobs_per_gpu", "device", "sampling",
        "test_inputs", "failed")
NOT_RUN = "not run yet"
TABLE_LABELS = {**METRIC_LABELS, "vote_accuracy": ("vote@5", 1)}


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
    return " / ".join(f"{METRIC_LABELS[k][0]} {fmt(v, METRIC_LABELS[k][1], v['std'] is not None)}"
                      for k, v in cells.items())


def with_ptrm(trm: str, ptrm: str | None) -> str:
    """The TRM column's cell with PTRM (TRM's checkpoint sampled with noise) below it, where there is one."""
    return f"{trm}<br>PTRM: {ptrm}" if ptrm else trm


def check_cell(cell: dict, where: str) -> None:
    """Refuse a cell of ours that lacks a field, or holds numbers without runs (or runs without numbers)."""
    missing = [k for k in CELL if k not in cell]
    if missing:
        raise ValueError(f"paper-table cell {where} lacks {missing}")
    if bool(cell["runs"]) != (cell["metrics"] is not None):
        raise ValueError(f"paper-table cell {where}: metrics must come with the runs they are read from")


def load_tables(path: Path = PAPER_TABLES) -> dict:
    tables = json.loads(path.read_text())
    if not isinstance(tables, dict) or set(tables) != {"table1", "table3"}:
        raise ValueError(f"{path} must hold an object with table1 and table3")
    for r in tables["table1"]:
        check_cell(r, f"Table 1 {r.get('label')} / {r.get('task')}")
    for r in tables["table3"]:
        check_cell(r["nq8"], f"Table 3 {r.get('label')} / NQ8")
        check_cell(r["sudoku"], f"Table 3 {r.get('label')} / Sudoku")
    return tables


def _value(value: dict, key: str, with_std: bool) -> str:
    return fmt(value, TABLE_LABELS[key][1], with_std)


def _ours(cell: dict, key: str) -> str:
    if cell["metrics"] is None:
        return f"failed: {cell['failed']}" if cell["failed"] else NOT_RUN
    return _value(cell["metrics"][key], key, len(cell["seeds"]) > 1)


def _params(n: int | None) -> str:
    return NOT_RUN if n is None else f"{n / 1e6:.1f}M"


def _run_line(label: str, cell: dict) -> str:
    """One bullet: what a cell of ours was read from and how it ran."""
    n = len(cell["seeds"])
    jobs = "/".join(cell["jobs_per_gpu"])
    return (f"- {label}: job `{cell['job']}`, seed{'s' if n > 1 else ''} {', '.join(map(str, cell['seeds']))}, "
            f"{cell['gpu_minutes']['mean']:.1f} min of training wall clock on one {gpu_kind(cell['device'])} shared by "
            f"{jobs} jobs, "
            f"{'; '.join(cell['sampling'])}, {cell['test_inputs']} test inputs; "
            + ", ".join(f"`{r}`" for r in cell["runs"]))


def table1_lines(records: list[dict]) -> list[str]:
    """Paper Table 1 row by row, each cell the paper's value over ours."""
    tasks = list(dict.fromkeys(r["task"] for r in records))
    rows: dict[str, list[dict]] = {}
    for r in records:
        rows.setdefault(r["label"], []).append(r)
    head, rule = "| Method | Params: paper / ours |", "|---|---|"
    for t in tasks:
        first = "conflicts" if t.startswith("GC") else "acc"
        head += f" {t} {first} | {t} cov@20 |"
        rule += "---|---|"
    lines = ["## Table 1: multi-solution tasks", "",
             "Each cell: the paper's mean±std, then ours (mean±std over our seeds), *not run yet*, or why the run failed (its call.json). "
             "Reproduce one task's column: `python -m experiments.run_table1 --suite table1-nq8 --out OUT` "
             "(every model, two seeds, `TABLE_MINUTES` of training each on one shared GPU; "
             "experiments/jobs.py says how each model is sized).", "", head, rule]
    runs = []
    for label, cells in rows.items():
        ours = next((c["params"] for c in cells if c["params"] is not None), None)
        line = f"| {label} | {cells[0]['paper_params']} / {_params(ours)} |"
        for c in cells:
            for key, paper in c["paper"].items():
                line += f" {_value(paper, key, True)}<br>ours: {_ours(c, key)} |"
            if c["runs"]:
                runs.append(_run_line(f"{label}, {c['task']}", c))
        lines.append(line)
    lines += ["", "Our runs:" if runs else "No Table 1 run is stored yet.", *runs]
    lines += ["", "- GRAM and TRM train on their headline recipes (width 256, about a quarter of the paper's "
              "parameters); the baselines at the paper's width and depth. GRAM is sampled at its recipe's "
              "prior temperature (analysis.json also holds temperature 1.0); AR and MDLM draw at "
              "temperature 1.0.",
              "- Deterministic models (Direct Pred, Looped TF, HRM, TRM) give one answer per input, repeated "
              "20 times: their coverage counts at most one completion per input.",
              "- Direct Pred (32L) trains in suites of its own (`--suite table1-nq8-direct32`, two 100M-parameter "
              "runs per call), so the 14 runs of a task's suite keep their share of the GPU; its suites now "
              "train at lr 6e-5, and the cells above are from runs at the shared 2.5e-4, where it collapses "
              "to a constant answer ([why](experiments/table1-equal-budget.md)).",
              "- NQ10: the first 2,000 of 6,513 test inputs. GC8: our p = 0.4 graphs differ from the paper's "
              f"([why]({Path(GC_DATA_PAGE).relative_to('docs').as_posix()})).", ""]
    return lines


def table3_lines(records: list[dict]) -> list[str]:
    """Paper Table 3 (architecture ablation): the paper's accuracy on Sudoku-Extreme and NQ8, then ours."""
    lines = ["## Table 3: architecture ablation", "",
             "Accuracy (%) with 5 samples per input. Paper values: a secondary transcription of its Table 3 "
             "(no spread given). Ours: per-sample accuracy, mean±std over seeds, and the majority-vote "
             "accuracy over the 5 samples. Reproduce the NQ8 column: "
             "`python -m experiments.run_table1 --suite table3-nq8-seed0 --out OUT` (and `-seed1`: six jobs "
             "per call); what the column shows: [experiments/table3-ablation.md](experiments/table3-ablation.md).",
             "",
             "| Variant | Paper Sudoku | Paper NQ8 | Our Sudoku | Our NQ8: acc / vote@5 | Our configuration |",
             "|---|---|---|---|---|---|"]
    runs = []
    for r in records:
        nq = r["nq8"]
        ours = NOT_RUN if nq["metrics"] is None else f"{_ours(nq, 'accuracy')} / {_ours(nq, 'vote_accuracy')}"
        sudoku = NOT_RUN if r["sudoku"]["metrics"] is None else _ours(r["sudoku"], "accuracy")
        paper = [f"{r['paper'][t]['accuracy']['mean']:.2f}" for t in ("Sudoku", "NQ8")]  # as transcribed
        lines.append(f"| {r['label']} | {paper[0]} | {paper[1]} | {sudoku} | {ours} | {r['config']} |")
        if nq["runs"]:
            runs.append(_run_line(f"{r['label']}, NQ8", nq))
    lines += ["", "Our runs:" if runs else "No Table 3 run is stored yet.", *runs]
    lines += ["", "- DS: deep supervision (16 supervision steps); HR: hierarchical recursion (K low-level steps "
              "per transition); SG: stochastic guidance. Approximate: *+SG* and *+DS+SG* keep the two latents "
              "h and l with one low-level step per transition (`K=1`) rather than one state, and only the last "
              "of T transitions carries gradients where Looped TF backpropagates through every loop.", ""]
    return lines


def render(records: list[dict], tables: dict | None = None) -> str:
    """docs/results.md: one row per task, paper against ours, then the paper tables and the definitions."""
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
                who = {"ptrm": "PTRM", "baseline": "baseline", **GENERATION_MODELS}[r["model"]]
                link = f" ([why]({Path(r['link']).relative_to('docs').as_posix()}))" if r["link"] else ""
                notes.append(f"{who}: {r['note']}{link}")
        comparable = "" if all(r["comparable"] for r in by_model.values()) else "**not comparable with the paper.** "
        kwargs = ", ".join(f"{k}={v}" for k, v in first["env_kwargs"].items())
        label = f"{task}<br>`{first['env_id']}`" + (f" ({kwargs})" if kwargs else "")
        ptrm = by_model.get("ptrm")
        lines.append(f"| {label} | {paper(first, 'gram')} | {with_ptrm(paper(first, 'trm'), paper(first, 'ptrm'))} | "
                     f"{ours(gram)} | {with_ptrm(ours(by_model.get('trm')), ptrm and ours(ptrm))} | "
                     f"{comparable}{'; '.join(notes)} |")
    lines.append("")
    lines += generation_lines(records)
    if tables is not None:
        lines += table1_lines(tables["table1"]) + table3_lines(tables["table3"])
    lines += [
        "## Definitions",
        "",
        "- *acc*: share of all 20 samples per test input that are valid (per-sample accuracy).",
        "- *cov@20*: distinct valid answers found in 20 samples / all valid answers of the input, averaged over inputs.",
        "- *conflicts*: monochromatic edges summed over the test set for one sample per graph, averaged over the "
        "20 samples (lower is better).",
        "- *vote@20*, *LPRM@20*, *halt@20*: share of test puzzles whose answer chosen from 20 samples (majority "
        "vote; highest LPRM value; highest halting logit) is valid; *halt@100*: the same from 100 samples.",
        "- *PTRM*: TRM's checkpoint sampled with Gaussian noise of scale sigma added to its latent at every "
        "supervision step, untrained (Sghaier et al.); the paper's value uses 100 rollouts, best halting logit.",
        "- *pass@2*: share of tasks whose test outputs are matched within 2 attempts (ARC Prize scoring).",
        "- *valid*, *distinct*, *copied* (generation): share of the generated grids that are valid Sudoku "
        "grids, that differ from every other sample, and that equal a training grid.",
        "- *±*: standard deviation over training seeds (population, ddof 0); no ± for one seed. Paper values: GRAM "
        "paper Table 1 (N-Queens, graph colouring) and Table 8 (Sudoku-Extreme, ARC), mean±std, seeds not stated.",
        "- *GPU-min*: wall-clock training minutes per seed, summed over every leg a continued training ran; "
        "*jobs per GPU*: how many trainings shared the card. The paper trains for hours on 8 GPUs.",
        "- *recipe*: the named setting in `gram_agent.recipes.RECIPES`; `headline.json` lists each row's runs, "
        "commits, commands and per-seed values.",
        "",
    ]
    return "\n".join(lines)


def generation_lines(records: list[dict]) -> list[str]:
    """The generation table (GRAM paper Table 9): every model sampled from the blank board, paper beside
    ours; nothing while no generation row is stored."""
    rows = [r for r in records if "valid" in r["metrics"]]
    if not rows:
        return []
    lines = ["## Sudoku generation", "",
             "Grids generated from the blank board and checked by the env's exact validator (GRAM paper "
             "Table 9: 100,000 samples). Reproduce a row: its recipe's chain, then `python -m "
             "experiments.generation_eval --agent RUN/last --samples 100000 --out F`.", "",
             "| Model | Paper valid | Our valid / distinct / copied | Recipe, GPU-min | Samples per s |",
             "|---|---|---|---|---|"]
    order = list(GENERATION_MODELS)
    for r in sorted(rows, key=lambda r: order.index(r["model"])):
        src = r["sources"][0]
        lines.append(f"| {GENERATION_MODELS[r['model']]} | {paper(r, r['model']) or 'not reported'} | "
                     f"{metrics_text(r['metrics'], 1)} ({r['test_inputs']:,} samples) | `{r['recipe']}`, "
                     f"{r['gpu_minutes']['mean']:.1f} ({gpu_kind(r['device'])}) | "
                     f"{src['samples_per_s']:,.0f} ({gpu_kind(src['device'])}) |")
    return [*lines, ""]


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
        paper_cell = {m: paper({"paper": plain}, m) for m in ("gram", "trm", "ptrm")}
        ptrm = by_model.get("ptrm")
        lines.append(f"| {task} | {paper_cell['gram']} | {short_cell(by_model.get('gram') or by_model.get('baseline'))} "
                     f"| {with_ptrm(paper_cell['trm'], paper_cell['ptrm'])} "
                     f"| {with_ptrm(short_cell(by_model.get('trm')), ptrm and short_cell(ptrm))} |")
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
    p.add_argument("--tables", type=Path, default=PAPER_TABLES, help="the paper tables' records")
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--readme", type=Path, default=README, help="README whose headline block is refreshed")
    args = p.parse_args(argv)
    records = load(args.headline)
    outputs = {args.out: render(records, load_tables(args.tables)),
               args.readme: with_readme_table(args.readme.read_text(), records)}
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
