"""ARC tasks as text (digits plus a colour legend) and as RGB images (standard ARC palette)."""

from __future__ import annotations

import numpy as np

from gram_envs.core.render import grid_image

#: the palette of the ARC web interface (colours 0..9)
PALETTE = np.array(
    [
        (0, 0, 0),  # 0 black
        (0, 116, 217),  # 1 blue
        (255, 65, 54),  # 2 red
        (46, 204, 64),  # 3 green
        (255, 220, 0),  # 4 yellow
        (170, 170, 170),  # 5 grey
        (240, 18, 190),  # 6 magenta
        (255, 133, 27),  # 7 orange
        (127, 219, 255),  # 8 sky blue
        (135, 12, 37),  # 9 maroon
    ],
    dtype=np.uint8,
)
COLOR_NAMES = ("black", "blue", "red", "green", "yellow", "grey", "magenta", "orange", "sky", "maroon")
LEGEND = "colours: " + " ".join(f"{i}={name}" for i, name in enumerate(COLOR_NAMES))
BACKGROUND = 40
GAP = 8


def grid_text(grid: np.ndarray, color: bool = False) -> list[str]:
    """Rows of digits; with ``color`` each digit gets its palette colour as an ANSI background."""
    lines = []
    for row in np.asarray(grid):
        if color:
            cells = [f"\x1b[48;2;{PALETTE[v][0]};{PALETTE[v][1]};{PALETTE[v][2]}m{v}\x1b[0m" for v in row.tolist()]
            lines.append("".join(cells))
        else:
            lines.append("".join(str(v) for v in row.tolist()))
    return lines


def side_by_side(left: list[str], right: list[str], width_left: int, sep: str = "   ") -> list[str]:
    """Two blocks of lines next to each other (the left one padded to ``width_left``)."""
    out = []
    for i in range(max(len(left), len(right))):
        a = left[i] if i < len(left) else ""
        b = right[i] if i < len(right) else ""
        out.append(a + " " * (width_left - len(a)) + sep + b)
    return out


def task_ansi(
    title: str,
    demos: list[tuple[np.ndarray, np.ndarray]],
    test_input: np.ndarray,
    attempt: np.ndarray | None,
    verdict: str = "",
) -> str:
    """Demo pairs (input -> output), the test input and the last attempt, with the legend."""
    lines = [title, LEGEND]
    for i, (a, b) in enumerate(demos):
        lines.append(f"demo {i + 1}: {a.shape[0]}x{a.shape[1]} -> {b.shape[0]}x{b.shape[1]}")
        lines += side_by_side(grid_text(a), grid_text(b), a.shape[1])
    right = grid_text(attempt) if attempt is not None else ["(no attempt yet)"]
    head = f"test: {test_input.shape[0]}x{test_input.shape[1]} -> "
    head += f"attempt {attempt.shape[0]}x{attempt.shape[1]} {verdict}" if attempt is not None else "?"
    lines.append(head)
    lines += side_by_side(grid_text(test_input), right, test_input.shape[1])
    return "\n".join(lines) + "\n"


def _slot(grid: np.ndarray | None, cell: int) -> np.ndarray:
    size = 30 * cell + 1
    slot = np.full((size, size, 3), BACKGROUND, dtype=np.uint8)
    if grid is not None:
        img = grid_image(PALETTE[np.asarray(grid, dtype=np.int64)], cell)
        slot[: img.shape[0], : img.shape[1]] = img
    return slot


def task_rgb(
    demos: list[tuple[np.ndarray, np.ndarray]], test_input: np.ndarray, attempt: np.ndarray | None, cell: int = 6
) -> np.ndarray:
    """One row per demo pair (input | output), last row test input | attempt; fixed slot size,
    so frames of one episode all have the same shape (video recording needs that)."""
    rows = [np.concatenate([_slot(a, cell), _gap(cell), _slot(b, cell)], axis=1) for a, b in demos]
    rows.append(np.concatenate([_slot(test_input, cell), _gap(cell), _slot(attempt, cell)], axis=1))
    pieces = []
    for r in rows:
        pieces += [r, np.full((GAP, r.shape[1], 3), 255, dtype=np.uint8)]
    return np.ascontiguousarray(np.concatenate(pieces[:-1], axis=0))


def _gap(cell: int) -> np.ndarray:
    return np.full((30 * cell + 1, GAP, 3), 255, dtype=np.uint8)
