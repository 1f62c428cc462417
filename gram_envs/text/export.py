"""Export a split as prompt/answer/metadata rows (jsonl, or parquet through pyarrow) and load them back.

Run: python -m gram_envs.text.export --env GRAM/NQueens-8 --split test --format jsonl --out nq8.jsonl

One row per instance of the split, in instance order: ``question``, ``answer`` (one valid
completion, drawn with ``--seed``) and ``metadata`` (env id, kwargs, instance id, number of
solutions, ...). Parquet stores ``metadata`` as a JSON string; ``load_rows`` returns the
same dicts for both formats, ready for ``gram_envs.text.score_answer(answer, row)``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from gram_envs.text.dataset import make_entry
from gram_envs.text.scoring import check_partial_credit
from gram_envs.text.tasks import text_task

FORMATS = ("jsonl", "parquet")


def export_rows(env_id: str, split: str = "test", env_kwargs: dict[str, Any] | None = None, *,
                partial_credit: float = 0.0, seed: int = 0, limit: int | None = None) -> list[dict[str, Any]]:
    """Every instance of a split (or its first ``limit``) as a dataset entry."""
    task = text_task(env_id, env_kwargs)
    ids = task.split_ids(split)
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"limit must be a positive int, got {limit!r}")
        ids = ids[:limit]
    rows = []
    for k, instance_id in enumerate(ids.tolist()):
        rng = np.random.default_rng([seed, k])
        row = make_entry(task, int(instance_id), rng, check_partial_credit(partial_credit), split)
        row["metadata"].update(source_dataset="gram_export", source_index=k)
        rows.append(row)
    return rows


def _format_of(path: Path, fmt: str | None) -> str:
    fmt = fmt or path.suffix.lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {list(FORMATS)} (or a .jsonl/.parquet file name), got {fmt!r}")
    return fmt


def _pyarrow():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise ImportError("parquet needs pyarrow: pip install 'gram-gym[text]'") from exc
    return pa, pq


def write_rows(rows: Sequence[dict[str, Any]], path: str | Path, fmt: str | None = None) -> Path:
    """Write rows as jsonl (one object per line) or parquet (metadata as a JSON string)."""
    path = Path(path)
    fmt = _format_of(path, fmt)
    if fmt == "jsonl":
        with path.open("w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, sort_keys=True) + "\n")
    else:
        pa, pq = _pyarrow()
        table = pa.table({
            "question": [r["question"] for r in rows],
            "answer": [r["answer"] for r in rows],
            "metadata": [json.dumps(r["metadata"], sort_keys=True) for r in rows],
        })
        pq.write_table(table, path)
    return path


def load_rows(path: str | Path, fmt: str | None = None) -> list[dict[str, Any]]:
    """Rows written by ``write_rows`` (either format) as ``{"question", "answer", "metadata"}`` dicts."""
    path = Path(path)
    fmt = _format_of(path, fmt)
    if fmt == "jsonl":
        with path.open(encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    _, pq = _pyarrow()
    table = pq.read_table(path).to_pydict()
    return [{"question": q, "answer": a, "metadata": json.loads(m)}
            for q, a, m in zip(table["question"], table["answer"], table["metadata"], strict=True)]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gram export", description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", required=True, help="puzzle env id, e.g. GRAM/NQueens-8 (see `gram list`)")
    parser.add_argument("--split", default="test", help="split to export (default: test)")
    parser.add_argument("--format", choices=FORMATS, default=None,
                        help="output format (default: from the --out file extension)")
    parser.add_argument("--out", required=True, help="output file (.jsonl or .parquet)")
    parser.add_argument("--env-kwargs", default="{}", help="JSON object of env kwargs, e.g. '{\"n\": 6}'")
    parser.add_argument("--partial-credit", type=float, default=0.0,
                        help="partial credit stored with each row for scoring (default: 0)")
    parser.add_argument("--seed", type=int, default=0, help="seed that picks each row's reference answer")
    parser.add_argument("--limit", type=int, default=None, help="export only the first LIMIT instances")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status (user errors print one line)."""
    args = build_parser().parse_args(argv)
    try:
        kwargs = json.loads(args.env_kwargs)
        if not isinstance(kwargs, dict):
            raise ValueError(f"--env-kwargs must be a JSON object, got {args.env_kwargs!r}")
        out = Path(args.out)
        fmt = _format_of(out, args.format)
        rows = export_rows(args.env, args.split, kwargs, partial_credit=args.partial_credit, seed=args.seed,
                           limit=args.limit)
        write_rows(rows, out, fmt)
    except (ValueError, ImportError, OSError, json.JSONDecodeError) as exc:
        print(f"gram export: error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(rows)} rows of {args.env} ({args.split}) to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
