"""Plot the learning curves that ``experiments.chain --curve-instances N`` keeps in each run's ledger:
test accuracy (1 sample, the first N test inputs) against training GPU-minutes, one line per run.

    python -m experiments.curves runs/sx-gram runs/sx-trm --png docs/img/sx_curve.png [--json FILE]

A source is a run folder or a ledger kept under benchmarks/results (a JSON file whose "ledger" holds
the chain's ledger, as benchmarks/results/chain_sx-gram.json); ``--labels`` names the lines.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from experiments.chain import read_ledger


def read_source(source: str) -> tuple[dict, str]:
    """(ledger, default label) of a run folder or of a kept ledger file (its "ledger" entry)."""
    path = Path(source)
    if path.is_file():
        kept = json.loads(path.read_text())
        if not isinstance(kept, dict) or not isinstance(kept.get("ledger"), dict):
            raise ValueError(f"{source}: expected a JSON object with a 'ledger' object (a kept chain ledger)")
        return kept["ledger"], path.stem.removeprefix("chain_")
    led = read_ledger(path)
    return led, led.get("recipe") or path.name


def curves(sources: list[str], labels: list[str] | None = None) -> dict[str, list[dict]]:
    """line label (``labels``, else the run's recipe or the file's name) -> the ledger's curve points."""
    if labels is not None and len(labels) != len(sources):
        raise ValueError(f"--labels: expected {len(sources)} labels (one per source), got {len(labels)}")
    out = {}
    for i, src in enumerate(sources):
        led, label = read_source(src)
        points = led.get("curve") or []
        if not points:
            raise ValueError(f"{src}: its ledger has no learning curve (run experiments.chain with --curve-instances)")
        out[labels[i] if labels else label] = points
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("runs", nargs="+", help="run folders of experiments.chain, or kept ledger JSON files")
    p.add_argument("--labels", nargs="+", default=None, help="one line label per source")
    p.add_argument("--png", required=True)
    p.add_argument("--json", default=None, help="also write the curves as JSON")
    args = p.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from experiments.figures import save_png

    data = curves(args.runs, args.labels)
    fig, ax = plt.subplots(figsize=(5, 3.2))
    for label, pts in data.items():
        ax.plot([q["train_minutes"] for q in pts], [100 * q["accuracy"] for q in pts], marker="o", label=label)
    ax.set_xlabel("training GPU-minutes")
    ax.set_ylabel("test accuracy, 1 sample (%)")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")  # learning curves rise to the right
    fig.tight_layout()
    save_png(fig, args.png)
    if args.json:
        Path(args.json).write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
