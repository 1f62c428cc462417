"""Graphs and colourings as text and as an RGB image (numpy only, no plotting library)."""

from __future__ import annotations

import numpy as np

from gram_envs.coloring.logic import conflict_edges, triu_index

PALETTE = np.array(
    [
        (230, 75, 60),  # red
        (60, 130, 220),  # blue
        (80, 180, 90),  # green
        (240, 200, 50),  # yellow
        (160, 90, 200),  # purple
        (250, 140, 40),  # orange
        (60, 200, 200),  # cyan
        (230, 110, 180),  # pink
        (140, 100, 60),  # brown
    ],
    dtype=np.uint8,
)
BACKGROUND, EDGE, CONFLICT, OUTLINE, UNCOLOURED = (
    (250, 250, 250),
    (150, 150, 150),
    (220, 0, 0),
    (30, 30, 30),
    (255, 255, 255),
)
LETTERS = "ABCDEFGHI"


def graph_ansi(adjacency: np.ndarray, answer: np.ndarray | None) -> str:
    """Adjacency matrix ('#' edge, '.' none, '!' monochromatic edge), then the colouring and its conflicts."""
    n = adjacency.shape[0]
    bad = np.zeros((n, n), dtype=bool)
    if answer is not None:
        iu, ju = triu_index(n)
        mono = conflict_edges(adjacency, answer)
        bad[iu[mono], ju[mono]] = True
        bad |= bad.T
    width = len(str(n - 1))
    lines = [f"graph: {n} vertices, {int(adjacency.sum()) // 2} edges"]
    lines.append(" " * (width + 1) + " ".join(str(v % 10) for v in range(n)))
    for r in range(n):
        cells = ["!" if bad[r, c] else "#" if adjacency[r, c] else "." for c in range(n)]
        lines.append(f"{r:>{width}} " + " ".join(cells))
    if answer is None:
        lines.append("colouring: (none yet)")
    else:
        lines.append("colouring: " + " ".join(f"{v}={LETTERS[int(c)]}" for v, c in enumerate(answer)))
        iu, ju = triu_index(n)
        mono = conflict_edges(adjacency, answer)
        pairs = ", ".join(f"{a}-{b}" for a, b in zip(iu[mono].tolist(), ju[mono].tolist(), strict=True))
        lines.append(f"conflicts: {int(mono.sum())}" + (f" ({pairs})" if pairs else ""))
    return "\n".join(lines) + "\n"


def _draw_line(img: np.ndarray, p0: np.ndarray, p1: np.ndarray, color: tuple[int, int, int], thick: int) -> None:
    """Rasterise a segment by dense sampling (enough for the small canvases used here)."""
    steps = int(np.abs(p1 - p0).max()) + 1
    t = np.linspace(0.0, 1.0, steps)[:, None]
    pts = np.rint(p0 + t * (p1 - p0)).astype(np.int64)
    h, w = img.shape[:2]
    for dy in range(-(thick // 2), thick // 2 + 1):
        for dx in range(-(thick // 2), thick // 2 + 1):
            y = np.clip(pts[:, 0] + dy, 0, h - 1)
            x = np.clip(pts[:, 1] + dx, 0, w - 1)
            img[y, x] = color


def graph_rgb(adjacency: np.ndarray, answer: np.ndarray | None, size: int = 256) -> np.ndarray:
    """Vertices on a circle as discs filled with their colour (white when uncoloured);
    grey edges, monochromatic edges thick red. Fixed (size, size, 3) uint8 canvas."""
    n = adjacency.shape[0]
    img = np.empty((size, size, 3), dtype=np.uint8)
    img[:] = BACKGROUND
    centre = (size - 1) / 2
    radius = size * 0.38
    angle = 2 * np.pi * np.arange(n) / n  # vertex 0 on top, clockwise (image y grows downwards)
    pos = np.stack([centre - radius * np.cos(angle), centre + radius * np.sin(angle)], axis=1)
    iu, ju = triu_index(n)
    edge = adjacency[iu, ju] != 0
    mono = conflict_edges(adjacency, answer) if answer is not None else np.zeros_like(edge)
    for a, b, bad in zip(iu[edge], ju[edge], mono[edge], strict=True):
        if not bad:
            _draw_line(img, pos[a], pos[b], EDGE, 1)
    for a, b, bad in zip(iu[edge], ju[edge], mono[edge], strict=True):
        if bad:
            _draw_line(img, pos[a], pos[b], CONFLICT, 3)
    disc_r = max(4.0, size * 0.045)
    yy, xx = np.mgrid[:size, :size]
    for v in range(n):
        d2 = (yy - pos[v, 0]) ** 2 + (xx - pos[v, 1]) ** 2
        img[d2 <= (disc_r + 1.5) ** 2] = OUTLINE
        fill = UNCOLOURED if answer is None else tuple(int(x) for x in PALETTE[int(answer[v]) % len(PALETTE)])
        img[d2 <= disc_r**2] = fill
    return img
