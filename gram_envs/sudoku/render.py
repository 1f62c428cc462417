"""Sudoku boards as text and as an RGB image (digits drawn with a built-in 3x5 bitmap font)."""

from __future__ import annotations

import numpy as np

from gram_envs.core.render import grid_image

SYMBOLS = ".123456789ABCDEFGHIJKLMNOP"  # 0 = blank; 10.. drawn as letters (16x16, 25x25)
_FONT_ROWS = {
    "0": ["111", "101", "101", "101", "111"], "1": ["010", "110", "010", "010", "111"],
    "2": ["111", "001", "111", "100", "111"], "3": ["111", "001", "111", "001", "111"],
    "4": ["101", "101", "111", "001", "001"], "5": ["111", "100", "111", "001", "111"],
    "6": ["111", "100", "111", "101", "111"], "7": ["111", "001", "010", "010", "010"],
    "8": ["111", "101", "111", "101", "111"], "9": ["111", "101", "111", "001", "111"],
    "A": ["010", "101", "111", "101", "101"], "B": ["110", "101", "110", "101", "110"],
    "C": ["011", "100", "100", "100", "011"], "D": ["110", "101", "101", "101", "110"],
    "E": ["111", "100", "110", "100", "111"], "F": ["111", "100", "110", "100", "100"],
    "G": ["011", "100", "101", "101", "011"], "H": ["101", "101", "111", "101", "101"],
    "I": ["111", "010", "010", "010", "111"], "J": ["001", "001", "001", "101", "010"],
    "K": ["101", "110", "100", "110", "101"], "L": ["100", "100", "100", "100", "111"],
    "M": ["101", "111", "111", "101", "101"], "N": ["110", "101", "101", "101", "101"],
    "O": ["010", "101", "101", "101", "010"], "P": ["110", "101", "110", "100", "100"],
}
FONT = {k: np.array([[c == "1" for c in row] for row in v]) for k, v in _FONT_ROWS.items()}
GIVEN, PLACED, CHANGED = (20, 20, 20), (30, 80, 200), (200, 40, 40)
LIGHT, SHADE = (250, 250, 250), (228, 232, 240)


def board_ansi(givens: np.ndarray, answer: np.ndarray | None) -> str:
    """Rows of symbols with box separators; the answer (if any) fills the blanks."""
    side = givens.shape[0]
    box = int(round(np.sqrt(side)))
    board = givens if answer is None else answer
    lines = []
    for r in range(side):
        if r and r % box == 0:
            lines.append("+".join(["-" * (2 * box - 1)] * box))
        cells = [SYMBOLS[int(v)] for v in board[r]]
        lines.append("|".join(" ".join(cells[s : s + box]) for s in range(0, side, box)))
    return "\n".join(lines) + "\n"


def board_rgb(givens: np.ndarray, answer: np.ndarray | None, cell: int = 24) -> np.ndarray:
    """Shaded boxes; givens black, answer digits blue, answer digits over a changed given red."""
    side = givens.shape[0]
    box = int(round(np.sqrt(side)))
    rr, cc = np.divmod(np.arange(side * side), side)
    shade = (((rr // box) + (cc // box)) % 2).reshape(side, side).astype(bool)
    colors = np.where(shade[..., None], np.array(SHADE, np.uint8), np.array(LIGHT, np.uint8))
    img = grid_image(colors, cell)
    scale = max(1, (cell - 4) // 6)
    for (r, c), g in np.ndenumerate(givens):
        if answer is not None and g and answer[r, c] != g:
            value, color = int(answer[r, c]), CHANGED
        elif g:
            value, color = int(g), GIVEN
        elif answer is not None and answer[r, c]:
            value, color = int(answer[r, c]), PLACED
        else:
            continue
        _draw(img, r, c, value, color, cell, scale)
    return img


def _draw(img: np.ndarray, r: int, c: int, value: int, color: tuple[int, int, int], cell: int, scale: int) -> None:
    glyph = np.kron(FONT[SYMBOLS[value]], np.ones((scale, scale), dtype=bool))
    h, w = glyph.shape
    y0 = r * cell + (cell - h) // 2
    x0 = c * cell + (cell - w) // 2
    img[y0 : y0 + h, x0 : x0 + w][glyph] = color
