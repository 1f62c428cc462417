"""Plot the learning curves that ``experiments.chain --curve-instances N`` keeps in each run's ledger:
test accuracy (1 sample, the first N test inputs) against training GPU-minutes, one line per run.

    python -m experiments.curves runs/sx-gram runs/sx-trm --png docs/img/sx_curve.png [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from experiments.chain import read_ledger


def curves(run_dirs: list[str]) -> dict[str, list[dict]]:
    """run label (its recipe, else its folder name) -> the ledger's curve points, in order."""
    out = {}
    for d in run_dirs:
        led = read_ledger(Path(d))
        points = led.get("curve") or []
        if not points:
            raise ValueError(f"{d}: its ledger has no learning curve (run experiments.chain with --curve-instances)")
        out[led.get("recipe") or Path(d).name] = points
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("runs", nargs="+", help="run folders of experiments.chain")
    p.add_argument("--png", required=True)
    p.add_argument("--json", default=None, help="also write the curves as JSON")
    args = p.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from experiments.figures import save_png

    data = curves(args.runs)
    fig, ax = plt.subplots(figsize=(5, 3.2))
    for label, pts in data.items():
        ax.plot([q["train_minutes"] for q in pts], [100 * q["accuracy"] for q in pts], marker="o", label=label)
    ax.set_xlabel("training GPU-minutes")
    ax.set_ylabel("test accuracy, 1 sample (%)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    save_png(fig, args.png)
    if args.json:
        Path(args.json).write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
