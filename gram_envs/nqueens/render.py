"""N-Queens boards as text and as an RGB image."""

from __future__ import annotations

import numpy as np

from gram_envs.core.render import disc_mask, grid_image

LIGHT, DARK = (238, 238, 210), (118, 150, 86)
GIVEN, PLACED = (20, 20, 20), (200, 40, 40)


def board_ansi(givens: np.ndarray, answer: np.ndarray | None) -> str:
    """'Q' given queen, 'q' queen added by the answer, '.' empty."""
    rows = []
    for r in range(givens.shape[0]):
        cells = []
        for c in range(givens.shape[1]):
            if givens[r, c]:
                cells.append("Q")
            elif answer is not None and answer[r, c]:
                cells.append("q")
            else:
                cells.append(".")
        rows.append(" ".join(cells))
    return "\n".join(rows) + "\n"


def board_rgb(givens: np.ndarray, answer: np.ndarray | None, cell: int = 24) -> np.ndarray:
    """Checkerboard with black discs for given queens and red discs for added ones."""
    n = givens.shape[0]
    checker = (np.add.outer(np.arange(n), np.arange(n)) % 2).astype(bool)
    colors = np.where(checker[..., None], np.array(DARK, np.uint8), np.array(LIGHT, np.uint8))
    img = grid_image(colors, cell)
    disc = disc_mask(cell)
    for (r, c), g in np.ndenumerate(givens):
        placed = answer is not None and answer[r, c]
        if g or placed:
            patch = img[r * cell : (r + 1) * cell, c * cell : (c + 1) * cell]
            patch[disc] = GIVEN if g else PLACED
    return img
