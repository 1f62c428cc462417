"""TRM-style Sudoku augmentation, vectorised over a batch and applied on the fly.

Each variant draws, independently per row: a permutation of the digits (blank fixed),
a transpose with probability 1/2, a permutation of the bands and of the rows inside each
band, and likewise of the stacks and the columns inside each stack (TRM's
``shuffle_sudoku``). Every such map sends valid grids to valid grids and a puzzle's
unique solution to the unique solution of its image, so (input, label) pairs stay
consistent and 1,000 variants per puzzle cost no storage.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from gram_envs.core.dataset import IGNORE_LABEL


def _perm_rows(rng: np.random.Generator, batch: int, k: int) -> np.ndarray:
    """(batch, k) independent random permutations of range(k)."""
    return np.argsort(rng.random((batch, k)), axis=1)


def _line_order(rng: np.random.Generator, batch: int, box: int) -> np.ndarray:
    """(batch, N): source line of each target line (outer perm of blocks, inner perms)."""
    outer = _perm_rows(rng, batch, box)  # (B, box)
    inner = np.argsort(rng.random((batch, box, box)), axis=2)  # (B, box, box)
    return (outer[:, :, None] * box + inner).reshape(batch, box * box)


def random_transforms(rng: np.random.Generator, batch: int, box: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """(cell_src (B, C) flat source cell of each target cell, digit_map (B, N+1) with 0 -> 0)."""
    n = box * box
    rows = _line_order(rng, batch, box)
    cols = _line_order(rng, batch, box)
    src = rows[:, :, None] * n + cols[:, None, :]  # new[r, c] = old[rows[r], cols[c]]
    flip = rng.random(batch) < 0.5
    src = np.where(flip[:, None, None], src.transpose(0, 2, 1), src).reshape(batch, n * n)
    digit_map = np.concatenate([np.zeros((batch, 1), np.int64), 1 + _perm_rows(rng, batch, n)], axis=1)
    return src, digit_map


def apply_transforms(boards: np.ndarray, cell_src: np.ndarray, digit_map: np.ndarray) -> np.ndarray:
    """Apply per-row transforms to boards (B, N, N) in the user encoding (0 blank)."""
    b, n = boards.shape[0], boards.shape[-1]
    flat = boards.reshape(b, n * n)
    moved = np.take_along_axis(flat, cell_src, axis=1)
    return np.take_along_axis(digit_map, moved.astype(np.int64), axis=1).reshape(boards.shape).astype(boards.dtype)


def augment_boards(
    rng: np.random.Generator, puzzles: np.ndarray, solutions: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One random variant per row, the same map for a puzzle and its solution."""
    puzzles, solutions = np.asarray(puzzles), np.asarray(solutions)
    box = int(round(np.sqrt(puzzles.shape[-1])))
    src, dmap = random_transforms(rng, len(puzzles), box)
    return apply_transforms(puzzles, src, dmap), apply_transforms(solutions, src, dmap)


def token_augmenter(box: int = 3, digit_offset: int = 1) -> Callable:
    """``TokenDataset.augment`` for tokens (PAD 0, blank 1, digit d -> d + digit_offset).

    Returns f(rng, inputs (B, C), labels (B, C)) -> augmented copies; labels may hold
    ``IGNORE_LABEL`` (kept as is).
    """
    n = box * box

    def augment(rng: np.random.Generator, inputs: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        inputs, labels = np.asarray(inputs), np.asarray(labels)
        if inputs.ndim != 2 or inputs.shape[1] != n * n or labels.shape != inputs.shape:
            raise ValueError(f"inputs and labels must both have shape (batch, {n * n}); got {inputs.shape}, {labels.shape}")
        b = len(inputs)
        src, dmap = random_transforms(rng, b, box)
        # token table: PAD and blank fixed, digit tokens permuted
        table = np.concatenate([np.tile(np.arange(digit_offset + 1), (b, 1)), dmap[:, 1:] + digit_offset], axis=1)
        out = []
        for arr in (inputs, labels):
            moved = np.take_along_axis(arr, src, axis=1)
            ignore = moved == IGNORE_LABEL
            mapped = np.take_along_axis(table, np.where(ignore, 0, moved).astype(np.int64), axis=1)
            out.append(np.where(ignore, IGNORE_LABEL, mapped).astype(arr.dtype))
        return out[0], out[1]

    return augment
