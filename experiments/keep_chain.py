"""Keep a chain's ledger under benchmarks/results after each chunk: the ledger of experiments.chain
(chunks, learning curve), the training log every 250 steps and the card each chunk ran on.

    python -m experiments.keep_chain --recipe sx-trm --chain OUT/chain_sx-trm.json --log OUT/log_sx-trm.txt \\
        --device "NVIDIA H100" [--commit C --command CMD --note TEXT]

The first call writes ``benchmarks/results/chain_<recipe>.json``; later calls check that the chunks
kept so far are the new ledger's first chunks (the same chain), replace the ledger, append the new
log rows and name the card of each new chunk. ``experiments.curves`` plots the kept file and
``experiments.headline`` reads GPU-minutes from it.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results"
#: the training log's values kept per row; GRAM's KL and sigmas are dropped for the other models
LOG_KEYS = ("ce", "kl", "token_acc", "correct", "sigma_p", "sigma_q", "halted_acc", "sample_steps_per_s")
GRAM_ONLY = ("kl", "sigma_p", "sigma_q")
LOG_EVERY = 250


def log_rows(text: str, model: str) -> list[dict[str, Any]]:
    """Rows of the training log's JSON lines (``train(log=print)``) at step 50 and every 250 steps."""
    keys = [k for k in LOG_KEYS if model == "gram" or k not in GRAM_ONLY]
    rows = []
    for line in text.replace("\r", "\n").splitlines():
        start = line.find('{"loss"')
        if start < 0:
            continue
        try:
            stats = json.loads(line[start:])
        except json.JSONDecodeError:  # a line cut by the progress bar
            continue
        if stats["step"] == 50 or stats["step"] % LOG_EVERY == 0:
            rows.append({"step": stats["step"], **{k: round(stats[k], 5) for k in keys if k in stats}})
    return rows


def keep(kept: dict[str, Any] | None, ledger: dict[str, Any], rows: list[dict[str, Any]], device: str,
         recipe: str) -> dict[str, Any]:
    """The kept file with a newer ledger of the same chain merged in (a new file when ``kept`` is None)."""
    if kept is None:
        kept = {"what": f"the {recipe} chain's ledger: chunks (steps, training and wall seconds, sample-steps/s) "
                        "and the learning curve after each chunk, plus the training log every 250 steps",
                "date": "", "commit": "", "device": "", "jobs_per_gpu": 1, "command": "", "note": "",
                "ledger": {"chunks": []},
                "train_log": {"what": "every 250 steps: ce and token_acc of the trained path, correct = share of "
                                      "training slots whose answer decodes to a solution, halted_acc the halting "
                                      "head's accuracy (GRAM: kl, sigma_p and sigma_q too), sample_steps_per_s the "
                                      "logged rate over the last 50 steps", "rows": []},
                "chunk_devices": []}
    old = kept["ledger"]["chunks"]
    if ledger["chunks"][:len(old)] != old:
        raise ValueError(f"the new ledger's first {len(old)} chunks differ from the kept ones: not the same chain")
    if len(ledger["chunks"]) <= len(old):
        raise ValueError("the new ledger has no chunk beyond the kept ones")
    last = kept["train_log"]["rows"][-1]["step"] if kept["train_log"]["rows"] else 0
    kept["train_log"]["rows"] += [r for r in rows if r["step"] > last]
    kept["chunk_devices"] = kept.get("chunk_devices", []) + [device] * (len(ledger["chunks"]) - len(old))
    kept["ledger"] = ledger
    return kept


def main(argv: list[str] | None = None) -> int:
    from gram_agent.recipes import recipe as get_recipe

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--recipe", required=True)
    p.add_argument("--chain", required=True, help="the run's chain.json after the chunk")
    p.add_argument("--log", default=None, help="the chunk's training log (experiments.chain's stdout)")
    p.add_argument("--device", required=True, help="the card the new chunks ran on, e.g. 'NVIDIA H100'")
    p.add_argument("--commit", default=None, help="the commit the chunks ran at (first call: required)")
    p.add_argument("--command", default=None, help="the command behind the chain (first call: required)")
    p.add_argument("--note", default=None, help="appended to the kept note")
    p.add_argument("--out", type=Path, default=None, help="default benchmarks/results/chain_<recipe>.json")
    args = p.parse_args(argv)
    model = get_recipe(args.recipe).model
    out = args.out or RESULTS / f"chain_{args.recipe}.json"
    kept = json.loads(out.read_text()) if out.exists() else None
    if kept is None and not (args.commit and args.command):
        p.error("a new kept ledger needs --commit and --command")
    ledger = json.loads(Path(args.chain).read_text())
    rows = log_rows(Path(args.log).read_text(), model) if args.log else []
    kept = keep(kept, ledger, rows, args.device, args.recipe)
    kept["date"] = datetime.date.today().isoformat()
    devices = sorted(set(kept["chunk_devices"]))
    kept["device"] = "; ".join(f"1x {d.removeprefix('NVIDIA ')} (chunks "
                               f"{','.join(str(i + 1) for i, c in enumerate(kept['chunk_devices']) if c == d)})"
                               for d in devices)
    for key in ("commit", "command"):
        if getattr(args, key):
            kept[key] = getattr(args, key) if not kept[key] else f"{kept[key]}; {getattr(args, key)}"
    if args.note:
        kept["note"] = f"{kept['note']}; {args.note}" if kept["note"] else args.note
    out.write_text(json.dumps(kept, indent=1) + "\n")
    chunks = kept["ledger"]["chunks"]
    print(f"{out.name}: {len(chunks)} chunks to step {chunks[-1]['steps']}, "
          f"{len(kept['train_log']['rows'])} log rows; curve "
          + ", ".join(f"{c['steps']}: {c['accuracy']}" for c in kept["ledger"].get("curve", [])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
