"""Pure, batched ARC rules on padded grids: checking answers and TRM's token encoding.

Grids are (..., 30, 30) integer arrays with (..., 2) sizes (rows, cols); cells outside
the size are ignored (treated as absent). A size of (0, 0) marks a missing candidate
(``evaluate`` accepts it; it is never correct).

Scores per candidate against the target:

- ``valid``: same size and every cell equal (the ARC criterion, exact match).
- ``shape_match``: same size.
- ``pixel_accuracy``: fraction of target cells reproduced when the size matches, else 0
  (a wrong-sized grid has no cell-to-cell correspondence, so it earns nothing).
- ``conflicts``: cells of the union of both rectangles (anchored top-left) that differ,
  counting a cell covered by only one of the two as wrong; 0 iff valid.

Tokens (as TRM's ARC data): PAD 0, EOS 1, colour c -> c + 2 (vocab 12) on a
30x30 canvas, row-major (seq_len 900). The grid sits at a top-left offset (0, 0 unless
translated); EOS fills the row just below it (over its columns) and the column just right
of it (over its rows), so a model predicts the output size.
"""

from __future__ import annotations

import numpy as np

MAX_SIZE = 30
PAD, EOS, COLOR_OFFSET = 0, 1, 2
VOCAB_SIZE = 12
SEQ_LEN = MAX_SIZE * MAX_SIZE

_row_idx, _col_idx = np.meshgrid(np.arange(MAX_SIZE), np.arange(MAX_SIZE), indexing="ij")


def inside_mask(shapes: np.ndarray) -> np.ndarray:
    """(..., 30, 30) bool: the cells inside each size's top-left rectangle."""
    shapes = np.asarray(shapes)
    h = shapes[..., 0, None, None]
    w = shapes[..., 1, None, None]
    return (_row_idx < h) & (_col_idx < w)


def clean_grids(grids: np.ndarray, shapes: np.ndarray) -> np.ndarray:
    """int8 copy of ``grids`` with every cell outside its size set to 0 (canonical form)."""
    return np.where(inside_mask(shapes), grids, 0).astype(np.int8)


def score(
    grids: np.ndarray, shapes: np.ndarray, target_grids: np.ndarray, target_shapes: np.ndarray
) -> dict[str, np.ndarray]:
    """Exact, pixel and size scores of candidates against targets (broadcasting leading axes)."""
    cand_in = inside_mask(shapes)
    tgt_in = inside_mask(target_shapes)
    same_cell = np.asarray(grids) == np.asarray(target_grids)
    both = cand_in & tgt_in
    wrong = (cand_in ^ tgt_in) | (both & ~same_cell)
    conflicts = wrong.sum(axis=(-2, -1))
    shape_match = np.all(np.asarray(shapes) == np.asarray(target_shapes), axis=-1)
    nonempty = np.all(np.asarray(shapes) > 0, axis=-1)
    valid = shape_match & (conflicts == 0) & nonempty
    target_cells = np.maximum(np.prod(target_shapes, axis=-1), 1)
    right = (both & same_cell).sum(axis=(-2, -1))
    pixel = np.where(shape_match & nonempty, right / target_cells, 0.0)
    return {
        "valid": valid,
        "shape_match": shape_match & nonempty,
        "pixel_accuracy": pixel.astype(np.float64),
        "conflicts": conflicts.astype(np.int64),
    }


def encode(grids: np.ndarray, shapes: np.ndarray, offsets: np.ndarray | None = None) -> np.ndarray:
    """Token rows (n, 900) int32 of padded grids (n, 30, 30) placed at ``offsets`` (n, 2)."""
    grids = np.asarray(grids)
    shapes = np.asarray(shapes, dtype=np.int64)
    n = len(grids)
    off = np.zeros((n, 2), dtype=np.int64) if offsets is None else np.asarray(offsets, dtype=np.int64)
    if np.any(off < 0) or np.any(off + shapes > MAX_SIZE):
        raise ValueError("offsets must keep every grid inside the 30x30 canvas")
    dr, dc = off[:, 0, None, None], off[:, 1, None, None]
    h, w = shapes[:, 0, None, None], shapes[:, 1, None, None]
    rows_in = (_row_idx >= dr) & (_row_idx < dr + h)
    cols_in = (_col_idx >= dc) & (_col_idx < dc + w)
    src_r = np.clip(_row_idx - dr, 0, MAX_SIZE - 1)
    src_c = np.clip(_col_idx - dc, 0, MAX_SIZE - 1)
    values = grids[np.arange(n)[:, None, None], src_r, src_c].astype(np.int32) + COLOR_OFFSET
    tokens = np.where(rows_in & cols_in, values, PAD)
    eos = ((_row_idx == dr + h) & cols_in) | ((_col_idx == dc + w) & rows_in)
    tokens = np.where(eos, EOS, tokens)
    return tokens.reshape(n, SEQ_LEN).astype(np.int32)


def decode_rows(tokens: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact inverse of ``encode`` for well-formed rows: (grids, shapes, offsets).

    The grid is the bounding box of colour tokens (every grid cell, black included, is a
    colour token), so translated rows decode too.
    """
    t = np.asarray(tokens).reshape(-1, MAX_SIZE, MAX_SIZE)
    color = t >= COLOR_OFFSET
    any_r, any_c = color.any(axis=2), color.any(axis=1)
    r0, c0 = any_r.argmax(axis=1), any_c.argmax(axis=1)
    h = np.where(any_r.any(axis=1), MAX_SIZE - any_r[:, ::-1].argmax(axis=1) - r0, 0)
    w = np.where(any_c.any(axis=1), MAX_SIZE - any_c[:, ::-1].argmax(axis=1) - c0, 0)
    shapes = np.stack([h, w], axis=1).astype(np.int64)
    src_r = np.clip(_row_idx + r0[:, None, None], 0, MAX_SIZE - 1)
    src_c = np.clip(_col_idx + c0[:, None, None], 0, MAX_SIZE - 1)
    shifted = t[np.arange(len(t))[:, None, None], src_r, src_c] - COLOR_OFFSET
    grids = clean_grids(np.clip(shifted, 0, 9), shapes)
    lead = np.shape(tokens)[:-1]
    offsets = np.stack([r0, c0], axis=1).astype(np.int64)
    return grids.reshape(*lead, MAX_SIZE, MAX_SIZE), shapes.reshape(*lead, 2), offsets.reshape(*lead, 2)


def decode_predictions(tokens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Model output tokens (..., 900) -> (grids, shapes) as TRM's evaluator crops them.

    The answer is the largest-area top-left rectangle made only of colour tokens (first
    one on ties); (0, 0) when the top-left cell is not a colour (no answer).
    """
    t = np.asarray(tokens).reshape(-1, MAX_SIZE, MAX_SIZE)
    color = (t >= COLOR_OFFSET) & (t < COLOR_OFFSET + 10)
    run = np.cumprod(color, axis=2).sum(axis=2)  # leading colour run per row
    width = np.minimum.accumulate(run, axis=1)  # usable width for the first r+1 rows
    area = width * np.arange(1, MAX_SIZE + 1)
    best = area.argmax(axis=1)
    idx = np.arange(len(t))
    h = np.where(area[idx, best] > 0, best + 1, 0)
    w = np.where(h > 0, width[idx, best], 0)
    shapes = np.stack([h, w], axis=1).astype(np.int64)
    grids = clean_grids(np.clip(t - COLOR_OFFSET, 0, 9), shapes)
    lead = np.shape(tokens)[:-1]
    return grids.reshape(*lead, MAX_SIZE, MAX_SIZE), shapes.reshape(*lead, 2)
