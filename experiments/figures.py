"""Small PNGs for the evaluation drivers: a low dpi, then pngquant's lossy palette where installed."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

#: dpi of the drivers' figures: readable on a page, a few tens of kB
DPI = 90


def save_png(fig: Any, path: str, dpi: int = DPI) -> bool:
    """Save a matplotlib figure to ``path`` and shrink it with pngquant when it is on PATH; returns
    whether pngquant ran (a failed pngquant leaves the plain PNG in place)."""
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    tool = shutil.which("pngquant")
    if tool is None:
        return False
    done = subprocess.run([tool, "--force", "--skip-if-larger", "--quality", "60-90", "--output", path, path],
                          capture_output=True, check=False)
    return done.returncode == 0
